"""Duplicate and matching rules from a seed config (``matchingRules``, ``duplicateRules``).

Keys mirror the Metadata API types DuplicateRule and MatchingRule (the module docstring of
:mod:`sfclean.localorg.seed` shows a full example). Every problem raises SeedError naming the
config source and the key path, e.g. ``org.yaml: duplicateRules[0].actionOnInsert: ...``.
"""

from __future__ import annotations

from typing import Any

from sfclean.localorg.errors import SeedError
from sfclean.localorg.rulemodel import (
    BLANK_BEHAVIORS,
    DEFAULT_ALERT_TEXT,
    RULE_STATUSES,
    DuplicateRule,
    FilterItem,
    MatchingRule,
    validate_rules,
)

__all__ = ["check_keys", "mapping_list", "parse_rules"]

_MATCHING_KEYS = {
    "developerName", "fullName", "sobjectType", "label", "masterLabel", "description",
    "ruleStatus", "matchingRuleItems", "booleanFilter",
}  # fmt: skip
_ITEM_KEYS = {"fieldName", "matchingMethod", "blankValueBehavior"}
_RULE_KEYS = {
    "developerName", "fullName", "sobjectType", "label", "masterLabel", "description",
    "isActive", "actionOnInsert", "actionOnUpdate", "operationsOnInsert", "operationsOnUpdate",
    "alertText", "securityOption", "sortOrder", "duplicateRuleFilter", "duplicateRuleMatchRules",
}  # fmt: skip
_FILTER_KEYS = {"booleanFilter", "duplicateRuleFilterItems"}
_FILTER_ITEM_KEYS = {"field", "operation", "value", "table", "sortOrder"}
_MATCH_REF_KEYS = {"matchRuleSObjectType", "matchingRule", "objectMapping"}
_MAPPING_KEYS = {"inputObject", "outputObject", "mappingFields"}


def parse_rules(config: dict[str, Any], *, source: str) -> list[DuplicateRule]:
    """The duplicate rules of ``config``, validated (limits included)."""
    matching = _matching_rules(config.get("matchingRules") or [], source)
    rules = [
        _duplicate_rule(item, f"{source}: duplicateRules[{i}]", matching)
        for i, item in enumerate(
            mapping_list(config.get("duplicateRules") or [], f"{source}: duplicateRules")
        )
    ]
    try:
        validate_rules(rules)
    except SeedError as exc:
        raise SeedError(f"{source}: {exc}") from None
    return rules


def mapping_list(value: Any, where: str) -> list[dict[str, Any]]:
    """``value`` as a list of mappings (a config section); SeedError naming ``where`` if not."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise SeedError(f"{where} must be a list of mappings")
    return value


def check_keys(item: dict[str, Any], allowed: set[str], where: str) -> None:
    """SeedError naming the first key of ``item`` not in ``allowed`` (a typo in a config)."""
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise SeedError(
            f"{where}: unknown key {unknown[0]!r}; expected one of {', '.join(sorted(allowed))}"
        )


def _names(item: dict[str, Any], where: str) -> tuple[str, str]:
    """(developer name, object) from developerName + sobjectType or fullName ``Object.Name``."""
    full = str(item.get("fullName") or "")
    obj_part, _, name_part = full.partition(".") if "." in full else ("", "", full)
    name = str(item.get("developerName") or name_part).strip()
    obj = str(item.get("sobjectType") or obj_part).strip()
    if not name:
        raise SeedError(f"{where}.developerName is required")
    if not obj:
        raise SeedError(f"{where}.sobjectType is required (or fullName like Contact.{name})")
    return name, obj


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise SeedError(f"{where}: {value!r} is not true or false")


def _ops(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",") if v.strip()]
    if not isinstance(value, list):
        raise SeedError(f"{where} must be a list such as [Alert, Report]")
    return frozenset(str(v).strip() for v in value)


def _matching_rules(value: Any, source: str) -> dict[str, MatchingRule]:
    out: dict[str, MatchingRule] = {}
    for i, item in enumerate(mapping_list(value, f"{source}: matchingRules")):
        where = f"{source}: matchingRules[{i}]"
        check_keys(item, _MATCHING_KEYS, where)
        name, obj = _names(item, where)
        if item.get("booleanFilter"):
            raise SeedError(
                f"{where}.booleanFilter is not supported by localorg; its items are AND-ed"
            )
        status = str(item.get("ruleStatus") or "Active")
        if status not in RULE_STATUSES:
            raise SeedError(
                f"{where}.ruleStatus {status!r} is not one of {', '.join(RULE_STATUSES)}"
            )
        fields, blanks = _matching_items(item.get("matchingRuleItems"), where)
        if name.lower() in out:
            raise SeedError(f"{where}.developerName: {name!r} is declared twice")
        label = str(item.get("label") or item.get("masterLabel") or name)
        out[name.lower()] = MatchingRule(
            name, obj, tuple(fields), label, status, match_blanks=frozenset(blanks)
        )
    return out


def _matching_items(value: Any, where: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(field, method) per ``matchingRuleItems`` entry, and the fields whose
    blankValueBehavior is MatchBlanks (NullNotAllowed when absent, as in Salesforce)."""
    fields: list[tuple[str, str]] = []
    blanks: list[str] = []
    for j, it in enumerate(mapping_list(value or [], f"{where}.matchingRuleItems")):
        iwhere = f"{where}.matchingRuleItems[{j}]"
        check_keys(it, _ITEM_KEYS, iwhere)
        if not it.get("fieldName"):
            raise SeedError(f"{iwhere}.fieldName is required")
        field_name = str(it["fieldName"]).strip()
        blank = str(it.get("blankValueBehavior") or "NullNotAllowed")
        if blank not in BLANK_BEHAVIORS:
            raise SeedError(
                f"{iwhere}.blankValueBehavior {blank!r} is not one of {', '.join(BLANK_BEHAVIORS)}"
            )
        if blank == "MatchBlanks":
            blanks.append(field_name)
        fields.append((field_name, str(it.get("matchingMethod") or "Exact")))
    return fields, blanks


