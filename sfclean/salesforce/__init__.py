"""The boundary with Salesforce: the only package that imports simple_salesforce,
salesforce_bulk and requests.

``connect()`` logs in (access token, username/password, JWT bearer, Salesforce CLI alias, or
an existing ``simple_salesforce.Salesforce``) and returns a ``Connection``, through which
every later stage talks to the org. Third-party exceptions never leave this package; they
become ``sfclean.errors`` (AuthError, ConnectionFailed, ApiError, ConfigError).

    _transport.py   verified requests.Session, error translation, message hygiene
    _auth.py        the login modes, ``--domain`` handling
    _connection.py  Connection: retry-once-after-new-login, query, composite, limits
    _connect.py     connect(): choosing the mode from the arguments
"""

from __future__ import annotations

from sfclean.salesforce._connect import connect
from sfclean.salesforce._connection import Connection

__all__ = ["Connection", "connect"]
