"""What Bulk API 1.0 and 2.0 share: the job registry, the worker thread that processes
batches (so polling sees Queued -> InProgress -> Completed/Failed), timestamps, CSV parsing of
record data and the ``STATUS_CODE:message:fields --`` error text of CSV results.
"""

from __future__ import annotations

import csv
import io
import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sfclean.localorg.types import SaveResult, SfError
from sfclean.localorg.validate import sf_datetime
from sfclean.localorg.wire import BulkFault

if TYPE_CHECKING:
    from sfclean.localorg.server import LocalOrg

__all__ = [
    "INTERNAL_FAILURE",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_RECORDS",
    "BulkJobs",
    "csv_bytes",
    "csv_error_text",
    "csv_records",
    "csv_value",
    "now_stamp",
]

logger = logging.getLogger("sfclean.localorg")

MAX_BATCH_RECORDS = 10_000
MAX_BATCH_BYTES = 10_000_000
NULL_MARKER = "#N/A"
#: how long the answer to a submission waits for large work (see BulkJobs.settle)
SETTLE_SECONDS = 2.0
#: hang guard for small work: far beyond its processing time, far below clients' read timeouts
SETTLE_SMALL_LIMIT = 30.0
#: state message of a batch or job whose processing raised unexpectedly (the error is logged)
INTERNAL_FAILURE = "InternalServerError : localorg failed to process this batch; see its log"


def now_stamp() -> datetime:
    return datetime.now(UTC)


def json_time(moment: datetime) -> str:
    """``2024-01-31T09:30:00.000+0000`` (JSON job info)."""
    return sf_datetime(moment)


def xml_time(moment: datetime) -> str:
    """``2024-01-31T09:30:00.000Z`` (XML job info)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def csv_error_text(errors: list[SfError]) -> str:
    """Bulk CSV result error column: ``STATUS_CODE:message:fields --`` per error."""
    parts = []
    for error in errors:
        fields = ",".join(error.fields)
        parts.append(
            f"{error.status_code}:{error.message}:{fields} --"
            if fields
            else f"{error.status_code}:{error.message}:--"
        )
    return " ".join(parts)


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_bytes(
    header: list[str], rows: list[list[str]], *, delimiter: str = ",", line_ending: str = "\n"
) -> bytes:
    """CSV with every cell quoted, as Salesforce writes result files."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator=line_ending)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def csv_table(data: bytes, *, delimiter: str = ",") -> tuple[list[str], list[list[str]]]:
    """(header, rows) of CSV bytes (a UTF-8 BOM is ignored; blank lines are skipped);
    BulkFault InvalidBatch when the bytes are not UTF-8 (Bulk data must be)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkFault(
            "InvalidBatch", f"the data is not valid UTF-8 (byte {exc.start}); save it as UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [row for row in reader if row]
    if not rows:
        return [], []
    header = [h.strip() for h in rows[0]]
    return header, [row + [""] * (len(header) - len(row)) for row in rows[1:]]


def csv_records(header: list[str], rows: list[list[str]]) -> list[dict[str, Any]]:
    """Records from CSV rows: empty cells are left out, ``#N/A`` sets a field to null."""
    records = []
    for row in rows:
        record: dict[str, Any] = {}
        for name, value in zip(header, row, strict=False):
            if value == NULL_MARKER:
                record[name] = None
            elif value != "":
                record[name] = value
        records.append(record)
    return records


def save(
    org: LocalOrg,
    operation: str,
    object_name: str,
    records: list[dict[str, Any]],
    *,
    user_id: str,
    header: Any,
    api: str,
) -> list[SaveResult]:
    """Run one chunk of a Bulk ingest through the engine (insert/update/upsert/delete)."""
    engine = org.engine
    if operation == "insert":
        return engine.create(
            object_name, records, user_id=user_id, duplicate_header=header, api=api
        )
    if operation == "update":
        return engine.update(
            object_name, records, user_id=user_id, duplicate_header=header, api=api
        )
    if operation in ("delete", "hardDelete"):
        ids = [str(r.get("Id") or "") for r in records]
        return engine.delete(object_name, ids, user_id=user_id, hard=operation == "hardDelete")
    if operation == "upsert":  # upsert on Id: rows with an Id update, rows without insert
        results: list[SaveResult | None] = [None] * len(records)
        with_id = [i for i, r in enumerate(records) if r.get("Id")]
        without = [i for i, r in enumerate(records) if not r.get("Id")]
        for indexes, fn in ((with_id, engine.update), (without, engine.create)):
            if indexes:
                chunk = fn(
                    object_name,
                    [records[i] for i in indexes],
                    user_id=user_id,
                    duplicate_header=header,
                    api=api,
                )
                for i, result in zip(indexes, chunk, strict=False):
                    results[i] = result
        return [r for r in results if r is not None]
    raise ValueError(f"unsupported operation {operation}")


class BulkJobs:
    """Bulk jobs of one org and the single worker thread that processes them in order."""

    def __init__(self, org: LocalOrg) -> None:
        self.org = org
        self.lock = threading.RLock()
        self.jobs1: dict[str, Any] = {}
        self.jobs2: dict[str, Any] = {}
        self.batches_today = 0
        self.query_jobs_today = 0
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="localorg-bulk", daemon=True)
        self._thread.start()

    def submit(self, task: Callable[[], None]) -> None:
        self._queue.put(task)

    def pause(self) -> None:
        """Before a state change: wait the injected delay (``faults.slow_bulk``), if any, and
        for the test's go-ahead under ``faults.hold_bulk``."""
        delay = self.org.faults.bulk_delay
        if delay:
            time.sleep(delay)
        self.org.faults.bulk_step()

    def settle(self, done: threading.Event, *, records: int | None) -> None:
        """Let a just-submitted task finish before the response goes out.

        The client still sees the Queued state in the response; finishing first spares
        clients that poll every few seconds (simple-salesforce waits 5 s between polls) a long
        sleep. Work of at most ``MAX_BATCH_RECORDS`` records (``records``; None when unknown
        before it runs) is always finished first, however loaded the machine is, so a
        client's first poll finds it done and its API calls are the same on every run (a
        10,000-row batch takes over 1.5 s on an idle machine; the former 2 s limit made that
        depend on load). Larger or unknown work gets ``SETTLE_SECONDS``, then is polled.
        Skipped when ``faults.slow_bulk`` or ``faults.hold_bulk`` asks for observable
        intermediate states.
        """
        faults = self.org.faults
        if faults.bulk_delay or faults.bulk_held:
            return
        small = records is not None and records <= MAX_BATCH_RECORDS
        done.wait(SETTLE_SMALL_LIMIT if small else SETTLE_SECONDS)

    def _run(self) -> None:
        while True:
            task = self._queue.get()
            if task is None:
                return
            try:
                task()
            except Exception:
                logger.exception("localorg: a Bulk task failed")

    def stop(self) -> None:
        self.org.faults.release_bulk()  # a worker held by hold_bulk() must not block the join
        self._queue.put(None)
        self._thread.join(timeout=5)
