"""Bulk API 1.0 inserts with the duplicate-rule header on every request.

:class:`Bulk1Client` subclasses ``salesforce_bulk.SalesforceBulk`` (2.2.0, unmaintained) and
fixes what sfclean cannot live with:

- ``headers()`` adds ``Sforce-Duplicate-Rule-Header: allowSave=false`` (and the current
  session id) to every request: job create, batch post, polls, results, close, abort.
- Requests go through the Connection's ``requests.Session`` (``Connection.http``), so TLS is
  verified against ``--ca-bundle``, API calls are counted and 5xx GETs retried there. The
  library calls ``requests.get/post`` directly, so every method that sends a request is
  overridden; the query-job methods, which sfclean does not use, refuse to run.
- Every request has a timeout. A GET (a poll, a result) whose connection drops is sent again
  (at most 3 times, with backoff). A batch POST is never blindly resent: after a dropped
  answer the job's batch list says whether the org created the batch (then it is adopted) or
  not (then it is posted once more), so a batch is created exactly once.
- :meth:`wait` polls the whole job's batch list (one call per round, however many batches),
  with exponential backoff, and raises :class:`~sfclean.errors.LoadTimeout` when the overall
  deadline passes (the library's ``wait_for_batch`` returns silently).
- An expired session is renewed once (in modes that can) and the request resent.

Batches are JSON (``contentType`` JSON); results are read as JSON, typed.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import requests
from salesforce_bulk import SalesforceBulk
from salesforce_bulk.salesforce_bulk import UploadResult

from sfclean.errors import ApiError, AuthError, ConnectionFailed, LoadTimeout
from sfclean.salesforce._connection import Connection
from sfclean.salesforce._ingest import (
    DUPLICATE_RULE_HEADER,
    BatchState,
    BatchStatus,
    RowResult,
    first_error,
    row_result,
)
from sfclean.salesforce._transport import (
    DEFAULT_TIMEOUT,
    EXPIRED_HINT,
    connection_failed,
    origin,
    scrub,
    short_message,
)

__all__ = ["Bulk1Client"]

logger = logging.getLogger("sfclean.salesforce")

_JSON = "application/json"
_XML = "application/xml"
_GET_ATTEMPTS = 3


def _error_fields(response: requests.Response) -> tuple[str, str]:
    """(exceptionCode, exceptionMessage) of a Bulk 1.0 error body (XML or JSON)."""
    text = response.content[:20_000].decode("utf-8", "replace")
    try:
        body = json.loads(text)
        if isinstance(body, Mapping):
            return str(body.get("exceptionCode") or ""), str(body.get("exceptionMessage") or "")
        if isinstance(body, list) and body and isinstance(body[0], Mapping):
            item = body[0]
            return str(item.get("errorCode") or ""), str(item.get("message") or "")
    except ValueError:
        pass
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return "", text
    found = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in root}
    return found.get("exceptionCode", ""), found.get("exceptionMessage", "")


class Bulk1Client(SalesforceBulk):  # type: ignore[misc]
    """A salesforce-bulk client bound to a :class:`Connection` (see the module docstring)."""

    def __init__(self, conn: Connection, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(
            sessionId=conn.session_id, host=conn.instance_url, API_version=conn.api_version
        )
        self._conn = conn
        self._timeout = timeout
        self.requests_sent = 0

    # --- transport -------------------------------------------------------------------------

    def headers(
        self, values: Mapping[str, str] | None = None, content_type: str = _XML
    ) -> dict[str, str]:
        """The library's headers plus the duplicate-rule header and the current session."""
        self.sessionId = self._conn.session_id
        headers: dict[str, str] = super().headers(dict(values or {}), content_type)
        headers.update(DUPLICATE_RULE_HEADER)
        return headers

    def _send(
        self,
        method: str,
        path: str,
        *,
        data: bytes | str | None = None,
        content_type: str = _JSON,
        retry_drops: bool = False,
        renewed: bool = False,
    ) -> requests.Response:
        url = f"{self.endpoint}/{path}"
        attempts = _GET_ATTEMPTS if retry_drops else 1
        for attempt in range(1, attempts + 1):
            try:
                response = self._conn.http.request(
                    method,
                    url,
                    data=data,
                    headers=self.headers(content_type=content_type),
                    timeout=self._timeout,
                )
                break
            except requests.RequestException as exc:
                if attempt == attempts:
                    raise connection_failed(exc, url) from exc
                logger.warning("Bulk %s %s: connection failed; retrying", method, path)
                time.sleep(0.2 * 2**attempt)
        self.requests_sent += 1
        if response.status_code < 300:
            return response
        code, message = _error_fields(response)
        if code == "InvalidSessionId" or response.status_code == 401:
            if not renewed and self._conn.can_reauthenticate:
                self._conn.reauthenticate()
                return self._send(
                    method,
                    path,
                    data=data,
                    content_type=content_type,
                    retry_drops=retry_drops,
                    renewed=True,
                )
            raise AuthError(f"the session for {origin(url)} expired; {EXPIRED_HINT}")
        message = short_message(scrub(message, [self._conn.session_id]))
        raise ApiError(
            f"{origin(url)} answered HTTP {response.status_code} {code or 'error'} to a Bulk "
            f"API request: {message}",
            error_code=code or None,
            http_status=response.status_code,
            url=url,
        )

    # --- jobs ---------------------------------------------------------------------------------

    def create_job(
        self,
        object_name: str | None = None,
        operation: str | None = None,
        contentType: str = "JSON",  # the library's parameter name
        concurrency: str | None = None,
        external_id_name: str | None = None,
        pk_chunking: bool = False,
    ) -> str:
        """Create a job; returns its id. sfclean only creates insert jobs."""
        if pk_chunking:
            raise NotImplementedError("sfclean does not create PK-chunked query jobs")
        doc = self.create_job_doc(
            object_name=object_name,
            operation=operation,
            contentType=contentType,
            concurrency=concurrency,
            external_id_name=external_id_name,
        )
        # A lost answer leaves at most an empty open job behind, so resending is safe.
        response = self._send("POST", "job", data=doc, content_type=_XML, retry_drops=True)
        job_id = str(self.parse_response(response)["id"])
        self.jobs[job_id] = job_id
        self.job_content_types[job_id] = contentType
        return job_id

    def create_insert_job(self, object_name: str, *, serial: bool = False) -> str:  # type: ignore[override]
        """Create a JSON insert job, Parallel or Serial; returns its id."""
        return self.create_job(object_name, "insert", "JSON", "Serial" if serial else "Parallel")

    def _set_state(self, job_id: str, doc: bytes) -> None:
        try:
            self._send("POST", f"job/{job_id}", data=doc, content_type=_XML, retry_drops=True)
        except ApiError as exc:
            # After a resend the first attempt may already have changed the state.
            if exc.error_code != "InvalidJobState":
                raise

    def close_job(self, job_id: str) -> None:
        """Close the job (no more batches); batches already posted still run."""
        self._set_state(job_id, self.create_close_job_doc())

    def abort_job(self, job_id: str) -> None:
        """Abort the job: batches not yet started end NotProcessed."""
        self._set_state(job_id, self.create_abort_job_doc())

    def job_status(self, job_id: str | None = None) -> dict[str, Any]:
        response = self._send("GET", f"job/{job_id}", retry_drops=True)
        return dict(self.parse_response(response))

    # --- batches -----------------------------------------------------------------------------

    def post_batch(self, job_id: str, data_generator: Any) -> str:
        """POST one batch (JSON records); returns its id. Never creates a batch twice."""
        body = data_generator if isinstance(data_generator, bytes | str) else bytes(data_generator)
        known = set(self.batches)
        try:
            response = self._send("POST", f"job/{job_id}/batch", data=body)
        except ConnectionFailed:
            created = [b.batch_id for b in self.batch_list(job_id) if b.batch_id not in known]
            if len(created) == 1:
                logger.warning("Bulk batch POST lost its answer; the org created %s", created[0])
                self.batches[created[0]] = job_id
                return created[0]
            if created:
                raise
            logger.warning("Bulk batch POST never reached the org; posting it again")
            response = self._send("POST", f"job/{job_id}/batch", data=body)
        batch_id = str(self.parse_response(response)["id"])
        self.batches[batch_id] = job_id
        return batch_id

    def post_records(self, job_id: str, records: Sequence[Mapping[str, Any]]) -> str:
        """POST ``records`` as one JSON batch; returns the batch id."""
        return self.post_batch(job_id, json.dumps(list(records), ensure_ascii=False).encode())

    def batch_list(self, job_id: str) -> list[BatchStatus]:
        """Every batch of the job with its state (one API call)."""
        response = self._send("GET", f"job/{job_id}/batch", retry_drops=True)
        found = self.parse_response(response)
        items = found.get("batchInfo", []) if isinstance(found, Mapping) else found
        if isinstance(items, Mapping):
            items = [items]
        for item in items:
            self.batches.setdefault(str(item["id"]), job_id)
        return [
            BatchStatus(
                batch_id=str(item["id"]),
                state=str(item.get("state") or ""),
                message=str(item.get("stateMessage") or ""),
                processed=int(item.get("numberRecordsProcessed") or 0),
            )
            for item in items
        ]

    def get_batch_list(self, job_id: str) -> list[dict[str, Any]]:
        return [
            {"id": b.batch_id, "state": b.state, "stateMessage": b.message}
            for b in self.batch_list(job_id)
        ]

    def batch_status(
        self, batch_id: str | None = None, job_id: str | None = None, reload: bool = False
    ) -> dict[str, Any]:
        job_id = job_id or self.lookup_job_id(batch_id)
        response = self._send("GET", f"job/{job_id}/batch/{batch_id}", retry_drops=True)
        result = dict(self.parse_response(response))
        self.batch_statuses[batch_id] = result
        return result

    def results(self, job_id: str, batch_id: str) -> list[RowResult]:
        """The batch's save results, in the order its records were posted."""
        response = self._send("GET", f"job/{job_id}/batch/{batch_id}/result", retry_drops=True)
        content_type = response.headers.get("Content-Type", "")
        if content_type.startswith(_JSON):
            return [row_result(item) for item in response.json()]
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
        out = []
        for row in rows:
            if row[1].lower() == "true":
                out.append(RowResult(True, id=row[0] or None))
            else:
                code, message = first_error(row[3] if len(row) > 3 else "")
                out.append(RowResult(False, code=code or "UNKNOWN_ERROR", message=message))
        return out

    def get_batch_results(self, batch_id: str, job_id: str | None = None) -> list[UploadResult]:
        job_id = job_id or self.lookup_job_id(batch_id)
        return [
            UploadResult(r.id, r.success, r.success, [] if r.success else [r.code])
            for r in self.results(job_id, batch_id)
        ]

    # --- waiting -----------------------------------------------------------------------------

    def wait(
        self,
        job_id: str,
        batch_ids: Sequence[str] | None,
        *,
        deadline: float,
        interval: float = 0.5,
        max_interval: float = 30.0,
        on_poll: Callable[[list[BatchStatus]], None] | None = None,
    ) -> dict[str, BatchStatus]:
        """Poll until the batches (None: every batch of the job) are finished.

        One call per round (the job's batch list). Raises LoadTimeout at ``deadline``
        (``time.monotonic()`` seconds).
        """
        while True:
            statuses = self.batch_list(job_id)
            if on_poll is not None:
                on_poll(statuses)
            wanted = {s.batch_id: s for s in statuses}
            if batch_ids is not None:
                wanted = {b: wanted.get(b, BatchStatus(b, BatchState.MISSING)) for b in batch_ids}
            if all(s.finished or s.state == BatchState.MISSING for s in wanted.values()):
                return wanted
            now = time.monotonic()
            if now >= deadline:
                running = sum(1 for s in wanted.values() if not s.finished)
                raise LoadTimeout(
                    f"Bulk job {job_id} still has {running} batch(es) running when the load's "
                    "timeout ran out; rerun with the same --out directory to collect the "
                    "results, or allow a longer --timeout",
                    job_ids=[job_id],
                )
            time.sleep(min(interval, max(0.0, deadline - now)))
            interval = min(interval * 2, max_interval)

    def wait_for_batch(
        self, job_id: str, batch_id: str, timeout: float = 600, sleep_interval: float = 10
    ) -> None:
        """Like the library's, but raises LoadTimeout instead of returning on timeout."""
        self.wait(
            job_id,
            [batch_id],
            deadline=time.monotonic() + timeout,
            interval=min(sleep_interval, 1.0),
            max_interval=sleep_interval,
        )

    # --- what sfclean never uses: refuse rather than bypass the session -----------------------

    def _unsupported(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Bulk1Client only supports insert jobs")

    query = get_query_batch_request = get_query_batch_result_ids = _unsupported
    get_all_results_for_query_batch = get_query_batch_results = _unsupported
    post_mapping_file = _unsupported
