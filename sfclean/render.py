"""Compact HTML for any stage result, as Jupyter shows it (``StageResult._repr_html_``).

Built on the result protocol of :mod:`sfclean.report` only, so every stage (normalize,
exclude, load, run, and audit / scan as they arrive) renders the same way:

- a header line: the result's class, stage and row counts (the one-line ``repr``, readable);
- held-back rows per stage and reason code (the stage that produces each code comes from
  :data:`sfclean.codes.CODES`), and findings per code, or per severity when the findings
  table has a ``severity`` column (audit, scan), with a ``verdict`` when the result has one;
- the API calls the stage spent (``summary().api_calls``: a number, or calls per stage);
- a sample of at most :data:`SAMPLE_ROWS` held-back rows, every cell HTML-escaped and
  shortened: a sample in the user's own notebook, never a whole list of emails.

A stage adds its own sections with :func:`register_sections` (keyed by ``stage``), or its
result class overrides ``_repr_html_``. Every value from user data goes through
:func:`escape`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from sfclean.codes import CODES, SEVERITIES
from sfclean.report import REASON, ROW

if TYPE_CHECKING:
    from sfclean.report import StageResult

__all__ = [
    "SAMPLE_ROWS",
    "Section",
    "counts_table",
    "escape",
    "register_sections",
    "result_html",
    "sample_table",
    "severity_counts",
    "stage_of",
]

#: Held-back rows shown in a result's HTML (a sample, never the whole table).
SAMPLE_ROWS = 5
#: Longest cell text shown; longer values end in an ellipsis.
MAX_CELL_CHARS = 40
#: Input columns shown in a sample, besides sfclean's own.
MAX_SAMPLE_COLUMNS = 4

Section = tuple[str, str]
"""A titled piece of a result's HTML: (title, HTML body)."""

_SECTIONS: dict[str, Callable[[Any], list[Section]]] = {}

_STYLE = (
    "<style>"
    ".sfclean-result{font-family:system-ui,sans-serif;font-size:13px;line-height:1.4}"
    ".sfclean-result table{border-collapse:collapse;margin:2px 0 8px 0}"
    ".sfclean-result th,.sfclean-result td{border:1px solid #ccc;padding:2px 6px;"
    "text-align:left;vertical-align:top}"
    ".sfclean-result td.n{text-align:right}"
    ".sfclean-result h4{margin:6px 0 2px 0;font-size:13px}"
    ".sfclean-result .row{display:flex;flex-wrap:wrap;gap:0 24px;align-items:flex-start}"
    "</style>"
)


def escape(value: Any, *, limit: int = MAX_CELL_CHARS) -> str:
    """``value`` as HTML text: shortened to ``limit`` characters (with an ellipsis), escaped."""
    text = "" if value is None else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=True)


def register_sections(stage: str) -> Callable[[Callable[[Any], list[Section]]], Any]:
    """Decorator: ``func(result) -> [(title, html), ...]`` adds sections to the HTML of
    every result whose ``stage`` is ``stage`` (after the common ones)."""

    def add(func: Callable[[Any], list[Section]]) -> Callable[[Any], list[Section]]:
        _SECTIONS[stage] = func
        return func

    return add


def stage_of(code: str) -> str:
    """The stage that produces reason ``code`` (from the registry), else ""."""
    for known in CODES.lookup(code) if code in CODES else ():
        if known.kind == "reason":
            return known.stage
    return ""


def counts_table(counts: Mapping[str, int], header: Iterable[str] = ("code", "rows")) -> str:
    """A two-column table of ``{name: count}``, names escaped (empty text when no counts)."""
    if not counts:
        return ""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        f'<tr><td>{escape(k)}</td><td class="n">{int(v):,}</td></tr>' for k, v in counts.items()
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _reasons_table(reasons: Mapping[str, int]) -> str:
    if not reasons:
        return ""
    rows = "".join(
        f'<tr><td>{escape(stage_of(code))}</td><td>{escape(code)}</td><td class="n">{n:,}</td></tr>'
        for code, n in reasons.items()
    )
    return f"<table><tr><th>stage</th><th>reason</th><th>rows</th></tr>{rows}</table>"


def severity_counts(findings: pd.DataFrame) -> dict[str, int]:
    """Findings per severity, most serious first (the order of :data:`SEVERITIES`)."""
    if "severity" not in findings.columns:
        return {}
    counts = findings["severity"].astype(str).value_counts()
    order = [*SEVERITIES, *sorted(set(counts.index) - set(SEVERITIES))]
    return {s: int(counts[s]) for s in order if s in counts.index}


