"""What every audit check shares: the findings table's columns, one finding row built from
the registry, and :class:`Reader`, which turns a read the org refuses into a ``cannot-read``
finding so the audit goes on (least privilege, check 7).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pandas as pd

from sfclean.codes import CANNOT_READ, CODES, SEVERITIES
from sfclean.errors import ApiError

__all__ = [
    "CHECKS",
    "COLUMNS",
    "Reader",
    "finding",
    "findings_frame",
    "flatten",
    "highest_severity",
]

logger = logging.getLogger("sfclean.audit")

T = TypeVar("T")

#: Column order of the audit's findings table.
COLUMNS: tuple[str, ...] = (
    "code", "severity", "check", "object", "subject", "where", "message", "fix", "source",
)  # fmt: skip

#: check name -> heading, in report order (issue 8's checks 1-7).
CHECKS: dict[str, str] = {
    "rules": "Duplicate rules: what an API save gets",
    "conditions": "Rule conditions: who and what skips a rule",
    "matching": "Matching rules: is the email compared",
    "users": "API writers: who could get past the rules",
    "code": "Code: allowSave and the duplicate-rule header",
    "changes": "Changes since the baseline",
    "access": "What the audit could not read",
}


def finding(
    code: str,
    check: str,
    *,
    object: str = "",
    subject: str = "",
    where: str = "",
    message: str | None = None,
    detail: str = "",
) -> dict[str, str]:
    """One findings row: severity, fix and source from the registry; ``message`` (default:
    the registry's) followed by ``detail``."""
    declared = CODES.get(code, "finding")
    text = declared.message if message is None else message
    if detail:
        text = f"{text}; {detail}" if text else detail
    return {
        "code": code,
        "severity": declared.severity or "info",
        "check": check,
        "object": object,
        "subject": subject,
        "where": where,
        "message": text,
        "fix": declared.fix,
        "source": declared.source,
    }


def findings_frame(rows: Iterable[dict[str, str]]) -> pd.DataFrame:
    """The findings table, most severe first, then in check order (all columns text)."""
    df = pd.DataFrame(list(rows), columns=list(COLUMNS), dtype="str")
    if df.empty:
        return df
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    order = {c: i for i, c in enumerate(CHECKS)}
    keys = pd.DataFrame(
        {"s": df["severity"].map(rank), "c": df["check"].map(order).fillna(len(order))}
    )
    index = keys.sort_values(["s", "c"], kind="stable").index
    return df.loc[index].reset_index(drop=True)


def highest_severity(severities: Iterable[str]) -> str:
    """The most serious severity of ``severities`` ("ok" when there is nothing worse)."""
    present = set(severities)
    for severity in SEVERITIES:
        if severity in present and severity not in ("ok", "info"):
            return severity
    return "ok"


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A query record with its relationship fields as dotted keys (``Profile.Name``)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


class Reader:
    """Reads from the org; a read refused with an :class:`~sfclean.errors.ApiError` (a
    missing permission, an API the org does not offer) becomes a ``cannot-read`` finding
    naming what and the permission needed, and returns None. Login and network errors
    still stop the audit (it could not run at all)."""

    def __init__(self) -> None:
        self.findings: list[dict[str, str]] = []
        self.refused: set[str] = set()

    def read(self, what: str, permission: str, fetch: Callable[[], T]) -> T | None:
        """``fetch()``, or None after recording a cannot-read finding about ``what``."""
        try:
            return fetch()
        except ApiError as exc:
            logger.info("cannot read %s: %s", what, exc)
            self.refused.add(what)
            why = exc.error_code or (f"HTTP {exc.http_status}" if exc.http_status else "refused")
            self.findings.append(
                finding(
                    CANNOT_READ,
                    "access",
                    subject=what,
                    message=f"could not read {what} ({why})",
                    detail=f"needs {permission}; the checks that use it are incomplete",
                )
            )
            return None

    def note(self, what: str, message: str) -> None:
        """A cannot-read finding for something skipped on purpose (no permission to try)."""
        self.refused.add(what)
        self.findings.append(finding(CANNOT_READ, "access", subject=what, message=message))
