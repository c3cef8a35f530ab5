"""The normalize stage's findings table, built column by column, and its text helpers.

:class:`FindingsTable` collects findings as arrays (one small group id per row for the
repeating column / code / message) and builds the ``findings`` frame once; the helpers turn
cells into text and apply a rule once per distinct value. Used only by
:mod:`sfclean.stages.normalize` and :mod:`sfclean.stages.normalize_columns`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sfclean.cleaners.text import TRIM_CHARS
from sfclean.codes import CODES, UNICODE_NORMALIZED, WHITESPACE_TRIMMED
from sfclean.report import FINDINGS_COLUMNS

__all__ = [
    "Change",
    "Coded",
    "FindingsTable",
    "arrow_cells",
    "arrow_str",
    "arrow_take",
    "arrow_text",
    "as_str_columns",
    "as_text",
    "encode_arrow",
    "encoded_text",
    "per_unique",
    "str_array",
    "take_text",
    "text_changes",
    "with_messages",
]

Change = tuple[str, str]  # (finding code, message)
#: (values, take): the column is values[take]; values an object array of str, or a pyarrow
#: string array when take is None (the findings' original and normalized cells)
Coded = tuple[Any, np.ndarray | None]
#: A column's cells by row position: an object array of str or a pyarrow string array, or
#: (cells, rank): the row at position p is ``cells[rank[p]]`` (a table of some rows only)
Source = Any


@dataclass
class FindingsTable:
    """Finding rows collected column by column, as parallel lists of arrays.

    Column, code and (usually) message repeat over many rows, so each chunk stores one small
    group id per row (``groups`` holds the (column, code, message) triples); per-row messages
    are kept as overrides. A chunk's original and normalized cells may be left out (None):
    they are the input's and the cleaned cells of its column at its rows, taken when the
    table is built (:meth:`coded_columns`' ``inputs`` and ``cleaned``: from pyarrow's arrays,
    no Python string per finding); :meth:`pin` keeps them before a cleaned column changes.
    The text columns are built once, in :meth:`coded_columns`.
    """

    order: dict[str, int]
    pos: list[np.ndarray] = field(default_factory=list)
    group: list[np.ndarray] = field(default_factory=list)
    original: list[np.ndarray | None] = field(default_factory=list)
    normalized: list[np.ndarray | None] = field(default_factory=list)
    column: list[str] = field(default_factory=list)  # each chunk's column
    groups: dict[tuple[str, str, str], int] = field(default_factory=dict)
    overrides: list[tuple[int, np.ndarray]] = field(default_factory=list)
    size: int = 0

    def add(
        self,
        pos: np.ndarray,
        column: str,
        code: str,
        original: np.ndarray | None,
        normalized: np.ndarray | None,
        message: str | np.ndarray,
    ) -> None:
        """Findings ``code`` on ``column`` at row positions ``pos``; ``message`` per row or one;
        ``original`` / ``normalized`` None: the input's / the cleaned cells of ``column`` at
        ``pos``."""
        if len(pos) == 0:
            return
        key = (column, code, message if isinstance(message, str) else "")
        gid = self.groups.setdefault(key, len(self.groups))
        if not isinstance(message, str):
            self.overrides.append((self.size, message))
        self.pos.append(pos)
        self.group.append(np.full(len(pos), gid, dtype=np.int32))
        self.original.append(original)
        self.normalized.append(normalized)
        self.column.append(column)
        self.size += len(pos)

    def add_per_unique(
        self,
        column: str,
        inverse: np.ndarray,
        changes: Sequence[tuple[Change, ...]],
        original: np.ndarray | None,
        normalized: np.ndarray | None,
    ) -> None:
        """Emit one finding per (row, change), where each row's changes come from its unique
        (``original`` / ``normalized`` None: the input's / the cleaned cells, see :meth:`add`).

        Rows are grouped by their (few) distinct change tuples, so the work is vectorised.
        """
        if not len(changes):
            return
        ids: dict[tuple[Change, ...], int] = {}
        unique_ids = np.fromiter(
            (ids.setdefault(c, len(ids)) for c in changes), dtype=np.int64, count=len(changes)
        )
        self.add_grouped(column, inverse, unique_ids, list(ids), original, normalized)

    def add_grouped(
        self,
        column: str,
        inverse: np.ndarray,
        unique_ids: np.ndarray,
        distinct: Sequence[tuple[Change, ...]],
        original: np.ndarray | None,
        normalized: np.ndarray | None,
    ) -> None:
        """:meth:`add_per_unique` where unique ``u`` has the changes ``distinct[unique_ids[u]]``."""
        if not len(unique_ids) or not any(distinct):
            return
        row_ids = unique_ids[inverse]
        if len(distinct) <= 1 << 16:  # numpy sorts 8- and 16-bit keys by radix: ~5x faster
            row_ids = row_ids.astype(np.uint8 if len(distinct) <= 1 << 8 else np.uint16)
        order = np.argsort(row_ids, kind="stable")
        bounds = np.searchsorted(row_ids[order], np.arange(len(distinct) + 1))
        for i, change in enumerate(distinct):
            if not change:
                continue
            pos = order[bounds[i] : bounds[i + 1]]
            for code, message in change:
                old = None if original is None else original[pos]
                new = None if normalized is None else normalized[pos]
                self.add(pos, column, code, old, new, message)

    def pin(self, column: str, cells: np.ndarray) -> None:
        """Keep the normalized cells of ``column``'s findings that left them out, from
        ``cells`` (the column's cleaned cells), before the caller changes them."""
        for i, (name, pos) in enumerate(zip(self.column, self.pos, strict=True)):
            if name == column and self.normalized[i] is None:
                self.normalized[i] = cells[pos]

    def coded_columns(
        self,
        keep: np.ndarray,
        inputs: Mapping[str, Source],
        cleaned: Mapping[str, Source],
        *,
        first_row: int = 2,
    ) -> tuple[np.ndarray, dict[str, Coded]]:
        """The findings of rows where ``keep`` is true, sorted by row then column order, as
        (each finding's row position, {findings column: (values, take)}): the column is
        ``values[take]`` (``take`` None: ``values`` itself); ``row`` is the spreadsheet row
        (row position + ``first_row``, int64). ``column``, ``code`` and ``message`` come as
        their few distinct values and each finding's index into them, so a text column is
        built from the distinct values (:func:`str_array`), not from a str per finding.

        ``inputs`` and ``cleaned`` give each column's input and cleaned cells (a
        :data:`Source`). ``original`` and ``normalized`` are pyarrow arrays when pyarrow
        stores pandas' ``str`` (taken from the sources' pyarrow arrays: no Python string per
        finding), else object arrays."""
        if not self.pos:
            empty = np.zeros(0, dtype=np.int64)
            text = np.zeros(0, dtype=object)
            return empty, {c: (empty if c == "row" else text, None) for c in FINDINGS_COLUMNS}
        pos = np.concatenate(self.pos)
        group = np.concatenate(self.group)
        keys = list(self.groups)
        rank = np.array([self.order[column] for column, _, _ in keys], dtype=np.int64)[group]
        selected = np.flatnonzero(keep[pos])
        # one sort key: row first, then the column's place in the table (stable for ties)
        order = selected[
            np.argsort(pos[selected] * (len(self.order) + 1) + rank[selected], kind="stable")
        ]
        del rank, selected
        columns, codes, messages = (np.array(t, dtype=object) for t in zip(*keys, strict=True))
        ids = group[order]
        message: Coded = (messages, ids)
        if self.overrides:  # per-row messages: after the groups' own, in finding order
            message_id = group.astype(np.int64)
            start = len(messages)
            for offset, values in self.overrides:
                message_id[offset : offset + len(values)] = np.arange(start, start + len(values))
                start += len(values)
            extra = [values for _, values in self.overrides]
            message = (np.concatenate([messages, *extra]), message_id[order])
        return pos[order], {
            "row": ((pos[order] + first_row).astype("int64"), None),
            "column": (columns, ids),
            "code": (codes, ids),
            "original": (self._cells(order, self.original, inputs), None),
            "normalized": (self._cells(order, self.normalized, cleaned), None),
            "message": message,
        }

    def _cells(
        self, order: np.ndarray, stored: list[np.ndarray | None], sources: Mapping[str, Source]
    ) -> Any:
        """Each finding's cell (``stored`` per chunk, or for None its column's cells in
        ``sources`` at its rows), findings in ``order`` (indices in add order).

        Per finding, its source (a column of ``sources``, or the cells :meth:`add` was
        given, all in one) and its index there; each source gives its cells in one take
        (pyarrow's from a pyarrow array), then one take puts them in order."""
        names = sorted({c for c, cells in zip(self.column, stored, strict=True) if cells is None})
        source = np.empty(self.size, dtype=np.int64)
        local = np.empty(self.size, dtype=np.int64)
        given, at, given_at = [], 0, 0
        for c, p, cells in zip(self.column, self.pos, stored, strict=True):
            if cells is None:
                source[at : at + len(p)] = names.index(c)
                local[at : at + len(p)] = p
            else:
                source[at : at + len(p)] = len(names)
                local[at : at + len(p)] = np.arange(given_at, given_at + len(p))
                given.append(cells)
                given_at += len(p)
            at += len(p)
        source, local = source[order], local[order]
        by_source = np.argsort(source, kind="stable")
        bounds = np.searchsorted(source[by_source], np.arange(len(names) + 2))
        columns = [sources[c] for c in names]
        columns.append(np.concatenate(given) if given else np.zeros(0, dtype=object))
        pieces = [
            take_text(values, local[by_source[lo:hi]])
            for values, lo, hi in zip(columns, bounds[:-1], bounds[1:], strict=True)
        ]
        back = np.argsort(by_source, kind="stable")  # from source order back to ``order``
        if not arrow_str():
            return np.concatenate([_objects(p, None) for p in pieces])[back]
        import pyarrow as pa
        import pyarrow.compute as pc

        pool = pa.system_memory_pool()
        arrays = [
            p if _is_arrow(p) else pa.array(p, type=pa.large_string(), memory_pool=pool)
            for p in pieces
        ]
        joined = pa.chunked_array([_large(a, pool) for a in arrays], type=pa.large_string())
        return pc.take(joined, back, memory_pool=pool).combine_chunks(pool)


def take_text(values: Source, take: np.ndarray) -> Any:
    """The cells of a :data:`Source` at row positions ``take``: ``values[take]`` of an object
    array, or pyarrow's take of a pyarrow array."""
    if isinstance(values, tuple):
        values, rank = values
        take = rank[take]
    if not _is_arrow(values):
        return values[take]
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.take(values, take, memory_pool=pa.system_memory_pool())


def _objects(values: Any, take: np.ndarray | None) -> np.ndarray:
    """A :data:`Coded` column as an object array."""
    if _is_arrow(values):
        return values.to_numpy(zero_copy_only=False).astype(object, copy=False)
    return values if take is None else values[take]


def arrow_str() -> bool:
    """Does pyarrow store pandas' ``str`` dtype?"""
    dtype = pd.api.types.pandas_dtype("str")
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def _is_arrow(values: Any) -> bool:
    return type(values).__module__.startswith("pyarrow")


def _large(array: Any, pool: Any) -> Any:
    """A pyarrow string array as ``large_string`` (the type of pandas' ``str`` arrays)."""
    import pyarrow as pa

    return (
        array
        if array.type == pa.large_string()
        else array.cast(pa.large_string(), memory_pool=pool)
    )


def str_array(values: Any, take: np.ndarray | None = None) -> Any:
    """``values`` (an object array of str), or ``values[take]``, as an array of pandas'
    ``str`` dtype when pyarrow stores that dtype (pyarrow builds it directly; pandas' own
    path checks every cell first, about twice the time; :func:`arrow_cells` converts the
    fewer of the values and the cells), else as the object array (a ``dtype="str"`` frame converts it). A pyarrow
    string array (``take`` None) is used as it is."""
    if _is_arrow(values):
        return pd.array(values, dtype="str")
    if not arrow_str():
        return values if take is None else values[take]
    built = arrow_cells(values, take)
    if built is None:
        return values if take is None else values[take]  # pandas' conversion says what is wrong
    return pd.array(built, dtype="str")


def arrow_cells(values: np.ndarray, take: np.ndarray | None = None) -> Any:
    """``values`` (an object array of str), or ``values[take]``, as a pyarrow
    ``large_string`` array (each of fewer values than cells converted once, then taken;
    else only the cells taken converted), or None when pyarrow is missing or cannot convert
    a value (not a str, a lone surrogate).

    The buffers come from the system allocator: pyarrow's default pool (mimalloc) spent
    about 0.8 s of system time at 1,000,000 rows committing fresh pages (bench/README.md)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - the test environment has pyarrow
        return None
    pool = pa.system_memory_pool()
    if take is not None and len(values) >= len(take):
        values, take = values[take], None
    try:
        built = pa.array(values, type=pa.large_string(), memory_pool=pool)
        if built.null_count:
            return None
        if take is not None:
            built = pc.take(built, pa.array(take, type=pa.int64()), memory_pool=pool)
        return built
    except (pa.ArrowException, UnicodeError, TypeError):
        return None


def arrow_take(arrow: Any, take: np.ndarray) -> Any:
    """The cells of a pyarrow string array at positions ``take``, as an array of pandas'
    ``str`` dtype, taken by pyarrow (no Python string); None unless pyarrow stores that
    dtype (then the caller builds the cells from Python strings)."""
    if not arrow_str():
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    pool = pa.system_memory_pool()
    try:
        built = _large(pc.take(arrow, pa.array(take, type=pa.int64()), memory_pool=pool), pool)
        return pd.array(built, dtype="str")
    except (pa.ArrowException, TypeError):
        return None


def as_str_columns(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Make sure the named columns have pandas' ``str`` dtype (construction usually did)."""
    for name in names:
        if frame[name].dtype != "str":
            frame[name] = frame[name].astype("str")
    return frame


def as_text(series: pd.Series) -> np.ndarray:
    """Every cell as a Python str in an object array; NaN/None become ""."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        # Arrow holds the text outside Python: make one str per distinct value, not per cell
        # (a column of names or countries repeats a few hundred values)
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        texts = np.append(uniques.to_numpy(dtype=object, na_value=""), "")
        return texts[codes]  # code -1 (NaN) picks the "" at the end
    if isinstance(dtype, pd.StringDtype) and isinstance(dtype.na_value, float):
        # pandas' "str" dtype: every cell is a str or NaN, and only NaN differs from itself
        # (cheaper than isna on a million strings). Without NaN the frame's own cells, as a
        # read-only view (no copy of a pointer per cell; a write would raise, not change the
        # caller's frame); with NaN a copy
        values = series.to_numpy(dtype=object)
        missing = values != values
        if missing.any():
            values = np.array(values, dtype=object, copy=True)
            values[missing] = ""
            return values
        view = values.view()
        view.flags.writeable = False
        return view
    values = series.to_numpy(dtype=object, na_value="")
    if isinstance(dtype, pd.StringDtype):
        return values
    missing = pd.isna(values)
    if missing.any():
        values[missing] = ""
    if pd.api.types.infer_dtype(values, skipna=False) != "string":
        values = np.array([v if type(v) is str else str(v) for v in values], dtype=object)
    return values


def arrow_text(series: pd.Series) -> Any:
    """A column of pandas' ``str`` dtype that pyarrow stores, as one pyarrow array with NaN
    read as "" (the input's own buffers when it is one chunk without missing cells); None
    for other columns."""
    dtype = series.dtype
    if not (
        isinstance(dtype, pd.StringDtype)
        and dtype.storage == "pyarrow"
        and isinstance(dtype.na_value, float)
    ):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arrow = series.array.__arrow_array__()
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.chunk(0) if arrow.num_chunks == 1 else arrow.combine_chunks()
        return pc.fill_null(arrow, "") if arrow.null_count else arrow
    except (pa.ArrowException, AttributeError, TypeError):
        return None


def encoded_text(series: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """(codes, distinct values) of a column of pandas' ``str`` dtype that pyarrow stores,
    from pyarrow's dictionary encoding: what ``pd.factorize(as_text(series))`` gives (codes
    in order of first appearance, int64; NaN read as ""), without a Python string per row.
    None for other columns."""
    arrow = arrow_text(series)
    found = None if arrow is None else encode_arrow(arrow)
    return None if found is None else found[:2]


def encode_arrow(arrow: Any) -> tuple[np.ndarray, np.ndarray, Any] | None:
    """:func:`encoded_text` of the pyarrow array :func:`arrow_text` gave, and the distinct
    values as pyarrow's array (None when pyarrow cannot encode it)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        encoded = pc.dictionary_encode(arrow, memory_pool=pa.system_memory_pool())
    except (pa.ArrowException, TypeError):
        return None
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    dictionary = encoded.dictionary
    return codes, dictionary.to_numpy(zero_copy_only=False).astype(object, copy=False), dictionary


def per_unique(
    values: np.ndarray, func: Callable[[str], object]
) -> tuple[np.ndarray, np.ndarray, list]:
    """(inverse, uniques, results): ``func`` applied once per distinct value."""
    inverse, uniques = pd.factorize(values)
    return inverse.astype(np.int64), uniques, [func(u) for u in uniques]


def with_messages(codes: list[tuple[str, ...]]) -> list[tuple[Change, ...]]:
    """Attach the standard message to each finding code (shared tuples, built once each)."""
    cache: dict[tuple[str, ...], tuple[Change, ...]] = {}
    out = []
    for key in codes:
        found = cache.get(key)
        if found is None:
            found = cache[key] = tuple((c, CODES.message(c)) for c in key)
        out.append(found)
    return out


def text_changes(raw: str, new: str) -> tuple[Change, ...]:
    if raw == new:
        return ()
    changes: list[Change] = []
    trimmed = raw.strip(TRIM_CHARS)
    if trimmed != raw:
        changes.append((WHITESPACE_TRIMMED, CODES.message(WHITESPACE_TRIMMED)))
    if trimmed != new:
        changes.append((UNICODE_NORMALIZED, CODES.message(UNICODE_NORMALIZED)))
    return tuple(changes)
