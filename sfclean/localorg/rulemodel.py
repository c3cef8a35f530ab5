"""The duplicate-rule model: matching rules, duplicate rules, their conditions and limits.

Pure data and checks, no store access; :mod:`sfclean.localorg.rules` evaluates them (its
docstring states the semantics). ``validate_rules`` enforces Salesforce's limits (5 active
rules per object, 3 matching rules per duplicate rule), the documented picklists (RuleStatus,
BlankValueBehavior) and localorg's supported subset (Exact matching) with one-line SeedErrors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sfclean.localorg.errors import SeedError
from sfclean.localorg.schema import object_type
from sfclean.localorg.types import SfError

__all__ = [
    "ACTIONS",
    "API_KINDS",
    "BLANK_BEHAVIORS",
    "DEFAULT_ALERT_TEXT",
    "FILTER_OPERATIONS",
    "MATCH_OBJECTS",
    "MATCH_PREFIX",
    "MAX_ACTIVE_RULES_PER_OBJECT",
    "MAX_CANDIDATES",
    "MAX_MATCHING_RULES",
    "OPERATIONS",
    "RULE_STATUSES",
    "SECURITY_OPTIONS",
    "DuplicateRule",
    "FilterItem",
    "MatchingRule",
    "RuleMatch",
    "RuleOutcome",
    "conditions_hold",
    "eval_boolean_filter",
    "lookup_ci",
    "match_key",
    "validate_rules",
]


DEFAULT_ALERT_TEXT = "Use one of these records?"
MATCH_PREFIX = 99
MAX_CANDIDATES = 100
MAX_ACTIVE_RULES_PER_OBJECT = 5
MAX_MATCHING_RULES = 3
API_KINDS = frozenset({"rest", "collections", "composite", "bulk1", "bulk2"})
ACTIONS = ("Allow", "Block")
OPERATIONS = ("Alert", "Report")
SECURITY_OPTIONS = ("EnforceSharingRules", "BypassSharingRules")
FILTER_OPERATIONS = ("equals", "notEqual", "contains", "notContain", "startsWith")
MATCH_OBJECTS = ("Lead", "Contact", "Account")
# MatchingRule.ruleStatus (Metadata API MatchingRuleStatus); only Active finds matches here
RULE_STATUSES = (
    "Active", "Inactive", "Activating", "Deactivating", "ActivationFailed", "DeactivationFailed",
)  # fmt: skip
# MatchingRuleItem.blankValueBehavior; NullNotAllowed is the default
BLANK_BEHAVIORS = ("MatchBlanks", "NullNotAllowed")


def match_key(value: object) -> str | None:
    """The comparison key of a field value: lower-cased first 99 characters; None when blank."""
    if value is None:
        return None
    text = str(value)
    if not text.strip():
        return None
    return text.lower()[:MATCH_PREFIX]


# --- model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchingRule:
    """A matching rule: all ``fields`` (field, method) must match (AND).

    ``status`` is its RuleStatus (one of ``RULE_STATUSES``; only ``Active`` finds matches);
    ``match_blanks`` names the fields (any case) whose item has BlankValueBehavior
    ``MatchBlanks``: the others are ``NullNotAllowed``."""

    developer_name: str
    object_name: str
    fields: tuple[tuple[str, str], ...]
    label: str = ""
    status: str = "Active"
    record_id: str | None = None
    match_blanks: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "match_blanks", frozenset(f.lower() for f in self.match_blanks))

    @property
    def active(self) -> bool:
        return self.status == "Active"

    @property
    def field_names(self) -> list[str]:
        return [f for f, _ in self.fields]

    def matches_blanks(self, field_name: str) -> bool:
        """Whether two blank values of ``field_name`` count as a match (MatchBlanks)."""
        return field_name.lower() in self.match_blanks

    def blank_behavior(self, field_name: str) -> str:
        """The item's BlankValueBehavior: ``MatchBlanks`` or ``NullNotAllowed``."""
        return "MatchBlanks" if self.matches_blanks(field_name) else "NullNotAllowed"


@dataclass(frozen=True)
class FilterItem:
    """One duplicateRuleFilterItem; ``table`` "User" means the saving user."""

    field: str
    operation: str
    value: str
    table: str = "User"