def _duplicate_rule(
    item: dict[str, Any], where: str, matching: dict[str, MatchingRule]
) -> DuplicateRule:
    check_keys(item, _RULE_KEYS, where)
    name, obj = _names(item, where)
    refs = []
    mappings: dict[str, dict[str, str]] = {}
    for j, ref in enumerate(
        mapping_list(item.get("duplicateRuleMatchRules") or [], f"{where}.duplicateRuleMatchRules")
    ):
        rwhere = f"{where}.duplicateRuleMatchRules[{j}]"
        check_keys(ref, _MATCH_REF_KEYS, rwhere)
        mname = str(ref.get("matchingRule") or "").strip()
        mrule = matching.get(mname.lower())
        if mrule is None:
            raise SeedError(f"{rwhere}.matchingRule: {mname!r} is not declared under matchingRules")
        declared = ref.get("matchRuleSObjectType")
        if declared and str(declared).lower() != mrule.object_name.lower():
            raise SeedError(
                f"{rwhere}.matchRuleSObjectType: {declared!r} but {mname} belongs to {mrule.object_name}"
            )
        refs.append(mrule)
        mapping = ref.get("objectMapping")
        if mapping:
            if not isinstance(mapping, dict):
                raise SeedError(f"{rwhere}.objectMapping must be a mapping with mappingFields")
            check_keys(mapping, _MAPPING_KEYS, f"{rwhere}.objectMapping")
            pairs = mapping_list(
                mapping.get("mappingFields") or [], f"{rwhere}.objectMapping.mappingFields"
            )
            if not all(p.get("inputField") and p.get("outputField") for p in pairs):
                raise SeedError(
                    f"{rwhere}.objectMapping.mappingFields: each entry needs inputField and outputField"
                )
            mappings[mrule.developer_name] = {
                str(p["outputField"]): str(p["inputField"]) for p in pairs
            }
    filters: list[FilterItem] = []
    boolean_filter = None
    flt = item.get("duplicateRuleFilter")
    if flt:
        if not isinstance(flt, dict):
            raise SeedError(
                f"{where}.duplicateRuleFilter must be a mapping with duplicateRuleFilterItems"
            )
        check_keys(flt, _FILTER_KEYS, f"{where}.duplicateRuleFilter")
        boolean_filter = str(flt["booleanFilter"]) if flt.get("booleanFilter") else None
        raw = mapping_list(
            flt.get("duplicateRuleFilterItems") or [],
            f"{where}.duplicateRuleFilter.duplicateRuleFilterItems",
        )
        for k, fi in enumerate(sorted(raw, key=lambda x: int(x.get("sortOrder") or 0))):
            fwhere = f"{where}.duplicateRuleFilter.duplicateRuleFilterItems[{k}]"
            check_keys(fi, _FILTER_ITEM_KEYS, fwhere)
            if not fi.get("field") or not fi.get("operation"):
                raise SeedError(f"{fwhere}: field and operation are required")
            value = fi.get("value")
            filters.append(
                FilterItem(
                    str(fi["field"]),
                    str(fi["operation"]),
                    "" if value is None else str(value),
                    str(fi.get("table") or "User"),
                )
            )
    try:
        sort_order = int(item.get("sortOrder", 1))
    except (TypeError, ValueError):
        raise SeedError(f"{where}.sortOrder must be a whole number") from None
    return DuplicateRule(
        developer_name=name,
        object_name=obj,
        matching_rules=tuple(refs),
        label=str(item.get("label") or item.get("masterLabel") or name),
        active=_flag(item.get("isActive", True), f"{where}.isActive"),
        action_on_insert=str(item.get("actionOnInsert") or "Allow"),
        action_on_update=str(item.get("actionOnUpdate") or "Allow"),
        operations_on_insert=_ops(
            item.get("operationsOnInsert", ["Alert", "Report"]), f"{where}.operationsOnInsert"
        ),
        operations_on_update=_ops(
            item.get("operationsOnUpdate", ["Alert", "Report"]), f"{where}.operationsOnUpdate"
        ),
        alert_text=str(item.get("alertText") or DEFAULT_ALERT_TEXT),
        filters=tuple(filters),
        boolean_filter=boolean_filter,
        security_option=str(item.get("securityOption") or "EnforceSharingRules"),
        sort_order=sort_order,
        mappings=mappings,
    )
