"""Bulk API 2.0 inserts through simple-salesforce's ``sf.bulk2``, with the duplicate-rule
header set on the handler's ``headers`` (the handler has no per-call headers argument).

Each step is its own call so the load stage can journal the job id before any data goes up:
create the job, upload the CSV, mark it ``UploadComplete``, poll, read the results. The steps
use simple-salesforce's ``_Bulk2Client`` (present in the pinned 1.12.10); its own
``insert()`` hides the job id until the job has finished and sleeps ``wait`` seconds first.

Row mapping. Bulk 2.0 does not promise result order and has no row id: ``successfulResults``
and ``failedResults`` echo the original columns after ``sf__Id`` / ``sf__Error``. Rows are
matched on the tuple of values sent (the echo is the request data, unchanged); rows with
identical values sent are indistinguishable to Salesforce, so each gets one of that group's
results in the order the results list them. After normalize's in-file dedupe two rows never
share a key, so the mapping is exact in ``sfclean run``.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceOperationError

from sfclean.errors import ApiError, ConnectionFailed
from sfclean.salesforce._connection import Connection
from sfclean.salesforce._ingest import DUPLICATE_RULE_HEADER, BatchStatus, RowResult, first_error
from sfclean.salesforce._transport import short_message

__all__ = ["Bulk2Client"]

logger = logging.getLogger("sfclean.salesforce")

T = TypeVar("T")
_READ_ATTEMPTS = 3


def _handler_type(sf: Salesforce, object_name: str) -> Any:
    """``sf.bulk2.<object>`` with the duplicate-rule header on every request it sends."""
    handler: Any = sf.bulk2
    handler.headers.update(DUPLICATE_RULE_HEADER)
    return getattr(handler, object_name)


def to_csv(columns: Sequence[str], records: Sequence[Mapping[str, Any]]) -> str:
    """CSV text (LF line ends) of ``records`` in ``columns``; missing values are empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow(["" if record.get(c) is None else str(record.get(c)) for c in columns])
    return buffer.getvalue()


class Bulk2Client:
    """Bulk API 2.0 ingest jobs for one object, through a :class:`Connection`."""

    def __init__(self, conn: Connection, object_name: str) -> None:
        self._conn = conn
        self.object_name = object_name

    def _client(self, sf: Salesforce) -> Any:
        return _handler_type(sf, self.object_name)._client

    def _read(self, fn: Callable[[Salesforce], T]) -> T:
        """Run a read-only call; a dropped connection is retried (3 attempts, backoff)."""
        for attempt in range(1, _READ_ATTEMPTS + 1):
            try:
                return self._conn.call(fn)
            except ConnectionFailed:
                if attempt == _READ_ATTEMPTS:
                    raise
                logger.warning("Bulk 2.0 read failed to connect; retrying")
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    def create_job(self) -> str:
        """Create an Open insert job; returns its id."""
        info = self._conn.call(lambda sf: self._client(sf).create_job("insert"))
        return str(info["id"])

    def upload(self, job_id: str, csv_text: str) -> None:
        """Upload the job's CSV data (one upload per job)."""
        try:
            self._conn.call(lambda sf: self._client(sf).upload_job_data(job_id, csv_text))
        except SalesforceOperationError as exc:  # not an HTTP error: size, unexpected status
            raise ApiError(
                f"{self._conn.instance_url} did not take the data of Bulk 2.0 job {job_id}: "
                f"{short_message(str(exc), limit=120)}; try a smaller batch_size"
            ) from exc

    def close(self, job_id: str) -> None:
        """Mark the job UploadComplete so Salesforce processes it."""
        self._conn.call(lambda sf: self._client(sf).close_job(job_id))

    def abort(self, job_id: str) -> None:
        self._conn.call(lambda sf: self._client(sf).abort_job(job_id, False))

    def status(self, job_id: str) -> BatchStatus:
        info = self._read(lambda sf: self._client(sf).get_job(job_id, False))
        state = str(info.get("state") or "")
        return BatchStatus(
            batch_id=job_id,
            state=state,
            message=str(info.get("errorMessage") or ""),
            processed=int(info.get("numberRecordsProcessed") or 0),
        )

    def _results(self, job_id: str, kind: str) -> list[dict[str, str]]:
        def fetch(sf: Salesforce) -> str:
            return str(self._client(sf).get_ingest_results(job_id, kind))

        text = self._read(fetch).replace("\0", "")
        return list(csv.DictReader(io.StringIO(text)))

    def results(
        self,
        job_id: str,
        columns: Sequence[str],
        keys: Sequence[str],
        key: Callable[[Sequence[str], Mapping[str, Any]], str],
    ) -> list[RowResult | None]:
        """One result per row sent (None: Salesforce reported none for it), matched by echo.

        ``keys[i]`` is ``key(columns, values of row i)``; each echoed result row is keyed the
        same way and given to the first row with that key still waiting for a result.
        """
        positions: dict[str, deque[int]] = defaultdict(deque)
        for i, row_key in enumerate(keys):
            positions[row_key].append(i)
        out: list[RowResult | None] = [None] * len(keys)

        def place(echo: Mapping[str, str], result: RowResult) -> None:
            queue = positions.get(key(columns, echo))
            if queue:
                out[queue.popleft()] = result

        for echo in self._results(job_id, "successfulResults"):
            place(echo, RowResult(True, id=echo.get("sf__Id") or None))
        for echo in self._results(job_id, "failedResults"):
            code, message = first_error(echo.get("sf__Error") or "")
            place(echo, RowResult(False, code=code or "UNKNOWN_ERROR", message=message))
        return out
