"""The load stage: insert rows into Salesforce with the duplicate-rule header forced to
``allowSave=false`` on every request, and give every row exactly one outcome.

``api="bulk"`` (default) uses Bulk API 1.0 through a salesforce-bulk subclass (JSON batches
of at most ``batch_size`` records and 10 MB, Parallel unless ``serial``); ``api="bulk2"``
uses Bulk API 2.0 through simple-salesforce (one job per ``batch_size`` rows); ``api="rest"``
uses sObject Collections (200 records per call). Salesforce documents the header for REST and
SOAP only; whether Bulk jobs honour it is unconfirmed.

Columns sent: by default every column whose name is a createable field of the object (one
describe call; names compared case-insensitively); the others are listed in
``summary().not_loaded``. Empty cells are not sent. ``fields={"csv column": "Field"}``
chooses the columns explicitly (no describe call).

Outcomes: ``loaded`` (with the new Id) or ``failed`` with ``sfclean_reason``
``rejected-by-duplicate-rule`` (status code ``DUPLICATES_DETECTED``), ``load-failed`` (any
other status code, or ``BATCH_FAILED`` when the whole batch failed) or ``not-processed``
(``NOT_PROCESSED``: the org never processed the row). See :mod:`sfclean.stages.loadjobs`;
each API is one loader in :mod:`sfclean.stages.loaders`.

Duplicates inside one batch are not compared with each other by Salesforce: ``load`` alone
lets them in. Run :func:`sfclean.normalize` first (``sfclean run`` does).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from sfclean.errors import ColumnNotFoundError, ConfigError
from sfclean.journal import Journal
from sfclean.report import (
    ROW,
    StageResult,
    StepProgress,
    Summary,
    code_counts,
    empty_findings,
    progress_callback,
    row_numbers,
    with_row_column,
)
from sfclean.salesforce import Connection, require_connection
from sfclean.stages.loaders import APIS, loader_class, post_rows
from sfclean.stages.loadjobs import LoadJob, Outcome

__all__ = [
    "APIS",
    "FAILED_COLUMNS",
    "LoadResult",
    "LoadSummary",
    "check_load_options",
    "estimate_load_calls",
    "load",
    "outcome_frames",
]

FAILED_COLUMNS = ("sfclean_row", "sfclean_reason", "sfclean_code", "sfclean_message")


@dataclass(frozen=True)
class LoadSummary(Summary):
    """:class:`~sfclean.report.Summary` plus the object and API, rows per Salesforce status
    code, API calls, the jobs, the columns sent (``fields``) and those not sent."""

    object: str = ""
    api: str = ""
    codes: Mapping[str, int] = field(default_factory=dict)
    api_calls: int = 0
    jobs: Sequence[Any] = ()
    fields: Mapping[str, str] = field(default_factory=dict)
    not_loaded: Sequence[str] = ()


@dataclass(repr=False, eq=False)
class LoadResult(StageResult):
    """What :func:`load` returns (the protocol of :mod:`sfclean.report`).

    ``kept``: the rows loaded: the input columns, ``sfclean_row``, then ``Id`` (the new
    record). ``held_back``: the rows that failed: the input columns, ``sfclean_row``, then
    ``sfclean_reason``, ``sfclean_code`` and ``sfclean_message``. ``findings``: always empty.
    ``jobs``: the Bulk jobs (or REST call series) used. ``api_calls``: API requests the stage
    sent. ``fields``: ``{column: Field}`` sent; ``not_loaded``: input columns not sent.
    """

    stage: ClassVar[str] = "load"
    kept: pd.DataFrame
    held_back: pd.DataFrame
    jobs: list[LoadJob]
    api_calls: int
    api: str = "bulk"
    object_name: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    not_loaded: list[str] = field(default_factory=list)
    findings: pd.DataFrame = field(default_factory=empty_findings)

    def summary(self) -> LoadSummary:
        """Rows in / loaded (kept) / failed (held back), per reason and status code, calls,
        jobs, columns."""
        return LoadSummary(
            **self._base_counts(),
            object=self.object_name,
            api=self.api,
            codes=code_counts(self.held_back["sfclean_code"]),
            api_calls=int(self.api_calls),
            jobs=[job.to_dict() for job in self.jobs],
            fields=dict(self.fields),
            not_loaded=list(self.not_loaded),
        )

    def outputs(self) -> dict[str, pd.DataFrame]:
        """``loaded.csv`` (kept, with the new Ids) and ``failed.csv`` (held back)."""
        return {"loaded.csv": self.kept, "failed.csv": self.held_back}


def estimate_load_calls(n_rows: int, *, api: str = "bulk", batch_size: int = 10_000) -> int:
    """API calls :func:`load` needs for ``n_rows`` when batches finish by the first poll.

    Each API's loader prices it (:mod:`sfclean.stages.loaders`): bulk: describe + create + one
    POST per batch + close + one poll + one result per batch; bulk2, per job of
    ``batch_size`` rows: create, upload, close, poll, successful and failed results (+
    describe); rest: describe + one call per 200 rows. 0 rows cost nothing.
    """
    loader = loader_class(api)
    return loader.estimate_calls(n_rows, batch_size) if n_rows > 0 else 0


def check_load_options(api: str, batch_size: int) -> None:
    """ConfigError unless ``api`` is one of :data:`APIS` and ``batch_size`` fits it."""
    limit = loader_class(api).max_batch_size
    if not 1 <= batch_size <= limit:
        raise ConfigError(f"batch_size must be 1 to {limit:,} for api={api}, got {batch_size}")


def _createable(conn: Connection, object_name: str) -> dict[str, str]:
    """``{lowercase name: Field}`` of the object's createable fields (one describe call)."""
    answer = conn.describe(object_name)
    return {
        str(f["name"]).lower(): str(f["name"])
        for f in answer.get("fields", [])
        if f.get("createable")
    }


