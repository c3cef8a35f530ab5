"""Data Loader ``.sdl`` mapping files: which CSV column goes to which Salesforce field.

:func:`read_sdl` reads the file with the javaproperties library into an :class:`SdlMapping`
(columns to fields, constants, fields left unmapped); :func:`read_sdl_mapping` gives it as
``{left: right}``. :func:`columns_for_fields` finds the CSV columns a mapping sends to given
fields; :func:`normalize_columns_from_mapping` fills normalize's column options from a
mapping; :func:`insert_mapping` gives :func:`sfclean.load`'s and :func:`sfclean.run`'s
``fields=`` and ``constants=``. :mod:`sfclean.io`, the module for the file formats of Data
Loader, re-exports the readers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import javaproperties

from sfclean.errors import ConfigError

__all__ = [
    "COUNTRY_FIELDS",
    "EMAIL_FIELDS",
    "PHONE_FIELDS",
    "SdlMapping",
    "columns_for_fields",
    "insert_mapping",
    "normalize_columns_from_mapping",
    "read_sdl",
    "read_sdl_mapping",
]

# Salesforce fields (Lead and Contact) that a Data Loader mapping may send a column to.
EMAIL_FIELDS = ("Email",)
PHONE_FIELDS = ("Phone", "MobilePhone", "HomePhone", "OtherPhone", "AssistantPhone", "Fax")
COUNTRY_FIELDS = ("Country", "MailingCountry", "OtherCountry", "CountryCode", "MailingCountryCode")

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class SdlMapping:
    """A Data Loader mapping as an insert reads it.

    ``columns``: ``{CSV column: (Field, ...)}`` (``State=BillingState, ShippingState`` sends
    one column to two fields); ``constants``: ``{Field: value}`` from quoted left sides
    (``"Web"=LeadSource``; ``""=Industry`` sets nothing); ``unmapped``: fields on lines with
    no column (``=SYSTEMMODSTAMP``, as Data Loader saves fields left unmapped); ``lines``:
    every ``(left, right)`` pair as written.
    """

    columns: Mapping[str, tuple[str, ...]]
    constants: Mapping[str, str]
    unmapped: tuple[str, ...]
    lines: tuple[tuple[str, str], ...]

    def for_columns(self, columns: Sequence[str]) -> tuple[dict[str, tuple[str, ...]], list[str]]:
        """(``{column of the table: fields}``, mapped columns the table does not have); column
        names compared ignoring case and surrounding spaces, in the table's order."""
        by_fold = {c.strip().casefold(): fields for c, fields in self.columns.items()}
        found = {}
        for column in columns:
            fields = by_fold.pop(str(column).strip().casefold(), None)
            if fields:
                found[str(column)] = fields
        absent = [c for c in self.columns if c.strip().casefold() in by_fold]
        return found, absent


