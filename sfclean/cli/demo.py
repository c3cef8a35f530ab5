"""``sfclean demo``: the whole pipeline against a local org, with no credentials and no network.

Starts :class:`sfclean.localorg.LocalOrg` seeded from ``sample_data/org/`` (Leads and
Contacts, Lead duplicate rules that only Report, so the API saves duplicates silently, and an
integration user), logs in exactly as against a real org (``sfclean.connect`` with an
instance URL, an access token and the org's CA bundle), runs :func:`sfclean.run` on
``sample_data/leads.csv`` into Lead, prints the report and stops the org. The pipeline and
the local org are imported inside the command, so that importing the CLI stays fast.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from sfclean.cli._errors import reports_errors
from sfclean.cli._options import read_input
from sfclean.cli._progress import progress_bars, quiet_option
from sfclean.cli.group import cli
from sfclean.cli.run import echo_result
from sfclean.errors import ConfigError

__all__ = ["demo_command", "sample_data_dir"]


def sample_data_dir() -> Path:
    """``sample_data/`` of the source checkout sfclean runs from (or of the working directory)."""
    candidates = [Path(__file__).resolve().parents[2] / "sample_data", Path.cwd() / "sample_data"]
    for candidate in candidates:
        if (candidate / "org").is_dir() and (candidate / "leads.csv").is_file():
            return candidate
    raise ConfigError(
        "sample_data/ (leads.csv and org/) not found; run sfclean demo from a source checkout "
        "of sfclean (pip install -e .)"
    )


@cli.command("demo", short_help="Run the whole pipeline against a local demo org.")
@click.option(
    "--out",
    "out_dir",
    default=Path("out") / "demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the run's outputs and report.json.",
)
@click.option(
    "--keep-running",
    is_flag=True,
    help="Keep the local org running after the run, to look at it, until Ctrl-C.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report on stdout.")
@quiet_option
@reports_errors
def demo_command(out_dir: Path, keep_running: bool, as_json: bool, quiet: bool) -> None:
    """Load sample_data/leads.csv into the Leads of a local demo org, as against a real one.

    The demo org's own duplicate rules let existing people in again silently; sfclean holds
    them back (excluded.csv) and loads only the new ones. Needs no credentials and no network.
    """
    from sfclean.journal import JOURNAL_FILE, LEGACY_FILE
    from sfclean.localorg.server import LocalOrg
    from sfclean.pipeline import run
    from sfclean.salesforce import connect

    data = sample_data_dir()
    df = read_input(data / "leads.csv", encoding=None, delimiter=None)
    # The demo org is new on every run, so an earlier demo's journal describes records that
    # no longer exist: start afresh rather than "resume" into an org that never saw them.
    (out_dir / JOURNAL_FILE).unlink(missing_ok=True)
    (out_dir / LEGACY_FILE).unlink(missing_ok=True)
    with LocalOrg(seed=data / "org") as org:
        click.echo(f"demo: local org '{org.org_name}' at {org.instance_url}", err=True)
        with (
            connect(
                instance_url=org.instance_url,
                access_token=org.access_token,
                ca_bundle=org.ca_bundle,
            ) as conn,
            progress_bars(quiet) as bars,
        ):
            result = run(
                df,
                conn,
                object_name="Lead",
                out_dir=out_dir,
                overwrite=True,  # the demo's own folder: each demo replaces the last
                progress=bars,
            )
        echo_result(result, out_dir, as_json=as_json)
        if not as_json:
            excluded = result.report.rows.excluded
            click.echo(
                f"The org's Lead duplicate rules only Report (Allow without Alert): Salesforce "
                f"would have saved\nthe {excluded} excluded people again without a word. "
                "sfclean held them back (excluded.csv).",
                err=True,
            )
        if keep_running:
            _serve_until_interrupted(org.instance_url, org.access_token, org.ca_bundle)


def _serve_until_interrupted(instance_url: str, access_token: str, ca_bundle: str) -> None:
    click.echo(f"The demo org keeps running at {instance_url} until Ctrl-C.", err=True)
    click.echo(f"  access token: {access_token}", err=True)
    click.echo(f"  CA bundle:    {ca_bundle}", err=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    click.echo("Demo org stopped.", err=True)
