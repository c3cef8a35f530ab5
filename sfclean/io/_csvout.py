"""CSV rows out, byte for byte what pandas' ``to_csv`` (the csv module) writes
(``index=False``, ``lineterminator="\\r\\n"``, minimal quoting), several times faster, and
a chunk at a time: :class:`CsvOut` takes columns of text (and whole numbers), appends them
as rows, and neutralises formulas in a file for people as
:func:`sfclean.spreadsheet.neutralise_formulas` does. :func:`frame_columns` gives a frame's
columns in that form, or None for a frame pandas must write itself (floats, dates, mixed
objects: their text is pandas' own)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sfclean.errors import InputError
from sfclean.io._csvarrow import QUOTED_CHARS, arrow_rows
from sfclean.spreadsheet import neutralise_cells

__all__ = ["LINE_END", "CsvOut", "frame_columns", "output_error", "text_rows"]

#: The line end of every CSV written (RFC 4180; it also makes the csv writer quote a cell
#: holding a lone CR).
LINE_END = "\r\n"


def frame_columns(frame: pd.DataFrame) -> list[np.ndarray] | None:
    """``frame``'s columns as object arrays of str (missing text as "") or integer arrays, or
    None when a column holds anything else."""
    if isinstance(frame.columns, pd.MultiIndex) or not frame.shape[1]:
        return None
    out: list[np.ndarray] = []
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if isinstance(column.dtype, pd.StringDtype):
            out.append(column.to_numpy(dtype=object, na_value=""))
        elif _plain(column):
            out.append(column.to_numpy())
        else:
            return None
    return out


def _plain(column: pd.Series) -> bool:
    """A column of whole numbers (numpy's), or an object column of str only."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return True
    return (
        isinstance(dtype, np.dtype)
        and dtype.kind == "O"
        and (pd.api.types.infer_dtype(column, skipna=False) in ("string", "empty"))
    )


class CsvOut:
    """A CSV file being written: the header at once, then rows a chunk at a time
    (:meth:`write`). ``for_people``: UTF-8 with a BOM and formulas neutralised in the header
    and in every text cell; else plain UTF-8, every cell as given."""

    def __init__(
        self, path: Path, header: Sequence[Any], *, for_people: bool, out_dir: Path | None = None
    ) -> None:
        self.path = path
        self.for_people = for_people
        self.out_dir = out_dir or path.parent
        self.rows = 0
        names = np.array([str(name) for name in header], dtype=object)
        try:
            # UTF-8 and the BOM by hand: Python encodes "utf-8-sig" in Python, write by write
            self._handle = path.open("wb")
            if for_people:
                self._handle.write(codecs.BOM_UTF8)
        except OSError as exc:
            raise output_error(self.out_dir, exc) from None
        self.write([names[i : i + 1] for i in range(len(names))], count=False)

    def write(self, columns: Sequence[Any], *, count: bool = True) -> None:
        """Append rows: ``columns`` are equally long arrays, one per header name, of str
        (object arrays or pyarrow string arrays) or whole numbers. InputError naming
        ``out_dir`` if the disk refuses."""
        n = len(columns[0]) if columns else 0
        try:
            for start in range(0, n, _BATCH):
                batch = [c[start : start + _BATCH] for c in columns]
                fast = arrow_rows(batch, self.for_people, LINE_END)
                if fast is None:
                    batch = [_objects(c) for c in batch]
                    self._handle.write(text_rows(batch, self.for_people).encode("utf-8"))
                else:
                    self._handle.write(fast.data)
        except OSError as exc:
            raise output_error(self.out_dir, exc) from None
        if count:
            self.rows += n

    def close(self) -> None:
        """Close the file (flushing what is written)."""
        try:
            self._handle.close()
        except OSError as exc:
            raise output_error(self.out_dir, exc) from None


def _objects(values: Any) -> np.ndarray:
    """A column as numpy holds it: a pyarrow array's cells as an object array."""
    if isinstance(values, np.ndarray):
        return values
    return np.array(values.to_pylist(), dtype=object)


def output_error(out_dir: Path, exc: OSError) -> InputError:
    """The InputError for an output directory the disk refuses (full, read-only...)."""
    reason = exc.strerror or type(exc).__name__
    return InputError(
        f"cannot write to {out_dir} ({reason}); choose another --out directory", path=str(out_dir)
    )


_BATCH = 1 << 15  # rows joined into one string at a time
_SPECIAL = re.compile(f"[{QUOTED_CHARS}]")  # the cells the csv module quotes


def text_rows(columns: Sequence[np.ndarray], for_people: bool) -> str:
    """The rows of ``columns`` as CSV text, each ended by :data:`LINE_END`: the csv
    module's rules, with a Python join per row (:mod:`sfclean.io._csvarrow` is the fast
    path, proven equal to this)."""
    if not columns or not len(columns[0]):
        return ""
    cells = [_cells(c, for_people) for c in columns]
    if len(cells) == 1:  # the csv module's rule: a record of one empty field is ""
        cells[0] = ['""' if c == "" else c for c in cells[0]]
    return LINE_END.join(map(",".join, zip(*cells, strict=True))) + LINE_END


def _cells(values: np.ndarray, for_people: bool) -> list[str]:
    """``values`` as CSV cells: numbers as ``str``, text (formulas neutralised for people)
    quoted where the csv module quotes it. The cells to quote are found on the column joined
    into one string, so a column without any (most are) costs no work per cell."""
    if values.dtype.kind in "iu":
        return list(map(str, values.tolist()))
    cells: list[str] = (neutralise_cells(values) if for_people else values).tolist()
    joined = "".join(cells)
    if not any(char in joined for char in QUOTED_CHARS):  # one fast search each, no regex
        return cells
    ends = np.cumsum(np.fromiter(map(len, cells), dtype=np.int64, count=len(cells)))
    hits = np.fromiter((m.start() for m in _SPECIAL.finditer(joined)), dtype=np.int64)
    for i in np.unique(np.searchsorted(ends, hits, side="right")).tolist():
        cells[i] = '"' + cells[i].replace('"', '""') + '"'
    return cells
