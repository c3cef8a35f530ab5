"""Writing CSV with the csv module (sfclean.io.OutputDir) gives the bytes pandas' to_csv
gave (what write_outputs wrote before), for the files for the org and for people alike, and
a set of files appears in --out all at once or not at all."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.errors import InputError
from sfclean.io import OutputDir, write_outputs
from sfclean.io._csvarrow import arrow_rows
from sfclean.io._csvout import LINE_END, CsvOut, text_rows
from sfclean.spreadsheet import neutralise_formulas

TRICKY = [
    "",
    "plain",
    "Jos\u00e9",
    'say "hi"',
    "a,b",
    "two\r\nlines",
    "lf\nonly",
    "cr\ronly",
    "=SUM(A1)",
    "+44 20 7946 0958",
    "-",
    "@x",
    "\tTab",
    " padded ",
    "'quoted already",
]


def _pandas_bytes(frame: pd.DataFrame, for_people: bool) -> bytes:
    """What write_outputs wrote before it had its own writer: pandas' to_csv."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        (neutralise_formulas(frame) if for_people else frame).to_csv(
            path,
            index=False,
            encoding="utf-8-sig" if for_people else "utf-8",
            lineterminator="\r\n",
        )
        return path.read_bytes()


def _written_bytes(frame: pd.DataFrame, name: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(tmp, {name: frame, "report.json": {}})
        return (Path(tmp) / name).read_bytes()


column_kinds = st.sampled_from(["str", "object", "int", "str-with-nan"])


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n_rows = draw(st.integers(min_value=0, max_value=6))
    kinds = draw(st.lists(column_kinds, min_size=1, max_size=4))
    names = draw(
        st.lists(st.sampled_from(TRICKY[1:]), min_size=len(kinds), max_size=len(kinds), unique=True)
    )
    data = {}
    for name, kind in zip(names, kinds, strict=True):
        if kind == "int":
            values = draw(
                st.lists(st.integers(-(10**12), 10**12), min_size=n_rows, max_size=n_rows)
            )
            data[name] = pd.Series(values, dtype="int64")
            continue
        cells = draw(st.lists(st.sampled_from(TRICKY), min_size=n_rows, max_size=n_rows))
        if kind == "str-with-nan":
            cells = [np.nan if c == "" else c for c in cells]
        data[name] = pd.Series(cells, dtype=object if kind == "object" else "str")
    return pd.DataFrame(data, columns=names)


@settings(max_examples=200, deadline=None)
@given(frames(), st.booleans())
def test_the_csv_writer_writes_what_pandas_wrote(frame: pd.DataFrame, for_people: bool) -> None:
    name = "rejected.csv" if for_people else "clean.csv"
    assert _written_bytes(frame, name) == _pandas_bytes(frame, for_people)


@pytest.mark.parametrize("for_people", [False, True])
def test_frames_the_csv_writer_does_not_take_are_written_by_pandas(for_people: bool) -> None:
    frame = pd.DataFrame({"n": [1.5, np.nan], "when": pd.to_datetime(["2026-01-02", None])})
    mixed = pd.DataFrame({"x": ["a", None, 3]}, dtype=object)
    name = "rejected.csv" if for_people else "clean.csv"
    for table in (frame, mixed):
        assert _written_bytes(table, name) == _pandas_bytes(table, for_people)


def test_a_one_column_file_quotes_its_empty_cells_like_pandas() -> None:
    frame = pd.DataFrame({"Email": ["", "a@x.example", ""]}, dtype="str")
    assert _written_bytes(frame, "clean.csv") == b'Email\r\n""\r\na@x.example\r\n""\r\n'


def test_rows_written_a_chunk_at_a_time_appear_only_when_published(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    with OutputDir(out_dir) as out:
        clean = out.csv("clean.csv", ["Email", "sfclean_row"])
        clean.write([np.array(["a@x.example"], dtype=object), np.array([2])])
        clean.write([np.array(["=b@x.example"], dtype=object), np.array([3])])
        people = out.csv("rejected.csv", ["Email", "sfclean_row"])
        people.write([np.array(["=b@x.example"], dtype=object), np.array([3])])
        out.json("report.json", {"ok": True})
        assert [p.name for p in out_dir.iterdir() if not p.name.startswith(".")] == []
        paths = out.publish()
    assert list(paths) == ["clean.csv", "rejected.csv", "report.json"]
    assert (out_dir / "clean.csv").read_bytes() == (
        b"Email,sfclean_row\r\na@x.example,2\r\n=b@x.example,3\r\n"
    )
    assert (out_dir / "rejected.csv").read_bytes() == (
        b"\xef\xbb\xbfEmail,sfclean_row\r\n'=b@x.example,3\r\n"
    )
    assert sorted(p.name for p in out_dir.iterdir()) == ["clean.csv", "rejected.csv", "report.json"]


def test_an_output_set_left_unpublished_leaves_nothing_and_keeps_the_old_set(
    tmp_path: Path,
) -> None:
    out_dir = tmp_path / "out"
    write_outputs(out_dir, {"clean.csv": pd.DataFrame({"Email": ["old"]}), "report.json": {}})
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    with pytest.raises(RuntimeError), OutputDir(out_dir) as out:
        out.csv("clean.csv", ["Email"]).write([np.array(["new"], dtype=object)])
        raise RuntimeError("interrupted")
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before


def test_an_unwritable_directory_is_an_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="cannot write to"):
        OutputDir(blocker / "out")


# --- the pyarrow fast path (sfclean.io._csvarrow) against the csv-module writer ---------

cell_text = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet=st.sampled_from("ab,\"\r\n=+-@\t' é€😀\x85\u2028"), max_size=6),
    st.text(max_size=4),
)


