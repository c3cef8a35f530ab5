"""Data Loader ``.sdl`` mapping files: which CSV column goes to which Salesforce field.

:func:`read_sdl_mapping` reads the file (Java ``.properties`` rules); :func:`columns_for_fields`
finds the CSV columns a mapping sends to given fields; :func:`normalize_columns_from_mapping`
fills normalize's column options from a mapping and :func:`fields_for_columns` gives
:func:`sfclean.load`'s ``fields=``. Both are re-exported by
:mod:`sfclean.io`, the module for the file formats of Data Loader.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from sfclean.errors import ConfigError

__all__ = [
    "COUNTRY_FIELDS",
    "EMAIL_FIELDS",
    "PHONE_FIELDS",
    "columns_for_fields",
    "fields_for_columns",
    "normalize_columns_from_mapping",
    "read_sdl_mapping",
]

# Salesforce fields (Lead and Contact) that a Data Loader mapping may send a column to.
EMAIL_FIELDS = ("Email",)
PHONE_FIELDS = ("Phone", "MobilePhone", "HomePhone", "OtherPhone", "AssistantPhone", "Fax")
COUNTRY_FIELDS = ("Country", "MailingCountry", "OtherCountry", "CountryCode", "MailingCountryCode")

PathLike = str | os.PathLike[str]


def read_sdl_mapping(path: PathLike) -> dict[str, str]:
    """Read a Data Loader ``.sdl`` mapping file into ``{left: right}`` as written.

    For inserts the left side is the CSV column and the right side the Salesforce field
    (``Mobile\\ Phone=MobilePhone``); extract mappings are written the other way round, and
    :func:`columns_for_fields` accepts both. The file follows Java ``.properties`` rules:
    ``#`` and ``!`` comments, blank lines, ``=`` or ``:`` separators, backslash escapes
    (``\\:`` ``\\=`` ``\\ `` ``\\uXXXX``) and continuation lines. Quoted left sides are Data
    Loader constants and are kept with their quotes. Raises
    :class:`~sfclean.errors.ConfigError` if the file is missing, has a line that is not
    ``name=value``, maps a column twice, or maps nothing.
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
    mapping: dict[str, str] = {}
    for line_no, logical in _logical_lines(text):
        key, value = _split_property(logical, name, line_no)
        if key in mapping and mapping[key] != value:
            raise ConfigError(
                f"mapping file {name} maps {key!r} twice (line {line_no}); keep one of them"
            )
        mapping[key] = value
    if not any(mapping.values()):
        raise ConfigError(f"mapping file {name} has no mappings; expected lines like Email=Email")
    return mapping


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """Yield (first line number, logical line), joining backslash continuations."""
    pending: str | None = None
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.lstrip() if pending is None else raw.lstrip(" \t\f")
        if pending is None:
            if not line or line[0] in "#!":
                continue
            start = number
        joined = line if pending is None else pending + line
        trailing = len(joined) - len(joined.rstrip("\\"))
        if trailing % 2 == 1:
            pending = joined[:-1]
            continue
        pending = None
        yield start, joined
    if pending is not None:
        yield start, pending


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _split_property(line: str, name: str, line_no: int) -> tuple[str, str]:
    """Split ``key=value`` (or ``key:value``) at the first unescaped separator; unescape both.

    Unlike Java, whitespace alone does not separate: ``Email Address=Email`` maps the column
    ``Email Address``, which is what a person writing the file by hand means.
    """
    i, n = 0, len(line)
    while i < n and line[i] not in "=:":
        i += 2 if line[i] == "\\" else 1
    if i >= n:
        raise ConfigError(
            f"mapping file {name} line {line_no} is not csvColumn=SalesforceField; "
            "is it a Data Loader .sdl file?"
        )
    key = _unescape(line[:i], name, line_no).strip()
    value = _unescape(line[i + 1 :], name, line_no).strip()
    if not key:
        raise ConfigError(f"mapping file {name} line {line_no} has an empty column name")
    return key, value


def _unescape(text: str, name: str, line_no: int) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == "\\" and i + 1 < n:
            decoded, i = _unescape_at(text, i, name, line_no)
            out.append(decoded)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _unescape_at(line: str, i: int, name: str, line_no: int) -> tuple[str, int]:
    """Decode the escape starting at ``line[i] == '\\'``; return it and the next index."""
    ch = line[i + 1]
    if ch == "u":
        digits = line[i + 2 : i + 6]
        if not re.fullmatch(r"[0-9A-Fa-f]{4}", digits):
            raise ConfigError(f"mapping file {name} line {line_no} has a bad \\u escape")
        return chr(int(digits, 16)), i + 6
    return _ESCAPES.get(ch, ch), i + 2


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


def fields_for_columns(mapping: Mapping[str, str], columns: Iterable[str]) -> dict[str, str]:
    """``{column: Field}`` for :func:`sfclean.load`'s ``fields=``: the columns of ``columns``
    an insert mapping (``column=Field``) sends to one field, in header order (names compared
    case-insensitively; constants and columns mapped to several fields are left out). Raises
    ConfigError when no column is mapped."""
    by_fold = {left.strip().casefold(): right for left, right in mapping.items()}
    out: dict[str, str] = {}
    for column in columns:
        target = by_fold.get(str(column).strip().casefold(), "")
        parts = [p.strip() for p in target.split(",") if p.strip()]
        if len(parts) == 1:
            out[str(column)] = parts[0]
    if not out:
        raise ConfigError(
            "the mapping file maps none of the table's columns; expected lines such as "
            "Email=Email (csvColumn=SalesforceField)"
        )
    return out
