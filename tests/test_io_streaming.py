"""read_csv without loading the file: the encoding is decided block by block, the records are
walked once, pandas parses from the file itself, whole or in chunks (check_csv / chunks).

The reference for what a file reads as is pandas over the decoded text from the header on
(what read_csv did before it streamed): every cell must come out the same, whatever the
block size, the chunk size, the encoding, the line ends or the quoting."""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sfclean import encodings
from sfclean.errors import InputError
from sfclean.io import check_csv, read_csv

# --- the encoding, block by block ---------------------------------------------------------

PIECES = [
    b"a",
    b",",
    b"\n",
    b"\r\n",
    "\u00e9".encode(),  # é in UTF-8
    "\u20ac".encode(),  # € in UTF-8 (3 bytes)
    "\U0001d11e".encode(),  # 𝄞 in UTF-8 (4 bytes)
    b"\xe9",  # é in cp1252
    b"\x92",  # ' in cp1252
    b"\x81",  # undefined in cp1252: latin-1
    b"\xc3",  # a lone UTF-8 lead byte
    b"\xc0\x80",  # an overlong form: not UTF-8 text
    b"\xdf\x93",  # cp1252 ß“, also UTF-8 (Hebrew-range): not evidence
    b"\x00",
]


def _outcome(data: bytes, encoding: str | None = None) -> str:
    """The codec detect_encoding picks for ``data``, or its error message."""
    try:
        return encodings.detect_encoding(io.BytesIO(data), "f.csv", encoding)
    except InputError as exc:
        return f"error: {exc}"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([b"", codecs.BOM_UTF8]),
    st.lists(st.sampled_from(PIECES), max_size=40),
    st.sampled_from([None, "utf-8", "cp1252"]),
)
def test_the_encoding_does_not_depend_on_the_block_size(
    bom: bytes, pieces: list[bytes], forced: str | None
) -> None:
    data = bom + b"".join(pieces)
    whole = _outcome(data, forced)
    for block in (1, 2, 3, 5, 8):
        with mock.patch.object(encodings, "BLOCK", block):
            assert _outcome(data, forced) == whole


def test_utf16_is_decided_block_by_block_too() -> None:
    good = codecs.BOM_UTF16_LE + "Email,Name\na@x.example,Zo\u00eb\n".encode("utf-16-le")
    bad = good + b"\x00\xdc"  # a lone low surrogate
    with mock.patch.object(encodings, "BLOCK", 3):
        assert _outcome(good) == "utf-16"
        assert _outcome(bad) == (
            f"error: f.csv starts with a UTF-16 mark but is not UTF-16 at byte {len(good)}; "
            "save it again as CSV UTF-8"
        )


UTF8_PIECES = [
    b"a",
    b",",
    b"\n",
    b"\x00",
    *(
        c.encode()
        for c in "\u0080\u00e9\u07ff\u0800\u20ac\ud7ff\ue000\uffff\U00010000\U0001d11e\U0010ffff"
    ),
]
NOT_UTF8 = [
    b"\x80",  # a lone continuation byte
    b"\xbf",
    b"\xc3",  # a lead byte with nothing after it
    b"\xe2\x82",
    b"\xf0\x9d\x84",
    b"\xc0\x80",  # overlong forms
    b"\xe0\x80\x80",
    b"\xf0\x80\x80\x80",
    b"\xed\xa0\x80",  # a surrogate
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\xf5",
    b"\xff",
]


@settings(max_examples=500, deadline=None)
@given(
    st.booleans(),
    st.lists(st.sampled_from(UTF8_PIECES), max_size=40),
    st.lists(
        st.tuples(st.integers(0, 40), st.sampled_from(NOT_UTF8) | st.binary(max_size=4)),
        max_size=2,
    ),
    st.integers(1, 9),
)
@example(True, [b"\n", b"\x00"], [], 2)  # the NUL's line counted from byte 0, past the mark
def test_utf8_checked_in_place_answers_what_the_decoder_answers(
    bom: bool, pieces: list[bytes], odd: list[tuple[int, bytes]], block: int
) -> None:
    """The check in place gives the decoder's answer (the NUL's line) on a UTF-8 file, and
    gives up (None, the decoder then finds the offset) exactly when the file is not UTF-8."""
    body = list(pieces)
    for at, piece in odd:
        body.insert(at, piece)
    start = len(codecs.BOM_UTF8) if bom else 0
    handle = io.BytesIO(codecs.BOM_UTF8[:start] + b"".join(body))
    with mock.patch.object(encodings, "BLOCK", block):  # characters straddle the blocks
        decoded = encodings._decode(handle, "utf-8", start)
        checked = encodings._scan_valid_utf8(handle, start)
    assert checked == (None if decoded[0] is not None else decoded)


