"""Why a cluster got in: the org's duplicate-rule state, read cheaply, linked to each cluster.

Read once per scan (:func:`read_rules`):

- one SOQL over ``DuplicateRule`` (audit-scan-facts.md §3.1): every Lead/Contact rule, active
  or not, with ``LastModifiedBy.Username`` and ``LastModifiedDate`` (who switched it off);
- one UI API call per object, ``GET ui-api/duplicates/{object}`` (§3.2): the active rules'
  actions, operations, conditions and matching rules' objects. Its permission is UNCONFIRMED;
  when the org refuses it, only the SOQL's facts are used and the report says why;
- one SOQL over ``MatchingRule`` (§3.4): each matching rule's ``RuleStatus``. An active
  duplicate rule none of whose matching rules is Active is taken as off (what the org does
  then is UNCONFIRMED, and the message says so).

Then per cluster (:func:`cluster_causes`), for each **newer** record (not the cluster's
oldest) of object *o*, as the rules stand at scan time (they may have changed since the
record was saved):

- ``cause-rule-off``: *o* has no active rule (or only active rules whose matching rules are
  none of them Active);
- ``cause-silent-rule``: every active rule on *o* Allows inserts without Alert;
- ``cause-excluded-creator``: the record's creator fails the user conditions (``Username``,
  ``Profile.Name``, ``UserType``, ``Alias``, ``Id``) of every active rule on *o* that blocks
  or alerts. Conditions on the record's own fields are taken as met; a rule with a custom
  ``booleanFilter`` is not evaluated (it counts as running, and the message says review).
  Whether the UI API prefixes Current-User fields is UNCONFIRMED: ``$User.``/``User.``
  prefixes are stripped;
- ``cause-no-cross-object-rule``: the cluster also holds the other of Lead/Contact and no
  active rule on *o* that blocks or alerts matches that object;
- ``cause-claimed-creator``: the creator holds Set Audit Fields.

:data:`AUDIT_CODES` names, per cause, the ``sfclean audit`` findings about the same state
(report.json's ``causes`` carries them), so a nightly scan points at the audit check to run.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from sfclean.codes import (
    CAUSE_CLAIMED_CREATOR,
    CAUSE_EXCLUDED_CREATOR,
    CAUSE_NO_CROSS_OBJECT_RULE,
    CAUSE_RULE_OFF,
    CAUSE_SILENT_RULE,
    CODES,
    MATCHING_RULE_INACTIVE,
    NO_ACTIVE_RULE,
    NO_CROSS_OBJECT_RULE,
    RULE_ALLOW_SILENT,
    RULE_EXCLUDES_USERS,
    RULE_INACTIVE,
    SCAN_CAUSES,
    USER_CAN_SET_AUDIT_FIELDS,
)
from sfclean.errors import ApiError
from sfclean.salesforce import Connection
from sfclean.stages.lookup import soql_literal

__all__ = ["AUDIT_CODES", "Rule", "RuleState", "cluster_causes", "read_rules"]

#: The audit findings (``sfclean audit``) that report the state each cause stems from.
AUDIT_CODES: dict[str, tuple[str, ...]] = {
    CAUSE_RULE_OFF: (RULE_INACTIVE, NO_ACTIVE_RULE, MATCHING_RULE_INACTIVE),
    CAUSE_SILENT_RULE: (RULE_ALLOW_SILENT,),
    CAUSE_EXCLUDED_CREATOR: (RULE_EXCLUDES_USERS,),
    CAUSE_NO_CROSS_OBJECT_RULE: (NO_CROSS_OBJECT_RULE,),
    CAUSE_CLAIMED_CREATOR: (USER_CAN_SET_AUDIT_FIELDS,),
}

_USER_FIELDS = {
    "username": "created_by",
    "profile.name": "profile",
    "profile": "profile",
    "usertype": "user_type",
    "id": "CreatedById",
}
_PREFIX = re.compile(r"^\$?(?:user\.)", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """One duplicate rule as the scan sees it. ``action`` / ``operations``: on insert (None
    when the UI API could not be read); ``filters``: ``(field, operation, value)`` items;
    ``match_objects``: objects its matching rules compare with."""

    rule_id: str
    name: str
    object_name: str
    active: bool
    last_modified_by: str = ""
    last_modified: str = ""
    action: str | None = None
    operations: frozenset[str] = frozenset()
    filters: tuple[tuple[str, str, str], ...] = ()
    boolean_filter: str | None = None
    match_objects: frozenset[str] = frozenset()
    match_status: tuple[tuple[str, str], ...] = ()  # (matching rule, RuleStatus) when read

    @property
    def compares_nothing(self) -> bool:
        """Its matching rules were read and none of them is Active."""
        return bool(self.match_status) and all(
            status.lower() != "active" for _, status in self.match_status
        )

    @property
    def stops(self) -> bool:
        """An API insert of a duplicate fails: Block, or Allow with Alert."""
        return self.action == "Block" or "alert" in self.operations

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (report.json's ``rules``)."""
        return {
            "id": self.rule_id,
            "name": self.name,
            "object": self.object_name,
            "active": self.active,
            "action_on_insert": self.action,
            "operations_on_insert": sorted(self.operations),
            "conditions": [" ".join(f) for f in self.filters],
            "compares_with": sorted(self.match_objects),
            "matching_rules": [f"{name} ({status})" for name, status in self.match_status],
            "last_modified_by": self.last_modified_by,
            "last_modified": self.last_modified,
        }


