"""The fast path of :meth:`sfclean.io.CsvFile.chunks`: a UTF-8 file that
:func:`sfclean.io._bytescan.scan_records` proved plain (strict quotes, every record the
header's width, blank lines only at the end, no record longer than any cell may be) parsed
by pyarrow's CSV reader, one thread, from the first data row on, every cell as text.

For such a file pyarrow reads the cells pandas' C parser reads (``tests/test_io_fast_read.py``
proves it by hypothesis against the pandas path), several times faster, and hands pandas
Arrow string columns without a Python string per cell. A file the scan did not prove, another
encoding or a ``dtype`` other than Arrow-backed ``str`` or ``object`` goes to pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

__all__ = ["arrow_frames", "arrow_reads"]

try:  # pyarrow is optional (pandas uses it when it is installed)
    import pyarrow as pa
    import pyarrow.csv as pcsv
except ImportError:  # pragma: no cover - the test environment has pyarrow
    pa = None
    pcsv = None

#: Encodings pyarrow reads as they are (it reads UTF-8 only).
UTF8 = frozenset({"utf-8", "utf-8-sig", "ascii"})
_BLOCK = 1 << 20  # bytes per parsed batch: more than the longest record the scan accepts


def arrow_reads(encoding: str, dtype: Any) -> bool:
    """True when pyarrow can read a scanned file in ``encoding`` into ``dtype`` columns."""
    return pa is not None and encoding in UTF8 and _converter(dtype) is not None


def arrow_frames(
    source: BinaryIO, width: int, delimiter: str, rows: int | None, dtype: Any
) -> Iterator[pd.DataFrame]:
    """The data rows of the file open in ``source`` (binary, at its first data row) as
    frames of at most ``rows`` rows (one frame when None), columns named by position.
    Raises pyarrow's ArrowInvalid for what it cannot parse."""
    to_frame = _converter(dtype)
    assert to_frame is not None
    names = [str(i) for i in range(width)]
    reader = pcsv.open_csv(
        source,
        read_options=pcsv.ReadOptions(column_names=names, use_threads=False, block_size=_BLOCK),
        parse_options=pcsv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=True,  # the scan allows blank lines only after the last row
        ),
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),  # pandas' own
            null_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if rows is None:
        yield to_frame(reader.read_all())
        return
    pending: list[Any] = []
    count = 0
    for batch in reader:
        pending.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(pending, schema=reader.schema)
            frame, rest = to_frame(table.slice(0, rows)), table.slice(rows)
            del table
            pending, count = rest.to_batches(), rest.num_rows
            del rest
            yield frame
            del frame
    if count:
        yield to_frame(pa.Table.from_batches(pending, schema=reader.schema))


def _converter(dtype: Any) -> Callable[[Any], pd.DataFrame] | None:
    """How an Arrow table becomes a frame of ``dtype`` columns, or None for a ``dtype``
    pandas must make itself."""
    try:
        resolved = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return None
    if isinstance(resolved, pd.StringDtype) and resolved.storage == "pyarrow":
        mapping = {pa.string(): resolved, pa.large_string(): resolved}
        return lambda table: table.combine_chunks().to_pandas(types_mapper=mapping.get)
    if resolved == np.dtype(object):
        return lambda table: pd.DataFrame(
            {
                name: table.column(name).to_numpy(zero_copy_only=False)
                for name in table.column_names
            },
            dtype=object,
        )
    return None
