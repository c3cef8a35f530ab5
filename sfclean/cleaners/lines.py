"""Many cells as the lines of one ASCII text, for whole-column regex scans and byte checks.

Why: calling a regular expression or a string method once per cell costs about a microsecond
of Python overhead each; at a million distinct values that dominated the normalize stage.
Joined by newlines, the cells can be scanned by one ``re.findall`` (one answer per line) and
simple per-cell facts (first/last character, contains a byte, changed by ``lower()``) are
computed with numpy on the bytes.

Non-ASCII characters become backslash escapes and a cell containing a newline becomes a
placeholder line; callers accept no such line and clean those cells one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["CellColumn", "Lines", "byte_table", "join_lines"]


@dataclass(frozen=True)
class Lines:
    """``text``: the cells joined by ``\\n`` (ASCII); ``start``/``end``: each line's span."""

    text: str
    start: np.ndarray
    end: np.ndarray

    def bytes_of(self, text: str | None = None) -> np.ndarray:
        """``text`` (default: this text; same length) as a uint8 array."""
        return np.frombuffer((self.text if text is None else text).encode("ascii"), np.uint8)

    def first_in(self, buf: np.ndarray, table: np.ndarray) -> np.ndarray:
        """Per line: is its first byte one where the 256-entry bool ``table`` is true?"""
        nonempty = self.end > self.start
        first = buf[np.minimum(self.start, max(len(buf) - 1, 0))] if len(buf) else self.start
        return nonempty & table[first]

    def last_in(self, buf: np.ndarray, table: np.ndarray) -> np.ndarray:
        """Per line: is its last byte one where ``table`` is true?"""
        nonempty = self.end > self.start
        last = buf[np.maximum(self.end - 1, 0)] if len(buf) else self.end
        return nonempty & table[last]

    def containing(self, positions: np.ndarray) -> np.ndarray:
        """Per line: does it contain one of the byte ``positions``?"""
        hit = np.zeros(len(self.start), dtype=bool)
        hit[np.searchsorted(self.end, positions)] = True
        return hit


def _joined(arrays: list[Any]) -> Any:
    """The pyarrow arrays one after the other, or None when one is missing or the types
    differ."""
    if not arrays or any(a is None for a in arrays) or len({a.type for a in arrays}) != 1:
        return None
    import pyarrow as pa

    return pa.concat_arrays(arrays, memory_pool=pa.system_memory_pool())


def _filled(n: int, text: str) -> np.ndarray:
    """``np.full(n, text, dtype=object)``, forty times faster: ``np.full`` converts the
    value for every cell of an object array (10 ms per million), ``fill`` stores it."""
    out = np.empty(n, dtype=object)
    out.fill(text)
    return out


def byte_table(chars: str) -> np.ndarray:
    """A 256-entry bool table, true for the ASCII characters in ``chars``."""
    table = np.zeros(256, dtype=bool)
    table[[ord(c) for c in chars if ord(c) < 128]] = True
    return table


def join_lines(values: Sequence[str], placeholder: str = "x") -> Lines:
    """The cells as lines of one ASCII text.

    Non-ASCII characters are written as backslash escapes (``\\xa0``), so a line holding one
    contains a backslash; a cell containing a newline becomes ``placeholder``. Callers accept
    no line with a backslash (or check :meth:`Lines.containing` for byte 92).
    """
    text = "\n".join(values)
    if text.count("\n") != len(values) - 1:
        text = "\n".join(v if "\n" not in v else placeholder for v in values)
    if not text.isascii():
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    buf = np.frombuffer(text.encode("ascii"), np.uint8)
    newlines = np.flatnonzero(buf == 10)
    start = np.concatenate(([0], newlines + 1)) if len(values) else np.zeros(0, np.int64)
    end = np.concatenate((newlines, [len(buf)])) if len(values) else np.zeros(0, np.int64)
    return Lines(text, start.astype(np.int64), end.astype(np.int64))


@dataclass(frozen=True)
class CellColumn:
    """Results for many cells as parallel arrays (index ``i`` is cell ``i``).

    ``value``, ``status`` and ``message`` are object arrays of str with the meaning of the
    per-cell result's fields; ``change_id`` indexes ``kinds``, the distinct change tuples;
    ``reason`` holds the result's ``reason`` code where it has one ("" elsewhere).
    ``cells``: the values again as one pyarrow string array, when the cleaner built one
    (the next step over them, junk mailboxes, then needs no conversion); else None.
    """

    value: np.ndarray
    status: np.ndarray
    change_id: np.ndarray
    kinds: list[tuple[str, ...]]
    message: np.ndarray
    reason: np.ndarray
    cells: Any = None

    @classmethod
    def start(cls, n: int, kinds: Sequence[tuple[str, ...]]) -> CellColumn:
        """``n`` cells with status ``ok``, no message and change id 0; ``kinds`` copied."""
        return cls(
            value=np.empty(n, dtype=object),
            status=_filled(n, "ok"),
            change_id=np.zeros(n, dtype=np.int64),
            kinds=list(kinds),
            message=_filled(n, ""),
            reason=_filled(n, ""),
        )

    @classmethod
    def concat(cls, parts: Sequence[CellColumn]) -> CellColumn:
        """The cells of ``parts``, one after the other, with one list of change tuples (each
        part's ``change_id`` pointed at it); ``cells`` joined when every part has them."""
        kinds: list[tuple[str, ...]] = []
        index: dict[tuple[str, ...], int] = {}
        ids = []
        for part in parts:
            local = [index.setdefault(k, len(index)) for k in part.kinds]
            kinds = list(index)
            ids.append(
                np.array(local, dtype=np.int64)[part.change_id] if len(local) else part.change_id
            )
        return cls(
            value=np.concatenate([p.value for p in parts]),
            status=np.concatenate([p.status for p in parts]),
            change_id=np.concatenate(ids).astype(np.int64),
            kinds=kinds,
            message=np.concatenate([p.message for p in parts]),
            reason=np.concatenate([p.reason for p in parts]),
            cells=_joined([p.cells for p in parts]),
        )

    def fill_slow(self, slow: np.ndarray, clean_one: Callable[[int], Any]) -> None:
        """Clean the cells a column scan did not accept, one by one, into these arrays.

        ``clean_one(i)`` returns a result with ``value``, ``status``, ``message``, ``changes``
        and maybe ``reason`` for cell ``i``; new change tuples are appended to ``kinds`` and
        ``change_id`` points at them.
        """
        value, status, message, change_id, kinds = (
            self.value,
            self.status,
            self.message,
            self.change_id,
            self.kinds,
        )
        index = {k: i for i, k in enumerate(kinds)}
        reason = self.reason
        for i in slow.tolist():
            result = clean_one(i)
            value[i], status[i], message[i] = result.value, result.status, result.message
            reason[i] = getattr(result, "reason", "")
            kind = index.get(result.changes)
            if kind is None:
                kind = index[result.changes] = len(kinds)
                kinds.append(result.changes)
            change_id[i] = kind
