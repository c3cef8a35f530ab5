"""Checks 1 and 2: what an API save gets from each duplicate rule, and who or what its
conditions let through.

Per active rule and operation (salesforce-facts.md, "Rule actions over the API"): Block ->
``rule-block`` (ok); Allow with Alert -> ``rule-allow-alert`` (refused unless the caller sends
allowSave=true; whether Bulk honours the header is UNCONFIRMED); Allow without Alert ->
``rule-allow-silent``. Inactive rules -> ``rule-inactive``; an object without an active rule ->
``no-active-rule``; no active rule between Lead and Contact -> ``no-cross-object-rule``.
Conditions -> ``rule-excludes-users`` (naming the users let through and their API logins) and
``rule-excludes-records``; ``securityOption = EnforceSharingRules`` ->
``rule-hides-invisible-duplicates`` (naming the API writers without View All Data).
"""

from __future__ import annotations

from collections.abc import Sequence

from sfclean.auditing.base import finding
from sfclean.auditing.conditions import describe, is_user_condition, lets_through
from sfclean.auditing.rulesread import OPERATIONS, MatchRule, Rule
from sfclean.auditing.users import People
from sfclean.codes import (
    NO_ACTIVE_RULE,
    NO_CROSS_OBJECT_RULE,
    RULE_ALLOW_ALERT,
    RULE_ALLOW_SILENT,
    RULE_BLOCK,
    RULE_EXCLUDES_RECORDS,
    RULE_EXCLUDES_USERS,
    RULE_HIDES_INVISIBLE_DUPLICATES,
    RULE_INACTIVE,
)

__all__ = ["check_conditions", "check_rules", "classify", "match_objects"]

_SHOWN = 10  # users named in one message


def classify(action: str | None, operations: frozenset[str] | None) -> str | None:
    """The code for one rule and operation, or None when the action was not read."""
    if not action:
        return None
    if action.lower() == "block":
        return RULE_BLOCK
    return RULE_ALLOW_ALERT if "Alert" in (operations or frozenset()) else RULE_ALLOW_SILENT


def match_objects(rule: Rule, matching: dict[str, MatchRule]) -> set[str]:
    """The objects ``rule``'s matching rules compare against."""
    out = set()
    for name, obj in rule.match_rules:
        known = matching.get(name.lower())
        out.add(obj or (known.object if known else rule.object))
    return out


def _idle_matching(rule: Rule, matching: dict[str, MatchRule]) -> str:
    """When every matching rule of ``rule`` is read and none is Active: the words saying so
    (what the org then does is UNCONFIRMED), else ""."""
    known = [matching.get(name.lower()) for name, _ in rule.match_rules]
    if not known or any(m is None or (m.status or "").lower() == "active" for m in known):
        return ""
    said = ", ".join(f"{m.name} ({m.status or 'status not read'})" for m in known if m)
    return (
        f"; but none of its matching rules is Active ({said}): it may compare nothing"
        " (UNCONFIRMED), see matching-rule-inactive"
    )


def _rule_rows(rule: Rule, matching: dict[str, MatchRule]) -> list[dict[str, str]]:
    where = f"{rule.object}.{rule.name}"
    if rule.active is False:
        return [
            finding(
                RULE_INACTIVE,
                "rules",
                object=rule.object,
                subject=rule.name,
                where=where,
                detail=f"last changed {rule.last_modified or '?'} by {rule.last_modified_by or '?'}",
            )
        ]
    by_code: dict[str, list[str]] = {}
    for op in OPERATIONS:
        code = classify(rule.actions.get(op), rule.operations.get(op))
        if code:
            by_code.setdefault(code, []).append(op)
    rows = []
    idle = _idle_matching(rule, matching)
    for code, ops in by_code.items():
        detail = "on " + " and ".join(ops)
        if code == RULE_ALLOW_ALERT and rule.alert_text:
            detail += f"; the error message is the alert text {rule.alert_text!r}"
        detail += idle
        rows.append(
            finding(
                code, "rules", object=rule.object, subject=rule.name, where=where, detail=detail
            )
        )
    return rows


