"""Records by external id: upsert and lookup (``sobjects/{type}/{field}/{value}``), upsert of
up to 200 records (``composite/sobjects/{type}/{field}``) and retrieving several records by
Id (``composite/sobjects/{type}``).

Standard objects have no ``externalId`` fields; as the SOAP upsert documents, a standard
object's ``idLookup`` fields serve instead (``Id``, ``Email``, ``Username``, a required
``Name``). Matching compares case-insensitively, like SOQL. Answers follow the REST API
guide (``dome_upsert``, ``resources_sobject_upsert_patch``):

- no match: the record is created, 201 ``{"id", "success", "errors", "created": true}``
  (with ``?updateOnly=true`` 404 instead);
- one match: it is updated, 200 ``{..., "created": false}`` from API 46.0, 204 before;
- several: 300 with the matching records' URLs, nothing saved;
- an unknown field: 404 ``NOT_FOUND`` "Provided external ID field does not exist or is not
  accessible: {field}" (as recorded in restforce's fixtures); a field that exists but is
  not an idLookup field: 400 ``INVALID_FIELD`` (wording UNCONFIRMED).

Saves go through the engine, so duplicate rules and ``Sforce-Duplicate-Rule-Header`` apply to
upsert inserts and updates as to any other save.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from sfclean.localorg.composite import MAX_RECORDS, atomic
from sfclean.localorg.rest import duplicate_header, record_body
from sfclean.localorg.schema import Field, SObjectType
from sfclean.localorg.types import ROLLED_BACK, SaveResult, SfError, SfFault
from sfclean.localorg.wire import Ctx, Route, json_response, rest_errors, save_error_item

__all__ = ["ROUTES", "external_id_field", "find_by_external_id"]

_NOT_FOUND = "The requested resource does not exist"


def external_id_field(obj: SObjectType, name: str) -> Field:
    """The field ``name`` of ``obj`` usable as an external id, or the documented fault."""
    f = obj.field(name)
    if f is None:
        raise SfFault(
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {name}",
            http_status=404,
        )
    if not f.id_lookup:
        raise SfFault(
            "INVALID_FIELD",
            f"Field name provided, {f.name} is not an External ID or indexed field for {obj.name}",
        )
    return f


def find_by_external_id(ctx: Ctx, obj: SObjectType, f: Field, value: str) -> list[str]:
    """Ids of the (not deleted) records whose ``f`` equals ``value`` (case-insensitively)."""
    if f.name == "Id":
        from sfclean.localorg.ids import is_valid_id, to_18

        if not is_valid_id(value):
            return []
        value = to_18(value)
    rows = ctx.org.engine.store.select(obj.name, ["Id"], where=f'"{f.name}" = ?', params=[value])
    return sorted(r["Id"] for r in rows)


def _urls(ctx: Ctx, obj: SObjectType, ids: list[str]) -> list[str]:
    return [f"/services/data/v{ctx.api_version}/sobjects/{obj.name}/{i}" for i in ids]


def _api(ctx: Ctx) -> str:
    return "composite" if ctx.internal else "rest"


def _upsert_result(result: SaveResult) -> dict[str, Any]:
    return {"id": result.id, "success": True, "errors": [], "created": result.created}


def by_external_id(ctx: Ctx, obj: str, field: str, value: str) -> Response:
    """GET (lookup) or PATCH (upsert) ``sobjects/{obj}/{field}/{value}``."""
    engine = ctx.org.engine
    sobject = engine.object(obj)
    f = external_id_field(sobject, field)
    ids = find_by_external_id(ctx, sobject, f, value)
    if len(ids) > 1:
        return json_response(_urls(ctx, sobject, ids), 300)
    if ctx.request.method == "GET":
        if not ids:
            raise SfFault("NOT_FOUND", _NOT_FOUND, http_status=404)
        raw = ctx.request.args.get("fields")
        fields = [x.strip() for x in raw.split(",") if x.strip()] if raw else None
        return json_response(
            engine.retrieve(sobject.name, ids[0], fields, api_version=ctx.api_version)
        )
    body = record_body(ctx)
    save: dict[str, Any] = {
        "user_id": ctx.user_id,
        "duplicate_header": duplicate_header(ctx),
        "api": _api(ctx),
    }
    if ids:
        [result] = engine.update(sobject.name, [{**body, "Id": ids[0]}], **save)
    elif ctx.request.args.get("updateOnly", "").lower() == "true" or f.name == "Id":
        raise SfFault("NOT_FOUND", _NOT_FOUND, http_status=404)
    else:
        [result] = engine.create(sobject.name, [{**body, f.name: value}], **save)
    if not result.success:
        return rest_errors(result.errors, 400)
    if not result.created and float(ctx.api_version) < 46.0:
        return Response(status=204)
    return json_response(_upsert_result(result), 201 if result.created else 200)


def _collection_upsert_one(
    ctx: Ctx, sobject: SObjectType, f: Field, record: dict[str, Any]
) -> SaveResult:
    values = {k: v for k, v in record.items() if k != "attributes"}
    key = next((v for k, v in values.items() if k.lower() == f.name.lower()), None)
    if key is None or str(key).strip() == "":
        error = SfError("MISSING_ARGUMENT", f"{f.name} not specified", [f.name])
        return SaveResult(None, False, False, [error])
    ids = find_by_external_id(ctx, sobject, f, str(key))
    save: dict[str, Any] = {
        "user_id": ctx.user_id,
        "duplicate_header": duplicate_header(ctx),
        "api": "collections",
    }
    if len(ids) > 1:
        message = f"{f.name}: more than one record found for external id field: {ids}"
        return SaveResult(None, False, False, [SfError("DUPLICATE_EXTERNAL_ID", message, [])])
    engine = ctx.org.engine
    if ids:
        values = {k: v for k, v in values.items() if k.lower() not in ("id", f.name.lower())}
        return engine.update(sobject.name, [{**values, "Id": ids[0]}], **save)[0]
    if f.name == "Id":
        return SaveResult(None, False, False, [SfError("NOT_FOUND", _NOT_FOUND, [])])
    return engine.create(sobject.name, [values], **save)[0]


def collection_upsert(ctx: Ctx, obj: str, field: str) -> Response:
    """PATCH ``composite/sobjects/{obj}/{field}``: upsert up to 200 records."""
    sobject = ctx.org.engine.object(obj)
    f = external_id_field(sobject, field)
    body = ctx.json_body()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise SfFault("JSON_PARSER_ERROR", 'Expected {"records": [...]} in the request body')
    records = body["records"]
    if len(records) > MAX_RECORDS:
        raise SfFault(
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call",
        )
    all_or_none = bool(body.get("allOrNone", False))
    with atomic(ctx) as tx:
        results = [_collection_upsert_one(ctx, sobject, f, r) for r in records]
        if all_or_none and not all(r.success for r in results):
            tx.wanted = True
            results = [
                r if not r.success else SaveResult(None, False, False, [ROLLED_BACK])
                for r in results
            ]
    return json_response(
        [
            _upsert_result(r)
            if r.success
            else {"success": False, "errors": [save_error_item(e) for e in r.errors]}
            for r in results
        ]
    )


def collection_retrieve(ctx: Ctx, obj: str) -> Response:
    """GET (``?ids=&fields=``) or POST (``{"ids": [...], "fields": [...]}``)
    ``composite/sobjects/{obj}``: records in request order, null where none exists."""
    engine = ctx.org.engine
    sobject = engine.object(obj)
    if ctx.request.method == "POST":
        body = ctx.json_body()
        if not isinstance(body, dict):
            raise SfFault("JSON_PARSER_ERROR", 'Expected {"ids": [...], "fields": [...]}')
        ids, fields = body.get("ids") or [], body.get("fields") or []
    else:
        ids = [i for i in ctx.request.args.get("ids", "").split(",") if i]
        fields = [f for f in ctx.request.args.get("fields", "").split(",") if f]
    if not fields:
        raise SfFault("MISSING_ARGUMENT", "fields parameter is required")
    if len(ids) > 2000:
        raise SfFault("EXCEEDED_ID_LIMIT", "Cannot retrieve more than 2000 records")
    out: list[dict[str, Any] | None] = []
    for record_id in ids:
        try:
            out.append(
                engine.retrieve(
                    sobject.name, str(record_id), list(fields), api_version=ctx.api_version
                )
            )
        except SfFault as fault:
            if fault.status_code != "NOT_FOUND":
                raise
            out.append(None)
    return json_response(out)


_V = "/services/data/v<ver>"

ROUTES = [
    Route(f"{_V}/sobjects/<obj>/<field>/<value>", ("GET", "PATCH"), by_external_id),
    Route(f"{_V}/composite/sobjects/<obj>/<field>", ("PATCH",), collection_upsert),
    Route(f"{_V}/composite/sobjects/<obj>", ("GET", "POST"), collection_retrieve),
]
