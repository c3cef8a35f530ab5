"""The load stage: insert rows into Salesforce with the duplicate-rule header forced to
``allowSave=false`` on every request, and give every row exactly one outcome.

``api="bulk"`` (default) uses Bulk API 1.0 through a salesforce-bulk subclass (JSON batches
of at most ``batch_size`` records and 10 MB, Parallel unless ``serial``); ``api="bulk2"``
uses Bulk API 2.0 through simple-salesforce (one job per ``batch_size`` rows); ``api="rest"``
uses sObject Collections (200 records per call). Salesforce documents the header for REST and
SOAP only; whether Bulk jobs honour it is unconfirmed.

Columns sent (:mod:`sfclean.stages.sendplan`): by default every column whose name is a
createable field of the object (one describe call; names compared case-insensitively; Data
Loader's status columns never); ``fields={"csv column": "Field"}`` (or several fields) and
``constants={"Field": "value"}`` choose them as a Data Loader mapping does. The others are
listed in ``summary().not_loaded`` with the reason in ``summary().not_sent``. Empty cells are
not sent.

Before anything is written, every row is checked against that describe
(:mod:`sfclean.stages.preflight`, no API call): rows the org would refuse for a reason the
describe tells (``missing-required-field``, ``invalid-value``, ``value-too-long``,
``invalid-picklist-value``) are held back, in ``rejected`` (``rejected.csv``), and never sent.

Outcomes of the rows sent: ``loaded`` (with the new Id) or ``failed`` with ``sfclean_reason``
``rejected-by-duplicate-rule`` (status code ``DUPLICATES_DETECTED``), ``load-failed`` (any
other status code, or ``BATCH_FAILED`` when the whole batch failed) or ``not-processed``
(``NOT_PROCESSED``: the org never processed the row). See :mod:`sfclean.stages.loadjobs`;
each API is one loader in :mod:`sfclean.stages.loaders`.

Duplicates inside one batch are not compared with each other by Salesforce: ``load`` alone
lets them in. Run :func:`sfclean.normalize` first (``sfclean run`` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from sfclean.errors import ConfigError
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
from sfclean.stages.objects import describe_target
from sfclean.stages.preflight import PreflightResult, preflight
from sfclean.stages.sendplan import SendPlan, plan_fields

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
    not_sent: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)


@dataclass(repr=False, eq=False)
class LoadResult(StageResult):
    """What :func:`load` returns (the protocol of :mod:`sfclean.report`).

    ``kept``: the rows loaded: ``Id`` (the new record) first, like Data Loader's success
    file, then the input columns and ``sfclean_row``. ``failed``: the rows sent that failed:
    the input columns, ``sfclean_row``, then ``sfclean_reason``, ``sfclean_code`` and
    ``sfclean_message``. ``rejected``: the rows pre-flight held back (``sfclean_reason``,
    ``sfclean_detail``), never sent. ``held_back``: failed and rejected, in row order.
    ``findings``: always empty. ``jobs``: the Bulk jobs (or REST call series) used.
    ``api_calls``: API requests the stage sent. ``plan``: the columns sent, the constants,
    the columns not sent and why.
    """

    stage: ClassVar[str] = "load"
    kept: pd.DataFrame
    failed: pd.DataFrame
    jobs: list[LoadJob]
    api_calls: int
    api: str = "bulk"
    object_name: str = ""
    plan: SendPlan = field(default_factory=lambda: SendPlan({}))
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: pd.DataFrame = field(default_factory=empty_findings)

    @property
    def held_back(self) -> pd.DataFrame:  # type: ignore[override]
        """The rows that failed and those pre-flight held back, in ``sfclean_row`` order."""
        frames = [f for f in (self.failed, self.rejected) if len(f.columns)]
        out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        out = out.sort_values(ROW, kind="stable").reset_index(drop=True)
        text = [c for c in out.columns if not pd.api.types.is_numeric_dtype(out[c])]
        return out.fillna(dict.fromkeys(text, ""))  # a column of only one of the two: ""

    @property
    def fields(self) -> dict[str, str]:
        """``{column: Field}`` sent (several fields joined with ``, ``)."""
        return self.plan.fields_text()

    @property
    def not_loaded(self) -> list[str]:
        """The input columns not sent."""
        return list(self.plan.not_sent)

    def summary(self) -> LoadSummary:
        """Rows in / loaded (kept) / failed (held back), per reason and status code, calls,
        jobs, columns."""
        return LoadSummary(
            **self._base_counts(),
            object=self.object_name,
            api=self.api,
            codes=code_counts(self.failed["sfclean_code"]),
            api_calls=int(self.api_calls),
            jobs=[job.to_dict() for job in self.jobs],
            fields=self.fields,
            not_loaded=self.not_loaded,
            not_sent=dict(self.plan.not_sent),
            constants=dict(self.plan.constants),
        )

    def outputs(self) -> dict[str, pd.DataFrame]:
        """``loaded.csv`` (kept, with the new Ids), ``failed.csv`` (sent, failed) and
        ``rejected.csv`` (held back by pre-flight)."""
        return {"loaded.csv": self.kept, "failed.csv": self.failed, "rejected.csv": self.rejected}


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


def outcome_frames(
    df: pd.DataFrame, outcomes: Mapping[int, Outcome]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(loaded, failed) tables for the rows of ``df`` (numbered by their ``sfclean_row``).

    ``loaded`` has the new ``Id`` first, like Data Loader's success file; an input column
    named like it in any case (``ID`` of a success file read back) becomes ``ID (input)``,
    so no two headers are equal ignoring case.
    """
    rows = row_numbers(df)
    frame = with_row_column(df, rows)
    clash = {c: f"{c} (input)" for c in frame.columns if str(c).lower() == "id"}
    frame = frame.rename(columns=clash)
    got = [outcomes[int(r)] for r in rows]
    ok = np.array([o.loaded for o in got], dtype=bool)
    loaded = frame.loc[ok].reset_index(drop=True)
    loaded.insert(0, "Id", pd.Series([o.id or "" for o in got if o.loaded], dtype=str))
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
    fields: Mapping[str, str | Sequence[str]] | None = None,
    constants: Mapping[str, str] | None = None,
    describe: Mapping[str, Any] | None = None,
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
    ``fields`` / ``constants``: the columns to send and values to set (module docstring).
    ``describe``: the object's describe when the caller has it already (else one call).
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
    if not rows:  # nothing to check or send: no describe call
        loaded, failed = outcome_frames(df, {})
        nothing = preflight(df, {}, plan=SendPlan({})).held_back
        return LoadResult(loaded, failed, [], 0, api, object_name, rejected=nothing)
    if describe is None:
        describe = describe_target(conn, object_name)
    columns = [str(c) for c in df.columns if str(c) != ROW]
    plan = plan_fields(
        describe, columns, object_name=object_name, fields=fields, constants=constants
    )
    checked: PreflightResult = preflight(df, describe, plan=plan)
    to_send = checked.kept
    outcomes, jobs = (
        post_rows(
            conn,
            object_name,
            plan.records(to_send),
            [int(r) for r in to_send[ROW]],
            api=api,
            columns=plan.targets,
            batch_size=batch_size,
            serial=serial,
            timeout=timeout,
            journal=journal,
            progress=progress_callback(progress),
        )
        if len(to_send)
        else ({}, [])
    )
    loaded, failed = outcome_frames(to_send, outcomes)
    return LoadResult(
        loaded,
        failed,
        jobs,
        conn.api_calls - start_calls,
        api,
        object_name,
        plan,
        checked.held_back,
    )
