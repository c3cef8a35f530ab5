"""The steps of :func:`sfclean.run`, one method each of :class:`RunSteps`, and the helpers
they share; :mod:`sfclean.pipeline` calls them in order (its docstring tells the order and why).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from sfclean.errors import ConfigError, InputError, WriteError
from sfclean.io import read_csv, write_result
from sfclean.journal import Journal, OrgRef
from sfclean.locks import org_lock
from sfclean.outdir import refuse_finished, remove_leftovers
from sfclean.report import ROW, StageResult
from sfclean.runreport import Conservation, InputInfo, RowCounts, RunReport, StageReports
from sfclean.runtables import Loaded, blank_text, by_row, concat_rows, output_tables
from sfclean.salesforce import Connection
from sfclean.stages.budget import Budget, RunEstimate, check_budget, check_reserve, estimate_run
from sfclean.stages.eai import EaiCheck, check_for_run, not_checked
from sfclean.stages.exclude import STRATEGIES, ExcludeResult, exclude
from sfclean.stages.load import check_load_options, estimate_load_calls, load, outcome_frames
from sfclean.stages.loaders import collect_journaled
from sfclean.stages.loadjobs import Outcome
from sfclean.stages.lookup import email_key
from sfclean.stages.normalize import NormalizeResult, normalize
from sfclean.stages.objects import check_object_names, describe_target
from sfclean.stages.preflight import PreflightResult, preflight

__all__ = [
    "OUTPUT_FILES",
    "Loaded",
    "RunSteps",
    "check_run_options",
    "read_source",
    "run_journal",
]

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
RETRYABLE_CODES = frozenset({"BATCH_FAILED", "NOT_PROCESSED"})
"""Outcome codes of rows that failed with their whole batch (a transient server error) or
were never processed: ``retry_failed`` sends them again. Rows that failed for their own
reasons (a Salesforce status code: ``REQUIRED_FIELD_MISSING``, ``DUPLICATES_DETECTED``) keep
their outcome."""
RESERVED_COLUMNS = ("Id", "sfclean_row", "sfclean_reason", "sfclean_detail")


def read_source(source: Any) -> tuple[pd.DataFrame, InputInfo]:
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
    return df, InputInfo(
        digest, info.get("path"), info.get("encoding"), info.get("delimiter"), info.get("skip_rows")
    )


def check_run_options(
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
    ours = {c.lower() for c in RESERVED_COLUMNS if c != "Id"}  # ID is renamed ID (input)
    clash = [str(c) for c in df.columns if str(c) == "Id" or str(c).lower() in ours]
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


def _sent_emails(kept: pd.DataFrame) -> dict[int, str]:
    """``sfclean_row -> Email`` as the load sends it (the column named Email, any case)."""
    column = next((c for c in kept.columns if str(c).strip().lower() == "email"), None)
    if column is None:
        return {}
    return {int(r): str(v) for r, v in zip(kept[ROW], kept[column], strict=True)}


def _forget_outputs(out_dir: str | os.PathLike[str]) -> None:
    """Remove the manifest (report.json) of the run that wrote ``out_dir`` before, and the
    report.html drawn from it."""
    try:
        (Path(out_dir) / OUTPUT_FILES[-1]).unlink(missing_ok=True)
        (Path(out_dir) / "report.html").unlink(missing_ok=True)
    except OSError as exc:
        raise WriteError(
            f"cannot write to {out_dir} ({exc.strerror}); make it writable or choose another "
            "--out directory",
            path=str(out_dir),
        ) from None


def run_journal(
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
class RunSteps:
    """One :func:`sfclean.run`: its options, and what each step found for the next ones.

    The steps are the methods from :meth:`check_options` to :meth:`finish`, called in order.
    """

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
    lock_timeout: float = 0.0
    overwrite: bool = False
    retry_failed: bool = False
    match_on: tuple[str, ...] = ("Email",)
    check_objects: bool = False  # the caller chose the objects to search: check their names
    fields: dict[str, str | Sequence[str]] | None = None
    constants: dict[str, str] = field(default_factory=dict)
    fuzzy: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    known: dict[int, Outcome] = field(default_factory=dict)
    plan: RunEstimate = field(default_factory=lambda: RunEstimate(0, 0, 0, 0))
    budget: Budget = field(default_factory=lambda: Budget(0))
    resolved: dict[int, Outcome] = field(default_factory=dict)
    collected_jobs: int = 0
    describe: dict[str, Any] = field(default_factory=dict)
    eai: EaiCheck | None = None

    @property
    def match_key(self) -> str:
        return str(self.options.get("match_key", "email"))

    @property
    def lookup_strategy(self) -> str:
        """The exclude strategy: phones are only matched by a Bulk extract."""
        phones = any(str(m).strip().lower() == "phone" for m in self.match_on)
        return "extract" if phones and self.strategy == "auto" else self.strategy

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

    def _journal_outcomes(self) -> dict[int, Outcome]:
        """Outcomes the journal holds; with ``retry_failed``, without those of rows whose
        whole batch failed or never ran (they go through exclude and load again)."""
        if self.journal is None:
            return {}
        found = {r: Outcome.from_row(o) for r, o in self.journal.outcomes().items()}
        if self.retry_failed:
            return {r: o for r, o in found.items() if o.code not in RETRYABLE_CODES}
        return found

    def org_window(self) -> AbstractContextManager[None]:
        """The org lock (org and object) around collect, exclude and load; none when dry."""
        if self.dry_run:
            return nullcontext()
        return org_lock(
            self.conn.org_id,
            self.conn.instance_url,
            self.object_name,
            out_dir=self.out_dir,
            timeout=self.lock_timeout,
        )

    # --- the steps -------------------------------------------------------------------------

    def check_options(self, df: pd.DataFrame) -> None:
        """ConfigError / InputError for what would stop a later stage (see
        :func:`check_run_options`)."""
        phones = any(str(m).strip().lower() == "phone" for m in self.match_on)
        if phones and self.strategy == "query":
            raise ConfigError(
                "strategy='query' cannot match phones (SOQL cannot normalize them); use "
                "strategy='extract' or 'auto'"
            )
        check_run_options(
            df,
            api=self.api,
            strategy=self.strategy,
            match_key=self.match_key,
            batch_size=self.batch_size,
            api_reserve=self.api_reserve,
        )
        if self.fuzzy:  # the fuzzy extra, before the org is used
            from sfclean.scanning.fuzzy_model import splink_modules

            splink_modules()

    def normalize_input(self, df: pd.DataFrame) -> NormalizeResult:
        """Normalize the input with the run's normalize options (offline)."""
        with self.timed("normalize"):
            return normalize(df, **self.options, progress=self._progress("normalize"))

    def check_object(self) -> None:
        """Describe the object (the load's one describe call): ConfigError for an unknown
        object (with the nearest name) or one without an email field; with objects to search
        chosen by the caller, check their names too (one call for the org's object list)."""
        with self.counted("describe"):
            self.describe = describe_target(self.conn, self.object_name, need_email=True)
            if self.check_objects:
                check_object_names(self.conn, self.objects)

    def check_eai(self, nres: NormalizeResult) -> None:
        """The org's Email Address Internationalization against ``internationalized``
        (:mod:`sfclean.stages.eai`): ConfigError when the option is on and the org has it off."""
        option = bool(self.options.get("internationalized"))
        self.eai = check_for_run(self.conn, internationalized=option, normalized=nres)

    def clean_leftovers(self) -> list[str]:
        """Remove a killed run's temporary files from ``out_dir`` (see :mod:`sfclean.outdir`)."""
        return remove_leftovers(self.out_dir)

    def check_out(self) -> None:
        """Refuse an ``out_dir`` holding a finished run, unless ``overwrite`` (or
        ``retry_failed``, which asks to update that run)."""
        if not (self.overwrite or self.retry_failed):
            refuse_finished(self.out_dir)

    def open_journal(self, digest: str) -> None:
        """Open (or resume) the journal and read the outcomes it already holds."""
        if self.journal is not None:
            self.journal.open(
                input_sha256=digest,
                object_name=self.object_name,
                api=self.api,
                org_id=self.conn.org_id,
                instance_url=self.conn.instance_url,
            )
        self.known = self._journal_outcomes()

    def check_budget(self, nres: NormalizeResult) -> None:
        """Estimate every stage still to come and check it against the org's limits."""
        clean = by_row(nres.kept)
        maybe = clean.loc[[r for r in clean.index if r not in self.known]]
        with self.counted("budget"):
            self.plan = estimate_run(
                self.conn,
                keys=_lookup_keys(maybe, nres.columns.email, self.match_key),
                objects=self.objects,
                strategy=self.lookup_strategy,
                match_key=self.match_key,
                load_rows=len(maybe),
                api=self.api,
                batch_size=self.batch_size,
                pending_jobs=self.journal.pending_jobs() if self.journal is not None else [],
            )
            self.budget = _budget(
                self.conn, self.plan, dry_run=self.dry_run, reserve=self.api_reserve
            )

    def collect(self, nres: NormalizeResult) -> None:
        """Finish the jobs an interrupted run journaled; their rows are resolved."""
        journal = self.journal
        with self.timed("collect"):
            if journal is not None and journal.pending_jobs():
                with self.counted("collect"):
                    self.collected_jobs = collect_journaled(
                        self.conn,
                        journal,
                        object_name=self.object_name,
                        emails=_sent_emails(nres.kept),
                        timeout=self.timeout,
                        progress=self._progress("collect"),
                    )
        self.resolved = self._journal_outcomes()

    def exclude(self, nres: NormalizeResult) -> ExcludeResult:
        """Hold back the clean rows not resolved yet whose email exists in the org."""
        kept = nres.kept
        todo = kept[~kept[ROW].isin(list(self.resolved))].reset_index(drop=True)
        with self.timed("exclude"), self.counted("exclude"):
            return exclude(
                todo,
                self.conn,
                objects=self.objects,
                email_column=nres.columns.email,
                phone_columns=list(nres.columns.phones),
                country_column=nres.columns.country,
                default_region=str(self.options.get("default_region", "US")),
                match_on=self.match_on,
                match_key=self.match_key,
                strategy=self.strategy,
                progress=self._progress("exclude"),
                fuzzy=self.fuzzy,
            )

    def preflight(self, ex: ExcludeResult) -> PreflightResult:
        """Check the rows left against the describe (no API call); hold back what the org
        would refuse."""
        with self.timed("preflight"):
            return preflight(ex.kept, self.describe, fields=self.fields, constants=self.constants)

    def load(self, to_load: pd.DataFrame) -> Loaded:
        """Load the rows left (nothing in a dry run); a new run first forgets the last report."""
        if self.journal is not None and not self.journal.resumed:
            _forget_outputs(self.out_dir)
        estimate = estimate_load_calls(len(to_load), api=self.api, batch_size=self.batch_size)
        with self.timed("load"):
            if self.dry_run:
                loaded, failed = outcome_frames(to_load.iloc[0:0], {})
                summary: Mapping[str, Any] = {"rows_kept": 0, "rows_held_back": 0, "api_calls": 0}
            else:
                result = load(
                    to_load,
                    self.conn,
                    object_name=self.object_name,
                    api=self.api,
                    batch_size=self.batch_size,
                    serial=self.serial,
                    timeout=self.timeout,
                    describe=self.describe,
                    fields=self.fields,
                    constants=self.constants,
                    journal=self.journal,
                    progress=self._progress("load"),
                )
                loaded, failed = result.kept, result.held_back
                summary = result.summary().to_dict()
        self.calls["load"] = int(summary.get("api_calls", 0))
        return Loaded(loaded, failed, summary, estimate)

    def finish(
        self,
        df: pd.DataFrame,
        info: InputInfo,
        nres: NormalizeResult,
        ex: ExcludeResult,
        pre: PreflightResult,
        new: Loaded,
    ) -> tuple[dict[str, pd.DataFrame], RunReport, pd.DataFrame, pd.DataFrame]:
        """(the output tables, the report, the rows kept, the rows held back) of the run.

        Kept: the rows loaded (in a dry run, the rows a real run would load); held back:
        every other row, in ``sfclean_row`` order.
        """
        tables, rows, conservation = output_tables(
            nres, df, self.resolved, ex, pre, new, dry_run=self.dry_run
        )
        stages = StageReports(
            nres.summary().to_dict(),
            ex.summary().to_dict(),
            self.budget,
            new.summary,
            pre.summary().to_dict(),
        )
        report = self.report(info, rows, conservation, tables["failed.csv"], stages, ex, new)
        kept = tables["clean.csv"] if self.dry_run else tables["loaded.csv"]
        held_back = blank_text(
            concat_rows([tables["rejected.csv"], tables["excluded.csv"], tables["failed.csv"]])
        )
        return tables, report, kept, held_back

    def write(self, result: StageResult) -> dict[str, Path]:
        """Write every output, ``report.json`` last, then mark the journal completed.

        WriteError when a file cannot be written: the journal keeps every outcome, so the
        same command run again writes them (nothing is sent to the org twice).
        """
        try:
            files = write_result(result, self.out_dir)
        except InputError as exc:
            raise WriteError(
                f"{str(exc).split('; choose')[0]}; the outputs are incomplete (no "
                "report.json). Free space on that disk or make it writable, then rerun the "
                "same command: the journal holds every row's outcome"
                + ("" if self.journal is not None else " (a dry run keeps no journal)"),
                path=str(self.out_dir),
            ) from None
        if self.journal is not None:
            self.journal.completed()
        return files

    def report(
        self,
        info: InputInfo,
        rows: RowCounts,
        conservation: Conservation,
        failed: pd.DataFrame,
        stages: StageReports,
        ex: ExcludeResult,
        new: Loaded,
    ) -> RunReport:
        """The report of the run (the content of ``report.json``)."""
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
            collected_jobs=self.collected_jobs,
            jobs=tuple(journal.jobs()) if journal is not None else (),
            rows_resolved_by_journal=len(self.resolved),
            stages=stages,
            strategy=ex.strategy,
            estimate=self.plan,
            api_calls={**self.calls, "total": sum(self.calls.values())},
            load_estimate=new.estimate,
            timings={k: round(v, 3) for k, v in self.timings.items()},
            files=OUTPUT_FILES,
            email_internationalization=(
                self.eai or not_checked(bool(self.options.get("internationalized")))
            ).to_dict(),
        )
