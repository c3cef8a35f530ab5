"""The records of a CSV file counted on its bytes with numpy, for the plain files most exports
are: the fast path of :func:`sfclean.io._records.count_records` (the csv module's walk), and
the proof that pyarrow's CSV parser may read the file (:mod:`sfclean.io._arrowread`).

:func:`scan_records` reads the file from its header on, in blocks cut at a record's end, and
answers only for a file whose every quote is where strict CSV puts one: an opening quote at
the start of a field (after the delimiter, a line end or the start), a closing quote before
the delimiter, a line end, the end of the file or the next quote of a doubled pair. Then a
quote toggles "inside a quoted field" and nothing else does, so the delimiters and line ends
outside quotes (counted from the quotes before them) split the records and fields exactly as
the csv module and pandas do. It returns None (the csv module's walk then decides, and
names what is wrong) at the first doubt: a quote anywhere else, an unterminated quote, a
one-column file, a blank line before the header or between rows, a record whose field count
is not the header's, a record longer than :data:`~sfclean.io._records.MAX_CELL` bytes (so
no cell can be too long), a delimiter that is not one ASCII byte or is a quote or a line-end
byte, or a block with no line end at all. ``tests/test_io_fast_read.py`` proves by
hypothesis that, when it answers, it answers what the csv module's walk answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from sfclean.io._records import MAX_CELL

__all__ = ["BLOCK", "Scanned", "scan_records"]

BLOCK = 8 << 20  # bytes read at a time
_QUOTE, _CR, _LF = ord('"'), ord("\r"), ord("\n")


@dataclass
class Scanned:
    """What :func:`scan_records` found: the header's field count, the data rows, the blank
    lines after the last one, and the header's length in bytes (its line end included)."""

    width: int = 0
    rows: int = 0
    trailing: int = 0
    header_bytes: int = 0
    _done: int = 0  # bytes scanned so far


def scan_records(handle: BinaryIO, delimiter: str) -> Scanned | None:
    """Count the records of the CSV text in ``handle`` (binary, at the header; an ASCII
    compatible encoding), or None at the first doubt (see the module)."""
    if len(delimiter) != 1 or ord(delimiter) > 127 or delimiter in '"\r\n':
        return None
    scanned = Scanned()
    carry = b""
    while True:
        data = handle.read(BLOCK)
        text = carry + data if carry else data
        if not data:  # the end: what is left is the last record(s)
            if text and not _block(text, scanned, ord(delimiter), final=True):
                return None
            break
        cut = _cut(text)
        if cut is None:
            if len(text) > 4 * BLOCK:
                return None
            carry = text
            continue
        if not _block(text[:cut], scanned, ord(delimiter), final=False):
            return None
        carry = text[cut:]
    return scanned if scanned.width else None


def _cut(text: bytes) -> int | None:
    """Where to cut ``text`` after a line end outside quotes (not its last byte, so a CRLF is
    never split), or None when there is no such line end. The last line end is the cut when
    an even number of quotes comes before it (found with ``bytes`` searches, no array);
    else the quotes are walked (:func:`_cut_quoted`)."""
    last = max(text.rfind(b"\n", 0, len(text) - 1), text.rfind(b"\r", 0, len(text) - 1))
    if last < 0:
        return None
    if text.count(b'"', 0, last) % 2:  # that line end is inside a quoted field
        return _cut_quoted(text)
    return _after_line_end(text, last)


def _cut_quoted(text: bytes) -> int | None:
    """:func:`_cut` for a block whose last line end is inside quotes."""
    raw = np.frombuffer(text, dtype=np.uint8)
    quotes = np.flatnonzero(raw == _QUOTE)
    ends = np.flatnonzero((raw[:-1] == _LF) | (raw[:-1] == _CR))
    ends = ends[np.searchsorted(quotes, ends) % 2 == 0]
    if not len(ends):
        return None
    return _after_line_end(text, int(ends[-1]))


def _after_line_end(text: bytes, last: int) -> int:
    """The offset after the line end at ``last`` (a CR followed by LF ends after the LF)."""
    if text[last] == _CR and text[last + 1] == _LF:
        last += 1
    return last + 1


