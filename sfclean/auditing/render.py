"""The audit's text (grouped by check, verdict first) and Markdown (audit.md) renderings."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sfclean.auditing.base import CHECKS

__all__ = ["markdown", "text", "verdict_line"]


def verdict_line(verdict: str, counts: Mapping[str, int], scope: str) -> str:
    """``audit verdict: high (2 high, 1 medium, 3 ok) - org ..., objects Lead, Contact``."""
    shown = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no findings"
    return f"audit verdict: {verdict} ({shown}) - {scope}"


def text(findings: pd.DataFrame, first_line: str) -> str:
    """Findings grouped by check, each line ``severity code where: message``."""
    lines = [first_line]
    for check, title in CHECKS.items():
        group = findings[findings["check"] == check]
        if group.empty:
            continue
        lines += ["", f"{title}:"]
        for row in group.itertuples(index=False):
            where = _place(str(row.subject), str(row.where))
            lines.append(f"  {row.severity:<6}  {row.code}  {where}: {row.message}")
    return "\n".join(lines)


def _place(subject: str, where: str) -> str:
    """``where``, led by ``subject`` when ``where`` does not name it (a user's profile)."""
    if not where:
        return subject
    return where if not subject or subject in where else f"{subject} ({where})"


def _cell(value: object) -> str:
    return " ".join(str(value).split()).replace("\\", "\\\\").replace("|", "\\|")


def _table(df: pd.DataFrame, columns: list[str]) -> list[str]:
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(_cell(row[c]) for c in columns) + " |" for _, row in df.iterrows()]
    return out


def markdown(findings: pd.DataFrame, coverage: pd.DataFrame, first_line: str) -> str:
    """audit.md: the verdict, one table per check, the email coverage matrix."""
    lines = ["# sfclean audit", "", _cell(first_line)]
    columns = ["severity", "code", "where", "message", "fix", "source"]
    for check, title in CHECKS.items():
        group = findings[findings["check"] == check].copy()
        if group.empty:
            continue
        group["where"] = [
            _place(s, w) for s, w in zip(group["subject"], group["where"], strict=True)
        ]
        lines += ["", f"## {title}", "", *_table(group, columns)]
    if not coverage.empty:
        lines += ["", "## Email coverage", "", *_table(coverage, list(coverage.columns))]
    return "\n".join(lines) + "\n"
