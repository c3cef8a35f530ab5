"""Bulk API 2.0 query extraction: one job, polled with backoff, results read page after page.

    POST jobs/query {"operation": "query", "query": SOQL}        1 API call
    GET  jobs/query/{id}  until JobComplete (backoff 0.5 s .. 10 s) 1 call per poll
    GET  jobs/query/{id}/results?maxRecords=N[&locator=L]         1 call per page

Pages follow the ``Sforce-Locator`` header until it says ``null``. ``maxRecords`` is large
(a million by default) so a big object costs few calls; every cell is read as text.
Written here rather than with simple-salesforce's ``bulk2.query`` because that one sleeps
before its first poll, polls on a fixed schedule and offers no overall timeout.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from sfclean.errors import ApiError
from sfclean.salesforce._connection import Connection
from sfclean.salesforce._transport import short_message

__all__ = ["DEFAULT_MAX_RECORDS", "bulk_query"]

logger = logging.getLogger("sfclean.salesforce")

DEFAULT_MAX_RECORDS = 1_000_000
_CSV = {"Accept": "text/csv"}
_JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def _read_page(content: bytes) -> pd.DataFrame:
    if not content.strip():
        return pd.DataFrame()
    return pd.read_csv(
        io.BytesIO(content),
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        encoding="utf-8",
    )


def _wait(
    conn: Connection, job_id: str, *, timeout: float, first_delay: float, max_delay: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    delay = first_delay
    while True:
        info = conn.request("GET", f"jobs/query/{job_id}", headers=_JSON).json()
        state = str(info.get("state", ""))
        if state == "JobComplete":
            return dict(info)
        if state in ("Failed", "Aborted"):
            message = short_message(str(info.get("errorMessage") or state))
            raise ApiError(
                f"the Bulk API 2.0 query job {job_id} ended {state}: {message}; "
                "try again, or use strategy='query'",
                error_code=state,
                url=f"{conn.instance_url}/services/data/v{conn.api_version}/jobs/query/{job_id}",
            )
        if time.monotonic() + delay > deadline:
            raise ApiError(
                f"the Bulk API 2.0 query job {job_id} was still {state} after {timeout:.0f} s; "
                "try again later or raise the timeout",
                error_code="Timeout",
                url=f"{conn.instance_url}/services/data/v{conn.api_version}/jobs/query/{job_id}",
            )
        time.sleep(delay)
        delay = min(max(delay * 2, 0.5), max_delay)


def bulk_query(
    conn: Connection,
    soql: str,
    *,
    max_records: int = DEFAULT_MAX_RECORDS,
    timeout: float = 3600.0,
    first_delay: float = 0.0,
    max_delay: float = 10.0,
    progress: Callable[[int, int], None] | None = None,
    include_deleted: bool = False,
) -> pd.DataFrame:
    """All records of ``soql`` through a Bulk API 2.0 query job, as a DataFrame of text.

    Polls after ``first_delay`` seconds, doubling up to ``max_delay``; raises ApiError when
    the job fails or is not complete after ``timeout`` seconds. ``progress(records read,
    records in the job)`` after each page (the total is the job's
    ``numberRecordsProcessed``, 0 when the org does not say). ``include_deleted``: a
    ``queryAll`` job (deleted and merged records too).
    """
    body = {"operation": "queryAll" if include_deleted else "query", "query": soql}
    job = conn.request("POST", "jobs/query", json=body, headers=_JSON).json()
    job_id = str(job["id"])
    info = _wait(conn, job_id, timeout=timeout, first_delay=first_delay, max_delay=max_delay)
    total = int(info.get("numberRecordsProcessed") or 0)
    pages: list[pd.DataFrame] = []
    locator = ""
    while True:
        params: dict[str, Any] = {"maxRecords": max_records}
        if locator:
            params["locator"] = locator
        answer = conn.request("GET", f"jobs/query/{job_id}/results", params=params, headers=_CSV)
        pages.append(_read_page(answer.content))
        if progress is not None:
            read = sum(len(p) for p in pages)
            progress(read, max(total, read) if total else 0)
        locator = answer.headers.get("Sforce-Locator", "") or ""
        if not locator or locator == "null":
            break
    logger.info("bulk query job %s: %d pages", job_id, len(pages))
    frames = [p for p in pages if not p.empty]
    if not frames:
        return pages[0] if pages else pd.DataFrame()
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
