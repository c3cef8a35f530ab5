"""Bulk API 1.0 routes under ``/services/async/VERSION/``: jobs (create, info, close, abort),
batches (add in CSV / JSON / XML, info, list, request, results) and query jobs (result list and
result sets). Requests authenticate with ``X-SFDC-Session``; each HTTP request is one API call.

Responses are JSON when the request's Content-Type is ``application/json`` and XML in the
dataload namespace otherwise. Batches run on the org's Bulk worker thread and move
Queued -> InProgress -> Completed / Failed (NotProcessed when their job was aborted). A batch
over 10,000 records or 10 MB ends Failed with an InvalidBatch message. Saves go to the engine
with ``api="bulk1"``. Query jobs honour ``Sforce-Enable-PKChunking`` (``true`` or
``chunkSize=N``): the submitted batch ends NotProcessed and one Completed batch per chunk of
records (in Id order) carries the results.
"""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from sfclean.localorg.bulk1_codec import (
    CONTENT_TYPES,
    parse_batch,
    parse_job_request,
    query_result_response,
    save_results_response,
)
from sfclean.localorg.bulkjobs import (
    INTERNAL_FAILURE,
    MAX_BATCH_BYTES,
    MAX_BATCH_RECORDS,
    json_time,
    now_stamp,
    save,
    xml_time,
)
from sfclean.localorg.schema import object_type
from sfclean.localorg.types import DuplicateHeader, SaveResult, SfFault
from sfclean.localorg.wire import (
    BULK_NS,
    BulkFault,
    Ctx,
    Route,
    json_response,
    xml_bytes,
    xml_element,
)

__all__ = ["ROUTES"]

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete", "query", "queryAll")


