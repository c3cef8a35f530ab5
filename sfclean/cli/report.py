"""``sfclean report DIR``: write ``DIR/report.html`` for a run, a stage, an audit or a scan.

A thin shell over :func:`sfclean.write_report_html`: one self-contained page (summary,
reasons as a bar chart, held-back samples, an audit's findings with fixes, a scan's
duplicates by creator over time), charts inline as SVG, nothing loaded from the network.
Exit 0 when the page was written, 1 when it could not be (one ``Error: ...`` line), 2 for
usage errors. The library (pandas, matplotlib) is imported inside the command.
"""

from __future__ import annotations

from pathlib import Path

import click

from sfclean.cli._errors import reports_errors
from sfclean.cli.group import cli

__all__ = ["report_command"]


@cli.command("report", short_help="Write DIR/report.html for a run, a stage, an audit or a scan.")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@reports_errors
def report_command(directory: Path) -> None:
    """Write DIR/report.html from the report.json and CSV files a stage wrote into DIR.

    One self-contained page: the summary, held-back rows per reason as a bar chart, a few
    held-back rows per reason, and the stage's own parts (a run's rows per output and API
    calls, an audit's findings with fixes, a scan's duplicates by creator over time).
    Open it in any browser; it loads nothing from the network.
    """
    from sfclean.htmlreport import write_report_html

    path = write_report_html(directory)
    click.echo(f"Wrote {path}", err=True)
