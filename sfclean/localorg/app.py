"""The local org's WSGI application: one werkzeug routing Map over the handlers in
rest / rest_query / composite / bulk1 / bulk2 / oauth / admin.

Per request the app: logs it (credentials redacted), refuses a request URI plus headers over
16,384 bytes (414 / 431, as Salesforce documents), applies injected faults, checks the
session (bearer on REST, ``X-SFDC-Session`` on Bulk 1.0), counts it as one API call against
the daily limit, dispatches, turns failures into Salesforce's error shapes, and stamps
``Sforce-Limit-Info: api-usage=USED/MAX`` on every ``/services/data`` response.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from sfclean.localorg import (
    admin,
    bulk1,
    bulk2,
    composite,
    metadata_soap,
    oauth,
    rest,
    rest_query,
    tooling,
    tree,
    upsert,
)
from sfclean.localorg.auth import token_from_headers
from sfclean.localorg.faults import FaultAction
from sfclean.localorg.requestlog import LoggedRequest, redact_headers
from sfclean.localorg.types import SfFault
from sfclean.localorg.wire import BulkFault, Ctx, Route, bulk_error, json_response, rest_fault

if TYPE_CHECKING:
    from sfclean.localorg.server import LocalOrg

__all__ = ["App", "QuietHandler"]

logger = logging.getLogger("sfclean.localorg")

_ROUTES: list[Route] = [
    *oauth.ROUTES,
    *rest.ROUTES,
    *rest_query.ROUTES,
    *composite.ROUTES,
    *upsert.ROUTES,
    *tree.ROUTES,
    *bulk1.ROUTES,
    *bulk2.ROUTES,
    *admin.ROUTES,
    *tooling.ROUTES,
    *metadata_soap.ROUTES,
]
_URL_MAP = Map(
    [Rule(r.rule, endpoint=i, methods=list(r.methods)) for i, r in enumerate(_ROUTES)],
    strict_slashes=False,
)
_COUNTED = frozenset({"rest", "bulk1"})
_DUPLICATE_HEADER = "Sforce-Duplicate-Rule-Header"
MAX_URI_AND_HEADERS = 16_384  # bytes of request URI plus headers a real org accepts


class _Dropped(Exception):
    """Raised inside the app to close the connection without a response."""


class QuietHandler(WSGIRequestHandler):
    """No per-request lines on stderr: the org keeps its own request log."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class App:
    """The WSGI application serving one LocalOrg."""

    def __init__(self, org: LocalOrg) -> None:
        self.org = org

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data(cache=True)
        entry = LoggedRequest(
            method=request.method,
            path=request.path,
            query=request.query_string.decode("latin-1"),
            headers=redact_headers(list(request.headers.items())),
            body_size=len(body),
            time=time.time(),
        )
        try:
            response = self._handle(request, entry)
        except _Dropped:
            self.org._log.append(entry)
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            raise ConnectionResetError("connection dropped by an injected fault") from None
        entry.status = response.status_code
        if not request.path.startswith("/_localorg"):
            self.org._log.append(entry)
        return response(environ, start_response)

    # --- one request -----------------------------------------------------------------------

    def _handle(self, request: Request, entry: LoggedRequest) -> Response:
        org = self.org
        too_long = _over_size_limit(request)
        if too_long is not None:
            return too_long
        try:
            index, matched = _URL_MAP.bind_to_environ(request.environ).match()
            args = dict(matched)
        except NotFound:
            return self._stamp(request, _not_found(request))
        except MethodNotAllowed as exc:
            allowed = ",".join(sorted(exc.valid_methods or []))
            message = f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}"
            return self._stamp(
                request,
                json_response([{"errorCode": "METHOD_NOT_ALLOWED", "message": message}], 405),
            )
        route = _ROUTES[index]
        kind = route.kind
        as_json = kind == "bulk1" and request.mimetype == "application/json"

        latency, action = org.faults.for_request(request.method, request.path)
        if latency:
            time.sleep(latency)
        if action is not None:
            if action.kind == "drop":
                raise _Dropped()
            return self._stamp(request, _fault_response(action, kind, as_json))

        session = None
        if kind in ("rest", "bulk1", "userinfo"):
            session = org.sessions.check(token_from_headers(request.headers, bulk1=kind == "bulk1"))
            if session is None:
                return self._stamp(request, _invalid_session(kind, as_json))
        elif kind == "admin" and not org._is_admin(request):
            return json_response(
                [{"errorCode": "INVALID_SESSION_ID", "message": "Admin token required"}], 401
            )

        used = None
        if kind in _COUNTED:
            if org.faults.session_should_expire():
                org.expire_sessions()
                return self._stamp(request, _invalid_session(kind, as_json))
            used = org._take_call()
            if used is None:
                limit = FaultAction("rate_limit", 403, message="TotalRequests Limit exceeded.")
                return self._stamp(request, _fault_response(limit, kind, as_json))
            entry.api_call = True

        ctx = Ctx(
            org, request, session, api_version=args.pop("ver", org.api_version), api_usage=used
        )
        return self._stamp(request, self._run(route, ctx, args, as_json), used)

    def _run(self, route: Route, ctx: Ctx, args: dict[str, Any], as_json: bool) -> Response:
        try:
            return route.handler(ctx, **args)
        except SfFault as fault:
            if route.kind == "bulk1":
                return bulk_error(
                    fault.status_code, fault.message, fault.http_status, as_json=as_json
                )
            return rest_fault(fault)
        except BulkFault as fault:
            return bulk_error(fault.code, fault.message, fault.http_status, as_json=as_json)
        except Exception:
            logger.exception(
                "localorg: unexpected error answering %s %s", ctx.request.method, ctx.request.path
            )
            message = "An unexpected error occurred. Please include this ErrorId if you contact support: 0-localorg"
            if route.kind == "bulk1":
                return bulk_error("ClientInputError", message, 500, as_json=as_json)
            return json_response([{"errorCode": "UNKNOWN_EXCEPTION", "message": message}], 500)

    def _stamp(self, request: Request, response: Response, used: int | None = None) -> Response:
        """Add ``Sforce-Limit-Info``: the usage counted with this request (so that it matches
        a ``limits/`` body even while other requests are counted), else the current one."""
        if request.path.startswith("/services/data"):
            usage = self.org.api_calls if used is None else used
            response.headers["Sforce-Limit-Info"] = f"api-usage={usage}/{self.org.api_limit}"
        return response

    # --- composite subrequests -------------------------------------------------------------

    def dispatch_internal(
        self, parent: Ctx, method: str, url: str, body: Any, headers: dict[str, str] | None
    ) -> Response:
        """Run one REST subrequest in-process with the parent's session (not logged, not
        counted: a composite request is one API call). The composite request's
        ``Sforce-Duplicate-Rule-Header`` applies to subrequests that carry none."""
        parts = urlsplit(url)
        sub_headers = dict(headers or {})
        inherited = parent.request.headers.get(_DUPLICATE_HEADER)
        if inherited and not any(k.lower() == _DUPLICATE_HEADER.lower() for k in sub_headers):
            sub_headers[_DUPLICATE_HEADER] = inherited
        builder = EnvironBuilder(
            path=parts.path,
            query_string=parts.query,
            method=method.upper(),
            base_url=self.org.instance_url,
            headers=list(sub_headers.items()),
            json=body if body is not None else None,
        )
        request = Request(builder.get_environ())
        try:
            index, matched = _URL_MAP.bind_to_environ(request.environ).match()
            args = dict(matched)
        except NotFound:
            return _not_found(request)
        except MethodNotAllowed:
            return json_response(
                [
                    {
                        "errorCode": "METHOD_NOT_ALLOWED",
                        "message": f"HTTP Method '{method}' not allowed",
                    }
                ],
                405,
            )
        route = _ROUTES[index]
        if route.kind != "rest":
            return _not_found(request)
        ctx = Ctx(
            self.org,
            request,
            parent.session,
            args.pop("ver", parent.api_version),
            internal=True,
            api_usage=parent.api_usage,
        )
        return self._run(route, ctx, args, False)


