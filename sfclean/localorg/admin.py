"""Admin endpoints under ``/_localorg/`` (not Salesforce's): read the request log, the API
counter and configure faults from outside the process, e.g. when the org runs under
``sfclean localorg serve``. They need ``Authorization: Bearer <admin token>`` and are neither
logged nor counted.

    GET    /_localorg/requests       the request log as JSON (credentials redacted)
    DELETE /_localorg/requests       clear it
    GET    /_localorg/status         {"apiCalls", "apiLimit", "instanceUrl", "orgId"}
    POST   /_localorg/faults         {"fault": "fail"|"rate_limit"|"delay"|"drop"|
                                      "expire_sessions_after"|"fail_next_batch"|
                                      "set_api_limit"|"slow_bulk", ...keyword arguments}
    DELETE /_localorg/faults         clear every fault
    POST   /_localorg/sessions/expire  expire every session
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from sfclean.localorg.types import SfFault
from sfclean.localorg.wire import Ctx, Route, json_response

__all__ = ["ROUTES"]

_FAULTS = frozenset(
    {
        "fail",
        "rate_limit",
        "delay",
        "drop",
        "expire_sessions_after",
        "fail_next_batch",
        "set_api_limit",
        "slow_bulk",
    }
)


def requests_log(ctx: Ctx) -> Response:
    if ctx.request.method == "DELETE":
        ctx.org.clear_requests()
        return Response(status=204)
    return json_response([r.to_dict() for r in ctx.org.requests])


def status(ctx: Ctx) -> Response:
    org = ctx.org
    return json_response(
        {
            "apiCalls": org.api_calls,
            "apiLimit": org.api_limit,
            "instanceUrl": org.instance_url,
            "orgId": org.org_id,
        }
    )


def faults(ctx: Ctx) -> Response:
    if ctx.request.method == "DELETE":
        ctx.org.faults.clear()
        return Response(status=204)
    body = ctx.json_body()
    if not isinstance(body, dict) or body.get("fault") not in _FAULTS:
        raise SfFault("INVALID_FAULT", f"fault must be one of {sorted(_FAULTS)}")
    kwargs = {k: v for k, v in body.items() if k != "fault"}
    try:
        getattr(ctx.org.faults, body["fault"])(**kwargs)
    except TypeError as exc:
        raise SfFault("INVALID_FAULT", str(exc)) from None
    return Response(status=204)


def expire(ctx: Ctx) -> Response:
    ctx.org.expire_sessions()
    return Response(status=204)


ROUTES = [
    Route("/_localorg/requests", ("GET", "DELETE"), requests_log, "admin"),
    Route("/_localorg/status", ("GET",), status, "admin"),
    Route("/_localorg/faults", ("POST", "DELETE"), faults, "admin"),
    Route("/_localorg/sessions/expire", ("POST",), expire, "admin"),
]
