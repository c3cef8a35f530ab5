"""The fast read path (sfclean.io._bytescan counts the records on the bytes, pyarrow parses)
against the path it replaces (the csv module's walk, pandas' C parser): on nasty CSV text,
either the scan declines (and the old path runs) or check_csv and every chunk come out the
same, and every error is the same Error line."""

from __future__ import annotations

import codecs
import io
import re
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.errors import InputError
from sfclean.io import _bytescan, _read, check_csv, read_csv
from sfclean.io._bytescan import BLOCK, scan_records
from sfclean.io._records import MAX_CELL, count_records

RAW = ["a", "é", "€", "😀", " ", ",", ";", "\t", '"', "\r", "\n", "\r\n", "x y", "=1", "\ufeff"]
SAFE = ["a", "é", "€", "😀", " ", "x y", "=1", "'", "-", "\ufeff"]  # no delimiter, quote, line end


@st.composite
def fields(draw: st.DrawFn, nasty: bool = True) -> str:
    """A field as written: plain, quoted the strict way, or (``nasty``) one of the shapes
    strict CSV refuses or reads otherwise (a quote inside, text after the closing quote...)."""
    text = "".join(draw(st.lists(st.sampled_from(RAW), max_size=4)))
    shape = draw(st.sampled_from(["plain", "quoted", "quoted", "odd"] if nasty else ["quoted"]))
    if not nasty and draw(st.booleans()):
        return "".join(draw(st.lists(st.sampled_from(SAFE), max_size=4)))
    if shape == "quoted":
        return '"' + text.replace('"', '""') + '"'
    if shape == "odd":
        return draw(
            st.sampled_from(
                [f'"{text}"x', f' "{text}"', f'x"{text}', f'"{text}', f'"{text}""', '"a"b"']
            )
        )
    return text


@st.composite
def csv_texts(draw: st.DrawFn) -> tuple[str, str]:
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    width = draw(st.integers(min_value=1, max_value=4))
    header = [f"H{i}" for i in range(width)]
    if draw(st.booleans()):
        header[0] = draw(fields()) or "H0"
    records = [delimiter.join(header)]
    nasty = draw(st.booleans())  # else a plain export: strict quotes, full rows
    kinds = ["row", "row", "row", "ragged", "blank", "spaces"] if nasty else ["row"]
    for _ in range(draw(st.integers(min_value=0 if nasty else 1, max_value=8))):
        kind = draw(st.sampled_from(kinds))
        if kind == "blank":
            records.append("")
        elif kind == "spaces":
            records.append("  ")
        else:
            n = width if kind == "row" else draw(st.integers(min_value=1, max_value=5))
            records.append(delimiter.join(draw(fields(nasty)) for _ in range(n)))
    ends = draw(st.lists(st.sampled_from(["\r\n", "\n", "\r"]), min_size=len(records)))
    text = "".join(r + e for r, e in zip(records, ends, strict=False))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    text += draw(st.sampled_from(["", "\r\n", "\n\n", "\r\n\r\n\r\n"]))
    before = draw(st.sampled_from(["", "\ufeff", f"sep={delimiter}\r\n", "\ufeffsep=;\n"]))
    return before + text, delimiter


def _outcome(path: Path, chunk: int | None, dtype: Any, **options: Any) -> Any:
    """check_csv's file and every chunk's cells, or the error message."""
    try:
        checked = check_csv(path, **options)
        frames = list(checked.chunks(chunk, dtype=dtype))
    except InputError as exc:
        return f"error: {exc}"
    fields = {k: v for k, v in vars(checked).items() if k != "data_offset"}
    cells = [
        (f.index.tolist(), f.columns.tolist(), [str(t) for t in f.dtypes], f.to_numpy().tolist())
        for f in frames
    ]
    return fields, cells, checked.data_offset is not None


