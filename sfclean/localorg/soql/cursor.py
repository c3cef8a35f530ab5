"""``execute(conn, soql) -> QueryCursor``: run a query and page through its records.

The cursor runs its statement once, at creation (the caller holds the store lock then), and
keeps the result rows as tuples in memory; it never keeps an SQLite cursor open, so other
threads may write while an HTTP client pages through ``fetch``. Records are built page by page
in Salesforce's JSON shape, so memory holds compact tuples, not dicts (1,200,000 short
single-field rows take a few hundred MB).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

from ..schema import object_for_id
from . import ast
from .compiler import ChildEntry, Compiled, FieldEntry, Shape, compile_query
from .parser import parse

__all__ = ["QueryCursor", "execute"]


class QueryCursor:
    """The materialised result of one query.

    ``total_size`` is Salesforce's ``totalSize``; ``fetch(n)`` returns the next ``n`` records
    (``[]`` for ``COUNT()``); ``done`` is True once everything was fetched; ``fields`` are the
    selected paths in canonical spelling (``CreatedBy.Name``), ``object_name`` the queried
    object. ``fetch_rows(n)`` returns flat value tuples in ``fields`` order instead of dicts
    (for CSV output of Bulk query jobs).
    """

    def __init__(
        self, compiled: Compiled, rows: list[tuple[Any, ...]], total_size: int, *, api_version: str
    ) -> None:
        self._compiled = compiled
        self._rows: list[tuple[Any, ...]] | None = rows
        self._pos = 0
        self._lock = threading.Lock()
        self._url_prefix = f"/services/data/v{api_version}/sobjects/"
        self._api_version = api_version
        self.total_size = total_size
        self.fields: list[str] = list(compiled.fields)
        self.object_name = compiled.object_name
        self.compiled = compiled
        # per child subquery: (parent Id -> child rows, a cursor that builds their records)
        self._children: list[tuple[dict[str, list[tuple[Any, ...]]], QueryCursor]] = []

    @property
    def done(self) -> bool:
        return self._rows is None or self._pos >= len(self._rows)

    @property
    def position(self) -> int:
        """How many records were fetched so far."""
        return self._pos

    def _take(self, n: int) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._rows is None:
                return []
            page = self._rows[self._pos : self._pos + max(n, 0)]
            self._pos += len(page)
            if self._pos >= len(self._rows):
                self._rows = None  # release memory once fully read
                self._pos = self.total_size if self._compiled.kind == "count" else self._pos
            return page

    def fetch(self, n: int) -> list[dict[str, Any]]:
        """The next ``n`` records as Salesforce JSON dicts."""
        page = self._take(n)
        if self._compiled.kind == "aggregate":
            flat = self._compiled.flat_columns
            return [
                {
                    "attributes": {"type": "AggregateResult"},
                    **{
                        key: row[i] if conv is None else conv(row[i])
                        for key, (i, conv) in zip(self.fields, flat, strict=True)
                    },
                }
                for row in page
            ]
        shape = self._compiled.shape
        assert shape is not None or not page
        return [self._record(shape, row) for row in page]  # type: ignore[arg-type]

    def fetch_rows(self, n: int) -> list[tuple[Any, ...]]:
        """The next ``n`` records as flat tuples of JSON values, in ``fields`` order."""
        flat = self._compiled.flat_columns
        return [
            tuple(row[i] if conv is None else conv(row[i]) for i, conv in flat)
            for row in self._take(n)
        ]

    def _record(self, shape: Shape, row: tuple[Any, ...]) -> dict[str, Any]:
        record_id = row[shape.id_column]
        obj = shape.object_name
        if obj is None:
            found = object_for_id(record_id) if record_id else None
            obj = found.name if found else "Name"
        rec: dict[str, Any] = {
            "attributes": {"type": obj, "url": f"{self._url_prefix}{obj}/{record_id}"}
        }
        for entry in shape.entries:
            if isinstance(entry, FieldEntry):
                value = row[entry.column]
                rec[entry.key] = value if entry.convert is None else entry.convert(value)
            elif isinstance(entry, ChildEntry):
                rec[entry.key] = self._child_result(entry.index, record_id)
            else:
                sub = entry.shape
                rec[entry.key] = None if row[sub.id_column] is None else self._record(sub, row)
        return rec

    def _child_result(self, index: int, parent_id: str) -> dict[str, Any] | None:
        """A child subquery's result for one parent: null when it has no such records."""
        groups, builder = self._children[index]
        rows = groups.get(parent_id)
        if not rows:
            return None
        shape = builder.compiled.shape
        assert shape is not None
        records = [builder._record(shape, r) for r in rows]
        return {"totalSize": len(records), "done": True, "records": records}

    def load_children(self, conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
        """Run each child subquery once for all parent records (their Ids are column 0)."""
        parent_ids = json.dumps([row[0] for row in rows])
        for plan in self._compiled.children:
            params = list(plan.compiled.params)
            params[plan.link_param] = parent_ids
            groups: dict[str, list[tuple[Any, ...]]] = {}
            for child in conn.execute(plan.compiled.sql, params):
                group = groups.setdefault(child[-1], [])
                if plan.limit is None or len(group) < plan.limit:
                    group.append(child)
            builder = QueryCursor(plan.compiled, [], 0, api_version=self._api_version)
            self._children.append((groups, builder))


def execute(
    conn: sqlite3.Connection,
    text_or_query: str | ast.Query,
    *,
    api_version: str = "62.0",
    include_deleted: bool = False,
    now: datetime | None = None,
) -> QueryCursor:
    """Parse (if needed), compile and run a SOQL query against the store's connection.

    ``now`` fixes the clock for relative date literals (default: the current UTC time).
    Raises SfFault MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE like Salesforce. Deleted
    records (``IsDeleted``) are hidden unless ``include_deleted`` (queryAll).
    """
    query = parse(text_or_query) if isinstance(text_or_query, str) else text_or_query
    clock = now or datetime.now(UTC)
    compiled = compile_query(query, now=clock, include_deleted=include_deleted)
    rows = conn.execute(compiled.sql, compiled.params).fetchall()
    if compiled.kind == "count":
        return QueryCursor(compiled, [], int(rows[0][0]), api_version=api_version)
    cursor = QueryCursor(compiled, rows, len(rows), api_version=api_version)
    if compiled.children:
        cursor.load_children(conn, rows)
    return cursor
