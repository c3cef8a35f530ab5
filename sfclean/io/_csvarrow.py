"""The fast path of :class:`sfclean.io._csvout.CsvOut`: a batch of rows as CSV bytes, built
column by column on Arrow's buffers (numpy and pyarrow's compute functions) instead of a
Python join per row, byte for byte what the csv-module writer
(:func:`sfclean.io._csvout.text_rows`) writes (``tests/test_io_writing.py`` proves it with
hypothesis).

Each column becomes an Arrow string array (whole numbers cast, as ``str`` writes them; a
pyarrow string array is used as it is). For a file for people, a cell whose first byte is
one of :data:`sfclean.spreadsheet.FORMULA_START` (all ASCII, so the first byte is the first
character) gets a leading ``'``; a cell holding ``,`` ``"`` CR or LF is quoted with its
quotes doubled (both by inserting bytes into the column's data, :func:`_cells`); a
one-column file writes an empty cell as ``""``; the columns are joined with ``,`` and each
row ends with CRLF, and the joined array's data buffer is the batch's bytes.
:func:`arrow_rows` returns None (the caller then writes the batch the csv module's way)
when pyarrow is missing or a column is not all text or whole numbers (a missing value, a
non-str object, text Arrow cannot encode).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sfclean.spreadsheet import FORMULA_START

__all__ = ["QUOTED_CHARS", "arrow_rows"]

try:  # pyarrow is optional (pandas uses it when it is installed)
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - the test environment has pyarrow
    pa = None
    pc = None

_STARTS = np.zeros(256, dtype=bool)
_STARTS[[ord(c) for c in FORMULA_START]] = True
#: What makes the csv module quote a cell (minimal quoting, "," delimiter, CRLF line end):
#: the delimiter, the quote or a line-end character; quotes inside are doubled.
QUOTED_CHARS = ',"\r\n'
_SPECIAL = [ord(c) for c in QUOTED_CHARS]
_SPECIAL_BYTES = [c.encode("ascii") for c in QUOTED_CHARS]
_QUOTE, _APOSTROPHE = ord('"'), ord("'")


def arrow_rows(columns: Sequence[Any], for_people: bool, line_end: str) -> np.ndarray | None:
    """The rows of ``columns`` (equally long arrays: object arrays of str, pyarrow string
    arrays, or whole numbers) as UTF-8 CSV bytes (a uint8 array), each row ended by
    ``line_end``; None when this path cannot say."""
    if pa is None or not columns:
        return None
    cells = []
    for values in columns:
        column = _column(values, for_people)
        if column is None:
            return None
        cells.append(column)
    end, comma = _text(line_end), _text(",")
    if len(cells) == 1:  # the csv module's rule: a record of one empty field is ""
        offsets, _ = _parts(cells[0])
        empty = pa.array(np.diff(offsets) == 0)
        cells[0] = pc.if_else(empty, _text('""'), cells[0])
        rows = pc.binary_join_element_wise(cells[0], end, _text(""))
    else:  # the line end joins the last column's cells, not the joined rows (fewer copied)
        cells[-1] = pc.binary_join_element_wise(cells[-1], end, _text(""))
        rows = pc.binary_join_element_wise(*cells, comma)
    offsets, data = _parts(rows)
    return data[offsets[0] : offsets[-1]]


def _column(values: Any, for_people: bool) -> Any:
    """``values`` as an Arrow large_string array of CSV cells, or None."""
    if isinstance(values, pa.Array):
        if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
            return None
        column = values.cast(pa.large_string())
    elif values.dtype.kind in "iu":
        return pc.cast(pa.array(values), pa.large_string())
    elif values.dtype.kind != "O":
        return None
    else:
        try:
            column = pa.array(values, type=pa.large_string(), from_pandas=False)
        except (pa.ArrowException, TypeError, ValueError, UnicodeError):
            return None
    if column.null_count:  # None: the csv-module path says what is wrong
        return None
    return _cells(column, for_people)


def _cells(column: Any, for_people: bool) -> Any:
    """The CSV cells of ``column`` (a large_string array): for people, a ``'`` before a
    cell that starts like a formula; a cell holding a special byte quoted, its quotes
    doubled. The bytes are inserted into the column's data in one pass (numpy), at each
    place in this order: a cell's closing quote, the next cell's opening quote, its ``'``,
    a quote doubling the one that follows."""
    offsets, data = _parts(column)
    body = data[offsets[0] : offsets[-1]]
    offsets = offsets - offsets[0]
    n, starts, lengths = len(column), offsets[:-1], np.diff(offsets)
    prefixed = np.zeros(n, dtype=bool)
    if for_people:
        filled = np.flatnonzero(lengths)
        prefixed[filled] = _STARTS[body[starts[filled]]]
    special = _special_bytes(body)
    if not len(special) and not prefixed.any():
        return column
    owner = np.searchsorted(offsets, special, side="right") - 1  # the cell of each byte
    quoted = np.zeros(n, dtype=bool)
    quoted[owner] = True
    doubled = body[special] == _QUOTE
    added = 2 * quoted + prefixed + np.bincount(owner[doubled], minlength=n)
    q, p, d = np.flatnonzero(quoted), np.flatnonzero(prefixed), special[doubled]
    where = np.concatenate([offsets[q + 1], starts[q], starts[p], d])
    counts = [len(q), len(q), len(p), len(d)]
    rank = np.repeat(np.arange(4), counts)
    byte = np.repeat(np.array([_QUOTE, _QUOTE, _APOSTROPHE, _QUOTE], dtype=np.uint8), counts)
    order = np.lexsort((rank, where))
    cells = np.insert(body, where[order], byte[order])
    new_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths + added, out=new_offsets[1:])
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(new_offsets), pa.py_buffer(cells))


def _special_bytes(body: np.ndarray) -> np.ndarray:
    """Where ``body`` holds a byte that makes the csv module quote its cell (most columns
    hold none: ``bytes.find`` on a copy of the bytes tells that ten times faster than the
    comparisons)."""
    data = body.tobytes()
    if all(data.find(byte) < 0 for byte in _SPECIAL_BYTES):
        return np.zeros(0, dtype=np.intp)
    hit = body == _SPECIAL[0]
    for byte in _SPECIAL[1:]:
        hit |= body == byte
    return np.flatnonzero(hit)


def _text(value: str) -> Any:
    return pa.scalar(value, pa.large_string())


def _parts(column: Any) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (int64, one more than the cells) and data bytes of a large_string array."""
    _, offsets_buffer, data_buffer = column.buffers()
    offsets = np.frombuffer(
        offsets_buffer, dtype=np.int64, count=len(column) + 1, offset=column.offset * 8
    )
    if data_buffer is None:
        return offsets, np.zeros(0, dtype=np.uint8)
    return offsets, np.frombuffer(data_buffer, dtype=np.uint8)
