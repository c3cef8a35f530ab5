"""Fault injection, configurable per test: what a real org (or the network in front of it)
does on a bad day.

    org.faults.fail(503, retry_after=5)            # next request: HTTP 503 + Retry-After
    org.faults.rate_limit()                        # next request: 403 REQUEST_LIMIT_EXCEEDED
    org.faults.delay(0.5, path="/query")           # added latency on matching requests
    org.faults.drop(path="/composite/sobjects")    # close the socket without a response
    org.faults.expire_sessions_after(3)            # the 4th API call gets INVALID_SESSION_ID
    org.faults.fail_next_batch()                   # next Bulk batch / 2.0 job ends Failed
    org.faults.set_api_limit(100)                  # DailyApiRequests Max (403 when used up)
    org.faults.slow_bulk(0.2)                      # batches stay Queued / InProgress >= 0.2 s
    org.faults.hold_bulk()                         # batches wait in each state for step_bulk()

Each request fault matches on an optional ``path`` regular expression (searched in the URL
path) and ``method``; ``times`` says how many matching requests it hits (None: all of them).
Request faults hit before authentication, so they are not counted as API calls.

``slow_bulk`` is for clients that must poll a while; a test that asserts which states it saw
uses ``hold_bulk``/``step_bulk`` instead, which leave nothing to timing (a loaded machine can
stall a poll longer than any delay).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

__all__ = ["FaultAction", "Faults"]

DEFAULT_BATCH_FAILURE = "InvalidBatch : Failed to process the batch (injected fault)"


@dataclass
class FaultAction:
    """A fault hitting one request: ``kind`` is "http_error", "rate_limit" or "drop"."""

    kind: str
    status: int = 503
    retry_after: int | None = None
    message: str = ""


@dataclass
class _Rule:
    kind: str  # http_error | rate_limit | drop | delay
    path: re.Pattern[str] | None
    method: str | None
    times: int | None
    status: int = 503
    retry_after: int | None = None
    seconds: float = 0.0
    message: str = ""

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return not (self.path and not self.path.search(path))


class Faults:
    """The set of faults an org injects; thread-safe; empty by default."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._expire_after: int | None = None
        self._batch_failures: list[str] = []
        self.api_limit: int | None = None
        self.bulk_delay: float = 0.0
        self._bulk_gate = threading.Condition(self._lock)
        self._bulk_held = False
        self._bulk_steps = 0

    # --- configuration -------------------------------------------------------------------

    def _add(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    @staticmethod
    def _pattern(path: str | None) -> re.Pattern[str] | None:
        return re.compile(path) if path else None

    def fail(
        self,
        status: int = 503,
        *,
        retry_after: int | None = None,
        times: int | None = 1,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """Answer matching requests with HTTP ``status`` (500, 503, ...) and ``Retry-After``."""
        self._add(_Rule("http_error", self._pattern(path), method, times, status, retry_after))

    def rate_limit(
        self,
        *,
        status: int = 403,
        message: str = "TotalRequests Limit exceeded.",
        retry_after: int | None = None,
        times: int | None = 1,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """Answer matching requests with ``REQUEST_LIMIT_EXCEEDED`` (403 as Salesforce does)."""
        self._add(
            _Rule(
                "rate_limit",
                self._pattern(path),
                method,
                times,
                status,
                retry_after,
                message=message,
            )
        )

    def delay(
        self,
        seconds: float,
        *,
        times: int | None = None,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """Add ``seconds`` of latency before answering matching requests."""
        self._add(_Rule("delay", self._pattern(path), method, times, seconds=seconds))

    def drop(
        self, *, times: int | None = 1, path: str | None = None, method: str | None = None
    ) -> None:
        """Close the connection without any response on matching requests."""
        self._add(_Rule("drop", self._pattern(path), method, times))

    def expire_sessions_after(self, calls: int) -> None:
        """Let ``calls`` more API calls through, then expire every session issued so far."""
        with self._lock:
            self._expire_after = calls

    def fail_next_batch(self, message: str = DEFAULT_BATCH_FAILURE, *, times: int = 1) -> None:
        """Make the next ``times`` Bulk batches (or Bulk 2.0 jobs) end in state Failed."""
        with self._lock:
            self._batch_failures.extend([message] * times)

    def set_api_limit(self, limit: int | None) -> None:
        """Override DailyApiRequests Max; calls beyond it get 403 REQUEST_LIMIT_EXCEEDED."""
        self.api_limit = limit

    def slow_bulk(self, seconds: float) -> None:
        """Keep every Bulk batch at least ``seconds`` in Queued and again in InProgress."""
        self.bulk_delay = seconds

    def hold_bulk(self) -> None:
        """Stop every Bulk batch (or Bulk 2.0 job) before each state change (Queued ->
        InProgress, InProgress -> done) until :meth:`step_bulk` lets it take the next one."""
        with self._lock:
            self._bulk_held, self._bulk_steps = True, 0

    def step_bulk(self, steps: int = 1) -> None:
        """Let held Bulk processing take ``steps`` more state changes."""
        with self._bulk_gate:
            self._bulk_steps += steps
            self._bulk_gate.notify_all()

    def release_bulk(self) -> None:
        """End :meth:`hold_bulk`: held and later batches run freely."""
        with self._bulk_gate:
            self._bulk_held, self._bulk_steps = False, 0
            self._bulk_gate.notify_all()

    @property
    def bulk_held(self) -> bool:
        return self._bulk_held

    def clear(self) -> None:
        """Remove every fault (held Bulk processing is released)."""
        with self._lock:
            self._rules.clear()
            self._expire_after = None
            self._batch_failures.clear()
            self.api_limit = None
            self.bulk_delay = 0.0
        self.release_bulk()

    # --- consulted by the server ---------------------------------------------------------

    def for_request(self, method: str, path: str) -> tuple[float, FaultAction | None]:
        """(latency to add, fault to answer with or None) for one incoming request."""
        latency = 0.0
        action: FaultAction | None = None
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(method, path):
                    continue
                if rule.kind == "delay":
                    latency += rule.seconds
                elif action is None:
                    action = FaultAction(rule.kind, rule.status, rule.retry_after, rule.message)
                else:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
        return latency, action

    def session_should_expire(self) -> bool:
        """Called once per authenticated API call: True when sessions must expire now."""
        with self._lock:
            if self._expire_after is None:
                return False
            if self._expire_after <= 0:
                self._expire_after = None
                return True
            self._expire_after -= 1
            return False

    def bulk_step(self) -> None:
        """Called by the Bulk worker before each state change: returns at once unless
        :meth:`hold_bulk` is on, then waits for a :meth:`step_bulk` (or a release)."""
        with self._bulk_gate:
            while self._bulk_held and self._bulk_steps == 0:
                self._bulk_gate.wait()
            if self._bulk_held:
                self._bulk_steps -= 1

    def take_batch_failure(self) -> str | None:
        """The failure message for the batch being processed now, or None."""
        with self._lock:
            return self._batch_failures.pop(0) if self._batch_failures else None
