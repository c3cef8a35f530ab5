"""``sfclean.scan(..., fuzzy=True)``: the same person stored twice under different emails.

After the exact clusters, the eligible records (converted leads, merge victims and deleted
records left out, as :func:`sfclean.scanning.records.prepare` does for the exact scan) go
through :func:`sfclean.scanning.fuzzy.fuzzy_clusters` (splink, the ``sfclean[fuzzy]``
extra). Its clusters are appended under the exact ones in the clusters table with
``match`` = ``fuzzy``, the record columns filled from the records
(:func:`sfclean.scanning.records.details`), ``survivor`` false (a fuzzy cluster suggests no
merge), ``cause`` blank, and two more columns: ``probability`` (the record's best pair in
its cluster) and ``agreed`` (the fields that agreed on it), both blank on exact rows.

- A fuzzy cluster whose records all lie in one exact cluster says nothing new and is
  dropped; one that reaches beyond it (an exact pair plus a third record under another
  email) is kept whole, so a record may appear in an exact and in a fuzzy cluster.
- Fuzzy clusters are never in ``merge_plan``, ``convert_plan``, ``by_creator``, the
  findings or the DuplicateRecordSets: they are suggestions for a person to review.
- Incremental scans report a fuzzy cluster only when it holds a new record, like an exact
  one (``is_new``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

import numpy as np
import pandas as pd

from sfclean.errors import ConfigError
from sfclean.scanning.engine import CLUSTER_COLUMNS, ScanTables
from sfclean.scanning.fuzzy import fuzzy_clusters
from sfclean.scanning.records import details, prepare

__all__ = ["FUZZY_COLUMNS", "check_fuzzy", "fuzzy_table", "with_fuzzy"]

#: Columns the clusters table gets with ``fuzzy=True`` (blank on exact rows).
FUZZY_COLUMNS = ("probability", "agreed")


def check_fuzzy(threshold: float) -> None:
    """ConfigError for a threshold outside (0, 1] or a missing ``sfclean[fuzzy]`` extra."""
    from sfclean.scanning.fuzzy_model import splink_modules

    if not 0 < threshold <= 1:
        raise ConfigError(f"fuzzy_threshold must be a probability in (0, 1] (got {threshold!r})")
    splink_modules()


def _inside_exact(fuzzy: pd.DataFrame, exact: pd.DataFrame) -> np.ndarray:
    """Per fuzzy row: its fuzzy cluster's records all lie in one exact cluster."""
    exact_of = pd.Series(exact["cluster"].to_numpy(dtype=object), index=exact["Id"].astype(str))
    exact_of = exact_of[~exact_of.index.duplicated()]
    home = exact_of.reindex(fuzzy["Id"].astype(str)).fillna("").to_numpy(dtype=object)
    frame = pd.DataFrame({"cluster": fuzzy["cluster"].to_numpy(dtype=object), "home": home})
    groups = frame.groupby("cluster")["home"]
    inside = (groups.transform("nunique") == 1) & (groups.transform("min") != "")
    return inside.to_numpy(dtype=bool)


def fuzzy_table(
    records: pd.DataFrame,
    exact: pd.DataFrame,
    *,
    new: Collection[str] | None,
    threshold: float,
    default_region: str,
) -> pd.DataFrame:
    """The fuzzy rows of the clusters table (module docstring): :data:`CLUSTER_COLUMNS` plus
    :data:`FUZZY_COLUMNS`, sorted by cluster, then age and Id. ``exact``: the exact clusters
    table (``cluster``, ``Id``); ``new``: as for the exact scan (None: every record)."""
    eligible = prepare(records, new)
    source = eligible.frame["source"].to_numpy()
    people = records.iloc[source].reset_index(drop=True)
    found = fuzzy_clusters(people, threshold=threshold, default_region=default_region)
    found = found[~_inside_exact(found, exact)].reset_index(drop=True)
    position = pd.Series(np.arange(len(people)), index=people["Id"].astype(str))
    at = position.reindex(found["Id"].astype(str)).to_numpy(dtype=np.int64)
    rows = details(people, at, new)
    rows["cluster"] = found["cluster"].to_numpy(dtype=object)
    rows["match"] = "fuzzy"
    rows["survivor"] = False
    rows["is_new"] = rows.groupby("cluster")["is_new"].transform("any").astype(bool)
    rows["probability"] = found["probability"].to_numpy(dtype=float)
    rows["agreed"] = found["agreed"].to_numpy(dtype=object)
    if new is not None:
        rows = rows[rows["is_new"].to_numpy(dtype=bool)]
    rows = rows.sort_values(["cluster", "created", "Id"], na_position="last")
    return rows[[*CLUSTER_COLUMNS, *FUZZY_COLUMNS]].reset_index(drop=True)


def with_fuzzy(
    tables: ScanTables,
    records: pd.DataFrame,
    new: Collection[str] | None,
    threshold: float,
    default_region: str,
) -> tuple[ScanTables, pd.DataFrame]:
    """(``tables`` with the fuzzy counts, the fuzzy rows): the tables stay exact, so
    causes, plans and record sets never see the fuzzy rows."""
    found = fuzzy_table(
        records, tables.clusters, new=new, threshold=threshold, default_region=default_region
    )
    counts = {
        **tables.counts,
        "fuzzy_threshold": threshold,
        "fuzzy_clusters": int(found["cluster"].nunique()),
        "fuzzy_records": len(found),
    }
    return replace(tables, counts=counts), found
