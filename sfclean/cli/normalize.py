"""``sfclean normalize``: clean and dedupe a CSV file offline, writing four output files.

A thin shell over the library: :func:`sfclean.io.check_csv` (the file's columns, for a
``--mapping``) -> :func:`sfclean.normalize_file` (normalize, in chunks for a large file, and
the four files written atomically). Exit 0 when the stage ran (held-back rows are not
errors), 1 when it could not run, 2 for usage errors. The library (and pandas) is imported
inside the command, so that importing the CLI stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sfclean.cli._errors import reports_errors
from sfclean.cli._options import check_input, normalize_kwargs, normalize_options
from sfclean.cli._output import echo_json_report
from sfclean.cli._progress import progress_bars, quiet_option
from sfclean.cli.group import cli

__all__ = ["normalize_command"]


@cli.command("normalize", short_help="Clean and dedupe a CSV file offline.")
@click.argument("input_csv", metavar="INPUT.csv", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for clean.csv, rejected.csv, findings.csv and report.json.",
)
@normalize_options
@click.option(
    "--chunk-rows",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Read INPUT.csv N rows at a time, so a file larger than memory fits (0: whole; "
    "default: whole up to 64 MiB, else 200,000 rows at a time). Not with --fill-blanks.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON summary on stdout.")
@quiet_option
@reports_errors
def normalize_command(
    input_csv: Path,
    out_dir: Path,
    encoding: str | None,
    delimiter: str | None,
    skip_rows: int,
    chunk_rows: int | None,
    as_json: bool,
    quiet: bool,
    **options: Any,
) -> None:
    """Clean and dedupe INPUT.csv offline; write the results into --out.

    Emails are trimmed, lowercased and validated; phones become E.164; rows with a missing,
    invalid, no-reply, role or disposable email, and repeats of an earlier row's email, are
    held back in rejected.csv with a reason. Nothing is sent anywhere.
    """
    from sfclean.allocator import tune_this_process
    from sfclean.stages.normalize_file import normalize_file

    tune_this_process()  # this process is ours (sfclean.allocator)
    with progress_bars(quiet) as bars:
        checked = check_input(
            input_csv,
            encoding=encoding,
            delimiter=delimiter,
            skip_rows=skip_rows,
            progress=bars.stage("read"),
        )
        kwargs = normalize_kwargs(list(checked.header), **options)
        result = normalize_file(checked, out_dir, chunk_rows=chunk_rows, progress=bars, **kwargs)
    if as_json:
        echo_json_report(out_dir)
    else:
        click.echo(result.to_text(), err=True)
        click.echo(f"Wrote {', '.join(result.files)} to {out_dir}", err=True)