def check_rules(
    rules: Sequence[Rule],
    matching: dict[str, MatchRule],
    objects: Sequence[str],
    *,
    read: bool = True,
) -> list[dict[str, str]]:
    """Check 1 over ``rules`` of ``objects``; ``read`` False when no rule source could be read
    (then no-active-rule is not claimed)."""
    rows = [row for rule in rules for row in _rule_rows(rule, matching)]
    active = [r for r in rules if r.active]
    if read:
        for obj in objects:
            if not any(r.object.lower() == obj.lower() for r in active):
                rows.append(finding(NO_ACTIVE_RULE, "rules", object=obj, subject=obj))
    wanted = {o.lower() for o in objects}
    if read and {"lead", "contact"} <= wanted:
        cross = [
            r
            for r in rules
            if r.object in ("Lead", "Contact")
            and (match_objects(r, matching) & {"Lead", "Contact"}) - {r.object}
        ]
        if not any(r.active for r in cross):
            off = [f"{r.object}.{r.name}" for r in cross]
            detail = (
                f"cross-object rules that exist but are inactive: {', '.join(off)}" if off else ""
            )
            rows.append(
                finding(
                    NO_CROSS_OBJECT_RULE,
                    "rules",
                    object="Lead, Contact",
                    subject="Lead ↔ Contact",
                    detail=detail,
                )
            )
    return rows


def _names(people: People, ids: Sequence[str]) -> str:
    shown = [f"{people.label(i)} ({people.login_words(i)})" for i in ids[:_SHOWN]]
    more = f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else ""
    return "; ".join(shown) + more


def _user_rows(rule: Rule, people: People) -> list[dict[str, str]]:
    items = [i for i in rule.conditions if is_user_condition(i)]
    if not items:
        return []
    said = " and ".join(describe(i) for i in items)
    where = f"{rule.object}.{rule.name}"
    through = lets_through(rule.conditions, rule.boolean_filter, people.users)
    writers = set(people.api_writers())
    through.sort(key=lambda i: (i not in writers, people.label(i)))
    if through:
        api = [i for i in through if i in writers]
        detail = f"the rule runs only when {said}; it never runs for {len(through)} active user(s), {len(api)} of them API writers: {_names(people, through)}"
    elif people.users:
        detail = f"the rule runs only when {said}; no active user is let through today"
    else:
        detail = f"the rule runs only when {said}; users could not be read, so who is let through is unknown"
    if any(i.table is None for i in items):
        detail += " (condition table not read; read from the field name)"
    return [
        finding(
            RULE_EXCLUDES_USERS,
            "conditions",
            object=rule.object,
            subject=rule.name,
            where=where,
            detail=detail,
        )
    ]


def _record_rows(rule: Rule) -> list[dict[str, str]]:
    items = [i for i in rule.conditions if not is_user_condition(i)]
    if not items:
        return []
    said = " and ".join(describe(i) for i in items)
    logic = f" (logic {rule.boolean_filter})" if rule.boolean_filter else ""
    detail = f"it runs only when {said}{logic}; other records are saved without a duplicate check"
    return [
        finding(
            RULE_EXCLUDES_RECORDS,
            "conditions",
            object=rule.object,
            subject=rule.name,
            where=f"{rule.object}.{rule.name}",
            detail=detail,
        )
    ]


def _sharing_rows(rule: Rule, people: People) -> list[dict[str, str]]:
    if (rule.security_option or "").lower() != "enforcesharingrules":
        return []
    limited = [
        i
        for i in people.api_writers()
        if not (people.holds(i, "ViewAllData") or people.holds(i, "ModifyAllData"))
    ]
    who = (
        f"API writers without View All Data: {_names(people, limited)}"
        if limited
        else "no API writer lacks View All Data today"
    )
    return [
        finding(
            RULE_HIDES_INVISIBLE_DUPLICATES,
            "conditions",
            object=rule.object,
            subject=rule.name,
            where=f"{rule.object}.{rule.name}",
            detail=who,
        )
    ]


def check_conditions(rules: Sequence[Rule], people: People) -> list[dict[str, str]]:
    """Check 2 over the active ``rules``."""
    rows = []
    for rule in rules:
        if rule.active:
            rows += _user_rows(rule, people) + _record_rows(rule) + _sharing_rows(rule, people)
    return rows
