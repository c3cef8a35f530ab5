"""The Spark worked example of docs/fuzzy.md, run as written in a local Spark session.

It needs pyspark (the ``spark`` extra) and a Java runtime. Where either is missing the tests
skip with the reason, except under ``CI=true``, where they fail: ``.ci/run`` installs both,
and a backend test must never pass by not running.

The same linkage settings on Spark and on DuckDB must give the same answers: the same pairs
and clusters, the same probabilities within a tolerance (u probabilities come from random
sampling, which the two engines draw differently under one seed).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sfclean.scanning.fuzzy import (
    FUZZY_CLUSTER_COLUMNS,
    PAIR_COLUMNS,
    fuzzy_clusters,
    fuzzy_pairs,
    probable_matches,
)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "fuzzy.md"
MARK = "<!-- tests/test_fuzzy_spark.py runs the next block as written -->"
THRESHOLD = 0.95
#: probabilities of one pair on the two engines differ by at most this (measured: 0.005)
TOLERANCE = 0.01

pytestmark = [
    # pyspark 4.3 says so once, when the session starts (docs/fuzzy.md, "What to expect")
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    # the first test also starts Spark and runs the example: about 60 s alone, 140 s loaded
    pytest.mark.timeout(600),
]


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("fuzzy_data", ROOT / "bench" / "fuzzy_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzzy_data = _generator()


def require_spark() -> None:
    """Skip (fail under CI=true) when pyspark or Java is missing."""
    missing = []
    if importlib.util.find_spec("pyspark") is None:
        missing.append("pyspark (pip install -e '.[spark]')")
    if shutil.which("java") is None:
        missing.append("a Java runtime (apt-get install default-jre-headless)")
    if missing:
        message = "the Spark backend test needs " + " and ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; CI must install them (.ci/run does)", pytrace=False)
        pytest.skip(message)


def worked_example() -> str:
    """The Python block after MARK in docs/fuzzy.md."""
    doc = DOC.read_text(encoding="utf-8")
    block = doc[doc.index(MARK) + len(MARK) :].lstrip("\n")
    assert block.startswith("```python\n"), "the mark must stand right above the block"
    block = block[len("```python\n") :]
    return block[: block.index("```\n")]


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    # 1,000: the smallest input on which the model's EM training runs (MIN_TRAINING_RECORDS)
    return fuzzy_data.generate(1_000, seed=3)


@pytest.fixture(scope="module")
def example(labelled: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The namespace the worked example leaves: ``spark``, ``db_api``, ``pairs``, ``clusters``."""
    require_spark()
    scratch = tmp_path_factory.mktemp("spark")
    patch = pytest.MonkeyPatch()
    patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")  # undone afterwards; the example sets it too
    patch.chdir(scratch)  # Spark's own scratch files (spark-warehouse...) land here
    patch.setattr(tempfile, "tempdir", str(scratch))  # and the example's checkpoint directory
    namespace: dict[str, Any] = {"records": labelled}
    try:
        exec(compile(worked_example(), str(DOC), "exec"), namespace)
        yield namespace
    finally:
        if "spark" in namespace:
            namespace["spark"].stop()
        patch.undo()


