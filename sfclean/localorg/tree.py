"""sObject Tree (``POST composite/tree/{type}``): create records with their child records in
one all-or-none request (what ``sf data import tree`` sends).

Each record carries ``attributes`` ``{"type", "referenceId"}``; a key naming a child
relationship (``Contacts``) holds ``{"records": [...]}`` created with their lookup set to the
new parent. At most 200 records in all. Success: 201 ``{"hasErrors": false, "results":
[{"referenceId", "id"}]}``; any failure saves nothing and answers 400 ``{"hasErrors": true,
"results": [{"referenceId", "errors": [{"statusCode", "message", "fields"}]}]}``. Duplicate
rules apply as to any REST save.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from sfclean.localorg.composite import atomic
from sfclean.localorg.rest import duplicate_header
from sfclean.localorg.schema import SObjectType, child_relationship
from sfclean.localorg.types import SfFault
from sfclean.localorg.wire import Ctx, Route, json_response, save_error_item

__all__ = ["MAX_TREE_RECORDS", "ROUTES"]

MAX_TREE_RECORDS = 200


def _count(records: list[Any]) -> int:
    total = 0
    for record in records:
        if not isinstance(record, dict):
            raise SfFault("JSON_PARSER_ERROR", "Each record must be a JSON object")
        total += 1
        for value in record.values():
            if isinstance(value, dict) and isinstance(value.get("records"), list):
                total += _count(value["records"])
    return total


class _Tree:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.header = duplicate_header(ctx)
        self.results: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []

    def save(self, obj: SObjectType, record: dict[str, Any], link: dict[str, str]) -> None:
        attributes = record.get("attributes") or {}
        reference_id = str(attributes.get("referenceId") or "")
        values: dict[str, Any] = dict(link)
        children = []
        for key, value in record.items():
            if key == "attributes":
                continue
            rel = child_relationship(obj, key) if isinstance(value, dict) else None
            if rel is not None and isinstance(value.get("records"), list):
                children.append((rel, value["records"]))
            else:
                values[key] = value
        engine = self.ctx.org.engine
        [result] = engine.create(
            obj.name, [values], user_id=self.ctx.user_id, duplicate_header=self.header, api="rest"
        )
        if not result.success:
            errors = [save_error_item(e) for e in result.errors]
            self.errors.append({"referenceId": reference_id, "errors": errors})
            return
        assert result.id is not None
        self.results.append({"referenceId": reference_id, "id": result.id})
        for rel, child_records in children:
            for child in child_records:
                self.save(rel.child, child, {rel.field.name: result.id})


def tree(ctx: Ctx, obj: str) -> Response:
    sobject = ctx.org.engine.object(obj)
    body = ctx.json_body()
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list) or not records:
        raise SfFault("JSON_PARSER_ERROR", 'Expected {"records": [...]} in the request body')
    if _count(records) > MAX_TREE_RECORDS:
        raise SfFault(
            "LIMIT_EXCEEDED", f"Cannot create more than {MAX_TREE_RECORDS} records in one request"
        )
    run = _Tree(ctx)
    with atomic(ctx) as tx:
        for record in records:
            run.save(sobject, record, {})
        if run.errors:
            tx.wanted = True
    if run.errors:
        return json_response({"hasErrors": True, "results": run.errors}, 400)
    return json_response({"hasErrors": False, "results": run.results}, 201)


ROUTES = [Route("/services/data/v<ver>/composite/tree/<obj>", ("POST",), tree)]
