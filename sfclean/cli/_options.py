"""The normalize options, shared by ``sfclean normalize`` and ``sfclean run``.

:func:`normalize_options` adds ``--encoding`` and ``--delimiter`` (how to read INPUT.csv) and
the options of :func:`sfclean.normalize` (columns, mapping, region, phone policy, match key,
junk switches). :func:`read_input` and :func:`normalize_kwargs` turn their values into
``read_csv`` and ``normalize`` arguments with the library's own functions
(:func:`sfclean.sdl.normalize_columns_from_mapping`, :func:`sfclean.cleaners.junk.junk_policy`,
:func:`sfclean.stages.normalize.check_normalize_options`), so both commands read and clean a
file the same way and the CLI only adds flags.

pandas and the cleaners are imported inside the functions that use them, so that importing
the CLI (``sfclean --help``, ``sfclean localorg serve``) stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from sfclean.codes import JUNK_REASONS
from sfclean.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from sfclean.io import CsvFile

__all__ = [
    "COLUMN_PARAMS",
    "NORMALIZE_PARAMS",
    "check_input",
    "column_kwargs",
    "column_options",
    "input_options",
    "normalize_kwargs",
    "normalize_options",
    "out_option",
    "read_input",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Keyword arguments added by :func:`normalize_options` for :func:`normalize_kwargs`
#: (besides ``encoding``, ``delimiter`` and ``skip_rows``, which :func:`read_input` takes).
NORMALIZE_PARAMS = (
    "email_column",
    "phone_columns",
    "country_column",
    "region",
    "mapping",
    "invalid_phone",
    "match_key",
    "fill_blanks",
    "check_deliverability",
    "internationalized",
    "keep_reasons",
    "allowed",
    "added",
    "workers",
)

_COLUMN_OPTIONS = [
    click.option("--email-column", metavar="C", help="The email column (default: found by name)."),
    click.option(
        "--phone-column",
        "phone_columns",
        metavar="C",
        multiple=True,
        help="A phone column; repeat for several (default: every phone-like column).",
    ),
    click.option(
        "--country-column", metavar="C", help="The country column (default: found by name)."
    ),
    click.option(
        "--region",
        default="US",
        show_default=True,
        metavar="CC",
        help="Country for phone numbers in rows without a country.",
    ),
    click.option(
        "--mapping",
        type=click.Path(path_type=Path),
        help="A Data Loader .sdl mapping file used to find the columns (in sfclean run it "
        "also decides what is loaded).",
    ),
]

_INPUT_OPTIONS = [
    click.option(
        "--encoding", metavar="E", help="Force the input encoding (utf-8, cp1252, latin-1)."
    ),
    click.option(
        "--delimiter", metavar="D", help="Force the delimiter (default: detects , ; or tab)."
    ),
    click.option(
        "--skip-rows",
        type=click.IntRange(min=0),
        default=0,
        metavar="N",
        help='Skip N rows before the header (a preamble such as LinkedIn\'s "Notes:").',
    ),
]

_POLICY_OPTIONS = [
    click.option(
        "--invalid-phone",
        type=click.Choice(["keep", "clear", "reject"]),
        default="keep",
        show_default=True,
        help="What to do with a phone number that is not valid.",
    ),
    click.option(
        "--match-key",
        type=click.Choice(["email", "provider"]),
        default="email",
        show_default=True,
        help="Dedupe on the email, or on a provider-aware key (Gmail dots and +tags).",
    ),
    click.option(
        "--fill-blanks", is_flag=True, help="Fill blank cells of a kept row from its duplicates."
    ),
    click.option(
        "--check-deliverability",
        is_flag=True,
        help="Look up each email domain in DNS (slow, needs a network).",
    ),
    click.option(
        "--internationalized-emails",
        "internationalized",
        is_flag=True,
        help="Keep emails with non-ASCII characters (jürgen@x.de), for an org with Email "
        "Address Internationalization turned on.",
    ),
    click.option(
        "--keep",
        "keep_reasons",
        type=click.Choice(JUNK_REASONS),
        multiple=True,
        help="Do not hold rows back for this junk reason; repeat for several.",
    ),
    click.option(
        "--allow",
        "allowed",
        metavar="ENTRY",
        multiple=True,
        help="Never treat as junk: an address (a@b.com), a domain (b.com) or a local part (info).",
    ),
    click.option(
        "--add",
        "added",
        metavar="REASON=ENTRY",
        multiple=True,
        callback=lambda _ctx, _param, value: _parse_added(value),
        help="Also treat as junk, e.g. role-mailbox=accounts, noreply-mailbox=bounce, "
        "disposable-domain=temp.example (or a full address); repeatable.",
    ),
    click.option(
        "--workers",
        type=click.IntRange(min=0),
        default=1,
        show_default=True,
        help="Processes that clean the distinct emails and phones (0: one per CPU); "
        "the result is the same for any number.",
    ),
]


def _apply(options: Sequence[Callable[[Any], Any]], func: F) -> F:
    decorated: Any = func
    for option in reversed(options):
        decorated = option(decorated)
    return cast(F, decorated)


#: Keyword arguments added by :func:`column_options` for :func:`column_kwargs`.
COLUMN_PARAMS = ("email_column", "phone_columns", "country_column", "region", "mapping")


def column_options(func: F) -> F:
    """Add the column options (``--email-column``, ``--phone-column``, ``--country-column``,
    ``--region``, ``--mapping``) of a stage that reads keys from a CSV (``sfclean exclude``)."""
    return _apply(_COLUMN_OPTIONS, func)


def input_options(func: F) -> F:
    """Add ``--encoding``, ``--delimiter`` and ``--skip-rows`` (how to read INPUT.csv)."""
    return _apply(_INPUT_OPTIONS, func)


def out_option(files: str) -> Callable[[F], F]:
    """The required ``--out DIR`` option; ``files`` names what the command writes there."""
    return click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=f"Directory for {files}.",
    )


def column_kwargs(df: pd.DataFrame, **options: Any) -> dict[str, Any]:
    """``email_column``, ``phone_columns``, ``country_column`` and ``default_region`` from the
    :data:`COLUMN_PARAMS` values (a ``mapping`` file fills the columns not given)."""
    kwargs = normalize_kwargs(df, **{k: options.get(k) for k in COLUMN_PARAMS})
    return {
        k: kwargs[k] for k in ("email_column", "phone_columns", "country_column", "default_region")
    }


def normalize_options(func: F) -> F:
    """Add the column, mapping and cleaning options of ``sfclean normalize``.

    ``--encoding`` and ``--delimiter`` come after the column options, as ``--help`` shows them.
    """
    return _apply([*_COLUMN_OPTIONS, *_INPUT_OPTIONS, *_POLICY_OPTIONS], func)


def read_input(
    path: Path,
    *,
    encoding: str | None,
    delimiter: str | None,
    skip_rows: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Read INPUT.csv with :func:`sfclean.read_csv` (every cell as text)."""
    from sfclean.io import read_csv

    return read_csv(
        path,
        encoding=encoding,
        delimiter=_unescape_delimiter(delimiter),
        skip_rows=skip_rows,
        progress=progress,
    )


