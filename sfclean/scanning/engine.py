"""The scan engine's entry point: extracted records in, scan tables out.

:func:`cluster_records` runs :mod:`~sfclean.scanning.records` (exclusions),
:mod:`~sfclean.scanning.keys`, :mod:`~sfclean.scanning.cluster`, :mod:`~sfclean.scanning.attribution`
and :mod:`~sfclean.scanning.plans` and returns a :class:`ScanTables`. It talks to no org: the
``sfclean.scan`` stage extracts the records and wraps these tables in the common result.

Incremental scans: pass ``new`` (the Ids created or modified since the last watermark, or
the name of a boolean column). All records still form the key index, so a new record joins
an old cluster; a cluster is **new** (``is_new``) when it holds at least one new record, and
``counts["new_clusters"]`` is what a ``--fail-on-duplicates`` check reads. ``only_new=True``
keeps only the new clusters in every table.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sfclean.cleaners.junk import JunkPolicy
from sfclean.errors import ConfigError
from sfclean.scanning.attribution import by_creator
from sfclean.scanning.cluster import find_clusters, label_members
from sfclean.scanning.keys import record_keys
from sfclean.scanning.plans import convert_plan, merge_plan
from sfclean.scanning.records import details, prepare

__all__ = ["CLUSTER_COLUMNS", "ScanTables", "cluster_records", "clusters_table"]

#: Columns of the clusters table (clusters.csv), in order.
CLUSTER_COLUMNS = [
    "cluster",
    "object",
    "Id",
    "Email",
    "match",
    "CreatedById",
    "created_by",
    "CreatedDate",
    "survivor",
    "is_new",
]


#: The junk policy scans use by default: normalize's (no-reply, role, disposable).
DEFAULT_JUNK = JunkPolicy()


@dataclass(frozen=True)
class ScanTables:
    """What the scan engine found.

    - ``clusters``: one row per record of every cluster (:data:`CLUSTER_COLUMNS`; ``Email``
      and ``CreatedDate`` as stored in the org), sorted by cluster id, survivor first, then
      CreatedDate and Id;
    - ``by_creator``: newer duplicates per creator (:mod:`sfclean.scanning.attribution`);
    - ``merge_plan`` / ``convert_plan``: :mod:`sfclean.scanning.plans`;
    - ``counts``: ``records``, ``by_object``, ``excluded`` (``deleted``, ``merged``,
      ``converted``), ``repeated_ids``, ``eligible``, ``clusters``, ``new_clusters``,
      ``clustered_records``, ``junk_emails`` (eligible records whose email is a junk mailbox,
      linked by no email), ``duplicates`` (clustered records that are not the oldest of
      their cluster), ``merge_rows``, ``convert_rows``.
    """

    clusters: pd.DataFrame
    by_creator: pd.DataFrame
    merge_plan: pd.DataFrame
    convert_plan: pd.DataFrame
    counts: dict[str, Any] = field(default_factory=dict)
    members: pd.DataFrame | None = None

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"<ScanTables {c.get('clusters', 0):,} clusters ({c.get('new_clusters', 0):,} new), "
            f"{c.get('clustered_records', 0):,} of {c.get('records', 0):,} records>"
        )


def clusters_table(members: pd.DataFrame) -> pd.DataFrame:
    """The clusters table (:data:`CLUSTER_COLUMNS`) from :func:`label_members`' rows
    (already in their stable order)."""
    return members[CLUSTER_COLUMNS].reset_index(drop=True)


def cluster_records(
    records: pd.DataFrame,
    *,
    match_key: str = "email",
    match_phone: bool = False,
    default_region: str = "US",
    burst_seconds: float = 60,
    audit_field_users: Collection[str] = frozenset(),
    new: str | Collection[str] | None = None,
    only_new: bool = False,
    junk: JunkPolicy | None = DEFAULT_JUNK,
) -> ScanTables:
    """Cluster extracted Lead/Contact ``records`` (never modified) into duplicate sets.

    ``records``: one row per record, columns as :mod:`sfclean.scanning.records` lists
    (``object``, ``Id``, ``CreatedDate`` required; ``Email``, ``Phone``, ``MobilePhone``,
    ``MailingCountry`` / ``Country``, ``CreatedById``, ``created_by``, ``user_type``,
    ``profile``, ``AccountId``, ``IsConverted``, ``ConvertedContactId``,
    ``MasterRecordId``, ``IsDeleted`` optional). Converted leads, merge victims and deleted
    records are left out (counted in ``counts["excluded"]``).

    ``match_key``: ``email`` or ``provider`` (Gmail dots and +tags...). ``match_phone``: also
    link by E.164 Phone / MobilePhone, read in the record's country, else
    ``default_region``. ``burst_seconds``: see :mod:`sfclean.scanning.attribution`.
    ``audit_field_users``: User Ids holding "Set Audit Fields upon Record Creation" (their
    duplicates are attributed as ``claimed``). ``new`` / ``only_new``: incremental scans
    (module docstring). ``junk``: email keys this policy calls junk mailboxes (``info@``,
    ``noreply@``, disposable domains; normalize's default policy) link no records, so a
    shared role mailbox is not one giant cluster; ``None`` links them too
    (:mod:`sfclean.scanning.keys`).

    Raises :class:`~sfclean.errors.ColumnNotFoundError` without the required columns and
    :class:`~sfclean.errors.ConfigError` for an unknown ``match_key`` or a negative
    ``burst_seconds``, before any work.
    """
    if match_key not in ("email", "provider"):
        raise ConfigError(f"match_key must be email or provider (got {match_key!r})")
    if not burst_seconds >= 0:
        raise ConfigError(f"burst_seconds must be 0 or more (got {burst_seconds!r})")
    eligible = prepare(records, new)
    frame = eligible.frame
    keys = record_keys(
        frame,
        match_key=match_key,
        match_phone=match_phone,
        default_region=default_region,
        junk=junk,
    )
    junk_emails = keys.junk_emails
    rows, component, match = find_clusters(len(frame), keys)
    del keys
    source = frame["source"].to_numpy()[rows]
    members = label_members(details(records, source, new), component, match)
    if only_new:
        members = members[members["is_new"].to_numpy(dtype=bool)].reset_index(drop=True)
    clusters = clusters_table(members)
    newer = members[~members["oldest"].to_numpy(dtype=bool)]
    creators = by_creator(newer, burst_seconds=burst_seconds, audit_field_users=audit_field_users)
    merges, converts = merge_plan(members), convert_plan(members)
    counts = dict(eligible.counts)
    counts.update(
        clusters=int(clusters["cluster"].nunique()),
        new_clusters=int(clusters.loc[clusters["is_new"], "cluster"].nunique()),
        clustered_records=len(clusters),
        junk_emails=junk_emails,
        duplicates=len(newer),
        merge_rows=len(merges),
        convert_rows=len(converts),
    )
    return ScanTables(clusters, creators, merges, converts, counts, members)
