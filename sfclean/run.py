"""``sfclean.run``: the whole pipeline, resumable. normalize -> exclude -> budget -> load.

Order on every start (the order is what makes a rerun after a crash safe):

1. If ``out_dir/run.json`` belongs to the same input (sha256), object and org (its Id, from
   ``userinfo``, and instance URL), finish every job
   it journaled first (:func:`sfclean.loadjobs.collect_journaled`): those rows get their
   outcomes (loaded / failed) and are not sent again.
2. normalize the input (offline).
3. drop the rows resolved in 1 (they take precedence over every other stage).
4. exclude: rows whose email exists in the org are held back. This also catches records that
   an interrupted run created but never journaled (a batch posted just before a crash).
5. budget: read ``limits/`` and refuse (BudgetExceeded) when the load's estimate exceeds the
   remaining daily API requests minus ``api_reserve`` of the maximum.
6. load the rest, journaling every job and batch as it is created.
7. write ``rejected.csv``, ``findings.csv``, ``clean.csv``, ``excluded.csv``,
   ``excluded_updates.csv``, ``loaded.csv``, ``failed.csv`` and ``report.json`` atomically,
   ``report.json`` last; then mark the journal completed.

Conservation: every input row is in exactly one of rejected / excluded / loaded / failed
(with ``dry_run``: rejected / excluded / clean, where ``clean.csv`` holds the rows a real run
would load; otherwise ``clean.csv`` is normalize's output, i.e. excluded + loaded + failed).
``report.json`` carries the check. A dry run writes nothing to the org and keeps no journal.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sfclean.budget import check_budget
from sfclean.errors import BudgetExceeded
from sfclean.io import read_csv, write_outputs
from sfclean.journal import Journal
from sfclean.load import estimate_load_calls, load, outcome_frames
from sfclean.loadjobs import Outcome, collect_journaled
from sfclean.normalize import normalize
from sfclean.report import NormalizeResult
from sfclean.salesforce import Connection, connect

__all__ = ["RunResult", "run"]

Progress = Callable[[str, int, int], None]

OUTPUT_FILES = (
    "rejected.csv",
    "findings.csv",
    "clean.csv",
    "excluded.csv",
    "excluded_updates.csv",
    "loaded.csv",
    "failed.csv",
    "report.json",
)


@dataclass
class RunResult:
    """What :func:`run` returns: each stage's tables, the report, the files written.

    ``clean``: in a dry run the rows a real run would load, else normalize's clean rows.
    """

    normalized: NormalizeResult
    rejected: pd.DataFrame
    excluded: pd.DataFrame
    updates: pd.DataFrame
    loaded: pd.DataFrame
    failed: pd.DataFrame
    clean: pd.DataFrame
    report: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)
    dry_run: bool = False

    def summary(self) -> dict[str, Any]:
        """The report (the content of ``report.json``)."""
        return self.report

    def to_text(self) -> str:
        """A short human summary (a few lines), as the CLI prints it to stderr."""
        report = self.report
        rows = report["rows"]
        calls = report["api_calls"]
        outcome = (
            f"would load {rows['clean']}"
            if self.dry_run
            else f"loaded {rows['loaded']}, failed {rows['failed']}"
        )
        lines = [
            f"run: {rows['in']} rows in; rejected {rows['rejected']}, "
            f"excluded {rows['excluded']}, {outcome}",
            f"  API calls: {calls['total']} ("
            + ", ".join(f"{k} {v}" for k, v in calls.items() if k != "total")
            + f"); lookup strategy: {report['strategy']}",
        ]
        if self.dry_run:
            lines.append(
                f"  dry run: nothing was written to the org; loading would take about "
                f"{report['load_estimate']} API calls"
            )
        reasons = report.get("failed_reasons") or {}
        if reasons:
            lines.append("  failed: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
        if report.get("resumed"):
            lines.append(
                f"  resumed: {report['rows_resolved_by_journal']} rows taken from the journal "
                f"({report['collected_jobs']} job(s) collected)"
            )
        return "\n".join(lines)


def _input(source: Any) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """(table, sha256 of the input, description) for a path or a DataFrame."""
    if isinstance(source, pd.DataFrame):
        data = source.to_csv(index=False).encode("utf-8")
        info = dict(source.attrs.get("sfclean", {}))
        described = {k: info.get(k) for k in ("path", "encoding", "delimiter")}
        return source, hashlib.sha256(data).hexdigest(), described
    path = os.fspath(source)
    df = read_csv(path)
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    digest = sha.hexdigest()
    info = dict(df.attrs.get("sfclean", {}))
    return df, digest, {k: info.get(k) for k in ("path", "encoding", "delimiter")}


def _resolved_frames(
    df: pd.DataFrame, clean: pd.DataFrame, outcomes: Mapping[int, Outcome]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(loaded, failed) of rows resolved by the journal, values from ``clean`` (else input)."""
    rows = sorted(outcomes)
    in_clean = [r for r in rows if r in clean.index]
    others = [r for r in rows if r not in clean.index and 0 <= r - 2 < len(df)]
    frame = clean.loc[in_clean]
    if others:
        extra = df.iloc[[r - 2 for r in others]].copy()
        extra.index = pd.Index(others, name="sfclean_row", dtype="int64")
        frame = pd.concat([frame, extra])
    return outcome_frames(frame, {r: outcomes[r] for r in frame.index})


