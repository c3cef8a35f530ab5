"""One :class:`~sfclean.stages.loadjobs.Loader` per Salesforce load API, and the one factory
that picks it (:func:`loader_class`). Adding an API is one class here, added to
:data:`LOADERS` (and its client in :mod:`sfclean.salesforce`).

Journal events, per API (see :mod:`sfclean.journal`):

- ``bulk`` (Bulk 1.0): job_started after the job exists; batch_posted after each batch POST
  answers with its id; job_closed; batch_collected (with the outcomes) per batch.
- ``bulk2``: per job (one job per chunk of rows): job_started; batch_posted (batch id = job
  id, with a hash of each row's values) after the upload; job_closed after UploadComplete;
  batch_collected.
- ``rest``: job_started (a local id); batch_posted BEFORE each call (the call has no id of its
  own and its answer cannot be fetched again); batch_collected after it.

Bulk 1.0 also journals ``batch_posting`` (the rows) BEFORE each batch POST, since the batch's
id only comes with the answer.

Collecting after a crash (:func:`collect_journaled`): a Bulk 1.0 job's every batch, journaled
or not, is waited for, the job is closed, and journaled batches are read; a batch in the
job's batch list that the journal never recorded is the one being posted (``posting``): it
is journaled with those rows and read too. A Bulk 2.0 job still Open never ran: it is aborted
and its rows are left unresolved (loaded again); one past UploadComplete has its rows (and
their hashes) journaled, and is read from its successful / failed results. A REST call
journaled but never answered: records of its rows' emails created by the session user since
the run started (:func:`own_records`) are its loaded rows; its other rows are unresolved.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sfclean.errors import ApiError, ConfigError, LoadTimeout, SfcleanError, WriteError
from sfclean.salesforce import (
    MAX_BATCH_BYTES,
    MAX_BATCH_RECORDS,
    MAX_COLLECTION_RECORDS,
    BatchState,
    BatchStatus,
    Bulk1Client,
    Bulk2Client,
    CollectionsClient,
    RowResult,
    chunk_records,
    to_csv,
)
from sfclean.stages.loadjobs import (
    Loader,
    LoadJob,
    Outcome,
    OwnRecords,
    Progress,
    Recorder,
    row_key,
)
from sfclean.stages.lookup import soql_literal

if TYPE_CHECKING:
    from sfclean.journal import Journal, JournalJob
    from sfclean.salesforce import Connection

__all__ = [
    "APIS",
    "LOADERS",
    "Bulk1Loader",
    "Bulk2Loader",
    "RestLoader",
    "collect_journaled",
    "estimate_collect_calls",
    "loader_class",
    "post_rows",
]

logger = logging.getLogger("sfclean.load")

CLOCK_SKEW = timedelta(minutes=5)
"""Allowance between this machine's clock (the journal's start) and the org's CreatedDate."""
OWN_QUERY_CHUNK = 50
MAX_BULK2_BYTES = 100_000_000  # Salesforce allows 150 MB of base64 per upload; stay below
MAX_BULK2_ROWS = 150_000_000


@contextlib.contextmanager
def _on_write_error(cleanup: Callable[[], object]) -> Iterator[None]:
    """Run ``cleanup`` (close or abort the job) when the journal cannot be written, then
    let the WriteError go on; a failing cleanup is logged, never raised over it."""
    try:
        yield
    except WriteError:
        try:
            cleanup()
        except SfcleanError as exc:
            logger.warning("could not close or abort the Bulk job after a journal error: %s", exc)
        raise


def _bulk1_outcomes(
    client: Bulk1Client, job_id: str, batch_id: str, rows: Sequence[int], status: BatchStatus
) -> list[Outcome]:
    state = status.state
    if state == BatchState.COMPLETED or (state == BatchState.FAILED and status.processed):
        try:
            results: list[RowResult | None] = list(client.results(job_id, batch_id))
        except ApiError:
            if state == BatchState.COMPLETED:
                raise
            results = []  # a failed batch without a result file: fail every row below
        if results:
            results.extend([None] * (len(rows) - len(results)))
            return [Outcome.of(row, result) for row, result in zip(rows, results, strict=False)]
    if state == BatchState.FAILED:
        return [Outcome.batch_failed(row, status.message) for row in rows]
    why = f"batch {batch_id} ended {state or 'without a state'}"
    return [Outcome.not_processed(row, why) for row in rows]


