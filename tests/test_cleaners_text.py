"""Unicode-aware trimming of text cells."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.cleaners.text import TRIM_CHARS, clean_text, clean_text_series, remove_zero_width


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme", "Acme"),
        ("  Acme  ", "Acme"),
        ("\tAcme\n", "Acme"),
        ("\u00a0Acme\u00a0", "Acme"),  # non-breaking space
        ("\u2007Acme\u202f", "Acme"),  # figure space, narrow NBSP
        ("\u3000Acme", "Acme"),  # ideographic space
        ("\u200bAcme\u200c", "Acme"),  # zero-width space / non-joiner
        ("\u200dAcme\u2060", "Acme"),  # zero-width joiner / word joiner
        ("\ufeffAcme", "Acme"),  # byte-order mark
        ("Ac me", "Ac me"),  # inside whitespace untouched
        ("Cafe\u0301", "Café"),  # NFC
        ("001", "001"),  # leading zeros survive
        ("NA", "NA"),
        ("Null", "Null"),
        ("", ""),
        ("\u00a0\u200b ", ""),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_zero_width_removed_anywhere() -> None:
    assert remove_zero_width("sa\u200bra@x\ufeff.com") == "sara@x.com"


def test_trim_chars_cover_unicode_whitespace() -> None:
    for char in ("\u00a0", "\u1680", "\u2000", "\u2028", "\u205f", "\u3000", "\u200b"):
        assert char in TRIM_CHARS


def test_series_version_matches_scalar() -> None:
    values = pd.Series([" a", "b ", " a", "\u00a0c"])
    assert clean_text_series(values).tolist() == ["a", "b", "a", "c"]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_clean_text_is_idempotent_and_nfc(value: str) -> None:
    once = clean_text(value)
    assert clean_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