def _block(text: bytes, scanned: Scanned, delimiter: int, *, final: bool) -> bool:
    """Count the records of ``text`` (whole records: it starts at a record's start and ends
    after a line end, or at the end of the file when ``final``) into ``scanned``; False at a
    doubt."""
    raw = np.frombuffer(text, dtype=np.uint8)
    quotes = np.flatnonzero(raw == _QUOTE)
    if len(quotes) % 2 or not _strict_quotes(raw, quotes, delimiter):
        return False
    starts, lengths, following = _records(raw, quotes, final, b"\r" in text)
    if len(lengths) and int(lengths.max()) > MAX_CELL:
        return False
    fields = _fields(raw, quotes, starts, following, delimiter)
    if not scanned.width:  # the first record is the header
        if not len(lengths) or lengths[0] == 0 or fields[0] < 2:
            return False
        scanned.width = int(fields[0])
        scanned.header_bytes = scanned._done + int(following[0])
        lengths, fields = lengths[1:], fields[1:]
    filled = np.flatnonzero(lengths)
    if len(filled):
        if scanned.trailing or (lengths[: filled[-1]] == 0).any():
            return False  # a blank line between rows: the csv module's walk counts those
        if (fields[filled] != scanned.width).any():
            return False
        scanned.rows += len(filled)
        scanned.trailing = len(lengths) - 1 - int(filled[-1])
    else:
        scanned.trailing += len(lengths)
    scanned._done += len(text)
    return True


def _fields(
    raw: np.ndarray, quotes: np.ndarray, starts: np.ndarray, following: np.ndarray, delimiter: int
) -> np.ndarray:
    """The field count of each record (``starts``, ``following`` from :func:`_records`): its
    delimiters outside quotes, plus one. Records follow each other and a delimiter is never
    a line-end byte, so a record's delimiters are those from its start to the next record's."""
    separators = np.flatnonzero(raw == delimiter)
    if len(quotes):  # a delimiter after an odd number of quotes is inside a quoted field
        separators = separators[np.searchsorted(quotes, separators) % 2 == 0]
    bounds = np.append(starts, following[-1:])
    return np.diff(np.searchsorted(separators, bounds)) + 1


def _strict_quotes(raw: np.ndarray, quotes: np.ndarray, delimiter: int) -> bool:
    """Every opening quote (even position in ``quotes``) starts a field or follows a closing
    quote (a doubled quote); every closing quote ends a field or precedes an opening one."""
    if not len(quotes):
        return True
    bounds = np.zeros(256, dtype=bool)
    bounds[[delimiter, _CR, _LF, _QUOTE]] = True
    opening, closing = quotes[0::2], quotes[1::2]
    before = raw[np.maximum(opening - 1, 0)]
    if not (bounds[before] | (opening == 0)).all():
        return False
    after = raw[np.minimum(closing + 1, len(raw) - 1)]
    return bool((bounds[after] | (closing == len(raw) - 1)).all())


def _records(
    raw: np.ndarray, quotes: np.ndarray, final: bool, has_cr: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every record of ``raw``: where it starts, its length in bytes (its line end left out)
    and where the next one starts. ``has_cr``: whether ``raw`` holds a CR (most files end
    their lines with LF alone, looked for in one comparison then)."""
    ends = np.flatnonzero((raw == _LF) | (raw == _CR) if has_cr else raw == _LF)
    ends = ends[np.searchsorted(quotes, ends) % 2 == 0]
    paired = np.zeros(len(ends), dtype=bool)  # the LF of a CRLF: part of the CR's line end
    if has_cr and len(ends):
        paired[1:] = (raw[ends[1:]] == _LF) & (ends[1:] - 1 == ends[:-1]) & (raw[ends[:-1]] == _CR)
    at = np.flatnonzero(~paired)
    stops = ends[at]
    following = stops + 1 + np.append(paired[1:], False)[at]
    starts = np.concatenate(([0], following))
    if final and (not len(following) or following[-1] < len(raw)):
        stops = np.append(stops, len(raw))  # a last record without a line end
        following = np.append(following, len(raw))
    else:
        starts = starts[:-1]
    return starts, stops - starts, following
