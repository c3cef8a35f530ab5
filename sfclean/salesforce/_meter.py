"""Counting API requests and retrying safe ones, in one place: a response hook on the
``requests.Session`` that every client of a :class:`~sfclean.salesforce.Connection` shares
(simple-salesforce's REST, Composite and Bulk 2.0 calls, and any Bulk 1.0 client built on
``Connection.http``).

What counts as an API call (the same rule as ``sfclean.localorg``'s own counter, which tests
compare against): every answered request to ``/services/data/vXX.X/...`` (REST, Composite,
Bulk 2.0) or ``/services/async/...`` (Bulk 1.0). Not counted: logins, ``/services/oauth2/...``
(userinfo), the version list ``/services/data``, and answers that refuse the request before any
work is done: 401 (session expired), 403 ``REQUEST_LIMIT_EXCEEDED`` / ``ExceededQuota`` (the
daily limit is used up) and 5xx (the org was unavailable). Whether a real org counts a 5xx is
not documented; sfclean assumes it does not.

Retries: a request that cannot change data (GET or HEAD, or a Composite POST whose
subrequests are all GETs) answered with 500, 502, 503 or 504 is sent again, at most
``max_attempts`` times in all, after the ``Retry-After`` seconds the org asks for (capped at
``max_delay``; a longer wait is not attempted) or an exponential backoff. Writes are never
retried: a write whose answer was lost may have been saved. ``REQUEST_LIMIT_EXCEEDED`` is a
24-hour limit, so it is never retried either; it surfaces as an ApiError.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests

__all__ = ["ApiMeter", "is_api_request", "is_idempotent"]

logger = logging.getLogger("sfclean.salesforce")

_API_PATH = re.compile(r"^/services/(?:data/v\d+\.\d+(?:/|$)|async/)")
_COMPOSITE_PATH = re.compile(r"^/services/data/v\d+\.\d+/composite/?$")
_RETRY_STATUSES = frozenset({500, 502, 503, 504})
_LIMIT_CODES = ("REQUEST_LIMIT_EXCEEDED", "ExceededQuota")


def is_api_request(url: str) -> bool:
    """Whether a request to ``url`` is an API call Salesforce counts (see the module doc)."""
    return bool(_API_PATH.match(urlsplit(url).path))


def _body_json(body: Any) -> Any:
    if body is None:
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str):
        return None  # a generator or file: never a Composite body of ours
    try:
        return json.loads(body)
    except ValueError:
        return None


def is_idempotent(request: requests.PreparedRequest) -> bool:
    """True for GET/HEAD and for a Composite POST whose subrequests are all GETs."""
    method = (request.method or "").upper()
    if method in ("GET", "HEAD"):
        return True
    if method != "POST" or not _COMPOSITE_PATH.match(urlsplit(request.url or "").path):
        return False
    body = _body_json(request.body)
    items = body.get("compositeRequest") if isinstance(body, dict) else None
    return (
        isinstance(items, list)
        and bool(items)
        and all(isinstance(i, dict) and str(i.get("method", "")).upper() == "GET" for i in items)
    )


def _counted(response: requests.Response) -> bool:
    status = response.status_code
    if status == 401 or status >= 500:
        return False
    if status == 403:
        text = response.content[:2000].decode("utf-8", "replace")
        return not any(code in text for code in _LIMIT_CODES)
    return True


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: use the backoff instead


class ApiMeter:
    """A response hook that counts API calls and retries idempotent requests on 5xx.

    Install it with :meth:`install`, which reuses the meter already on a session, so every
    Connection sharing one session shares one count. ``count`` only ever grows.
    """

    def __init__(
        self, *, max_attempts: int = 3, backoff: float = 0.5, max_delay: float = 30.0
    ) -> None:
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_delay = max_delay
        self.retries = 0
        self._count = 0
        self._lock = threading.Lock()

    @classmethod
    def install(cls, session: requests.Session) -> ApiMeter:
        """The meter on ``session``, adding a new one as a response hook if it has none."""
        hooks = session.hooks.setdefault("response", [])
        for hook in hooks:
            if isinstance(hook, ApiMeter):
                return hook
        meter = cls()
        hooks.append(meter)
        return meter

    @property
    def count(self) -> int:
        """API calls answered through the session since the meter was installed."""
        return self._count

    def _add(self, response: requests.Response) -> None:
        if _counted(response):
            with self._lock:
                self._count += 1

    def _delay(self, response: requests.Response, attempt: int) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None for no retry."""
        if attempt >= self.max_attempts or response.status_code not in _RETRY_STATUSES:
            return None
        if response.connection is None or not is_idempotent(response.request):
            return None
        asked = _retry_after(response)
        if asked is None:
            return self.backoff * (2 ** (attempt - 1))
        return asked if asked <= self.max_delay else None

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> Any:
        if not is_api_request(response.request.url or ""):
            return response
        self._add(response)
        attempt = 1
        while (delay := self._delay(response, attempt)) is not None:
            where = urlsplit(response.request.url or "")
            logger.warning(
                "%s %s answered HTTP %s; retrying in %.1f s (attempt %d of %d)",
                response.request.method,
                where.path,
                response.status_code,
                delay,
                attempt + 1,
                self.max_attempts,
            )
            response.close()
            time.sleep(delay)
            history = [*response.history, response]
            response = response.connection.send(response.request, **kwargs)
            response.history = history
            self.retries += 1
            attempt += 1
            self._add(response)
        return response
