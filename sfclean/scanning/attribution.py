"""Who created the duplicates: newer duplicates per creator, bursts, claimed creators.

The oldest record of a cluster (smallest CreatedDate, ties by Id; see
:mod:`sfclean.scanning.cluster`) is the incumbent; **every other record of the cluster is a
newer duplicate** attributed to its ``CreatedById``.

A **burst** is a maximal run of two or more newer duplicates of one creator, in
CreatedDate order, each created at most ``burst_seconds`` after the previous one (so a run
may last longer than ``burst_seconds`` in all). A duplicate with no parsable CreatedDate is
in no burst.

``attribution`` is ``claimed`` for creators in ``audit_field_users`` (they hold "Set Audit
Fields upon Record Creation", so the CreatedById and CreatedDate of their records may have
been written by the loader itself, not recorded by Salesforce), else ``recorded``.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

__all__ = ["BY_CREATOR_COLUMNS", "burst_runs", "by_creator"]

BY_CREATOR_COLUMNS = [
    "created_by",
    "user_type",
    "duplicates",
    "first",
    "last",
    "bursts",
    "in_bursts",
    "attribution",
    "CreatedById",
    "profile",
]


def burst_runs(creators: np.ndarray, seconds: np.ndarray, burst_seconds: float) -> np.ndarray:
    """The run number of each duplicate, for rows already sorted by (creator, time).

    ``seconds`` is the creation time in seconds (NaN when unknown). A row continues the
    previous row's run when both have the same creator and it came at most
    ``burst_seconds`` later; runs are numbered from 0 in row order.
    """
    n = len(creators)
    if not n:
        return np.zeros(0, dtype=np.int64)
    same = np.zeros(n, dtype=bool)
    gap = np.diff(seconds)
    with np.errstate(invalid="ignore"):
        same[1:] = (creators[1:] == creators[:-1]) & (gap <= burst_seconds)
    return np.cumsum(~same) - 1


def by_creator(
    duplicates: pd.DataFrame,
    *,
    burst_seconds: float = 60,
    audit_field_users: Collection[str] = frozenset(),
) -> pd.DataFrame:
    """One row per creator of newer duplicates (:data:`BY_CREATOR_COLUMNS`), most first.

    ``duplicates``: the newer duplicates, with ``CreatedById``, ``created_by``,
    ``user_type``, ``profile`` (text), ``created`` (UTC datetimes) and ``Id``. A blank
    CreatedById is grouped under its username. ``first`` / ``last`` are the creator's
    earliest and latest duplicate (UTC); ``in_bursts`` counts the duplicates inside bursts.
    """
    if duplicates.empty:
        return pd.DataFrame({c: [] for c in BY_CREATOR_COLUMNS})
    frame = duplicates[["Id", "CreatedById", "created_by", "user_type", "profile", "created"]]
    frame = frame.assign(
        creator=np.where(frame["CreatedById"] != "", frame["CreatedById"], frame["created_by"])
    ).sort_values(["creator", "created", "Id"], na_position="last", kind="stable")
    stamps = frame["created"]
    seconds = np.where(
        stamps.isna(), np.nan, (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    )
    frame = frame.assign(
        run=burst_runs(frame["creator"].to_numpy(dtype=object), seconds, burst_seconds)
    )
    run_size = frame.groupby("run")["run"].transform("size")
    frame = frame.assign(
        in_burst=run_size >= 2, burst_start=(run_size >= 2) & ~frame["run"].duplicated()
    )
    grouped = frame.groupby("creator", sort=False)
    table = pd.DataFrame(
        {
            "created_by": grouped["created_by"].first(),
            "user_type": grouped["user_type"].first(),
            "duplicates": grouped.size(),
            "first": grouped["created"].min(),
            "last": grouped["created"].max(),
            "bursts": grouped["burst_start"].sum(),
            "in_bursts": grouped["in_burst"].sum(),
            "CreatedById": grouped["CreatedById"].first(),
            "profile": grouped["profile"].first(),
        }
    )
    claimed = table["CreatedById"].isin(set(audit_field_users))
    table["attribution"] = np.where(claimed, "claimed", "recorded")
    table = table.sort_values(
        ["duplicates", "created_by", "CreatedById"], ascending=[False, True, True], kind="stable"
    )
    return (
        table[BY_CREATOR_COLUMNS]
        .astype({"duplicates": "int64", "bursts": "int64", "in_bursts": "int64"})
        .reset_index(drop=True)
    )