class Bulk1Loader(Loader):
    """Bulk API 1.0: one job, JSON batches of ``batch_size`` records and at most 10 MB."""

    api = "bulk"
    max_batch_size = MAX_BATCH_RECORDS

    @classmethod
    def _batches(cls, n_rows: int, batch_size: int) -> int:
        return math.ceil(n_rows / min(batch_size, MAX_BATCH_RECORDS))

    @classmethod
    def estimate_calls(cls, n_rows: int, batch_size: int) -> int:
        """describe + create + one POST per batch + close + one poll + one result per batch."""
        return 1 + 3 + 2 * cls._batches(n_rows, batch_size)

    @classmethod
    def bulk_batches(cls, n_rows: int, batch_size: int) -> int:
        return cls._batches(n_rows, batch_size) if n_rows > 0 else 0

    @classmethod
    def estimate_collect_calls(cls, job: JournalJob) -> int:
        """One poll of the job's batch list, a close if still open, a read per open batch."""
        return 1 + (0 if job.closed else 1) + len(job.open_batches)

    def post(
        self,
        records: Sequence[Mapping[str, Any]],
        rows: Sequence[int],
        recorder: Recorder,
        *,
        columns: Sequence[str],
    ) -> None:
        client = Bulk1Client(self.conn)
        job_id = client.create_insert_job(self.object_name, serial=self.serial)
        with _on_write_error(lambda: client.abort_job(job_id)):  # not journaled: never used
            recorder.job_started(job_id, self.api)
        posted: list[tuple[str, list[int]]] = []
        limits = {"max_records": self.batch_size, "max_bytes": MAX_BATCH_BYTES}
        # journaled batches still run; the rerun collects them (and adopts one posted unjournaled)
        with _on_write_error(lambda: client.close_job(job_id)):
            for start, stop in chunk_records(records, **limits):
                recorder.batch_posting(job_id, rows[start:stop])
                batch_id = client.post_records(job_id, records[start:stop])
                posted.append((batch_id, list(rows[start:stop])))
                recorder.batch_posted(job_id, batch_id, rows[start:stop])
            client.close_job(job_id)
            recorder.job_closed(job_id)
        statuses = client.wait(job_id, [b for b, _ in posted], deadline=self.deadline)
        for batch_id, batch_rows in posted:
            outcomes = _bulk1_outcomes(client, job_id, batch_id, batch_rows, statuses[batch_id])
            recorder.collected(job_id, batch_id, outcomes)
        batch_ids = tuple(b for b, _ in posted)
        recorder.jobs.append(LoadJob(job_id, self.api, batch_ids, serial=self.serial))

    def collect(self, job: JournalJob, recorder: Recorder, own: OwnRecords) -> None:
        client = Bulk1Client(self.conn)
        statuses = client.wait(job.job_id, None, deadline=self.deadline)
        if not job.closed:
            client.close_job(job.job_id)
            recorder.job_closed(job.job_id)
        batches = [(b.batch_id, b.rows) for b in job.open_batches]
        known = {b.batch_id for b in job.batches}
        unknown = [batch_id for batch_id in statuses if batch_id not in known]
        if job.posting is not None and len(unknown) == 1:
            # posted, answered, never journaled: the batch list holds it; the rows are these
            recorder.batch_posted(job.job_id, unknown[0], job.posting)
            batches.append((unknown[0], job.posting))
        for batch_id, rows in batches:
            status = statuses.get(batch_id, BatchStatus(batch_id, BatchState.MISSING))
            outcomes = _bulk1_outcomes(client, job.job_id, batch_id, rows, status)
            recorder.collected(job.job_id, batch_id, outcomes)


