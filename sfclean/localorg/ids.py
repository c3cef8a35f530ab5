"""Salesforce record Ids: 15-character case-sensitive Ids and their 18-character case-safe form.

An Id is a 3-character key prefix (``00Q`` Lead, ``003`` Contact, ...), 12 base-62 characters,
and (in the 18-character form) a 3-character suffix that encodes which of the first 15
characters are upper-case, so that the Id survives case-insensitive systems.
"""

from __future__ import annotations

import itertools
import secrets
import threading

__all__ = ["IdFactory", "is_valid_id", "random_id", "to_18"]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def to_18(id15: str) -> str:
    """Return the 18-character case-safe form of a 15-character Id (or the Id itself if 18)."""
    if len(id15) == 18:
        return id15
    if len(id15) != 15:
        raise ValueError(f"a Salesforce Id has 15 or 18 characters, not {len(id15)}")
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _SUFFIX_CHARS[bits]
    return id15 + suffix


def is_valid_id(value: str) -> bool:
    """True when ``value`` is a well-formed 15- or 18-character Id (checksum included)."""
    if len(value) not in (15, 18) or any(ch not in _BASE62 for ch in value):
        return False
    return len(value) == 15 or to_18(value[:15]) == value


def random_id(key_prefix: str) -> str:
    """A random 18-character Id with ``key_prefix``: for Ids that must differ between orgs
    (the Organization Id), where minting from a per-org counter would repeat."""
    return to_18(key_prefix + "".join(secrets.choice(_BASE62) for _ in range(12)))


def _base62(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, rem = divmod(n, 62)
        out.append(_BASE62[rem])
    if n:
        raise OverflowError("Id counter exhausted")
    return "".join(reversed(out))


class IdFactory:
    """Mints unique 18-character Ids for one org, thread-safely.

    ``pod`` is the two characters after the prefix (real orgs use an instance code here).
    """

    def __init__(self, pod: str = "5g", start: int = 1) -> None:
        if len(pod) != 2:
            raise ValueError("pod must be two characters")
        self._pod = pod
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def new(self, key_prefix: str) -> str:
        with self._lock:
            n = next(self._counter)
        return to_18(key_prefix + self._pod + _base62(n, 10))

    def reserve(self, count: int) -> list[int]:
        """Reserve ``count`` counter values at once (fast path for bulk seeding)."""
        with self._lock:
            return [next(self._counter) for _ in range(count)]

    def skip_past(self, n: int) -> None:
        """Mint only counter values above ``n`` from now on (O(1), whatever ``n`` is)."""
        with self._lock:
            upcoming = next(self._counter)
            self._counter = itertools.count(max(upcoming, n + 1))

    def from_counter(self, key_prefix: str, n: int) -> str:
        return to_18(key_prefix + self._pod + _base62(n, 10))
