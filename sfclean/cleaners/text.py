"""Unicode-aware trimming for every text cell.

Spreadsheets and CRM exports pad cells with characters that look like nothing: the ordinary
space and tab, the non-breaking space (U+00A0) that web pages and Excel love, other Unicode
spaces, and zero-width characters (U+200B..U+200D, U+2060, and the byte-order mark U+FEFF).
``str.strip()`` removes Unicode whitespace but not the zero-width characters, so this module
builds one explicit set of characters and uses it everywhere.

Other text cells get exactly two changes: this trim and NFC normalisation. Nothing else is
touched, so Ids, leading zeros, "NA" and "Null" survive.
"""

from __future__ import annotations

import sys
import unicodedata

import pandas as pd

__all__ = [
    "TRIM_CHARS",
    "ZERO_WIDTH_CHARS",
    "clean_text",
    "clean_text_series",
    "remove_zero_width",
    "trim_cell",
]

#: Invisible characters that are not Unicode whitespace but behave like padding.
ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff"

#: Every character trimmed from both ends of a cell: Unicode whitespace plus zero-width.
TRIM_CHARS = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
TRIM_CHARS += ZERO_WIDTH_CHARS

_ZERO_WIDTH_TABLE = {ord(c): None for c in ZERO_WIDTH_CHARS}


def remove_zero_width(value: str) -> str:
    """Delete zero-width characters anywhere in ``value`` (used for emails and phones)."""
    return value.translate(_ZERO_WIDTH_TABLE)


def trim_cell(raw: str) -> str:
    """An email or phone cell without zero-width characters anywhere and padding at the ends."""
    value = raw if raw.isascii() else remove_zero_width(raw)
    return value.strip(TRIM_CHARS)


def clean_text(value: str) -> str:
    """Trim Unicode whitespace and zero-width characters from both ends, then NFC-normalise."""
    trimmed = value.strip(TRIM_CHARS)
    if trimmed.isascii():
        return trimmed
    return unicodedata.normalize("NFC", trimmed)


def clean_text_series(values: pd.Series) -> pd.Series:
    """Apply :func:`clean_text` to a Series of strings, computing each distinct value once."""
    uniques = pd.unique(values)
    mapping = {value: clean_text(value) for value in uniques}
    return values.map(mapping)
