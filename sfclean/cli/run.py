"""``sfclean run``: normalize -> exclude -> load a CSV file into an org, resumably.

A thin shell over :func:`sfclean.run`: reads INPUT.csv (normalize's reading options), logs
in with the shared connection options, runs the pipeline into ``--out`` and prints the
report on stderr (or the JSON report on stdout with ``--json``). Exit 0 when the pipeline
ran (held-back and failed rows are outcomes, not errors), 1 when it could not run (one
``Error: ...`` line), 2 for usage errors. Rerunning the same command after a crash resumes.
The pipeline (pandas, the Salesforce clients) is imported inside the command, so that
importing the CLI stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sfclean.cli._connection import CONNECTION_PARAMS, connection_options, open_connection
from sfclean.cli._errors import cli_message, reports_errors
from sfclean.cli._options import NORMALIZE_PARAMS, normalize_kwargs, normalize_options
from sfclean.cli._output import echo_json_report
from sfclean.cli._progress import quiet_option, read_with_bars
from sfclean.cli._stage_options import (
    insert_object_option,
    json_option,
    load_options,
    strategy_option,
)
from sfclean.cli.group import cli

if TYPE_CHECKING:
    from sfclean.pipeline import RunResult

__all__ = ["echo_result", "run_command"]


@cli.command("run", short_help="Clean, check against the org and load a CSV file.")
@click.argument("input_csv", metavar="INPUT.csv", type=click.Path(path_type=Path))
@insert_object_option
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the outputs, report.json and the run.jsonl journal.",
)
@click.option(
    "--dry-run",
    "--no-load",
    "dry_run",
    is_flag=True,
    help="Normalize and check against the org, but write nothing to it; print the estimate.",
)
@load_options
@strategy_option
@click.option(
    "--match-phone",
    is_flag=True,
    help="Also hold back rows whose phone (E.164) exists in the org (a Bulk extract).",
)
@click.option(
    "--exclude-object",
    "exclude_objects",
    metavar="OBJECT",
    multiple=True,
    help="An object to search for existing records; repeat for several "
    "(default: --object, then Lead and Contact).",
)
@click.option(
    "--api-reserve",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.10,
    show_default=True,
    metavar="FRACTION",
    help="Share of the org's daily API calls to leave for others; refuse runs that need it.",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Wait this long for another run on this machine into the same --out, or the same "
    "org and object, to finish (0: refuse at once).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace the outputs of a finished run in --out (by default such an --out is refused).",
)
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Send again the rows whose whole batch failed (BATCH_FAILED) or never ran "
    "(NOT_PROCESSED) in the run journaled in --out; other failed rows keep their outcome.",
)
@click.option("--fuzzy", is_flag=True, help="Also hold back probable matches (sfclean[fuzzy]).")
@normalize_options
@connection_options
@json_option
@quiet_option
@reports_errors
def run_command(
    input_csv: Path,
    object_name: str,
    out_dir: Path,
    dry_run: bool,
    api: str,
    serial: bool,
    strategy: str,
    match_phone: bool,
    exclude_objects: tuple[str, ...],
    batch_size: int,
    timeout: float,
    api_reserve: float,
    lock_timeout: float,
    overwrite: bool,
    retry_failed: bool,
    fuzzy: bool,
    encoding: str | None,
    delimiter: str | None,
    skip_rows: int,
    as_json: bool,
    quiet: bool,
    **options: Any,
) -> None:
    """Clean INPUT.csv, hold back rows that already exist in the org, insert the rest.

    Every input row ends in exactly one of rejected.csv (normalize, or the pre-flight
    against the object's describe, held it back), excluded.csv (it exists in the org;
    excluded_updates.csv has the matched Ids), loaded.csv (with its new Id) or failed.csv
    (with Salesforce's code and message), or in clean.csv under --dry-run. Rows go in with
    the duplicate-rule header allowSave=false.
    """
    from sfclean.allocator import tune_this_process
    from sfclean.pipeline import run
    from sfclean.sdl import insert_mapping

    tune_this_process()  # this process is ours (sfclean.allocator)
    df, bars = read_with_bars(
        input_csv, quiet=quiet, encoding=encoding, delimiter=delimiter, skip_rows=skip_rows
    )
    normalize_options_ = normalize_kwargs(df, **{k: options[k] for k in NORMALIZE_PARAMS})
    fields, constants = None, None
    if options.get("mapping") is not None:  # the mapping decides what is loaded
        fields, constants = insert_mapping(options["mapping"], [str(c) for c in df.columns])
    with open_connection(**{k: options[k] for k in CONNECTION_PARAMS}) as conn, bars:
        result = run(
            df,
            conn,
            object_name=object_name,
            out_dir=out_dir,
            dry_run=dry_run,
            api=api,
            serial=serial,
            strategy=strategy,
            match_on=("Email", "Phone") if match_phone else ("Email",),
            exclude_objects=exclude_objects or None,
            batch_size=batch_size,
            timeout=timeout,
            api_reserve=api_reserve,
            lock_timeout=lock_timeout,
            overwrite=overwrite,
            retry_failed=retry_failed,
            fuzzy=fuzzy,
            normalize_options=normalize_options_,
            fields=fields,
            constants=constants,
            progress=bars,
        )
    echo_result(result, out_dir, as_json=as_json)


def echo_result(result: RunResult, out_dir: Path, *, as_json: bool) -> None:
    """Print the report: text on stderr, or report.json's content on stdout."""
    if as_json:
        echo_json_report(out_dir)
    else:
        click.echo(result.normalized.to_text(), err=True)
        text, notice = result.to_text(), result.report.email_internationalization.get("notice")
        click.echo(text.replace(notice, cli_message(notice)) if notice else text, err=True)
        load = result.report.stages.load
        codes = load.get("codes") or {}
        if codes:
            shown = ", ".join(f"{code} {n}" for code, n in codes.items())
            click.echo(f"  failed codes: {shown} (failed.csv has each row's message)", err=True)
        not_sent = result.report.stages.preflight.get("not_sent") or {}
        if not_sent:
            from sfclean.stages.sendplan import SendPlan

            click.echo(f"  not sent: {SendPlan({}, {}, not_sent).not_sent_text()}", err=True)
        click.echo(f"Wrote {', '.join(result.files)} to {out_dir}", err=True)
