"""``sfclean exclude``: hold back the rows of a CSV file whose email (or phone) is in the org.

A thin shell over the library: :func:`sfclean.read_csv` -> :func:`sfclean.exclude` ->
:func:`sfclean.io.write_result`, writing ``excluded.csv``, ``excluded_updates.csv``,
``kept.csv`` (``probable_matches.csv`` with ``--fuzzy``) and ``report.json`` (last). Usually run on normalize's ``clean.csv``, whose
``sfclean_row`` column keeps the original file's row numbers. Exit 0 when the stage ran, 1
when it could not (one ``Error:`` line), 2 for usage errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sfclean.cli._connection import CONNECTION_PARAMS, connection_options, open_connection
from sfclean.cli._errors import reports_errors
from sfclean.cli._options import (
    COLUMN_PARAMS,
    column_kwargs,
    column_options,
    input_options,
    out_option,
)
from sfclean.cli._output import echo_json_report
from sfclean.cli._progress import quiet_option, read_with_bars
from sfclean.cli._stage_options import (
    fuzzy_options,
    json_option,
    match_key_option,
    strategy_option,
)
from sfclean.cli.group import cli

__all__ = ["exclude_command"]


@cli.command("exclude", short_help="Hold back the rows of a CSV file that exist in the org.")
@click.argument("input_csv", metavar="INPUT.csv", type=click.Path(path_type=Path))
@out_option("excluded.csv, excluded_updates.csv, kept.csv and report.json")
@click.option(
    "--object",
    "objects",
    metavar="OBJECT",
    multiple=True,
    help="An object to search, by API name; repeat for several (default: Lead and Contact).",
)
@click.option(
    "--match-on",
    type=click.Choice(["Email", "Phone"], case_sensitive=False),
    multiple=True,
    help="Match on Email (default) and/or Phone; repeat for both.",
)
@match_key_option
@strategy_option
@fuzzy_options(
    "Also hold back rows that probably are a person in the org under another email "
    "(probable_matches.csv; needs sfclean[fuzzy])."
)
@column_options
@input_options
@connection_options
@json_option
@quiet_option
@reports_errors
def exclude_command(
    input_csv: Path,
    out_dir: Path,
    objects: tuple[str, ...],
    match_on: tuple[str, ...],
    match_key: str,
    strategy: str,
    fuzzy: bool,
    fuzzy_threshold: float,
    encoding: str | None,
    delimiter: str | None,
    skip_rows: int,
    as_json: bool,
    quiet: bool,
    **options: Any,
) -> None:
    """Hold back the rows of INPUT.csv whose email (or phone) already exists in the org.

    Rows found go to excluded.csv with the matched object(s) and Id(s), and to
    excluded_updates.csv ready for an update (Id first); the others to kept.csv. With
    --fuzzy, rows that probably are a person already in the org (other email, same names,
    company, phone...) go to probable_matches.csv with the record's Id and the match
    probability, for review. Nothing is written to the org.
    """
    from sfclean.io import write_result
    from sfclean.stages.exclude import exclude
    from sfclean.stages.objects import check_object_names

    if fuzzy:  # a missing extra is one Error: line before any login
        from sfclean.scanning.fuzzy_model import splink_modules

        splink_modules()
    df, bars = read_with_bars(
        input_csv, quiet=quiet, encoding=encoding, delimiter=delimiter, skip_rows=skip_rows
    )
    columns = column_kwargs(df, **{k: options[k] for k in COLUMN_PARAMS})
    with open_connection(**{k: options[k] for k in CONNECTION_PARAMS}) as conn, bars:
        if objects:  # named by the user: a typo gets the nearest name, not a SOQL error
            check_object_names(conn, objects, option="objects=")
        result = exclude(
            df,
            conn,
            objects=objects or ("Lead", "Contact"),
            match_on=match_on or ("Email",),
            match_key=match_key,
            strategy=strategy,
            progress=bars.stage("exclude"),
            fuzzy=fuzzy,
            fuzzy_threshold=fuzzy_threshold,
            **columns,
        )
    paths = write_result(result, out_dir, source=df.attrs.get("sfclean"))
    if as_json:
        echo_json_report(out_dir)
    else:
        click.echo(result.to_text(), err=True)
        click.echo(f"Wrote {', '.join(paths)} to {out_dir}", err=True)