def _field_map(
    conn: Connection,
    object_name: str,
    columns: Sequence[str],
    fields: Mapping[str, str] | None,
) -> tuple[dict[str, str], list[str]]:
    if fields is not None:
        missing = [c for c in fields if c not in columns]
        if missing:
            raise ColumnNotFoundError(
                f"fields= names columns the table does not have: {', '.join(missing)}",
                columns=list(columns),
            )
        chosen = dict(fields)
    else:
        createable = _createable(conn, object_name)
        chosen, taken = {}, set()
        for column in columns:
            name = createable.get(str(column).strip().lower())
            if name is not None and name not in taken:
                chosen[str(column)] = name
                taken.add(name)
    if not chosen:
        raise ConfigError(
            f"no column of the table is a createable field of {object_name}; name the "
            "columns with the fields' API names (LastName, Email, ...) or pass fields="
        )
    return chosen, [str(c) for c in columns if c not in chosen]


def _records(df: pd.DataFrame, mapping: Mapping[str, str]) -> list[dict[str, Any]]:
    """One dict per row of the fields to send; empty and missing cells are left out."""
    columns = list(mapping)
    out = []
    for values in df[columns].itertuples(index=False, name=None):
        record = {}
        for column, value in zip(columns, values, strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            text = str(value)
            if text != "":
                record[mapping[column]] = text
        out.append(record)
    return out


def outcome_frames(
    df: pd.DataFrame, outcomes: Mapping[int, Outcome]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(loaded, failed) tables for the rows of ``df`` (numbered by their ``sfclean_row``)."""
    rows = row_numbers(df)
    frame = with_row_column(df, rows)
    got = [outcomes[int(r)] for r in rows]
    ok = np.array([o.loaded for o in got], dtype=bool)
    loaded = frame.loc[ok].reset_index(drop=True)
    loaded["Id"] = pd.Series([o.id or "" for o in got if o.loaded], dtype=str)
    failed = frame.loc[~ok].reset_index(drop=True)
    bad_outcomes = [o for o in got if not o.loaded]
    for column, attr in (
        ("sfclean_reason", "reason"),
        ("sfclean_code", "code"),
        ("sfclean_message", "message"),
    ):
        values = [getattr(o, attr) for o in bad_outcomes]
        failed[column] = pd.Series(values, index=failed.index, dtype=str)
    return loaded, failed


def load(
    df: pd.DataFrame,
    conn: Connection,
    *,
    object_name: str,
    api: str = "bulk",
    batch_size: int = 10_000,
    serial: bool = False,
    timeout: float = 3600.0,
    fields: Mapping[str, str] | None = None,
    journal: Journal | None = None,
    progress: StepProgress = None,
) -> LoadResult:
    """Insert the rows of ``df`` into ``object_name``; every row ends loaded or failed.

    ``conn``: a :class:`~sfclean.Connection` (``sfclean.connect(...)``; wrap a
    ``simple_salesforce.Salesforce`` once with ``sfclean.connect(sf=...)``). ``df`` is not
    modified; its ``sfclean_row`` column (as in normalize's ``kept``) numbers the rows, else
    rows are numbered 2, 3, ... like a spreadsheet. ``batch_size``:
    records per Bulk 1.0 batch (at most 10,000; batches are split at 10 MB too) or rows per
    Bulk 2.0 job. ``timeout``: seconds to wait for Bulk batches in all (LoadTimeout after).
    ``journal`` records jobs, batches and outcomes for resuming (``sfclean run`` passes one);
    ``progress(done_rows, total_rows)`` is called as outcomes arrive (None or False: none).

    Raises ConfigError (bad api or batch size, no column to send), ColumnNotFoundError,
    LoadTimeout, and the OrgError family when the org cannot be used.
    """
    check_load_options(api, batch_size)
    conn = require_connection(conn, caller="load")
    start_calls = conn.api_calls
    rows = [int(r) for r in row_numbers(df)]
    if len(set(rows)) != len(rows):
        raise ConfigError("the table's sfclean_row column has repeated row numbers")
    if not rows:
        loaded, failed = outcome_frames(df, {})
        return LoadResult(loaded, failed, [], 0, api, object_name)
    columns = [str(c) for c in df.columns if str(c) != ROW]
    mapping, not_loaded = _field_map(conn, object_name, columns, fields)
    records = _records(df, mapping)
    outcomes, jobs = post_rows(
        conn,
        object_name,
        records,
        rows,
        api=api,
        columns=list(dict.fromkeys(mapping.values())),
        batch_size=batch_size,
        serial=serial,
        timeout=timeout,
        journal=journal,
        progress=progress_callback(progress),
    )
    loaded, failed = outcome_frames(df, outcomes)
    return LoadResult(
        loaded,
        failed,
        jobs,
        conn.api_calls - start_calls,
        api,
        object_name,
        dict(mapping),
        not_loaded,
    )
