"""The database splink runs in for fuzzy matching, unless the caller passes one.

By default (``db_api=None``) every fuzzy call opens a fresh DuckDB database file in a new
temporary directory (:func:`tempfile.mkdtemp`, under ``TMPDIR``) and removes the directory
when the call ends, also when it fails. On disk rather than in memory so that DuckDB can
evict what it holds (the feature table, splink's term-frequency tables, the blocked pairs
of training and scoring, the predictions) once it reaches its memory limit, instead of
holding all of it: at 2,000,000 records the call's own peak fell from 1.9 to 1.0 GiB,
for about a fifth more CPU time (bench/README.md). Its settings (:data:`DUCKDB_SETTINGS`):

- ``memory_limit`` :data:`MEMORY_LIMIT`: what DuckDB's buffer manager may hold (its
  tables, hash tables, sorts); the feature table in Arrow and the pandas results sit
  beside it;
- ``temp_directory`` a folder inside that directory, for what DuckDB spills;
- ``preserve_insertion_order`` false: DuckDB need not keep row order in results it
  spills; sfclean sorts every result itself.

A caller's own ``db_api`` (a DuckDB connection of theirs, Spark) is used as it is: none of
its settings are changed, and sfclean's tables are registered in it as before.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["DUCKDB_SETTINGS", "MEMORY_LIMIT", "Database", "fuzzy_database", "load_table"]

#: DuckDB's memory limit in the database sfclean opens (module docstring).
MEMORY_LIMIT = "512MB"
#: The settings of that database, besides its ``temp_directory``.
DUCKDB_SETTINGS = {"memory_limit": MEMORY_LIMIT, "preserve_insertion_order": "false"}


class Database(NamedTuple):
    """The splink database API to run on, and whether sfclean opened it (then it may load
    tables into it and it is removed afterwards)."""

    api: Any
    owned: bool


@contextmanager
def fuzzy_database(db_api: Any = None) -> Iterator[Database]:
    """``db_api`` as it is, or a fresh DuckDB database in a temporary directory that is
    removed afterwards (module docstring)."""
    if db_api is not None:
        yield Database(db_api, owned=False)
        return
    from sfclean.scanning.fuzzy_model import splink_modules

    s = splink_modules()  # ConfigError without the fuzzy extra
    import duckdb  # the fuzzy extra: splink_modules() has checked it is there

    folder = Path(tempfile.mkdtemp(prefix="sfclean-fuzzy-"))
    try:
        config: dict[str, Any] = {**DUCKDB_SETTINGS, "temp_directory": str(folder / "spill")}
        connection = duckdb.connect(str(folder / "fuzzy.duckdb"), config=config)
        try:
            yield Database(s.DuckDBAPI(connection=connection), owned=True)
        finally:
            connection.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load_table(db: Database, table: Any, name: str) -> Any:
    """Register the Arrow ``table`` as ``name`` (a splink dataframe). In sfclean's own
    DuckDB it is copied into a DuckDB table, so that the caller can free the Arrow copy and
    DuckDB can evict its own; in a caller's database it is registered as it is."""
    if not db.owned:
        return db.api.register(table, table_name=name)
    connection = db.api.duckdb_con
    view = f"{name}_arrow"
    connection.register(view, table)
    try:
        connection.execute(f'CREATE TABLE "{name}" AS SELECT * FROM "{view}"').fetchall()
    finally:
        connection.unregister(view)
    return db.api.register(name, table_name=name)
