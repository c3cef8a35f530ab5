"""normalize with its column-wise fast paths equals normalize done cell by cell with
phonenumbers and email-validator, on the realistic export of bench/realistic.py (trunk
prefixes, extensions, 00 prefixes, (0), Canada, countries in their own language, Unicode
names, padded and retyped emails). bench/normalize_check.py does the same comparison
between two versions of sfclean on larger samples."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sfclean
from sfclean import spreadsheet
from sfclean.cleaners import emails, junk, phonecolumn, phones
from sfclean.cleaners.lines import CellColumn
from sfclean.stages import normalize, normalize_columns, normalize_findings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import realistic  # bench/realistic.py: the formats people type per country


def _one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fast path off: each phone through phonenumbers.parse, each email through
    email-validator, junk and formula checks per address, pandas' own conversions."""
    monkeypatch.setattr(phones, "fast_phone", lambda value, region: None)
    monkeypatch.setattr(emails, "fast_email_ok", lambda address: False)

    def phone_column(values: list[str], region: str) -> CellColumn:
        col = CellColumn.start(len(values), [()])
        col.fill_slow(np.arange(len(values)), lambda i: phones.clean_phone(values[i], region))
        return col

    def email_column(values: list[str], **options: object) -> CellColumn:
        col = CellColumn.start(len(values), [()])
        col.fill_slow(np.arange(len(values)), lambda i: emails.clean_email(values[i], **options))
        return col

    def junk_column(addresses: list[str], policy: junk.JunkPolicy, cells: object = None) -> tuple:
        hits = [junk.classify_junk(a, policy) for a in addresses]
        found = [i for i, h in enumerate(hits) if h is not None]
        return np.array(found, dtype=np.int64), [hits[i] for i in found]

    def formula_rows(values: np.ndarray) -> np.ndarray:
        return np.flatnonzero([spreadsheet.formula_like(v) for v in values])

    monkeypatch.setattr(normalize_columns, "clean_phone_column", phone_column)
    monkeypatch.setattr(normalize_columns, "clean_email_column", email_column)
    monkeypatch.setattr(normalize_columns, "classify_junk_column", junk_column)
    monkeypatch.setattr(normalize_columns, "arrow_text", lambda series: None)
    monkeypatch.setattr(normalize, "_formula_rows", formula_rows)
    monkeypatch.setattr(
        normalize, "str_array", lambda values, take=None: values if take is None else values[take]
    )
    monkeypatch.setattr(
        normalize_findings,
        "str_array",
        lambda values, take=None: values if take is None else values[take],
    )
    assert phonecolumn  # the module the reference replaces


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"invalid_phone": "reject", "match_key": "provider", "fill_blanks": True},
        {"invalid_phone": "clear", "default_region": "GB"},
    ],
)
def test_fast_paths_change_no_output(monkeypatch: pytest.MonkeyPatch, options: dict) -> None:
    df = realistic.generate(3000, seed=11)
    fast = sfclean.normalize(df, **options)
    with monkeypatch.context() as patched:
        _one_by_one(patched)
        parsed = []
        parse = phones.phonenumbers.parse
        patched.setattr(
            phones.phonenumbers, "parse", lambda *a, **k: parsed.append(1) or parse(*a, **k)
        )
        slow = sfclean.normalize(df, **options)
    assert len(parsed) > df["Phone"].nunique()  # the reference did parse every phone
    for name in ("kept", "held_back", "findings"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), check_exact=True)
    # the sample has the shapes the fast paths are for
    phones_in = df["Phone"].tolist()
    assert any("ext" in p.lower() or " x" in p for p in phones_in)
    assert any(p.startswith("0044") or p.startswith("+44 (0)") for p in phones_in)
    assert (fast.findings["code"] == "phone-formatted").sum() > 1000