def sample_table(df: pd.DataFrame, *, rows: int = SAMPLE_ROWS) -> str:
    """The first ``rows`` rows (at most :data:`SAMPLE_ROWS`) of ``df`` as an HTML table:
    ``sfclean_row``, ``sfclean_reason`` and the other sfclean columns first, then at most
    :data:`MAX_SAMPLE_COLUMNS` other columns (email columns first); every cell escaped and
    shortened."""
    rows = min(rows, SAMPLE_ROWS)
    own = [c for c in (ROW, REASON) if c in df.columns]
    own += [c for c in df.columns if str(c).startswith("sfclean_") and c not in own]
    others = [c for c in df.columns if c not in own]
    others.sort(
        key=lambda c: "mail" not in str(c).lower()
    )  # the email first: most reasons are about it
    columns = own + others[:MAX_SAMPLE_COLUMNS]
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(v)}</td>" for v in values) + "</tr>"
        for values in df.loc[:, columns].head(rows).itertuples(index=False, name=None)
    )
    more = len(df) - min(rows, len(df))
    hidden = len(others) - MAX_SAMPLE_COLUMNS
    notes = []
    if more > 0:
        notes.append(f"{more:,} more rows")
    if hidden > 0:
        notes.append(f"{hidden} more columns")
    tail = f"<div>… {', '.join(notes)}</div>" if notes else ""
    return f"<table><tr>{head}</tr>{body}</table>{tail}"


def _api_calls(summary: Mapping[str, Any]) -> str:
    calls = summary.get("api_calls")
    if isinstance(calls, Mapping):
        return counts_table({str(k): int(v) for k, v in calls.items()}, ("stage", "API calls"))
    if calls is None:
        return ""
    return f"<div>{int(calls):,} API calls</div>"


def _common_sections(result: StageResult) -> list[Section]:
    summary = result.summary().to_dict()
    sections: list[Section] = []
    verdict = getattr(result, "verdict", None)
    if verdict is not None:
        sections.append(("verdict", f"<div><strong>{escape(verdict)}</strong></div>"))
    by_severity = severity_counts(result.findings)
    if by_severity:
        sections.append(("findings by severity", counts_table(by_severity, ("severity", "n"))))
    if summary.get("reasons"):
        sections.append(("held back", _reasons_table(summary["reasons"])))
    if summary.get("findings"):
        sections.append(("findings", counts_table(summary["findings"], ("code", "n"))))
    calls = _api_calls(summary)
    if calls:
        sections.append(("API calls", calls))
    if len(result.held_back):
        shown = min(SAMPLE_ROWS, len(result.held_back))
        sections.append((f"held-back sample ({shown} rows)", sample_table(result.held_back)))
    return sections


def result_html(result: StageResult) -> str:
    """The compact HTML of ``result`` (what Jupyter shows for it)."""
    sections = _common_sections(result)
    extra = _SECTIONS.get(result.stage)
    if extra is not None:
        sections.extend(extra(result))
    head = (
        f"<strong>{escape(type(result).__name__)}</strong> "
        f"<code>{escape(result.stage)}</code>: {result.rows_in:,} rows in, "
        f"{result.rows_kept:,} kept, {result.rows_held_back:,} held back, "
        f"{len(result.findings):,} findings"
    )
    small = [(t, p) for t, p in sections if not t.startswith("held-back sample")]
    wide = [(t, p) for t, p in sections if t.startswith("held-back sample")]
    boxes = "".join(f"<div><h4>{escape(t)}</h4>{p}</div>" for t, p in small)
    body = f'<div class="row">{boxes}</div>' + "".join(f"<h4>{escape(t)}</h4>{p}" for t, p in wide)
    return f'<div class="sfclean-result">{_STYLE}<div>{head}</div>{body}</div>'


@register_sections("run")
def _run_sections(result: Any) -> list[Section]:
    """A run's rows per output (rejected / excluded / loaded / failed / clean)."""
    rows = result.report.rows.to_dict()
    return [("rows per output", counts_table(rows, ("output", "rows")))]


@register_sections("exclude")
def _exclude_sections(result: Any) -> list[Section]:
    """The lookup: strategy, objects, keys and matches."""
    text = (
        f"{escape(result.strategy)} on {escape(', '.join(result.objects))}: "
        f"{result.keys:,} keys, {result.matches:,} org records matched"
    )
    return [("lookup", f"<div>{text}</div>")]


@register_sections("scan")
def _scan_sections(result: Any) -> list[Section]:
    """The scan's top creators of newer duplicates (its ``by_creator`` table), when it has
    one. Written against the scan stage's documented tables: check at merge."""
    creators = getattr(result, "by_creator", None)
    if not isinstance(creators, pd.DataFrame) or creators.empty:
        return []
    columns = [c for c in ("created_by", "user_type", "duplicates", "bursts") if c in creators]
    return [("duplicates by creator (top 5)", sample_table(creators.loc[:, columns]))]