# --- parsing: whole or in chunks, the same cells as pandas over the text ------------------

TRICKY = [
    "",
    "plain",
    "Jos\u00e9 M\u00fcller",
    '"quoted"',
    "two\r\nlines",
    "lf\nonly",
    "cr\ronly",
    "a,b;c\td",
    "=HYPERLINK(1)",
    "+44 20 7946 0958",
    " padded ",
    "\u00a0nbsp",
]


def _reference(body: str, delimiter: str, rows: int) -> list[list[str]]:
    """Cells as pandas reads the text from the header on (read_csv before it streamed)."""
    frame = pd.read_csv(
        io.StringIO(body),
        sep=delimiter,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        engine="c",
        skip_blank_lines=False,
    )
    return frame.iloc[:rows].to_numpy().tolist()


def _csv_body(rows: list[list[str] | None], delimiter: str, line_end: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(["Email", "Notes", "Phone"])
    for row in rows:
        if row is None:
            out.write(line_end)  # a blank line between rows: a row of empty cells
        else:
            writer.writerow(row)
    return out.getvalue()


cells = st.lists(st.sampled_from(TRICKY), min_size=3, max_size=3)


@settings(max_examples=120, deadline=None)
@given(
    rows=st.lists(st.one_of(cells, st.none()), min_size=1, max_size=12).filter(
        lambda rows: rows[-1] is not None
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    line_end=st.sampled_from(["\r\n", "\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    preamble=st.sampled_from(["", "sep", "skip"]),
    trailing=st.integers(min_value=0, max_value=2),
    chunk=st.integers(min_value=1, max_value=13),
)
def test_a_file_reads_as_pandas_reads_its_text_whole_or_in_chunks(
    rows: list[list[str] | None],
    delimiter: str,
    line_end: str,
    encoding: str,
    preamble: str,
    trailing: int,
    chunk: int,
) -> None:
    if line_end == "\n":  # csv quotes a lone CR only when CR is part of the line end
        rows = [None if r is None else [c.replace("\r", "") for c in r] for r in rows]
    body = _csv_body(rows, delimiter, line_end)
    before = {"": "", "sep": f"sep={delimiter}{line_end}", "skip": f"Notes:{line_end}"}[preamble]
    text = before + body + line_end * trailing
    skip = 1 if preamble == "skip" else 0
    expected = _reference(body, delimiter, len(rows))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_bytes(text.encode(encoding))
        whole = read_csv(path, skip_rows=skip, delimiter=delimiter if preamble == "skip" else None)
        checked = check_csv(path, skip_rows=skip, delimiter=whole.attrs["sfclean"]["delimiter"])
        parts = list(checked.chunks(chunk))
    assert whole.columns.tolist() == ["Email", "Notes", "Phone"]
    assert whole.to_numpy().tolist() == expected
    assert [len(p) for p in parts[:-1]] == [chunk] * (len(parts) - 1)
    assert pd.concat(parts).to_numpy().tolist() == expected
    assert [p.index[0] for p in parts] == list(range(0, len(rows), chunk))
    assert all(p.attrs["sfclean"] == whole.attrs["sfclean"] for p in parts)


def test_the_header_is_found_after_a_bom_read_as_text(tmp_path: Path) -> None:
    # forced UTF-8 on a file with a UTF-8 mark: the mark is text, dropped before the header
    path = tmp_path / "in.csv"
    path.write_bytes(codecs.BOM_UTF8 + "Email,Name\r\na@x.example,Zo\u00eb\r\n".encode())
    df = read_csv(path, encoding="utf-8")
    assert df.columns.tolist() == ["Email", "Name"]
    assert df.to_numpy().tolist() == [["a@x.example", "Zo\u00eb"]]


def test_a_file_changed_after_the_check_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Email,Name\na@x.example,A\nb@x.example,B\n", encoding="utf-8")
    checked = check_csv(path)
    path.write_text("Email,Name\na@x.example,A\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"could not be read consistently \(2 rows found, 1"):
        list(checked.chunks(1))
