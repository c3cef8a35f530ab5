"""Duplicate rules and matching rules: their model, their configuration and their evaluation.

What a save does when a record matches existing records (Metadata API DuplicateRule page,
summarised in shared/reference/salesforce-facts.md):

- ``Block``: the save fails with ``DUPLICATES_DETECTED`` on every API.
- ``Allow`` with the ``Alert`` operation: the save fails on ``rest``, ``collections`` and
  ``composite`` unless the request sent ``Sforce-Duplicate-Rule-Header: allowSave=true``; on
  ``bulk1``/``bulk2`` (which have no such header) the row always fails.
- ``Allow`` without ``Alert``: saved silently. With ``Report`` a DuplicateRecordSet
  (``DRS-00001``) and one DuplicateRecordItem per record (the new one and its matches) are
  written after the save (:meth:`RuleSet.record_report`).
- Records of one call are never compared with each other, only with the store as it was before
  the call (for updates, the other records of the same call are skipped as matches too).

Matching (``Exact`` method only): a record matches a candidate when every field of the
matching rule matches (fields AND-ed). A field matches when both values are non-blank and
equal case-insensitively on their first 99 characters; under BlankValueBehavior
``MatchBlanks`` it also matches when both are blank (one blank value never matches:
Salesforce Help, "Matching Criteria in Matching Rules"); under ``NullNotAllowed`` (the
default) a blank value matches nothing. A duplicate rule fires when any of its (at most 3)
matching rules finds a match; a matching rule whose RuleStatus is not ``Active`` (Inactive,
Activating, Deactivating, ActivationFailed, DeactivationFailed) finds nothing, so an active
duplicate rule over only such matching rules never fires (localorg's choice: what a real org
does in that state is UNCONFIRMED). A matching rule may belong to another object
(a Lead rule matching Contacts); ``objectMapping`` says which field of the saved record feeds
which field of the other object (same field name when absent). At most the first 100
candidates per match key are considered (``MAX_CANDIDATES``).

Conditions (``duplicateRuleFilter``): items with ``table: User`` are evaluated against the
saving user (``Profile.Name``, ``Username``, ``Id``, ``ProfileId``, ``UserType`` ...), items
with another table against the saved record; combined with ``booleanFilter`` ("1 AND (2 OR
3)", AND of all when absent). The rule runs only when the conditions hold, so
``Profile.Name notEqual Integration User`` exempts integration users. Operations: equals,
notEqual (comma-separated values mean "any of" / "none of"), contains, notContain,
startsWith; comparisons are case-insensitive.

Visibility (``securityOption``), localorg's model: a user sees a record they own
(``OwnerId``) or created (``CreatedById``), and sees every record when their profile's
permission set or an assigned permission set grants ``PermissionsViewAllData`` or
``PermissionsModifyAllData``. Under ``EnforceSharingRules`` matches the user cannot see do
not count (the save goes through silently); under ``BypassSharingRules`` every match counts.
Real orgs also apply sharing rules, roles and org-wide defaults; localorg does not model them.

Several rules: active rules of the object run in ``sortOrder``; the first rule that stops the
save supplies the error. ``runAsCurrentUser`` is accepted and ignored (API saves always run as
the calling user here).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sfclean.localorg.ids import IdFactory
from sfclean.localorg.rulemodel import (
    API_KINDS,
    DEFAULT_ALERT_TEXT,
    MATCH_PREFIX,
    MAX_ACTIVE_RULES_PER_OBJECT,
    MAX_CANDIDATES,
    MAX_MATCHING_RULES,
    DuplicateRule,
    FilterItem,
    MatchingRule,
    RuleMatch,
    RuleOutcome,
    conditions_hold,
    lookup_ci,
    match_key,
    validate_rules,
)
from sfclean.localorg.ruleshapes import duplicate_result, rule_sobject_rows, ui_api_body
from sfclean.localorg.schema import object_type
from sfclean.localorg.types import DuplicateHeader, SfError
from sfclean.localorg.validate import sf_datetime

__all__ = [
    "API_KINDS",
    "DEFAULT_ALERT_TEXT",
    "MATCH_PREFIX",
    "MAX_ACTIVE_RULES_PER_OBJECT",
    "MAX_CANDIDATES",
    "MAX_MATCHING_RULES",
    "DuplicateRule",
    "FilterItem",
    "MatchingRule",
    "RuleMatch",
    "RuleOutcome",
    "RuleSet",
    "match_key",
]

_HEADER_APIS = frozenset({"rest", "collections", "composite"})
_DETAIL_APIS = frozenset({"rest", "composite"})  # answers that carry the duplicateResut body

# --- store access ----------------------------------------------------------------------------


def _sql(store: Any, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    with store.lock:
        return list(store.conn.execute(sql, tuple(params)).fetchall())


@dataclass
class _UserContext:
    row: dict[str, Any]
    sees_all: bool

    @property
    def id(self) -> str:
        return str(self.row.get("Id") or "")


def _user_context(store: Any, user: dict[str, Any]) -> _UserContext:
    """The saving user plus ``Profile.Name`` and whether they see every record."""
    row = dict(user)
    profile_id = row.get("ProfileId")
    if "Profile.Name" not in row:
        name = None
        if profile_id:
            found = _sql(store, 'SELECT Name FROM "Profile" WHERE Id = ?', [profile_id])
            name = found[0][0] if found else None
        row["Profile.Name"] = name
    row.setdefault("Profile", row["Profile.Name"])
    sees_all = bool(
        _sql(
            store,
            'SELECT 1 FROM "PermissionSet" WHERE (PermissionsViewAllData = 1 OR PermissionsModifyAllData = 1)'
            ' AND (Id IN (SELECT PermissionSetId FROM "PermissionSetAssignment" WHERE AssigneeId = ?)'
            " OR (IsOwnedByProfile = 1 AND ProfileId = ?)) LIMIT 1",
            [row.get("Id"), profile_id],
        )
    )
    return _UserContext(row, sees_all)


def _find_candidates(
    store: Any, object_name: str, fields: list[str], values: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Rows of ``object_name`` whose ``fields[0]`` matches one of ``values`` (first 99
    characters, case-insensitive), keyed by :func:`match_key`; each row has Id, OwnerId,
    CreatedById and ``fields``; at most ``MAX_CANDIDATES`` rows per key, in Id order."""
    first, rest = fields[0], fields[1:]
    found = store.find_equal_ci(
        object_name, first, values, prefix_len=MATCH_PREFIX, extra_fields=rest
    )
    rows = sorted((r for group in found.values() for r in group), key=lambda r: r["Id"])
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        key = match_key(r.get(first))
        if key is not None:
            group = out.setdefault(key, [])
            if len(group) < MAX_CANDIDATES:
                group.append(r)
    return out


