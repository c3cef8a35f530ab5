"""``sfclean.run``: the whole pipeline, resumable. normalize -> budget -> exclude ->
preflight -> load.

Order on every start (the order is what makes a rerun after a crash safe):

1. check the options and normalize the input (offline: a bad option or input stops the run
   before the org is used at all).
2. take the lock of ``out_dir`` (held to the end), so no other run on this machine writes it
   meanwhile (:mod:`sfclean.locks`); steps 6 to 9 also hold the lock of the org and object.
   An ``out_dir`` holding a finished run (``report.json``) is refused unless ``overwrite``.
3. describe the object (the one describe call the load needs): an object the org does not
   have stops the run with the nearest name ("did you mean Lead?", from the org's object
   list, asked for only then), as does an object without an email field. Then, when an
   address with non-ASCII characters depends on it, the org's Email Address
   Internationalization setting is read (:mod:`sfclean.stages.eai`): ``internationalized``
   on while the org has it off stops the run (ConfigError); the org having it on without the
   option, or a setting that cannot be read, is a notice in the report.
4. open ``out_dir/run.jsonl`` (not under ``dry_run``): it is resumed when it belongs to the same
   input (sha256), object and org (Id from ``userinfo``, and instance URL); an unfinished one
   of another input, object or org stops the run (ConfigError). A new journal replaces the
   old file at its first event (a run refused before the load leaves ``out_dir`` as it was).
5. budget: estimate the calls of every stage still to come (collecting the journal's jobs,
   the exclude lookup from the objects' record counts, the load of every row not yet
   resolved), read ``limits/`` and refuse (BudgetExceeded) when the estimate exceeds the
   remaining daily API requests minus ``api_reserve`` of the maximum. Nothing else has been
   asked of the org yet. A dry run checks only its lookup and reports whether a real run
   would fit.
6. finish every job the journal holds (:func:`sfclean.stages.loaders.collect_journaled`): those rows
   get their outcomes (loaded / failed), take precedence over every other stage and are not
   sent again. With ``retry_failed``, rows the journal holds as failed with their whole batch
   (``BATCH_FAILED``: a transient server error) or never processed (``NOT_PROCESSED``) go
   through exclude, pre-flight and load again; rows that failed for their own reasons keep
   their outcome. It updates a finished run in place (no ``overwrite`` needed).
7. exclude the other clean rows: rows whose email exists in the org are held back. This also
   catches records an interrupted run created but never journaled (a batch posted just
   before a crash).
8. pre-flight (:mod:`sfclean.stages.preflight`): check the rows left against the describe;
   rows the org would refuse for a reason it tells (a required field blank, a value too
   long, outside a restricted picklist, not of the field's type) go to ``rejected.csv``.
9. load the rest, journaling every job and batch as it is created. A new run first removes
   the ``report.json`` of whatever run wrote ``out_dir`` before, so the directory never looks
   finished while this run is not.
10. write ``rejected.csv``, ``findings.csv``, ``clean.csv``, ``excluded.csv``,
    ``excluded_updates.csv``, ``loaded.csv``, ``failed.csv`` and ``report.json`` atomically,
    ``report.json`` last; then mark the journal completed.

Conservation: every input row is in exactly one of rejected / excluded / loaded / failed
(with ``dry_run``: rejected / excluded / clean, where ``clean.csv`` holds the rows a real run
would load; otherwise ``clean.csv`` is normalize's output, i.e. excluded + held back by the
pre-flight + loaded + failed).
``report.json`` carries the check, made on the row numbers themselves. A dry run writes
nothing to the org and keeps no journal.

:func:`run` is the sequence of those steps; each is one method of
:class:`sfclean.runsteps.RunSteps`, which holds what the steps share (the connection, the
options, the API calls and time spent).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import pandas as pd

from sfclean.journal import Journal
from sfclean.locks import out_lock
from sfclean.report import StageResult, Summary
from sfclean.runreport import InputInfo, RunReport
from sfclean.runsteps import (
    Progress,
    RunSteps,
    read_source,
    run_journal,
)
from sfclean.salesforce import Connection, require_connection
from sfclean.stages.normalize import NormalizeResult

__all__ = ["RunResult", "RunSummary", "run"]


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
    report: RunReport
    files: dict[str, Path] = field(default_factory=dict)
    dry_run: bool = False

    def summary(self) -> RunSummary:
        """Rows in / kept (loaded) / held back, per reason and finding, and the API calls."""
        return RunSummary(
            **self._base_counts(),
            dry_run=self.dry_run,
            api_calls=dict(self.report.api_calls),
        )

    def outputs(self) -> dict[str, pd.DataFrame]:
        """The tables the run writes, in the order they are written."""
        return dict(self.tables)

    def to_report(self, *, source: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The report (the content of ``report.json``; ``self.report`` is it, typed)."""
        return self.report.to_dict()

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
        checked = report.stages.preflight.get("reasons") or {}
        if checked:
            lines.append(
                "  pre-flight held back: "
                + ", ".join(f"{k} {v}" for k, v in checked.items())
                + " (rejected.csv names each field and limit)"
            )
        if report.failed_reasons:
            lines.append(
                "  failed: " + ", ".join(f"{k} {v}" for k, v in report.failed_reasons.items())
            )
        notice = report.email_internationalization.get("notice")
        if notice:
            lines.append(f"  notice: {notice}")
        if report.resumed:
            lines.append(
                f"  resumed: {report.rows_resolved_by_journal} rows taken from the journal "
                f"({report.collected_jobs} job(s) collected)"
            )
        return "\n".join(lines)


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
    progress: Progress | Literal[False] | None = None,
    batch_size: int = 10_000,
    serial: bool = False,
    timeout: float = 3600.0,
    exclude_objects: tuple[str, ...] | None = None,
    lock_timeout: float = 0.0,
    overwrite: bool = False,
    retry_failed: bool = False,
    match_on: Sequence[str] = ("Email",),
    fields: Mapping[str, str | Sequence[str]] | None = None,
    constants: Mapping[str, str] | None = None,
    fuzzy: bool = False,
) -> RunResult:
    """Normalize, exclude and load ``source`` into ``object_name``; write every outcome.

    ``source``: a CSV path or a DataFrame. ``conn``: a :class:`~sfclean.Connection` (wrap a
    ``simple_salesforce.Salesforce`` once with ``sfclean.connect(sf=...)``). ``out_dir``
    receives the outputs and ``run.jsonl``; a rerun with the same input, object, org and
    ``out_dir`` resumes (see the module docstring). ``journal``: the run's journal, by
    default ``Journal(out_dir)``; pass one (kept in ``out_dir``) to watch or interrupt its
    events; a dry run keeps none. ``normalize_options`` go to :func:`sfclean.normalize`.
    ``exclude_objects``: objects to look for existing records (default ``object_name``
    first, then Lead / Contact). ``match_on``, ``fuzzy``: as :func:`sfclean.exclude`.
    ``fields`` / ``constants``: what is loaded, as a Data Loader mapping says
    (:func:`sfclean.sdl.insert_mapping`); by default every column named like a createable
    field. ``progress(stage, done, total)`` is called during ``normalize``, ``collect``,
    ``exclude`` and ``load`` (None or False: none; :func:`sfclean.tqdm_progress` draws it).
    ``lock_timeout``: seconds to wait for a run on this machine holding ``out_dir`` or the
    org and object (:mod:`sfclean.locks`; 0 refuses at once). ``overwrite``: replace a
    finished run's outputs (else ConfigError; its journal is kept). ``retry_failed``: send
    again the rows whose whole batch failed or never ran (module docstring, step 6).

    Raises RunLocked past ``lock_timeout``; ConfigError / InputError for bad options or input
    (before the org is used), or an ``out_dir`` holding an unfinished run of another input,
    object or org; BudgetExceeded (before the org is searched or written to) for a run that
    needs too much of the daily API allowance; and the errors of each stage.
    """
    conn = require_connection(conn, caller="run")
    df, info = read_source(source)
    steps = RunSteps(
        conn,
        object_name=object_name,
        out_dir=out_dir,
        dry_run=dry_run,
        api=api,
        strategy=strategy,
        api_reserve=api_reserve,
        options=dict(normalize_options or {}),
        progress=None if progress is False else progress,
        batch_size=batch_size,
        serial=serial,
        timeout=timeout,
        objects=exclude_objects or tuple(dict.fromkeys((object_name, "Lead", "Contact"))),
        journal=run_journal(journal, out_dir, dry_run=dry_run),
        lock_timeout=lock_timeout,
        overwrite=overwrite,
        retry_failed=retry_failed,
        match_on=tuple(match_on),
        check_objects=exclude_objects is not None,
        fields=dict(fields) if fields is not None else None,
        constants=dict(constants or {}),
        fuzzy=fuzzy,
    )
    steps.check_options(df)  # 1. offline: a bad option or input stops here
    nres = steps.normalize_input(df)
    with out_lock(out_dir, timeout=lock_timeout):  # 2. no other run writes out_dir meanwhile
        return _locked_run(steps, df, info, nres)


