"""Bulk API 2.0 routes under ``/services/data/vXX.X/jobs/``: ingest jobs (create, upload CSV
with PUT, ``UploadComplete`` / ``Aborted`` with PATCH, job info, successfulResults,
failedResults, unprocessedrecords, delete) and query jobs (create, poll, results with
``Sforce-Locator`` / ``Sforce-NumberOfRecords`` and ``maxRecords``).

Jobs run on the org's Bulk worker thread: ingest Open -> UploadComplete -> InProgress ->
JobComplete / Failed; query UploadComplete -> InProgress -> JobComplete. Records are saved in
chunks of 10,000 with ``api="bulk2"``. Errors use the REST JSON shape.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from sfclean.localorg.bulkjobs import (
    INTERNAL_FAILURE,
    MAX_BATCH_RECORDS,
    csv_bytes,
    csv_error_text,
    csv_records,
    csv_table,
    csv_value,
    json_time,
    now_stamp,
    save,
)
from sfclean.localorg.schema import object_type
from sfclean.localorg.types import DuplicateHeader, SaveResult, SfFault
from sfclean.localorg.wire import BulkFault, Ctx, Route, json_response

__all__ = ["ROUTES"]

INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
_LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}


@dataclass
class Job2:
    id: str
    kind: str  # "ingest" | "query"
    operation: str
    object: str
    created_by: str
    created: datetime
    api_version: str
    delimiter: str = "COMMA"
    line_ending: str = "LF"
    external_id: str | None = None
    query: str = ""
    state: str = "Open"
    modstamp: datetime | None = None
    error_message: str | None = None
    header: DuplicateHeader | None = None
    uploads: list[bytes] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    results: list[SaveResult] = field(default_factory=list)
    processing_ms: int = 0
    cursor: Any = None
    query_fields: list[str] = field(default_factory=list)
    query_rows: list[tuple[Any, ...]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


def _info(job: Job2, *, full: bool) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": job.id,
        "operation": job.operation,
        "object": job.object,
        "createdById": job.created_by,
        "createdDate": json_time(job.created),
        "systemModstamp": json_time(job.modstamp or job.created),
        "state": job.state,
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": float(job.api_version),
    }
    if job.external_id:
        info["externalIdFieldName"] = job.external_id
    if job.kind == "ingest":
        info["contentUrl"] = f"services/data/v{job.api_version}/jobs/ingest/{job.id}/batches"
    info["lineEnding"] = job.line_ending
    info["columnDelimiter"] = job.delimiter
    info["jobType"] = "V2Ingest" if job.kind == "ingest" else "V2Query"  # listed jobs too
    if full:
        info["retries"] = 0
        info["totalProcessingTime"] = job.processing_ms
        if job.kind == "ingest":
            info["numberRecordsProcessed"] = len(job.results)
            info["numberRecordsFailed"] = sum(1 for r in job.results if not r.success)
            info["apiActiveProcessingTime"] = job.processing_ms
            info["apexProcessingTime"] = 0
        else:
            info["numberRecordsProcessed"] = len(job.query_rows)
            info["isPkChunkingSupported"] = True
        if job.error_message:
            info["errorMessage"] = job.error_message
    return info


def _job(ctx: Ctx, job_id: str, kind: str) -> Job2:
    job = ctx.org.bulk.jobs2.get(job_id)
    if job is None or job.kind != kind:
        raise SfFault("NOT_FOUND", "The requested resource does not exist", http_status=404)
    return job


def _job_list(ctx: Ctx, kind: str) -> Response:
    """GET on ``jobs/ingest`` or ``jobs/query``: every job of that kind, in one page."""
    jobs = [_info(j, full=False) for j in ctx.org.bulk.jobs2.values() if j.kind == kind]
    return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})


def _job_body(ctx: Ctx) -> dict[str, Any]:
    """The JSON object of a job-creating POST."""
    body = ctx.json_body()
    if not isinstance(body, dict):
        raise SfFault("JSON_PARSER_ERROR", "Expected a JSON object")
    return body


def _delete_job(ctx: Ctx, job_id: str) -> Response:
    with ctx.org.bulk.lock:
        ctx.org.bulk.jobs2.pop(job_id, None)
    return Response(status=204)


def _job_options(ctx: Ctx, body: dict[str, Any]) -> tuple[str, str]:
    delimiter = str(body.get("columnDelimiter") or "COMMA")
    line_ending = str(body.get("lineEnding") or "LF")
    if delimiter not in DELIMITERS or line_ending not in _LINE_ENDINGS:
        raise SfFault("INVALIDJOB", "Invalid columnDelimiter or lineEnding")
    return delimiter, line_ending


# --- ingest ---------------------------------------------------------------------------------------


def ingest_jobs(ctx: Ctx) -> Response:
    """POST creates an ingest job; GET lists them."""
    bulk = ctx.org.bulk
    if ctx.request.method == "GET":
        return _job_list(ctx, "ingest")
    body = _job_body(ctx)
    operation = str(body.get("operation") or "")
    if operation not in INGEST_OPERATIONS:
        raise SfFault("INVALIDJOB", f"Invalid operation: {operation}")
    sobject = object_type(str(body.get("object") or ""))
    if sobject is None:
        raise SfFault("NOT_FOUND", f"sObject type '{body.get('object')}' is not supported.")
    if str(body.get("contentType") or "CSV") != "CSV":
        raise SfFault("INVALIDJOB", "Only contentType CSV is supported")
    delimiter, line_ending = _job_options(ctx, body)
    job = Job2(
        id=ctx.org.engine.ids.new("750"),
        kind="ingest",
        operation=operation,
        object=sobject.name,
        created_by=ctx.user_id,
        created=now_stamp(),
        api_version=ctx.api_version,
        delimiter=delimiter,
        line_ending=line_ending,
        external_id=body.get("externalIdFieldName") or None,
        header=DuplicateHeader.parse(ctx.request.headers.get("Sforce-Duplicate-Rule-Header")),
    )
    with bulk.lock:
        bulk.jobs2[job.id] = job
    return json_response(_info(job, full=False))


def ingest_job(ctx: Ctx, job_id: str) -> Response:
    """GET job info; PATCH state UploadComplete / Aborted; DELETE the job."""
    job = _job(ctx, job_id, "ingest")
    bulk = ctx.org.bulk
    if ctx.request.method == "DELETE":
        return _delete_job(ctx, job_id)
    if ctx.request.method == "PATCH":
        body = ctx.json_body()
        state = str(body.get("state") if isinstance(body, dict) else "")
        with bulk.lock:
            if state == "UploadComplete" and job.state == "Open":
                job.state = "UploadComplete"
                bulk.batches_today += 1
                bulk.submit(lambda: _run_job(ctx.org, job, _process_ingest))
            elif state == "Aborted" and job.state in ("Open", "UploadComplete", "InProgress"):
                job.state = "Aborted"
            else:
                raise SfFault(
                    "INVALIDJOBSTATE",
                    f"Cannot change the state of a job in state {job.state} to {state}",
                )
            job.modstamp = now_stamp()
            response = json_response(_info(job, full=False))
        if state == "UploadComplete":
            lines = sum(max(0, data.count(b"\n") - 1) for data in job.uploads)  # - headers
            bulk.settle(job.done, records=lines)
        return response
    return json_response(_info(job, full=True))


def _run_job(org: Any, job: Job2, task: Any) -> None:
    """Run ``task(org, job)`` on the Bulk worker: InProgress first (unless Aborted meanwhile),
    the processing time and modstamp after, Failed if it raises; ``job.done`` set in any case.
    """
    try:
        bulk = org.bulk
        bulk.pause()
        if job.state == "Aborted":
            return
        job.state, job.modstamp = "InProgress", now_stamp()
        started = time.monotonic()
        bulk.pause()
        task(org, job)
        job.processing_ms = int((time.monotonic() - started) * 1000)
        job.modstamp = now_stamp()
    except Exception:
        job.state, job.error_message = "Failed", INTERNAL_FAILURE  # never left InProgress
        job.modstamp = now_stamp()
        raise
    finally:
        job.done.set()


def upload(ctx: Ctx, job_id: str) -> Response:
    """PUT CSV data for an Open ingest job (201, empty body)."""
    job = _job(ctx, job_id, "ingest")
    with ctx.org.bulk.lock:
        if job.state != "Open":
            raise SfFault("INVALIDJOBSTATE", f"Job is not open for data upload: {job.state}")
        job.uploads.append(ctx.request.get_data(cache=True))
    return Response(status=201)


def _process_ingest(org: Any, job: Job2) -> None:
    delimiter = DELIMITERS[job.delimiter]
    for data in job.uploads:
        try:
            columns, rows = csv_table(data, delimiter=delimiter)
        except BulkFault as fault:
            job.error_message = f"{fault.code} : {fault.message}"
            break
        if job.columns and columns != job.columns:
            job.error_message = "InvalidBatch : uploaded CSV files must share one header"
            break
        job.columns = columns
        job.rows.extend(rows)
    failure = org.faults.take_batch_failure()
    if failure or job.error_message or not job.columns:
        job.error_message = job.error_message or failure or "InvalidBatch : no data was uploaded"
        job.state = "Failed"
    else:
        for start in range(0, len(job.rows), MAX_BATCH_RECORDS):
            if job.state == "Aborted":
                break
            chunk = csv_records(job.columns, job.rows[start : start + MAX_BATCH_RECORDS])
            try:
                results = save(
                    org,
                    job.operation,
                    job.object,
                    chunk,
                    user_id=job.created_by,
                    header=job.header,
                    api="bulk2",
                )
            except SfFault as fault:
                job.error_message = f"InvalidBatch : {fault.status_code}: {fault.message}"
                job.state = "Failed"
                break
            job.results.extend(results)
        if job.state == "InProgress":
            job.state = "JobComplete"


def _result_csv(job: Job2, header: list[str], rows: list[list[str]]) -> Response:
    body = csv_bytes(
        header,
        rows,
        delimiter=DELIMITERS[job.delimiter],
        line_ending=_LINE_ENDINGS[job.line_ending],
    )
    return Response(body, content_type="text/csv")


def successful_results(ctx: Ctx, job_id: str) -> Response:
    job = _job(ctx, job_id, "ingest")
    rows = [
        [r.id or "", csv_value(r.created), *row]
        for r, row in zip(job.results, job.rows, strict=False)
        if r.success
    ]
    return _result_csv(job, ["sf__Id", "sf__Created", *job.columns], rows)


def failed_results(ctx: Ctx, job_id: str) -> Response:
    job = _job(ctx, job_id, "ingest")
    rows = [
        [r.id or "", csv_error_text(r.errors), *row]
        for r, row in zip(job.results, job.rows, strict=False)
        if not r.success
    ]
    return _result_csv(job, ["sf__Id", "sf__Error", *job.columns], rows)


def unprocessed_records(ctx: Ctx, job_id: str) -> Response:
    job = _job(ctx, job_id, "ingest")
    return _result_csv(job, list(job.columns), job.rows[len(job.results) :])


# --- query ----------------------------------------------------------------------------------------


def query_jobs(ctx: Ctx) -> Response:
    """POST creates a query job (the query is checked at once); GET lists them."""
    bulk = ctx.org.bulk
    if ctx.request.method == "GET":
        return _job_list(ctx, "query")
    body = _job_body(ctx)
    operation = str(body.get("operation") or "query")
    if operation not in ("query", "queryAll"):
        raise SfFault("INVALIDJOB", f"Invalid operation: {operation}")
    delimiter, line_ending = _job_options(ctx, body)
    soql = str(body.get("query") or "")
    engine = ctx.org.engine
    cursor = engine.query(
        soql,
        user_id=ctx.user_id,
        api_version=ctx.api_version,
        include_deleted=operation == "queryAll",
    )
    job = Job2(
        id=engine.ids.new("750"),
        kind="query",
        operation=operation,
        object=getattr(cursor, "object_name", ""),
        created_by=ctx.user_id,
        created=now_stamp(),
        api_version=ctx.api_version,
        delimiter=delimiter,
        line_ending=line_ending,
        query=soql,
        state="UploadComplete",
        cursor=cursor,
    )
    with bulk.lock:
        bulk.jobs2[job.id] = job
        bulk.query_jobs_today += 1
    response = json_response(_info(job, full=False))
    bulk.submit(lambda: _run_job(ctx.org, job, _process_query))
    bulk.settle(job.done, records=cursor.total_size)
    return response


def _process_query(org: Any, job: Job2) -> None:
    failure = org.faults.take_batch_failure()
    if failure:
        job.state, job.error_message = "Failed", failure
    else:
        job.query_rows = job.cursor.fetch_rows(max(job.cursor.total_size, 1))
        job.query_fields = list(job.cursor.fields)
        job.state = "JobComplete"
    job.cursor = None


def query_job(ctx: Ctx, job_id: str) -> Response:
    """GET job info; PATCH state Aborted; DELETE the job."""
    job = _job(ctx, job_id, "query")
    if ctx.request.method == "DELETE":
        return _delete_job(ctx, job_id)
    if ctx.request.method == "PATCH":
        body = ctx.json_body()
        if (
            not isinstance(body, dict)
            or body.get("state") != "Aborted"
            or job.state in ("JobComplete", "Failed")
        ):
            raise SfFault(
                "INVALIDJOBSTATE", f"Cannot change the state of a job in state {job.state}"
            )
        job.state, job.modstamp = "Aborted", now_stamp()
        return json_response(_info(job, full=False))
    return json_response(_info(job, full=True))


def _encode_locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _decode_locator(locator: str) -> int:
    try:
        return int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode())
    except ValueError:
        raise SfFault("INVALIDLOCATOR", f"Invalid locator: {locator}") from None


def query_results(ctx: Ctx, job_id: str) -> Response:
    job = _job(ctx, job_id, "query")
    if job.state != "JobComplete":
        raise SfFault("INVALIDJOBSTATE", f"Job {job_id} is not complete: {job.state}")
    args = ctx.request.args
    start = _decode_locator(args["locator"]) if args.get("locator") else 0
    raw_max = args.get("maxRecords", "")
    limit = int(raw_max) if raw_max.isdigit() and int(raw_max) > 0 else len(job.query_rows)
    page = job.query_rows[start : start + limit]
    end = start + len(page)
    response = _result_csv(job, job.query_fields, [[csv_value(v) for v in row] for row in page])
    response.headers["Sforce-Locator"] = (
        _encode_locator(end) if end < len(job.query_rows) else "null"
    )
    response.headers["Sforce-NumberOfRecords"] = str(len(page))
    return response


_V = "/services/data/v<ver>/jobs"

ROUTES = [
    Route(f"{_V}/ingest", ("GET", "POST"), ingest_jobs),
    Route(f"{_V}/ingest/<job_id>", ("GET", "PATCH", "DELETE"), ingest_job),
    Route(f"{_V}/ingest/<job_id>/batches", ("PUT",), upload),
    Route(f"{_V}/ingest/<job_id>/successfulResults", ("GET",), successful_results),
    Route(f"{_V}/ingest/<job_id>/failedResults", ("GET",), failed_results),
    Route(f"{_V}/ingest/<job_id>/unprocessedrecords", ("GET",), unprocessed_records),
    # simple-salesforce 1.12 asks for "unprocessedRecords" (documented: unprocessedrecords)
    Route(f"{_V}/ingest/<job_id>/unprocessedRecords", ("GET",), unprocessed_records),
    Route(f"{_V}/query", ("GET", "POST"), query_jobs),
    Route(f"{_V}/query/<job_id>", ("GET", "PATCH", "DELETE"), query_job),
    Route(f"{_V}/query/<job_id>/results", ("GET",), query_results),
]