_ALL_BLANK = ""  # the pool key of records blank in every field (a match key is never "")


def _record_keys(
    rule: DuplicateRule, mrule: MatchingRule, record: dict[str, Any]
) -> list[str | None] | None:
    """The record's match key per field of ``mrule`` (None: blank in a MatchBlanks field), or
    None when a NullNotAllowed field is blank: then the record matches nothing."""
    keys: list[str | None] = []
    for f in mrule.field_names:
        key = match_key(lookup_ci(record, rule.input_field(mrule, f)))
        if key is None and not mrule.matches_blanks(f):
            return None
        keys.append(key)
    return keys


def _lead(keys: list[str | None]) -> int | None:
    """The field a record's candidates are looked up by: its first non-blank one."""
    return next((i for i, k in enumerate(keys) if k is not None), None)


def _candidate_pools(
    store: Any,
    rule: DuplicateRule,
    mrule: MatchingRule,
    records: list[dict[str, Any]],
    keys: list[list[str | None] | None],
) -> dict[int | None, dict[str, list[dict[str, Any]]]]:
    """Candidates per lead field (:func:`_lead`), keyed by the lead field's match key; records
    blank in every (MatchBlanks) field share the pool ``None`` -> ``_ALL_BLANK``: the rows
    blank in all of them."""
    names = mrule.field_names
    wanted: dict[int | None, set[str]] = {}
    for rec, ks in zip(records, keys, strict=True):
        if ks is None:
            continue
        lead = _lead(ks)
        values = wanted.setdefault(lead, set())
        if lead is not None:
            values.add(str(lookup_ci(rec, rule.input_field(mrule, names[lead]))))
    pools: dict[int | None, dict[str, list[dict[str, Any]]]] = {}
    for lead, values in wanted.items():
        if lead is None:
            rows = store.find_blank(mrule.object_name, names, limit=MAX_CANDIDATES)
            pools[None] = {_ALL_BLANK: rows}
        else:
            order = [names[lead], *(n for i, n in enumerate(names) if i != lead)]
            pools[lead] = _find_candidates(store, mrule.object_name, order, sorted(values))
    return pools