def _split_fields(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


def _entries(text: str, name: str) -> list[tuple[int, str, str]]:
    """``(line, key, value)`` per property, parsed by javaproperties.

    One deviation from Java: an unescaped space inside the left side does not end it
    (``Email Address=Email`` maps the column ``Email Address``, which is what a person
    writing the file by hand means; Data Loader itself writes ``Email\\ Address``).
    """
    out = []
    line = 1
    try:
        parsed = list(javaproperties.parse(text))
    except javaproperties.InvalidUEscapeError:
        bad = _BAD_U.search(text)
        where = f" line {text.count(chr(10), 0, bad.start()) + 1}" if bad else ""
        raise ConfigError(f"mapping file {name}{where} has a bad \\u escape") from None
    for item in parsed:
        start = line
        line += item.source.count("\n")
        if not isinstance(item, javaproperties.KeyValue):
            continue
        key, value = item.key, item.value.strip()
        raw = item.source.lstrip()
        head = _SEPARATOR.match(raw)
        if head and " " in head.group(1).strip() and ("=" in value or ":" in value):
            key = javaproperties.unescape(head.group(1)).strip()
            value = javaproperties.unescape(raw[head.end() :]).strip()
        if head is None:
            raise ConfigError(
                f"mapping file {name} line {start} is not csvColumn=SalesforceField; "
                "is it a Data Loader .sdl file?"
            )
        out.append((start, key.strip(), value))
    return out


_SEPARATOR = re.compile(r"((?:\\.|[^=:\\])*)[=:]")
_BAD_U = re.compile(r"(?<!\\)\\u(?![0-9A-Fa-f]{4})")


def read_sdl(path: PathLike) -> SdlMapping:
    """Read a Data Loader ``.sdl`` mapping file with javaproperties (``#``/``!`` comments,
    ``=`` or ``:``, backslash escapes, continuation lines, UTF-8 or latin-1).

    Raises :class:`~sfclean.errors.ConfigError` if the file is missing, has a line that is
    not ``name=value``, maps a column twice, or maps nothing.
    """
    name = str(path)
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"mapping file {name} cannot be read ({reason})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    columns: dict[str, tuple[str, ...]] = {}
    constants: dict[str, str] = {}
    unmapped: list[str] = []
    lines: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for line_no, key, value in _entries(text, name):
        if key and key in seen and seen[key] != value:
            raise ConfigError(
                f"mapping file {name} maps {key!r} twice (line {line_no}); keep one of them"
            )
        seen[key] = value
        lines.append((key, value))
        if not key:
            unmapped.extend(_split_fields(value))
        elif len(key) >= 2 and key[0] == key[-1] == '"':
            constants.update({f: key[1:-1] for f in _split_fields(value)})
        elif _split_fields(value):
            columns[key] = _split_fields(value)
    if not columns and not constants:
        raise ConfigError(f"mapping file {name} has no mappings; expected lines like Email=Email")
    return SdlMapping(columns, constants, tuple(unmapped), tuple(lines))


def read_sdl_mapping(path: PathLike) -> dict[str, str]:
    """Read a Data Loader ``.sdl`` mapping file into ``{left: right}`` as written (lines with
    an empty left side, which map no column, left out); see :func:`read_sdl`.

    For inserts the left side is the CSV column and the right side the Salesforce field(s)
    (``Mobile\\ Phone=MobilePhone``); extract mappings are written the other way round, and
    :func:`columns_for_fields` accepts both. Quoted left sides are Data Loader constants and
    are kept with their quotes.
    """
    return {key: value for key, value in read_sdl(path).lines if key}


def columns_for_fields(
    mapping: Mapping[str, str], columns: Iterable[str], fields: Iterable[str]
) -> list[str]:
    """Return the CSV columns that a mapping sends to any of ``fields``, in header order.

    Matching is case-insensitive on both sides, and works for insert mappings
    (``column=Field``) and extract mappings (``Field=column``). A value may list several
    fields separated by commas. Constants (quoted left sides) never match a column.
    """
    wanted = {f.casefold() for f in fields}
    by_fold: dict[str, str] = {}
    for column in columns:
        by_fold.setdefault(column.strip().casefold(), column)
    found: set[str] = set()
    for left, right in mapping.items():
        targets = [part.strip() for part in right.split(",") if part.strip()]
        left_col = by_fold.get(left.strip().casefold())
        if left_col is not None and any(t.casefold() in wanted for t in targets):
            found.add(left_col)
        elif left.strip().casefold() in wanted:
            for t in targets:
                col = by_fold.get(t.casefold())
                if col is not None:
                    found.add(col)
    return [c for c in columns if c in found]


def normalize_columns_from_mapping(
    path: PathLike,
    columns: Sequence[str],
    *,
    email_column: str | None = None,
    phone_columns: Sequence[str] = (),
    country_column: str | None = None,
) -> tuple[str | None, tuple[str, ...], str | None]:
    """(email_column, phone_columns, country_column) for :func:`sfclean.normalize`: the ones
    given, else the columns the mapping file at ``path`` sends to Email, the phone fields and
    the country fields. Raises ConfigError when the mapping sends several columns to Email."""
    mapping = read_sdl_mapping(path)
    names = [str(c) for c in columns]
    if email_column is None:
        emails = columns_for_fields(mapping, names, EMAIL_FIELDS)
        if len(emails) > 1:
            raise ConfigError(
                f"mapping file {path} sends {len(emails)} columns to Email "
                f"({', '.join(emails)}); pass email_column="
            )
        email_column = emails[0] if emails else None
    phones = tuple(phone_columns) or tuple(columns_for_fields(mapping, names, PHONE_FIELDS))
    if country_column is None:
        for field in COUNTRY_FIELDS:
            found = columns_for_fields(mapping, names, [field])
            if found:
                country_column = found[0]
                break
    return email_column, phones, country_column


def insert_mapping(
    path: PathLike, columns: Sequence[str]
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """(``fields=``, ``constants=``) for :func:`sfclean.load` / :func:`sfclean.run` from the
    mapping file at ``path``: the table's mapped columns and their fields, and the constants.
    Raises ConfigError when the mapping maps none of ``columns`` and sets no constant."""
    mapping = read_sdl(path)
    fields, _absent = mapping.for_columns([str(c) for c in columns])
    if not fields and not any(mapping.constants.values()):
        raise ConfigError(
            f"mapping file {path} maps none of the table's columns; expected lines such as "
            "Email=Email (csvColumn=SalesforceField)"
        )
    return fields, dict(mapping.constants)
