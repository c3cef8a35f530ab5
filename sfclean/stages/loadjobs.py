"""What every load API shares: one :class:`Outcome` per row, the :class:`Recorder` that journals
each step, and the :class:`Loader` interface each API implements (in
:mod:`sfclean.stages.loaders`, one class per API, chosen by one factory).

Outcome reasons (``failed["sfclean_reason"]``) and codes (``failed["sfclean_code"]``):

=============================  ================================================================
reason / code                  meaning
=============================  ================================================================
rejected-by-duplicate-rule     the org's duplicate rule stopped the row (``DUPLICATES_DETECTED``)
load-failed / <STATUS_CODE>    the org refused the row (``REQUIRED_FIELD_MISSING``, ...)
load-failed / BATCH_FAILED     the row's whole batch (or Bulk 2.0 job) ended Failed; the
                               message is the batch's ``stateMessage`` / ``errorMessage``
not-processed / NOT_PROCESSED  the org never processed the row (batch NotProcessed, job
                               aborted, or no result came back for it); nothing was saved
=============================  ================================================================

A loader posts rows (:meth:`Loader.post`), turns the org's answers into outcomes, collects a
journaled job after a crash (:meth:`Loader.collect`) and prices both in API calls
(:meth:`Loader.estimate_calls`, :meth:`Loader.estimate_collect_calls`). It tells the
:class:`Recorder` of every job and batch as soon as it exists in the org; the recorder calls
the journal's event methods (see :mod:`sfclean.journal`) directly.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from sfclean.codes import LOAD_FAILED, NOT_PROCESSED, REJECTED_BY_DUPLICATE_RULE
from sfclean.salesforce import RowResult

if TYPE_CHECKING:
    from sfclean.journal import Journal, JournalJob, OutcomeRow
    from sfclean.salesforce import Connection

__all__ = ["LoadJob", "Loader", "Outcome", "OwnRecords", "Recorder", "row_key"]

DUPLICATE_CODE = "DUPLICATES_DETECTED"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Outcome:
    """What happened to one row: ``id`` when loaded, else reason / code / message."""

    row: int
    id: str | None = None
    reason: str = ""
    code: str = ""
    message: str = ""

    @property
    def loaded(self) -> bool:
        return not self.reason

    def to_row(self) -> OutcomeRow:
        """The journal's form: ``(row, id, reason, code, message)``."""
        return (self.row, self.id, self.reason, self.code, self.message)

    @classmethod
    def from_row(cls, item: Sequence[Any]) -> Outcome:
        row, id_, reason, code, message = item
        return cls(int(row), id_, str(reason or ""), str(code or ""), str(message or ""))

    @classmethod
    def of(cls, row: int, result: RowResult | None) -> Outcome:
        if result is None:
            return cls.not_processed(row, "the org returned no result for this row")
        if result.success:
            return cls(row, id=result.id or "")
        if result.code == "NOT_PROCESSED":
            return cls.not_processed(row, result.message)
        reason = REJECTED_BY_DUPLICATE_RULE if result.code == DUPLICATE_CODE else LOAD_FAILED
        return cls(row, reason=reason, code=result.code, message=result.message)

    @classmethod
    def not_processed(cls, row: int, message: str) -> Outcome:
        return cls(row, reason=NOT_PROCESSED, code="NOT_PROCESSED", message=message)

    @classmethod
    def batch_failed(cls, row: int, message: str) -> Outcome:
        return cls(row, reason=LOAD_FAILED, code="BATCH_FAILED", message=message)


