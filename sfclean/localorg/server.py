"""The local org's HTTP side: a werkzeug WSGI app routing every request to the handlers in
rest / composite / bulk1 / bulk2 / oauth / admin, served over HTTPS on 127.0.0.1 by a
threaded werkzeug server running in a background thread, and :class:`LocalOrg`, the context
manager that owns it all.

    with LocalOrg(seed="tests/seed") as org:
        sf = Salesforce(instance_url=org.instance_url, session_id=org.access_token,
                        session=org.session())

Per request the app: logs it (credentials redacted), applies injected faults, checks the
session (bearer on REST, ``X-SFDC-Session`` on Bulk 1.0), counts it as one API call against
the daily limit, dispatches, turns failures into Salesforce's error shapes, and stamps
``Sforce-Limit-Info: api-usage=USED/MAX`` on every ``/services/data`` response.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import socket
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from sfclean.localorg import admin, bulk1, bulk2, composite, oauth, rest, rest_query
from sfclean.localorg.auth import Sessions, token_from_headers
from sfclean.localorg.bulkjobs import BulkJobs
from sfclean.localorg.faults import FaultAction, Faults
from sfclean.localorg.requestlog import LoggedRequest, RequestLog, redact_headers
from sfclean.localorg.tls import make_tls
from sfclean.localorg.types import SfFault
from sfclean.localorg.wire import BulkFault, Ctx, Route, bulk_error, json_response, rest_fault

if TYPE_CHECKING:
    import requests

    from sfclean.localorg.engine import Engine

__all__ = ["LocalOrg"]

logger = logging.getLogger("sfclean.localorg")

_ROUTES: list[Route] = [
    *oauth.ROUTES,
    *rest.ROUTES,
    *rest_query.ROUTES,
    *composite.ROUTES,
    *bulk1.ROUTES,
    *bulk2.ROUTES,
    *admin.ROUTES,
]
_URL_MAP = Map(
    [Rule(r.rule, endpoint=i, methods=list(r.methods)) for i, r in enumerate(_ROUTES)],
    strict_slashes=False,
)
_COUNTED = frozenset({"rest", "bulk1"})


class _Dropped(Exception):
    """Raised inside the app to close the connection without a response."""


class _QuietHandler(WSGIRequestHandler):
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
        try:
            index, args = _URL_MAP.bind_to_environ(request.environ).match()
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

        if kind in _COUNTED:
            if org._over_limit():
                limit = FaultAction("rate_limit", 403, message="TotalRequests Limit exceeded.")
                return self._stamp(request, _fault_response(limit, kind, as_json))
            if org.faults.session_should_expire():
                org.expire_sessions()
                return self._stamp(request, _invalid_session(kind, as_json))
            org._count_call()
            entry.api_call = True

        ctx = Ctx(org, request, session, api_version=args.pop("ver", org.api_version))
        return self._stamp(request, self._run(route, ctx, args, as_json))

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

    def _stamp(self, request: Request, response: Response) -> Response:
        if request.path.startswith("/services/data"):
            response.headers["Sforce-Limit-Info"] = (
                f"api-usage={self.org.api_calls}/{self.org.api_limit}"
            )
        return response

    # --- composite subrequests -------------------------------------------------------------

    def dispatch_internal(
        self, parent: Ctx, method: str, url: str, body: Any, headers: dict[str, str] | None
    ) -> Response:
        """Run one REST subrequest in-process with the parent's session (not logged, not
        counted: a composite request is one API call)."""
        parts = urlsplit(url)
        builder = EnvironBuilder(
            path=parts.path,
            query_string=parts.query,
            method=method.upper(),
            base_url=self.org.instance_url,
            headers=headers or {},
            json=body if body is not None else None,
        )
        request = Request(builder.get_environ())
        try:
            index, args = _URL_MAP.bind_to_environ(request.environ).match()
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
            self.org, request, parent.session, args.pop("ver", parent.api_version), internal=True
        )
        return self._run(route, ctx, args, False)


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


class LocalOrg:
    """A local Salesforce stand-in org on ``https://127.0.0.1:PORT``; use as a context manager.

    ``seed`` is a seed directory, a config dict or None (see ``sfclean.localorg.seed``);
    ``db`` a SQLite file to keep data in (None: a temporary one); ``session_ttl`` seconds of
    inactivity before a session expires (None: never). ``password`` (optionally followed by
    ``security_token``) is every seeded user's password for the OAuth and SOAP logins.

    After :meth:`start`: ``instance_url``, ``access_token`` (a session for the default admin
    user), ``admin_token`` (for ``/_localorg/...``), ``ca_bundle`` (CA PEM path), ``requests``
    (the request log), ``api_calls``, ``faults``, ``engine``, ``user_id``, ``org_id``.
    """

    def __init__(
        self,
        seed: Any = None,
        *,
        port: int = 0,
        db: str | None = None,
        api_version: str = "62.0",
        session_ttl: float | None = None,
        faults: Faults | None = None,
        password: str = "localorg",
        security_token: str = "",
    ) -> None:
        self.seed = seed
        self.port = port
        self.db = db
        self.api_version = api_version
        self.session_ttl = session_ttl
        self.faults = faults if faults is not None else Faults()
        self.password = password
        self.security_token = security_token
        self.admin_token = secrets.token_urlsafe(24)
        self.instance_url = ""
        self.access_token = ""
        self.ca_bundle = ""
        self.org_id = ""
        self.org_name = ""
        self.user_id = ""
        self.users: dict[str, str] = {}
        self._api_limit = 15_000
        self._api_calls = 0
        self._counter_lock = threading.Lock()
        self._log = RequestLog()
        self.cursors = rest_query.QueryCursors()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._tmpdir: str | None = None
        self.engine: Engine
        self.sessions: Sessions
        self.bulk: BulkJobs
        self.app = App(self)

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> LocalOrg:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalOrg:
        """Seed the store, generate the certificate, start serving; returns self."""
        self._tmpdir = tempfile.mkdtemp(prefix="sfclean-localorg-")
        try:
            self._build_engine()
            self.sessions = Sessions(self.org_id, ttl=self.session_ttl)
            self.access_token = self.sessions.issue(
                self.user_id, self._username(self.user_id)
            ).token
            ssl_context, self.ca_bundle = make_tls(self._tmpdir)
            self._server = make_server(
                "127.0.0.1",
                self.port,
                self.app,
                threaded=True,
                ssl_context=ssl_context,
                request_handler=_QuietHandler,
            )
            self._server.daemon_threads = True
            self.port = self._server.server_port
            self.instance_url = f"https://127.0.0.1:{self.port}"
            self.bulk = BulkJobs(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="localorg-http",
                daemon=True,
            )
            self._thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    def _build_engine(self) -> None:
        from sfclean.localorg.engine import Engine
        from sfclean.localorg.ids import IdFactory
        from sfclean.localorg.seed import load_seed
        from sfclean.localorg.store import Store

        store = Store(self.db)
        ids = IdFactory()
        info = load_seed(self.seed, store, ids)
        self.engine = Engine(
            store, org_id=info.org_id, org_name=info.org_name, ids=ids, rules=info.rules
        )
        self.org_id = info.org_id
        self.org_name = info.org_name
        self.user_id = info.default_user_id
        self.users = dict(info.users)
        if getattr(info, "api_limit", None):
            self._api_limit = int(info.api_limit)

    def stop(self) -> None:
        """Stop serving and the Bulk worker, close the store, delete the temporary files."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        bulk = getattr(self, "bulk", None)
        if bulk is not None:
            bulk.stop()
        engine = getattr(self, "engine", None)
        close = getattr(getattr(engine, "store", None), "close", None)
        if close is not None:
            close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    # --- sessions --------------------------------------------------------------------------

    def _username(self, user_id: str) -> str:
        for name, uid in self.users.items():
            if uid == user_id:
                return name
        return ""

    def new_token(self, username: str | None = None) -> str:
        """A new session id for ``username`` (default: the default admin user)."""
        if username is None:
            return self.sessions.issue(self.user_id, self._username(self.user_id)).token
        user_id = self.user_id_for(username)
        if user_id is None:
            raise KeyError(f"no user {username!r} in this org; seed it first")
        return self.sessions.issue(user_id, username).token

    def user_id_for(self, username: str) -> str | None:
        """The Id of the user called ``username`` (case-insensitive), or None."""
        lname = username.lower()
        for name, uid in self.users.items():
            if name.lower() == lname:
                return uid
        return None

    def expire_sessions(self) -> None:
        """Expire every session issued so far; the next call with one gets 401."""
        self.sessions.expire_all()

    def session(self) -> requests.Session:
        """A requests.Session that trusts this org's certificate and ignores proxy/CA env vars."""
        import requests

        http = requests.Session()
        http.verify = self.ca_bundle
        http.trust_env = False
        return http

    def _is_admin(self, request: Request) -> bool:
        token = token_from_headers(request.headers, bulk1=False)
        return token is not None and secrets.compare_digest(token, self.admin_token)

    # --- counters and the request log ------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request answered so far (admin requests excepted), oldest first."""
        return self._log.snapshot()

    def clear_requests(self) -> None:
        self._log.clear()

    @property
    def api_calls(self) -> int:
        """API calls counted so far (DailyApiRequests used)."""
        return self._api_calls

    @property
    def api_limit(self) -> int:
        """DailyApiRequests Max (the seed's, unless a fault overrides it)."""
        override = self.faults.api_limit
        return override if override is not None else self._api_limit

    def _count_call(self) -> None:
        with self._counter_lock:
            self._api_calls += 1

    def _over_limit(self) -> bool:
        return self._api_calls >= self.api_limit
