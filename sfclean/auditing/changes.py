"""Check 6: what changed in the duplicate rules since a previous audit (``baseline``).

The baseline is a previous audit's report.json (or its ``--json`` output), whose ``rules``
list holds each rule's state. ``rule-changed`` for a rule deactivated, re-activated, deleted,
new, or whose action or operations changed, with LastModifiedDate / LastModifiedBy and the
Setup Audit Trail entries whose text names the rule (which Section/Action strings Salesforce
logs for rule edits is UNCONFIRMED, so the text is matched; audit-scan-facts.md 3.11).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sfclean.auditing.base import Reader, finding, flatten
from sfclean.auditing.rulesread import OPERATIONS, Rule
from sfclean.codes import RULE_CHANGED
from sfclean.errors import InputError
from sfclean.salesforce import Connection

__all__ = ["check_changes", "load_baseline", "read_trail"]


def load_baseline(
    baseline: str | os.PathLike[str] | Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """``{"Object.Rule": state}`` from a previous report (a path or the parsed dict)."""
    if isinstance(baseline, Mapping):
        data: Any = baseline
    else:
        path = Path(baseline)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"baseline= {path} cannot be read as an audit report ({exc.__class__.__name__}); "
                "give the report.json of an earlier sfclean audit --out",
                path=str(path),
            ) from None
    rules = data.get("rules") if isinstance(data, Mapping) else None
    if not isinstance(rules, list):
        raise InputError(
            "baseline= has no 'rules' list; give the report.json of an earlier sfclean audit"
        )
    return {
        f"{r.get('object')}.{r.get('name')}".lower(): dict(r)
        for r in rules
        if isinstance(r, Mapping)
    }


def read_trail(conn: Connection, reader: Reader) -> list[dict[str, Any]]:
    """The latest Setup Audit Trail rows (View Setup and Configuration)."""
    soql = (
        "SELECT CreatedDate, CreatedBy.Username, Action, Section, Display FROM SetupAuditTrail "
        "ORDER BY CreatedDate DESC LIMIT 500"
    )
    rows = reader.read(
        "SetupAuditTrail", "View Setup and Configuration", lambda: list(conn.query_all_iter(soql))
    )
    return [flatten(r) for r in rows or []]


def _differences(old: Mapping[str, Any], rule: Rule) -> list[str]:
    out = []
    if (
        old.get("active") is not None
        and rule.active is not None
        and bool(old["active"]) != rule.active
    ):
        out.append("re-activated" if rule.active else "deactivated")
    for op in OPERATIONS:
        before, now = (old.get("actions") or {}).get(op), rule.actions.get(op)
        if before and now and before != now:
            out.append(f"{op} action {before} → {now}")
        ops_before = (old.get("operations") or {}).get(op)
        ops_now = rule.operations.get(op)
        if ops_before is not None and ops_now is not None and set(ops_before) != set(ops_now):
            out.append(f"{op} operations {sorted(ops_before)} → {sorted(ops_now)}")
    return out


def _trail_words(trail: Sequence[Mapping[str, Any]], name: str) -> str:
    hits = [t for t in trail if name.lower() in str(t.get("Display") or "").lower()]
    return "; ".join(
        f"Setup Audit Trail {t.get('CreatedDate')}: {t.get('Display')} (by {t.get('CreatedBy.Username')})"
        for t in hits[:3]
    )


def check_changes(
    before: Mapping[str, Mapping[str, Any]],
    rules: Sequence[Rule],
    trail: Sequence[Mapping[str, Any]],
) -> list[dict[str, str]]:
    """Check 6: rule-changed findings against the baseline's rule states."""
    rows = []
    now = {f"{r.object}.{r.name}".lower(): r for r in rules}
    for key, rule in now.items():
        old = before.get(key)
        changes = ["new since the baseline"] if old is None else _differences(old, rule)
        if not changes:
            continue
        who = f"last changed {rule.last_modified or '?'} by {rule.last_modified_by or '?'}"
        detail = "; ".join([", ".join(changes), who, _trail_words(trail, rule.name)]).rstrip("; ")
        rows.append(
            finding(
                RULE_CHANGED,
                "changes",
                object=rule.object,
                subject=rule.name,
                where=f"{rule.object}.{rule.name}",
                detail=detail,
            )
        )
    for key, old in before.items():
        if key not in now:
            name = str(old.get("name"))
            detail = "; ".join(
                ["no longer exists (deleted, or not readable now)", _trail_words(trail, name)]
            ).rstrip("; ")
            rows.append(
                finding(
                    RULE_CHANGED,
                    "changes",
                    object=str(old.get("object")),
                    subject=name,
                    where=f"{old.get('object')}.{name}",
                    detail=detail,
                )
            )
    return rows