class Bulk2Loader(Loader):
    """Bulk API 2.0: one job per ``batch_size`` rows (and at most 100 MB of CSV)."""

    api = "bulk2"
    max_batch_size = MAX_BULK2_ROWS

    @classmethod
    def estimate_calls(cls, n_rows: int, batch_size: int) -> int:
        """describe, then per job: create, upload, close, poll, successful and failed results."""
        return 1 + 6 * math.ceil(n_rows / batch_size)

    @classmethod
    def bulk_batches(cls, n_rows: int, batch_size: int) -> int:
        return math.ceil(n_rows / batch_size) if n_rows > 0 else 0

    @classmethod
    def estimate_collect_calls(cls, job: JournalJob) -> int:
        """A status read, then an abort (job still Open) or a poll and two reads per batch."""
        return 1 + max(1, 1 + 2 * len(job.open_batches))

    def _wait(self, client: Bulk2Client, job_ids: Sequence[str]) -> dict[str, BatchStatus]:
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
            if time.monotonic() >= self.deadline:
                running = [j for j in job_ids if j not in done]
                raise LoadTimeout(
                    f"{len(running)} Bulk 2.0 job(s) still running when the load's timeout ran "
                    "out; rerun with the same --out directory to collect them, or allow a "
                    "longer --timeout",
                    job_ids=running,
                )
            time.sleep(max(0.0, min(interval, self.deadline - time.monotonic())))
            interval = min(interval * 2, 30.0)

    @staticmethod
    def _outcomes(
        client: Bulk2Client,
        job_id: str,
        rows: Sequence[int],
        columns: Sequence[str],
        keys: Sequence[str],
        status: BatchStatus,
    ) -> list[Outcome]:
        if status.state == BatchState.ABORTED:
            return [Outcome.not_processed(r, f"Bulk 2.0 job {job_id} was aborted") for r in rows]
        results = client.results(job_id, columns, keys, row_key)
        out = []
        for row, result in zip(rows, results, strict=True):
            if result is None and status.state == BatchState.FAILED:
                out.append(Outcome.batch_failed(row, status.message))
            else:
                out.append(Outcome.of(row, result))
        return out

    def post(
        self,
        records: Sequence[Mapping[str, Any]],
        rows: Sequence[int],
        recorder: Recorder,
        *,
        columns: Sequence[str],
    ) -> None:
        client = Bulk2Client(self.conn, self.object_name)
        posted: list[tuple[str, list[int], list[str]]] = []
        limits = {"max_records": self.batch_size, "max_bytes": MAX_BULK2_BYTES}
        for start, stop in chunk_records(records, **limits):
            chunk = records[start:stop]
            job_id = client.create_job()
            keys = [row_key(columns, record) for record in chunk]
            batch_rows = list(rows[start:stop])
            with _on_write_error(functools.partial(client.abort, job_id)):  # never runs
                recorder.job_started(job_id, self.api)
                client.upload(job_id, to_csv(columns, chunk))
                recorder.batch_posted(job_id, job_id, batch_rows, columns=list(columns), keys=keys)
            client.close(job_id)
            recorder.job_closed(job_id)
            posted.append((job_id, batch_rows, keys))
        statuses = self._wait(client, [job_id for job_id, _, _ in posted])
        for job_id, batch_rows, keys in posted:
            status = statuses[job_id]
            outcomes = self._outcomes(client, job_id, batch_rows, columns, keys, status)
            recorder.collected(job_id, job_id, outcomes)
            recorder.jobs.append(LoadJob(job_id, self.api, (job_id,)))

    def collect(self, job: JournalJob, recorder: Recorder, own: OwnRecords) -> None:
        client = Bulk2Client(self.conn, self.object_name)
        status = client.status(job.job_id)
        if status.state == BatchState.OPEN:  # never uploaded completely: it never ran
            client.abort(job.job_id)
            for batch in job.open_batches:
                recorder.collected(job.job_id, batch.batch_id, [])
        else:
            status = self._wait(client, [job.job_id])[job.job_id]
            for batch in job.open_batches:
                columns, keys = batch.columns or (), batch.keys or ()
                outcomes = self._outcomes(client, job.job_id, batch.rows, columns, keys, status)
                recorder.collected(job.job_id, batch.batch_id, outcomes)
        if not job.closed:
            recorder.job_closed(job.job_id)


class RestLoader(Loader):
    """sObject Collections: synchronous calls of 200 records (``batch_size`` is not used)."""

    api = "rest"
    max_batch_size = MAX_BULK2_ROWS

    @classmethod
    def estimate_calls(cls, n_rows: int, batch_size: int) -> int:
        """describe + one call per 200 rows."""
        return 1 + math.ceil(n_rows / MAX_COLLECTION_RECORDS)

    @classmethod
    def estimate_collect_calls(cls, job: JournalJob) -> int:
        """Nothing: an unanswered call cannot be read again."""
        return 0

    def post(
        self,
        records: Sequence[Mapping[str, Any]],
        rows: Sequence[int],
        recorder: Recorder,
        *,
        columns: Sequence[str],
    ) -> None:
        client = CollectionsClient(self.conn, self.object_name)
        job_id = f"rest-{uuid.uuid4().hex[:12]}"
        recorder.job_started(job_id, self.api)
        calls = []
        for number, start in enumerate(range(0, len(records), MAX_COLLECTION_RECORDS), start=1):
            stop = start + MAX_COLLECTION_RECORDS
            batch_id = f"call-{number}"
            batch_rows = list(rows[start:stop])
            recorder.batch_posted(job_id, batch_id, batch_rows)
            results = client.insert(records[start:stop])
            outcomes = [Outcome.of(r, res) for r, res in zip(batch_rows, results, strict=True)]
            recorder.collected(job_id, batch_id, outcomes)
            calls.append(batch_id)
        recorder.job_closed(job_id)
        recorder.jobs.append(LoadJob(job_id, self.api, tuple(calls)))

    def collect(self, job: JournalJob, recorder: Recorder, own: OwnRecords) -> None:
        # an unanswered call cannot be read again: what it saved is found by who created it
        # and when; its other rows have no outcome (they are excluded or loaded again)
        for batch in job.open_batches:
            found = own_records(self.conn, self.object_name, batch.rows, own)
            recorder.collected(job.job_id, batch.batch_id, [found[r] for r in sorted(found)])
        if not job.closed:
            recorder.job_closed(job.job_id)


