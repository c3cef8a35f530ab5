"""What duplicate rules look like from outside: the REST ``duplicateResut`` error body, the UI
API ``ui-api/duplicates/{object}`` body and the DuplicateRule / MatchingRule /
MatchingRuleItem sObject rows.

Split from :mod:`sfclean.localorg.rules` (which decides *whether* a save stops); this module
only renders shapes, as documented in shared/reference/salesforce-facts.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sfclean.localorg.rulemodel import DuplicateRule, MatchingRule, RuleMatch
from sfclean.localorg.schema import object_type
from sfclean.localorg.types import DuplicateHeader

__all__ = ["duplicate_result", "rule_sobject_rows", "ui_api_body"]


def duplicate_result(
    rule: DuplicateRule,
    match: RuleMatch,
    *,
    operation: str,
    api_version: str,
    header: DuplicateHeader,
    object_name: str,
) -> dict[str, Any]:
    """The ``duplicateResut`` body of a REST single-record save that ``rule`` stopped; the
    matched records carry their matching fields when the header asks includeRecordDetails."""
    results = []
    for mrule in rule.matching_rules:
        rows = match.matches.get(mrule.developer_name)
        if not rows:
            continue
        records = []
        for row in rows:
            rec: dict[str, Any] = {
                "attributes": {
                    "type": mrule.object_name,
                    "url": f"/services/data/v{api_version}/sobjects/{mrule.object_name}/{row['Id']}",
                },
                "Id": row["Id"],
            }
            if header.include_record_details:
                rec.update({f: row.get(f) for f in mrule.field_names})
            records.append(
                {
                    "additionalInformation": [],
                    "fieldDiffs": [],
                    "matchConfidence": 100.0,
                    "record": rec,
                }
            )
        results.append(
            {
                "entityType": mrule.object_name,
                "errors": [],
                "matchEngine": "ExactMatchEngine",
                "matchRecords": records,
                "rule": mrule.developer_name,
                "size": len(records),
                "success": True,
            }
        )
    obj = object_type(object_name)
    return {
        "allowSave": rule.action(operation) == "Allow",
        "duplicateRule": rule.developer_name,
        "duplicateRuleEntityType": obj.name if obj else object_name,
        "errorMessage": rule.alert_text,
        "matchResults": results,
    }


def ui_api_body(object_name: str, rules: Sequence[DuplicateRule]) -> dict[str, Any]:
    """``GET ui-api/duplicates/{object}`` for the object's active ``rules``.

    ``duplicateRuleFilters``: ``[{"booleanFilter", "filterItems": [{"field", "operation",
    "sortOrder", "value"}]}]``: the UI API's Duplicate Rule Filter Item has no ``table``
    (audit-scan-facts.md section 3.2; the Metadata API has it). Whether a Current-User
    condition's ``field`` is prefixed there is UNCONFIRMED: localorg gives it unprefixed."""
    dedupe_fields: list[str] = []
    out_rules = []
    for rule in rules:
        match_rules = []
        for m in rule.matching_rules:
            for f in m.field_names:
                src = rule.input_field(m, f)
                if src not in dedupe_fields:
                    dedupe_fields.append(src)
            match_rules.append(
                {
                    "matchEngine": "ExactMatchEngine",
                    "matchFields": m.field_names,
                    "name": m.developer_name,
                    "objectApiName": m.object_name,
                }
            )
        filters = []
        if rule.filters:
            items = [
                {"field": i.field, "operation": i.operation, "sortOrder": n, "value": i.value}
                for n, i in enumerate(rule.filters, start=1)
            ]
            filters.append({"booleanFilter": rule.boolean_filter, "filterItems": items})
        out_rules.append(
            {
                "actionOnInsert": rule.action_on_insert,
                "actionOnUpdate": rule.action_on_update,
                "active": rule.active,
                "duplicateRuleFilters": filters,
                "matchRules": match_rules,
                "name": rule.developer_name,
                "operationsOnInsert": sorted(rule.operations_on_insert),
                "operationsOnUpdate": sorted(rule.operations_on_update),
            }
        )
    return {
        "apiName": object_name,
        "dedupeEnabled": bool(rules),
        "dedupeFields": dedupe_fields,
        "duplicateRules": out_rules,
        "predupeEnabled": bool(rules),
    }


def rule_sobject_rows(
    rules: Sequence[DuplicateRule],
    matching_rules: Sequence[MatchingRule],
    item_ids: dict[str, list[str]],
    *,
    created_by: str | None,
    created_date: str | None,
) -> dict[str, list[dict[str, Any]]]:
    """DuplicateRule, MatchingRule and MatchingRuleItem rows to load into the store (the
    DuplicateRule sObject has no action fields: those live in metadata only). ``item_ids``
    maps a matching rule's developer name to its items' Ids."""
    audit = {
        "CreatedById": created_by,
        "CreatedDate": created_date,
        "LastModifiedById": created_by,
        "LastModifiedDate": created_date,
        "SystemModstamp": created_date,
    }
    dup = [
        {
            "Id": r.record_id,
            "DeveloperName": r.developer_name,
            "MasterLabel": r.label or r.developer_name,
            "SobjectType": r.object_name,
            "SobjectSubtype": None,
            "IsActive": r.active,
            "NamespacePrefix": None,
            **audit,
        }
        for r in rules
    ]
    mrows, items = [], []
    for m in matching_rules:
        mrows.append(
            {
                "Id": m.record_id,
                "DeveloperName": m.developer_name,
                "MasterLabel": m.label or m.developer_name,
                "SobjectType": m.object_name,
                "RuleStatus": m.status,
                "MatchEngine": "ExactMatchEngine",
                "BooleanFilter": None,
                "NamespacePrefix": None,
                **audit,
            }
        )
        for i, (fname, method) in enumerate(m.fields, start=1):
            items.append(
                {
                    "Id": item_ids[m.developer_name][i - 1],
                    "MatchingRuleId": m.record_id,
                    "Field": fname,
                    "MatchingMethod": method,
                    "BlankValueBehavior": m.blank_behavior(fname),
                    "SortOrder": i,
                    **audit,
                }
            )
    return {"DuplicateRule": dup, "MatchingRule": mrows, "MatchingRuleItem": items}