def _old_path(path: Path, chunk: int | None, dtype: Any, **options: Any) -> Any:
    with mock.patch.object(_read, "_scan", return_value=None):
        return _outcome(path, chunk, dtype, **options)


# rows before the header, and how many rows they are (skip_rows)
PREAMBLES = [("", 0), ("Notes:\r\n", 1), ('Notes:,"a\nb"\r\n\r\n', 2)]


@settings(max_examples=600, deadline=None)
@given(
    csv_texts(),
    st.sampled_from([None, 1, 2, 5]),
    st.sampled_from([str, object]),
    st.booleans(),
    st.sampled_from(PREAMBLES),
    st.sampled_from(["utf-8", "cp1252"]),
)
def test_the_fast_read_path_reads_what_the_csv_module_and_pandas_read(
    written: tuple[str, str],
    chunk: int | None,
    dtype: Any,
    forced: bool,
    preamble: tuple[str, int],
    encoding: str,
) -> None:
    text, delimiter = written
    if preamble[0]:  # after the byte-order mark and Excel's sep= line, as in _read._start
        before = re.match(r"\ufeff?(?:sep=.\r?\n)?", text)
        assert before is not None
        text = text[: before.end()] + preamble[0] + text[before.end() :]
    try:
        data = text.encode(encoding)  # cp1252: the scan counts, pandas parses
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_bytes(data)
        options: dict[str, Any] = {"delimiter": delimiter} if forced else {}
        if preamble[1]:
            options["skip_rows"] = preamble[1]
        fast = _outcome(path, chunk, dtype, **options)
        old = _old_path(path, chunk, dtype, **options)
    if isinstance(old, str):
        assert fast == old
    else:
        assert fast[:2] == old[:2]


@settings(max_examples=300, deadline=None)
@given(csv_texts(), st.sampled_from([BLOCK, 5, 16, 64]))
def test_the_byte_scan_counts_what_the_csv_module_counts_when_it_answers(
    written: tuple[str, str], block: int
) -> None:
    # small blocks: records (quoted line ends, CRLFs) straddle the cuts between blocks
    text, delimiter = written
    body = text.removeprefix("\ufeff")
    if body.startswith("sep="):
        body = body.split("\n", 1)[1] if "\n" in body else ""
    with mock.patch.object(_bytescan, "BLOCK", block):
        scanned = scan_records(io.BytesIO(body.encode("utf-8")), delimiter)
    if scanned is None:
        return
    counted = count_records(io.StringIO(body, newline=""), delimiter)
    assert counted is not None
    header, rows, trailing = counted
    assert (len(header), rows, trailing) == (scanned.width, scanned.rows, scanned.trailing)
    data = body.encode("utf-8")[scanned.header_bytes :]  # the first data row on
    if rows:
        assert pd.read_csv(io.BytesIO(data), header=None, sep=delimiter, dtype=str).shape[0] == rows


@pytest.mark.parametrize("delimiter", ["\n", "\r", '"', "é", ",,"])
def test_the_byte_scan_refuses_a_delimiter_it_cannot_count(delimiter: str) -> None:
    # a line-end delimiter would count a record's own line end as a field separator
    assert scan_records(io.BytesIO(b"a\nb\nc\n"), delimiter) is None
    assert scan_records(io.BytesIO(b"a\rb\r\nc\r\n"), delimiter) is None


