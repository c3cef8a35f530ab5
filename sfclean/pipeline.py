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
4. finish every job the journal holds (:func:`sfclean.stages.loaders.collect_journaled`): those rows
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

:func:`run` is the sequence of those steps; each is one method of the private ``_Run`` (which
holds what the steps share: the connection, the options, the API calls and time spent).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from sfclean.errors import ConfigError, InputError
from sfclean.io import read_csv, write_outputs
from sfclean.journal import Journal, OrgRef
from sfclean.report import NormalizeResult
from sfclean.runreport import Conservation, InputInfo, RowCounts, RunReport, StageReports
from sfclean.salesforce import Connection, require_connection
from sfclean.stages.budget import Budget, RunEstimate, check_budget, check_reserve, estimate_run
from sfclean.stages.exclude import STRATEGIES, ExcludeResult, exclude
from sfclean.stages.load import check_load_options, estimate_load_calls, load, outcome_frames
from sfclean.stages.loaders import collect_journaled
from sfclean.stages.loadjobs import Outcome
from sfclean.stages.lookup import email_key
from sfclean.stages.normalize import normalize

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
RESERVED_COLUMNS = ("Id", "sfclean_row", "sfclean_reason", "sfclean_detail")


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
    report: RunReport
    files: dict[str, Path] = field(default_factory=dict)
    dry_run: bool = False

    def summary(self) -> RunReport:
        """The report (``to_dict()`` is the content of ``report.json``)."""
        return self.report

    def to_text(self) -> str:
        """A short human summary (a few lines), as the CLI prints it to stderr."""
        report = self.report
        rows = report.rows
        calls = report.api_calls
        outcome = (
            f"would load {rows.clean}"
            if self.dry_run
            else f"loaded {rows.loaded}, failed {rows.failed}"
        )
        lines = [
            f"run: {rows.input} rows in; rejected {rows.rejected}, "
            f"excluded {rows.excluded}, {outcome}",
            f"  API calls: {calls['total']} ("
            + ", ".join(f"{k} {v}" for k, v in calls.items() if k != "total")
            + f"); lookup strategy: {report.strategy}",
        ]
        if self.dry_run:
            lines.append(
                f"  dry run: nothing was written to the org; loading would take about "
                f"{report.load_estimate} API calls"
            )
        if report.failed_reasons:
            lines.append(
                "  failed: " + ", ".join(f"{k} {v}" for k, v in report.failed_reasons.items())
            )
        if report.resumed:
            lines.append(
                f"  resumed: {report.rows_resolved_by_journal} rows taken from the journal "
                f"({report.collected_jobs} job(s) collected)"
            )
        return "\n".join(lines)


def _input(source: Any) -> tuple[pd.DataFrame, InputInfo]:
    """(table, where it came from and the sha256 of its content) for a path or a DataFrame."""
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
    return df, InputInfo(digest, info.get("path"), info.get("encoding"), info.get("delimiter"))


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


