"""The report of :func:`sfclean.run`: typed, frozen; ``to_dict()`` is ``report.json``.

RunReport
 ├── input: InputInfo          path, encoding, delimiter, skip_rows, sha256 of the input
 ├── org: OrgRef               the org's Id and instance URL
 ├── rows: RowCounts           rows in, and per output
 ├── conservation: Conservation   every row in exactly one output (checked on row numbers)
 ├── jobs: JobSummary...       the journal's jobs
 ├── stages: StageReports      each stage's summary, and the Budget check
 ├── email_internationalization   the org's EAI setting against normalize's option
 └── estimate: RunEstimate     API calls estimated per stage, beside ``api_calls`` spent
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sfclean.journal import JobSummary, OrgRef
from sfclean.stages.budget import Budget, RunEstimate

__all__ = ["Conservation", "InputInfo", "RowCounts", "RunReport", "StageReports"]

StageSummary = Mapping[str, Any]
"""A stage result's ``summary()`` (normalize, exclude, load), JSON-ready."""


@dataclass(frozen=True)
class InputInfo:
    """Where the input came from (None for a DataFrame) and the sha256 of its content."""

    sha256: str
    path: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    #: rows skipped before the header (``read_csv(skip_rows=)``); None for a DataFrame
    skip_rows: int | None = None

    def to_dict(self) -> dict[str, str | int | None]:
        return {
            "path": self.path,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "skip_rows": self.skip_rows,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class RowCounts:
    """Rows in (``input``) and in each output; ``clean`` only in a dry run (would load)."""

    input: int
    rejected: int
    excluded: int
    loaded: int
    failed: int
    clean: int | None = None

    def to_dict(self) -> dict[str, int]:
        out = {
            "in": self.input,
            "rejected": self.rejected,
            "excluded": self.excluded,
            "loaded": self.loaded,
            "failed": self.failed,
        }
        if self.clean is not None:
            out["clean"] = self.clean
        return out


@dataclass(frozen=True)
class Conservation:
    """Whether every row normalize saw is in exactly one output (by row number).

    When not ``ok``: how many rows are ``missing`` from every output, ``repeated`` in several,
    or ``unknown`` (not an input row).
    """

    ok: bool
    accounted: int
    missing: int = 0
    repeated: int = 0
    unknown: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, "accounted": self.accounted}
        if not self.ok:
            out.update(missing=self.missing, repeated=self.repeated, unknown=self.unknown)
        return out


@dataclass(frozen=True)
class StageReports:
    """Each stage's summary as the run saw it, and the budget check."""

    normalize: StageSummary
    exclude: StageSummary
    budget: Budget
    load: StageSummary
    preflight: StageSummary = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "normalize": dict(self.normalize),
            "exclude": dict(self.exclude),
            "budget": self.budget.to_dict(),
            "preflight": dict(self.preflight),
            "load": dict(self.load),
        }


@dataclass(frozen=True)
class RunReport:
    """What a run did (the content of ``report.json``, see :meth:`to_dict`).

    ``api_calls``: calls spent per stage and ``total``; ``load_estimate``: calls the load
    would take (a dry run's answer to "would it fit"); ``failed_reasons``: failed rows per
    reason; ``timings``: seconds per stage; ``files``: the outputs, ``report.json`` last;
    ``email_internationalization``: :meth:`sfclean.stages.eai.EaiCheck.to_dict` (the org's
    Email Address Internationalization against normalize's ``internationalized`` option).
    """

    input: InputInfo
    object_name: str
    api: str
    dry_run: bool
    org: OrgRef
    rows: RowCounts
    conservation: Conservation
    failed_reasons: Mapping[str, int]
    resumed: bool
    collected_jobs: int
    jobs: tuple[JobSummary, ...]
    rows_resolved_by_journal: int
    stages: StageReports
    strategy: str
    estimate: RunEstimate
    api_calls: Mapping[str, int]
    load_estimate: int
    timings: Mapping[str, float]
    files: tuple[str, ...]
    email_internationalization: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape written to ``report.json``."""
        return {
            "input": self.input.to_dict(),
            "object": self.object_name,
            "api": self.api,
            "dry_run": self.dry_run,
            "org": self.org.to_dict(),
            "rows": self.rows.to_dict(),
            "conservation": self.conservation.to_dict(),
            "failed_reasons": dict(self.failed_reasons),
            "resumed": self.resumed,
            "collected_jobs": self.collected_jobs,
            "jobs": [job.to_dict() for job in self.jobs],
            "rows_resolved_by_journal": self.rows_resolved_by_journal,
            "stages": self.stages.to_dict(),
            "email_internationalization": dict(self.email_internationalization),
            "strategy": self.strategy,
            "estimate": self.estimate.to_dict(),
            "api_calls": dict(self.api_calls),
            "load_estimate": self.load_estimate,
            "timings": dict(self.timings),
            "files": list(self.files),
        }