@dataclass
class Batch:
    id: str
    job_id: str
    data: bytes
    header: DuplicateHeader | None
    created: datetime
    state: str = "Queued"
    state_message: str | None = None
    modstamp: datetime | None = None
    processed: int = 0
    failed: int = 0
    processing_ms: int = 0
    results: list[SaveResult] = field(default_factory=list)
    result_ids: list[str] = field(default_factory=list)
    query_fields: list[str] = field(default_factory=list)
    query_rows: list[tuple[Any, ...]] = field(default_factory=list)
    query_records: list[dict[str, Any]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class Job:
    id: str
    operation: str
    object: str
    created_by: str
    created: datetime
    content_type: str
    concurrency: str
    external_id: str | None
    api_version: str
    state: str = "Open"
    modstamp: datetime | None = None
    pk_chunk: int | None = None  # Sforce-Enable-PKChunking chunk size on query jobs
    batches: dict[str, Batch] = field(default_factory=dict)


# --- rendering ------------------------------------------------------------------------------


def _job_items(job: Job, as_json: bool) -> list[tuple[str, Any]]:
    stamp = json_time if as_json else xml_time
    states = [b.state for b in job.batches.values()]
    processed = sum(b.processed for b in job.batches.values())
    failed = sum(b.failed for b in job.batches.values())
    return [
        ("id", job.id),
        ("operation", job.operation),
        ("object", job.object),
        ("createdById", job.created_by),
        ("createdDate", stamp(job.created)),
        ("systemModstamp", stamp(job.modstamp or job.created)),
        ("state", job.state),
        ("externalIdFieldName", job.external_id),
        ("concurrencyMode", job.concurrency),
        ("contentType", job.content_type),
        ("numberBatchesQueued", states.count("Queued")),
        ("numberBatchesInProgress", states.count("InProgress")),
        ("numberBatchesCompleted", states.count("Completed")),
        ("numberBatchesFailed", states.count("Failed")),
        ("numberBatchesTotal", len(states)),
        ("numberRecordsProcessed", processed),
        ("numberRetries", 0),
        ("apiVersion", float(job.api_version) if as_json else job.api_version),
        ("numberRecordsFailed", failed),
        ("totalProcessingTime", sum(b.processing_ms for b in job.batches.values())),
        ("apiActiveProcessingTime", sum(b.processing_ms for b in job.batches.values())),
        ("apexProcessingTime", 0),
    ]


def _batch_items(batch: Batch, as_json: bool) -> list[tuple[str, Any]]:
    stamp = json_time if as_json else xml_time
    return [
        ("id", batch.id),
        ("jobId", batch.job_id),
        ("state", batch.state),
        ("stateMessage", batch.state_message),
        ("createdDate", stamp(batch.created)),
        ("systemModstamp", stamp(batch.modstamp or batch.created)),
        ("numberRecordsProcessed", batch.processed),
        ("numberRecordsFailed", batch.failed),
        ("totalProcessingTime", batch.processing_ms),
        ("apiActiveProcessingTime", batch.processing_ms),
        ("apexProcessingTime", 0),
    ]


def _info(tag: str, items: list[tuple[str, Any]], as_json: bool, status: int = 200) -> Response:
    if as_json:
        return json_response(
            {k: v for k, v in items if v is not None}, status, content_type="application/json"
        )
    return Response(
        xml_bytes(xml_element(tag, items)), status=status, content_type="application/xml"
    )


# --- lookups -----------------------------------------------------------------------------------


def _job(ctx: Ctx, job_id: str) -> Job:
    job = ctx.org.bulk.jobs1.get(job_id)
    if job is None:
        raise BulkFault("InvalidJob", f"Invalid job id: {job_id}")
    return job


def _batch(ctx: Ctx, job_id: str, batch_id: str) -> tuple[Job, Batch]:
    job = _job(ctx, job_id)
    batch = job.batches.get(batch_id)
    if batch is None:
        raise BulkFault("InvalidBatch", f"Invalid batch id: {batch_id}")
    return job, batch


# --- handlers ---------------------------------------------------------------------------------


def create_job(ctx: Ctx) -> Response:
    as_json = ctx.wants_json()
    spec = parse_job_request(ctx.request.get_data(cache=True), as_json)
    operation = str(spec.get("operation") or "")
    if operation not in OPERATIONS:
        raise BulkFault("InvalidJob", f"Invalid operation: {operation}")
    sobject = object_type(str(spec.get("object") or ""))
    if sobject is None:
        raise BulkFault("InvalidJob", f"Unable to find object: {spec.get('object')}")
    content_type = str(spec.get("contentType") or "CSV").upper()
    if content_type not in CONTENT_TYPES:
        raise BulkFault("InvalidJob", f"Unsupported content type: {content_type}")
    concurrency = spec.get("concurrencyMode", "Parallel")
    concurrency = "Serial" if concurrency in ("Serial", 1, "1") else "Parallel"
    job = Job(
        id=ctx.org.engine.ids.new("750"),
        operation=operation,
        object=sobject.name,
        created_by=ctx.user_id,
        created=now_stamp(),
        content_type=content_type,
        concurrency=concurrency,
        external_id=spec.get("externalIdFieldName") or None,
        api_version=ctx.api_version,
        pk_chunk=_pk_chunk_size(ctx.request.headers.get("Sforce-Enable-PKChunking")),
    )
    with ctx.org.bulk.lock:
        ctx.org.bulk.jobs1[job.id] = job
        if operation in ("query", "queryAll"):
            ctx.org.bulk.query_jobs_today += 1
    return _info("jobInfo", _job_items(job, as_json), as_json, 201)


def _pk_chunk_size(header: str | None) -> int | None:
    """Chunk size from ``Sforce-Enable-PKChunking`` (``true`` -> 100,000; max 250,000)."""
    if not header or header.strip().lower() == "false":
        return None
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "chunksize" and value.strip().isdigit():
            return max(1, min(int(value.strip()), 250_000))
    return 100_000


def job(ctx: Ctx, job_id: str) -> Response:
    """GET job info, or POST a state change (Closed / Aborted)."""
    as_json = ctx.wants_json()
    found = _job(ctx, job_id)
    if ctx.request.method == "POST":
        state = str(parse_job_request(ctx.request.get_data(cache=True), as_json).get("state") or "")
        with ctx.org.bulk.lock:
            if state not in ("Closed", "Aborted"):
                raise BulkFault("InvalidJobState", f"Invalid state: {state}")
            if found.state != "Open" and not (state == "Aborted" and found.state == "Closed"):
                raise BulkFault("InvalidJobState", f"Job is already {found.state}: {job_id}")
            found.state = state
            found.modstamp = now_stamp()
    return _info("jobInfo", _job_items(found, as_json), as_json)


def add_batch(ctx: Ctx, job_id: str) -> Response:
    as_json = ctx.wants_json()
    found = _job(ctx, job_id)
    bulk = ctx.org.bulk
    with bulk.lock:
        if found.state != "Open":
            raise BulkFault("InvalidJobState", f"Job is not open: {job_id}")
        batch = Batch(
            id=ctx.org.engine.ids.new("751"),
            job_id=job_id,
            data=ctx.request.get_data(cache=True),
            header=DuplicateHeader.parse(ctx.request.headers.get("Sforce-Duplicate-Rule-Header")),
            created=now_stamp(),
        )
        found.batches[batch.id] = batch
        bulk.batches_today += 1
    response = _info("batchInfo", _batch_items(batch, as_json), as_json, 201)
    bulk.submit(lambda: _process(ctx.org, found, batch))
    # an ingest batch holds at most MAX_BATCH_RECORDS records (more fails at once); a query's
    # size is unknown until it runs
    ingest = found.operation not in ("query", "queryAll")
    bulk.settle(batch.done, records=0 if ingest else None)
    return response


def list_batches(ctx: Ctx, job_id: str) -> Response:
    as_json = ctx.wants_json()
    found = _job(ctx, job_id)
    if as_json:
        infos = [
            {k: v for k, v in _batch_items(b, True) if v is not None}
            for b in found.batches.values()
        ]
        return json_response({"batchInfo": infos}, content_type="application/json")
    root = ET.Element(f"{{{BULK_NS}}}batchInfoList")
    for b in found.batches.values():
        root.append(xml_element("batchInfo", _batch_items(b, False)))
    return Response(xml_bytes(root), content_type="application/xml")


def batch_info(ctx: Ctx, job_id: str, batch_id: str) -> Response:
    as_json = ctx.wants_json()
    _, found = _batch(ctx, job_id, batch_id)
    return _info("batchInfo", _batch_items(found, as_json), as_json)


def batch_request(ctx: Ctx, job_id: str, batch_id: str) -> Response:
    job_, found = _batch(ctx, job_id, batch_id)
    content_type = (
        "text/plain"
        if job_.operation in ("query", "queryAll")
        else CONTENT_TYPES[job_.content_type]
    )
    return Response(found.data, content_type=content_type)


def batch_result(ctx: Ctx, job_id: str, batch_id: str) -> Response:
    """Save results of an ingest batch, or the result-id list of a query batch."""
    job_, found = _batch(ctx, job_id, batch_id)
    if found.state != "Completed":
        if found.state == "Failed":
            raise BulkFault("InvalidBatch", f"Batch failed: {found.state_message}")
        raise BulkFault("InvalidBatch", f"Batch not completed: {batch_id}")
    if job_.operation in ("query", "queryAll"):
        if job_.content_type == "JSON":
            return json_response(found.result_ids, content_type="application/json")
        root = xml_element("result-list", [("result", found.result_ids)])
        return Response(xml_bytes(root), content_type="application/xml")
    return save_results_response(found.results, job_.content_type)


def query_result(ctx: Ctx, job_id: str, batch_id: str, result_id: str) -> Response:
    job_, found = _batch(ctx, job_id, batch_id)
    if result_id not in found.result_ids:
        raise BulkFault("InvalidBatch", f"Invalid query result id: {result_id}")
    if job_.content_type == "CSV" and not found.query_rows:
        return Response(b"Records not found for this query", content_type="text/csv")
    return query_result_response(
        found.query_fields, found.query_rows, found.query_records, job_.content_type
    )


# --- processing (on the Bulk worker thread) -----------------------------------------------------


def _finish(batch: Batch, state: str, started: float, message: str | None = None) -> None:
    batch.state = state
    batch.state_message = message
    batch.processing_ms = int((time.monotonic() - started) * 1000)
    batch.modstamp = now_stamp()


def _process(org: Any, job_: Job, batch: Batch) -> None:
    started = time.monotonic()
    try:
        _process_batch(org, job_, batch)
    except Exception:
        _finish(batch, "Failed", started, INTERNAL_FAILURE)  # never left InProgress
        raise
    finally:
        batch.done.set()


def _process_batch(org: Any, job_: Job, batch: Batch) -> None:
    bulk = org.bulk
    bulk.pause()
    if job_.state == "Aborted":
        batch.state, batch.modstamp = "NotProcessed", now_stamp()
        return
    batch.state, batch.modstamp = "InProgress", now_stamp()
    started = time.monotonic()
    bulk.pause()
    failure = org.faults.take_batch_failure()
    if failure:
        _finish(batch, "Failed", started, failure)
        return
    if job_.operation in ("query", "queryAll"):
        _run_query(org, job_, batch, started)
        return
    if len(batch.data) > MAX_BATCH_BYTES:
        _finish(
            batch, "Failed", started, f"InvalidBatch : Exceeded max size limit of {MAX_BATCH_BYTES}"
        )
        return
    try:
        records = parse_batch(batch.data, job_.content_type)
    except BulkFault as fault:
        _finish(batch, "Failed", started, f"{fault.code} : {fault.message}")
        return
    if len(records) > MAX_BATCH_RECORDS:
        message = (
            f"InvalidBatch : Exceeded number of records: {len(records)}. "
            f"Number of records should be less than or equal to {MAX_BATCH_RECORDS}"
        )
        _finish(batch, "Failed", started, message)
        return
    try:
        results = save(
            org,
            job_.operation,
            job_.object,
            records,
            user_id=job_.created_by,
            header=batch.header,
            api="bulk1",
        )
    except SfFault as fault:
        _finish(batch, "Failed", started, f"InvalidBatch : {fault.status_code}: {fault.message}")
        return
    batch.results = results
    batch.processed = len(results)
    batch.failed = sum(1 for r in results if not r.success)
    _finish(batch, "Completed", started)


def _run_query(org: Any, job_: Job, batch: Batch, started: float) -> None:
    engine = org.engine
    soql = batch.data.decode("utf-8-sig").strip()
    try:
        cursor = engine.query(
            soql,
            user_id=job_.created_by,
            api_version=job_.api_version,
            include_deleted=job_.operation == "queryAll",
        )
        if job_.content_type == "CSV":
            batch.query_rows = cursor.fetch_rows(max(cursor.total_size, 1))
        else:
            batch.query_records = cursor.fetch(max(cursor.total_size, 1))
    except SfFault as fault:
        _finish(
            batch,
            "Failed",
            started,
            f"InvalidBatch : Failed to process query: {fault.status_code}: {fault.message}",
        )
        return
    batch.query_fields = list(cursor.fields)
    if job_.pk_chunk:
        _split_into_chunks(org, job_, batch, started)
        return
    batch.result_ids = [engine.ids.new("752")]
    batch.processed = cursor.total_size
    _finish(batch, "Completed", started)


def _split_into_chunks(org: Any, job_: Job, batch: Batch, started: float) -> None:
    """PK chunking: the submitted batch ends NotProcessed and one Completed batch per chunk of
    ``pk_chunk`` records (in Id order) holds the results, as Salesforce does."""
    size = job_.pk_chunk or 100_000
    if batch.query_rows:
        at = batch.query_fields.index("Id") if "Id" in batch.query_fields else None
        rows = (
            sorted(batch.query_rows, key=lambda r: str(r[at]))
            if at is not None
            else batch.query_rows
        )
        chunks: list[tuple[list[Any], list[Any]]] = [
            (rows[i : i + size], []) for i in range(0, len(rows), size)
        ]
    else:
        records = sorted(batch.query_records, key=lambda r: str(r.get("Id", "")))
        chunks = [([], records[i : i + size]) for i in range(0, len(records), size)]
    with org.bulk.lock:
        for rows_chunk, records_chunk in chunks or [([], [])]:
            child = Batch(
                id=org.engine.ids.new("751"),
                job_id=job_.id,
                data=batch.data,
                header=None,
                created=now_stamp(),
                query_fields=batch.query_fields,
                query_rows=rows_chunk,
                query_records=records_chunk,
                result_ids=[org.engine.ids.new("752")],
            )
            child.processed = len(rows_chunk) + len(records_chunk)
            _finish(child, "Completed", started)
            job_.batches[child.id] = child
    batch.query_rows, batch.query_records = [], []
    _finish(batch, "NotProcessed", started)


_J = "/services/async/<ver>/job"

ROUTES = [
    Route(_J, ("POST",), create_job, "bulk1"),
    Route(f"{_J}/<job_id>", ("GET", "POST"), job, "bulk1"),
    Route(f"{_J}/<job_id>/batch", ("POST",), add_batch, "bulk1"),
    Route(f"{_J}/<job_id>/batch", ("GET",), list_batches, "bulk1"),
    Route(f"{_J}/<job_id>/batch/<batch_id>", ("GET",), batch_info, "bulk1"),
    Route(f"{_J}/<job_id>/batch/<batch_id>/request", ("GET",), batch_request, "bulk1"),
    Route(f"{_J}/<job_id>/batch/<batch_id>/result", ("GET",), batch_result, "bulk1"),
    Route(f"{_J}/<job_id>/batch/<batch_id>/result/<result_id>", ("GET",), query_result, "bulk1"),
]
