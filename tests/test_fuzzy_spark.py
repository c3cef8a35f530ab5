"""The same fuzzy model on splink's Spark backend, in a local Spark session (docs/fuzzy.md).

pyspark is the optional ``spark`` extra (large, not in ``test``): without it, or without a
Java runtime, this test is skipped with the reason; CI installs only ``.[test]``.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sfclean.scanning.fuzzy import fuzzy_pairs

pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None,
        reason="pyspark is not installed (pip install 'sfclean[spark]'): Spark is optional",
    ),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime for Spark"),
]

BENCH = Path(__file__).resolve().parents[1] / "bench" / "fuzzy_data.py"


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    scratch = tmp_path_factory.mktemp("spark")
    patch = pytest.MonkeyPatch()
    patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")  # loopback only, never another interface
    session = (
        SparkSession.builder.master("local[1]")
        .appName("sfclean-fuzzy-test")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.local.dir", str(scratch / "local"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
    yield session
    session.stop()
    patch.undo()


def test_spark_backend_finds_the_same_duplicates(spark: Any) -> None:
    from splink import SparkAPI

    spec = importlib.util.spec_from_file_location("fuzzy_data", BENCH)
    assert spec is not None and spec.loader is not None
    fuzzy_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzzy_data)
    records = fuzzy_data.generate(400, seed=3)
    truth = fuzzy_data.true_pairs(records)
    on_spark = fuzzy_pairs(records, db_api=SparkAPI(spark_session=spark))
    on_duckdb = fuzzy_pairs(records)
    found = set(zip(on_spark["Id_l"], on_spark["Id_r"], strict=True))
    assert isinstance(on_spark, pd.DataFrame) and len(found) > 0
    assert len(found & truth) / len(found) >= 0.9
    assert len(found & truth) / len(truth) >= 0.8
    same = found & set(zip(on_duckdb["Id_l"], on_duckdb["Id_r"], strict=True))
    assert len(same) / len(found) >= 0.9  # same settings, same answers (sampling aside)
