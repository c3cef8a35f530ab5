"""Properties of normalize: conservation of rows, idempotence, skipped work changing nothing."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sfclean import normalize

_emails = st.sampled_from(
    [
        "sara@acme.com",
        " Sara@Acme.com ",
        "Sara Lee <sara@acme.com>",
        "mailto:joe@x.org",
        "joe.smith+tag@gmail.com",
        "joesmith@googlemail.com",
        "info@acme.com",
        "noreply@acme.com",
        "x@mailinator.com",
        "bad",
        "",
        "\u00a0\u200b",
        "josé@exämple.com",
        "N/A",
    ]
) | st.text(alphabet="abc@. +<>\u00a0", max_size=12)
_phones = st.sampled_from(
    [
        "(415) 555-0123",
        "'+14155550123",
        "020 7946 0958",
        "0044 20 7946 0958",
        "4.15555E+09",
        "4155550123.0",
        "415-555-0123 x12",
        "tel:+1-415-555-0123",
        "123",
        "",
    ]
) | st.text(alphabet="0123456789 +-()", max_size=14)
_countries = st.sampled_from(["US", "UK", "Germany", "", "NA", "Atlantis", "fra"])
_text = st.text(max_size=6)

_rows = st.lists(
    st.fixed_dictionaries(
        {
            "Email": _emails,
            "Phone": _phones,
            "Mobile": _phones,
            "Country": _countries,
            "Note": _text,
        }
    ),
    max_size=12,
)
_options = st.fixed_dictionaries(
    {
        "invalid_phone": st.sampled_from(["keep", "clear", "reject"]),
        "match_key": st.sampled_from(["email", "provider"]),
        "fill_blanks": st.booleans(),
    }
)

_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["Email", "Phone", "Mobile", "Country", "Note"], dtype="str")


@_SETTINGS
@given(_rows, _options)
def test_every_row_is_in_exactly_one_table(rows: list[dict[str, str]], options: dict) -> None:
    df = _frame(rows)
    result = normalize(df, **options)
    kept = result.kept["sfclean_row"].tolist()
    held = result.held_back["sfclean_row"].tolist()
    assert sorted(kept + held) == list(range(2, len(rows) + 2))
    assert not set(kept) & set(held)
    assert result.rows_in == len(rows)
    assert result.held_back["sfclean_reason"].ne("").all()
    # rejected rows carry their original values
    for row in result.held_back.itertuples(index=False):
        assert row.Email == rows[row.sfclean_row - 2]["Email"]
    # findings only ever talk about kept rows
    assert set(result.findings["row"]) <= set(kept)


@_SETTINGS
@given(_rows, _options)
@example(  # a kept invalid phone that starts like a formula: warned about on both passes
    rows=[
        {
            "Email": "sara@acme.com",
            "Phone": "(415) 555-0123",
            "Mobile": "-0+",
            "Country": "US",
            "Note": "",
        }
    ],
    options={"invalid_phone": "keep", "match_key": "email", "fill_blanks": False},
)
@example(  # a GB row's damaged phone must not be filled with a US row's invalid one
    rows=[
        {"Email": "a@b.co", "Phone": "4.15555E+09", "Mobile": "", "Country": "GB", "Note": ""},
        {"Email": "a@b.co", "Phone": "020 7946 0958", "Mobile": "", "Country": "US", "Note": ""},
    ],
    options={"invalid_phone": "keep", "match_key": "email", "fill_blanks": True},
)
@example(  # nor a row whose invalid phone was read under the default region get a country
    rows=[
        {"Email": "a@b.co", "Phone": "030 1234567", "Mobile": "", "Country": "", "Note": ""},
        {"Email": "a@b.co", "Phone": "", "Mobile": "", "Country": "DE", "Note": ""},
    ],
    options={"invalid_phone": "keep", "match_key": "email", "fill_blanks": True},
)
def test_normalizing_clean_output_changes_nothing(
    rows: list[dict[str, str]], options: dict
) -> None:
    first = normalize(_frame(rows), **options)
    # normalize numbers the rows of its input itself, so sfclean_row goes first
    again = normalize(first.kept.drop(columns="sfclean_row"), **options)
    assert len(again.held_back) == 0
    assert again.kept.drop(columns="sfclean_row").equals(first.kept.drop(columns="sfclean_row"))
    # warnings about a kept value recur on every pass (a formula-like cell stays as it is)
    warnings = ["invalid-phone", "phone-damaged", "formula-like-cell"]
    changes = again.findings[~again.findings["code"].isin(warnings)]
    assert changes.empty


@_SETTINGS
@given(_rows, _options)
def test_a_duplicate_always_names_a_row_that_went_on(
    rows: list[dict[str, str]], options: dict
) -> None:
    """Dedupe runs after every row-level check, so no person is lost to a rejected 'original'."""
    result = normalize(_frame(rows), **options)
    dups = result.held_back[result.held_back["sfclean_reason"] == "duplicate-in-file"]
    named = {int(d.removeprefix("duplicate of row ")) for d in dups["sfclean_detail"]}
    assert named <= set(result.kept["sfclean_row"])
    if options["match_key"] == "email":
        assert result.kept["Email"].is_unique


_cells = st.one_of(
    st.none(), st.just(float("nan")), st.text(alphabet="ab é\u00a0\ud7ff", max_size=3)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_cells, max_size=30), st.integers(1, 4))
def test_pyarrow_columns_are_read_as_pandas_would(cells: list, chunks: int) -> None:
    # Work.of reads pyarrow-backed text through its dictionary encoding; the codes and the
    # distinct values are pd.factorize's of the cells as text
    import numpy as np

    pa = pytest.importorskip("pyarrow")  # installed with the test extra (splink)
    from sfclean.stages.normalize_findings import as_text, encoded_text

    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    size = max(1, len(cells) // chunks)
    parts = [cells[i : i + size] for i in range(0, len(cells), size)] or [[]]
    arrow = pa.chunked_array([pa.array(p, type=pa.large_string(), from_pandas=True) for p in parts])
    series = pd.Series(pd.array(arrow, dtype=dtype))
    found = encoded_text(series)
    assert found is not None
    codes, uniques = pd.factorize(as_text(series))
    assert found[0].dtype == np.int64
    assert found[0].tolist() == codes.tolist()
    assert found[1].tolist() == uniques.tolist()
    assert as_text(series).tolist() == found[1][found[0]].tolist()


@_SETTINGS
@given(_rows, _options)
def test_cleaning_only_the_phones_of_rows_going_on_changes_nothing(
    rows: list[dict[str, str]], options: dict
) -> None:
    # normalize cleans the phones of the rows still going on only (the duplicates are marked
    # first when a phone cannot hold a row back): the same tables as cleaning every row's
    # phones, as normalize did before, and holding back only the rows going on
    from unittest import mock

    import numpy as np

    from sfclean.stages import normalize as stage

    clean_phone_cells = stage.clean_phone_cells

    def every_row(work: Any, name: str, regions: Any, invalid_phone: str, pool: Any = None) -> None:
        held, reason, detail = work.reason != 0, work.reason.copy(), work.detail.copy()
        work.reason[:] = 0  # every row's phones are cleaned
        clean_phone_cells(work, name, regions, invalid_phone, pool)
        work.reason[held], work.detail[held] = reason[held], detail[held]

    df = _frame(rows)
    result = normalize(df, **options)
    with mock.patch.object(stage, "clean_phone_cells", every_row):
        expected = normalize(df, **options)
    for name in ("kept", "held_back", "findings"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(expected, name))
    assert np.array_equal(result.kept.index, expected.kept.index)
