"""Fuzzy duplicates: the same person under another email, by probabilistic record linkage.

Needs the ``fuzzy`` extra (``pip install 'sfclean[fuzzy]'``: splink on its embedded DuckDB,
cleanco, nicknames); without it every function here raises
:class:`~sfclean.errors.ConfigError` saying so, and the rest of sfclean works as before.

- :func:`fuzzy_pairs`: pairs of records of one table that probably are one person, with
  splink's match probability and the fields that agreed (:data:`PAIR_COLUMNS`);
- :func:`fuzzy_clusters`: those pairs joined into clusters (connected components, splink's
  ``cluster_pairwise_predictions_at_threshold``), one row per record
  (:data:`FUZZY_CLUSTER_COLUMNS`): ``cluster`` (``F-`` + 12 hex digits of SHA-1 of the
  smallest Id, never equal to an exact cluster's ``C-`` id), ``object``, ``Id``,
  ``match`` (always ``fuzzy``), ``probability`` (the record's best pair in its cluster) and
  ``agreed`` (the fields that agreed on that pair, ``;``-joined). Fuzzy clusters are
  suggestions for a person to review: they are never merged automatically, and the scan
  stage can concatenate them under the exact clusters (``match`` tells them apart);
- :func:`probable_matches`: rows of a file that probably are an org record (splink's
  ``link_only``), for ``exclude(..., fuzzy=True)``.

Records: the columns :mod:`sfclean.scanning.records` lists (``object``, ``Id``) plus
``FirstName``, ``LastName``, ``Company`` / ``AccountName``, ``Phone``, ``MobilePhone``,
``City`` / ``MailingCity``, ``Country`` / ``MailingCountry``, ``Email``
(:mod:`sfclean.scanning.fuzzy_features`); the model is :mod:`sfclean.scanning.fuzzy_model`.
Quality and speed are measured in bench/fuzzy.py (bench/README.md), the Spark backend is in
docs/fuzzy.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from sfclean.errors import ColumnNotFoundError, ConfigError, InputError
from sfclean.scanning import DEFAULT_THRESHOLD
from sfclean.scanning.fuzzy_db import fuzzy_database
from sfclean.scanning.fuzzy_features import FEATURES, features
from sfclean.scanning.fuzzy_model import (
    Linked,
    make_linker,
    predict,
    quiet_splink,
    to_pandas,
    train,
)
from sfclean.scanning.records import text_column

__all__ = [
    "FUZZY_CLUSTER_COLUMNS",
    "PAIR_COLUMNS",
    "PROBABLE_MATCH_COLUMNS",
    "fuzzy_clusters",
    "fuzzy_pairs",
    "probable_matches",
]

#: Columns of :func:`fuzzy_pairs`: ``_l`` is the record with the smaller Id.
PAIR_COLUMNS = ["object_l", "Id_l", "object_r", "Id_r", "probability", "agreed"]
#: Columns of :func:`fuzzy_clusters`.
FUZZY_CLUSTER_COLUMNS = ["cluster", "object", "Id", "match", "probability", "agreed"]
#: Columns of :func:`probable_matches`: ``row`` is the file row's position (0-based).
PROBABLE_MATCH_COLUMNS = ["row", "object", "Id", "probability", "agreed"]


def _check(records: Any, threshold: float, name: str = "records") -> None:
    if not isinstance(records, pd.DataFrame):
        raise InputError(f"fuzzy matching needs a pandas DataFrame (got {type(records).__name__})")
    if not 0 < threshold <= 1:
        raise ConfigError(f"threshold must be a probability in (0, 1] (got {threshold!r})")
    for column in ("object", "Id"):
        if name == "records" and column not in records:
            raise ColumnNotFoundError(
                f"the {name} lack the column {column}; extract object and Id with the names, "
                "phones, company, city and email (see sfclean.scanning.fuzzy)",
                columns=[str(c) for c in records.columns],
            )


def _agreed(frame: pd.DataFrame) -> np.ndarray:
    """Per scored pair, the features whose match weight favours a match, ``;``-joined."""
    masks = [
        (name, frame[f"mw_{name}"].to_numpy(dtype=float) > 0)
        for name in FEATURES
        if f"mw_{name}" in frame
    ]
    out = np.empty(len(frame), dtype=object)
    out[:] = [";".join(n for n, m in masks if m[i]) for i in range(len(frame))]
    return out


def _scored(linked: Linked, threshold: float) -> tuple[Any, pd.DataFrame]:
    """(splink's predictions table, it as pandas with ``agreed``) above ``threshold``."""
    predicted = predict(linked, threshold)
    names = [column.unquote().name for column in predicted.columns]
    wanted = ["unique_id_l", "unique_id_r", "source_dataset_l", "match_probability"]
    wanted += [f"mw_{name}" for name in FEATURES]
    frame = to_pandas(predicted, [name for name in wanted if name in names])
    frame["agreed"] = _agreed(frame)
    return predicted, frame


@contextmanager
def _run(
    records: pd.DataFrame, threshold: float, default_region: str, seed: int, db_api: Any
) -> Iterator[tuple[Any, Any, pd.DataFrame]]:
    """(the trained linker, its predictions, them as pandas), inside the database, which
    is removed on leaving when sfclean opened it (:mod:`sfclean.scanning.fuzzy_db`)."""
    with quiet_splink(), fuzzy_database(db_api) as db:
        # no name holds the feature table: make_linker copies it to Arrow, then it is freed
        linked = make_linker([features(records, default_region=default_region)], "dedupe_only", db)
        train(linked.linker, len(records), seed=seed)
        yield linked.linker, *_scored(linked, threshold)


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype=float if c == "probability" else object) for c in PAIR_COLUMNS}
    )


