"""``Connection``: one verified session with an org and the few calls sfclean's stages make.

Every call goes through :meth:`Connection.call`, which translates third-party exceptions
into ``sfclean.errors`` and, when the org says the session expired, logs in again once (in
the modes that can: password, JWT, CLI alias) and retries the call once.

``Connection.api_calls`` counts the API requests sent through the connection's HTTP session
(``Connection.http``); the same response hook retries safe requests on 5xx (``_meter.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.util import call_salesforce

from sfclean.errors import AuthError
from sfclean.salesforce._auth import Authenticator, Login
from sfclean.salesforce._metadata import MAX_FULL_NAMES, envelope, parse_records
from sfclean.salesforce._meter import ApiMeter
from sfclean.salesforce._transport import EXPIRED_HINT, SessionExpired, origin, translated

__all__ = ["Connection", "open_connection"]

logger = logging.getLogger("sfclean.salesforce")

T = TypeVar("T")

MAX_COMPOSITE_SUBREQUESTS = 25


def _salesforce(login: Login, http: requests.Session, api_version: str) -> Salesforce:
    return Salesforce(
        session_id=login.access_token,
        instance_url=login.instance_url,
        session=http,
        version=api_version,
        object_pairs_hook=dict,
    )


def _query_more(url: str) -> Callable[[Salesforce], Any]:
    def fetch(sf: Salesforce) -> Any:
        return sf.query_more(url, identifier_is_url=True)

    return fetch


class Connection:
    """A verified session with one Salesforce org. Create it with :func:`sfclean.connect`.

    ``sf`` is the underlying ``simple_salesforce.Salesforce`` (replaced after a new login, so
    read it each time rather than keeping it). ``username``, ``user_id`` and ``org_id`` come
    from the org's ``/services/oauth2/userinfo``. Use it as a context manager, or call
    :meth:`close`, to release the HTTP connections.

    ``http`` is the ``requests.Session`` every request goes through; ``api_calls`` counts the
    API requests answered through it since the Connection was made (logins and userinfo
    excepted). Build other clients (Bulk 1.0) on ``http`` so their requests count too. The
    counter is a response hook on that session (``_meter.py``); with ``connect(sf=...)`` it is
    added to the given object's session, and Connections sharing a session share the count.
    """

    def __init__(
        self,
        sf: Salesforce,
        *,
        auth: Authenticator | None,
        api_version: str,
        owns_session: bool,
    ) -> None:
        self._sf = sf
        self._auth = auth
        self._owns_session = owns_session
        self.api_version = api_version
        self.username: str | None = None
        self.user_id: str | None = None
        self.org_id: str | None = None
        self._meter = ApiMeter.install(sf.session)
        self._calls_at_start = self._meter.count

    @property
    def api_calls(self) -> int:
        """API requests answered through this Connection's session since it was made."""
        return self._meter.count - self._calls_at_start

    @property
    def http(self) -> requests.Session:
        """The ``requests.Session`` (TLS settings, API-call counter, safe retries) in use."""
        return self._sf.session

    @property
    def session_id(self) -> str:
        """The current session id (changes after :meth:`reauthenticate`); never log it."""
        return str(self._sf.session_id)

    @property
    def sf(self) -> Salesforce:
        """The ``simple_salesforce.Salesforce`` object for the current session."""
        return self._sf

    @property
    def instance_url(self) -> str:
        """``https://host[:port]`` of the org's instance."""
        return f"https://{self._sf.sf_instance}"

    @property
    def mode(self) -> str:
        """How the session was obtained: token, password, jwt, cli or object."""
        return self._auth.mode if self._auth is not None else "object"

    @property
    def can_reauthenticate(self) -> bool:
        """Whether an expired session can be renewed without the user (password, JWT, CLI)."""
        return self._auth is not None and self._auth.can_renew

    def _secrets(self) -> tuple[str | None, ...]:
        own = self._auth.secrets() if self._auth is not None else ()
        return (*own, self._sf.session_id)

    def reauthenticate(self) -> None:
        """Log in again and replace ``sf``; AuthError in modes that cannot."""
        if self._auth is None or not self._auth.can_renew:
            raise AuthError(f"the session for {self.instance_url} expired; {EXPIRED_HINT}")
        logger.info("logging in again to %s (%s mode)", self.instance_url, self.mode)
        login = self._auth.login(self._sf.session, self.api_version)
        self._sf = _salesforce(login, self._sf.session, self.api_version)

    def _once(self, fn: Callable[[Salesforce], T]) -> T:
        with translated(self.instance_url, secrets=self._secrets()):
            return fn(self._sf)

    def call(self, fn: Callable[[Salesforce], T]) -> T:
        """Return ``fn(sf)``; errors become sfclean errors; an expired session is renewed once.

        ``fn`` may run twice (before and after a new login), so it should be one request.
        """
        try:
            return self._once(fn)
        except SessionExpired as exc:
            if not self.can_reauthenticate:
                raise AuthError(str(exc)) from exc.__cause__
        self.reauthenticate()
        try:
            return self._once(fn)
        except SessionExpired as exc:
            raise AuthError(
                f"the session for {self.instance_url} expired again right after a new login; "
                "check the user's session settings in Setup"
            ) from exc.__cause__

    def identify(self) -> dict[str, Any]:
        """Ask the org who we are (``/services/oauth2/userinfo``); fills username and ids."""
        info = self.call(lambda sf: sf.oauth2("userinfo")) or {}
        self.username = info.get("preferred_username") or self.username
        self.user_id = info.get("user_id") or self.user_id
        self.org_id = info.get("organization_id") or self.org_id
        logger.info("connected to %s as %s (%s mode)", self.instance_url, self.username, self.mode)
        return dict(info)

    def query_all_iter(
        self, soql: str, *, include_deleted: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every record of ``soql``, page after page (``nextRecordsUrl``), lazily;
        ``include_deleted``: through ``queryAll`` (deleted and merged records too)."""
        page = self.call(lambda sf: sf.query(soql, include_deleted=include_deleted))
        while True:
            yield from page["records"]
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = self.call(_query_more(str(page["nextRecordsUrl"])))

    def composite(
        self, subrequests: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
    ) -> list[dict[str, Any]]:
        """POST up to 25 subrequests as one Composite call; returns ``compositeResponse``.

        Each subrequest has ``method``, ``url`` and ``referenceId`` (and ``body`` if needed).
        A ``url`` without a leading ``/`` is taken relative to ``/services/data/vVERSION/``.
        """
        if not 1 <= len(subrequests) <= MAX_COMPOSITE_SUBREQUESTS:
            raise ValueError(
                f"a Composite call takes 1 to {MAX_COMPOSITE_SUBREQUESTS} subrequests, "
                f"got {len(subrequests)}"
            )
        prefix = f"/services/data/v{self.api_version}/"
        items = []
        for subrequest in subrequests:
            item = dict(subrequest)
            if not str(item["url"]).startswith("/"):
                item["url"] = prefix + str(item["url"])
            items.append(item)
        body = {"allOrNone": all_or_none, "compositeRequest": items}
        answer = self.call(lambda sf: sf.restful("composite", method="POST", json=body)) or {}
        return list(answer.get("compositeResponse", []))

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request to the org with the session's auth header; the raw response.

        ``path`` without a leading ``/`` is relative to ``/services/data/vVERSION/``; other
        keyword arguments go to ``requests`` (``params``, ``json``, ``data``, ``stream``).
        Answers of HTTP 300 and above become sfclean errors, as in :meth:`call`.
        """
        if not path.startswith("/"):
            path = f"/services/data/v{self.api_version}/{path}"

        def send(sf: Salesforce) -> requests.Response:
            all_headers = dict(sf.headers)
            all_headers.update(headers or {})
            url = f"https://{sf.sf_instance}{path}"
            return call_salesforce(url, method, sf.session, all_headers, **kwargs)

        return self.call(send)

    def tooling_query_all(self, soql: str) -> Iterator[dict[str, Any]]:
        """Every record of ``soql`` through the Tooling API (``tooling/query``), lazily."""
        page = self.call(lambda sf: sf.restful("tooling/query", params={"q": soql})) or {}
        while True:
            yield from page["records"]
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = self.call(_query_more(str(page["nextRecordsUrl"]))) or {}

    def ui_api_duplicates(self, object_name: str) -> dict[str, Any]:
        """The UI API's duplicates configuration of an object (``ui-api/duplicates/OBJECT``:
        ``duplicateRules`` with actions, operations, filters and match rules), one call."""
        path = f"ui-api/duplicates/{object_name}"
        return dict(self.call(lambda sf: sf.restful(path)) or {})

    def read_metadata(self, kind: str, full_names: Sequence[str]) -> list[dict[str, Any]]:
        """Metadata API ``readMetadata`` of ``kind`` (``DuplicateRule``) for ``full_names``
        (``Lead.Rule_Name``), 10 a call; the records as dicts. Needs Modify All Data or
        Modify Metadata: ApiError with ``error_code`` ``INSUFFICIENT_ACCESS`` otherwise."""
        url = f"{self.instance_url}/services/Soap/m/{self.api_version}"
        headers = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'}
        names = list(full_names)
        records: list[dict[str, Any]] = []
        for start in range(0, len(names), MAX_FULL_NAMES):
            chunk = names[start : start + MAX_FULL_NAMES]

            def send(sf: Salesforce, chunk: list[str] = chunk) -> requests.Response:
                body = envelope(str(sf.session_id), kind, chunk)
                return sf.session.post(url, data=body, headers=headers)

            response = self.call(send)
            records += parse_records(response.status_code, response.content, origin(url))
        return records

    def describe(self, object_name: str) -> dict[str, Any]:
        """The object's describe (``sobjects/OBJECT/describe``: ``fields`` with ``name``,
        ``createable``, ...), one API call; ApiError (NOT_FOUND) for an unknown object."""
        path = f"sobjects/{object_name}/describe"
        return dict(self.call(lambda sf: sf.restful(path)) or {})

    def object_names(self) -> list[str]:
        """The API names of the org's objects (``GET sobjects/``, describe global), one call."""
        answer = self.call(lambda sf: sf.describe()) or {}
        return [str(o["name"]) for o in answer.get("sobjects", []) if o.get("name")]

    def limits(self) -> dict[str, Any]:
        """The org's ``limits/`` resource (DailyApiRequests, DailyBulkApiBatches, ...)."""
        return dict(self.call(lambda sf: sf.limits()))

    def record_counts(self, objects: Iterable[str]) -> dict[str, int]:
        """Record count per object from ``limits/recordCount`` (0 when the org lists none)."""
        names = list(dict.fromkeys(objects))
        params = {"sObjects": ",".join(names)}
        answer = self.call(lambda sf: sf.restful("limits/recordCount", params=params)) or {}
        counts = {str(item["name"]): int(item["count"]) for item in answer.get("sObjects", [])}
        return {name: counts.get(name, 0) for name in names}

    def close(self) -> None:
        """Close the HTTP session if :func:`sfclean.connect` created it."""
        if self._owns_session:
            self._sf.session.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Connection {self.instance_url} user={self.username} mode={self.mode}>"


def open_connection(auth: Authenticator, http: requests.Session, *, api_version: str) -> Connection:
    """Log in with ``auth`` over ``http`` and check the session against the org."""
    login = auth.login(http, api_version)
    connection = Connection(
        _salesforce(login, http, api_version),
        auth=auth,
        api_version=api_version,
        owns_session=True,
    )
    try:
        connection.identify()
    except BaseException:
        connection.close()
        raise
    return connection
