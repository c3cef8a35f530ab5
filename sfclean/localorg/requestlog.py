"""The request log: every HTTP request the local org answered, for tests to assert on
("this header was on every insert request", "this run cost N API calls").

Session credentials (``Authorization``, ``X-SFDC-Session``) are replaced by ``REDACTED``;
bodies are not kept, only their size.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["REDACTED", "LoggedRequest", "RequestLog"]

REDACTED = "REDACTED"
_SECRET_HEADERS = frozenset({"authorization", "x-sfdc-session", "cookie"})


@dataclass
class LoggedRequest:
    """One answered (or dropped) request. ``status`` is None when the connection was dropped."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body_size: int
    api_call: bool = False
    status: int | None = None
    time: float = 0.0

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lname:
                return value
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def redact_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Header dict with session credentials replaced by ``REDACTED``."""
    return {k: (REDACTED if k.lower() in _SECRET_HEADERS else v) for k, v in headers}


class RequestLog:
    """A thread-safe, append-only list of LoggedRequest."""

    def __init__(self) -> None:
        self._items: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def append(self, item: LoggedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