@dataclass(frozen=True)
class RuleState:
    """The org's Lead/Contact duplicate rules and what could not be read (``problems``)."""

    rules: tuple[Rule, ...] = ()
    problems: tuple[str, ...] = ()
    details_read: frozenset[str] = field(default_factory=frozenset)

    def on(self, object_name: str, *, active: bool | None = None) -> list[Rule]:
        """The rules on ``object_name`` (only active / inactive ones when asked)."""
        return [
            r
            for r in self.rules
            if r.object_name == object_name and (active is None or r.active == active)
        ]

    def active_rule_id(self, object_name: str) -> str | None:
        """The Id of the object's first active rule, else None."""
        active = self.on(object_name, active=True)
        return active[0].rule_id if active else None


def _soql_rules(conn: Connection, objects: Sequence[str]) -> list[dict[str, Any]]:
    listed = ", ".join(soql_literal(o) for o in objects)
    soql = (
        "SELECT Id, DeveloperName, IsActive, SobjectType, LastModifiedDate, "
        f"LastModifiedBy.Username FROM DuplicateRule WHERE SobjectType IN ({listed})"
    )
    return list(conn.query_all_iter(soql))


def _details(body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """UI API rules by name: action, operations, filters, compared objects."""
    out: dict[str, dict[str, Any]] = {}
    for rule in body.get("duplicateRules") or []:
        filters: list[tuple[str, str, str]] = []
        boolean = None
        for group in rule.get("duplicateRuleFilters") or []:
            boolean = group.get("booleanFilter") or boolean
            for item in group.get("filterItems") or []:
                filters.append(
                    (str(item.get("field")), str(item.get("operation")), str(item.get("value")))
                )
        out[str(rule.get("name"))] = {
            "action": str(rule.get("actionOnInsert") or ""),
            "operations": frozenset(str(o).lower() for o in rule.get("operationsOnInsert") or []),
            "filters": tuple(filters),
            "boolean_filter": boolean,
            "match_objects": frozenset(
                str(m.get("objectApiName")) for m in rule.get("matchRules") or []
            ),
            "match_names": tuple(str(m.get("name")) for m in rule.get("matchRules") or []),
        }
    return out


def _match_status(conn: Connection, problems: list[str]) -> dict[str, str]:
    """``RuleStatus`` by matching rule DeveloperName (lowercased); {} when refused."""
    soql = "SELECT DeveloperName, RuleStatus FROM MatchingRule"
    try:
        rows = conn.query_all_iter(soql)
        return {str(r["DeveloperName"]).lower(): str(r.get("RuleStatus") or "") for r in rows}
    except ApiError as exc:
        problems.append(f"MatchingRule could not be read ({exc.error_code})")
        return {}


def _with_details(rule: Rule, found: dict[str, Any] | None, status: dict[str, str]) -> Rule:
    if found is None:
        return rule
    found = dict(found)
    names = found.pop("match_names")
    known = tuple((n, status[n.lower()]) for n in names if n.lower() in status)
    return replace(rule, **found, match_status=known if len(known) == len(names) else ())


def read_rules(conn: Connection, objects: Sequence[str]) -> RuleState:
    """The rule state of ``objects`` (module docstring); never raises for a refused read."""
    wanted = [o for o in objects if o in ("Lead", "Contact")] or list(objects)
    problems: list[str] = []
    try:
        rows = _soql_rules(conn, wanted)
    except ApiError as exc:
        return RuleState(problems=(f"DuplicateRule could not be read ({exc.error_code})",))
    details: dict[tuple[str, str], dict[str, Any]] = {}
    read: set[str] = set()
    for name in wanted:
        try:
            body = conn.request("GET", f"ui-api/duplicates/{name}").json()
        except ApiError as exc:
            problems.append(f"ui-api/duplicates/{name} could not be read ({exc.error_code})")
            continue
        details.update({(name, k): v for k, v in _details(body).items()})
        read.add(name)
    status = _match_status(conn, problems) if details else {}
    rules = []
    for row in rows:
        obj, dev = str(row.get("SobjectType")), str(row.get("DeveloperName"))
        modifier = row.get("LastModifiedBy") or {}
        rule = Rule(
            str(row["Id"]),
            dev,
            obj,
            bool(row.get("IsActive")),
            str(modifier.get("Username") or "") if isinstance(modifier, dict) else "",
            str(row.get("LastModifiedDate") or ""),
        )
        rules.append(_with_details(rule, details.get((obj, dev)), status))
    return RuleState(tuple(rules), tuple(problems), frozenset(read))


def _passes(item: tuple[str, str, str], creator: Mapping[str, str]) -> bool | None:
    """Whether ``creator`` meets one condition; None when it is not about the user."""
    name, operation, value = item
    column = _USER_FIELDS.get(_PREFIX.sub("", name).lower())
    if column is None:
        return None
    actual = creator.get(column, "").lower()
    values = [v.strip().lower() for v in value.split(",")]
    op = operation.lower()
    if op == "equals":
        return actual in values
    if op == "notequal":
        return actual not in values
    if op == "contains":
        return any(v in actual for v in values)
    if op == "notcontain":
        return not any(v in actual for v in values)
    if op == "startswith":
        return any(actual.startswith(v) for v in values)
    return None


def _excludes(rule: Rule, creator: Mapping[str, str]) -> bool:
    """The rule's conditions (AND of every item) leave ``creator`` out."""
    if rule.boolean_filter:
        return False
    return any(_passes(item, creator) is False for item in rule.filters)


def _record_causes(
    obj: str, creator: Mapping[str, str], earlier: set[str], state: RuleState
) -> list[tuple[str, str]]:
    """(code, message) for one newer record of object ``obj``; ``earlier``: the objects
    of the cluster's records created before it."""
    if obj not in state.details_read and not state.on(obj):
        return []
    active = [r for r in state.on(obj, active=True) if not r.compares_nothing]
    if not active:
        off = state.on(obj, active=False)
        named = ", ".join(
            f"{r.name} (off; last changed by {r.last_modified_by or '?'} {r.last_modified[:10]})"
            for r in off
        )
        idle = [r for r in state.on(obj, active=True) if r.compares_nothing]
        if idle:
            said = "; ".join(
                f"{r.name} (active, but its matching rules are not Active: "
                + ", ".join(f"{n} {s}" for n, s in r.match_status)
                + "; UNCONFIRMED whether it then compares anything)"
                for r in idle
            )
            named = f"{named}; {said}" if named else said
        return [
            (CAUSE_RULE_OFF, f"no active duplicate rule on {obj}" + (f": {named}" if named else ""))
        ]
    if obj not in state.details_read:
        return []
    out: list[tuple[str, str]] = []
    stopping = [r for r in active if r.stops]
    if not stopping:
        names = ", ".join(r.name for r in active)
        out.append((CAUSE_SILENT_RULE, f"{obj} rules {names} allow duplicates without an alert"))
        return out
    running = [r for r in stopping if not _excludes(r, creator)]
    if not running:
        names = ", ".join(r.name for r in stopping)
        who = creator.get("created_by") or creator.get("CreatedById", "")
        out.append((CAUSE_EXCLUDED_CREATOR, f"{who} is excluded by the conditions of {names}"))
    cross = earlier - {obj}
    compared = set().union(*(r.match_objects for r in running or stopping))
    for other in sorted(cross - compared):
        out.append(
            (CAUSE_NO_CROSS_OBJECT_RULE, f"no active {obj} rule that stops saves compares {other}")
        )
    return out


def cluster_causes(
    members: pd.DataFrame, state: RuleState, claimed: Collection[str] = frozenset()
) -> pd.DataFrame:
    """One row per (cluster, cause): ``cluster``, ``Id`` (the first newer record it
    concerns, oldest first), ``code``, ``message``, ``severity``, from the engine's members
    (``cluster, object, Id, CreatedById, created_by, user_type, profile, created, oldest``)
    and the rule state. A newer record is compared with the objects of the records created
    before it (the ones its save could have matched)."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    by_age = members.sort_values(["cluster", "created", "Id"], na_position="last", kind="stable")
    earlier: dict[str, set[str]] = {}  # cluster -> objects of the records created so far
    claimed_ids = set(claimed)
    for row in by_age.itertuples(index=False):
        cluster, obj = str(row.cluster), str(row.object)
        seen = earlier.setdefault(cluster, set())
        if not bool(row.oldest):
            creator = {
                "created_by": str(row.created_by),
                "profile": str(row.profile),
                "user_type": str(row.user_type),
                "CreatedById": str(row.CreatedById),
            }
            causes = _record_causes(obj, creator, set(seen), state)
            if creator["CreatedById"] in claimed_ids:
                message = f"{creator['created_by']} holds Set Audit Fields"
                causes.append((CAUSE_CLAIMED_CREATOR, message))
            for code, message in causes:
                found.setdefault((cluster, code), (str(row.Id), message))
        seen.add(obj)
    order = {code: i for i, code in enumerate(SCAN_CAUSES)}
    rows = sorted(
        ((c, rid, code, msg) for (c, code), (rid, msg) in found.items()),
        key=lambda r: (r[0], order[r[2]]),
    )
    table = pd.DataFrame(rows, columns=["cluster", "Id", "code", "message"], dtype=object)
    table["severity"] = [CODES.get(code, "finding").severity for code in table["code"]]
    return table
