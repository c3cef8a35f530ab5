"""Composite routes: sObject Collections (``composite/sobjects``, up to 200 records) and
Composite (``composite``, up to 25 subrequests, one API call).

``allOrNone``: when any record (or subrequest) fails, nothing is saved. Collections then
report every other record as ``ALL_OR_NONE_OPERATION_ROLLED_BACK``; Composite reports the
other subrequests as ``PROCESSING_HALTED``. Rollback uses one store transaction around the whole
request, under the store's lock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.wrappers import Response

from sfclean.localorg.rest import duplicate_header
from sfclean.localorg.types import ROLLED_BACK, SaveResult, SfError, SfFault
from sfclean.localorg.wire import Ctx, Route, json_response, save_result_item

__all__ = ["ROUTES", "atomic"]

MAX_RECORDS = 200
MAX_SUBREQUESTS = 25
_HALTED = "The transaction was rolled back since another operation in the same transaction failed."
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)\.([^}]+)\}")


class _Rollback:
    """Set ``.wanted = True`` inside :func:`atomic` to undo everything done in the block."""

    wanted = False


class _RollbackRequested(Exception):
    pass


@contextmanager
def atomic(ctx: Ctx) -> Iterator[_Rollback]:
    """Run a block in one store transaction (under the store lock); roll it back when the
    block sets ``wanted`` or raises. Engine calls inside join this transaction."""
    state = _Rollback()
    try:
        with ctx.org.engine.store.transaction():
            yield state
            if state.wanted:
                raise _RollbackRequested()
    except _RollbackRequested:
        pass


# --- sObject Collections ----------------------------------------------------------------------


def _type_of(record: Any) -> str:
    attributes = record.get("attributes") if isinstance(record, dict) else None
    name = attributes.get("type") if isinstance(attributes, dict) else None
    if not name:
        raise SfFault("INVALID_TYPE", "No SObject Type defined in the record")
    return str(name)


def _save_runs(ctx: Ctx, records: list[dict[str, Any]], operation: str) -> list[SaveResult]:
    """Save records in runs of the same type, keeping request order."""
    engine = ctx.org.engine
    header = duplicate_header(ctx)
    results: list[SaveResult] = []
    start = 0
    while start < len(records):
        name = _type_of(records[start])
        end = start
        while end < len(records) and _type_of(records[end]) == name:
            end += 1
        run = [{k: v for k, v in r.items() if k != "attributes"} for r in records[start:end]]
        save = engine.create if operation == "create" else engine.update
        results.extend(
            save(name, run, user_id=ctx.user_id, duplicate_header=header, api="collections")
        )
        start = end
    return results


def _all_or_none(results: list[SaveResult]) -> list[SaveResult]:
    return [r if not r.success else SaveResult(None, False, False, [ROLLED_BACK]) for r in results]


def collections(ctx: Ctx) -> Response:
    """POST (create), PATCH (update) or DELETE (``?ids=``) up to 200 records."""
    if ctx.request.method == "DELETE":
        ids = [i for i in ctx.request.args.get("ids", "").split(",") if i]
        all_or_none = ctx.request.args.get("allOrNone", "false").lower() == "true"
        payload: list[Any] = ids
    else:
        body = ctx.json_body()
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise SfFault("JSON_PARSER_ERROR", 'Expected {"records": [...]} in the request body')
        payload = body["records"]
        all_or_none = bool(body.get("allOrNone", False))
    if len(payload) > MAX_RECORDS:
        raise SfFault(
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call",
        )
    with atomic(ctx) as tx:
        if ctx.request.method == "DELETE":
            results = _delete(ctx, payload)
        else:
            operation = "create" if ctx.request.method == "POST" else "update"
            results = _save_runs(ctx, payload, operation)
        if all_or_none and not all(r.success for r in results):
            tx.wanted = True
            results = _all_or_none(results)
    return json_response([save_result_item(r) for r in results])


def _delete(ctx: Ctx, ids: list[str]) -> list[SaveResult]:
    from sfclean.localorg.schema import object_for_id

    results: list[SaveResult] = []
    for record_id in ids:
        sobject = object_for_id(record_id)
        if sobject is None:
            results.append(
                SaveResult(
                    None, False, False, [SfError("MALFORMED_ID", f"malformed id {record_id}")]
                )
            )
            continue
        results.extend(ctx.org.engine.delete(sobject.name, [record_id], user_id=ctx.user_id))
    return results


# --- Composite --------------------------------------------------------------------------------


def _lookup(value: Any, path: str) -> Any:
    """Follow ``records[0].Id``-style paths into a previous subrequest's response body."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        value = value[int(part[1:-1])] if part.startswith("[") else value[part]
    return value


def _resolve(value: Any, bodies: dict[str, Any]) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            ref, path = match.group(1), match.group(2)
            if ref not in bodies:
                raise KeyError(ref)
            found = _lookup(bodies[ref], path)
            return str(found)

        return _REFERENCE.sub(replace, value)
    if isinstance(value, list):
        return [_resolve(v, bodies) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, bodies) for k, v in value.items()}
    return value


def _halted(reference_id: str, message: str = _HALTED) -> dict[str, Any]:
    return {
        "body": [{"errorCode": "PROCESSING_HALTED", "message": message}],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": reference_id,
    }


def composite(ctx: Ctx) -> Response:
    body = ctx.json_body()
    subrequests = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(subrequests, list) or not subrequests:
        raise SfFault("JSON_PARSER_ERROR", "compositeRequest is required")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise SfFault(
            "LIMIT_EXCEEDED",
            f"Max number of subrequests per composite request is {MAX_SUBREQUESTS}",
        )
    all_or_none = bool(body.get("allOrNone", False))
    responses: list[dict[str, Any]] = []
    bodies: dict[str, Any] = {}
    failed = False
    with atomic(ctx) as tx:
        for sub in subrequests:
            reference_id = str(sub.get("referenceId", ""))
            if failed and all_or_none:
                responses.append(_halted(reference_id))
                continue
            try:
                url = _resolve(sub.get("url", ""), bodies)
                sub_body = _resolve(sub.get("body"), bodies)
            except (KeyError, IndexError, TypeError) as exc:
                failed = True
                message = f"Invalid reference specified. No value for {exc} found."
                responses.append(_halted(reference_id, message))
                continue
            response = ctx.org.app.dispatch_internal(
                ctx, sub.get("method", "GET"), url, sub_body, sub.get("httpHeaders")
            )
            data = response.get_data()
            parsed = json.loads(data) if data else None
            headers = (
                {"Location": response.headers["Location"]} if "Location" in response.headers else {}
            )
            responses.append(
                {
                    "body": parsed,
                    "httpHeaders": headers,
                    "httpStatusCode": response.status_code,
                    "referenceId": reference_id,
                }
            )
            if response.status_code >= 400:
                failed = True
            else:
                bodies[reference_id] = parsed
        if failed and all_or_none:
            tx.wanted = True
            responses = [
                r if r["httpStatusCode"] >= 400 else _halted(r["referenceId"]) for r in responses
            ]
    return json_response({"compositeResponse": responses})


_V = "/services/data/v<ver>"

ROUTES = [
    Route(f"{_V}/composite/sobjects", ("POST", "PATCH", "DELETE"), collections),
    Route(f"{_V}/composite", ("POST",), composite),
]
