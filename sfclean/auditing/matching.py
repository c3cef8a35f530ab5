"""Check 3: do the active duplicate rules compare an email, with active matching rules?

``matching-rule-no-email`` (no matching rule of an active duplicate rule compares a field
whose name holds "Email"; the message lists what they compare), ``matching-rule-inactive``
(an active duplicate rule uses a matching rule whose RuleStatus is not Active),
``matching-rule-matches-blanks`` (an email item with BlankValueBehavior MatchBlanks). The
coverage matrix says, per object and rule, which matching rule in which RuleStatus compares
which email field, how, what blanks do, and whether the email alone is enough (the only item)
(audit-scan-facts.md section 3.4 and (e) audit 3).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sfclean.auditing.base import finding
from sfclean.auditing.rulesread import MatchRule, Rule
from sfclean.codes import (
    MATCHING_RULE_INACTIVE,
    MATCHING_RULE_MATCHES_BLANKS,
    MATCHING_RULE_NO_EMAIL,
)

__all__ = ["COVERAGE_COLUMNS", "check_matching", "coverage"]

COVERAGE_COLUMNS = (
    "object", "rule", "active", "matching_rule", "status", "matches", "email_field", "method",
    "blanks", "email_alone",
)  # fmt: skip


def _is_email(field: str) -> bool:
    return "email" in field.lower()


def _rule_rows(rule: Rule, matching: dict[str, MatchRule]) -> list[dict[str, str]]:
    where = f"{rule.object}.{rule.name}"
    base = {"object": rule.object, "subject": rule.name}
    rows = []
    compared: list[str] = []
    known = False
    for name, _obj in rule.match_rules:
        mrule = matching.get(name.lower())
        if mrule is None:
            continue
        known = True
        if mrule.status and mrule.status.lower() != "active":
            rows.append(
                finding(
                    MATCHING_RULE_INACTIVE,
                    "matching",
                    where=f"{where} → {mrule.name}",
                    detail=f"{mrule.name} is {mrule.status}",
                    **base,
                )
            )
        for field, _method, blanks in mrule.items:
            compared.append(f"{mrule.object}.{field}")
            if _is_email(field) and blanks.lower() == "matchblanks":
                rows.append(
                    finding(
                        MATCHING_RULE_MATCHES_BLANKS,
                        "matching",
                        where=f"{mrule.name}.{field}",
                        **base,
                    )
                )
    if known and not any(_is_email(f) for f in compared):
        fields = ", ".join(dict.fromkeys(compared)) or "no fields"
        rows.append(
            finding(
                MATCHING_RULE_NO_EMAIL,
                "matching",
                where=where,
                detail=f"they compare {fields}",
                **base,
            )
        )
    return rows


def check_matching(rules: Sequence[Rule], matching: dict[str, MatchRule]) -> list[dict[str, str]]:
    """Check 3 over the active ``rules``."""
    return [row for rule in rules if rule.active for row in _rule_rows(rule, matching)]


def coverage(rules: Sequence[Rule], matching: dict[str, MatchRule]) -> pd.DataFrame:
    """The email coverage matrix: one row per rule and email item (or "none")."""
    rows = []
    for rule in rules:
        for name, obj in rule.match_rules:
            mrule = matching.get(name.lower())
            items = mrule.items if mrule else ()
            emails = [i for i in items if _is_email(i[0])]
            base = {
                "object": rule.object, "rule": rule.name, "active": str(bool(rule.active)).lower(),
                "matching_rule": name, "status": (mrule.status or "") if mrule else "",
                "matches": obj or (mrule.object if mrule else ""),
            }  # fmt: skip
            if not emails:
                state = "not read" if mrule is None else "none"
                rows.append(
                    {**base, "email_field": state, "method": "", "blanks": "", "email_alone": "no"}
                )
            for field, method, blanks in emails:
                alone = "yes" if len(items) == 1 else "no"
                rows.append(
                    {
                        **base,
                        "email_field": field,
                        "method": method,
                        "blanks": blanks,
                        "email_alone": alone,
                    }
                )
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS), dtype="str")
