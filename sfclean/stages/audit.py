"""The audit stage: every way the org's duplicate rules fail silently (issue 8).

``audit(conn, objects=..., sources=..., baseline=..., integration_users=...)`` reads the org
with the least privilege it can (SOQL and the UI API first, the Metadata API only when the
user may call it; anything refused is a ``cannot-read`` finding and the audit goes on), runs
the checks of :mod:`sfclean.auditing` and returns an :class:`AuditResult` whose ``findings``
table has one row per finding (:data:`~sfclean.auditing.base.COLUMNS`). With ``conn=None`` it
scans only the code under ``sources`` (offline).

    rules.py / rulesread.py / conditions.py   checks 1-2: rule outcomes, conditions
    matching.py                               check 3: email matching, coverage matrix
    users.py                                  check 4: API writers and their permissions
    code.py (+ codescan.py)                   check 5: allowSave in Apex and local code
    changes.py                                check 6: changes since a baseline report
    base.py                                   findings rows; Reader (check 7, cannot-read)
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from sfclean.auditing import render
from sfclean.auditing.base import Reader, findings_frame, highest_severity
from sfclean.auditing.changes import check_changes, load_baseline, read_trail
from sfclean.auditing.code import check_sources, read_org_code
from sfclean.auditing.matching import COVERAGE_COLUMNS, check_matching, coverage
from sfclean.auditing.rules import check_conditions, check_rules
from sfclean.auditing.rulesread import api_names, read_matching, read_rules
from sfclean.auditing.users import check_users, read_people
from sfclean.codes import SEVERITIES
from sfclean.errors import ConfigError, InputError
from sfclean.io import write_result
from sfclean.report import ROW, StageResult, Summary
from sfclean.salesforce import Connection, require_connection

__all__ = ["FAIL_ON", "AuditResult", "AuditSummary", "audit", "write_audit"]

#: ``fail_on`` choices: a severity, or never.
FAIL_ON = ("high", "medium", "low", "review", "never")


@dataclass(frozen=True)
class AuditSummary(Summary):
    """:class:`~sfclean.report.Summary` plus the verdict, findings per severity (most
    serious first), the objects audited, the org (None offline) and the code paths scanned."""

    verdict: str = "ok"
    severities: Mapping[str, int] = field(default_factory=dict)
    objects: tuple[str, ...] = ()
    org: str | None = None
    sources: tuple[str, ...] = ()


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame({ROW: pd.Series(dtype="int64")})


@dataclass(repr=False, eq=False)
class AuditResult(StageResult):
    """What :func:`sfclean.audit` returns (the protocol of :mod:`sfclean.report`).

    ``findings``: one row per finding, columns ``code, severity, check, object, subject,
    where, message, fix, source``, most severe first. ``kept`` / ``held_back``: empty (the
    audit reads no rows). ``rules``: each duplicate rule's state (report.json keeps it for
    the next ``baseline=``). ``coverage``: the email coverage matrix. ``verdict``: the most
    serious severity found, in words (``high`` ... ``review``, or ``ok``).
    """

    stage: ClassVar[str] = "audit"
    findings: pd.DataFrame
    rules: list[dict[str, Any]] = field(default_factory=list)
    coverage: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(COVERAGE_COLUMNS))
    )
    objects: tuple[str, ...] = ()
    org: str | None = None
    sources: tuple[str, ...] = ()
    kept: pd.DataFrame = field(default_factory=_empty_rows)
    held_back: pd.DataFrame = field(default_factory=_empty_rows)

    @property
    def verdict(self) -> str:
        """The most serious severity among the findings: high, medium, low, review or ok."""
        return highest_severity(self.findings["severity"])

    def severity_counts(self) -> dict[str, int]:
        """Findings per severity, most serious first (every severity listed)."""
        counts = self.findings["severity"].value_counts()
        return {s: int(counts.get(s, 0)) for s in SEVERITIES}

    def fails(self, fail_on: str = "high") -> bool:
        """Whether a finding is at or above ``fail_on`` (high, medium, low, review; never)."""
        if fail_on not in FAIL_ON:
            raise ConfigError(f"fail_on= {fail_on!r}: use one of {', '.join(FAIL_ON)}")
        if fail_on == "never":
            return False
        worst = SEVERITIES[: SEVERITIES.index(fail_on) + 1]  # type: ignore[arg-type]
        return bool(self.findings["severity"].isin(worst).any())

    def summary(self) -> AuditSummary:
        return AuditSummary(
            **self._base_counts(), verdict=self.verdict, severities=self.severity_counts(),
            objects=self.objects, org=self.org, sources=self.sources,
        )  # fmt: skip

    def _first_line(self) -> str:
        scope = f"org {self.org}, objects {', '.join(self.objects)}" if self.org else "offline"
        if self.sources:
            scope += f"; code under {', '.join(self.sources)}"
        return render.verdict_line(self.verdict, self.severity_counts(), scope)

    def to_text(self) -> str:
        """The verdict line, then the findings grouped by check."""
        return render.text(self.findings, self._first_line())

    def to_markdown(self) -> str:
        """audit.md: the verdict, a table per check and the email coverage matrix."""
        return render.markdown(self.findings, self.coverage, self._first_line())

    def outputs(self) -> dict[str, pd.DataFrame]:
        return {}  # audit.md is text: see write_audit

    def to_report(self, *, source: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """report.json (and ``--json``): verdict, findings, rules, coverage and the summary."""
        return {
            "verdict": self.verdict,
            "findings": self.findings.to_dict(orient="records"),
            "summary": self.summary().to_dict(),
            "rules": copy.deepcopy(self.rules),
            "coverage": self.coverage.to_dict(orient="records"),
            "files": ["audit.md", "report.json"],
        }

    def __repr__(self) -> str:
        return f"<AuditResult [audit: verdict {self.verdict}, {len(self.findings)} findings]>"


def _org_rows(
    conn: Connection, reader: Reader, objects: tuple[str, ...], integration_users: Iterable[str],
    before: Mapping[str, Any] | None,
) -> tuple[list[dict[str, str]], list[Any], pd.DataFrame]:  # fmt: skip
    rules = read_rules(conn, reader, objects)
    matching = read_matching(conn, reader)
    people = read_people(conn, reader, integration_users)
    read = "DuplicateRule (SOQL)" not in reader.refused or any(
        f"UI API duplicates of {o}" not in reader.refused for o in objects
    )
    rows = check_rules(rules, matching, objects, read=read)
    rows += check_conditions(rules, people) + check_matching(rules, matching)
    rows += check_users(people) + read_org_code(conn, reader)
    if before is not None:
        rows += check_changes(before, rules, read_trail(conn, reader))
    return rows, rules, coverage(rules, matching)


def audit(
    conn: Connection | None = None,
    *,
    objects: Iterable[str] = ("Lead", "Contact"),
    sources: Iterable[str | os.PathLike[str]] = (),
    baseline: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    integration_users: Iterable[str] = (),
) -> AuditResult:
    """Audit the org's duplicate rules, the users who write through the API and the code that
    saves duplicates (see the module docstring); ``conn=None`` scans only ``sources``.

    ``objects``: the objects to audit (API names). ``sources``: files or directories of
    code (Apex, Python, JavaScript / TypeScript, Java) to scan as well. ``baseline``: a
    previous audit's report.json (path or dict), for ``rule-changed``. ``integration_users``:
    usernames or names of users to treat as API writers. Raises ConfigError / InputError for
    bad arguments and AuthError / ConnectionFailed when the org cannot be reached; a read
    the org refuses is a ``cannot-read`` finding instead.
    """
    objects = tuple(api_names(objects))
    paths = tuple(str(p) for p in sources)
    integration = tuple(integration_users)
    if conn is None and not paths:
        raise ConfigError("audit needs a connection (sfclean.connect(...)) or sources= to scan")
    if conn is None and (baseline is not None or integration):
        raise ConfigError("baseline= and integration_users= need a connection to the org")
    before = load_baseline(baseline) if baseline is not None else None
    rows = check_sources(paths) if paths else []
    reader = Reader()
    rules: list[Any] = []
    matrix = pd.DataFrame(columns=list(COVERAGE_COLUMNS))
    org = None
    if conn is not None:
        conn = require_connection(conn, caller="audit")
        org = conn.instance_url
        org_rows, rules, matrix = _org_rows(conn, reader, objects, integration, before)
        rows = org_rows + rows
    return AuditResult(
        findings=findings_frame(rows + reader.findings),
        rules=[r.to_dict() for r in rules],
        coverage=matrix,
        objects=objects if conn is not None else (),
        org=org,
        sources=paths,
    )


def write_audit(result: AuditResult, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write audit.md, then report.json (last, the manifest), into ``out_dir``."""
    target = Path(out_dir)
    try:
        target.mkdir(parents=True, exist_ok=True)
        (target / "report.json").unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".sfclean-tmp-", suffix=".md", dir=target)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(result.to_markdown())
        os.replace(tmp, target / "audit.md")
    except OSError as exc:
        raise InputError(
            f"cannot write to {target} ({exc.strerror or type(exc).__name__}); choose another --out directory",
            path=str(target),
        ) from None
    return {"audit.md": target / "audit.md", **write_result(result, target)}
