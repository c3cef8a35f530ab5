"""localorg: a local Salesforce stand-in org served over HTTPS on loopback.

It answers the same requests a real org answers (REST, SOQL, Bulk API 1.0 and 2.0, UI API
duplicates), in the same shapes, from a real SQLite store, and enforces duplicate rules as
Salesforce documents them. sfclean's own code never special-cases it.

docs/localorg.md lists what it implements, what it simplifies (ASCII-only case folding, a
visibility model instead of sharing, no recycle bin, unverified JWT signatures, Bulk work
finished before the first poll, ...) and which behaviours it assumes that Salesforce does
not document (UNCONFIRMED: Bulk and the duplicate-rule header, case-sensitive email
matching, Modify All Data, nulls in NOT IN).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sfclean.localorg.faults import Faults
    from sfclean.localorg.requestlog import LoggedRequest
    from sfclean.localorg.server import LocalOrg

__all__ = ["Faults", "LocalOrg", "LoggedRequest"]

_LAZY = {
    "Faults": "sfclean.localorg.faults",
    "LocalOrg": "sfclean.localorg.server",
    "LoggedRequest": "sfclean.localorg.requestlog",
}


def __getattr__(name: str) -> Any:
    """Import the server side on first use, so ``sfclean.localorg.schema`` etc. stay light."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sfclean.localorg' has no attribute {name!r}")
