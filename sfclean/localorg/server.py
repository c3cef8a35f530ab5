"""The local org: :class:`LocalOrg` seeds a store, generates a TLS certificate and serves the
WSGI app (``app.py``) over HTTPS on 127.0.0.1 with a threaded werkzeug server in a background
thread, plus the Bulk worker thread. Use it as a context manager:

    with LocalOrg(seed="tests/seed") as org:
        sf = Salesforce(instance_url=org.instance_url, session_id=org.access_token,
                        session=org.session())
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from sfclean.localorg import rest_query
from sfclean.localorg.app import App, QuietHandler
from sfclean.localorg.auth import Sessions, token_from_headers
from sfclean.localorg.bulkjobs import BulkJobs
from sfclean.localorg.faults import Faults
from sfclean.localorg.requestlog import LoggedRequest, RequestLog
from sfclean.localorg.tls import make_tls

if TYPE_CHECKING:
    import requests

    from sfclean.localorg.engine import Engine

__all__ = ["LocalOrg"]


class LocalOrg:
    """A local Salesforce stand-in org on ``https://127.0.0.1:PORT``; use as a context manager.

    ``seed`` is a seed directory, a config dict or None (see ``sfclean.localorg.seed``);
    ``db`` a SQLite file to keep data in (None: a temporary one); ``session_ttl`` seconds of
    inactivity before a session expires (None: never), measured by ``session_clock`` (default
    ``time.monotonic``; tests pass one they move on). ``password`` (optionally followed by
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
        session_clock: Callable[[], float] | None = None,
        faults: Faults | None = None,
        password: str = "localorg",
        security_token: str = "",
    ) -> None:
        self.seed = seed
        self.port = port
        self.db = db
        self.api_version = api_version
        self.session_ttl = session_ttl
        self.session_clock = session_clock or time.monotonic
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
            self.sessions = Sessions(self.org_id, ttl=self.session_ttl, clock=self.session_clock)
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
                request_handler=QuietHandler,
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
            store,
            org_id=info.org_id,
            org_name=info.org_name,
            ids=ids,
            rules=info.rules,
            settings=info.settings,
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

    def _take_call(self) -> int | None:
        """Count one API call and return the usage including it; None (not counted) when
        the daily limit is used up."""
        with self._counter_lock:
            if self._api_calls >= self.api_limit:
                return None
            self._api_calls += 1
            return self._api_calls
