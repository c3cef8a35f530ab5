"""Result objects of the stages and their text / JSON renderings.

A result keeps data problems as tables (``rejected``, ``findings``) with stable codes, apart
from exceptions, so a notebook user can filter them and the CLI can write them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sfclean.columns import ColumnMap

__all__ = ["FINDINGS_COLUMNS", "NormalizeResult"]

#: Column order of every findings table.
FINDINGS_COLUMNS: tuple[str, ...] = ("row", "column", "code", "original", "normalized", "message")


def _counts(series: pd.Series) -> dict[str, int]:
    counts = series.value_counts(sort=False)
    pairs = sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    return dict(pairs)


@dataclass
class NormalizeResult:
    """What :func:`sfclean.normalize` returns.

    ``clean``: rows that go on, original columns in original order, normalized values, indexed
    by spreadsheet row number (header = row 1) under the index name ``sfclean_row``.
    ``rejected``: rows held back with their original values, then ``sfclean_row``,
    ``sfclean_reason`` (a reason code) and ``sfclean_detail``; indexed by row number too.
    ``findings``: one row per change or warning on a kept row: ``row, column, code, original,
    normalized, message``. ``columns``: the columns used. ``rows_in``: rows read.
    ``source``: what :func:`sfclean.read_csv` recorded about the input (``path``,
    ``encoding``, ``delimiter``; copied from ``df.attrs["sfclean"]``, empty for other
    frames), so :func:`sfclean.io.write_normalize_outputs` can name the input in the report.
    """

    clean: pd.DataFrame
    rejected: pd.DataFrame
    findings: pd.DataFrame
    columns: ColumnMap
    rows_in: int
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_kept(self) -> int:
        """Rows in ``clean``."""
        return len(self.clean)

    @property
    def rows_rejected(self) -> int:
        """Rows in ``rejected``."""
        return len(self.rejected)

    def summary(self) -> dict[str, object]:
        """JSON-ready counts: rows in/kept/rejected, per reason, per finding code, columns."""
        return {
            "rows_in": int(self.rows_in),
            "rows_kept": self.rows_kept,
            "rows_rejected": self.rows_rejected,
            "reasons": _counts(self.rejected["sfclean_reason"]),
            "findings": _counts(self.findings["code"]),
            "columns": self.columns.to_dict(),
        }

    def to_text(self) -> str:
        """A short human summary (a few lines), as the CLI prints it to stderr."""
        lines = [
            f"normalize: {self.rows_in} rows in, {self.rows_kept} kept, "
            f"{self.rows_rejected} held back"
        ]
        reasons = _counts(self.rejected["sfclean_reason"])
        if reasons:
            lines.append("  held back: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
        findings = _counts(self.findings["code"])
        if findings:
            lines.append("  findings:  " + ", ".join(f"{k} {v}" for k, v in findings.items()))
        phones = ", ".join(self.columns.phones) or "none"
        lines.append(
            f"  columns:   email={self.columns.email}; phones={phones}; "
            f"country={self.columns.country or 'none'}"
        )
        return "\n".join(lines)
