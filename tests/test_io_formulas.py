"""sfclean.io.neutralise_formulas: no cell of a file meant for people runs as a formula."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from sfclean.io import FORMULA_PREFIXES, neutralise_formulas

cells = st.one_of(
    st.none(), st.text(max_size=12), st.sampled_from(["=1+1", "+14155550100", "-2", "@A1"])
)


@given(st.lists(cells, min_size=1, max_size=20))
def test_risky_cells_get_one_apostrophe_and_nothing_else_changes(values: list[str | None]) -> None:
    frame = pd.DataFrame({"text": pd.Series(values, dtype=object), "n": range(len(values))})
    out = neutralise_formulas(frame)
    for before, after in zip(values, out["text"], strict=True):
        if isinstance(before, str) and before.startswith(FORMULA_PREFIXES):
            assert after == "'" + before
        else:
            assert after == before or (before is None and pd.isna(after))
    assert out["n"].tolist() == list(range(len(values)))
    assert frame["text"].tolist() == values  # the caller's frame is not modified


def test_category_columns_are_neutralised_too() -> None:
    frame = pd.DataFrame({"c": pd.Categorical(["=cmd|' /C calc'!A0", "ok"])})
    assert neutralise_formulas(frame)["c"].tolist() == ["'=cmd|' /C calc'!A0", "ok"]
