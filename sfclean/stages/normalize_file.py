"""normalize for a CSV file, written straight to an ``--out`` directory, in chunks when the
file is large: :func:`normalize_file` (``sfclean normalize FILE --out DIR``).

The file is checked first without loading it (:func:`sfclean.io.check_csv`: the encoding on
every byte, every record), then read ``chunk_rows`` rows at a time. Each chunk is cleaned by
the same code as :func:`sfclean.normalize` (:func:`~sfclean.stages.normalize.clean_work`),
numbered from its own first row, so ``sfclean_row`` stays the spreadsheet's row. In-file
duplicates are found across chunks with :class:`SeenKeys` (every dedupe key kept so far, as
a 128-bit digest, with the row of its first copy; a file read as one chunk uses normalize's
own rule), so a row whose key an earlier chunk kept is held back as ``duplicate-in-file``
naming that row. Each chunk's rows are appended to ``clean.csv``, ``rejected.csv`` and
``findings.csv`` in a temporary directory, moved into place with ``report.json`` only after
the last chunk (:class:`sfclean.io.OutputDir`): a run that fails midway leaves no output
that looks complete. The files and the summary are byte for byte what one call of
:func:`sfclean.normalize` on the whole file gives (a hypothesis test checks it).

``fill_blanks`` needs every copy of a row at once, so it reads the file whole: it refuses
``chunk_rows=``.
"""

from __future__ import annotations

import inspect
import math
import os
import secrets
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sfclean.codes import DUPLICATE_IN_FILE
from sfclean.errors import ConfigError
from sfclean.gcpause import gc_paused
from sfclean.io import CsvFile, OutputDir, check_csv
from sfclean.report import ranked_counts, report_content
from sfclean.stages.normalize import (
    NormalizeSummary,
    Table,
    check_normalize_options,
    clean_work,
    fill_blank_cells,
    mark_duplicates,
    normalize,
    tables,
)
from sfclean.stages.normalize_columns import NONE, REASON_INDEX, Keys, Work

__all__ = [
    "AUTO_CHUNK_BYTES",
    "CHUNK_ROWS",
    "NormalizeFileResult",
    "SeenKeys",
    "normalize_file",
]

#: Rows per chunk when a file is read in chunks and ``chunk_rows`` is not given.
CHUNK_ROWS = 200_000
#: Files larger than this (in bytes) are read in chunks of :data:`CHUNK_ROWS` by default.
AUTO_CHUNK_BYTES = 64 * 2**20

FILES = ("clean.csv", "rejected.csv", "findings.csv")
#: Stage progress: ``progress(stage, done, total)``, as :class:`sfclean.TqdmProgress` takes.
FileProgress = Callable[[str, int, int], None]


@dataclass(frozen=True, repr=False)
class NormalizeFileResult:
    """What :func:`normalize_file` returns: the ``summary`` (as
    :meth:`sfclean.NormalizeResult.summary` gives for the whole file), the ``files`` written
    (``{file name: path}``, report.json last), the input (``source``: path, encoding,
    delimiter, skip_rows) and the number of ``chunks`` it was read in."""

    summary: NormalizeSummary
    files: Mapping[str, Path]
    source: Mapping[str, Any]
    chunks: int

    def to_text(self) -> str:
        """A short human summary (a few lines), as the CLI prints it to stderr."""
        return self.summary.to_text()

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<NormalizeFileResult [normalize: {s.rows_in} in, {s.rows_kept} kept, "
            f"{s.rows_held_back} held back, {sum(s.findings.values())} findings; "
            f"{self.chunks} chunk{'s' if self.chunks != 1 else ''}]>"
        )


