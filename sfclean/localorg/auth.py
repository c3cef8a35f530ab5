"""Sessions: session ids shaped like a real org's, issued to a user, checked on every call.

A session id is ``<15-character org Id>!<secret>`` (e.g. ``00D5g0000000001!AQ...``), the shape
clients such as the Salesforce CLI check. REST callers send it as ``Authorization: Bearer``
(or the legacy ``OAuth`` scheme); Bulk API 1.0 callers send ``X-SFDC-Session``.

Sessions end when :meth:`Sessions.expire_all` is called (tests, fault injection) or, with a
``ttl``, after ``ttl`` seconds without use, like Salesforce's inactivity timeout.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Session", "Sessions", "token_from_headers"]

_SECRET_ALPHABET = string.ascii_letters + string.digits + "._"


@dataclass
class Session:
    token: str
    user_id: str
    username: str
    issued_at: float
    last_used: float


class Sessions:
    """The org's live sessions, thread-safe."""

    def __init__(
        self,
        org_id: str,
        *,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock``: seconds for the inactivity timeout (tests pass one they move on)."""
        self._org15 = org_id[:15]
        self._ttl = ttl
        self._clock = clock
        self._by_token: dict[str, Session] = {}
        self._lock = threading.Lock()

    def issue(self, user_id: str, username: str) -> Session:
        """Start a session for ``user_id`` and return it (its ``token`` is the session id)."""
        secret = "AQ" + "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(94))
        now = self._clock()
        session = Session(f"{self._org15}!{secret}", user_id, username, time.time(), now)
        with self._lock:
            self._by_token[session.token] = session
        return session

    def check(self, token: str | None) -> Session | None:
        """The live session for ``token`` (and mark it used), or None when invalid/expired."""
        if not token:
            return None
        now = self._clock()
        with self._lock:
            session = self._by_token.get(token)
            if session is None:
                return None
            if self._ttl is not None and now - session.last_used > self._ttl:
                del self._by_token[token]
                return None
            session.last_used = now
            return session

    def expire_all(self) -> None:
        """End every session issued so far (new ones can still be issued)."""
        with self._lock:
            self._by_token.clear()


def token_from_headers(headers: object, *, bulk1: bool) -> str | None:
    """The session id a request carries: ``X-SFDC-Session`` on Bulk 1.0, bearer otherwise."""
    get = headers.get  # type: ignore[attr-defined]
    if bulk1:
        value = get("X-SFDC-Session")
        if value:
            return str(value).strip()
    auth = get("Authorization")
    if not auth:
        return None
    scheme, _, token = str(auth).strip().partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None