def check_input(
    path: Path,
    *,
    encoding: str | None,
    delimiter: str | None,
    skip_rows: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> CsvFile:
    """Check INPUT.csv with :func:`sfclean.io.check_csv`, without reading it into memory."""
    from sfclean.io import check_csv

    return check_csv(
        path,
        encoding=encoding,
        delimiter=_unescape_delimiter(delimiter),
        skip_rows=skip_rows,
        progress=progress,
    )


def normalize_kwargs(df: pd.DataFrame | Sequence[str], **options: Any) -> dict[str, Any]:
    """Keyword arguments for :func:`sfclean.normalize` from the :data:`NORMALIZE_PARAMS` values.

    ``df``: the table, or its column names. A ``mapping`` file fills the column options the
    user did not give. The options are checked here, before any org is contacted.
    """
    from sfclean.cleaners.junk import junk_policy
    from sfclean.sdl import normalize_columns_from_mapping
    from sfclean.stages.normalize import check_normalize_options

    email_column = options.get("email_column")
    phone_columns = tuple(options.get("phone_columns") or ())
    country_column = options.get("country_column")
    mapping = options.get("mapping")
    if mapping is not None:
        email_column, phone_columns, country_column = normalize_columns_from_mapping(
            Path(mapping),
            [str(c) for c in (df if isinstance(df, Sequence) else df.columns)],
            email_column=email_column,
            phone_columns=phone_columns,
            country_column=country_column,
        )
    kwargs = {
        "default_region": options.get("region") or "US",
        "invalid_phone": options.get("invalid_phone") or "keep",
        "match_key": options.get("match_key") or "email",
    }
    check_normalize_options(**kwargs)
    return {
        "email_column": email_column,
        "phone_columns": list(phone_columns) or None,
        "country_column": country_column,
        **kwargs,
        "fill_blanks": bool(options.get("fill_blanks")),
        "check_deliverability": bool(options.get("check_deliverability")),
        "internationalized": bool(options.get("internationalized")),
        "workers": 1 if options.get("workers") is None else int(options["workers"]),
        "junk": junk_policy(
            keep=options.get("keep_reasons") or (),
            allow=options.get("allowed") or (),
            add=_parse_added(options.get("added") or ()),
        ),
    }


def _parse_added(values: Sequence[str] | Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """``--add REASON=ENTRY`` values as ``(reason, entry)`` pairs; a bad one is a usage error."""
    from sfclean.cleaners.junk import parse_junk_entry

    try:
        return tuple(parse_junk_entry(value) for value in values)
    except ConfigError as exc:
        raise click.BadParameter(
            str(exc).replace("add= entry ", "", 1), param_hint="'--add'"
        ) from None


def _unescape_delimiter(delimiter: str | None) -> str | None:
    if delimiter is None:
        return None
    return {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(delimiter, delimiter)