def _concat(frames: list[pd.DataFrame], key: str | None = None) -> pd.DataFrame:
    out = pd.concat(frames)
    if key is not None and len(out):
        return out.sort_values(key, kind="stable")
    return out.sort_index(kind="stable")


def _exclude(
    df: pd.DataFrame,
    conn: Connection,
    *,
    objects: tuple[str, ...],
    strategy: str,
    nres: NormalizeResult,
    options: Mapping[str, Any],
) -> Any:
    from sfclean.exclude import exclude

    return exclude(
        df,
        conn,
        objects=objects,
        email_column=nres.columns.email,
        phone_columns=list(nres.columns.phones),
        country_column=nres.columns.country,
        default_region=str(options.get("default_region", "US")),
        match_key=str(options.get("match_key", "email")),
        strategy=strategy,
    )


def run(
    source: Any,
    sf: Any,
    *,
    object_name: str,
    out_dir: str | os.PathLike[str],
    dry_run: bool = False,
    api: str = "bulk",
    strategy: str = "auto",
    api_reserve: float = 0.10,
    normalize_options: Mapping[str, Any] | None = None,
    journal_cls: type[Journal] = Journal,
    progress: Progress | None = None,
    batch_size: int = 10_000,
    serial: bool = False,
    timeout: float = 3600.0,
    exclude_objects: tuple[str, ...] | None = None,
) -> RunResult:
    """Normalize, exclude and load ``source`` into ``object_name``; write every outcome.

    ``source``: a CSV path or a DataFrame. ``sf``: a :class:`~sfclean.Connection` or a
    ``simple_salesforce.Salesforce``. ``out_dir`` receives the outputs and ``run.json``; a
    rerun with the same input and ``out_dir`` resumes (see the module docstring).
    ``normalize_options`` go to :func:`sfclean.normalize`. ``exclude_objects``: objects to
    look for existing records (default ``object_name`` first, then Lead / Contact).
    ``progress(stage, done, total)`` is called during ``collect`` and ``load``.

    Raises BudgetExceeded before anything is written to the org when the load would use too
    much of the daily API allowance, and the errors of each stage.
    """
    timings: dict[str, float] = {}
    calls: dict[str, int] = {}
    clock = time.perf_counter()
    options = dict(normalize_options or {})
    df, digest, input_info = _input(source)
    conn = sf if isinstance(sf, Connection) else connect(sf=sf)
    objects = exclude_objects or tuple(dict.fromkeys((object_name, "Lead", "Contact")))

    # 1. finish what an interrupted run started
    journal: Journal | None = None
    resolved: dict[int, Outcome] = {}
    collected_jobs = 0
    if not dry_run:
        journal = journal_cls.open(
            out_dir,
            input_sha256=digest,
            object_name=object_name,
            api=api,
            org_id=conn.org_id,
            instance_url=conn.instance_url,
        )
        if journal.pending_jobs():
            start = conn.api_calls
            collected_jobs = collect_journaled(
                conn,
                journal,
                object_name=object_name,
                timeout=timeout,
                progress=(lambda d, t: progress("collect", d, t)) if progress else None,
            )
            calls["collect"] = conn.api_calls - start
        resolved = {r: Outcome.from_list(o) for r, o in journal.outcomes().items()}
    timings["collect"] = time.perf_counter() - clock

    # 2-3. normalize, drop resolved rows
    clock = time.perf_counter()
    nres = normalize(df, **options)
    clean = nres.clean
    todo = clean.loc[[r for r in clean.index if r not in resolved]]
    rejected = nres.rejected[~nres.rejected["sfclean_row"].isin(list(resolved))]
    timings["normalize"] = time.perf_counter() - clock

    # 4. exclude
    clock = time.perf_counter()
    start = conn.api_calls
    ex = _exclude(todo, conn, objects=objects, strategy=strategy, nres=nres, options=options)
    calls["exclude"] = conn.api_calls - start
    timings["exclude"] = time.perf_counter() - clock

    # 5. budget
    to_load = ex.kept
    estimate = estimate_load_calls(len(to_load), api=api, batch_size=batch_size)
    budget: dict[str, Any] = {"estimate": estimate}
    start = conn.api_calls
    if estimate:
        size = min(batch_size, 10_000) if api == "bulk" else batch_size
        batches = 0 if api == "rest" else -(-len(to_load) // size)
        try:
            budget = check_budget(conn, estimate, reserve=api_reserve, bulk_batches=batches)
        except BudgetExceeded as exc:
            if not dry_run:
                raise
            budget = {"estimate": estimate, "exceeded": str(exc)}
    calls["budget"] = conn.api_calls - start

    # 6. load
    clock = time.perf_counter()
    load_summary: dict[str, Any] = {"rows_loaded": 0, "rows_failed": 0, "api_calls": 0}
    if dry_run:
        new_loaded, new_failed = outcome_frames(to_load.iloc[0:0], {})
    else:
        result = load(
            to_load,
            conn,
            object_name=object_name,
            api=api,
            batch_size=batch_size,
            serial=serial,
            timeout=timeout,
            journal=journal,
            progress=(lambda d, t: progress("load", d, t)) if progress else None,
        )
        new_loaded, new_failed = result.loaded, result.failed
        load_summary = result.summary()
    calls["load"] = int(load_summary.get("api_calls", 0))
    timings["load"] = time.perf_counter() - clock

    # 7. outputs
    old_loaded, old_failed = _resolved_frames(df, clean, resolved)
    loaded = _concat([old_loaded, new_loaded])
    failed = _concat([old_failed, new_failed], key="sfclean_row")
    clean_out = to_load if dry_run else clean
    counts = {
        "in": int(nres.rows_in),
        "rejected": len(rejected),
        "excluded": len(ex.excluded),
        "loaded": len(loaded),
        "failed": len(failed),
    }
    if dry_run:
        counts["clean"] = len(to_load)
    accounted = sum(v for k, v in counts.items() if k != "in")
    report: dict[str, Any] = {
        "input": {**input_info, "sha256": digest},
        "object": object_name,
        "api": api,
        "dry_run": dry_run,
        "rows": counts,
        "conservation": {"ok": accounted == counts["in"], "accounted": accounted},
        "failed_reasons": {
            str(k): int(v) for k, v in failed["sfclean_reason"].value_counts(sort=True).items()
        },
        "resumed": bool(journal is not None and journal.resumed),
        "collected_jobs": collected_jobs,
        "jobs": journal.jobs() if journal is not None else [],
        "rows_resolved_by_journal": len(resolved),
        "stages": {
            "normalize": nres.summary(),
            "exclude": ex.summary(),
            "budget": budget,
            "load": load_summary,
        },
        "strategy": ex.strategy,
        "api_calls": {**calls, "total": sum(calls.values())},
        "load_estimate": estimate,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "files": list(OUTPUT_FILES),
    }
    files = write_outputs(
        out_dir,
        {
            "rejected.csv": rejected,
            "findings.csv": nres.findings,
            "clean.csv": clean_out,
            "excluded.csv": ex.excluded,
            "excluded_updates.csv": ex.updates,
            "loaded.csv": loaded.reset_index(),
            "failed.csv": failed,
            "report.json": report,
        },
    )
    if journal is not None:
        journal.completed()
    return RunResult(
        nres, rejected, ex.excluded, ex.updates, loaded, failed, clean_out, report, files, dry_run
    )
