"""``sfclean audit``: every way the org's duplicate rules fail silently, as a report.

A thin shell over :func:`sfclean.audit`. Prints the findings grouped by check with a
one-line verdict first (or, with ``--json``, ``{"verdict", "findings", ...}``: the content of
report.json) on stdout; ``--out DIR`` writes audit.md and report.json (last). With
``--source`` and no connection options it scans only that code, offline; ``--demo`` audits
the local demo org of ``sfclean demo`` (sample_data/org).

Exit codes: 0 no finding at or above ``--fail-on`` (default high); 1 at least one; 2 usage
error; 3 the audit could not run (one ``Error:`` line: bad options, login or network
failure, unreadable baseline).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sfclean.cli._connection import CONNECTION_PARAMS, connection_options, open_connection
from sfclean.cli._errors import reports_errors
from sfclean.cli.group import cli

if TYPE_CHECKING:
    from sfclean.salesforce import Connection
    from sfclean.stages.audit import AuditResult

__all__ = ["COULD_NOT_RUN", "audit_command"]

#: exit code when the audit could not run
COULD_NOT_RUN = 3
_LOGIN = ("instance_url", "access_token", "username", "target_org", "consumer_key")


class _CouldNotRun(click.ClickException):
    exit_code = COULD_NOT_RUN


@contextmanager
def _demo_connection() -> Iterator[Connection]:
    from sfclean.cli.demo import sample_data_dir
    from sfclean.localorg.server import LocalOrg
    from sfclean.salesforce import connect

    with LocalOrg(seed=sample_data_dir() / "org") as org:
        click.echo(f"audit: local demo org '{org.org_name}' at {org.instance_url}", err=True)
        with connect(
            instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
        ) as conn:
            yield conn


@contextmanager
def _connection(demo: bool, offline: bool, options: dict[str, Any]) -> Iterator[Connection | None]:
    if demo:
        with _demo_connection() as conn:
            yield conn
    elif offline:
        yield None
    else:
        with open_connection(**{k: options[k] for k in CONNECTION_PARAMS}) as conn:
            yield conn


@reports_errors
def _audit(
    demo: bool, sources: tuple[Path, ...], out_dir: Path | None, as_json: bool, **kw: Any
) -> AuditResult:
    from sfclean.stages.audit import audit, write_audit

    options = kw.pop("options")
    offline = bool(sources) and not any(options.get(k) for k in _LOGIN)
    with _connection(demo, offline, options) as conn:
        result = audit(conn, sources=sources, **kw)
    if out_dir is not None:
        paths = write_audit(result, out_dir)
        click.echo(f"Wrote {', '.join(paths)} to {out_dir}", err=True)
    if as_json:
        click.echo(json.dumps(result.to_report(), indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(result.to_text())
    return result


@cli.command("audit", short_help="Find every way the org's duplicate rules fail silently.")
@click.option(
    "--object",
    "objects",
    metavar="OBJECT",
    multiple=True,
    help="An object to audit, by API name; repeat for several (default: Lead and Contact).",
)
@click.option(
    "--source",
    "sources",
    metavar="PATH",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A file or directory of code to scan too (Apex, Python, JS/TS, Java); repeatable. "
    "Without connection options: only this code, offline.",
)
@click.option(
    "--baseline",
    metavar="PREVIOUS.json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A previous audit's report.json: report rules changed since.",
)
@click.option(
    "--integration-user",
    "integration_users",
    metavar="NAME",
    multiple=True,
    help="A username or name to treat as an API writer; repeatable.",
)
@click.option(
    "--out",
    "out_dir",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write audit.md and report.json into DIR.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["high", "medium", "low", "review", "never"]),
    default="high",
    show_default=True,
    help="Exit 1 when a finding at or above this severity exists.",
)
@click.option(
    "--demo", is_flag=True, help="Audit the local demo org of `sfclean demo` (no credentials)."
)
@connection_options
@click.option(
    "--json", "as_json", is_flag=True, help="Print {verdict, findings, ...} as JSON on stdout."
)
def audit_command(
    objects: tuple[str, ...], sources: tuple[Path, ...], baseline: Path | None,
    integration_users: tuple[str, ...], out_dir: Path | None, fail_on: str, demo: bool,
    as_json: bool, **options: Any,
) -> None:  # fmt: skip
    """Audit the org's duplicate rules (what an API save gets, conditions, matching), the
    users who write through the API, Apex and local code that sends allowSave=true, and
    changes since --baseline. Reads only (Metadata API only when the user may call it);
    what it cannot read is a cannot-read finding.

    Exit 0: nothing at or above --fail-on; 1: something is; 3: the audit could not run.
    """
    try:
        result = _audit(
            demo, sources, out_dir, as_json, options=options, objects=objects or ("Lead", "Contact"),
            baseline=baseline, integration_users=integration_users,
        )  # fmt: skip
    except click.ClickException as exc:
        raise _CouldNotRun(exc.message) from None
    if result.fails(fail_on):
        raise SystemExit(1)
