"""The records the scan reads: expected columns, exclusions, dates and flags.

Input: one DataFrame of extracted Lead and Contact records (Bulk API 2.0 CSV text or
REST values), one row per record, with these columns (API names; the relationship fields
under short names):

=======================  ========================================================  ========
column                   meaning                                                   needed
=======================  ========================================================  ========
``object``               ``Lead`` or ``Contact`` (other objects cluster too)       yes
``Id``                   the 18-character record Id                                yes
``CreatedDate``          ISO 8601 (``2024-03-01T10:00:00.000+0000``)               yes
``Email``                the stored email, however dirty                           no
``Phone``, ``MobilePhone``  stored phones (read only with ``match_phone``)         no
``MailingCountry``       Contact's country: the region its phones are read in      no
``Country``              Lead's country: the region its phones are read in         no
``CreatedById``          the creator's User Id                                     no
``created_by``           ``CreatedBy.Username``                                    no
``user_type``            ``CreatedBy.UserType``                                    no
``profile``              ``CreatedBy.Profile.Name``                                no
``AccountId``            Contact's account (for the convert plan)                  no
``IsConverted``          Lead: ``true`` when converted (left out)                  no
``ConvertedContactId``   Lead: the contact it was converted into (kept as read)    no
``MasterRecordId``       set on merge victims (left out)                           no
``IsDeleted``            ``true`` for deleted records (queryAll; left out)         no
=======================  ========================================================  ========

``FirstName``, ``LastName``, ``Company``, ``LeadSource`` may be present; the engine does not
match on them. A missing optional column reads as blank (flags as false). Flags are true for
a bool ``True`` or the text ``true`` / ``1`` (any case, padded); an unparsable or blank
``CreatedDate`` sorts after every parsable date (then by Id).

Every input row ends as exactly one of: ``excluded`` with a reason (``merged``: MasterRecordId set, a merge
victim, which is deleted too; then ``deleted``; then ``converted``: the first that applies), ``repeated-id``
(a later row with an Id already seen), or eligible for clustering.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sfclean.errors import ColumnNotFoundError
from sfclean.stages.lookup import COUNTRY_FIELD, per_unique

__all__ = [
    "DETAIL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Eligible",
    "details",
    "flag",
    "prepare",
    "text_column",
]

REQUIRED_COLUMNS = ("object", "Id", "CreatedDate")
_TRUE = frozenset({"true", "1"})
#: Exclusion reasons, in the order they are checked.
EXCLUSIONS = ("merged", "deleted", "converted")


@dataclass(frozen=True)
class Eligible:
    """The records that take part in clustering, and what happened to the others.

    ``frame`` has a fresh RangeIndex and the columns the keys need, ``object, Id, Email,
    Phone, MobilePhone, country`` (text, blank for missing), and ``source`` (the record's
    position in the input; :func:`details` reads the other columns of the few records that
    end in a cluster). ``counts`` holds ``records`` (input rows),
    ``by_object`` (input rows per object), ``excluded`` (per reason), ``repeated_ids`` and
    ``eligible``.
    """

    frame: pd.DataFrame
    counts: dict[str, Any]


def text_column(records: pd.DataFrame, name: str, rows: np.ndarray | None = None) -> np.ndarray:
    """Column ``name`` (at positions ``rows``, default all) as an object array of str ("" for
    missing cells or a missing column)."""
    count = len(records) if rows is None else len(rows)
    if name not in records:
        return np.full(count, "", dtype=object)
    column = records[name] if rows is None else records[name].iloc[rows]
    values = column.to_numpy(dtype=object, na_value="")
    if column.dtype == object or pd.api.types.is_string_dtype(column):
        return values
    return per_unique(values, str)


def flag(records: pd.DataFrame, name: str, rows: np.ndarray | None = None) -> np.ndarray:
    """Column ``name`` (at positions ``rows``, default all) as bools: True, ``true`` or
    ``1``; False otherwise or when missing."""
    if name not in records:
        return np.zeros(len(records) if rows is None else len(rows), dtype=bool)
    column = records[name] if rows is None else records[name].iloc[rows]
    if pd.api.types.is_bool_dtype(column):
        return column.fillna(False).to_numpy(dtype=bool)
    values = column.to_numpy(dtype=object, na_value="")
    return per_unique(values, lambda v: str(v).strip().lower() in _TRUE).astype(bool)


def _country(records: pd.DataFrame, objects: np.ndarray) -> np.ndarray:
    """Each record's country cell: the field :data:`COUNTRY_FIELD` names for its object."""
    out = np.full(len(records), "", dtype=object)
    for object_name, field in COUNTRY_FIELD.items():
        rows = objects == object_name
        if rows.any() and field in records:
            out[rows] = text_column(records, field)[rows]
    return out


