"""REST query routes: ``query`` and ``queryAll`` with ``nextRecordsUrl`` paging, and
``columns=true`` (the query's column metadata, see :mod:`sfclean.localorg.soql.columns`).

A page holds 2,000 records unless ``Sforce-Query-Options: batchSize=N`` asks for another
size (clamped to 200..2,000, as documented). Open cursors live in :class:`QueryCursors`
under a locator shaped like Salesforce's (``01g...-2000``: cursor Id, then the offset of the
next page); the oldest are dropped when too many are open.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from sfclean.localorg.types import SfFault
from sfclean.localorg.wire import Ctx, Route, json_response

__all__ = ["ROUTES", "QueryCursors", "run_query"]

DEFAULT_BATCH = 2000
_OPTIONS = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


@dataclass
class _Open:
    cursor: Any
    batch_size: int
    position: int


class QueryCursors:
    """Open query cursors by locator key; thread-safe; keeps at most ``capacity``."""

    def __init__(self, capacity: int = 100) -> None:
        self._open: OrderedDict[str, _Open] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def put(self, key: str, cursor: Any, batch_size: int, position: int) -> None:
        with self._lock:
            self._open[key] = _Open(cursor, batch_size, position)
            while len(self._open) > self._capacity:
                self._open.popitem(last=False)

    def take(self, key: str) -> _Open | None:
        with self._lock:
            return self._open.pop(key, None)


def batch_size(ctx: Ctx) -> int:
    match = _OPTIONS.search(ctx.request.headers.get("Sforce-Query-Options", ""))
    if not match:
        return DEFAULT_BATCH
    return max(200, min(DEFAULT_BATCH, int(match.group(1))))


def _page(
    ctx: Ctx, cursor: Any, size: int, position: int, endpoint: str, key: str | None
) -> dict[str, Any]:
    records = cursor.fetch(size)
    position += len(records)
    done = bool(cursor.done) or position >= cursor.total_size
    page: dict[str, Any] = {"totalSize": cursor.total_size, "done": done}
    if not done:
        key = key or ctx.org.engine.ids.new("01g")
        ctx.org.cursors.put(key, cursor, size, position)
        page["nextRecordsUrl"] = f"/services/data/v{ctx.api_version}/{endpoint}/{key}-{position}"
    page["records"] = records
    return page


def run_query(ctx: Ctx, soql: str, *, include_deleted: bool) -> dict[str, Any]:
    """The first page of ``soql`` as a REST query result (also used by composite)."""
    engine = ctx.org.engine
    cursor = engine.query(
        soql, user_id=ctx.user_id, api_version=ctx.api_version, include_deleted=include_deleted
    )
    endpoint = "queryAll" if include_deleted else "query"
    return _page(ctx, cursor, batch_size(ctx), 0, endpoint, None)


def _first(ctx: Ctx, include_deleted: bool) -> Response:
    soql = ctx.request.args.get("q")
    if not soql:
        raise SfFault("MALFORMED_QUERY", "A query string has to be specified")
    if ctx.request.args.get("columns", "").lower() == "true":
        return json_response(_columns(ctx, soql, include_deleted))
    return json_response(run_query(ctx, soql, include_deleted=include_deleted))


def _columns(ctx: Ctx, soql: str, include_deleted: bool) -> dict[str, Any]:
    """``columns=true``: the query's column metadata (what ``sf data query`` asks for)."""
    from sfclean.localorg.soql import parse
    from sfclean.localorg.soql.columns import column_metadata
    from sfclean.localorg.soql.compiler import compile_query

    compiled = compile_query(
        parse(soql), now=ctx.org.engine.clock(), include_deleted=include_deleted
    )
    return column_metadata(compiled)


def _more(ctx: Ctx, locator: str, endpoint: str) -> Response:
    key, _, offset = locator.partition("-")
    entry = ctx.org.cursors.take(key)
    if entry is None or not offset.isdigit() or int(offset) != entry.position:
        raise SfFault("INVALID_QUERY_LOCATOR", "invalid query locator")
    return json_response(_page(ctx, entry.cursor, entry.batch_size, entry.position, endpoint, key))


def query(ctx: Ctx) -> Response:
    return _first(ctx, False)


def query_all(ctx: Ctx) -> Response:
    return _first(ctx, True)


def query_more(ctx: Ctx, locator: str) -> Response:
    return _more(ctx, locator, "query")


def query_all_more(ctx: Ctx, locator: str) -> Response:
    return _more(ctx, locator, "queryAll")


_V = "/services/data/v<ver>"

ROUTES = [
    Route(f"{_V}/query", ("GET",), query),
    Route(f"{_V}/query/<locator>", ("GET",), query_more),
    Route(f"{_V}/queryAll", ("GET",), query_all),
    Route(f"{_V}/queryAll/<locator>", ("GET",), query_all_more),
]
