"""REST API routes under ``/services/data``: versions, resources, sObject CRUD, describe,
limits, record counts and the UI API duplicate-rule listing.

Single-record saves answer as Salesforce does: create 201 ``{"id","success","errors"}``,
update/delete 204, failures 400 (404 for a missing record) with
``[{"message","errorCode","fields"}]``; duplicates carry ``duplicateResut``. The
``Sforce-Duplicate-Rule-Header`` is parsed and passed to the engine.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

from sfclean.localorg.types import DuplicateHeader, SfError, SfFault
from sfclean.localorg.validate import sf_datetime
from sfclean.localorg.wire import Ctx, Route, json_response, rest_errors

__all__ = ["RESOURCES", "ROUTES", "duplicate_header", "version_label"]

_NOT_FOUND_CODES = frozenset({"NOT_FOUND", "ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"})
_SEASONS = ("Spring", "Summer", "Winter")


def version_label(version: int) -> str:
    """Release name of an API version: 60 -> "Spring '24", 62 -> "Winter '25"."""
    k = version - 60
    season = _SEASONS[k % 3]
    year = 24 + k // 3 + (1 if season == "Winter" else 0)
    return f"{season} '{year:02d}"


def duplicate_header(ctx: Ctx) -> DuplicateHeader | None:
    return DuplicateHeader.parse(ctx.request.headers.get("Sforce-Duplicate-Rule-Header"))


def _api(ctx: Ctx) -> str:
    """How the engine sees a single-record save: "composite" inside a composite request."""
    return "composite" if ctx.internal else "rest"


def record_body(ctx: Ctx) -> dict[str, Any]:
    body = ctx.json_body()
    if not isinstance(body, dict):
        raise SfFault("JSON_PARSER_ERROR", "Expected a JSON object for an sObject")
    return {k: v for k, v in body.items() if k != "attributes"}


def _error_status(errors: list[SfError]) -> int:
    return 404 if errors and errors[0].status_code in _NOT_FOUND_CODES else 400


# --- handlers ---------------------------------------------------------------------------------


def versions(ctx: Ctx) -> Response:
    """GET /services/data: every API version up to the org's."""
    top = int(float(ctx.org.api_version))
    return json_response(
        [
            {"label": version_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
            for v in range(31, top + 1)
        ]
    )


#: what ``GET /services/data/vXX.X/`` lists on a real org (many are not served here: they
#: answer 404 NOT_FOUND, see docs/localorg.md)
RESOURCES = (
    "tooling", "metadata", "eclair", "folders", "prechatForms", "contact-tracing", "jsonxform",
    "chatter", "tabs", "appMenu", "quickActions", "queryAll", "commerce", "wave", "iot",
    "analytics", "search", "smartdatadiscovery", "identity", "composite", "parameterizedSearch",
    "fingerprint", "theme", "nouns", "domino", "event", "serviceTemplates", "recent", "connect",
    "licensing", "limits", "process", "async-queries", "query", "emailConnect",
    "compactLayouts", "knowledgeManagement", "sobjects", "actions", "support", "ui-api", "jobs",
)  # fmt: skip


def resources(ctx: Ctx) -> Response:
    base = f"/services/data/v{ctx.api_version}"
    body = {n: f"{base}/{n}" for n in RESOURCES}
    body["identity"] = f"{ctx.org.instance_url}/id/{ctx.org.org_id}/{ctx.user_id}"
    return json_response(body)


def describe_global(ctx: Ctx) -> Response:
    return json_response(ctx.org.engine.describe_global(api_version=ctx.api_version))


def sobject_root(ctx: Ctx, obj: str) -> Response:
    """GET basic info about an object; POST creates one record."""
    engine = ctx.org.engine
    if ctx.request.method == "POST":
        return create(ctx, obj)
    describe = engine.describe(obj, api_version=ctx.api_version)
    basic = {k: v for k, v in describe.items() if k not in ("fields", "childRelationships")}
    return json_response({"objectDescribe": basic, "recentItems": []})


def create(ctx: Ctx, obj: str) -> Response:
    record = record_body(ctx)
    [result] = ctx.org.engine.create(
        obj, [record], user_id=ctx.user_id, duplicate_header=duplicate_header(ctx), api=_api(ctx)
    )
    if not result.success:
        return rest_errors(result.errors, _error_status(result.errors))
    return json_response(
        {"id": result.id, "success": True, "errors": []},
        201,
        headers={"Location": f"/services/data/v{ctx.api_version}/sobjects/{obj}/{result.id}"},
    )


def describe(ctx: Ctx, obj: str) -> Response:
    return json_response(ctx.org.engine.describe(obj, api_version=ctx.api_version))


def record(ctx: Ctx, obj: str, record_id: str) -> Response:
    """GET (``?fields=``), PATCH (update, 204) or DELETE (204) one record."""
    engine = ctx.org.engine
    method = ctx.request.method
    if method == "GET":
        raw = ctx.request.args.get("fields")
        fields = [f.strip() for f in raw.split(",") if f.strip()] if raw else None
        return json_response(engine.retrieve(obj, record_id, fields, api_version=ctx.api_version))
    if method == "PATCH":
        body = record_body(ctx)
        body["Id"] = record_id
        [result] = engine.update(
            obj, [body], user_id=ctx.user_id, duplicate_header=duplicate_header(ctx), api=_api(ctx)
        )
    else:
        [result] = engine.delete(obj, [record_id], user_id=ctx.user_id)
    if not result.success:
        return rest_errors(result.errors, _error_status(result.errors))
    return Response(status=204)


def _when(ctx: Ctx, name: str) -> datetime:
    raw = ctx.request.args.get(name, "").strip()
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise SfFault(
            "MALFORMED_QUERY", f"{name}: expected a dateTime such as 2024-01-31T09:30:00+00:00"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def updated(ctx: Ctx, obj: str) -> Response:
    """GET ``sobjects/{obj}/updated/?start=&end=`` (getUpdated): Ids of records changed in the
    window (by ``SystemModstamp``), ``latestDateCovered`` the end rounded down to the minute."""
    sobject = ctx.org.engine.object(obj)
    start, end = _when(ctx, "start"), _when(ctx, "end")
    if end <= start:
        raise SfFault(
            "INVALID_REPLICATION_DATE", "start date must chronologically precede end date"
        )
    end = end.replace(second=0, microsecond=0)
    rows = ctx.org.engine.store.select(
        sobject.name,
        ["Id"],
        where='"SystemModstamp" >= ? AND "SystemModstamp" < ?',
        params=[sf_datetime(start), sf_datetime(end)],
    )
    return json_response(
        {"ids": sorted(r["Id"] for r in rows), "latestDateCovered": sf_datetime(end)}
    )


def limits(ctx: Ctx) -> Response:
    org = ctx.org
    used = ctx.api_usage if ctx.api_usage is not None else org.api_calls
    api_max = org.api_limit
    batches = org.bulk.batches_today

    def entry(maximum: int, remaining: int) -> dict[str, int]:
        return {"Max": maximum, "Remaining": max(remaining, 0)}

    return json_response(
        {
            "ConcurrentAsyncGetReportInstances": entry(200, 200),
            "DailyApiRequests": entry(api_max, api_max - used),
            "DailyAsyncApexExecutions": entry(250000, 250000),
            "DailyBulkApiBatches": entry(15000, 15000 - batches),
            "DailyBulkV2QueryFileStorageMB": entry(976562, 976562),
            "DailyBulkV2QueryJobs": entry(10000, 10000 - org.bulk.query_jobs_today),
            "DataStorageMB": entry(5, 5),
            "FileStorageMB": entry(20, 20),
            "HourlyODataCallout": entry(10000, 10000),
            "SingleEmail": entry(15, 15),
        }
    )


def record_count(ctx: Ctx) -> Response:
    raw = ctx.request.args.get("sObjects")
    names = [n.strip() for n in raw.split(",") if n.strip()] if raw else None
    return json_response(ctx.org.engine.record_counts(names))


def ui_duplicates(ctx: Ctx, obj: str) -> Response:
    return json_response(ctx.org.engine.duplicate_rules_ui(obj))


_V = "/services/data/v<ver>"

ROUTES = [
    Route("/services/data", ("GET",), versions, "public"),
    Route(_V, ("GET",), resources),
    Route(f"{_V}/sobjects", ("GET",), describe_global),
    Route(f"{_V}/sobjects/<obj>", ("GET", "POST"), sobject_root),
    Route(f"{_V}/sobjects/<obj>/describe", ("GET",), describe),
    Route(f"{_V}/sobjects/<obj>/updated", ("GET",), updated),
    Route(f"{_V}/sobjects/<obj>/<record_id>", ("GET", "PATCH", "DELETE"), record),
    Route(f"{_V}/limits", ("GET",), limits),
    Route(f"{_V}/limits/recordCount", ("GET",), record_count),
    Route(f"{_V}/ui-api/duplicates/<obj>", ("GET",), ui_duplicates),
]
