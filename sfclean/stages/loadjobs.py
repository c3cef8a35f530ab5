"""The load stage's drivers: post rows through one API, journal every step, turn the org's
answers into one :class:`Outcome` per row, and collect journaled jobs after a crash.

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

Journal events, per API (see :mod:`sfclean.journal`):

- ``bulk`` (Bulk 1.0): job_started after the job exists; batch_posted after each batch POST
  answers with its id; job_closed; batch_collected (with the outcomes) per batch.
- ``bulk2``: per job (one job per chunk of rows): job_started; batch_posted (batch id = job
  id, with a hash of each row's values) after the upload; job_closed after UploadComplete;
  batch_collected.
- ``rest``: job_started (a local id); batch_posted BEFORE each call (the call has no id of its
  own and its answer cannot be fetched again); batch_collected after it.

Collecting after a crash (:func:`collect_journaled`): a Bulk 1.0 job's every batch, journaled
or not, is waited for (so records an unjournaled batch created exist before the exclude stage
looks), the job is closed, and journaled batches are read. A Bulk 2.0 job still Open never
ran: it is aborted and its rows are left unresolved (loaded again). A REST call journaled but
never answered is left unresolved: the exclude stage finds whatever it created.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sfclean.codes import LOAD_FAILED, NOT_PROCESSED, REJECTED_BY_DUPLICATE_RULE
from sfclean.errors import ApiError, LoadTimeout
from sfclean.salesforce import (
    MAX_BATCH_BYTES,
    MAX_COLLECTION_RECORDS,
    BatchStatus,
    Bulk1Client,
    Bulk2Client,
    CollectionsClient,
    RowResult,
    chunk_records,
    to_csv,
)

if TYPE_CHECKING:
    from sfclean.journal import Journal
    from sfclean.salesforce import Connection

__all__ = ["Outcome", "collect_journaled", "estimate_collect_calls", "post_rows", "row_key"]

DUPLICATE_CODE = "DUPLICATES_DETECTED"
MAX_BULK2_BYTES = 100_000_000  # Salesforce allows 150 MB of base64 per upload; stay below

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

    def to_list(self) -> list[Any]:
        return [self.row, self.id, self.reason, self.code, self.message]

    @classmethod
    def from_list(cls, item: Sequence[Any]) -> Outcome:
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


class _Sink:
    """Collects outcomes, journals them per batch and reports progress."""

    def __init__(self, journal: Journal | None, total: int, progress: Progress | None) -> None:
        self.journal = journal
        self.total = total
        self.progress = progress
        self.outcomes: dict[int, Outcome] = {}
        self.jobs: list[dict[str, Any]] = []

    def event(self, name: str, *args: Any, **kwargs: Any) -> None:
        if self.journal is not None:
            getattr(self.journal, name)(*args, **kwargs)

    def collected(self, job_id: str, batch_id: str, outcomes: list[Outcome]) -> None:
        self.event("batch_collected", job_id, batch_id, outcomes=[o.to_list() for o in outcomes])
        for outcome in outcomes:
            self.outcomes[outcome.row] = outcome
        if self.progress is not None:
            self.progress(len(self.outcomes), self.total)


def _bulk1_outcomes(
    client: Bulk1Client, job_id: str, batch_id: str, rows: Sequence[int], status: BatchStatus
) -> list[Outcome]:
    if status.state == "Completed" or (status.state == "Failed" and status.processed):
        try:
            results: list[RowResult | None] = list(client.results(job_id, batch_id))
        except ApiError:
            if status.state == "Completed":
                raise
            results = []  # a failed batch without a result file: fail every row below
        if results:
            results.extend([None] * (len(rows) - len(results)))
            return [Outcome.of(row, result) for row, result in zip(rows, results, strict=False)]
    if status.state == "Failed":
        return [Outcome.batch_failed(row, status.message) for row in rows]
    why = f"batch {batch_id} ended {status.state or 'without a state'}"
    return [Outcome.not_processed(row, why) for row in rows]


def _post_bulk1(
    conn: Connection,
    object_name: str,
    records: Sequence[Mapping[str, Any]],
    rows: Sequence[int],
    sink: _Sink,
    *,
    batch_size: int,
    serial: bool,
    deadline: float,
) -> None:
    client = Bulk1Client(conn)
    job_id = client.create_insert_job(object_name, serial=serial)
    sink.event("job_started", job_id, "bulk")
    posted: list[tuple[str, list[int]]] = []
    for start, stop in chunk_records(records, max_records=batch_size, max_bytes=MAX_BATCH_BYTES):
        batch_id = client.post_records(job_id, records[start:stop])
        posted.append((batch_id, list(rows[start:stop])))
        sink.event("batch_posted", job_id, batch_id, list(rows[start:stop]))
    client.close_job(job_id)
    sink.event("job_closed", job_id)
    statuses = client.wait(job_id, [b for b, _ in posted], deadline=deadline)
    for batch_id, batch_rows in posted:
        outcomes = _bulk1_outcomes(client, job_id, batch_id, batch_rows, statuses[batch_id])
        sink.collected(job_id, batch_id, outcomes)
    sink.jobs.append(
        {"job_id": job_id, "api": "bulk", "batches": [b for b, _ in posted], "serial": serial}
    )


def _wait_bulk2(
    client: Bulk2Client, job_ids: Sequence[str], deadline: float
) -> dict[str, BatchStatus]:
    done: dict[str, BatchStatus] = {}
    interval = 0.5
    while True:
        for job_id in job_ids:
            if job_id not in done:
                status = client.status(job_id)
                if status.finished:
                    done[job_id] = status
        if len(done) == len(job_ids):
            return done
        if time.monotonic() >= deadline:
            running = [j for j in job_ids if j not in done]
            raise LoadTimeout(
                f"{len(running)} Bulk 2.0 job(s) still running when the load's timeout ran out; "
                "rerun with the same --out directory to collect them, or allow a longer --timeout",
                job_ids=running,
            )
        time.sleep(max(0.0, min(interval, deadline - time.monotonic())))
        interval = min(interval * 2, 30.0)


def _bulk2_outcomes(
    client: Bulk2Client,
    job_id: str,
    rows: Sequence[int],
    columns: Sequence[str],
    keys: Sequence[str],
    status: BatchStatus,
) -> list[Outcome]:
    if status.state == "Aborted":
        return [Outcome.not_processed(row, f"Bulk 2.0 job {job_id} was aborted") for row in rows]
    results = client.results(job_id, columns, keys, row_key)
    out = []
    for row, result in zip(rows, results, strict=True):
        if result is None and status.state == "Failed":
            out.append(Outcome.batch_failed(row, status.message))
        else:
            out.append(Outcome.of(row, result))
    return out


def _post_bulk2(
    conn: Connection,
    object_name: str,
    records: Sequence[Mapping[str, Any]],
    rows: Sequence[int],
    sink: _Sink,
    *,
    columns: Sequence[str],
    batch_size: int,
    deadline: float,
) -> None:
    client = Bulk2Client(conn, object_name)
    posted: list[tuple[str, list[int], list[str]]] = []
    for start, stop in chunk_records(records, max_records=batch_size, max_bytes=MAX_BULK2_BYTES):
        chunk = records[start:stop]
        job_id = client.create_job()
        sink.event("job_started", job_id, "bulk2")
        client.upload(job_id, to_csv(columns, chunk))
        keys = [row_key(columns, record) for record in chunk]
        batch_rows = list(rows[start:stop])
        sink.event("batch_posted", job_id, job_id, batch_rows, columns=list(columns), keys=keys)
        client.close(job_id)
        sink.event("job_closed", job_id)
        posted.append((job_id, batch_rows, keys))
    statuses = _wait_bulk2(client, [job_id for job_id, _, _ in posted], deadline)
    for job_id, batch_rows, keys in posted:
        outcomes = _bulk2_outcomes(client, job_id, batch_rows, columns, keys, statuses[job_id])
        sink.collected(job_id, job_id, outcomes)
        sink.jobs.append({"job_id": job_id, "api": "bulk2", "batches": [job_id]})


def _post_rest(
    conn: Connection,
    object_name: str,
    records: Sequence[Mapping[str, Any]],
    rows: Sequence[int],
    sink: _Sink,
) -> None:
    client = CollectionsClient(conn, object_name)
    job_id = f"rest-{uuid.uuid4().hex[:12]}"
    sink.event("job_started", job_id, "rest")
    calls = []
    for number, start in enumerate(range(0, len(records), MAX_COLLECTION_RECORDS), start=1):
        stop = start + MAX_COLLECTION_RECORDS
        batch_id = f"call-{number}"
        batch_rows = list(rows[start:stop])
        sink.event("batch_posted", job_id, batch_id, batch_rows)
        results = client.insert(records[start:stop])
        outcomes = [Outcome.of(r, res) for r, res in zip(batch_rows, results, strict=True)]
        sink.collected(job_id, batch_id, outcomes)
        calls.append(batch_id)
    sink.event("job_closed", job_id)
    sink.jobs.append({"job_id": job_id, "api": "rest", "batches": calls})


def post_rows(
    conn: Connection,
    object_name: str,
    records: Sequence[Mapping[str, Any]],
    rows: Sequence[int],
    *,
    api: str,
    columns: Sequence[str],
    batch_size: int,
    serial: bool,
    timeout: float,
    journal: Journal | None,
    progress: Progress | None,
) -> tuple[dict[int, Outcome], list[dict[str, Any]]]:
    """Insert ``records`` (row numbers ``rows``) through ``api``; one Outcome per row."""
    sink = _Sink(journal, len(rows), progress)
    deadline = time.monotonic() + timeout
    if api == "bulk":
        _post_bulk1(
            conn,
            object_name,
            records,
            rows,
            sink,
            batch_size=batch_size,
            serial=serial,
            deadline=deadline,
        )
    elif api == "bulk2":
        _post_bulk2(
            conn,
            object_name,
            records,
            rows,
            sink,
            columns=columns,
            batch_size=batch_size,
            deadline=deadline,
        )
    else:
        _post_rest(conn, object_name, records, rows, sink)
    for row in rows:  # every row gets exactly one outcome
        if row not in sink.outcomes:
            sink.outcomes[row] = Outcome.not_processed(row, "no result was read for this row")
    return sink.outcomes, sink.jobs


def estimate_collect_calls(jobs: Sequence[Mapping[str, Any]]) -> int:
    """API calls :func:`collect_journaled` needs for ``jobs`` (``Journal.pending_jobs()``)
    when their batches have finished by the first poll.

    bulk: one poll of the job's batch list, a close if the job is still open, one result
    read per uncollected batch; bulk2: a status read, then an abort (job still Open) or a
    poll and two result reads per batch; rest: nothing (an unanswered call is not read again).
    """
    calls = 0
    for job in jobs:
        open_batches = sum(1 for b in job.get("batches", []) if not b.get("collected"))
        if job.get("api") == "bulk":
            calls += 1 + (0 if job.get("closed") else 1) + open_batches
        elif job.get("api") == "bulk2":
            calls += 1 + max(1, 1 + 2 * open_batches)
    return calls


def collect_journaled(
    conn: Connection,
    journal: Journal,
    *,
    object_name: str,
    timeout: float = 3600.0,
    progress: Progress | None = None,
) -> int:
    """Finish every job an interrupted run journaled (see the module docstring).

    Outcomes go into the journal (``journal.outcomes()``). Returns the number of jobs handled.
    """
    deadline = time.monotonic() + timeout
    pending = journal.pending_jobs()
    sink = _Sink(journal, sum(len(b["rows"]) for j in pending for b in j["batches"]), progress)
    for job in pending:
        job_id, api = job["job_id"], job["api"]
        open_batches = [b for b in job["batches"] if not b["collected"]]
        if api == "bulk":
            client = Bulk1Client(conn)
            statuses = client.wait(job_id, None, deadline=deadline)
            if not job["closed"]:
                client.close_job(job_id)
                journal.job_closed(job_id)
            for batch in open_batches:
                status = statuses.get(batch["batch_id"], BatchStatus(batch["batch_id"], "Missing"))
                outcomes = _bulk1_outcomes(client, job_id, batch["batch_id"], batch["rows"], status)
                sink.collected(job_id, batch["batch_id"], outcomes)
        elif api == "bulk2":
            client2 = Bulk2Client(conn, object_name)
            status = client2.status(job_id)
            if status.state == "Open":
                client2.abort(job_id)
                for batch in open_batches:
                    sink.collected(job_id, batch["batch_id"], [])
            else:
                status = _wait_bulk2(client2, [job_id], deadline)[job_id]
                for batch in open_batches:
                    outcomes = _bulk2_outcomes(
                        client2,
                        job_id,
                        batch["rows"],
                        batch.get("columns") or [],
                        batch.get("keys") or [],
                        status,
                    )
                    sink.collected(job_id, batch["batch_id"], outcomes)
            if not job["closed"]:
                journal.job_closed(job_id)
        else:  # rest: an unanswered call cannot be read again; exclude finds what it saved
            for batch in open_batches:
                sink.collected(job_id, batch["batch_id"], [])
            if not job["closed"]:
                journal.job_closed(job_id)
    return len(pending)
