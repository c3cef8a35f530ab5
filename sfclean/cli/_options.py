"""The normalize options, shared by ``sfclean normalize`` and ``sfclean run``.

:func:`normalize_options` adds ``--encoding`` and ``--delimiter`` (how to read INPUT.csv) and
the options of :func:`sfclean.normalize` (columns, mapping, region, phone policy, match key,
junk switches). :func:`read_input` and
:func:`normalize_kwargs` turn their values into ``read_csv`` and ``normalize`` arguments, so
both commands read and clean a file the same way.

pandas and the cleaners are imported inside the functions that use them, so that importing
the CLI (``sfclean --help``, ``sfclean localorg serve``) stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from sfclean.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from sfclean.cleaners.junk import JunkPolicy

__all__ = [
    "NORMALIZE_PARAMS",
    "normalize_kwargs",
    "normalize_options",
    "read_input",
]

F = TypeVar("F", bound=Callable[..., Any])

# Salesforce fields (Lead and Contact) that a Data Loader mapping may send a column to.
EMAIL_FIELDS = ("Email",)
PHONE_FIELDS = ("Phone", "MobilePhone", "HomePhone", "OtherPhone", "AssistantPhone", "Fax")
COUNTRY_FIELDS = ("Country", "MailingCountry", "OtherCountry", "CountryCode", "MailingCountryCode")
JUNK_REASONS = ("noreply-mailbox", "role-mailbox", "disposable-domain")

#: Keyword arguments added by :func:`normalize_options` for :func:`normalize_kwargs`
#: (besides ``encoding`` and ``delimiter``, which :func:`read_input` takes).
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
    "keep_reasons",
    "allowed",
    "added",
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
        help="A Data Loader .sdl mapping file used to find the columns.",
    ),
]

_INPUT_OPTIONS = [
    click.option(
        "--encoding", metavar="E", help="Force the input encoding (utf-8, cp1252, latin-1)."
    ),
    click.option(
        "--delimiter", metavar="D", help="Force the delimiter (default: detects , ; or tab)."
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
]


def _apply(options: Sequence[Callable[[Any], Any]], func: F) -> F:
    decorated: Any = func
    for option in reversed(options):
        decorated = option(decorated)
    return cast(F, decorated)


def normalize_options(func: F) -> F:
    """Add the column, mapping and cleaning options of ``sfclean normalize``.

    ``--encoding`` and ``--delimiter`` come after the column options, as ``--help`` shows them.
    """
    return _apply([*_COLUMN_OPTIONS, *_INPUT_OPTIONS, *_POLICY_OPTIONS], func)


def read_input(path: Path, *, encoding: str | None, delimiter: str | None) -> pd.DataFrame:
    """Read INPUT.csv with :func:`sfclean.read_csv` (every cell as text)."""
    from sfclean.io import read_csv

    return read_csv(path, encoding=encoding, delimiter=_unescape_delimiter(delimiter))


def normalize_kwargs(df: pd.DataFrame, **options: Any) -> dict[str, Any]:
    """Keyword arguments for :func:`sfclean.normalize` from the :data:`NORMALIZE_PARAMS` values.

    A ``mapping`` file fills the column options the user did not give.
    """
    email_column = options.get("email_column")
    phone_columns = tuple(options.get("phone_columns") or ())
    country_column = options.get("country_column")
    mapping = options.get("mapping")
    if mapping is not None:
        email_column, phone_columns, country_column = _apply_mapping(
            Path(mapping), df, email_column, phone_columns, country_column
        )
    return {
        "email_column": email_column,
        "phone_columns": list(phone_columns) or None,
        "country_column": country_column,
        "default_region": _check_region(options.get("region") or "US"),
        "invalid_phone": options.get("invalid_phone") or "keep",
        "match_key": options.get("match_key") or "email",
        "fill_blanks": bool(options.get("fill_blanks")),
        "check_deliverability": bool(options.get("check_deliverability")),
        "junk": _junk_policy(
            tuple(options.get("keep_reasons") or ()),
            tuple(options.get("allowed") or ()),
            _parse_added(options.get("added") or ()),
        ),
    }


def _check_region(region: str) -> str:
    """Refuse an unknown ``--region`` here, so the message names the flag (the library's
    names its keyword). Same rule as :func:`sfclean.normalize`: a region code or a country."""
    import phonenumbers

    from sfclean.cleaners.countries import region_for_country

    if region.strip().upper() in phonenumbers.SUPPORTED_REGIONS or region_for_country(region):
        return region
    raise ConfigError(
        f"--region {region!r} is not a known country; use an ISO 3166 code such as US or GB"
    )


def _parse_added(values: Sequence[str] | Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """``--add REASON=ENTRY`` values as ``(reason, entry)`` pairs; a bad one is a usage error."""
    pairs: list[tuple[str, str]] = []
    for value in values:
        if isinstance(value, tuple):
            pairs.append(value)
            continue
        reason, sep, entry = value.partition("=")
        if not sep or reason.strip() not in JUNK_REASONS or not entry.strip():
            raise click.BadParameter(
                f"{value!r} is not REASON=ENTRY with REASON one of {', '.join(JUNK_REASONS)}",
                param_hint="'--add'",
            )
        pairs.append((reason.strip(), entry.strip()))
    return tuple(pairs)


def _junk_policy(
    keep_reasons: tuple[str, ...],
    allowed: tuple[str, ...],
    added: tuple[tuple[str, str], ...] = (),
) -> JunkPolicy:
    """``--keep`` switches junk categories off; ``--allow`` entries go to the lists they fit;
    ``--add REASON=ENTRY`` extends one category.

    An allowed address goes to every allow list, a domain (has a dot) to the disposable list,
    a bare local part to the no-reply and role lists.
    """
    from sfclean.cleaners.junk import JunkPolicy

    addresses = [a for a in allowed if "@" in a]
    domains = [a for a in allowed if "@" not in a and "." in a]
    locals_ = [a for a in allowed if "@" not in a and "." not in a]
    return JunkPolicy(
        noreply="noreply-mailbox" not in keep_reasons,
        role="role-mailbox" not in keep_reasons,
        disposable="disposable-domain" not in keep_reasons,
        allow_noreply=frozenset(addresses + locals_),
        allow_roles=frozenset(addresses + locals_),
        allow_disposable=frozenset(addresses + domains),
        extra_noreply=frozenset(e for r, e in added if r == "noreply-mailbox"),
        extra_roles=frozenset(e for r, e in added if r == "role-mailbox"),
        extra_disposable=frozenset(e for r, e in added if r == "disposable-domain"),
    )


def _unescape_delimiter(delimiter: str | None) -> str | None:
    if delimiter is None:
        return None
    return {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(delimiter, delimiter)


def _apply_mapping(
    mapping_path: Path,
    df: pd.DataFrame,
    email_column: str | None,
    phone_columns: tuple[str, ...],
    country_column: str | None,
) -> tuple[str | None, tuple[str, ...], str | None]:
    """Fill the column options the user did not give from a Data Loader mapping."""
    from sfclean.io import columns_for_fields, read_sdl_mapping

    mapping = read_sdl_mapping(mapping_path)
    columns = [str(c) for c in df.columns]
    if email_column is None:
        emails = columns_for_fields(mapping, columns, EMAIL_FIELDS)
        if len(emails) > 1:
            raise ConfigError(
                f"mapping file {mapping_path} sends {len(emails)} columns to Email "
                f"({', '.join(emails)}); pass --email-column"
            )
        email_column = emails[0] if emails else None
    if not phone_columns:
        phone_columns = tuple(columns_for_fields(mapping, columns, PHONE_FIELDS))
    if country_column is None:
        for field in COUNTRY_FIELDS:
            found = columns_for_fields(mapping, columns, [field])
            if found:
                country_column = found[0]
                break
    return email_column, phone_columns, country_column
