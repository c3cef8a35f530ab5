"""The Tooling API query resource for Apex: ``GET /services/data/vXX.X/tooling/query?q=SOQL``
(and its ``nextRecordsUrl`` pages), over the same store as the data API.

What differs from the data API's ``query`` (Tooling API Developer Guide, ApexClass and
ApexTrigger; audit-scan-facts.md section 3.12):

- Tooling adds ``ManageableState`` (beta, deleted, deprecated, deprecatedEditable, installed,
  installedEditable, released, unmanaged) to ApexClass and ApexTrigger. The data API does not
  have it: a data-API query naming it fails with ``INVALID_FIELD`` (:func:`refuse_tooling_fields`,
  called by the engine), as it would on a real org. (``describe`` on the data API still lists
  it here: a simplification.)
- localorg's Tooling API serves ApexClass and ApexTrigger only; other objects give
  ``INVALID_TYPE`` (a real Tooling API has many more objects).
- Managed-package bodies read ``(hidden)`` on both APIs (the seed stores them so; see
  :mod:`sfclean.localorg.seedaudit`).

Records carry Tooling URLs (``/services/data/vXX.X/tooling/sobjects/ApexClass/01p...``).
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Response

from sfclean.localorg.rest_query import _page, batch_size
from sfclean.localorg.soql import ast, parse
from sfclean.localorg.soql.errors import fault_at
from sfclean.localorg.types import SfFault
from sfclean.localorg.wire import Ctx, Route, json_response

__all__ = ["ROUTES", "TOOLING_OBJECTS", "TOOLING_ONLY_FIELDS", "refuse_tooling_fields"]

TOOLING_OBJECTS = ("ApexClass", "ApexTrigger")
#: object -> fields only the Tooling API serves
TOOLING_ONLY_FIELDS = {"apexclass": ("ManageableState",), "apextrigger": ("ManageableState",)}
_MENTION = re.compile(r"manageablestate", re.IGNORECASE)


def _paths(node: Any) -> list[Any]:
    """Every field path in a parsed query (SELECT, WHERE, ORDER BY, ...), found generically so
    new clauses are covered without changes here."""
    found: list[Any] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Path):
            found.append(item)
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(getattr(item, name) for name in item.__dataclass_fields__)
    return found


def refuse_tooling_fields(soql: str) -> None:
    """SfFault INVALID_FIELD when a data-API query names a Tooling-only field of its object.

    Cheap for every other query: only text that mentions such a field is parsed."""
    if not _MENTION.search(soql):
        return
    query = parse(soql)
    hidden = TOOLING_ONLY_FIELDS.get(query.object_name.lower(), ())
    for path in _paths(query):
        parts = path.parts[1:] if path.parts[0].lower() == query.object_name.lower() else path.parts
        if len(parts) == 1 and parts[0].lower() in (h.lower() for h in hidden):
            raise fault_at(
                "INVALID_FIELD",
                soql,
                path.line,
                path.column,
                f"No such column '{parts[0]}' on entity '{query.object_name}'. If you are "
                "attempting to use a custom field, be sure to append the '__c' after the custom "
                "field name. Please reference your WSDL or the describe call for the "
                "appropriate names.",
            )


def _tooling_urls(page: dict[str, Any], api_version: str) -> dict[str, Any]:
    data = f"/services/data/v{api_version}/sobjects/"
    tooling = f"/services/data/v{api_version}/tooling/sobjects/"
    for record in page.get("records", []):
        attributes = record.get("attributes") or {}
        url = attributes.get("url")
        if isinstance(url, str) and url.startswith(data):
            attributes["url"] = tooling + url[len(data) :]
    return page


def query(ctx: Ctx) -> Response:
    """``GET tooling/query?q=``: ApexClass / ApexTrigger only (module docstring)."""
    soql = ctx.request.args.get("q")
    if not soql:
        raise SfFault("MALFORMED_QUERY", "A query string has to be specified")
    parsed = parse(soql)
    if parsed.object_name.lower() not in (o.lower() for o in TOOLING_OBJECTS):
        raise fault_at(
            "INVALID_TYPE",
            soql,
            parsed.object_line,
            parsed.object_column,
            f"sObject type '{parsed.object_name}' is not supported by localorg's Tooling API "
            f"(it serves {', '.join(TOOLING_OBJECTS)}).",
        )
    cursor = ctx.org.engine.query(
        soql, user_id=ctx.user_id, api_version=ctx.api_version, tooling=True
    )
    page = _page(ctx, cursor, batch_size(ctx), 0, "tooling/query", None)
    return json_response(_tooling_urls(page, ctx.api_version))


def query_more(ctx: Ctx, locator: str) -> Response:
    key, _, offset = locator.partition("-")
    entry = ctx.org.cursors.take(key)
    if entry is None or not offset.isdigit() or int(offset) != entry.position:
        raise SfFault("INVALID_QUERY_LOCATOR", "invalid query locator")
    page = _page(ctx, entry.cursor, entry.batch_size, entry.position, "tooling/query", key)
    return json_response(_tooling_urls(page, ctx.api_version))


_V = "/services/data/v<ver>"

ROUTES = [
    Route(f"{_V}/tooling/query", ("GET",), query),
    Route(f"{_V}/tooling/query/<locator>", ("GET",), query_more),
]
