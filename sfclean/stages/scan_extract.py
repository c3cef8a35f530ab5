"""The scan stage's extraction: every Lead and Contact the scan compares, read lean.

Per object one SOQL statement (:func:`extract_soql`) with the fields
:mod:`sfclean.scanning.records` reads plus the names a reviewer wants beside a cluster:

- Lead: ``Id, Email, Phone, MobilePhone, FirstName, LastName, Company, LeadSource, Country,
  CreatedById, CreatedDate, LastModifiedDate, IsConverted, ConvertedContactId,
  MasterRecordId, IsDeleted``;
- Contact: the same with ``AccountId`` for ``Company`` and ``MailingCountry`` for ``Country``
  (and no conversion fields);
- another object (not read by ``sfclean.scan``): ``Id, Email, Phone, CreatedById,
  CreatedDate, LastModifiedDate, IsDeleted``.

The statement goes through ``query`` (not ``queryAll``): deleted records, merge victims among
them (a merge deletes the victim and sets its ``MasterRecordId``; audit-scan-facts.md §3.7),
are not returned; ``IsDeleted`` and ``MasterRecordId`` are read anyway and the engine leaves
out any record they mark, and converted Leads (``IsConverted``), counting each.

**REST or Bulk API 2.0, by record count** (``limits/recordCount``, one call for all
objects): REST costs one call per 2,000-record page, a Bulk API 2.0 query job
``1 + EXTRACT_POLLS + pages`` calls (the exclude stage's cost model,
:mod:`sfclean.stages.lookup`); the cheaper is used, REST on a tie.

**Creators** are read once, not per record: ``SELECT Id, Username, UserType, Profile.Name
FROM User WHERE Id IN (...)`` for the distinct ``CreatedById`` values (:data:`USER_CHUNK` a
statement), then mapped onto the records as ``created_by``, ``user_type`` and ``profile``.
That is what ``CreatedBy.Username`` / ``CreatedBy.UserType`` / ``CreatedBy.Profile.Name``
would give, without repeating the same three strings two million times.

**Lean frame**: every cell is text ("" for null), and columns with few distinct values
(``object``, ``CreatedById``, the creator columns, flags, countries, names, lead sources,
accounts) are pandas categories.

**Set Audit Fields** (audit-scan-facts.md §3.13): the users holding
``PermissionsCreateAuditFields`` through any permission set, profile-owned ones included
(``PermissionSetAssignment``, §3.8), one query; their attribution is ``claimed``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sfclean.errors import ApiError, ConfigError
from sfclean.salesforce import DEFAULT_MAX_RECORDS, Connection, bulk_query
from sfclean.stages.lookup import EXTRACT_POLLS, PAGE_SIZE, soql_literal

__all__ = [
    "CATEGORY_COLUMNS",
    "USER_CHUNK",
    "Extraction",
    "audit_field_users",
    "choose_api",
    "combine",
    "extract_records",
    "extract_soql",
    "with_creators",
]

logger = logging.getLogger("sfclean.stages.scan")

_COMMON = ("Id", "Email", "Phone", "MobilePhone", "FirstName", "LastName")
_AUDIT = (
    "CreatedById",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "MasterRecordId",
    "IsDeleted",
)
FIELDS: dict[str, tuple[str, ...]] = {
    "Lead": (
        *_COMMON,
        "Company",
        "LeadSource",
        "Country",
        *_AUDIT,
        "IsConverted",
        "ConvertedContactId",
    ),
    "Contact": (*_COMMON, "AccountId", "LeadSource", "MailingCountry", *_AUDIT),
}
_OTHER = (
    "Id",
    "Email",
    "Phone",
    "CreatedById",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "IsDeleted",
)
#: Columns stored as pandas categories (few distinct values).
CATEGORY_COLUMNS = (
    "object",
    "CreatedById",
    "created_by",
    "user_type",
    "profile",
    "FirstName",
    "LastName",
    "Company",
    "AccountId",
    "LeadSource",
    "Country",
    "MailingCountry",
    "IsConverted",
    "IsDeleted",
    "MasterRecordId",
    "ConvertedContactId",
)
#: User Ids per ``Id IN (...)`` statement (21 characters each: well under SOQL's limits).
USER_CHUNK = 300


def extract_soql(object_name: str, since: str | None = None) -> str:
    """The SOQL that reads ``object_name``'s records (module docstring); with ``since`` (a
    SOQL datetime literal such as ``2024-03-01T00:00:00Z``) only the records whose
    ``SystemModstamp`` (every change, a delete included) is at or after it."""
    fields = FIELDS.get(object_name, _OTHER)
    soql = f"SELECT {', '.join(fields)} FROM {object_name}"
    if since:
        soql += f" WHERE SystemModstamp >= {since}"
    return soql


def _changed_count(conn: Connection, object_name: str, since: str) -> int:
    """Records (deleted ones included) changed at or after ``since``: one queryAll call."""
    soql = f"SELECT COUNT() FROM {object_name} WHERE SystemModstamp >= {since}"
    return int(conn.request("GET", "queryAll", params={"q": soql}).json().get("totalSize", 0))


def choose_api(count: int | None, *, max_records: int = DEFAULT_MAX_RECORDS) -> tuple[str, int]:
    """(``rest`` or ``bulk``, its estimated API calls) for an object of ``count`` records
    (None: unknown, read with Bulk API 2.0)."""
    if count is None:
        return "bulk", 1 + EXTRACT_POLLS + 1
    rest = max(1, math.ceil(count / PAGE_SIZE))
    bulk = 1 + EXTRACT_POLLS + max(1, math.ceil(count / max_records))
    return ("rest", rest) if rest <= bulk else ("bulk", bulk)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rest_frame(
    conn: Connection, soql: str, fields: Sequence[str], include_deleted: bool = False
) -> pd.DataFrame:
    columns: dict[str, list[str]] = {f: [] for f in fields}
    for record in conn.query_all_iter(soql, include_deleted=include_deleted):
        for f in fields:
            columns[f].append(_cell(record.get(f)))
    return pd.DataFrame(columns, dtype=object)


def _lean(frame: pd.DataFrame) -> pd.DataFrame:
    for name in CATEGORY_COLUMNS:
        if name in frame and not isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype("category")
    return frame


@dataclass(frozen=True)
class Extraction:
    """What :func:`extract_records` read: ``records`` (one lean frame, every object),
    ``apis`` (object -> ``rest`` / ``bulk``), ``record_counts`` (``limits/recordCount``),
    ``read`` (records read per object) and ``estimates`` (API calls the cost model
    expected per object)."""

    records: pd.DataFrame
    apis: Mapping[str, str]
    record_counts: Mapping[str, int]
    read: Mapping[str, int]
    estimates: Mapping[str, int]


def extract_records(
    conn: Connection,
    objects: Sequence[str],
    *,
    since: str | None = None,
    max_records: int = DEFAULT_MAX_RECORDS,
    api: str = "auto",
    creators: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Extraction:
    """Read ``objects`` (module docstring) into one lean frame with an ``object`` column and
    (``creators``) the creator columns. ``since`` (a SOQL datetime literal): only the records
    changed at or after it, deleted ones included (``queryAll``; counted first with one
    ``COUNT()`` call per object to choose the API). ``api``: ``auto`` (by record count),
    ``rest`` or ``bulk`` for every object. ``progress(records read, records expected)``
    is called after each object (expected: the record counts, at least what was read)."""
    if api not in ("auto", "rest", "bulk"):
        raise ConfigError(f"api must be auto, rest or bulk (got {api!r})")
    if since:
        counts = {name: _changed_count(conn, name, since) for name in objects}
    else:
        counts = conn.record_counts(objects)
    frames: list[pd.DataFrame] = []
    apis: dict[str, str] = {}
    read: dict[str, int] = {}
    estimates: dict[str, int] = {}
    for name in objects:
        fields = FIELDS.get(name, _OTHER)
        chosen, estimates[name] = choose_api(counts.get(name), max_records=max_records)
        chosen = chosen if api == "auto" else api
        frame = _read(
            conn, extract_soql(name, since), fields, chosen, since is not None, max_records
        )
        frame.insert(0, "object", name)
        apis[name], read[name] = chosen, len(frame)
        logger.info("scan: %s, %d records read (%s)", name, len(frame), chosen)
        frames.append(frame)
        if progress is not None:
            done = sum(read.values())
            progress(done, max(done, sum(counts.values())))
    records = combine(frames)
    if creators:
        records = with_creators(conn, records)
    return Extraction(records, apis, counts, read, estimates)


def _read(
    conn: Connection,
    soql: str,
    fields: Sequence[str],
    api: str,
    include_deleted: bool,
    max_records: int,
) -> pd.DataFrame:
    if api == "rest":
        return _rest_frame(conn, soql, fields, include_deleted)
    frame = bulk_query(conn, soql, max_records=max_records, include_deleted=include_deleted)
    return frame if not frame.empty else pd.DataFrame({f: [] for f in fields}, dtype=object)


def combine(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One lean frame from per-object (or cached and fresh) frames of text; a field another
    frame lacks reads ""."""
    if not frames:
        return pd.DataFrame({"object": [], "Id": [], "CreatedDate": []}, dtype=object)
    if len(frames) == 1:
        return _lean(frames[0])
    texts = [f.astype({c: object for c in f.columns if c in CATEGORY_COLUMNS}) for f in frames]
    return _lean(pd.concat(texts, ignore_index=True).fillna(""))


