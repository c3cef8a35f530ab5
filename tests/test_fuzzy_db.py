"""The database fuzzy matching runs splink in (sfclean.scanning.fuzzy_db): by default a
DuckDB file with a memory limit in a temporary directory that is removed afterwards; a
caller's own database used as it is."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from test_fuzzy import JON, JONATHAN, fuzzy_data

from sfclean.scanning import fuzzy_db
from sfclean.scanning.fuzzy import fuzzy_clusters, fuzzy_pairs, probable_matches
from sfclean.scanning.fuzzy_db import DUCKDB_SETTINGS, MEMORY_LIMIT, fuzzy_database
from sfclean.scanning.fuzzy_model import splink_modules


def _setting(connection: duckdb.DuckDBPyConnection, name: str) -> Any:
    ((value,),) = connection.execute(f"SELECT current_setting('{name}')").fetchall()
    return value


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh directory as the temporary directory of tempfile (TMPDIR)."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return pd.concat(
        [fuzzy_data.generate(1_500, seed=7), pd.DataFrame([JON, JONATHAN])], ignore_index=True
    )


def test_the_default_database_is_a_limited_duckdb_file_removed_afterwards(
    temp_root: Path,
) -> None:
    with fuzzy_database() as db:
        assert db.owned
        connection = db.api.duckdb_con
        (folder,) = temp_root.iterdir()
        assert folder.name.startswith("sfclean-fuzzy-")
        assert (folder / "fuzzy.duckdb").exists()
        expected = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
        assert _setting(connection, "memory_limit") == _setting(expected, "memory_limit")
        assert _setting(connection, "memory_limit") != _setting(duckdb.connect(), "memory_limit")
        assert _setting(connection, "preserve_insertion_order") is False
        assert Path(_setting(connection, "temp_directory")) == folder / "spill"
        connection.execute("CREATE TABLE t AS SELECT * FROM range(10)")
    assert list(temp_root.iterdir()) == []
    assert DUCKDB_SETTINGS["memory_limit"] == MEMORY_LIMIT


def test_the_default_database_is_removed_when_the_call_fails(temp_root: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), fuzzy_database():
        assert len(list(temp_root.iterdir())) == 1
        raise RuntimeError("boom")
    assert list(temp_root.iterdir()) == []


def test_every_fuzzy_call_opens_its_own_database_and_removes_it(
    temp_root: Path, records: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    mkdtemp = tempfile.mkdtemp

    def spy(*args: Any, **kwargs: Any) -> str:
        opened.append(mkdtemp(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(fuzzy_db.tempfile, "mkdtemp", spy)
    pairs = fuzzy_pairs(records)
    clusters = fuzzy_clusters(records)
    matches = probable_matches(pd.DataFrame([JONATHAN]).drop(columns=["Id"]), records)
    assert len(opened) == 3 and len(set(opened)) == 3
    assert list(temp_root.iterdir()) == []
    assert {JON["Id"], JONATHAN["Id"]} <= set(clusters["Id"])
    assert len(pairs) > 100 and list(matches["Id"]) == [JONATHAN["Id"]]


def test_a_callers_own_duckdb_keeps_its_settings_and_gets_the_same_pairs(
    records: pd.DataFrame,
) -> None:
    connection = duckdb.connect()
    before = {
        name: _setting(connection, name)
        for name in ("memory_limit", "preserve_insertion_order", "temp_directory", "threads")
    }
    own = fuzzy_pairs(records, db_api=splink_modules().DuckDBAPI(connection=connection))
    after = {name: _setting(connection, name) for name in before}
    assert after == before
    pd.testing.assert_frame_equal(own, fuzzy_pairs(records), check_exact=False, rtol=1e-9)
