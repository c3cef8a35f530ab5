"""Duplicate-rule conditions (``duplicateRuleFilter``) in plain words, and on whom they act.

A rule runs only when its conditions hold (``booleanFilter``, default: every item); the
Metadata API names each item's ``table`` (``User`` for the saving user), the UI API does not
(audit-scan-facts.md section 3.2), so without Metadata an item counts as a user condition
when its field looks like one (``Username``, ``Profile.Name``, ``$User.…``: how the UI API
names Current-User fields is UNCONFIRMED). Operations are the FilterOperation enum;
``equals`` / ``notEqual`` values may be comma-separated, compared case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sfclean.auditing.rulesread import Condition

__all__ = ["describe", "holds", "is_user_condition", "lets_through"]

_USER_FIELDS = {
    "username", "name", "email", "alias", "userroleid", "profileid", "usertype", "title",
    "department", "profile", "userrole", "role",
}  # fmt: skip
_WORDS = {
    "equals": "=", "notequal": "≠", "lessthan": "<", "greaterthan": ">", "lessorequal": "≤",
    "greaterorequal": "≥", "contains": "contains", "notcontain": "does not contain",
    "startswith": "starts with", "includes": "includes", "excludes": "excludes",
}  # fmt: skip


def is_user_condition(item: Condition) -> bool:
    """Whether ``item`` tests the saving user rather than the record."""
    if item.table is not None:
        return item.table.lower() == "user"
    name = item.field.lower().removeprefix("$user.")
    head = name.split(".", 1)[0]
    return (
        item.field.lower().startswith("$user.")
        or name in _USER_FIELDS
        or head in ("profile", "userrole")
    )


def describe(item: Condition) -> str:
    """``Profile.Name ≠ Integration User``."""
    op = _WORDS.get(item.operation.lower(), item.operation)
    return f"{item.field} {op} {item.value or '(blank)'}"


def _value(row: dict[str, Any], name: str) -> Any:
    wanted = name.lower().removeprefix("$user.")
    aliases = {wanted, wanted.replace("userrole", "role"), wanted + ".name"}
    for key, value in row.items():
        if key.lower() in aliases or key.lower().replace("userrole", "role") in aliases:
            return value
    return None


def _item_holds(item: Condition, actual: Any) -> bool:
    have = "" if actual is None else str(actual).strip().lower()
    if isinstance(actual, bool):
        have = "true" if actual else "false"
    wanted = [v.strip().lower() for v in item.value.split(",")] if item.value else [""]
    op = item.operation.lower()
    if op == "equals":
        return have in wanted
    if op == "notequal":
        return have not in wanted
    if op in ("contains", "includes"):
        return any(w in have for w in wanted)
    if op in ("notcontain", "excludes"):
        return not any(w in have for w in wanted)
    if op == "startswith":
        return any(have.startswith(w) for w in wanted)
    return True  # comparisons on users: treated as holding (the rule runs)


def _boolean(expression: str, values: Sequence[bool]) -> bool:
    """``(1 AND 2) OR NOT 3`` over ``values`` (item 1 = values[0])."""
    text = re.sub(
        r"\d+",
        lambda m: str(values[int(m.group()) - 1]) if 0 < int(m.group()) <= len(values) else "True",
        expression,
    )
    tokens = re.findall(r"\(|\)|True|False|AND|OR|NOT", text, re.I)
    pos = 0

    def atom() -> bool:
        nonlocal pos
        tok = tokens[pos].upper() if pos < len(tokens) else ""
        pos += 1
        if tok == "NOT":
            return not atom()
        if tok == "(":
            result = either()
            pos += 1  # ")"
            return result
        return tok == "TRUE"

    def both() -> bool:
        nonlocal pos
        result = atom()
        while pos < len(tokens) and tokens[pos].upper() == "AND":
            pos += 1
            result = atom() and result
        return result

    def either() -> bool:
        nonlocal pos
        result = both()
        while pos < len(tokens) and tokens[pos].upper() == "OR":
            pos += 1
            result = both() or result
        return result

    return either()


def holds(items: Sequence[Condition], boolean_filter: str | None, user: dict[str, Any]) -> bool:
    """Whether a rule with ``items`` runs for ``user``, record conditions taken as holding."""
    values = [
        _item_holds(i, _value(user, i.field)) if is_user_condition(i) else True for i in items
    ]
    if not values:
        return True
    return _boolean(boolean_filter, values) if boolean_filter else all(values)


def lets_through(
    items: Sequence[Condition], boolean_filter: str | None, users: dict[str, dict[str, Any]]
) -> list[str]:
    """Ids of the ``users`` for whom the rule never runs, whatever the record."""
    return [uid for uid, user in users.items() if not holds(items, boolean_filter, user)]
