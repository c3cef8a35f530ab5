"""The formula-like check skips phones cleaned to E.164, and flags the same cells as before."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean import normalize
from sfclean.cleaners.phones import clean_phone
from sfclean.spreadsheet import formula_like

_REGIONS = st.sampled_from(["US", "GB", "DE", "FR", "CA", "ES", "JP", "IN"])
_PHONES = st.sampled_from(
    [
        "+1 415 555 0123",
        "(415) 555-0123 x12",
        "+44 (0)20 7946 0958 ext. 204",
        "0044 20 7946 0958",
        "030 1234567 #3",
        "06 12 34 56 78",
        "=1+2",
        "-12",
        "+",
        "@SUM(A1)",
        "+1 415 555 0123;ext=7",
        "4.15555E+09",
        "",
    ]
) | st.text(alphabet="0123456789 +-().x#;=@ext", max_size=20)


@settings(max_examples=400, deadline=None)
@given(_PHONES, _REGIONS)
def test_a_formatted_phone_is_never_formula_like(raw: str, region: str) -> None:
    """What the skip relies on: a phone clean_phone formats (status ``ok``: E.164, maybe
    ``;ext=N``) is a number to a spreadsheet."""
    result = clean_phone(raw, region)
    if result.status == "ok":
        assert result.value.startswith("+")
        assert not formula_like(result.value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_PHONES, _PHONES), min_size=1, max_size=8))
def test_flagged_cells_are_the_formula_like_ones(phones: list[tuple[str, str]]) -> None:
    frame = pd.DataFrame(
        {
            "Email": [f"p{i}@example.com" for i in range(len(phones))],
            "Phone": [p for p, _ in phones],
            "MobilePhone": [m for _, m in phones],
        }
    )
    result = normalize(frame, invalid_phone="keep")
    found = result.findings[result.findings["code"] == "formula-like-cell"]
    flagged = set(zip(found["row"], found["column"], strict=True))
    expected = {
        (row, column)
        for column in ("Phone", "MobilePhone")
        for row, value in zip(result.kept["sfclean_row"], result.kept[column], strict=True)
        if formula_like(value)
    }
    assert flagged == expected
