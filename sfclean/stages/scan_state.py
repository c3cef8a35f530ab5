"""What an incremental scan keeps between runs: the watermark and the key index.

In the ``--out`` directory of ``sfclean scan --incremental`` (``incremental_dir=``):

- ``watermark.csv``: one row, ``watermark`` (the newest ``CreatedDate`` / ``LastModifiedDate``
  / ``SystemModstamp`` the scan read, ISO 8601 UTC) and ``objects`` (``Lead;Contact``);
- ``key_index.csv.gz``: every record the scan compared (the extracted fields of
  :mod:`~sfclean.stages.scan_extract`, creators excepted), gzip CSV, every cell text.

A run with both (same objects) reads only the records changed since the watermark
(``SystemModstamp >=`` the watermark's second, through ``queryAll``, so deletions and merges
arrive too), puts them in place of their old rows in the index, and compares everything; a
record is **new** when one of its three stamps is after the watermark. Without them (a
first run, other objects, a deleted file) the run reads everything: with no watermark every
cluster is new, with a watermark but no index the changed records are found by their
stamps. Records purged from the recycle bin never come back through ``queryAll``: delete
``key_index.csv.gz`` now and then (a weekly full scan) to drop them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sfclean.errors import ConfigError, InputError
from sfclean.io import read_csv

__all__ = [
    "INDEX_FILE",
    "STAMPS",
    "WATERMARK_FILE",
    "State",
    "changed_ids",
    "merge_changes",
    "newest",
    "parse_since",
    "read_state",
    "soql_datetime",
]

WATERMARK_FILE = "watermark.csv"
INDEX_FILE = "key_index.csv.gz"
#: The stamps that say a record was created or changed.
STAMPS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")
#: Derived from CreatedById on every run, never stored.
_CREATOR_COLUMNS = ("created_by", "user_type", "profile")


def parse_since(since: Any) -> pd.Timestamp:
    """``since`` (a date, a datetime, ISO text) as a UTC Timestamp; ConfigError otherwise."""
    try:
        stamp = pd.Timestamp(since)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ConfigError(
            "since= must be a date or time such as 2024-03-01 or 2024-03-01T06:00:00Z "
            f"(got {since!r})"
        )
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def soql_datetime(stamp: pd.Timestamp) -> str:
    """A SOQL datetime literal for ``stamp``'s whole second (``2024-03-01T06:00:00Z``)."""
    return stamp.floor("s").strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class State:
    """An earlier scan's ``watermark`` (None: none) and key ``index`` (None: none, or for
    other objects)."""

    watermark: pd.Timestamp | None = None
    index: pd.DataFrame | None = None


def read_state(directory: str | Path, objects: tuple[str, ...]) -> State:
    """The state an earlier scan left in ``directory`` (module docstring)."""
    path = Path(directory) / WATERMARK_FILE
    if not path.exists():
        return State()
    table = read_csv(path)
    text = str(table["watermark"].iloc[0]).strip() if "watermark" in table else ""
    if not text:
        return State()
    try:
        mark = parse_since(text)
    except ConfigError:
        raise InputError(
            f"{path} holds no valid watermark; delete it to scan everything again", path=str(path)
        ) from None
    stored = str(table["objects"].iloc[0]) if "objects" in table else ""
    index_path = Path(directory) / INDEX_FILE
    if stored.split(";") != list(objects) or not index_path.exists():
        return State(mark)
    try:
        index = pd.read_csv(index_path, dtype=str, keep_default_na=False, na_filter=False)
    except (OSError, ValueError, EOFError) as exc:
        raise InputError(
            f"{index_path} cannot be read ({type(exc).__name__}); delete it to scan "
            "everything again",
            path=str(index_path),
        ) from None
    if not {"object", "Id", "CreatedDate"} <= set(index.columns):
        raise InputError(f"{index_path} is not a scan key index; delete it", path=str(index_path))
    return State(mark, index)


def _stamps(records: pd.DataFrame, column: str) -> pd.Series:
    if column not in records:
        return pd.Series(pd.NaT, index=records.index, dtype="datetime64[ns, UTC]")
    values = records[column].astype(object)
    return pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")


def changed_ids(records: pd.DataFrame, since: pd.Timestamp) -> set[str]:
    """The Ids of the records created or changed after ``since`` (any of :data:`STAMPS`)."""
    changed = np.zeros(len(records), dtype=bool)
    for column in STAMPS:
        changed |= (_stamps(records, column) > since).to_numpy(dtype=bool)
    return set(records.loc[changed, "Id"].astype(str))


def newest(records: pd.DataFrame) -> str | None:
    """The newest of :data:`STAMPS` in ``records`` (ISO 8601), None when there is none."""
    stamps = [_stamps(records, c).max() for c in STAMPS]
    known = [s for s in stamps if not pd.isna(s)]
    return max(known).isoformat() if known else None


def merge_changes(index: pd.DataFrame, changed: pd.DataFrame) -> list[pd.DataFrame]:
    """The frames that make the new index: the old rows not changed, then the changed ones."""
    kept = index[~index["Id"].isin(set(changed["Id"].astype(str)))]
    return [kept, changed.drop(columns=[c for c in _CREATOR_COLUMNS if c in changed])]


def index_table(records: pd.DataFrame) -> pd.DataFrame:
    """The key index to store: ``records`` without the creator columns."""
    return records.drop(columns=[c for c in _CREATOR_COLUMNS if c in records])