def _check_new(records: pd.DataFrame, new: str | Collection[str] | None) -> None:
    if isinstance(new, str) and new not in records:
        raise ColumnNotFoundError(
            f"the records have no column {new!r} to mark new records; pass a set of Ids "
            "or the name of a boolean column",
            columns=[str(c) for c in records.columns],
        )


#: Columns :func:`details` returns besides ``object``, ``Id``, ``created``, ``is_new``.
DETAIL_COLUMNS = (
    "Email",
    "CreatedById",
    "created_by",
    "user_type",
    "profile",
    "AccountId",
    "CreatedDate",
)


def details(
    records: pd.DataFrame, rows: np.ndarray, new: str | Collection[str] | None = None
) -> pd.DataFrame:
    """The records at positions ``rows`` of ``records``: ``object``, ``Id``,
    :data:`DETAIL_COLUMNS` (text), ``created`` (UTC datetime, NaT when unparsable) and
    ``is_new`` (``new`` as in :func:`prepare`; None: every record is new)."""
    frame = pd.DataFrame(
        {name: text_column(records, name, rows) for name in ("object", "Id", *DETAIL_COLUMNS)},
        dtype=object,
    )
    frame["created"] = pd.to_datetime(
        pd.Series(frame["CreatedDate"].to_numpy(dtype=object), dtype=object),
        utc=True,
        format="ISO8601",
        errors="coerce",
    )
    if new is None:
        frame["is_new"] = True
    elif isinstance(new, str):
        frame["is_new"] = flag(records, new, rows)
    else:
        frame["is_new"] = frame["Id"].isin(set(new)).to_numpy(dtype=bool)
    return frame


def prepare(records: pd.DataFrame, new: str | Collection[str] | None = None) -> Eligible:
    """The eligible records of ``records`` (never modified) and the counts of the others.

    ``new`` is only checked here (see :func:`details`): None (every record counts as new: a
    first scan), the name of a boolean column, or a collection of Ids created or modified
    since the last scan's watermark.
    """
    _check_new(records, new)
    missing = [c for c in REQUIRED_COLUMNS if c not in records]
    if missing:
        raise ColumnNotFoundError(
            f"the records lack the column(s) {', '.join(missing)}; extract at least "
            "object, Id and CreatedDate (see sfclean.scanning.records)",
            columns=[str(c) for c in records.columns],
        )
    objects = text_column(records, "object")
    ids = text_column(records, "Id")
    reason = np.full(len(records), "", dtype=object)
    tests = {
        "deleted": flag(records, "IsDeleted"),
        "merged": text_column(records, "MasterRecordId") != "",
        "converted": flag(records, "IsConverted"),
    }
    for name in reversed(EXCLUSIONS):  # the first reason in EXCLUSIONS wins
        reason[tests[name]] = name
    repeated = pd.Series(ids, dtype=object).duplicated().to_numpy()
    keep = (reason == "") & ~repeated
    positions = np.flatnonzero(keep)
    frame = pd.DataFrame(
        {
            "object": objects[keep],
            "Id": ids[keep],
            **{
                name: text_column(records, name)[keep] for name in ("Email", "Phone", "MobilePhone")
            },
            "country": _country(records, objects)[keep],
        },
        dtype=object,  # plain str objects: no string-dtype conversion of 2M cells
    )
    frame["source"] = positions
    counts: dict[str, Any] = {
        "records": len(records),
        "by_object": {str(k): int(v) for k, v in pd.Series(objects).value_counts().items()},
        "excluded": {name: int((reason == name).sum()) for name in EXCLUSIONS},
        "repeated_ids": int((repeated & (reason == "")).sum()),
        "eligible": int(keep.sum()),
    }
    return Eligible(frame, counts)
