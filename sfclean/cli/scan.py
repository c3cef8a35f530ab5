"""``sfclean scan``: find the duplicates already in the org, across Lead and Contact.

A thin shell over :func:`sfclean.scan` and :func:`sfclean.io.write_result`, writing
``clusters.csv``, ``by_creator.csv``, ``merge_plan.csv``, ``convert_plan.csv``,
``findings.csv``, ``watermark.csv`` (with ``--incremental`` also ``key_index.csv.gz``) and
``report.json`` (last) into ``--out``.

Exit codes, for a scheduled job: **0** the scan ran (with ``--fail-on-duplicates``: and no
new cluster appeared); **1** ``--fail-on-duplicates`` and at least one new cluster; **2** a
usage error (click's); **3** the scan could not run (the org could not be reached or read,
the output directory could not be written: one ``Error:`` line, nothing written that looks
complete).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from sfclean.cli._connection import CONNECTION_PARAMS, connection_options, open_connection
from sfclean.cli._errors import reports_errors_as
from sfclean.cli._options import out_option
from sfclean.cli._output import echo_json_report
from sfclean.cli._progress import progress_bars, quiet_option
from sfclean.cli._stage_options import fuzzy_options, json_option, match_key_option
from sfclean.cli.group import cli

__all__ = ["EXIT_COULD_NOT_SCAN", "EXIT_NEW_DUPLICATES", "scan_command"]

#: ``--fail-on-duplicates`` and a new cluster appeared.
EXIT_NEW_DUPLICATES = 1
#: The scan could not run (one ``Error:`` line).
EXIT_COULD_NOT_SCAN = 3


@cli.command("scan", short_help="Find the duplicates already in the org (Lead and Contact).")
@out_option(
    "clusters.csv, by_creator.csv, merge_plan.csv, convert_plan.csv, findings.csv, "
    "watermark.csv and report.json"
)
@click.option(
    "--object",
    "objects",
    metavar="OBJECT",
    multiple=True,
    help="Lead or Contact; repeat for both (the default).",
)
@match_key_option
@click.option("--match-phone", is_flag=True, help="Also link records by E.164 Phone/MobilePhone.")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ"]),
    help="Report only clusters with a record created or modified since DATE (UTC).",
)
@click.option(
    "--incremental",
    is_flag=True,
    help="Read only what changed since the last scan into --out (its watermark.csv and "
    "key_index.csv.gz) and report only clusters with a changed record; the first run "
    "reads everything.",
)
@click.option(
    "--burst-seconds",
    type=click.FloatRange(min=0),
    default=60,
    show_default=True,
    help="A creator's duplicates this close together form one burst.",
)
@click.option(
    "--region",
    "default_region",
    default="US",
    show_default=True,
    metavar="CC",
    help="Read national phone numbers of records without a country in this region.",
)
@click.option(
    "--write-record-sets",
    is_flag=True,
    help="Create a DuplicateRecordSet per cluster in the org (never twice) for review.",
)
@fuzzy_options(
    "Also list the people stored twice under different emails (names, company, phone, "
    "city) as match fuzzy clusters in clusters.csv, for review, never merged "
    "(needs sfclean[fuzzy])."
)
@click.option(
    "--fail-on-duplicates", is_flag=True, help="Exit 1 when a new cluster appears (for CI)."
)
@connection_options
@quiet_option
@json_option
@reports_errors_as(EXIT_COULD_NOT_SCAN)
def scan_command(
    out_dir: Path,
    objects: tuple[str, ...],
    match_key: str,
    match_phone: bool,
    since: datetime | None,
    incremental: bool,
    burst_seconds: float,
    default_region: str,
    write_record_sets: bool,
    fuzzy: bool,
    fuzzy_threshold: float,
    fail_on_duplicates: bool,
    quiet: bool,
    as_json: bool,
    **options: Any,
) -> None:
    """Find the duplicates already in the org, across Lead and Contact, and who created them.

    Clusters records sharing an email (after the same cleaning as normalize; --match-phone
    adds phones), attributes every newer duplicate to its creator, and writes merge and
    lead-conversion plans. Nothing is merged; nothing is written to the org unless
    --write-record-sets is given. --fuzzy adds probable duplicates under other emails
    to clusters.csv (match fuzzy, with their probability), never to the plans.

    Exit codes: 0 the scan ran; 1 --fail-on-duplicates and a new cluster appeared; 2 a
    usage error; 3 the scan could not run.
    """
    from sfclean.io import write_result
    from sfclean.stages.scan import scan

    if since is not None and incremental:
        raise click.UsageError("give --since or --incremental, not both")
    if fuzzy:  # a missing extra is one Error: line before any login
        from sfclean.scanning.fuzzy_model import splink_modules

        splink_modules()
    connection = open_connection(**{k: options[k] for k in CONNECTION_PARAMS})
    with connection as conn, progress_bars(quiet) as bars:
        result = scan(
            conn,
            objects=objects or ("Lead", "Contact"),
            match_key=match_key,
            match_phone=match_phone,
            since=since,
            incremental_dir=out_dir if incremental else None,
            burst_seconds=burst_seconds,
            default_region=default_region,
            write_record_sets=write_record_sets,
            fuzzy=fuzzy,
            fuzzy_threshold=fuzzy_threshold,
            progress=bars.stage("extract"),
        )
    paths = write_result(result, out_dir)
    if as_json:
        echo_json_report(out_dir)
    else:
        click.echo(result.to_text(), err=True)
        click.echo(f"Wrote {', '.join(paths)} to {out_dir}", err=True)
    if fail_on_duplicates and result.new_clusters:
        click.echo(f"{result.new_clusters} new duplicate cluster(s) found", err=True)
        click.get_current_context().exit(EXIT_NEW_DUPLICATES)
