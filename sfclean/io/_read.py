"""Reading CSV files: :func:`check_csv` checks a file without loading it, then
:meth:`CsvFile.chunks` parses it with pandas, whole or in chunks; :func:`read_csv` does both.

Three passes over the file, none of which holds the whole file in memory: the encoding is
decided on every byte (:func:`sfclean.encodings.detect_encoding`), the records are counted
(on the bytes with numpy when the file is plain, :mod:`sfclean.io._bytescan`, else walked
with the csv module, :mod:`sfclean.io._records`), then the text is parsed from the file
itself: by pyarrow from the first data row for a plain UTF-8 file
(:mod:`sfclean.io._arrowread`), else by pandas from the header's byte offset (UTF-8, cp1252,
latin-1) or through the codec.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO

import pandas as pd

from sfclean.encodings import detect_encoding
from sfclean.errors import ConfigError, InputError
from sfclean.io._arrowread import arrow_frames, arrow_reads, pa
from sfclean.io._bytescan import Scanned, scan_records
from sfclean.io._records import (
    Offset,
    check_header,
    check_records,
    count_records,
    detect_delimiter,
    quote_problem,
)
from sfclean.report import StepProgress, progress_callback

__all__ = ["CsvFile", "check_csv", "read_csv"]

PathLike = str | os.PathLike[str]

_SEP_LINE = re.compile(r"sep=([^\r\n\"])(?:\r\n|\r|\n)")
_SAMPLE = 65536  # characters the delimiter is detected from
# codecs whose text encodes back to the file's bytes, so pandas can start at a byte offset
_BYTE_EXACT = frozenset({"utf-8", "utf-8-sig", "cp1252", "iso8859-1", "latin-1", "ascii"})


@dataclass(frozen=True)
class CsvFile:
    """A CSV file whose encoding and records :func:`check_csv` checked: what it takes to
    parse it (:meth:`chunks`). ``rows`` counts the data rows (blank lines between rows
    included), ``trailing`` the blank lines after the last one, ``prefix`` is the text
    before the header (a byte-order mark read as text, Excel's ``sep=`` line, the skipped
    rows)."""

    path: str
    encoding: str
    delimiter: str
    skip_rows: int
    header: tuple[str, ...]
    rows: int
    trailing: int
    prefix: str
    #: The byte offset of the first data row when :func:`sfclean.io._bytescan.scan_records`
    #: proved the file plain (pyarrow may then parse it), else None.
    data_offset: int | None = None

    @property
    def source(self) -> dict[str, Any]:
        """What ``df.attrs["sfclean"]`` records: ``path``, ``encoding``, ``delimiter``,
        ``skip_rows``."""
        return {
            "path": self.path,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "skip_rows": self.skip_rows,
        }

    def arrow_reads(self, dtype: Any = str) -> bool:
        """True when :meth:`chunks` reads this file with pyarrow into ``dtype`` columns (a
        plain UTF-8 file, pyarrow installed, Arrow-backed ``str`` or ``object``): then
        Arrow-backed ``str`` columns cost no Python string per cell."""
        return self.data_offset is not None and arrow_reads(self.encoding, dtype)

    def chunks(self, rows: int | None = None, *, dtype: Any = str) -> Iterator[pd.DataFrame]:
        """The data rows as DataFrames of at most ``rows`` rows each (one frame when None),
        every cell as text (``dtype``: pandas' ``str`` by default), the header as written,
        indexed by each row's position among the data rows (0 = the first), with
        ``attrs["sfclean"]`` = :attr:`source`. InputError if pandas reads the file
        differently from the check (a file changed meanwhile, or a quoting pandas reads
        otherwise). A plain UTF-8 file is parsed by pyarrow (:meth:`arrow_reads`), whose
        cells are pandas' (proven by hypothesis in ``tests/test_io_fast_read.py``)."""
        if self.data_offset is not None and self.arrow_reads(dtype):
            with _open(self.path) as binary:
                binary.seek(self.data_offset)
                frames = arrow_frames(binary, len(self.header), self.delimiter, rows, dtype)
                try:
                    yield from self._checked(frames)
                except pa.ArrowException as exc:
                    raise self._parse_error(exc) from None
            return
        handle, encoding = self._open_at_header()
        with handle:
            try:
                parsed = pd.read_csv(
                    handle,
                    sep=self.delimiter,
                    dtype=dtype,
                    keep_default_na=False,
                    na_filter=False,
                    engine="c",
                    skip_blank_lines=False,
                    encoding=encoding,
                    chunksize=rows,
                )
                frames = iter([parsed]) if rows is None else parsed
                yield from self._checked(frames)
            except (pd.errors.ParserError, ValueError) as exc:
                raise self._parse_error(exc) from None

    def _parse_error(self, exc: Exception) -> InputError:
        text = str(exc).strip()
        first_line = text.splitlines()[0] if text else type(exc).__name__
        return InputError(f"{self.path} could not be parsed as CSV: {first_line}", path=self.path)

    def _checked(self, frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        done = parsed = 0
        for frame in frames:
            parsed += len(frame)
            if parsed > self.rows + self.trailing or len(frame.columns) != len(self.header):
                break
            frame = frame.iloc[: max(0, self.rows - done)]
            if not len(frame):
                continue
            frame.columns = pd.Index(self.header)
            frame.index = pd.RangeIndex(done, done + len(frame))
            frame.attrs["sfclean"] = self.source
            done += len(frame)
            yield frame
        if done != self.rows or parsed not in (self.rows, self.rows + self.trailing):
            raise InputError(
                f"{self.path} could not be read consistently ({self.rows} rows found, "
                f"{parsed} parsed); check for stray quotes or save it again from a spreadsheet",
                path=self.path,
            )

    def _open_at_header(self) -> tuple[IO[Any], str | None]:
        """The file open at its header: binary at the byte offset for the codecs of
        :data:`_BYTE_EXACT` (pandas decodes), else as text (the codec decodes)."""
        if self.encoding in _BYTE_EXACT:
            return _binary_at_header(self.path, self.encoding, self.prefix), _codec(self.encoding)
        text = _open_text(self.path, self.encoding)
        text.read(len(self.prefix))
        return text, None


def _codec(encoding: str) -> str:
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _binary_at_header(name: str, encoding: str, prefix: str) -> BinaryIO:
    """The file open as bytes at its header (an encoding of :data:`_BYTE_EXACT`)."""
    binary = _open(name)
    bom = codecs.BOM_UTF8 if encoding == "utf-8-sig" else b""
    skip = len(bom) if bom and binary.read(len(bom)) == bom else 0
    binary.seek(skip + len(prefix.encode(_codec(encoding))))
    return binary


def _open(name: str) -> BinaryIO:
    """The file ``name`` open for reading bytes; InputError saying why it cannot be."""
    p = Path(name)
    if p.is_dir():
        raise InputError(f"{name} is a directory, not a CSV file", path=name)
    try:
        return p.open("rb")
    except FileNotFoundError:
        raise InputError(f"{name} does not exist; check the path", path=name) from None
    except PermissionError:
        raise InputError(f"{name} cannot be read (permission denied)", path=name) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"{name} cannot be read ({reason})", path=name) from None


def _open_text(name: str, codec: str) -> TextIO:
    """The file as text in ``codec``, line ends as they are (``newline=""``)."""
    return io.TextIOWrapper(_open(name), encoding=codec, newline="")


def check_csv(
    path: PathLike,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_rows: int = 0,
    progress: StepProgress = None,
) -> CsvFile:
    """Check the CSV file at ``path`` as :func:`read_csv` does, without parsing it into a
    frame or holding it in memory: the encoding (every byte), the delimiter, the header and
    every record. ``progress(done, 3)`` after reading, decoding (both the encoding pass)
    and checking the records. Raises what :func:`read_csv` raises."""
    name = str(path)
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, int) or skip_rows < 0:
        raise ConfigError(f"skip_rows must be a whole number, 0 or more (got {skip_rows!r})")
    report = progress_callback(progress)
    with _open(name) as binary:
        codec = detect_encoding(binary, name, encoding)
    if report is not None:
        report(1, 3)
        report(2, 3)
    with _open_text(name, codec) as handle:
        start = _start(handle, name, delimiter, skip_rows)
        scanned = _scan(name, codec, start)
        if scanned is None:
            counted = count_records(start.lines, start.delimiter)
        else:
            header = next(csv.reader(start.lines, delimiter=start.delimiter, strict=True))
            counted = header, scanned.rows, scanned.trailing
            if len(header) != scanned.width:  # never seen; the csv module's walk decides
                counted = scanned = None
    if counted is None:  # something is odd: the careful walk says what, or counts
        with _open_text(name, codec) as handle:
            start = _start(handle, name, delimiter, skip_rows)
            counted = check_records(start.lines, start.delimiter, name, start.at)
    else:
        check_header(counted[0], name, start.at.rows + 1)
    header, n_rows, n_trailing = counted
    if n_rows == 0:
        raise InputError(f"{name} has a header but no rows", path=name)
    if report is not None:
        report(3, 3)
    offset = None if scanned is None else _arrow_offset(name, scanned.header_bytes)
    return CsvFile(
        name,
        codec,
        start.delimiter,
        skip_rows,
        tuple(header),
        n_rows,
        n_trailing,
        start.prefix,
        offset,
    )