@dataclass
class DuplicateRule:
    """A duplicate rule on ``object_name``; see the module docstring for the semantics."""

    developer_name: str
    object_name: str
    matching_rules: tuple[MatchingRule, ...]
    label: str = ""
    active: bool = True
    action_on_insert: str = "Allow"
    action_on_update: str = "Allow"
    operations_on_insert: frozenset[str] = frozenset({"Alert", "Report"})
    operations_on_update: frozenset[str] = frozenset({"Alert", "Report"})
    alert_text: str = DEFAULT_ALERT_TEXT
    filters: tuple[FilterItem, ...] = ()
    boolean_filter: str | None = None
    security_option: str = "EnforceSharingRules"
    sort_order: int = 1
    # matching rule developer name -> {field on the matched object: field on this object}
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)
    record_id: str | None = None

    def action(self, operation: str) -> str:
        return self.action_on_insert if operation == "insert" else self.action_on_update

    def operations(self, operation: str) -> frozenset[str]:
        return self.operations_on_insert if operation == "insert" else self.operations_on_update

    def input_field(self, rule: MatchingRule, match_field: str) -> str:
        """The field of the saved record that feeds ``match_field`` of ``rule``'s object."""
        return self.mappings.get(rule.developer_name, {}).get(match_field, match_field)


@dataclass
class RuleMatch:
    """The visible matches one duplicate rule found for one record, per matching rule."""

    rule: DuplicateRule
    matches: dict[str, list[dict[str, Any]]]  # matching rule developer name -> candidate rows

    @property
    def record_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for rows in self.matches.values():
            for row in rows:
                seen.setdefault(row["Id"], None)
        return list(seen)


@dataclass
class RuleOutcome:
    """What the rules decided for one record: ``block`` stops the save; ``report`` lists the
    rules whose matches become DuplicateRecordSets once the record is saved."""

    block: SfError | None = None
    report: list[RuleMatch] = field(default_factory=list)
    matches: list[RuleMatch] = field(default_factory=list)


# --- validation ------------------------------------------------------------------------------


def validate_rules(rules: Sequence[DuplicateRule]) -> None:
    names: set[str] = set()
    active_per_object: dict[str, int] = {}
    for rule in rules:
        where = f"duplicate rule {rule.developer_name}"
        if rule.developer_name.lower() in names:
            raise SeedError(f"{where}: the name is used twice; give each rule its own name")
        names.add(rule.developer_name.lower())
        obj = object_type(rule.object_name)
        if obj is None or obj.name not in MATCH_OBJECTS:
            raise SeedError(
                f"{where}: object {rule.object_name!r} cannot have duplicate rules; use one of {', '.join(MATCH_OBJECTS)}"
            )
        for label, value, allowed in (
            ("actionOnInsert", rule.action_on_insert, ACTIONS),
            ("actionOnUpdate", rule.action_on_update, ACTIONS),
            ("securityOption", rule.security_option, SECURITY_OPTIONS),
        ):
            if value not in allowed:
                raise SeedError(f"{where}: {label} {value!r} is not one of {', '.join(allowed)}")
        for label, ops in (
            ("operationsOnInsert", rule.operations_on_insert),
            ("operationsOnUpdate", rule.operations_on_update),
        ):
            bad = sorted(set(ops) - set(OPERATIONS))
            if bad:
                raise SeedError(f"{where}: {label} has {bad[0]!r}; use Alert and/or Report")
        if not rule.matching_rules:
            raise SeedError(f"{where}: needs at least one matching rule")
        if len(rule.matching_rules) > MAX_MATCHING_RULES:
            raise SeedError(
                f"{where}: has {len(rule.matching_rules)} matching rules; Salesforce allows at most {MAX_MATCHING_RULES}"
            )
        for mrule in rule.matching_rules:
            _validate_matching_rule(mrule)
            for fname in mrule.field_names:
                src = rule.input_field(mrule, fname)
                if obj.field(src) is None:
                    raise SeedError(
                        f"{where}: {obj.name} has no field {src!r} to compare with {mrule.object_name}.{fname}; add an objectMapping"
                    )
        for item in rule.filters:
            if item.operation not in FILTER_OPERATIONS:
                raise SeedError(
                    f"{where}: filter operation {item.operation!r} is not one of {', '.join(FILTER_OPERATIONS)}"
                )
        if rule.boolean_filter:
            try:
                eval_boolean_filter(rule.boolean_filter, [True] * len(rule.filters))
            except ValueError as exc:
                raise SeedError(f"{where}: booleanFilter {rule.boolean_filter!r}: {exc}") from None
        if rule.active:
            n = active_per_object.get(obj.name, 0) + 1
            active_per_object[obj.name] = n
            if n > MAX_ACTIVE_RULES_PER_OBJECT:
                raise SeedError(
                    f"{obj.name} has more than {MAX_ACTIVE_RULES_PER_OBJECT} active duplicate rules; deactivate some"
                )