def _locked_run(
    steps: RunSteps, df: pd.DataFrame, info: InputInfo, nres: NormalizeResult
) -> RunResult:
    """Steps 2 to 10 of :func:`run`, with the lock of ``out_dir`` held."""
    steps.clean_leftovers()  # temporary files of a killed run
    steps.check_out()  # a finished run's outputs are never replaced unasked
    steps.check_object()  # 3. the load's describe: a wrong --object stops here
    steps.check_eai(nres)  # 3. the org's Email Address Internationalization against the option
    steps.open_journal(info.sha256)  # 4.
    steps.check_budget(nres)  # 5. before the org is searched or written to
    with steps.org_window():  # no other run of this machine into the org and object
        steps.collect(nres)  # 6. what an interrupted run started
        ex = steps.exclude(nres)  # 7.
        pre = steps.preflight(ex)  # 8. against the describe, no API call
        new = steps.load(pre.kept)  # 9.
    tables, report, kept, held_back = steps.finish(df, info, nres, ex, pre, new)  # 10.
    result = RunResult(
        kept=kept,
        held_back=held_back,
        findings=nres.findings,
        normalized=nres,
        tables=tables,
        report=report,
        dry_run=steps.dry_run,
    )
    result.files = steps.write(result)  # report.json last, then the journal is completed
    return result
