"""The result protocol every stage follows (normalize, exclude, load, run, audit; scan next).

Every stage returns a :class:`StageResult` subclass with the same three tables:

``kept``
    the rows that go on (normalize's clean rows, the rows not found in the org, the rows
    loaded): the input's columns, then ``sfclean_row`` and any column the stage adds.
``held_back``
    the rows that do not go on: the input's columns, then ``sfclean_row``, ``sfclean_reason``
    (a reason code of :data:`sfclean.codes.CODES`) and the stage's detail columns.
``findings``
    one row per change or warning (:data:`FINDINGS_COLUMNS`: ``row, column, code, original,
    normalized, message``), empty for stages that have none.

``sfclean_row`` is always a column, never the index: the row's number in the input file,
counted like a spreadsheet (header = row 1, first data row = 2), carried unchanged from stage
to stage. normalize's tables keep the caller's index (each row keeps its label; each finding
carries its row's label); the other stages' tables have a plain ``RangeIndex``, and ``run``'s
too. A stage given a table that has a
``sfclean_row`` column (a ``kept`` table, or a ``kept.csv`` read back) keeps its numbers.

``summary()`` returns a frozen :class:`Summary` (a subclass per stage) with ``to_dict()`` for
JSON; ``to_text()`` is a few lines for people; ``repr()`` is one line; ``outputs()`` names
the tables a stage writes (file name -> table) and ``to_report()`` the ``report.json`` content,
so :func:`sfclean.io.write_result` writes any stage's outputs the same way.
``_repr_html_()`` is the compact HTML Jupyter shows (:mod:`sfclean.render`).

To add a stage: subclass :class:`StageResult` as a ``@dataclass(repr=False, eq=False)`` with
``kept``, ``held_back`` and ``findings`` fields, set ``stage``, and override ``summary()`` (a
:class:`Summary` subclass with the stage's own counts) and ``outputs()``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

__all__ = [
    "FINDINGS_COLUMNS",
    "REASON",
    "ROW",
    "StageResult",
    "StepProgress",
    "Summary",
    "code_counts",
    "empty_findings",
    "first_data_row",
    "progress_callback",
    "ranked_counts",
    "report_content",
    "row_numbers",
    "with_row_column",
]

#: The row-number column of every table.
ROW = "sfclean_row"
#: The reason column of every held-back table.
REASON = "sfclean_reason"
#: Column order of every findings table.
FINDINGS_COLUMNS: tuple[str, ...] = ("row", "column", "code", "original", "normalized", "message")


StepProgress = Callable[[int, int], None] | Literal[False] | None
"""A stage function's ``progress=``: ``progress(done, total)`` as the work goes on (``total``
0 while unknown), or None / False for none. :func:`sfclean.tqdm_progress` draws it."""


def progress_callback(progress: Any) -> Callable[[int, int], None] | None:
    """``progress`` as a callable, or None when it is None or False (no progress).

    Raises :class:`~sfclean.errors.ConfigError` for anything else (``progress=True``: the
    library draws no bars itself; pass ``sfclean.tqdm_progress().stage(...)``).
    """
    from sfclean.errors import ConfigError

    if progress is None or progress is False:
        return None
    if not callable(progress):
        raise ConfigError(
            "progress= takes a callback progress(done, total), or None / False for none; "
            "for bars pass sfclean.tqdm_progress().stage('name')"
        )
    return progress  # type: ignore[no-any-return]


def empty_findings() -> pd.DataFrame:
    """A findings table with no rows (``row`` int64, the other columns text)."""
    return pd.DataFrame(
        {c: pd.Series(dtype="int64" if c == "row" else "str") for c in FINDINGS_COLUMNS}
    )


def code_counts(series: pd.Series) -> dict[str, int]:
    """``{code: rows}``, most frequent first, ties by code."""
    return ranked_counts(series.value_counts(sort=False).items())


def ranked_counts(counts: Iterable[tuple[Any, Any]]) -> dict[str, int]:
    """``(code, count)`` pairs as ``{code: count}``, most frequent first, ties by code (the
    order of every count in a summary)."""
    pairs = sorted(((str(k), int(v)) for k, v in counts), key=lambda kv: (-kv[1], kv[0]))
    return dict(pairs)


def first_data_row(df: pd.DataFrame) -> int:
    """The spreadsheet row of ``df``'s first row: 2 (the header is row 1), or ``N + 2`` for a
    table :func:`sfclean.read_csv` read with ``skip_rows=N`` (kept in ``df.attrs``)."""
    info = df.attrs.get("sfclean") or {}
    skipped = info.get("skip_rows", 0) if isinstance(info, Mapping) else 0
    return 2 + (skipped if isinstance(skipped, int) and skipped > 0 else 0)


def row_numbers(df: pd.DataFrame) -> np.ndarray:
    """The ``sfclean_row`` of each row of ``df`` (int64): its ``sfclean_row`` column, else an
    index named ``sfclean_row``, else spreadsheet rows from :func:`first_data_row` on.

    Raises :class:`~sfclean.errors.InputError` when the numbers are not whole numbers.
    """
    from sfclean.errors import InputError

    if ROW in df.columns:
        values = df[ROW]
    elif df.index.name == ROW:
        values = df.index.to_series()
    else:
        return np.arange(len(df), dtype="int64") + first_data_row(df)
    try:
        return pd.to_numeric(values, errors="raise").to_numpy(dtype="int64")
    except (TypeError, ValueError):
        raise InputError(
            f"column {ROW} must hold row numbers (whole numbers); rename it or drop it"
        ) from None


def with_row_column(df: pd.DataFrame, rows: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """A copy of ``df`` with a RangeIndex and the int64 column ``sfclean_row`` = ``rows``
    (after the other columns, or where it already was)."""
    out = df.reset_index(drop=True)
    out[ROW] = np.asarray(rows, dtype="int64")
    return out


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        if callable(to_dict):
            return to_dict()
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclass(frozen=True)
class Summary:
    """The counts every stage reports; stages subclass it with their own fields.

    ``rows_in`` = ``rows_kept`` + ``rows_held_back``; ``reasons``: held-back rows per reason
    code; ``findings``: findings per code (both most frequent first).
    """

    stage: str
    rows_in: int
    rows_kept: int
    rows_held_back: int
    reasons: Mapping[str, int]
    findings: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every field, in declaration order (tuples become lists)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def to_text(self) -> str:
        """A short human summary (a few lines), as the CLI prints it to stderr."""
        lines = [
            f"{self.stage}: {self.rows_in} rows in, {self.rows_kept} kept, "
            f"{self.rows_held_back} held back"
        ]
        if self.reasons:
            lines.append("  held back: " + ", ".join(f"{k} {v}" for k, v in self.reasons.items()))
        if self.findings:
            lines.append("  findings:  " + ", ".join(f"{k} {v}" for k, v in self.findings.items()))
        return "\n".join(lines)


def report_content(
    summary: Summary, source: Mapping[str, Any] | None, files: Iterable[str]
) -> dict[str, Any]:
    """The content of ``report.json``: the summary, the input described by ``source``
    (``path``, ``encoding``, ``delimiter``, ``skip_rows``) and the files written (report.json
    last)."""
    info = dict(source or {})
    return {
        **summary.to_dict(),
        "input": {k: info.get(k) for k in ("path", "encoding", "delimiter", "skip_rows")},
        "files": [*files, "report.json"],
    }


class StageResult:
    """Base class of every stage's result: ``kept``, ``held_back``, ``findings`` (see the
    module docstring), ``summary()``, ``to_text()``, ``outputs()``, ``to_report()`` and a
    one-line ``repr``."""

    #: The stage's name, as on the command line.
    stage: ClassVar[str] = ""
    kept: pd.DataFrame
    held_back: pd.DataFrame
    findings: pd.DataFrame

    @property
    def rows_in(self) -> int:
        """Rows the stage was given."""
        return len(self.kept) + len(self.held_back)

    @property
    def rows_kept(self) -> int:
        """Rows in ``kept``."""
        return len(self.kept)

    @property
    def rows_held_back(self) -> int:
        """Rows in ``held_back``."""
        return len(self.held_back)

    def _base_counts(self) -> dict[str, Any]:
        """The :class:`Summary` fields, for a subclass's ``summary()``."""
        reasons = self.held_back[REASON] if REASON in self.held_back else pd.Series([], dtype=str)
        return {
            "stage": self.stage,
            "rows_in": int(self.rows_in),
            "rows_kept": self.rows_kept,
            "rows_held_back": self.rows_held_back,
            "reasons": code_counts(reasons),
            "findings": code_counts(self.findings["code"]),
        }

    def summary(self) -> Summary:
        """The stage's counts as a frozen :class:`Summary` (``.to_dict()`` for JSON)."""
        return Summary(**self._base_counts())

    def to_text(self) -> str:
        """A short human summary (a few lines), as the CLI prints it to stderr."""
        return self.summary().to_text()

    def outputs(self) -> dict[str, pd.DataFrame]:
        """``{file name: table}`` of the files the stage writes (report.json excepted)."""
        raise NotImplementedError

    def to_report(self, *, source: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The content of ``report.json``: the summary, the input described by ``source``
        (``path``, ``encoding``, ``delimiter``, ``skip_rows``) and the files written
        (report.json last); see :func:`report_content`."""
        return report_content(self.summary(), source, self.outputs())

    def _repr_html_(self) -> str:
        """Compact HTML for Jupyter (:func:`sfclean.render.result_html`); a stage adds its own
        sections with :func:`sfclean.render.register_sections` or overrides this method."""
        from sfclean.render import result_html

        return result_html(self)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} [{self.stage}: {self.rows_in} in, {self.rows_kept} kept, "
            f"{self.rows_held_back} held back, {len(self.findings)} findings]>"
        )