def own_records(
    conn: Connection, object_name: str, rows: Sequence[int], own: OwnRecords
) -> dict[int, Outcome]:
    """The rows of ``rows`` that a record created by ``own.user_id`` since ``own.started``
    (less :data:`CLOCK_SKEW`) with the row's email stands for: ``row -> loaded Outcome``.

    Used for a REST call whose answer was lost: the exclude stage checked before the call
    that no record had these emails, so a record with one of them, created by this user
    since the run started, is the call's.
    """
    by_email: dict[str, int] = {}
    for row in rows:
        email = own.emails.get(row, "").strip().lower()
        if email:
            by_email.setdefault(email, row)
    if not by_email or not own.user_id or not own.started:
        return {}
    since = datetime.fromisoformat(own.started).astimezone(UTC) - CLOCK_SKEW
    found: dict[int, Outcome] = {}
    emails = sorted(by_email)
    for start in range(0, len(emails), OWN_QUERY_CHUNK):
        chunk = ", ".join(soql_literal(e) for e in emails[start : start + OWN_QUERY_CHUNK])
        soql = (
            f"SELECT Id, {own.field} FROM {object_name} "
            f"WHERE CreatedById = {soql_literal(own.user_id)} "
            f"AND CreatedDate >= {since.strftime('%Y-%m-%dT%H:%M:%SZ')} "
            f"AND {own.field} IN ({chunk})"
        )
        for record in conn.query_all_iter(soql):
            match = by_email.get(str(record.get(own.field) or "").strip().lower())
            if match is not None and match not in found:
                found[match] = Outcome(match, id=str(record["Id"]))
    return found


LOADERS: tuple[type[Loader], ...] = (Bulk1Loader, Bulk2Loader, RestLoader)
"""Every load API, in the order help texts list them."""

APIS: tuple[str, ...] = tuple(loader.api for loader in LOADERS)


def loader_class(api: str) -> type[Loader]:
    """The loader of ``api`` (``bulk``, ``bulk2``, ``rest``); ConfigError for another name."""
    for loader in LOADERS:
        if loader.api == api:
            return loader
    raise ConfigError(f"api must be one of {', '.join(APIS)}, not {api!r}")


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
) -> tuple[dict[int, Outcome], list[LoadJob]]:
    """Insert ``records`` (row numbers ``rows``) through ``api``; one Outcome per row."""
    recorder = Recorder(journal, len(rows), progress)
    deadline = time.monotonic() + timeout
    loader = loader_class(api)(
        conn, object_name, batch_size=batch_size, serial=serial, deadline=deadline
    )
    loader.post(records, rows, recorder, columns=columns)
    for row in rows:  # every row gets exactly one outcome
        if row not in recorder.outcomes:
            recorder.outcomes[row] = Outcome.not_processed(row, "no result was read for this row")
    return recorder.outcomes, recorder.jobs


def estimate_collect_calls(jobs: Sequence[JournalJob]) -> int:
    """API calls :func:`collect_journaled` needs for ``jobs`` (``Journal.pending_jobs()``)
    when their batches have finished by the first poll (see each loader's estimate)."""
    return sum(loader_class(job.api).estimate_collect_calls(job) for job in jobs)


def collect_journaled(
    conn: Connection,
    journal: Journal,
    *,
    object_name: str,
    emails: Mapping[int, str] | None = None,
    timeout: float = 3600.0,
    progress: Progress | None = None,
) -> int:
    """Finish every job an interrupted run journaled (see the module docstring).

    ``emails``: the Email sent per row (``sfclean_row -> value``), to recognise what an
    unanswered REST call created. Outcomes go into the journal (``journal.outcomes()``).
    Returns the number of jobs handled.
    """
    deadline = time.monotonic() + timeout
    pending = journal.pending_jobs()
    recorder = Recorder(journal, sum(job.rows for job in pending), progress)
    own = OwnRecords(dict(emails or {}), conn.user_id, journal.state.started)
    for job in pending:
        loader = loader_class(job.api)(conn, object_name, batch_size=1, deadline=deadline)
        loader.collect(job, recorder, own)
    return len(pending)