def normalize_file(
    path: str | os.PathLike[str] | CsvFile,
    out_dir: str | os.PathLike[str],
    *,
    chunk_rows: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_rows: int = 0,
    progress: FileProgress | None = None,
    **options: Any,
) -> NormalizeFileResult:
    """Normalize the CSV file at ``path`` and write ``clean.csv``, ``rejected.csv``,
    ``findings.csv`` and ``report.json`` into ``out_dir`` (what ``sfclean normalize`` does).

    ``options`` are :func:`sfclean.normalize`'s keyword options (``email_column``,
    ``default_region``, ``invalid_phone``, ``match_key``, ``fill_blanks``...);
    ``encoding``, ``delimiter`` and ``skip_rows`` are :func:`sfclean.read_csv`'s. ``path``
    may also be a :class:`sfclean.io.CsvFile` that :func:`sfclean.io.check_csv` checked
    (the CLI does, to find the columns of a ``--mapping``); it is not checked again.
    ``chunk_rows``: read the file this many rows at a time (memory then grows with the
    chunk and the number of distinct emails, not with the file); 0 reads it whole; None
    (default) reads files up to :data:`AUTO_CHUNK_BYTES` whole and larger ones in chunks of
    :data:`CHUNK_ROWS` (whole with ``fill_blanks``, which needs every copy of a row at
    once and refuses ``chunk_rows`` > 0). The outputs are the same either way.

    ``progress(stage, done, total)``: ``read`` (:func:`sfclean.io.check_csv`'s steps), then
    ``normalize`` after each chunk. Raises what :func:`sfclean.read_csv` and
    :func:`sfclean.normalize` raise; nothing is written into ``out_dir`` unless every chunk
    was normalized.
    """
    options = _checked_options(options)
    fill_blanks = bool(options.pop("fill_blanks", False))
    _check_chunk_rows(chunk_rows, fill_blanks)
    if isinstance(path, CsvFile):
        checked = path
    else:
        read_progress = None if progress is None else _stage(progress, "read")
        checked = check_csv(
            path,
            encoding=encoding,
            delimiter=delimiter,
            skip_rows=skip_rows,
            progress=read_progress,
        )
    rows = _rows_per_chunk(chunk_rows, fill_blanks, checked)
    n_chunks = math.ceil(checked.rows / rows)
    totals = _Totals()
    # a file read as one chunk holds back its duplicates by normalize's own rule, which
    # needs no digests of the keys (the same rows: normalize's rule is SeenKeys' in one chunk)
    seen = SeenKeys() if n_chunks > 1 else None
    with OutputDir(out_dir) as out:
        outs = None
        # Arrow-backed str when pyarrow parses the file (no Python str per cell until normalize
        # needs one), else object: pandas' C parser makes the Python strings either way
        dtype = str if checked.arrow_reads(str) else object
        for number, chunk in enumerate(checked.chunks(rows, dtype=dtype), start=1):
            with gc_paused():  # per chunk: cycles made while reading the next are collected
                work, columns = _normalize_chunk(chunk, options, seen, fill_blanks=fill_blanks)
                found = tables(work)
                if outs is None:
                    outs = [
                        out.csv(name, table.names) for name, table in zip(FILES, found, strict=True)
                    ]
                for file, table in zip(outs, found, strict=True):
                    file.write(table.columns)
                totals.add(found, columns)
            if progress is not None:
                progress("normalize", number, n_chunks)
        summary = totals.summary()
        out.json("report.json", report_content(summary, checked.source, FILES))
        files = out.publish()
    return NormalizeFileResult(summary, files, checked.source, n_chunks)


def _stage(progress: FileProgress, name: str) -> Callable[[int, int], None]:
    return lambda done, total: progress(name, done, total)


_NORMALIZE_OPTIONS = {
    name
    for name, p in inspect.signature(normalize).parameters.items()
    if p.kind is inspect.Parameter.KEYWORD_ONLY and name != "progress"
}


