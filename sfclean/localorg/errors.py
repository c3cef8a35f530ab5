"""Exceptions the local org raises to the Python code that starts it (a test, the CLI, a notebook).

localorg has its own tree, apart from sfclean's ``SfcleanError``: the stand-in must not share
code with the product it checks, and a caller can tell "the local org could not start" from
"sfclean could not run". Every message is one line that names the file, key or row and says
what to do.

    LocalOrgError            the local org could not do what its caller asked
     └── SeedError           a seed directory, config file, duplicate-rule definition or
                             stored database cannot be used (``LocalOrg(seed=..., db=...)``)

What the org answers over the wire is not here: a request the org refuses becomes an HTTP
error body (``MALFORMED_QUERY``, ``INVALID_SESSION_ID``, ...) built from
:class:`sfclean.localorg.types.SfFault`, which the client sees and the caller never catches.
"""

from __future__ import annotations

__all__ = ["LocalOrgError", "SeedError"]


class LocalOrgError(Exception):
    """Base class: the local org could not do what its caller asked."""


class SeedError(LocalOrgError):
    """A seed, config file, duplicate rule or stored database is invalid; fix what it names."""
