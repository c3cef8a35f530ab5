"""The findings table as arrays (FindingsTable) against the table built one finding at a
time, and the result frames' text columns built from distinct values or pyarrow arrays
against the same columns built cell by cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.report import FINDINGS_COLUMNS
from sfclean.stages.normalize_findings import FindingsTable, _objects, arrow_take, str_array

_NAMES = ["Email", "Phone", "Country"]
_WORDS = st.sampled_from(["", "a", "b", "é", "x y", "+1"])

# one add(): (row positions, column, code, per-row message or one message, original given?,
# normalized given?, then pin the column's findings and change its cleaned cells?)
_add = st.tuples(
    st.lists(st.integers(0, 9), max_size=6),
    st.sampled_from(_NAMES),
    st.sampled_from(["c1", "c2"]),
    st.booleans(),
    _WORDS,
    st.booleans(),
    st.booleans(),
    st.booleans(),
)


def _cells(prefix: str) -> np.ndarray:
    return np.array([f"{prefix}{r}" for r in range(10)], dtype=object)


def _as_source(cells: np.ndarray, form: str, kind: object) -> object:
    """The cells as an object array or a pyarrow array, maybe as (the rows in reverse, rank)."""
    import pyarrow as pa

    ranked = form.startswith("ranked ")
    values = cells[::-1] if ranked else cells
    if form.endswith("pyarrow"):
        values = pa.array(values.tolist(), type=kind)
    return (values, np.arange(len(cells))[::-1].copy()) if ranked else values


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_add, max_size=8),
    st.lists(st.booleans(), min_size=10, max_size=10),
    st.lists(
        st.sampled_from(["objects", "pyarrow", "ranked objects", "ranked pyarrow"]),
        min_size=6,
        max_size=6,
    ),
)
def test_findings_columns_are_the_findings_sorted_by_row_then_column(
    adds: list, keep: list[bool], forms: list[str]
) -> None:
    import pyarrow as pa

    inputs = {name: _cells(f"{name}.i") for name in _NAMES}  # the originals left out
    cleaned = {name: _cells(f"{name}.c") for name in _NAMES}  # the normalized left out
    table = FindingsTable(order={name: i for i, name in enumerate(_NAMES)})
    expected = []
    open_: dict[str, list[list]] = {name: [] for name in _NAMES}  # normalized not yet known
    for seq, (rows, column, code, per_row, message, old_given, new_given, pin) in enumerate(adds):
        pos = np.array(rows, dtype=np.int64)
        original = np.array([f"o{seq}.{r}" for r in rows], dtype=object)
        normalized = np.array([f"n{seq}.{r}" for r in rows], dtype=object)
        messages = np.array([f"m{seq}.{r}" for r in rows], dtype=object) if per_row else message
        table.add(
            pos,
            column,
            code,
            original if old_given else None,
            normalized if new_given else None,
            messages,
        )
        for i, row in enumerate(rows):
            text = messages[i] if per_row else message
            old = original[i] if old_given else inputs[column][row]
            found = [row, column, code, old, normalized[i] if new_given else None, text]
            expected.append((row, _NAMES.index(column), len(expected), found))
            if not new_given:
                open_[column].append(found)
        if pin:  # the findings so far keep the cells; then the cleaned column changes
            table.pin(column, cleaned[column])
            for found in open_.pop(column):
                found[4] = cleaned[column][found[0]]
            open_[column] = []
            cleaned[column] = _cells(f"{column}.p{seq}.")
    for column, still in open_.items():  # the cleaned cells as they are at the end
        for found in still:
            found[4] = cleaned[column][found[0]]
    expected.sort()
    wanted = [tuple(found) for row, _, _, found in expected if keep[row]]
    kinds = [pa.large_string(), pa.string(), pa.large_string()]
    sources = [
        {
            n: _as_source(cells[n], form, kind)
            for n, kind, form in zip(_NAMES, kinds, half, strict=True)
        }
        for cells, half in ((inputs, forms[:3]), (cleaned, forms[3:]))
    ]
    pos, coded = table.coded_columns(np.array(keep), *sources, first_row=2)
    columns = {name: _objects(values, take) for name, (values, take) in coded.items()}
    got = list(zip(*(columns[c].tolist() for c in FINDINGS_COLUMNS), strict=True))
    assert got == [(row + 2, *rest) for row, *rest in wanted]
    assert pos.tolist() == [row for row, *_ in wanted]
    for name, (values, take) in coded.items():  # what the result frames are built from
        assert list(str_array(values, take)) == columns[name].tolist()


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
@settings(max_examples=100, deadline=None)
@given(st.lists(_WORDS, max_size=12), st.data())
def test_str_columns_from_distinct_values_or_arrow_equal_cell_by_cell(
    storage: str, values: list[str], data: st.DataObject
) -> None:
    pa = pytest.importorskip("pyarrow")  # installed with the test extra (splink)
    take = np.array(
        data.draw(st.lists(st.integers(0, max(len(values) - 1, 0)), max_size=12)) if values else [],
        dtype=np.int64,
    )
    distinct = np.array(values, dtype=object)
    with pd.option_context("mode.string_storage", storage):
        cells = pd.Series(distinct[take], dtype="str")
        built = pd.Series(str_array(distinct, take), dtype="str")
        pd.testing.assert_series_equal(built, cells, check_exact=True)
        taken = arrow_take(pa.array(values, type=pa.string()), take)
        if storage == "python":
            assert taken is None  # the caller builds Python strings then
        else:
            pd.testing.assert_series_equal(pd.Series(taken), cells, check_exact=True)


def _unique_reference(reason: np.ndarray, keys: np.ndarray) -> tuple[list, list]:
    """mark_duplicates as it was written with np.unique (first occurrence per key)."""
    eligible = np.flatnonzero(reason == 0)
    first_of = np.arange(len(reason))
    dup_rows = np.zeros(0, dtype=np.int64)
    if len(eligible):
        _, first_index, back = np.unique(keys[eligible], return_index=True, return_inverse=True)
        first_pos = eligible[first_index][back.ravel()]
        first_of[eligible] = first_pos
        dup_rows = eligible[first_pos != eligible]
    return dup_rows.tolist(), first_of.tolist()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-3, 6), st.booleans()), max_size=20),
    st.sampled_from([1, 1000, 10**12]),
)
def test_duplicates_are_marked_as_with_unique(rows: list, scale: int) -> None:
    from sfclean.stages.normalize import mark_duplicates
    from sfclean.stages.normalize_columns import Work

    keys = np.array([k * scale for k, _ in rows], dtype=np.int64)
    work = Work(["Email"], {"Email": np.full(len(rows), "", dtype=object)})
    work.reason[:] = [3 if held else 0 for _, held in rows]
    expected = _unique_reference(work.reason.copy(), keys)
    dup_rows, first_of = mark_duplicates(work, keys)
    assert (dup_rows.tolist(), first_of.tolist()) == expected
    assert work.detail[dup_rows].tolist() == [
        f"duplicate of row {first_of[r] + 2}" for r in dup_rows
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("=+-@\t\r1 a\n().é"), max_size=6)
        | st.sampled_from(["+14155550123", "a@x.com", "=SUM(A1)", "-", "+44 20 7946 0958"]),
        max_size=30,
    )
)
def test_formula_cells_are_found_as_one_by_one(values: list[str]) -> None:
    # normalize reads only the cells that start like a formula when they are few
    from sfclean.spreadsheet import formula_like
    from sfclean.stages.normalize import _formula_rows

    cells = np.array(values, dtype=object)
    assert _formula_rows(cells).tolist() == [i for i, v in enumerate(values) if formula_like(v)]


@given(st.lists(_WORDS, max_size=12))
@settings(max_examples=100, deadline=None)
def test_work_builds_a_read_columns_cells_only_when_asked_and_as_read(cells: list[str]) -> None:
    from sfclean.stages.normalize_columns import Cells, Work

    frame = pd.DataFrame({"Email": pd.array(cells, dtype="str")})
    work = Work.of(frame, ["Email"])
    assert work.n == len(cells)
    if isinstance(work.original, Cells):  # read as (codes, distinct values): built lazily
        assert "Email" not in dict.keys(work.original)
    assert work.original["Email"].tolist() == cells
    assert "Email" in dict.keys(work.original)
    with pytest.raises(KeyError):
        work.original["Phone"]
