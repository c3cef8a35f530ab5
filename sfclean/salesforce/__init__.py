"""The boundary with Salesforce: the only package that imports simple_salesforce,
salesforce_bulk and requests.

``connect()`` logs in (access token, username/password, JWT bearer, Salesforce CLI alias, or
an existing ``simple_salesforce.Salesforce``) and returns a ``Connection``, through which
every later stage talks to the org. Third-party exceptions never leave this package; they
become ``sfclean.errors`` (AuthError, ConnectionFailed, ApiError, ConfigError).

    _transport.py   verified requests.Session, error translation, message hygiene
    _auth.py        the login modes, ``--domain`` handling
    _connection.py  Connection: retry-once-after-new-login, query, composite, limits,
                    Tooling query, UI API duplicates, readMetadata
    _metadata.py    the Metadata API readMetadata SOAP envelope and its answer
    _connect.py     connect(): choosing the mode from the arguments
    _meter.py       the API-call counter (``Connection.api_calls``) and safe retries
    _ingest.py      what the insert clients share: RowResult, BatchStatus, limits, chunking
    _bulk1.py       Bulk1Client: Bulk API 1.0 inserts (salesforce-bulk subclass)
    _bulk2.py       Bulk2Client: Bulk API 2.0 inserts (simple-salesforce bulk2)
    _collections.py CollectionsClient: sObject Collections inserts (200 a call)
    _extract.py     bulk_query(): Bulk API 2.0 query extraction

The modules are private; the stages (``sfclean.stages.load``, ``.loaders``, ``.lookup``, ...)
import the names below from this package, never from a module:

- ``connect``, ``Connection``: logging in and talking to the org (``connect(sf=...)`` wraps
  a ``simple_salesforce.Salesforce``, once); ``require_connection`` is how a stage checks
  that its ``conn`` argument is a Connection (ConfigError saying how to get one otherwise).
- ``Bulk1Client``, ``Bulk2Client``, ``CollectionsClient``: the three insert clients; every
  request they send carries ``DUPLICATE_RULE_HEADER``. ``to_csv`` writes Bulk 2.0 upload CSV.
- ``RowResult`` (one record's answer), ``BatchStatus`` (one batch's or Bulk 2.0 job's state,
  compared with the ``BatchState`` members),
  ``chunk_records`` (slices within ``MAX_BATCH_RECORDS`` / ``MAX_BATCH_BYTES``, the Bulk 1.0
  batch limits), ``MAX_COLLECTION_RECORDS`` (records per sObject Collections call).
- ``bulk_query``, ``DEFAULT_MAX_RECORDS``: a Bulk API 2.0 query read into a DataFrame.
"""

from __future__ import annotations

from sfclean.salesforce._bulk1 import Bulk1Client
from sfclean.salesforce._bulk2 import Bulk2Client, to_csv
from sfclean.salesforce._collections import MAX_COLLECTION_RECORDS, CollectionsClient
from sfclean.salesforce._connect import connect, require_connection
from sfclean.salesforce._connection import Connection
from sfclean.salesforce._extract import DEFAULT_MAX_RECORDS, bulk_query
from sfclean.salesforce._ingest import (
    DUPLICATE_RULE_HEADER,
    MAX_BATCH_BYTES,
    MAX_BATCH_RECORDS,
    BatchState,
    BatchStatus,
    RowResult,
    chunk_records,
)

__all__ = [
    "DEFAULT_MAX_RECORDS",
    "DUPLICATE_RULE_HEADER",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_RECORDS",
    "MAX_COLLECTION_RECORDS",
    "BatchState",
    "BatchStatus",
    "Bulk1Client",
    "Bulk2Client",
    "CollectionsClient",
    "Connection",
    "RowResult",
    "bulk_query",
    "chunk_records",
    "connect",
    "require_connection",
    "to_csv",
]