def fuzzy_pairs(
    records: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    default_region: str = "US",
    seed: int = 16,
    db_api: Any = None,
) -> pd.DataFrame:
    """Pairs of ``records`` (never modified) whose match probability is at least
    ``threshold`` (:data:`PAIR_COLUMNS`), highest first, then by Id. Phones are read in
    the record's country, else ``default_region``; ``seed`` fixes the random sampling of
    the training, so a run is repeatable. ``db_api``: the splink backend (default a
    DuckDB of sfclean's own, :mod:`sfclean.scanning.fuzzy_db`;
    ``splink.SparkAPI(spark_session=...)`` beyond one machine, see docs/fuzzy.md)."""
    _check(records, threshold)
    if len(records) < 2:
        return _empty_pairs()
    with _run(records, threshold, default_region, seed, db_api) as (_, _, frame):
        return _pairs_table(records, frame)


def _pairs_table(records: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    objects, ids = text_column(records, "object"), text_column(records, "Id")
    left = frame["unique_id_l"].to_numpy(dtype=np.int64)
    right = frame["unique_id_r"].to_numpy(dtype=np.int64)
    swap = ids[left] > ids[right]
    low, high = np.where(swap, right, left), np.where(swap, left, right)
    pairs = pd.DataFrame(
        {
            "object_l": objects[low],
            "Id_l": ids[low],
            "object_r": objects[high],
            "Id_r": ids[high],
            "probability": frame["match_probability"].to_numpy(dtype=float),
            "agreed": frame["agreed"].to_numpy(dtype=object),
        }
    )
    pairs = pairs.sort_values(["probability", "Id_l", "Id_r"], ascending=[False, True, True])
    return pairs.reset_index(drop=True)


def _cluster_id(smallest_id: str) -> str:
    return "F-" + hashlib.sha1(smallest_id.encode("utf-8")).hexdigest()[:12]


def fuzzy_clusters(
    records: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    default_region: str = "US",
    seed: int = 16,
    db_api: Any = None,
) -> pd.DataFrame:
    """The clusters of :func:`fuzzy_pairs` (:data:`FUZZY_CLUSTER_COLUMNS`), one row per
    clustered record, sorted by cluster id then Id; singletons are left out."""
    _check(records, threshold)
    if len(records) < 2:
        return _clusters_table(records, pd.DataFrame(), pd.DataFrame())
    with _run(records, threshold, default_region, seed, db_api) as (linker, predicted, frame):
        clustered = to_pandas(
            linker.clustering.cluster_pairwise_predictions_at_threshold(
                predicted, threshold_match_probability=threshold
            ),
            ["unique_id", "cluster_id"],
        )
        return _clusters_table(records, clustered, frame)


def _best_pair(frame: pd.DataFrame) -> pd.DataFrame:
    """Per record position: its highest probability pair's probability and ``agreed``."""
    both = pd.concat(
        [
            frame[["unique_id_l", "match_probability", "agreed"]].set_axis(
                ["position", "probability", "agreed"], axis=1
            ),
            frame[["unique_id_r", "match_probability", "agreed"]].set_axis(
                ["position", "probability", "agreed"], axis=1
            ),
        ]
    )
    both = both.sort_values(["position", "probability"], ascending=[True, False])
    return both.drop_duplicates("position").set_index("position")


def _clusters_table(
    records: pd.DataFrame, clustered: pd.DataFrame, frame: pd.DataFrame
) -> pd.DataFrame:
    if clustered.empty or frame.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=float if c == "probability" else object)
                for c in FUZZY_CLUSTER_COLUMNS
            }
        )
    positions = clustered["unique_id"].to_numpy(dtype=np.int64)
    labels = clustered["cluster_id"].to_numpy(dtype=object)
    ids = text_column(records, "Id")[positions]
    table = pd.DataFrame(
        {"label": labels, "object": text_column(records, "object")[positions], "Id": ids}
    )
    sizes = table.groupby("label")["Id"].transform("size")
    table = table[sizes.to_numpy() >= 2].copy()
    kept = positions[sizes.to_numpy() >= 2]
    smallest = table.groupby("label")["Id"].transform("min")
    table["cluster"] = [_cluster_id(str(s)) for s in smallest]
    best = _best_pair(frame).reindex(kept)
    table["match"] = "fuzzy"
    table["probability"] = best["probability"].to_numpy(dtype=float)
    table["agreed"] = best["agreed"].to_numpy(dtype=object)
    table = table.sort_values(["cluster", "Id"])
    return table[FUZZY_CLUSTER_COLUMNS].reset_index(drop=True)