def _budget(conn: Connection, plan: RunEstimate, *, dry_run: bool, reserve: float) -> Budget:
    """Check the plan against ``limits/``: all of it, or only the lookup in a dry run."""
    total = plan.total
    if not total:
        return Budget(0)
    spend = plan.exclude if dry_run else total
    batches = 0 if dry_run else plan.bulk_batches
    budget = check_budget(conn, spend, reserve=reserve, bulk_batches=batches)
    if dry_run and budget.available is not None and total > budget.available:
        budget = replace(
            budget,
            exceeded=(
                f"a real run would need about {total:,} API calls but only "
                f"{budget.available:,} remain after the reserve"
            ),
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


def _conservation(nres: NormalizeResult, groups: Mapping[str, Any], n_in: int) -> Conservation:
    """Whether every row normalize saw is in exactly one output (by row number)."""
    seen: dict[int, int] = {}
    for rows in groups.values():
        for row in rows:
            seen[int(row)] = seen.get(int(row), 0) + 1
    universe = {int(r) for r in nres.clean.index} | {int(r) for r in nres.rejected["sfclean_row"]}
    missing = len(universe - set(seen))
    repeated = sum(1 for n in seen.values() if n > 1)
    unknown = len(set(seen) - universe)
    accounted = sum(seen.values())
    ok = not (missing or repeated or unknown) and accounted == n_in
    return Conservation(ok, accounted, missing, repeated, unknown)


def _journal(
    journal: Journal | None, out_dir: str | os.PathLike[str], *, dry_run: bool
) -> Journal | None:
    """The run's journal (not opened yet): ``journal``, else one in ``out_dir``; None when dry."""
    if dry_run:
        return None
    if journal is None:
        return Journal(out_dir)
    if Path(journal.out_dir).resolve() != Path(out_dir).resolve():
        raise ConfigError(
            f"journal= keeps its journal in {journal.out_dir}, not in out_dir {out_dir}; "
            "pass Journal(out_dir) or leave journal= out"
        )
    return journal


@dataclass
class _Loaded:
    """The load step's outcome: new rows loaded / failed, the stage's summary, the estimate."""

    loaded: pd.DataFrame
    failed: pd.DataFrame
    summary: Mapping[str, Any]
    estimate: int


@dataclass
class _Run:
    """What the steps of one :func:`run` share; each step is one method, in order."""

    conn: Connection
    object_name: str
    out_dir: str | os.PathLike[str]
    dry_run: bool
    api: str
    strategy: str
    api_reserve: float
    options: dict[str, Any]
    progress: Progress | None
    batch_size: int
    serial: bool
    timeout: float
    objects: tuple[str, ...]
    journal: Journal | None
    timings: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    @property
    def match_key(self) -> str:
        return str(self.options.get("match_key", "email"))

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        clock = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = time.perf_counter() - clock

    @contextmanager
    def counted(self, stage: str) -> Iterator[None]:
        start = self.conn.api_calls
        try:
            yield
        finally:
            self.calls[stage] = self.conn.api_calls - start

    def _progress(self, stage: str) -> Callable[[int, int], None] | None:
        progress = self.progress
        return None if progress is None else (lambda done, total: progress(stage, done, total))

    # --- the steps -------------------------------------------------------------------------

    def open_journal(self, digest: str) -> dict[int, Outcome]:
        """Open (or resume) the journal; the outcomes it already holds."""
        if self.journal is None:
            return {}
        self.journal.open(
            input_sha256=digest,
            object_name=self.object_name,
            api=self.api,
            org_id=self.conn.org_id,
            instance_url=self.conn.instance_url,
        )
        return {r: Outcome.from_row(o) for r, o in self.journal.outcomes().items()}

    def check_budget(
        self, nres: NormalizeResult, known: Mapping[int, Outcome]
    ) -> tuple[RunEstimate, Budget]:
        """Estimate every stage still to come and check it against the org's limits."""
        clean = nres.clean
        maybe = clean.loc[[r for r in clean.index if r not in known]]
        with self.counted("budget"):
            plan = estimate_run(
                self.conn,
                keys=_lookup_keys(maybe, nres.columns.email, self.match_key),
                objects=self.objects,
                strategy=self.strategy,
                match_key=self.match_key,
                load_rows=len(maybe),
                api=self.api,
                batch_size=self.batch_size,
                pending_jobs=self.journal.pending_jobs() if self.journal is not None else [],
            )
            budget = _budget(self.conn, plan, dry_run=self.dry_run, reserve=self.api_reserve)
        return plan, budget

    def collect(self) -> tuple[dict[int, Outcome], int]:
        """Finish the jobs an interrupted run journaled: (outcomes per row, jobs collected)."""
        journal = self.journal
        collected = 0
        with self.timed("collect"):
            if journal is not None and journal.pending_jobs():
                with self.counted("collect"):
                    collected = collect_journaled(
                        self.conn,
                        journal,
                        object_name=self.object_name,
                        timeout=self.timeout,
                        progress=self._progress("collect"),
                    )
        if journal is None:
            return {}, 0
        return {r: Outcome.from_row(o) for r, o in journal.outcomes().items()}, collected

    def exclude(self, nres: NormalizeResult, resolved: Mapping[int, Outcome]) -> ExcludeResult:
        """Hold back the clean rows not resolved yet whose email exists in the org."""
        todo = nres.clean.loc[[r for r in nres.clean.index if r not in resolved]]
        with self.timed("exclude"), self.counted("exclude"):
            return exclude(
                todo,
                self.conn,
                objects=self.objects,
                email_column=nres.columns.email,
                phone_columns=list(nres.columns.phones),
                country_column=nres.columns.country,
                default_region=str(self.options.get("default_region", "US")),
                match_key=self.match_key,
                strategy=self.strategy,
            )

    def load(self, to_load: pd.DataFrame) -> _Loaded:
        """Load the rows left (nothing in a dry run); a new run first forgets the last report."""
        if self.journal is not None and not self.journal.resumed:
            _forget_outputs(self.out_dir)
        estimate = estimate_load_calls(len(to_load), api=self.api, batch_size=self.batch_size)
        with self.timed("load"):
            if self.dry_run:
                loaded, failed = outcome_frames(to_load.iloc[0:0], {})
                summary: Mapping[str, Any] = {"rows_loaded": 0, "rows_failed": 0, "api_calls": 0}
            else:
                result = load(
                    to_load,
                    self.conn,
                    object_name=self.object_name,
                    api=self.api,
                    batch_size=self.batch_size,
                    serial=self.serial,
                    timeout=self.timeout,
                    journal=self.journal,
                    progress=self._progress("load"),
                )
                loaded, failed, summary = result.loaded, result.failed, result.summary()
        self.calls["load"] = int(summary.get("api_calls", 0))
        return _Loaded(loaded, failed, summary, estimate)

    def report(
        self,
        info: InputInfo,
        nres: NormalizeResult,
        rows: RowCounts,
        conservation: Conservation,
        failed: pd.DataFrame,
        stages: StageReports,
        strategy: str,
        plan: RunEstimate,
        load_estimate: int,
        collected: tuple[int, int],
    ) -> RunReport:
        """The report of the run (``report.json``); ``collected``: (jobs, rows resolved)."""
        reasons = failed["sfclean_reason"].value_counts(sort=True)
        journal = self.journal
        return RunReport(
            input=info,
            object_name=self.object_name,
            api=self.api,
            dry_run=self.dry_run,
            org=OrgRef(self.conn.org_id, self.conn.instance_url),
            rows=rows,
            conservation=conservation,
            failed_reasons={str(k): int(v) for k, v in reasons.items()},
            resumed=bool(journal is not None and journal.resumed),
            collected_jobs=collected[0],
            jobs=tuple(journal.jobs()) if journal is not None else (),
            rows_resolved_by_journal=collected[1],
            stages=stages,
            strategy=strategy,
            estimate=plan,
            api_calls={**self.calls, "total": sum(self.calls.values())},
            load_estimate=load_estimate,
            timings={k: round(v, 3) for k, v in self.timings.items()},
            files=OUTPUT_FILES,
        )


def _outputs(
    nres: NormalizeResult,
    df: pd.DataFrame,
    resolved: Mapping[int, Outcome],
    ex: ExcludeResult,
    new: _Loaded,
    *,
    dry_run: bool,
) -> tuple[dict[str, pd.DataFrame], RowCounts, Conservation]:
    """Every output table, the row counts, and the conservation check on them."""
    rejected = nres.rejected[~nres.rejected["sfclean_row"].isin(list(resolved))]
    old_loaded, old_failed = _resolved_frames(df, nres.clean, resolved)
    loaded = _concat([old_loaded, new.loaded])
    failed = _concat([old_failed, new.failed], key="sfclean_row")
    clean_out = ex.kept if dry_run else nres.clean
    groups: dict[str, Any] = {
        "rejected": rejected["sfclean_row"],
        "excluded": ex.excluded["sfclean_row"],
        "loaded": loaded.index,
        "failed": failed["sfclean_row"],
    }
    if dry_run:
        groups["clean"] = ex.kept.index
    rows = RowCounts(
        input=int(nres.rows_in),
        rejected=len(rejected),
        excluded=len(ex.excluded),
        loaded=len(loaded),
        failed=len(failed),
        clean=len(ex.kept) if dry_run else None,
    )
    tables = {
        "rejected.csv": rejected,
        "findings.csv": nres.findings,
        "clean.csv": clean_out,
        "excluded.csv": ex.excluded,
        "excluded_updates.csv": ex.updates,
        "loaded.csv": loaded,
        "failed.csv": failed,
    }
    return tables, rows, _conservation(nres, groups, rows.input)


def run(
    source: Any,
    conn: Connection,
    *,
    object_name: str,
    out_dir: str | os.PathLike[str],
    dry_run: bool = False,
    api: str = "bulk",
    strategy: str = "auto",
    api_reserve: float = 0.10,
    normalize_options: Mapping[str, Any] | None = None,
    journal: Journal | None = None,
    progress: Progress | None = None,
    batch_size: int = 10_000,
    serial: bool = False,
    timeout: float = 3600.0,
    exclude_objects: tuple[str, ...] | None = None,
) -> RunResult:
    """Normalize, exclude and load ``source`` into ``object_name``; write every outcome.

    ``source``: a CSV path or a DataFrame. ``conn``: a :class:`~sfclean.Connection` (wrap a
    ``simple_salesforce.Salesforce`` once with ``sfclean.connect(sf=...)``). ``out_dir``
    receives the outputs and ``run.json``; a rerun with the same input, object, org and
    ``out_dir`` resumes (see the module docstring). ``journal``: the run's journal, by
    default ``Journal(out_dir)``; pass one (kept in ``out_dir``) to watch or interrupt its
    events; a dry run keeps none. ``normalize_options`` go to :func:`sfclean.normalize`.
    ``exclude_objects``: objects to look for existing records (default ``object_name``
    first, then Lead / Contact). ``progress(stage, done, total)`` is called during
    ``collect`` and ``load``.

    Raises ConfigError / InputError for bad options or input (before the org is used), or
    when ``out_dir`` holds an unfinished run of another input, object or org; BudgetExceeded
    before the org is searched or written to when the run would use too much of the daily
    API allowance; and the errors of each stage.
    """
    conn = require_connection(conn, caller="run")
    options = dict(normalize_options or {})
    df, info = _input(source)
    _check_options(
        df,
        api=api,
        strategy=strategy,
        match_key=str(options.get("match_key", "email")),
        batch_size=batch_size,
        api_reserve=api_reserve,
    )
    steps = _Run(
        conn,
        object_name,
        out_dir,
        dry_run,
        api,
        strategy,
        api_reserve,
        options,
        progress,
        batch_size,
        serial,
        timeout,
        objects=exclude_objects or tuple(dict.fromkeys((object_name, "Lead", "Contact"))),
        journal=_journal(journal, out_dir, dry_run=dry_run),
    )
    with steps.timed("normalize"):  # 1. offline
        nres = normalize(df, **options)
    known = steps.open_journal(info.sha256)  # 2.
    plan, budget = steps.check_budget(nres, known)  # 3. before the org is searched
    resolved, collected = steps.collect()  # 4. what an interrupted run started
    ex = steps.exclude(nres, resolved)  # 5.
    new = steps.load(ex.kept)  # 6.
    tables, rows, conservation = _outputs(nres, df, resolved, ex, new, dry_run=dry_run)  # 7.
    stages = StageReports(nres.summary(), ex.summary(), budget, new.summary)
    report = steps.report(
        info,
        nres,
        rows,
        conservation,
        tables["failed.csv"],
        stages,
        ex.strategy,
        plan,
        new.estimate,
        (collected, len(resolved)),
    )
    files = write_outputs(
        out_dir,
        {
            **tables,
            "loaded.csv": tables["loaded.csv"].reset_index(),
            "report.json": report.to_dict(),
        },
    )
    if steps.journal is not None:
        steps.journal.completed()
    return RunResult(
        nres,
        tables["rejected.csv"],
        ex.excluded,
        ex.updates,
        tables["loaded.csv"],
        tables["failed.csv"],
        tables["clean.csv"],
        report,
        files,
        dry_run,
    )