def _scan(name: str, codec: str, start: _Start) -> Scanned | None:
    """The records counted on the bytes (:func:`scan_records`), or None when the file is
    in another encoding or not plain enough to count that way; its ``header_bytes`` counts
    from the file's first byte (the first data row's offset)."""
    if codec not in _BYTE_EXACT:
        return None
    with _binary_at_header(name, codec, start.prefix) as binary:
        at = binary.tell()
        scanned = scan_records(binary, start.delimiter)
    if scanned is not None:
        scanned.header_bytes += at
    return scanned


def _arrow_offset(name: str, offset: int) -> int | None:
    """``offset`` (the first data row's byte) unless the row starts with a UTF-8 byte-order
    mark, which pyarrow's reader would drop from its first cell (pandas keeps it)."""
    with _open(name) as binary:
        binary.seek(offset)
        return None if binary.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8 else offset


@dataclass
class _Start:
    """The text before the header, the delimiter, the rows skipped and the lines from the
    header on."""

    prefix: str
    delimiter: str
    at: Offset
    lines: Iterator[str]


def _start(handle: TextIO, name: str, delimiter: str | None, skip_rows: int) -> _Start:
    """Drop a byte-order mark, Excel's ``sep=`` line and ``skip_rows`` rows; detect (or
    check) the delimiter from the first :data:`_SAMPLE` characters after them."""
    lines: Iterator[str] = iter(handle)
    prefix: list[str] = []
    first = next(lines, "")
    if first.startswith("\ufeff"):
        prefix.append("\ufeff")
        first = first[1:]
    hint = _SEP_LINE.match(first)
    if hint is not None:  # Excel's "sep=;" line: not a row in Excel either, so numbers hold
        prefix.append(first)
        delimiter = hint.group(1) if delimiter is None else delimiter
        first = next(lines, "")
    if first:
        lines = itertools.chain([first], lines)
    at = Offset()
    if skip_rows:
        at = _skip_rows(lines, skip_rows, name, prefix)
    head = _head(lines)
    sample = "".join(head)
    if not sample.strip():
        raise InputError(f"{name} is empty; expected a CSV file with a header row", path=name)
    if delimiter is None:
        delimiter = detect_delimiter(sample)
    elif len(delimiter) != 1 or delimiter in '"\r\n':
        raise ConfigError(
            f"delimiter must be one character such as ',' ';' or tab, not {delimiter!r}"
        )
    return _Start("".join(prefix), delimiter, at, itertools.chain(head, lines))


