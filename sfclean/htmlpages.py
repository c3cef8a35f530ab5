"""The pages of ``report.html``, one per stage (registered with
:func:`sfclean.htmlreport.register_page`, keyed by the report's ``stage``).

normalize, exclude, load and run read the reports these stages write today. The audit and
scan stages are not merged yet: their pages follow the documented shape of those stages'
outputs and the unmerged branches' ``to_report()`` (audit: ``report.json`` with ``verdict``,
``findings`` records ``code, severity, check, object, subject, where, message, fix,
source``, ``summary``, ``coverage``; scan: ``report.json`` (the summary: ``records``,
``clusters``, ``duplicates``, ``top_creators``, ``causes``...), ``clusters.csv``,
``by_creator.csv``, ``merge_plan.csv``, ``convert_plan.csv``) and are tested on hand-made
directories in ``tests/data/reports/``: check them against the real output at merge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from sfclean.charts import bar_chart, timeline_chart
from sfclean.htmlreport import (
    Page,
    ReportDir,
    findings_section,
    key_values,
    reasons_section,
    register_page,
    samples_section,
    scalar_fields,
)
from sfclean.render import counts_table, escape, sample_table, severity_counts

__all__: list[str] = []

#: Rows of a findings or creators table shown in full before it is cut.
MAX_TABLE_ROWS = 200
#: Creators drawn as their own line in the scan's timeline (the rest are "others").
TOP_CREATORS = 6


def _table(frame: pd.DataFrame, columns: list[str], *, limit: int = MAX_TABLE_ROWS) -> str:
    columns = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(v, limit=300)}</td>" for v in values) + "</tr>"
        for values in frame.loc[:, columns].head(limit).itertuples(index=False, name=None)
    )
    more = (
        f"<p>… {len(frame) - limit:,} more rows in the CSV file</p>" if len(frame) > limit else ""
    )
    return f"<table><tr>{head}</tr>{body}</table>{more}"


def _api_calls(calls: Any) -> str:
    if isinstance(calls, Mapping):
        return counts_table({str(k): int(v) for k, v in calls.items()}, ("stage", "API calls"))
    return "" if calls is None else f"<p>{int(calls):,} API calls</p>"


def _stage_page(rd: ReportDir, title: str, held_back: tuple[str, ...]) -> Page:
    report = rd.report
    page = Page(
        title,
        f"{report.get('rows_in', 0):,} rows in, {report.get('rows_kept', 0):,} kept, "
        f"{report.get('rows_held_back', 0):,} held back",
    )
    page.add("Summary", key_values(scalar_fields(report)))
    reasons_section(page, report.get("reasons") or {})
    findings_section(page, report.get("findings") or {})
    page.add("API calls", _api_calls(report.get("api_calls")))
    samples_section(page, rd, held_back)
    return page


@register_page("normalize")
def normalize_page(rd: ReportDir) -> Page:
    """Rows in / kept / held back, reasons, findings, samples of rejected.csv."""
    page = _stage_page(rd, "sfclean normalize", ("rejected.csv",))
    columns = rd.report.get("columns")
    if isinstance(columns, Mapping):
        page.sections.insert(1, ("Columns used", key_values(columns.items())))
    return page


@register_page("exclude")
def exclude_page(rd: ReportDir) -> Page:
    """The lookup and the rows found in the org (excluded.csv)."""
    return _stage_page(rd, "sfclean exclude", ("excluded.csv",))


@register_page("load")
def load_page(rd: ReportDir) -> Page:
    """Rows loaded and failed, Salesforce's codes, samples of failed.csv."""
    page = _stage_page(rd, "sfclean load", ("failed.csv",))
    codes = rd.report.get("codes")
    if codes:
        page.add("Salesforce codes of the failed rows", counts_table(codes, ("code", "rows")))
    return page


@register_page("run")
def run_page(rd: ReportDir) -> Page:
    """A run: rows per output, reasons of every stage, API calls, samples."""
    report = rd.report
    rows = {str(k): int(v) for k, v in (report.get("rows") or {}).items()}
    verb = "would load" if report.get("dry_run") else "loaded"
    loaded = rows.get("clean", 0) if report.get("dry_run") else rows.get("loaded", 0)
    page = Page(
        f"sfclean run into {report.get('object', '')}",
        f"{rows.get('in', 0):,} rows in; {verb} {loaded:,}; rejected {rows.get('rejected', 0):,}, "
        f"excluded {rows.get('excluded', 0):,}, failed {rows.get('failed', 0):,}",
    )
    conservation = report.get("conservation") or {}
    page.add(
        "Summary",
        key_values(
            [
                *scalar_fields(report),
                ("every row accounted for", conservation.get("ok")),
            ]
        ),
    )
    outputs = {k: v for k, v in rows.items() if k != "in"}
    page.add("Rows per output", bar_chart(outputs, title="rows per output file"))
    stages = report.get("stages") or {}
    reasons: dict[str, int] = {}
    for name in ("normalize", "exclude", "load"):
        for code, n in ((stages.get(name) or {}).get("reasons") or {}).items():
            reasons[code] = reasons.get(code, 0) + int(n)
    reasons_section(page, dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))))
    findings_section(page, (stages.get("normalize") or {}).get("findings") or {})
    page.add("API calls", _api_calls(report.get("api_calls")))
    timings = report.get("timings") or {}
    if timings:
        page.add(
            "Time per stage (seconds)",
            key_values((k, f"{float(v):.2f}") for k, v in timings.items()),
        )
    samples_section(page, rd)
    return page


