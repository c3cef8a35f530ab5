"""Reading an org's duplicate and matching rules into one :class:`Rule` per rule.

Order (least privilege, audit-scan-facts.md sections 3.1-3.4): SOQL ``DuplicateRule`` (every
rule, active or not, with LastModifiedBy) and ``MatchingRuleItem`` (fields, methods, blank
handling); the UI API ``ui-api/duplicates/{object}`` (actions, operations, conditions and
match rules of the *active* rules); the Metadata API ``readMetadata`` last and only when the
running user holds Modify All Data or Modify Metadata, for what the others lack: the
condition items' ``table``, ``securityOption``, ``alertText`` and the actions of inactive
rules. Whatever could not be read stays None on the Rule, and the Reader has recorded why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sfclean.auditing.base import Reader, flatten
from sfclean.errors import ConfigError
from sfclean.salesforce import Connection
from sfclean.stages.lookup import soql_literal

__all__ = [
    "OPERATIONS",
    "Condition",
    "MatchRule",
    "Rule",
    "api_names",
    "read_matching",
    "read_rules",
]

OPERATIONS = ("insert", "update")
_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_VIEW_SETUP = "View Setup and Configuration"
_UI_PERMISSION = "API Enabled and read access to the object (the exact permission is UNCONFIRMED)"
_METADATA_PERMISSION = "Modify Metadata Through Metadata API Functions or Modify All Data"


@dataclass(frozen=True)
class Condition:
    """One condition item: ``table`` is None when only the UI API (which has none) was read."""

    field: str
    operation: str
    value: str
    table: str | None = None


@dataclass(frozen=True)
class MatchRule:
    """A matching rule: its object, status and items ``(field, method, blank handling)``."""

    name: str
    object: str
    status: str | None = None
    items: tuple[tuple[str, str, str], ...] = ()


@dataclass
class Rule:
    """One duplicate rule as the audit sees it; None means "not read"."""

    name: str
    object: str
    active: bool | None = None
    label: str = ""
    actions: dict[str, str | None] = field(default_factory=dict)
    operations: dict[str, frozenset[str] | None] = field(default_factory=dict)
    conditions: list[Condition] = field(default_factory=list)
    boolean_filter: str | None = None
    security_option: str | None = None
    alert_text: str | None = None
    match_rules: list[tuple[str, str | None]] = field(default_factory=list)  # (name, object)
    last_modified: str | None = None
    last_modified_by: str | None = None
    namespace: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state, as report.json keeps it for the next ``--baseline``."""
        out = asdict(self)
        out["operations"] = {
            k: None if v is None else sorted(v) for k, v in self.operations.items()
        }
        return out


def api_names(objects: Iterable[str]) -> list[str]:
    """``objects`` as distinct API names; ConfigError for anything else (they reach SOQL)."""
    names = list(dict.fromkeys(str(o).strip() for o in objects))
    for name in names:
        if not _API_NAME.match(name):
            raise ConfigError(f"objects= {name!r} is not an object API name (Lead, Contact)")
    if not names:
        raise ConfigError("objects= names no object; give Lead, Contact or another API name")
    return names


def _soql_rules(conn: Connection, reader: Reader, objects: Sequence[str]) -> list[Rule] | None:
    listed = ", ".join(soql_literal(o) for o in objects)
    soql = (
        "SELECT Id, DeveloperName, MasterLabel, IsActive, SobjectType, NamespacePrefix, "
        f"LastModifiedDate, LastModifiedBy.Username FROM DuplicateRule WHERE SobjectType IN ({listed})"
    )
    rows = reader.read("DuplicateRule (SOQL)", _VIEW_SETUP, lambda: list(conn.query_all_iter(soql)))
    if rows is None:
        return None
    return [
        Rule(
            name=str(r["DeveloperName"]),
            object=str(r["SobjectType"]),
            active=bool(r.get("IsActive")),
            label=str(r.get("MasterLabel") or ""),
            last_modified=r.get("LastModifiedDate"),
            last_modified_by=flatten(r).get("LastModifiedBy.Username"),
            namespace=r.get("NamespacePrefix"),
        )
        for r in rows
    ]


def _ops(value: Any) -> frozenset[str]:
    if not value:
        return frozenset()
    items = [value] if isinstance(value, str) else list(value)
    return frozenset(str(v).strip().capitalize() for v in items if str(v).strip())


def _from_ui(rule: Rule, body: dict[str, Any]) -> None:
    rule.active = True if rule.active is None else rule.active
    for op in OPERATIONS:
        rule.actions[op] = body.get(f"actionOn{op.capitalize()}")
        rule.operations[op] = _ops(body.get(f"operationsOn{op.capitalize()}"))
    filters = body.get("duplicateRuleFilters") or []
    rule.conditions = [
        Condition(str(i.get("field")), str(i.get("operation")), str(i.get("value") or ""))
        for f in filters
        for i in sorted(f.get("filterItems") or [], key=lambda x: int(x.get("sortOrder") or 0))
    ]
    rule.boolean_filter = next(
        (f.get("booleanFilter") for f in filters if f.get("booleanFilter")), None
    )
    rule.match_rules = [
        (str(m.get("name")), m.get("objectApiName")) for m in body.get("matchRules") or []
    ]


