"""Every stage result renders in Jupyter as compact HTML (sfclean.render via
``StageResult._repr_html_``): counts per stage and reason, a short escaped sample of the
held-back rows, API calls, and for audit-shaped results the verdict and findings by severity.

The audit-shaped result below is hand-made on the documented protocol (findings with a
``severity`` column, a ``verdict``): the real AuditResult must be checked again at merge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

import sfclean
from sfclean import render
from sfclean.localorg import LocalOrg
from sfclean.render import SAMPLE_ROWS, register_sections, result_html
from sfclean.report import StageResult, Summary, empty_findings


class _Cells(HTMLParser):
    """Collects the text of every element and the tag names (to find injected tags)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(markup: str) -> _Cells:
    parser = _Cells()
    parser.feed(markup)
    return parser


def leads(n: int, *, bad: int) -> pd.DataFrame:
    """``n`` leads, the last ``bad`` of them with invalid emails."""
    emails = [f"person{i}@example.com" for i in range(n - bad)] + [
        f"broken{i}-at-example.com" for i in range(bad)
    ]
    return pd.DataFrame(
        {"LastName": [f"Last{i}" for i in range(n)], "Company": "Acme", "Email": emails}
    )


def test_normalize_html_has_counts_reasons_by_stage_and_a_five_row_sample() -> None:
    result = sfclean.normalize(leads(40, bad=12))
    markup = result._repr_html_()
    text = " ".join(parse(markup).text)
    assert "NormalizeResult" in text and "40 rows in, 28 kept, 12 held back" in text
    assert re.search(r"normalize\s+invalid-email\s+12", text)
    shown = set(re.findall(r"broken\d+-at-example\.com", markup))
    assert len(shown) == SAMPLE_ROWS == 5  # a sample, never the whole list
    assert "7 more rows" in text
    assert "\n" not in repr(result)


def test_cells_from_user_data_are_escaped() -> None:
    df = pd.DataFrame(
        {
            "LastName": ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>"],
            "Company": ["A & B", '"quoted"'],
            "Email": ["<b>not an email</b>", "x"],
        }
    )
    markup = sfclean.normalize(df)._repr_html_()
    tags = set(parse(markup).tags)
    assert not tags & {"script", "img", "b"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "&lt;b&gt;not an email&lt;/b&gt;" in markup


def test_long_cells_and_wide_tables_are_shortened() -> None:
    wide = {f"Col{i}": ["v"] for i in range(12)}
    df = pd.DataFrame({"LastName": ["x" * 500], "Email": ["bad"], **wide})
    markup = sfclean.normalize(df)._repr_html_()
    assert "x" * 500 not in markup and "…" in markup
    assert "more columns" in markup


@pytest.fixture
def org_results(localorg: LocalOrg, tmp_path: Path) -> dict[str, StageResult]:
    conn = sfclean.connect(
        instance_url=localorg.instance_url,
        access_token=localorg.access_token,
        ca_bundle=localorg.ca_bundle,
    )
    rows = leads(6, bad=2)
    normalized = sfclean.normalize(rows)
    sfclean.load(normalized.kept.head(2), conn, object_name="Lead", api="rest")
    excluded = sfclean.exclude(normalized.kept, conn)
    loaded = sfclean.load(excluded.kept, conn, object_name="Lead", api="rest")
    ran = sfclean.run(rows, conn, object_name="Lead", out_dir=tmp_path / "run", api="rest")
    return {"exclude": excluded, "load": loaded, "run": ran}


def test_org_stage_results_show_their_api_calls_and_own_sections(
    org_results: dict[str, StageResult],
) -> None:
    excluded = org_results["exclude"]
    text = " ".join(parse(excluded._repr_html_()).text)
    assert re.search(r"exclude\s+exists-in-org\s+2", text)
    assert f"{excluded.summary().api_calls} API calls" in text
    assert "org records matched" in text

    load_text = " ".join(parse(org_results["load"]._repr_html_()).text)
    assert "LoadResult" in load_text and "API calls" in load_text

    ran = org_results["run"]
    run_text = " ".join(parse(ran._repr_html_()).text)
    assert re.search(r"normalize\s+invalid-email\s+2", run_text)
    assert re.search(r"exclude\s+exists-in-org\s+4", run_text)  # loaded by the steps above
    assert "rows per output" in run_text
    assert re.search(r"total\s+\d+", run_text)  # API calls per stage


@dataclass(repr=False, eq=False)
class _HandMadeAudit(StageResult):
    """Shaped like the audit stage's documented result (findings with severity, a verdict);
    a stand-in until sfclean/stages/audit.py is merged."""

    stage: ClassVar[str] = "audit-fixture"
    kept: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"sfclean_row": []}))
    held_back: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"sfclean_row": [], "sfclean_reason": []})
    )
    findings: pd.DataFrame = field(default_factory=empty_findings)
    verdict: str = "at-risk"

    def summary(self) -> Summary:
        return Summary(**self._base_counts())

    def outputs(self) -> dict[str, pd.DataFrame]:
        return {"findings.csv": self.findings}


def test_audit_shaped_results_show_the_verdict_and_findings_by_severity() -> None:
    findings = pd.DataFrame(
        {
            "code": ["rule-allows-silently", "rule-inactive", "rule-bypassed-by-user"],
            "severity": ["low", "high", "high"],
            "message": ["a", "b", "<i>c</i>"],
        }
    )
    result = _HandMadeAudit(findings=findings)
    markup = result._repr_html_()
    text = " ".join(parse(markup).text)
    assert "at-risk" in text
    assert re.search(r"findings by severity\s+severity\s+n\s+high\s+2\s+low\s+1", text)


def test_a_stage_adds_its_own_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_SECTIONS", dict(render._SECTIONS))  # undone after the test

    @register_sections("audit-fixture")
    def extra(result: StageResult) -> list[tuple[str, str]]:
        return [("fixes", "<div>turn the rule on</div>")]

    assert "turn the rule on" in result_html(_HandMadeAudit())


@dataclass(repr=False, eq=False)
class _HandMadeScan(_HandMadeAudit):
    """Shaped like the scan stage's documented result (a by_creator table); check at merge."""

    stage: ClassVar[str] = "scan"
    by_creator: pd.DataFrame = field(default_factory=pd.DataFrame)


def test_scan_shaped_results_show_their_top_creators() -> None:
    creators = pd.DataFrame(
        {
            "created_by": [f"User {i}" for i in range(8)] + ["<b>x</b>"],
            "user_type": "api",
            "duplicates": list(range(9, 0, -1)),
            "bursts": 1,
        }
    )
    markup = _HandMadeScan(by_creator=creators)._repr_html_()
    text = " ".join(parse(markup).text)
    assert "duplicates by creator (top 5)" in text
    assert "User 4" in text and "User 5" not in text
    assert "<b>x</b>" not in markup
