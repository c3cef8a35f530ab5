"""sObject Collections inserts: ``POST composite/sobjects`` with up to 200 records per call,
``allOrNone: false``, the duplicate-rule header on every request, results in request order.

A call whose answer is lost (dropped connection, timeout) is never resent: Salesforce may
have saved its records. The error propagates; ``sfclean run`` journals each call before it is
sent, so a rerun lets the exclude stage find whatever that call created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sfclean.salesforce._connection import Connection
from sfclean.salesforce._ingest import DUPLICATE_RULE_HEADER, RowResult, row_result

__all__ = ["MAX_COLLECTION_RECORDS", "CollectionsClient"]

MAX_COLLECTION_RECORDS = 200
"""Records per sObject Collections call (Salesforce's limit)."""


class CollectionsClient:
    """Synchronous inserts of one object through sObject Collections."""

    def __init__(self, conn: Connection, object_name: str) -> None:
        self._conn = conn
        self.object_name = object_name

    def insert(self, records: Sequence[Mapping[str, Any]]) -> list[RowResult]:
        """Insert up to 200 records in one call; one RowResult per record, in order."""
        if not 1 <= len(records) <= MAX_COLLECTION_RECORDS:
            raise ValueError(
                f"an sObject Collections call takes 1 to {MAX_COLLECTION_RECORDS} records, "
                f"got {len(records)}"
            )
        attributes = {"type": self.object_name}
        body = {
            "allOrNone": False,
            "records": [{"attributes": attributes, **record} for record in records],
        }
        answer = self._conn.call(
            lambda sf: sf.restful(
                "composite/sobjects",
                method="POST",
                json=body,
                headers=dict(DUPLICATE_RULE_HEADER),
            )
        )
        items = list(answer or [])
        results = [row_result(item) for item in items[: len(records)]]
        missing = len(records) - len(results)
        results.extend(
            RowResult(False, code="NOT_PROCESSED", message="the org returned no result")
            for _ in range(missing)
        )
        return results
