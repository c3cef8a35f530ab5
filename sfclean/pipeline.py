"""``sfclean.run``: the whole pipeline, resumable. normalize -> budget -> exclude -> load.

Order on every start (the order is what makes a rerun after a crash safe):

1. check the options and normalize the input (offline: a bad option or input stops the run
   before the org is used at all).
2. open ``out_dir/run.json`` (not under ``dry_run``): it is resumed when it belongs to the same
   input (sha256), object and org (Id from ``userinfo``, and instance URL); an unfinished one
   of another input, object or org stops the run (ConfigError). A new journal replaces the
   old file at its first event (a run refused before the load leaves ``out_dir`` as it was).
3. budget: estimate the calls of every stage still to come (collecting the journal's jobs,
   the exclude lookup from the objects' record counts, the load of every row not yet
   resolved), read ``limits/`` and refuse (BudgetExceeded) when the estimate exceeds the
   remaining daily API requests minus ``api_reserve`` of the maximum. Nothing else has been
   asked of the org yet. A dry run checks only its lookup and reports whether a real run
   would fit.
4. finish every job the journal holds (:func:`sfclean.stages.loadjobs.collect_journaled`): those rows
   get their outcomes (loaded / failed), take precedence over every other stage and are not
   sent again.
5. exclude the other clean rows: rows whose email exists in the org are held back. This also
   catches records an interrupted run created but never journaled (a batch posted just
   before a crash).
6. load the rest, journaling every job and batch as it is created. A new run first removes
   the ``report.json`` of whatever run wrote ``out_dir`` before, so the directory never looks
   finished while this run is not.
7. write ``rejected.csv``, ``findings.csv``, ``clean.csv``, ``excluded.csv``,
   ``excluded_updates.csv``, ``loaded.csv``, ``failed.csv`` and ``report.json`` atomically,
   ``report.json`` last; then mark the journal completed.

Conservation: every input row is in exactly one of rejected / excluded / loaded / failed
(with ``dry_run``: rejected / excluded / clean, where ``clean.csv`` holds the rows a real run
would load; otherwise ``clean.csv`` is normalize's output, i.e. excluded + loaded + failed).
``report.json`` carries the check, made on the row numbers themselves. A dry run writes
nothing to the org and keeps no journal.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from sfclean.errors import ConfigError, InputError
from sfclean.io import read_csv, write_result
from sfclean.journal import Journal
from sfclean.report import ROW, StageResult, Summary
from sfclean.salesforce import Connection, as_connection
from sfclean.stages.budget import check_budget, check_reserve, estimate_run
from sfclean.stages.exclude import STRATEGIES, exclude
from sfclean.stages.load import check_load_options, estimate_load_calls, load, outcome_frames
from sfclean.stages.loadjobs import Outcome, collect_journaled
from sfclean.stages.lookup import email_key
from sfclean.stages.normalize import NormalizeResult, normalize

__all__ = ["RunResult", "RunSummary", "run"]

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
RESERVED_COLUMNS = ("Id", "sfclean_row", "sfclean_reason", "sfclean_detail")


@dataclass(frozen=True)
class RunSummary(Summary):
    """:class:`~sfclean.report.Summary` of the whole run, plus ``dry_run`` and the API calls
    per stage (``report.json`` holds the full report)."""

    dry_run: bool = False
    api_calls: Mapping[str, int] = field(default_factory=dict)


@dataclass(repr=False, eq=False)
class RunResult(StageResult):
    """What :func:`run` returns (the protocol of :mod:`sfclean.report`), the report, the files.

    ``kept``: the rows loaded, with their new ``Id`` (in a dry run: the rows a real run would
    load). ``held_back``: every other row, by ``sfclean_row``: held back by normalize, by
    exclude or failed in the load, each with its ``sfclean_reason``. ``findings``: normalize's.
    ``normalized``: the normalize stage's result. ``tables``: ``{file name: table}`` as
    written (``rejected.csv``, ``excluded.csv``, ``failed.csv``, ...). ``report``: the
    content of ``report.json``. ``files``: ``{file name: path}`` written.
    """

    stage: ClassVar[str] = "run"
    kept: pd.DataFrame
    held_back: pd.DataFrame
    findings: pd.DataFrame
    normalized: NormalizeResult
    tables: dict[str, pd.DataFrame]
    report: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)
    dry_run: bool = False

    def summary(self) -> RunSummary:
        """Rows in / kept (loaded) / held back, per reason and finding, and the API calls."""
        return RunSummary(
            **self._base_counts(),
            dry_run=self.dry_run,
            api_calls=dict(self.report.get("api_calls") or {}),
        )

    def outputs(self) -> dict[str, pd.DataFrame]:
        """The tables the run writes, in the order they are written."""
        return dict(self.tables)

    def to_report(self, *, source: Mapping[str, Any] | None = None) -> dict[str, Any]:
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
        df = source
        digest = hashlib.sha256(source.to_csv(index=False).encode("utf-8")).hexdigest()
    else:
        path = os.fspath(source)
        df = read_csv(path)
        sha = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
        digest = sha.hexdigest()
    info = df.attrs.get("sfclean", {})
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
        extra.index = pd.Index(others, name=ROW, dtype="int64")
        extra[ROW] = others
        frame = pd.concat([frame, extra])
    return outcome_frames(frame, {r: outcomes[r] for r in frame.index})


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames as one, in ``sfclean_row`` order, with a RangeIndex."""
    out = pd.concat([f.reset_index(drop=True) for f in frames], ignore_index=True)
    if len(out):
        out = out.sort_values(ROW, kind="stable").reset_index(drop=True)
    return out