def probable_matches(
    file_rows: pd.DataFrame,
    org_records: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    default_region: str = "US",
    seed: int = 16,
    db_api: Any = None,
) -> pd.DataFrame:
    """Rows of ``file_rows`` that probably are one of ``org_records`` (both never
    modified), one row per matched file row (:data:`PROBABLE_MATCH_COLUMNS`): its position
    ``row`` in ``file_rows``, the best org record's ``object`` and ``Id``, the match
    ``probability`` (at least ``threshold``) and the fields that ``agreed``; sorted by row.

    ``file_rows`` has the feature columns under their API names (``FirstName``, ``LastName``,
    ``Company``, ``Email``, ``Phone``, ``MobilePhone``, ``City``, ``Country``); ``org_records``
    also has ``object`` and ``Id``. Splink's ``link_only`` mode: rows of the file are never
    compared with each other (normalize dedupes the file)."""
    _check(file_rows, threshold, name="file rows")
    _check(org_records, threshold)
    if file_rows.empty or org_records.empty:
        return _empty_matches()
    tables = [
        features(file_rows, default_region=default_region),
        features(org_records, default_region=default_region),
    ]
    with quiet_splink(), fuzzy_database(db_api) as db:
        linked = make_linker(tables, "link_only", db)  # empties tables: frees them
        train(linked.linker, len(file_rows) + len(org_records), seed=seed)
        _, frame = _scored(linked, threshold)
    names = linked.names
    if frame.empty:
        return _empty_matches()
    from_file = frame["source_dataset_l"].to_numpy(dtype=object) == names[0]
    rows = np.where(from_file, frame["unique_id_l"], frame["unique_id_r"]).astype(np.int64)
    org = np.where(from_file, frame["unique_id_r"], frame["unique_id_l"]).astype(np.int64)
    matches = pd.DataFrame(
        {
            "row": rows,
            "object": text_column(org_records, "object")[org],
            "Id": text_column(org_records, "Id")[org],
            "probability": frame["match_probability"].to_numpy(dtype=float),
            "agreed": frame["agreed"].to_numpy(dtype=object),
        }
    )
    matches = matches.sort_values(["row", "probability", "Id"], ascending=[True, False, True])
    return matches.drop_duplicates("row").reset_index(drop=True)


def _empty_matches() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype={"row": "int64", "probability": float}.get(c, object))
            for c in PROBABLE_MATCH_COLUMNS
        }
    )