def _checked_options(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` when every name is a :func:`normalize` option and the values are usable
    (checked before the file is read); TypeError for an unknown name, as a call would."""
    unknown = sorted(set(options) - _NORMALIZE_OPTIONS)
    if unknown:
        raise TypeError(f"normalize_file() got an unexpected keyword argument {unknown[0]!r}")
    check_normalize_options(
        **{
            k: options[k]
            for k in ("invalid_phone", "match_key", "default_region")
            if options.get(k) is not None
        }
    )
    return dict(options)


def _check_chunk_rows(chunk_rows: int | None, fill_blanks: bool) -> None:
    if chunk_rows is None:
        return
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 0:
        raise ConfigError(
            f"chunk_rows must be a whole number of rows, or 0 to read the file whole "
            f"(got {chunk_rows!r})"
        )
    if chunk_rows and fill_blanks:
        raise ConfigError(
            "fill_blanks (--fill-blanks) fills a kept row from its duplicates anywhere in the "
            "file, so it reads the file whole and cannot be combined with chunk_rows "
            "(--chunk-rows); leave one of them out"
        )


def _rows_per_chunk(chunk_rows: int | None, fill_blanks: bool, checked: CsvFile) -> int:
    """Rows per chunk: the whole file (``checked.rows``) for ``chunk_rows=0``, with
    ``fill_blanks``, or when ``chunk_rows`` is None and the file is small enough."""
    if chunk_rows:
        return chunk_rows
    large = Path(checked.path).stat().st_size > AUTO_CHUNK_BYTES
    if chunk_rows is None and not fill_blanks and large:
        return CHUNK_ROWS
    return checked.rows


def _normalize_chunk(
    chunk: pd.DataFrame, options: dict[str, Any], seen: SeenKeys | None, *, fill_blanks: bool
) -> tuple[Work, dict[str, Any]]:
    """Clean one chunk, numbered from its first row, and hold back its in-file duplicates:
    against the keys of earlier chunks (``seen``), or by :func:`normalize`'s own rule when
    the file is one chunk (``seen`` None), as with ``fill_blanks`` (which reads it so)."""
    first_row = int(chunk.index[0])  # the chunk's index: row positions in the file

    def dedupe(work: Work, keys: Keys) -> None:
        work.first_row += first_row  # the duplicates' details name rows of the file
        if seen is None:
            mark_duplicates(work, keys.row)
        else:
            seen.mark(work, keys)

    work, cmap, keys = clean_work(chunk, **options, dedupe=None if fill_blanks else dedupe)
    if fill_blanks:
        work.first_row += first_row
        dup_rows, first_of = mark_duplicates(work, keys.row)
        if len(dup_rows):
            fill_blank_cells(work, cmap, dup_rows, first_of)
    return work, cmap.to_dict()


@dataclass
class _Totals:
    """The summary's counts, added up chunk by chunk."""

    rows_kept: int = 0
    rows_held_back: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)
    columns: dict[str, Any] = field(default_factory=dict)

    def add(self, found: tuple[Table, Table, Table], columns: dict[str, Any]) -> None:
        clean, held, findings = found
        self.rows_kept += len(clean.pos)
        self.rows_held_back += len(held.pos)
        self.reasons.update(_counts(held.columns[held.names.index("sfclean_reason")]))
        self.findings.update(_counts(findings.columns[findings.names.index("code")]))
        self.columns = columns

    def summary(self) -> NormalizeSummary:
        return NormalizeSummary(
            stage="normalize",
            rows_in=self.rows_kept + self.rows_held_back,
            rows_kept=self.rows_kept,
            rows_held_back=self.rows_held_back,
            reasons=ranked_counts(self.reasons.items()),
            findings=ranked_counts(self.findings.items()),
            columns=self.columns,
        )


def _counts(values: Any) -> dict[str, int]:
    """How many times each value of a text column (object or pyarrow array) occurs, in order
    of first appearance."""
    if isinstance(values, pa.Array):
        counted = pc.value_counts(values)
        return dict(
            zip(
                counted.field("values").to_pylist(),
                counted.field("counts").to_pylist(),
                strict=True,
            )
        )
    codes, counts = pd.factorize(values, use_na_sentinel=False)
    return dict(zip(map(str, counts), np.bincount(codes).tolist(), strict=True))


class SeenKeys:
    """The dedupe keys of the rows kept so far, each with the spreadsheet row of its first
    copy, across the chunks of a file.

    A key is stored as a 128-bit digest (two 64-bit SipHash digests under keys drawn at
    random: Python's own ``hash`` of the str, which ``pd.factorize`` has computed and the
    str keeps, and pandas' ``hash_array`` of its UTF-8 bytes under a key drawn for each
    file), its two halves and the row in three arrays sorted by the first half (numpy's
    searches over whole numbers): about 24 bytes per distinct key (a million distinct emails
    take ~24 MB), where a set of the keys themselves would take ~100. Two different keys
    would have to share all 128 bits to be taken for one another: for 10**8 distinct keys
    that chance is below 10**-22 (Python's key is fixed when ``PYTHONHASHSEED`` is set; the
    second half's stays secret).
    """

    def __init__(self) -> None:
        self._salt = secrets.token_hex(8)
        # sorted by the first half; the second half and the row at the same positions
        self._high = np.zeros(0, dtype=np.uint64)
        self._low = np.zeros(0, dtype=np.uint64)
        self._rows = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._high)

    def digests(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The 128-bit digest of each key (an object array of str), as its two halves."""
        high = np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys)).view(np.uint64)
        low = pd.util.hash_array(keys, hash_key=self._salt, categorize=False)
        return high, low

    def first_rows(self, high: np.ndarray, low: np.ndarray) -> np.ndarray:
        """The row of the first copy of each digest (its two halves) seen so far, or -1."""
        order = np.argsort(high)  # numpy searches sorted queries several times faster
        start, stop = np.empty((2, len(high)), dtype=np.int64)
        start[order] = np.searchsorted(self._high, high[order], side="left")
        stop[order] = np.searchsorted(self._high, high[order], side="right")
        rows = np.full(len(high), -1, dtype=np.int64)
        one = np.flatnonzero(stop - start == 1)
        hit = one[self._low[start[one]] == low[one]]
        rows[hit] = self._rows[start[hit]]
        # keys seen that share a first half (for a million keys, in about one file of 4 * 10**7):
        # the second halves of all of them are compared
        for i in np.flatnonzero(stop - start > 1).tolist():
            same = np.flatnonzero(self._low[start[i] : stop[i]] == low[i])
            if len(same):
                rows[i] = self._rows[start[i] + same[0]]
        return rows

    def add(self, high: np.ndarray, low: np.ndarray, rows: np.ndarray) -> None:
        """Remember new digests (not seen before), each with the row of its first copy."""
        order = np.argsort(high)
        high, low, rows = high[order], low[order], rows[order]
        at = np.searchsorted(self._high, high)
        self._high = np.insert(self._high, at, high)
        self._low = np.insert(self._low, at, low)
        self._rows = np.insert(self._rows, at, rows)

    def mark(self, work: Work, keys: Keys) -> None:
        """Hold back the rows of ``work`` still going on whose key an earlier row has (in
        this chunk or an earlier one) as ``duplicate-in-file`` naming that row's number,
        then remember this chunk's new keys: :func:`normalize`'s rule, across chunks."""
        eligible = np.flatnonzero(work.reason == NONE)
        if not len(eligible):
            return
        ids, first_index, back = np.unique(
            keys.row[eligible], return_index=True, return_inverse=True
        )
        first_row = eligible[first_index] + work.first_row  # each key's first row here
        high, low = self.digests(keys.values[ids])
        earlier = self.first_rows(high, low)
        new = earlier < 0
        self.add(high[new], low[new], first_row[new])
        first_row = np.where(new, first_row, earlier)[back.ravel()]
        dup = first_row != eligible + work.first_row
        dup_rows = eligible[dup]
        work.reason[dup_rows] = REASON_INDEX[DUPLICATE_IN_FILE]
        work.detail[dup_rows] = [f"duplicate of row {p}" for p in first_row[dup].tolist()]