def _validate_matching_rule(mrule: MatchingRule) -> None:
    where = f"matching rule {mrule.developer_name}"
    obj = object_type(mrule.object_name)
    if obj is None or obj.name not in MATCH_OBJECTS:
        raise SeedError(
            f"{where}: object {mrule.object_name!r} cannot have matching rules; use one of {', '.join(MATCH_OBJECTS)}"
        )
    if mrule.status not in RULE_STATUSES:
        raise SeedError(
            f"{where}: ruleStatus {mrule.status!r} is not one of {', '.join(RULE_STATUSES)}"
        )
    if not mrule.fields:
        raise SeedError(f"{where}: needs at least one matchingRuleItems entry")
    stray = sorted(mrule.match_blanks - {f.lower() for f in mrule.field_names})
    if stray:
        raise SeedError(f"{where}: MatchBlanks names {stray[0]!r}, which is not one of its fields")
    for fname, method in mrule.fields:
        if obj.field(fname) is None:
            raise SeedError(f"{where}: {obj.name} has no field {fname!r}")
        if method != "Exact":
            raise SeedError(
                f"{where}: matchingMethod {method!r} is not supported by localorg; use Exact"
            )


# --- conditions ------------------------------------------------------------------------------

_BOOL_TOKEN = re.compile(r"\s*(\d+|AND\b|OR\b|NOT\b|\(|\))", re.IGNORECASE)


def eval_boolean_filter(expr: str, values: list[bool]) -> bool:
    """Evaluate filter logic such as ``1 AND (2 OR NOT 3)`` over 1-based item results."""
    tokens: list[str] = []
    pos = 0
    text = expr.strip()
    while pos < len(text):
        m = _BOOL_TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"unexpected text at {text[pos:]!r}")
        tokens.append(m.group(1).upper())
        pos = m.end()
    i = 0

    def peek() -> str | None:
        return tokens[i] if i < len(tokens) else None

    def take() -> str:
        nonlocal i
        if i >= len(tokens):
            raise ValueError("ends too early")
        i += 1
        return tokens[i - 1]

    def expr_or() -> bool:
        result = expr_and()
        while peek() == "OR":
            take()
            rhs = expr_and()
            result = result or rhs
        return result

    def expr_and() -> bool:
        result = expr_not()
        while peek() == "AND":
            take()
            rhs = expr_not()
            result = result and rhs
        return result

    def expr_not() -> bool:
        if peek() == "NOT":
            take()
            return not expr_not()
        tok = take()
        if tok == "(":
            result = expr_or()
            if take() != ")":
                raise ValueError("missing )")
            return result
        if not tok.isdigit() or not 1 <= int(tok) <= len(values):
            raise ValueError(f"{tok} does not name a filter item")
        return values[int(tok) - 1]

    result = expr_or()
    if i != len(tokens):
        raise ValueError(f"unexpected {tokens[i]}")
    return result


def _filter_item_holds(item: FilterItem, actual: object) -> bool:
    have = "" if actual is None else str(actual).strip().lower()
    if isinstance(actual, bool):
        have = "true" if actual else "false"
    wanted = [v.strip().lower() for v in item.value.split(",")] if item.value else [""]
    op = item.operation
    if op == "equals":
        return have in wanted
    if op == "notEqual":
        return have not in wanted
    if op == "contains":
        return any(w in have for w in wanted)
    if op == "notContain":
        return not any(w in have for w in wanted)
    return any(have.startswith(w) for w in wanted)  # startsWith


def lookup_ci(row: dict[str, Any], name: str) -> object:
    lname = name.lower()
    for key, value in row.items():
        if key.lower() == lname:
            return value
    return None


def conditions_hold(rule: DuplicateRule, user: dict[str, Any], record: dict[str, Any]) -> bool:
    """True when ``rule`` runs for this saving ``user`` and ``record`` (its duplicateRuleFilter)."""
    if not rule.filters:
        return True
    results = []
    for item in rule.filters:
        source = user if item.table.lower() == "user" else record
        results.append(_filter_item_holds(item, lookup_ci(source, item.field)))
    if rule.boolean_filter:
        return eval_boolean_filter(rule.boolean_filter, results)
    return all(results)
