"""``report.html``: one self-contained page for an output directory (``sfclean report DIR``).

:func:`write_report_html` reads ``DIR/report.json`` and the CSV files beside it and writes
``DIR/report.html``: the summary, reasons as a bar chart, a few held-back rows per reason,
and the stage's own parts (a run's rows per output and API calls, an audit's verdict and
findings with their fixes, a scan's duplicates by creator over time). Charts are inline SVG
(:mod:`sfclean.charts`); the page loads nothing from the network (no scripts, fonts,
images or style sheets from elsewhere). Every value from the files is HTML-escaped.

The page for a directory is chosen by the report's ``stage`` (or its ``summary``'s; a run's
report, which has neither, is recognised by its ``rows`` and ``stages``). A stage adds its page with
:func:`register_page`; the audit and scan pages live in :mod:`sfclean.htmlpages`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sfclean.charts import bar_chart, require_matplotlib
from sfclean.errors import InputError
from sfclean.render import SAMPLE_ROWS, counts_table, escape, sample_table, stage_of
from sfclean.report import REASON

__all__ = [
    "REPORT_HTML",
    "Page",
    "ReportDir",
    "register_page",
    "report_kind",
    "report_page",
    "write_report_html",
]

#: The file :func:`write_report_html` writes.
REPORT_HTML = "report.html"
#: Held-back files a stage may write, each with the rows of one stage.
HELD_BACK_FILES = ("rejected.csv", "excluded.csv", "failed.csv")


@dataclass
class ReportDir:
    """An output directory: its ``report.json`` content and its CSV files, read on demand
    (every cell as text)."""

    path: Path
    report: dict[str, Any]
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame | None:
        """``name`` (``rejected.csv``...) as a DataFrame of text, None when absent."""
        if name not in self._tables:
            target = self.path / name
            frame = None
            if target.is_file():
                try:
                    frame = pd.read_csv(target, dtype=str, keep_default_na=False, na_filter=False)
                except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
                    frame = None
            self._tables[name] = frame
        return self._tables[name]


@dataclass
class Page:
    """A report page: its title, one-line lede, and titled sections of HTML."""

    title: str
    lede: str = ""
    sections: list[tuple[str, str]] = field(default_factory=list)

    def add(self, title: str, body: str) -> None:
        """Add a section (skipped when ``body`` is empty)."""
        if body:
            self.sections.append((title, body))


_PAGES: dict[str, Callable[[ReportDir], Page]] = {}


def register_page(stage: str) -> Callable[[Callable[[ReportDir], Page]], Any]:
    """Decorator: ``func(report_dir) -> Page`` builds the page of a ``stage``'s directory."""

    def add(func: Callable[[ReportDir], Page]) -> Callable[[ReportDir], Page]:
        _PAGES[stage] = func
        return func

    return add


def report_kind(report: Mapping[str, Any]) -> str:
    """The stage a ``report.json`` belongs to: its ``stage`` (or its ``summary``'s, as the
    audit writes it), or ``run`` for a run's report (``rows`` and ``stages``)."""
    summary = report.get("summary")
    for stage in (
        report.get("stage"),
        summary.get("stage") if isinstance(summary, Mapping) else None,
    ):
        if isinstance(stage, str) and stage:
            return stage
    if isinstance(report.get("rows"), Mapping) and isinstance(report.get("stages"), Mapping):
        return "run"
    return ""