def test_plain_and_quoted_exports_take_the_fast_path(tmp_path: Path) -> None:
    cases = {
        "plain.csv": "Email,Name\r\na@x.example,Zo\u00eb\r\nb@x.example,Bo\r\n",
        "quoted.csv": '"Email","Name"\n"a@x.example","Smith, ""Jr"""\n"b@x.example","two\r\nlines"\n',
        "bom.csv": "\ufeffEmail;Name\rb@x.example;B\r\r\r",
        "sep.csv": "sep=;\r\nEmail;Name\r\nb@x.example;B",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8"))
        checked = check_csv(path)
        assert checked.data_offset is not None, name
        assert checked.arrow_reads(str) and checked.arrow_reads(object)
        fast = read_csv(path)
        with mock.patch.object(_read, "_scan", return_value=None):
            old = read_csv(path)
        pd.testing.assert_frame_equal(fast, old)
        assert fast.attrs == old.attrs


def test_files_the_scan_cannot_prove_take_the_old_path(tmp_path: Path) -> None:
    cases = {
        "blank-between.csv": "Email,Name\na@x.example,A\n\nb@x.example,B\n",
        "quote-inside.csv": 'Email,Name\na@x.example,5" tall\n',
        "one-column.csv": "Email\na@x.example\n",
        "cp1252.csv": "Email,Name\na@x.example,Jos\xe9\n",
        # pyarrow would drop a byte-order mark that starts the first data row
        "bom-cell.csv": "Email,Name\n\ufeffa@x.example,A\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8" if name != "cp1252.csv" else "latin-1"))
        checked = check_csv(path)
        assert not checked.arrow_reads(), name
        assert len(read_csv(path)) == (3 if name.startswith("blank") else 1)  # blank: a row
    assert read_csv(tmp_path / "bom-cell.csv").iloc[0, 0] == "\ufeffa@x.example"


def test_the_scan_crosses_blocks_and_long_records_take_the_old_path(tmp_path: Path) -> None:
    # records straddle the scan's blocks (a CRLF and a quoted line end at the cut)
    row = '"a@x.example","two\r\nlines",' + "x" * 50 + "\r\n"
    n = (2 * BLOCK) // len(row) + 3
    path = tmp_path / "big.csv"
    path.write_bytes(("Email,Notes,Pad\r\n" + row * n).encode("utf-8"))
    checked = check_csv(path)
    assert (checked.rows, checked.data_offset) == (n, len("Email,Notes,Pad\r\n"))
    frames = list(checked.chunks(n // 3 + 1, dtype=str))
    assert sum(map(len, frames)) == n
    assert frames[-1].iloc[-1].tolist() == ["a@x.example", "two\r\nlines", "x" * 50]
    long = tmp_path / "long.csv"
    long.write_bytes(("A,B\n" + "y" * (MAX_CELL + 1) + ",z\n").encode("utf-8"))
    with pytest.raises(InputError, match="more than any Salesforce field takes"):
        check_csv(long)


def test_the_arrow_frames_are_what_pandas_gives(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"Email,Phone\r\na@x.example,007\r\n,\r\n")
    fast = read_csv(path)
    assert fast.dtypes.tolist() == [pd.StringDtype(na_value=np.nan)] * 2
    assert fast.to_numpy().tolist() == [["a@x.example", "007"], ["", ""]]
    [as_objects] = check_csv(path).chunks(dtype=object)
    assert as_objects.dtypes.tolist() == [np.dtype(object)] * 2
    assert as_objects.to_numpy().tolist() == [["a@x.example", "007"], ["", ""]]


def test_a_file_gone_after_the_check_is_an_input_error_on_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"Email,Name\na@x.example,A\n")
    checked = check_csv(path)
    assert checked.arrow_reads()
    path.unlink()
    with pytest.raises(InputError, match="does not exist; check the path"):
        list(checked.chunks())


def test_without_pyarrow_pandas_parses_what_the_scan_proved(tmp_path: Path) -> None:
    from sfclean.io import _arrowread

    path = tmp_path / "in.csv"
    path.write_bytes(b"Email,Name\r\na@x.example,A\r\n\r\n")
    fast = read_csv(path)
    with mock.patch.object(_arrowread, "pa", None):
        checked = check_csv(path)
        assert checked.data_offset is not None and not checked.arrow_reads()
        [old] = checked.chunks()
    pd.testing.assert_frame_equal(fast, old)
    assert (checked.rows, checked.trailing) == (1, 1)