def row_key(columns: Sequence[str], record: Mapping[str, Any]) -> str:
    """A short hash of the values sent for one row (Bulk 2.0 matching; no data in journals)."""
    values = "\x1f".join("" if record.get(c) is None else str(record.get(c)) for c in columns)
    return hashlib.sha256(values.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class LoadJob:
    """A job the load created (``rest``: a series of calls), as ``LoadResult.jobs`` lists it.

    ``serial``: Bulk 1.0 only (its concurrency mode), else None.
    """

    job_id: str
    api: str
    batches: tuple[str, ...]
    serial: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (``report.json``'s ``stages.load.jobs``)."""
        out: dict[str, Any] = {
            "job_id": self.job_id,
            "api": self.api,
            "batches": list(self.batches),
        }
        if self.serial is not None:
            out["serial"] = self.serial
        return out


class Recorder:
    """Journals a loader's steps (when there is a journal), keeps the outcomes and jobs, and
    reports progress."""

    def __init__(self, journal: Journal | None, total: int, progress: Progress | None) -> None:
        self.journal = journal
        self.total = total
        self.progress = progress
        self.outcomes: dict[int, Outcome] = {}
        self.jobs: list[LoadJob] = []

    def job_started(self, job_id: str, api: str) -> None:
        if self.journal is not None:
            self.journal.job_started(job_id, api)

    def batch_posting(self, job_id: str, rows: Sequence[int]) -> None:
        if self.journal is not None:
            self.journal.batch_posting(job_id, rows)

    def batch_posted(
        self,
        job_id: str,
        batch_id: str,
        rows: Sequence[int],
        *,
        columns: Sequence[str] | None = None,
        keys: Sequence[str] | None = None,
    ) -> None:
        if self.journal is not None:
            self.journal.batch_posted(job_id, batch_id, rows, columns=columns, keys=keys)

    def job_closed(self, job_id: str) -> None:
        if self.journal is not None:
            self.journal.job_closed(job_id)

    def collected(self, job_id: str, batch_id: str, outcomes: Sequence[Outcome]) -> None:
        """A batch's outcomes were read (an empty list: the batch never ran)."""
        if self.journal is not None:
            self.journal.batch_collected(job_id, batch_id, outcomes=[o.to_row() for o in outcomes])
        for outcome in outcomes:
            self.outcomes[outcome.row] = outcome
        if self.progress is not None:
            self.progress(len(self.outcomes), self.total)


class Loader(ABC):
    """One Salesforce load API (as CumulusCI's ``BaseDmlOperation``): post rows, collect
    outcomes, estimate calls. Subclasses live in :mod:`sfclean.stages.loaders`.

    ``api`` is the name users pass (``api="bulk"``); ``max_batch_size`` the largest
    ``batch_size`` the API takes. ``deadline`` (``time.monotonic()`` seconds) bounds every
    wait for the org; past it a loader raises :class:`~sfclean.errors.LoadTimeout`.
    """

    api: ClassVar[str]
    max_batch_size: ClassVar[int]

    def __init__(
        self,
        conn: Connection,
        object_name: str,
        *,
        batch_size: int,
        serial: bool = False,
        deadline: float,
    ) -> None:
        self.conn = conn
        self.object_name = object_name
        self.batch_size = batch_size
        self.serial = serial
        self.deadline = deadline

    @classmethod
    @abstractmethod
    def estimate_calls(cls, n_rows: int, batch_size: int) -> int:
        """API calls :meth:`post` needs for ``n_rows`` (> 0) when batches finish by the first
        poll, plus one describe call (the load stage's)."""

    @classmethod
    def bulk_batches(cls, n_rows: int, batch_size: int) -> int:
        """Bulk API batches (``DailyBulkApiBatches``) :meth:`post` creates for ``n_rows``."""
        return 0

    @classmethod
    @abstractmethod
    def estimate_collect_calls(cls, job: JournalJob) -> int:
        """API calls :meth:`collect` needs for ``job`` when its batches have finished."""

    @abstractmethod
    def post(
        self,
        records: Sequence[Mapping[str, Any]],
        rows: Sequence[int],
        recorder: Recorder,
        *,
        columns: Sequence[str],
    ) -> None:
        """Insert ``records`` (row numbers ``rows``; ``columns``: the fields sent); every
        batch's outcomes go to ``recorder.collected``, every job to ``recorder.jobs``."""

    @abstractmethod
    def collect(self, job: JournalJob, recorder: Recorder, own: OwnRecords) -> None:
        """Finish ``job``, journaled by an interrupted run: outcomes of its uncollected
        batches to ``recorder.collected`` (empty for a batch that never ran), then close it
        in the journal if it was open. ``own`` finds the records the run created when no
        answer says which (REST)."""


@dataclass(frozen=True)
class OwnRecords:
    """What recognises a run's own records without an answer from the org: the value of
    ``field`` sent per row (``emails``), the session user and the run's start (ISO, UTC)."""

    emails: Mapping[int, str]
    user_id: str | None
    started: str
    field: str = "Email"