def _chunks(values: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def with_creators(conn: Connection, records: pd.DataFrame) -> pd.DataFrame:
    """``records`` plus ``created_by``, ``user_type``, ``profile`` (categories) read from
    User for the distinct ``CreatedById`` values."""
    if "CreatedById" not in records:
        return records
    ids = sorted({str(v) for v in records["CreatedById"].astype(object).unique() if v})
    users: dict[str, tuple[str, str, str]] = {}
    for chunk in _chunks(ids, USER_CHUNK):
        listed = ", ".join(soql_literal(i) for i in chunk)
        soql = f"SELECT Id, Username, UserType, Profile.Name FROM User WHERE Id IN ({listed})"
        for user in conn.query_all_iter(soql):
            profile = user.get("Profile") or {}
            users[str(user["Id"])] = (
                _cell(user.get("Username")),
                _cell(user.get("UserType")),
                _cell(profile.get("Name") if isinstance(profile, dict) else ""),
            )
    creator = records["CreatedById"].astype("category")
    for position, column in enumerate(("created_by", "user_type", "profile")):
        lookup = {i: values[position] for i, values in users.items()}
        records[column] = creator.map(lambda i, lookup=lookup: lookup.get(str(i), "")).astype(
            "category"
        )
    return records


def audit_field_users(conn: Connection) -> tuple[frozenset[str], str]:
    """(User Ids holding Set Audit Fields upon Record Creation, "" or why they could not be
    read). One query over ``PermissionSetAssignment``, which covers profiles, permission sets
    and groups (audit-scan-facts.md §3.8); the field name is inferred (§3.8, §3.13), so an
    org that refuses it yields no claimed creators and the reason."""
    soql = (
        "SELECT AssigneeId FROM PermissionSetAssignment "
        "WHERE PermissionSet.PermissionsCreateAuditFields = true"
    )
    try:
        return frozenset(str(r["AssigneeId"]) for r in conn.query_all_iter(soql)), ""
    except ApiError as exc:
        return frozenset(), f"Set Audit Fields holders could not be read ({exc.error_code})"