# --- the rule set ----------------------------------------------------------------------------


class RuleSet:
    """The org's duplicate rules; validates limits on construction (SeedError)."""

    def __init__(self, rules: list[DuplicateRule], *, ids: IdFactory | None = None) -> None:
        validate_rules(rules)
        self._ids = ids or IdFactory(pod="dr")
        self.rules = sorted(rules, key=lambda r: (r.object_name, r.sort_order))
        minted: dict[str, MatchingRule] = {}
        for rule in self.rules:
            if rule.record_id is None:
                rule.record_id = self._ids.new("0Bm")
            new = []
            for m in rule.matching_rules:
                known = minted.get(m.developer_name.lower())
                if known is None:
                    known = m if m.record_id else _with_id(m, self._ids.new("0JD"))
                    minted[m.developer_name.lower()] = known
                new.append(known)
            rule.matching_rules = tuple(new)
        self.matching_rules = list(minted.values())
        self._item_ids = {
            m.developer_name: [self._ids.new("0JE") for _ in m.fields] for m in self.matching_rules
        }
        self._report_lock = threading.Lock()

    def for_object(self, object_name: str, *, active_only: bool = True) -> list[DuplicateRule]:
        lname = object_name.lower()
        return [
            r
            for r in self.rules
            if r.object_name.lower() == lname and (r.active or not active_only)
        ]

    # -- evaluation ---------------------------------------------------------------------------

    def check(
        self,
        store: Any,
        object_name: str,
        records: list[dict[str, Any]],
        *,
        user: dict[str, Any],
        duplicate_header: DuplicateHeader | None,
        api: str,
        operation: str = "insert",
        api_version: str = "62.0",
    ) -> list[RuleOutcome]:
        """One :class:`RuleOutcome` per record, judged against the store before this call."""
        if api not in API_KINDS:
            raise ValueError(f"api must be one of {sorted(API_KINDS)}, not {api!r}")
        if operation not in ("insert", "update"):
            raise ValueError(f"operation must be insert or update, not {operation!r}")
        outcomes = [RuleOutcome() for _ in records]
        rules = self.for_object(object_name)
        if not rules or not records:
            return outcomes
        ctx = _user_context(store, user)
        same_call = {r["Id"] for r in records if r.get("Id")}
        header = duplicate_header or DuplicateHeader()
        for rule in rules:
            applies = [conditions_hold(rule, ctx.row, rec) for rec in records]
            if not any(applies):
                continue
            found = self._matches(store, rule, records, applies, ctx, same_call)
            stop = self._stops(rule, operation, api, header)
            for idx, per_rule in found.items():
                match = RuleMatch(rule, per_rule)
                outcome = outcomes[idx]
                outcome.matches.append(match)
                if stop and outcome.block is None:
                    outcome.block = self._error(
                        rule, match, operation, api, api_version, header, object_name
                    )
                elif (
                    not stop
                    and rule.action(operation) == "Allow"
                    and "Report" in rule.operations(operation)
                ):
                    outcome.report.append(match)
        for outcome in outcomes:
            if outcome.block is not None:
                outcome.report = []
        return outcomes

    @staticmethod
    def _stops(rule: DuplicateRule, operation: str, api: str, header: DuplicateHeader) -> bool:
        if rule.action(operation) == "Block":
            return True
        if "Alert" not in rule.operations(operation):
            return False
        return api not in _HEADER_APIS or not header.allow_save

    def _matches(
        self,
        store: Any,
        rule: DuplicateRule,
        records: list[dict[str, Any]],
        applies: list[bool],
        ctx: _UserContext,
        same_call: set[str],
    ) -> dict[int, dict[str, list[dict[str, Any]]]]:
        found: dict[int, dict[str, list[dict[str, Any]]]] = {}
        for mrule in rule.matching_rules:
            if not mrule.active:
                continue  # a matching rule whose RuleStatus is not Active finds nothing
            names = mrule.field_names
            keys = [
                _record_keys(rule, mrule, rec) if ok else None
                for rec, ok in zip(records, applies, strict=True)
            ]
            pools = _candidate_pools(store, rule, mrule, records, keys)
            for idx, ks in enumerate(keys):
                if ks is None:
                    continue
                lead = _lead(ks)
                pool = pools.get(lead, {}).get(_ALL_BLANK if lead is None else str(ks[lead]), [])
                own = records[idx].get("Id")
                hits = [
                    c
                    for c in pool
                    if c["Id"] != own
                    and c["Id"] not in same_call
                    and all(match_key(lookup_ci(c, f)) == k for f, k in zip(names, ks, strict=True))
                    and (rule.security_option == "BypassSharingRules" or _visible(c, ctx))
                ]
                if hits:
                    found.setdefault(idx, {})[mrule.developer_name] = hits
        return found

    @staticmethod
    def _error(
        rule: DuplicateRule,
        match: RuleMatch,
        operation: str,
        api: str,
        api_version: str,
        header: DuplicateHeader,
        object_name: str,
    ) -> SfError:
        if api not in _DETAIL_APIS:
            return SfError("DUPLICATES_DETECTED", rule.alert_text, [])
        body = duplicate_result(
            rule,
            match,
            operation=operation,
            api_version=api_version,
            header=header,
            object_name=object_name,
        )
        return SfError("DUPLICATES_DETECTED", rule.alert_text, [], duplicate_result=body)

    # -- reporting ----------------------------------------------------------------------------

    def record_report(
        self,
        store: Any,
        ids: IdFactory,
        saved: list[tuple[dict[str, Any], RuleOutcome]],
        *,
        user_id: str,
        now: str | datetime,
    ) -> None:
        """Write one DuplicateRecordSet per (saved record, reporting rule) and its items."""
        stamp = _sf_datetime(now)
        audit = {
            "CreatedById": user_id,
            "CreatedDate": stamp,
            "LastModifiedById": user_id,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
        }
        sets: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        with self._report_lock:
            n_set = store.count("DuplicateRecordSet")
            n_item = store.count("DuplicateRecordItem")
            for row, outcome in saved:
                for match in outcome.report:
                    members = [row["Id"], *[i for i in match.record_ids if i != row["Id"]]]
                    n_set += 1
                    set_id = ids.new("0GK")
                    sets.append(
                        {
                            "Id": set_id,
                            "Name": f"DRS-{n_set:05d}",
                            "DuplicateRuleId": match.rule.record_id,
                            "RecordCount": len(members),
                            **audit,
                        }
                    )
                    for member in members:
                        n_item += 1
                        items.append(
                            {
                                "Id": ids.new("0GL"),
                                "Name": f"DRI-{n_item:05d}",
                                "DuplicateRecordSetId": set_id,
                                "RecordId": member,
                                **audit,
                            }
                        )
            if sets:
                store.insert("DuplicateRecordSet", sets)
                store.insert("DuplicateRecordItem", items)

    # -- describing ---------------------------------------------------------------------------

    def ui_api(self, object_name: str) -> dict[str, Any]:
        """``GET ui-api/duplicates/{object}``: the Duplicates Configuration body (active rules
        only, as the UI API documents); see :func:`~sfclean.localorg.ruleshapes.ui_api_body`."""
        obj = object_type(object_name)
        name = obj.name if obj else object_name
        return ui_api_body(name, self.for_object(name))

    def sobject_rows(
        self, *, created_by: str | None = None, created_date: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """DuplicateRule, MatchingRule and MatchingRuleItem rows to load into the store."""
        return rule_sobject_rows(
            self.rules,
            self.matching_rules,
            self._item_ids,
            created_by=created_by,
            created_date=created_date,
        )


def _with_id(m: MatchingRule, record_id: str) -> MatchingRule:
    return replace(m, record_id=record_id)


def _visible(row: dict[str, Any], ctx: _UserContext) -> bool:
    return ctx.sees_all or ctx.id in (row.get("OwnerId"), row.get("CreatedById"))


def _sf_datetime(value: str | datetime) -> str:
    return value if isinstance(value, str) else sf_datetime(value)