@pytest.fixture(scope="module")
def on_duckdb(labelled: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return fuzzy_pairs(labelled, threshold=THRESHOLD), fuzzy_clusters(labelled, threshold=THRESHOLD)


def _by_pair(pairs: pd.DataFrame) -> pd.DataFrame:
    return pairs.set_index(["Id_l", "Id_r"])


def _one_engine_only(spark: pd.DataFrame, duck: pd.DataFrame) -> pd.DataFrame:
    """The pairs (``Id_l``, ``Id_r``, ``probability``) that one engine found and not the other."""
    a, b = _by_pair(spark), _by_pair(duck)
    only = pd.concat([a.loc[a.index.difference(b.index)], b.loc[b.index.difference(a.index)]])
    return only.reset_index()[["Id_l", "Id_r", "probability"]]


def test_the_example_finds_the_same_pairs_as_duckdb(
    example: dict, on_duckdb: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    assert list(example["pairs"].columns) == PAIR_COLUMNS
    spark, duck = _by_pair(example["pairs"]), _by_pair(on_duckdb[0])
    assert len(spark) > 300 and spark.index.is_unique
    assert (spark["probability"] >= THRESHOLD).all()
    # a pair only one engine found is rare and lies within the tolerance of the threshold
    only = _one_engine_only(example["pairs"], on_duckdb[0])
    assert len(only) <= 0.01 * len(duck)
    assert (only["probability"] < THRESHOLD + TOLERANCE).all()
    common = spark.index.intersection(duck.index)
    a, b = spark.loc[common], duck.loc[common]
    assert (a["probability"] - b["probability"]).abs().max() <= TOLERANCE
    assert (a["agreed"] == b["agreed"]).mean() >= 0.95
    assert (a[["object_l", "object_r"]] == b[["object_l", "object_r"]]).all(axis=None)


def test_the_example_finds_the_true_duplicates(example: dict, labelled: pd.DataFrame) -> None:
    truth = fuzzy_data.true_pairs(labelled)
    found = set(zip(example["pairs"]["Id_l"], example["pairs"]["Id_r"], strict=True))
    assert len(found & truth) / len(found) >= 0.95, "precision"
    assert len(found & truth) / len(truth) >= 0.85, "recall"


def _groups(clusters: pd.DataFrame) -> set[tuple[str, frozenset[str]]]:
    return {(str(c), frozenset(g["Id"])) for c, g in clusters.groupby("cluster")}


def _components(pairs: pd.DataFrame) -> set[frozenset[str]]:
    """The connected components of ``pairs`` (each of 2 records or more), computed here."""
    ids = np.unique(np.concatenate([pairs["Id_l"], pairs["Id_r"]]))
    left, right = np.searchsorted(ids, pairs["Id_l"]), np.searchsorted(ids, pairs["Id_r"])
    graph = coo_matrix((np.ones(len(pairs)), (left, right)), shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    return {frozenset(ids[labels == k]) for k in np.unique(labels)}


def test_the_example_finds_the_same_clusters_as_duckdb(
    example: dict, on_duckdb: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    clusters = example["clusters"]
    assert list(clusters.columns) == FUZZY_CLUSTER_COLUMNS
    assert (clusters["match"] == "fuzzy").all() and clusters["Id"].is_unique
    on_spark = _groups(clusters)
    # Spark's clustering is the connected components of Spark's own pairs
    assert {members for _, members in on_spark} == _components(example["pairs"])
    # the same clusters under the same ids as on DuckDB, but where a pair near the threshold
    # was found by one engine only
    duck_pairs, duck_clusters = on_duckdb
    only = _one_engine_only(example["pairs"], duck_pairs)
    borderline = set(only["Id_l"]) | set(only["Id_r"])
    on_duck = _groups(duck_clusters)
    differing = on_spark ^ on_duck
    assert all(members & borderline for _, members in differing)
    assert len(differing) <= 0.02 * len(on_duck)
    best = clusters.set_index("Id")["probability"]
    duck_best = duck_clusters.set_index("Id")["probability"]
    common = best.index.intersection(duck_best.index)
    assert (best[common] - duck_best[common]).abs().max() <= TOLERANCE


def test_probable_matches_on_spark_pick_the_same_org_records(
    example: dict, labelled: pd.DataFrame
) -> None:
    """splink's link_only on the example's session: the people's later records (a file)
    against the first records of 600 of them (an org); under 1,000 rows in all, so this
    one runs without EM."""
    first = ~labelled.duplicated("person")
    org = labelled[first].head(600).reset_index(drop=True)
    later = labelled[~first].reset_index(drop=True)
    file_rows = later.drop(columns=["object", "Id", "person"])
    on_spark = probable_matches(file_rows, org, threshold=THRESHOLD, db_api=example["db_api"])
    on_duck = probable_matches(file_rows, org, threshold=THRESHOLD)
    both = on_spark.merge(on_duck, on="row", how="outer", suffixes=("_spark", "_duck"))
    assert len(on_spark) > 50 and len(both) <= 1.01 * len(on_duck)
    assert (both["Id_spark"] == both["Id_duck"]).mean() >= 0.99
    assert (both["probability_spark"] - both["probability_duck"]).abs().max() <= TOLERANCE
    expected = later["person"].map(dict(zip(org["person"], org["Id"], strict=True)))
    right = (expected.iloc[on_spark["row"]].to_numpy() == on_spark["Id"].to_numpy()).sum()
    assert right / len(on_spark) >= 0.95, "precision"
    assert right / expected.notna().sum() >= 0.85, "recall"
