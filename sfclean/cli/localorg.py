"""``sfclean localorg serve``: run a local Salesforce stand-in org until Ctrl-C.

Prints the instance URL, a session id for the default user, the admin token for the
``/_localorg/`` endpoints and the CA bundle to trust (e.g. ``REQUESTS_CA_BUNDLE``). With
``--db`` the data persists between runs: the seed's records load into a new database only, and
a later run without ``--seed`` keeps the rules, users and limits it was last served with.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from sfclean.cli._errors import reports_errors
from sfclean.cli.group import cli

__all__ = ["localorg_group", "serve_command"]


@cli.group("localorg", short_help="Run a local Salesforce stand-in org.")
def localorg_group() -> None:
    """A local org over HTTPS on 127.0.0.1 that speaks Salesforce's REST and Bulk APIs."""


@localorg_group.command("serve", short_help="Serve a local org until Ctrl-C.")
@click.option(
    "--seed",
    type=click.Path(exists=True, path_type=Path),
    help="Seed directory (org.yaml + <Object>.csv files) or config file; default: empty org.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="TCP port (0: any free port).",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file to keep the data in (reopened on later runs, --seed optional).",
)
@reports_errors
def serve_command(seed: Path | None, port: int, db: Path | None) -> None:
    """Serve a local org on https://127.0.0.1:PORT until interrupted (Ctrl-C)."""
    from sfclean.localorg.server import LocalOrg

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with LocalOrg(seed=str(seed) if seed else None, port=port, db=str(db) if db else None) as org:
        click.echo(f"localorg serving {org.instance_url}")
        click.echo(f"  org:          {org.org_name} ({org.org_id})")
        click.echo(f"  access token: {org.access_token}")
        click.echo(f"  admin token:  {org.admin_token}")
        click.echo(f"  CA bundle:    {org.ca_bundle}")
        click.echo("Press Ctrl-C to stop.")
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    click.echo("localorg stopped.")
