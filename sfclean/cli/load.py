"""``sfclean load``: insert the rows of a CSV file into an org; every row gets an outcome.

A thin shell over the library: :func:`sfclean.read_csv` -> :func:`sfclean.load` ->
:func:`sfclean.io.write_result`, writing ``loaded.csv`` (with the new Ids, ``Id`` first),
``failed.csv`` (with Salesforce's code and message), ``rejected.csv`` (held back by the
pre-flight against the object's describe, never sent) and ``report.json`` (last). Rows go in with the
duplicate-rule header ``allowSave=false``. A ``sfclean_row`` column (as in ``kept.csv``)
keeps the original file's row numbers. ``--mapping`` takes a Data Loader ``.sdl`` file for the
columns to send. Exit 0 when the stage ran (failed rows are outcomes), 1 when it could not,
2 for usage errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sfclean.cli._connection import CONNECTION_PARAMS, connection_options, open_connection
from sfclean.cli._errors import reports_errors
from sfclean.cli._options import input_options, out_option
from sfclean.cli._output import echo_json_report
from sfclean.cli._progress import quiet_option, read_with_bars
from sfclean.cli._stage_options import insert_object_option, json_option, load_options
from sfclean.cli.group import cli

__all__ = ["load_command"]


@cli.command("load", short_help="Insert the rows of a CSV file into an org.")
@click.argument("input_csv", metavar="INPUT.csv", type=click.Path(path_type=Path))
@insert_object_option
@out_option("loaded.csv, failed.csv, rejected.csv and report.json")
@load_options
@click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    help="A Data Loader .sdl mapping: the columns to send, their fields and constants "
    "(default: every column named like a createable field).",
)
@input_options
@connection_options
@json_option
@quiet_option
@reports_errors
def load_command(
    input_csv: Path,
    object_name: str,
    out_dir: Path,
    api: str,
    batch_size: int,
    serial: bool,
    timeout: float,
    mapping: Path | None,
    encoding: str | None,
    delimiter: str | None,
    skip_rows: int,
    as_json: bool,
    quiet: bool,
    **options: Any,
) -> None:
    """Insert the rows of INPUT.csv into OBJECT; write loaded.csv, failed.csv and
    rejected.csv into --out.

    Every row ends in exactly one of them: loaded (with its new Id), failed (with
    sfclean_reason, Salesforce's code and message) or rejected (the pre-flight against the
    object's describe found a blank required field, a value too long, outside a restricted
    picklist or not of the field's type; never sent). Run sfclean normalize and sfclean
    exclude first: Salesforce does not compare the rows of one batch with each other.
    """
    from sfclean.io import write_result
    from sfclean.sdl import insert_mapping
    from sfclean.stages.load import check_load_options, load

    check_load_options(api, batch_size)
    df, bars = read_with_bars(
        input_csv, quiet=quiet, encoding=encoding, delimiter=delimiter, skip_rows=skip_rows
    )
    fields, constants = None, None
    if mapping is not None:
        fields, constants = insert_mapping(mapping, [str(c) for c in df.columns])
    with open_connection(**{k: options[k] for k in CONNECTION_PARAMS}) as conn, bars:
        result = load(
            df,
            conn,
            object_name=object_name,
            api=api,
            batch_size=batch_size,
            serial=serial,
            timeout=timeout,
            fields=fields,
            constants=constants,
            progress=bars.stage("load"),
        )
    paths = write_result(result, out_dir, source=df.attrs.get("sfclean"))
    if as_json:
        echo_json_report(out_dir)
    else:
        click.echo(result.to_text(), err=True)
        summary = result.summary()
        if summary.codes:
            shown = ", ".join(f"{code} {n}" for code, n in summary.codes.items())
            click.echo(f"  failed codes: {shown} (failed.csv has each row's message)", err=True)
        if summary.not_sent:
            click.echo(f"  not sent: {result.plan.not_sent_text()}", err=True)
        click.echo(f"Wrote {', '.join(paths)} to {out_dir}", err=True)