def _check_options(
    df: pd.DataFrame,
    *,
    api: str,
    strategy: str,
    match_key: str,
    batch_size: int,
    api_reserve: float,
) -> None:
    """ConfigError / InputError for what would stop a later stage, before the org is used."""
    check_load_options(api, batch_size)
    if strategy not in STRATEGIES:
        raise ConfigError(f"strategy must be auto, query or extract (got {strategy!r})")
    if strategy == "query" and match_key == "provider":
        raise ConfigError(
            "strategy='query' cannot match the provider key (SOQL cannot normalize it); use "
            "strategy='extract' or 'auto'"
        )
    check_reserve(api_reserve)
    clash = [str(c) for c in df.columns if str(c) in RESERVED_COLUMNS]
    if clash:
        raise InputError(
            f"column {clash[0]} is reserved for the outputs of sfclean run; rename or drop it"
        )


def _lookup_keys(df: pd.DataFrame, column: str | None, match_key: str) -> list[str]:
    """The distinct keys the exclude stage will look up for ``df``'s rows."""
    if column is None or column not in df.columns or df.empty:
        return []
    values = df[column].to_numpy(dtype=object, na_value="")
    keys = {email_key("" if v is None else str(v), match_key) for v in set(values)}
    return sorted(k for k in keys if k)


def _budget(
    conn: Connection, plan: dict[str, Any], *, dry_run: bool, reserve: float
) -> dict[str, Any]:
    """Check the plan against ``limits/``: all of it, or only the lookup in a dry run."""
    total = int(plan["total"])
    spend = int(plan["exclude"]) if dry_run else total
    if not total:
        return {"estimate": 0}
    batches = 0 if dry_run else int(plan["bulk_batches"])
    budget = check_budget(conn, spend, reserve=reserve, bulk_batches=batches)
    if dry_run and total > budget["available"]:
        budget["exceeded"] = (
            f"a real run would need about {total:,} API calls but only "
            f"{budget['available']:,} remain after the reserve"
        )
    return budget