def _read_report(directory: Path) -> dict[str, Any]:
    target = directory / "report.json"
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory; give the --out directory of a stage")
    if not target.is_file():
        raise InputError(
            f"{directory} has no report.json; give the --out directory of a finished "
            "sfclean normalize, exclude, load, run, audit or scan"
        )
    try:
        report = json.loads(target.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{target} is not valid JSON ({exc}); run the stage again") from None
    if not isinstance(report, dict):
        raise InputError(f"{target} does not hold a report (a JSON object); run the stage again")
    return report


def report_page(directory: str | os.PathLike[str]) -> str:
    """The HTML of ``directory``'s report page (see the module docstring)."""
    import sfclean.htmlpages  # noqa: F401  (registers the stage pages)

    path = Path(directory)
    report = _read_report(path)
    kind = report_kind(report)
    build = _PAGES.get(kind)
    if build is None:
        known = ", ".join(sorted(_PAGES))
        raise InputError(
            f"{path}/report.json is from a stage sfclean cannot draw ({kind or 'unknown'}); "
            f"report.html is made for {known}"
        )
    require_matplotlib()
    return _html(build(ReportDir(path, report)))


def write_report_html(directory: str | os.PathLike[str]) -> Path:
    """Write ``directory/report.html`` (atomically) from the ``report.json`` and CSV files
    there; returns its path. Raises InputError when ``directory`` holds no readable report,
    ConfigError when matplotlib (the ``reports`` extra) is missing."""
    text = report_page(directory)
    target = Path(directory) / REPORT_HTML
    temp = target.with_name(f".{REPORT_HTML}.{os.getpid()}.tmp")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"cannot write {target} ({reason}); check the directory") from None
    return target


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;
color:#222;padding:0 16px;line-height:1.45}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
.lede{color:#555;margin-top:0}
table{border-collapse:collapse;margin:6px 0 12px 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f8}td.n{text-align:right}
.verdict{font-size:18px;font-weight:600;padding:6px 10px;background:#fff4e5;display:inline-block}
svg{max-width:100%;height:auto}section{overflow-x:auto}
""".strip()


def _html(page: Page) -> str:
    sections = "\n".join(
        f"<section><h2>{escape(t, limit=200)}</h2>\n{b}</section>" for t, b in page.sections
    )
    lede = f'<p class="lede">{escape(page.lede, limit=500)}</p>' if page.lede else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(page.title, limit=200)}</title><style>{_CSS}</style></head>\n"
        f"<body><h1>{escape(page.title, limit=200)}</h1>{lede}\n{sections}\n"
        '<footer><p class="lede">Written by sfclean report.</p></footer></body></html>\n'
    )


# --- parts shared by the pages ---------------------------------------------------------------


def key_values(pairs: Iterable[tuple[str, Any]]) -> str:
    """A two-column table of (name, value), both escaped; None values are left out."""
    rows = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(v, limit=200)}</td></tr>"
        for k, v in pairs
        if v is not None
    )
    return f"<table>{rows}</table>" if rows else ""


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def scalar_fields(report: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The report's top-level numbers, text and flags (what a summary table shows); a flat
    mapping becomes ``name.key`` rows, a list of plain values one comma-separated row."""
    out: list[tuple[str, Any]] = []
    for key, value in report.items():
        if key == "files":
            continue
        if _scalar(value):
            out.append((key, value))
        elif isinstance(value, Mapping) and value and all(_scalar(v) for v in value.values()):
            if key in ("reasons", "findings", "codes"):
                continue  # drawn as their own sections
            out.extend((f"{key}.{k}", v) for k, v in value.items())
        elif isinstance(value, list) and value and all(_scalar(v) for v in value):
            out.append((key, ", ".join(str(v) for v in value)))
    source = report.get("input")
    if isinstance(source, Mapping) and source.get("path"):
        out.append(("input", source.get("path")))
    return out


def reasons_section(page: Page, reasons: Mapping[str, int], *, title: str = "Held back") -> None:
    """A bar chart of held-back rows per reason, and the same as a table with stages."""
    if not reasons:
        return
    chart = bar_chart(dict(reasons), title="rows held back, per reason")
    rows = "".join(
        f'<tr><td>{escape(stage_of(c))}</td><td>{escape(c)}</td><td class="n">{int(n):,}</td></tr>'
        for c, n in reasons.items()
    )
    table = f"<table><tr><th>stage</th><th>reason</th><th>rows</th></tr>{rows}</table>"
    page.add(title, chart + table)


def samples_section(page: Page, rd: ReportDir, files: Iterable[str] = HELD_BACK_FILES) -> None:
    """At most :data:`SAMPLE_ROWS` held-back rows per reason from each held-back file."""
    parts = []
    for name in files:
        frame = rd.table(name)
        if frame is None or frame.empty or REASON not in frame.columns:
            continue
        for reason, rows in frame.groupby(REASON, sort=False):
            parts.append(
                f"<h3>{escape(name)}: {escape(reason)} ({len(rows):,} rows)</h3>"
                + sample_table(rows, rows=SAMPLE_ROWS)
            )
    page.add(f"Held-back samples (at most {SAMPLE_ROWS} rows per reason)", "".join(parts))


def findings_section(page: Page, findings: Mapping[str, int]) -> None:
    """Findings per code as a bar chart (normalize's changes and warnings)."""
    if findings:
        page.add(
            "Findings (changes and warnings on rows that go on)",
            bar_chart(dict(findings), title="findings per code", unit="findings")
            + counts_table(findings, ("code", "findings")),
        )