def _from_metadata(rule: Rule, record: dict[str, Any]) -> None:
    rule.active = str(record.get("isActive")).lower() == "true"
    for op in OPERATIONS:
        rule.actions[op] = record.get(f"actionOn{op.capitalize()}") or rule.actions.get(op)
        rule.operations[op] = _ops(record.get(f"operationsOn{op.capitalize()}"))
    flt = record.get("duplicateRuleFilter") or {}
    items = sorted(
        flt.get("duplicateRuleFilterItems") or [], key=lambda x: int(x.get("sortOrder") or 0)
    )
    rule.conditions = [
        Condition(
            str(i.get("field")), str(i.get("operation")), str(i.get("value") or ""), i.get("table")
        )
        for i in items
    ]
    rule.boolean_filter = flt.get("booleanFilter") or None
    rule.security_option = record.get("securityOption")
    rule.alert_text = record.get("alertText")
    refs = record.get("duplicateRuleMatchRules") or []
    rule.match_rules = [(str(m.get("matchingRule")), m.get("matchRuleSObjectType")) for m in refs]


def may_read_metadata(conn: Connection, reader: Reader) -> bool:
    """Whether the running user holds Modify All Data or Modify Metadata (if unknown: try)."""
    if not conn.user_id:
        return True
    soql = (
        "SELECT PermissionSet.PermissionsModifyAllData, PermissionSet.PermissionsModifyMetadata "
        f"FROM PermissionSetAssignment WHERE AssigneeId = {soql_literal(conn.user_id)}"
    )
    rows = reader.read(
        "the running user's permissions", _VIEW_SETUP, lambda: list(conn.query_all_iter(soql))
    )
    if rows is None:
        return True
    flat = [flatten(r) for r in rows]
    return any(
        r.get("PermissionSet.PermissionsModifyAllData")
        or r.get("PermissionSet.PermissionsModifyMetadata")
        for r in flat
    )


def _full_name(rule: Rule) -> str:
    """``Lead.Rule`` or, for a packaged rule, ``Lead.ns__Rule`` (the Metadata API's name)."""
    prefix = f"{rule.namespace}__" if rule.namespace else ""
    return f"{rule.object}.{prefix}{rule.name}"


def _ui(conn: Connection, obj: str) -> Callable[[], dict[str, Any]]:
    return lambda: conn.ui_api_duplicates(obj)


def read_rules(conn: Connection, reader: Reader, objects: Iterable[str]) -> list[Rule]:
    """Every duplicate rule of ``objects``, from SOQL, the UI API and (when allowed) Metadata."""
    names = api_names(objects)
    rules = _soql_rules(conn, reader, names) or []
    by_key = {(r.object.lower(), r.name.lower()): r for r in rules}
    for obj in names:
        what = f"UI API duplicates of {obj}"
        body = reader.read(what, _UI_PERMISSION, _ui(conn, obj))
        for item in (body or {}).get("duplicateRules") or []:
            key = (obj.lower(), str(item.get("name")).lower())
            rule = by_key.setdefault(key, Rule(name=str(item.get("name")), object=obj))
            _from_ui(rule, item)
    full = [_full_name(r) for r in by_key.values()]
    if full and may_read_metadata(conn, reader):
        records = reader.read(
            "DuplicateRule metadata (readMetadata)",
            _METADATA_PERMISSION,
            lambda: conn.read_metadata("DuplicateRule", full),
        )
        by_full = {_full_name(r).lower(): r for r in by_key.values()}
        for record in records or []:
            known = by_full.get(str(record.get("fullName")).lower())
            if known is not None:
                _from_metadata(known, record)
    elif full:
        reader.note(
            "DuplicateRule metadata (readMetadata)",
            "did not call the Metadata API: the running user holds neither Modify All Data nor "
            "Modify Metadata; condition tables, securityOption (EnforceSharingRules) and "
            "alertText are unknown, and inactive rules' actions too",
        )
    return sorted(
        by_key.values(), key=lambda r: (names.index(r.object) if r.object in names else 99, r.name)
    )


def read_matching(conn: Connection, reader: Reader) -> dict[str, MatchRule]:
    """Matching rules by developer name (lowercased), with their items, from SOQL."""
    soql = (
        "SELECT MatchingRule.DeveloperName, MatchingRule.SobjectType, MatchingRule.RuleStatus, "
        "Field, MatchingMethod, BlankValueBehavior, SortOrder FROM MatchingRuleItem"
    )
    rows = reader.read(
        "MatchingRuleItem (SOQL)", _VIEW_SETUP, lambda: list(conn.query_all_iter(soql))
    )
    heads = reader.read(
        "MatchingRule (SOQL)",
        _VIEW_SETUP,
        lambda: list(
            conn.query_all_iter("SELECT DeveloperName, SobjectType, RuleStatus FROM MatchingRule")
        ),
    )
    out: dict[str, MatchRule] = {}
    for head in heads or []:
        name = str(head["DeveloperName"])
        out[name.lower()] = MatchRule(name, str(head.get("SobjectType")), head.get("RuleStatus"))
    items: dict[str, list[tuple[int, tuple[str, str, str]]]] = {}
    for row in (flatten(r) for r in rows or []):
        name = str(row.get("MatchingRule.DeveloperName"))
        if name.lower() not in out:
            out[name.lower()] = MatchRule(
                name, str(row.get("MatchingRule.SobjectType")), row.get("MatchingRule.RuleStatus")
            )
        item = (
            str(row.get("Field")),
            str(row.get("MatchingMethod") or ""),
            str(row.get("BlankValueBehavior") or ""),
        )
        items.setdefault(name.lower(), []).append((int(row.get("SortOrder") or 0), item))
    for key, pairs in items.items():
        rule = out[key]
        out[key] = MatchRule(
            rule.name, rule.object, rule.status, tuple(i for _, i in sorted(pairs))
        )
    return out