@register_page("audit")
def audit_page(rd: ReportDir) -> Page:
    """The verdict, findings per severity (chart) and every finding with its fix.

    Built on the documented shape (see the module docstring); check at merge."""
    report = rd.report
    findings = rd.table("findings.csv")
    inline = report.get("findings")
    if findings is None and isinstance(inline, list):  # the shape of audit --json
        findings = pd.DataFrame([f for f in inline if isinstance(f, Mapping)]).astype(str)
    if findings is None:
        findings = pd.DataFrame(columns=["code", "severity", "message", "fix"])
    by_severity = severity_counts(findings)
    shown = ", ".join(f"{n:,} {s}" for s, n in by_severity.items()) or "no findings"
    page = Page("sfclean audit", f"{len(findings):,} findings: {shown}")
    verdict = report.get("verdict")
    if verdict is not None:
        page.add("Verdict", f'<p class="verdict">{escape(verdict, limit=300)}</p><p>{shown}</p>')
    nested = report.get("summary")
    summary: Mapping[str, Any] = nested if isinstance(nested, Mapping) else report
    fields = [kv for kv in scalar_fields(summary) if not kv[0].startswith(("rows_", "severities."))]
    page.add("Summary", key_values(kv for kv in fields if kv[0] not in ("verdict", "stage")))
    if by_severity:
        page.add(
            "Findings by severity",
            bar_chart(by_severity, title="findings per severity", unit="findings"),
        )
        rank = {s: i for i, s in enumerate(by_severity)}
        findings = findings.assign(_rank=findings["severity"].map(rank)).sort_values(
            ["_rank", "code"], kind="stable"
        )
    page.add("Findings, with what to do", _findings_table(findings))
    coverage = report.get("coverage")
    if isinstance(coverage, list) and coverage:
        table = pd.DataFrame([c for c in coverage if isinstance(c, Mapping)])
        page.add(
            "Email coverage: which rules compare an email, and how", _table(table, list(table))
        )
    return page


def _cell(row: Mapping[str, Any], *names: str) -> str:
    """The escaped values of ``names`` in ``row``, one line each (blank ones left out)."""
    return "<br>".join(escape(row[n], limit=300) for n in names if str(row.get(n, "")).strip())


def _findings_table(findings: pd.DataFrame, *, limit: int = MAX_TABLE_ROWS) -> str:
    """One row per finding: severity, code (check), where (object, subject, where), what it
    means, what to do, and the documentation it rests on."""
    head = "".join(
        f"<th>{h}</th>" for h in ("severity", "code", "where", "what it means", "fix", "source")
    )
    rows = []
    for row in findings.head(limit).to_dict("records"):
        cells = (
            _cell(row, "severity"),
            _cell(row, "code", "check"),
            _cell(row, "object", "subject", "where"),
            _cell(row, "message"),
            _cell(row, "fix"),
            _cell(row, "source"),
        )
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    more = f"<p>… {len(findings) - limit:,} more findings</p>" if len(findings) > limit else ""
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>{more}"


def _duplicates_over_time(clusters: pd.DataFrame) -> str:
    """Newer duplicates (records that are not their cluster's survivor) per creator per
    month, as a line chart: the top creators each a line, the others summed."""
    needed = {"survivor", "created_by", "CreatedDate"}
    if not needed <= set(clusters.columns):
        return ""
    survivor = clusters["survivor"].astype(str).str.strip().str.lower().isin(("true", "1", "yes"))
    dups = clusters.loc[~survivor, ["created_by", "CreatedDate"]].copy()
    dups["month"] = pd.to_datetime(dups["CreatedDate"], errors="coerce", utc=True).dt.strftime(
        "%Y-%m"
    )
    dups = dups.dropna(subset=["month"])
    if dups.empty:
        return ""
    top = dups["created_by"].value_counts().index[:TOP_CREATORS]
    dups.loc[~dups["created_by"].isin(top), "created_by"] = "others"
    grid = dups.groupby(["month", "created_by"]).size().unstack(fill_value=0).sort_index()
    order = [c for c in [*top, "others"] if c in grid.columns]
    series = {str(c): grid[c].tolist() for c in order}
    return timeline_chart(
        [str(m) for m in grid.index], series, title="newer duplicates per creator, per month"
    )


@register_page("scan")
def scan_page(rd: ReportDir) -> Page:
    """Duplicates per creator (table and over time), and the merge / convert plans.

    Built on the documented shape (see the module docstring); check at merge."""
    report = rd.report
    page = Page("sfclean scan", "duplicates already in the org, across Lead and Contact")
    page.add("Summary", key_values(scalar_fields(report)))
    clusters = rd.table("clusters.csv")
    if clusters is not None:
        page.add("Duplicates by creator over time", _duplicates_over_time(clusters))
    creators = rd.table("by_creator.csv")
    if creators is not None and len(creators):
        top = creators.head(15)
        numbers = pd.to_numeric(top.get("duplicates"), errors="coerce")
        counts = {str(c): int(n) for c, n in zip(top["created_by"], numbers.fillna(0), strict=True)}
        page.add(
            "Duplicates by creator",
            bar_chart(counts, title="newer duplicates per creator", unit="duplicates")
            + _table(
                creators, ["created_by", "user_type", "duplicates", "first", "last", "bursts"]
            ),
        )
    causes = report.get("causes")
    if isinstance(causes, Mapping) and causes:
        rows = pd.DataFrame(
            [{"cause": k, **v} for k, v in causes.items() if isinstance(v, Mapping)]
        )
        page.add("Why the duplicates got in", _table(rows, list(rows)))
    for name, title in (("merge_plan.csv", "Merge plan"), ("convert_plan.csv", "Convert plan")):
        plan = rd.table(name)
        if plan is not None:
            page.add(f"{title} ({len(plan):,} rows in {name})", sample_table(plan))
    return page