def _forget_outputs(out_dir: str | os.PathLike[str]) -> None:
    """Remove the manifest (report.json) of the run that wrote ``out_dir`` before."""
    try:
        (Path(out_dir) / OUTPUT_FILES[-1]).unlink(missing_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot write to {out_dir} ({exc.strerror}); choose another --out directory",
            path=str(out_dir),
        ) from None


def _conservation(nres: NormalizeResult, groups: Mapping[str, Any], n_in: int) -> dict[str, Any]:
    """Whether every row normalize saw is in exactly one output (by row number).

    ``{"ok", "accounted"}``; when not ok, also how many rows are ``missing`` from every
    output, ``repeated`` in several, or ``unknown`` (not an input row).
    """
    seen: dict[int, int] = {}
    for rows in groups.values():
        for row in rows:
            seen[int(row)] = seen.get(int(row), 0) + 1
    universe = {int(r) for r in nres.kept[ROW]} | {int(r) for r in nres.held_back[ROW]}
    missing = len(universe - set(seen))
    repeated = sum(1 for n in seen.values() if n > 1)
    unknown = len(set(seen) - universe)
    accounted = sum(seen.values())
    ok = not (missing or repeated or unknown) and accounted == n_in
    check: dict[str, Any] = {"ok": ok, "accounted": accounted}
    if not ok:
        check.update(missing=missing, repeated=repeated, unknown=unknown)
    return check


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
    rerun with the same input, object, org and ``out_dir`` resumes (see the module
    docstring). ``normalize_options`` go to :func:`sfclean.normalize`. ``exclude_objects``:
    objects to look for existing records (default ``object_name`` first, then Lead / Contact).
    ``progress(stage, done, total)`` is called during ``collect`` and ``load``.

    Raises ConfigError / InputError for bad options or input (before the org is used), or
    when ``out_dir`` holds an unfinished run of another input, object or org; BudgetExceeded
    before the org is searched or written to when the run would use too much of the daily
    API allowance; and the errors of each stage.
    """
    timings: dict[str, float] = {}
    calls: dict[str, int] = {}
    options = dict(normalize_options or {})
    match_key = str(options.get("match_key", "email"))
    df, digest, input_info = _input(source)
    _check_options(
        df,
        api=api,
        strategy=strategy,
        match_key=match_key,
        batch_size=batch_size,
        api_reserve=api_reserve,
    )
    objects = exclude_objects or tuple(dict.fromkeys((object_name, "Lead", "Contact")))

    # 1. normalize (offline)
    clock = time.perf_counter()
    nres = normalize(df, **options)
    clean = nres.kept.set_index(ROW, drop=False)  # looked up by row number below
    timings["normalize"] = time.perf_counter() - clock
    conn = as_connection(sf)

    # 2. the journal
    journal: Journal | None = None
    if not dry_run:
        journal = journal_cls.open(
            out_dir,
            input_sha256=digest,
            object_name=object_name,
            api=api,
            org_id=conn.org_id,
            instance_url=conn.instance_url,
        )
    pending = journal.pending_jobs() if journal is not None else []
    known = journal.outcomes() if journal is not None else {}

    # 3. budget: every stage still to come, before the org is searched or written to
    start = conn.api_calls
    maybe = clean.loc[[r for r in clean.index if r not in known]]
    plan = estimate_run(
        conn,
        keys=_lookup_keys(maybe, nres.columns.email, match_key),
        objects=objects,
        strategy=strategy,
        match_key=match_key,
        load_rows=len(maybe),
        api=api,
        batch_size=batch_size,
        pending_jobs=pending,
    )
    budget = _budget(conn, plan, dry_run=dry_run, reserve=api_reserve)
    calls["budget"] = conn.api_calls - start

    # 4. finish what an interrupted run started
    clock = time.perf_counter()
    resolved: dict[int, Outcome] = {}
    collected_jobs = 0
    if journal is not None:
        if pending:
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

    # 5. drop resolved rows, exclude
    clock = time.perf_counter()
    todo = clean.loc[[r for r in clean.index if r not in resolved]]
    rejected = nres.held_back[~nres.held_back[ROW].isin(list(resolved))].reset_index(drop=True)
    start = conn.api_calls
    ex = exclude(
        todo,
        conn,
        objects=objects,
        email_column=nres.columns.email,
        phone_columns=list(nres.columns.phones),
        country_column=nres.columns.country,
        default_region=str(options.get("default_region", "US")),
        match_key=match_key,
        strategy=strategy,
    )
    calls["exclude"] = conn.api_calls - start
    timings["exclude"] = time.perf_counter() - clock

    # 6. load (a new run's first write to out_dir: the last run's report no longer holds)
    if journal is not None and not journal.resumed:
        _forget_outputs(out_dir)
    to_load = ex.kept
    load_estimate = estimate_load_calls(len(to_load), api=api, batch_size=batch_size)
    clock = time.perf_counter()
    load_summary: dict[str, Any] = {"rows_kept": 0, "rows_held_back": 0, "api_calls": 0}
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
        new_loaded, new_failed = result.kept, result.held_back
        load_summary = result.summary().to_dict()
    calls["load"] = int(load_summary.get("api_calls", 0))
    timings["load"] = time.perf_counter() - clock

    # 7. outputs
    old_loaded, old_failed = _resolved_frames(df, clean, resolved)
    loaded = _concat([old_loaded, new_loaded])
    failed = _concat([old_failed, new_failed])
    clean_out = to_load if dry_run else nres.kept
    counts = {
        "in": int(nres.rows_in),
        "rejected": len(rejected),
        "excluded": len(ex.held_back),
        "loaded": len(loaded),
        "failed": len(failed),
    }
    groups: dict[str, Any] = {
        "rejected": rejected[ROW],
        "excluded": ex.held_back[ROW],
        "loaded": loaded[ROW],
        "failed": failed[ROW],
    }
    if dry_run:
        counts["clean"] = len(to_load)
        groups["clean"] = to_load[ROW]
    report: dict[str, Any] = {
        "input": {**input_info, "sha256": digest},
        "object": object_name,
        "api": api,
        "dry_run": dry_run,
        "org": {"id": conn.org_id, "instance_url": conn.instance_url},
        "rows": counts,
        "conservation": _conservation(nres, groups, counts["in"]),
        "failed_reasons": {
            str(k): int(v) for k, v in failed["sfclean_reason"].value_counts(sort=True).items()
        },
        "resumed": bool(journal is not None and journal.resumed),
        "collected_jobs": collected_jobs,
        "jobs": journal.jobs() if journal is not None else [],
        "rows_resolved_by_journal": len(resolved),
        "stages": {
            "normalize": nres.summary().to_dict(),
            "exclude": ex.summary().to_dict(),
            "budget": budget,
            "load": load_summary,
        },
        "strategy": ex.strategy,
        "estimate": {k: int(plan[k]) for k in ("collect", "exclude", "load", "total")},
        "api_calls": {**calls, "total": sum(calls.values())},
        "load_estimate": load_estimate,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "files": list(OUTPUT_FILES),
    }
    tables = {
        "rejected.csv": rejected,
        "findings.csv": nres.findings,
        "clean.csv": clean_out,
        "excluded.csv": ex.held_back,
        "excluded_updates.csv": ex.updates,
        "loaded.csv": loaded,
        "failed.csv": failed,
    }
    kept = clean_out if dry_run else loaded
    held_back = _concat([rejected, ex.held_back, failed]).fillna("")
    outcome = RunResult(
        kept=kept,
        held_back=held_back,
        findings=nres.findings,
        normalized=nres,
        tables=tables,
        report=report,
        dry_run=dry_run,
    )
    outcome.files = write_result(outcome, out_dir)
    if journal is not None:
        journal.completed()
    return outcome