@st.composite
def batches(draw: st.DrawFn) -> list[np.ndarray]:
    n_rows = draw(st.integers(min_value=0, max_value=8))
    n_columns = draw(st.integers(min_value=1, max_value=4))
    columns = []
    for _ in range(n_columns):
        if draw(st.integers(0, 4)) == 0:
            ints = st.integers(-(2**63), 2**63 - 1)
            numbers = draw(st.lists(ints, min_size=n_rows, max_size=n_rows))
            columns.append(np.array(numbers, dtype=np.int64))
            continue
        cells = draw(st.lists(cell_text, min_size=n_rows, max_size=n_rows))
        column = np.empty(n_rows, dtype=object)
        column[:] = cells
        if n_rows and draw(st.integers(0, 5)) == 0:  # a slice, as CsvOut.write takes
            column = np.concatenate([column, column])[n_rows:]
        columns.append(column)
    return columns


@settings(max_examples=400, deadline=None)
@given(batches(), st.booleans())
def test_the_arrow_writer_writes_what_the_csv_module_writer_writes(
    columns: list[np.ndarray], for_people: bool
) -> None:
    fast = arrow_rows(columns, for_people, LINE_END)
    assert fast is not None
    assert fast.tobytes() == text_rows(columns, for_people).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(batches(), st.booleans(), st.data())
def test_pyarrow_columns_are_written_as_their_object_arrays_are(
    columns: list[np.ndarray], for_people: bool, data: st.DataObject
) -> None:
    # normalize's tables hand the writer pyarrow arrays (string or large_string, slices of
    # a longer array as pyarrow's take and CsvOut's batches make them)
    given = []
    for column in columns:
        if column.dtype.kind != "O" or not data.draw(st.booleans()):
            given.append(column)
            continue
        kind = data.draw(st.sampled_from([pa.string(), pa.large_string()]))
        try:
            padded = pa.array(["x", *column.tolist(), "y"], type=kind)
        except (pa.ArrowException, UnicodeError):
            given.append(column)  # a lone surrogate: pyarrow cannot hold it
            continue
        given.append(padded.slice(1, len(column)))
    with tempfile.TemporaryDirectory() as tmp:
        written = []
        for cells in (columns, given):
            path = Path(tmp) / f"{len(written)}.csv"
            out = CsvOut(path, [f"c{i}" for i in range(len(cells))], for_people=for_people)
            out.write(cells)
            out.close()
            written.append(path.read_bytes())
    assert written[1] == written[0]


def test_a_pyarrow_column_with_a_missing_cell_goes_to_the_csv_module_writer(
    tmp_path: Path,
) -> None:
    column = pa.array(["a", None], type=pa.large_string())
    assert arrow_rows([column], False, LINE_END) is None
    out = CsvOut(tmp_path / "x.csv", ["x"], for_people=False)
    with pytest.raises(TypeError):  # as an object array holding None fails
        out.write([column])
    out.close()


@pytest.mark.parametrize(
    "odd",
    [
        np.array(["a", None], dtype=object),
        np.array(["a", np.nan], dtype=object),
        np.array(["a", 3], dtype=object),
        np.array(["a", "\ud800"], dtype=object),
        np.array([1.5, 2.0]),
    ],
    ids=["None", "NaN", "int-object", "lone-surrogate", "float"],
)
def test_the_arrow_writer_leaves_what_it_cannot_prove_to_the_csv_module_writer(
    odd: np.ndarray, tmp_path: Path
) -> None:
    assert arrow_rows([odd], False, LINE_END) is None
    # and CsvOut then fails (or writes) exactly as the csv-module writer does
    try:
        expected: bytes | type[BaseException] = text_rows([odd], False).encode("utf-8")
    except Exception as exc:
        expected = type(exc)
    out = CsvOut(tmp_path / "x.csv", ["x"], for_people=False)
    if isinstance(expected, bytes):
        out.write([odd])
        out.close()
        assert (tmp_path / "x.csv").read_bytes() == b"x\r\n" + expected
    else:
        with pytest.raises(expected):
            out.write([odd])
        out.close()