def _head(lines: Iterator[str]) -> list[str]:
    """Lines from ``lines`` until they hold :data:`_SAMPLE` characters and some text."""
    head: list[str] = []
    size, text = 0, False
    for line in lines:
        head.append(line)
        size += len(line)
        text = text or not line.isspace()
        if size >= _SAMPLE and text:
            break
    return head


def _skip_rows(lines: Iterator[str], n: int, name: str, taken: list[str]) -> Offset:
    """Consume the first ``n`` records of ``lines`` (their lines go to ``taken``); how many
    rows and lines those were."""

    def tap() -> Iterator[str]:
        for line in lines:
            taken.append(line)
            yield line

    reader = csv.reader(tap())
    try:
        for _ in range(n):
            next(reader)
    except StopIteration:
        raise InputError(
            f"{name} has fewer than {n + 1} rows, so skip_rows={n} (--skip-rows {n}) skips "
            "the header too; use a smaller number",
            path=name,
        ) from None
    except csv.Error as exc:
        raise InputError(
            f"{name} has broken quoting in the {n} skipped rows (line {reader.line_num}): "
            f"{quote_problem(str(exc))}",
            path=name,
        ) from None
    return Offset(rows=n, lines=reader.line_num)


def read_csv(
    path: PathLike,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_rows: int = 0,
    progress: StepProgress = None,
) -> pd.DataFrame:
    """Read a CSV file with every cell as text, detecting its encoding and delimiter.

    ``encoding`` forces a codec (``"utf-8"``, ``"cp1252"``, ``"latin-1"``...); by default UTF-8
    (with or without BOM) is tried, then cp1252, then latin-1. ``delimiter`` forces the field
    separator; by default ``,``, ``;`` or tab is chosen from the first records (or taken from
    an Excel ``sep=;`` first line, which is then dropped like Excel does). A blank line
    between data rows is a row of empty cells (so row numbers stay the spreadsheet's); blank
    lines at the end are dropped. The header is kept exactly as written.

    ``skip_rows=N`` skips the first N rows (as a spreadsheet counts them: a blank line is a
    row, a quoted cell over several lines is one) when the header is not on the first line,
    as in LinkedIn's Connections.csv, which starts with a "Notes:" preamble; the header is
    then row N+1 and row numbers stay the spreadsheet's (the first data row is N+2).

    The detected settings are stored in ``df.attrs["sfclean"]`` as ``{"path", "encoding",
    "delimiter", "skip_rows"}``. Raises :class:`~sfclean.errors.InputError` when the file is
    missing, unreadable, empty, has a header but no rows, has ragged rows or broken quoting,
    cannot be decoded with a forced encoding, mixes encodings, holds a NUL byte or has two
    columns whose names differ only by case; :class:`~sfclean.errors.ConfigError` for an
    unknown encoding, a delimiter that is not a single character or a negative ``skip_rows``.
    ``progress(done, 4)`` after each step (read, decode, check the records, parse).

    :func:`check_csv` does the checks alone; its :meth:`CsvFile.chunks` reads a file larger
    than memory in chunks.
    """
    report = progress_callback(progress)
    checked = check_csv(
        path,
        encoding=encoding,
        delimiter=delimiter,
        skip_rows=skip_rows,
        progress=None if report is None else lambda done, _: report(done, 4),
    )
    [df] = checked.chunks()
    if report is not None:
        report(4, 4)
    return df