def _over_size_limit(request: Request) -> Response | None:
    """414 when the request URI, 431 when URI plus headers, pass 16,384 bytes (Salesforce's
    documented cap, HELP/000386264); not counted as an API call. The body is a plain text
    line: the shape of a real org's answer is not documented."""
    uri = request.environ.get("RAW_URI") or request.full_path
    uri_bytes = len(str(uri).encode("latin-1", "replace"))
    header_bytes = sum(len(k) + len(v) + 4 for k, v in request.headers.items())
    if uri_bytes > MAX_URI_AND_HEADERS:
        return Response("URI Too Long", status=414, content_type="text/plain")
    if uri_bytes + header_bytes > MAX_URI_AND_HEADERS:
        return Response("Request Header Fields Too Large", status=431, content_type="text/plain")
    return None


def _not_found(request: Request) -> Response:
    if request.path.startswith("/services/async"):
        return bulk_error(
            "InvalidUrl",
            "unknown URL or method",
            404,
            as_json=request.mimetype == "application/json",
        )
    return json_response(
        [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], 404
    )


def _invalid_session(kind: str, as_json: bool) -> Response:
    if kind == "bulk1":
        return bulk_error("InvalidSessionId", "Invalid session id", 401, as_json=as_json)
    response = json_response(
        [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], 401
    )
    response.headers["WWW-Authenticate"] = "Token"
    return response


def _fault_response(action: FaultAction, kind: str, as_json: bool) -> Response:
    if action.kind == "rate_limit":
        if kind == "bulk1":
            response = bulk_error("ExceededQuota", action.message, action.status, as_json=as_json)
        else:
            response = json_response(
                [{"message": action.message, "errorCode": "REQUEST_LIMIT_EXCEEDED"}], action.status
            )
    elif kind == "bulk1":
        response = bulk_error(
            "ClientInputError",
            f"Service unavailable (HTTP {action.status})",
            action.status,
            as_json=as_json,
        )
    else:
        code = "SERVER_UNAVAILABLE" if action.status == 503 else "UNKNOWN_EXCEPTION"
        response = json_response(
            [{"message": f"Service unavailable (HTTP {action.status})", "errorCode": code}],
            action.status,
        )
    if action.retry_after is not None:
        response.headers["Retry-After"] = str(action.retry_after)
    return response
