"""What the three insert clients (Bulk 1.0, Bulk 2.0, sObject Collections) share.

Each client turns the org's answers into :class:`RowResult` (one per record, in the order the
records were sent) and :class:`BatchStatus` (one per batch or Bulk 2.0 job), so the load stage
never sees a third-party type. Every request the clients send carries
:data:`DUPLICATE_RULE_HEADER`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "DUPLICATE_RULE_HEADER",
    "FINISHED_STATES",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_RECORDS",
    "BatchState",
    "BatchStatus",
    "RowResult",
    "chunk_records",
]

#: Sent on every insert request: a save that matches an active duplicate rule with the Alert
#: operation fails instead of going through. Salesforce documents the header for REST and
#: SOAP; whether Bulk jobs honour it is unconfirmed (it is the default either way).
DUPLICATE_RULE_HEADER: Mapping[str, str] = {"Sforce-Duplicate-Rule-Header": "allowSave=false"}

MAX_BATCH_RECORDS = 10_000
"""Records per Bulk API 1.0 batch (Salesforce's limit)."""

MAX_BATCH_BYTES = 10_000_000
"""Bytes per Bulk API 1.0 batch (Salesforce's limit, 10 MB)."""


class BatchState(StrEnum):
    """The states of a Bulk API 1.0 batch or a Bulk API 2.0 job that sfclean acts on.

    ``BatchStatus.state`` keeps the org's word as text (a state not listed here stays
    readable); compare it with these members. ``MISSING`` is sfclean's own: the org does not
    list the batch at all.
    """

    QUEUED = "Queued"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    NOT_PROCESSED = "NotProcessed"
    OPEN = "Open"
    UPLOAD_COMPLETE = "UploadComplete"
    JOB_COMPLETE = "JobComplete"
    ABORTED = "Aborted"
    MISSING = "Missing"


#: Batch / job states after which nothing changes any more.
FINISHED_STATES = frozenset(
    {
        BatchState.COMPLETED.value,
        BatchState.FAILED.value,
        BatchState.NOT_PROCESSED.value,
        BatchState.JOB_COMPLETE.value,
        BatchState.ABORTED.value,
        "Closed-Failed",
    }
)


@dataclass(frozen=True)
class RowResult:
    """The org's answer for one record: its new Id, or the first error's code and message.

    ``success`` is the org's ``success`` flag; ``created`` is never trusted on its own
    (Salesforce can report created=true for a failed row).
    """

    success: bool
    id: str | None = None
    code: str = ""
    message: str = ""


@dataclass
class BatchStatus:
    """State of one Bulk batch (or Bulk 2.0 job): ``state``, ``message`` when it failed."""

    batch_id: str
    state: str
    message: str = ""
    processed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES


def first_error(errors: Any) -> tuple[str, str]:
    """(status code, message) of the first error in a result's ``errors`` (any shape)."""
    if isinstance(errors, str):  # CSV shape: "STATUS_CODE:message:fields --"
        code, _, rest = errors.partition(":")
        message = rest.rsplit(":", 1)[0] if ":" in rest else rest
        return code.strip(), message.strip()
    if isinstance(errors, Sequence) and errors:
        item = errors[0]
        if isinstance(item, Mapping):
            code = item.get("statusCode") or item.get("errorCode") or ""
            return str(code), str(item.get("message") or "")
        return "", str(item)
    return "", ""


def row_result(item: Mapping[str, Any]) -> RowResult:
    """RowResult from a JSON save result ``{"id", "success", "created", "errors"}``."""
    success = item.get("success") in (True, "true", "True")
    if success:
        return RowResult(True, id=str(item.get("id") or "") or None)
    code, message = first_error(item.get("errors"))
    return RowResult(False, code=code or "UNKNOWN_ERROR", message=message)


def chunk_records(
    records: Sequence[Mapping[str, Any]], *, max_records: int, max_bytes: int
) -> Iterator[tuple[int, int]]:
    """(start, stop) slices of ``records`` whose JSON array stays within both limits.

    A single record larger than ``max_bytes`` gets a slice of its own (the org then fails
    that batch, and its row is reported failed, rather than the whole load stopping here).
    """
    start = 0
    size = 2  # "[" and "]"
    for i, record in enumerate(records):
        length = len(json.dumps(record, ensure_ascii=False).encode("utf-8")) + 1
        if i > start and (i - start >= max_records or size + length > max_bytes):
            yield start, i
            start, size = i, 2
        size += length
    if start < len(records):
        yield start, len(records)
