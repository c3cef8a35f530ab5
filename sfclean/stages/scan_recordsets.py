"""``write_record_sets``: one DuplicateRecordSet with its DuplicateRecordItems per cluster, so
admins review sfclean's clusters in Salesforce's own Duplicate Record Sets UI and reports.

Facts (audit-scan-facts.md §3.5): both objects are createable (API 32+); a set's
``DuplicateRuleId`` is nillable in current docs (not in older ones), an item names its
``DuplicateRecordSetId`` and ``RecordId``. sfclean tags each set with the active duplicate
rule of the cluster's survivor's object (else of any scanned object, else none). Whether a
set may hold Lead **and** Contact items, and whether a null ``DuplicateRuleId`` is accepted
in practice, are UNCONFIRMED: test on a sandbox first. Each refused set or item is counted,
with the org's status code, never retried.

Idempotent: the items already holding the clusters' record Ids are read first
(``SELECT DuplicateRecordSetId, RecordId FROM DuplicateRecordItem WHERE RecordId IN
(...)``, :data:`~sfclean.stages.scan_extract.USER_CHUNK` Ids a statement). A cluster is
**skipped** when one existing set already holds all its records; when a set holds only some
of them and nothing else, the missing records are **added** to it (a cluster that grew);
otherwise a new set is **created**. Inserts go through sObject Collections (200 records a
call): sets first, then their items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sfclean.salesforce import MAX_COLLECTION_RECORDS, CollectionsClient, Connection, RowResult
from sfclean.stages.lookup import soql_literal
from sfclean.stages.scan_causes import RuleState
from sfclean.stages.scan_extract import USER_CHUNK

__all__ = ["RecordSetOutcome", "write_record_sets"]


@dataclass
class RecordSetOutcome:
    """What :func:`write_record_sets` did: sets ``created``, ``extended`` (records added to an
    existing set) and ``skipped`` (already there), items ``items_created``, and ``failed``
    (status code -> sets or items the org refused)."""

    created: int = 0
    extended: int = 0
    skipped: int = 0
    items_created: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    rule_ids: dict[str, str | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (report.json's ``record_sets``)."""
        return {
            "created": self.created,
            "extended": self.extended,
            "skipped": self.skipped,
            "items_created": self.items_created,
            "failed": dict(self.failed),
            "duplicate_rule_ids": dict(self.rule_ids),
            "unconfirmed": "mixing Lead and Contact items in one set; a null DuplicateRuleId",
        }


def _existing(conn: Connection, ids: Sequence[str]) -> dict[str, set[str]]:
    """Existing set Id -> the record Ids of its items, for the sets holding any of ``ids``."""
    sets: dict[str, set[str]] = {}
    for start in range(0, len(ids), USER_CHUNK):
        listed = ", ".join(soql_literal(i) for i in ids[start : start + USER_CHUNK])
        soql = (
            "SELECT DuplicateRecordSetId, RecordId FROM DuplicateRecordItem "
            f"WHERE RecordId IN ({listed})"
        )
        for row in conn.query_all_iter(soql):
            sets.setdefault(str(row["DuplicateRecordSetId"]), set()).add(str(row["RecordId"]))
    return sets


def _insert(
    conn: Connection, object_name: str, records: list[dict[str, Any]], outcome: RecordSetOutcome
) -> list[RowResult]:
    client = CollectionsClient(conn, object_name)
    results: list[RowResult] = []
    for start in range(0, len(records), MAX_COLLECTION_RECORDS):
        results.extend(client.insert(records[start : start + MAX_COLLECTION_RECORDS]))
    for result in results:
        if not result.success:
            code = result.code or "UNKNOWN"
            outcome.failed[code] = outcome.failed.get(code, 0) + 1
    return results


def _rule_id(objects: Iterable[str], state: RuleState) -> str | None:
    for name in objects:
        rule_id = state.active_rule_id(name)
        if rule_id:
            return rule_id
    return None


def write_record_sets(
    conn: Connection, clusters: pd.DataFrame, state: RuleState, objects: Sequence[str]
) -> RecordSetOutcome:
    """Create the DuplicateRecordSets of ``clusters`` (the clusters table: ``cluster,
    object, Id, survivor``) that the org does not hold yet (module docstring)."""
    outcome = RecordSetOutcome()
    if clusters.empty:
        return outcome
    existing = _existing(conn, [str(i) for i in clusters["Id"]])
    by_record = {rid: set_id for set_id, rids in existing.items() for rid in rids}
    new_sets: list[tuple[list[str], str | None]] = []
    items: list[dict[str, Any]] = []
    for _, group in clusters.groupby("cluster", sort=True):
        ids = [str(i) for i in group["Id"]]
        survivor = str(group.loc[group["survivor"].astype(bool), "object"].iloc[0])
        holders = {by_record[i] for i in ids if i in by_record}
        full = [s for s in holders if set(ids) <= existing[s]]
        partial = [s for s in holders if existing[s] <= set(ids)]
        if full:
            outcome.skipped += 1
        elif partial:
            target = sorted(partial)[0]
            missing = [i for i in ids if i not in existing[target]]
            items += [{"DuplicateRecordSetId": target, "RecordId": i} for i in missing]
            outcome.extended += 1
        else:
            rule_id = _rule_id([survivor, *objects], state)
            outcome.rule_ids[survivor] = rule_id
            new_sets.append((ids, rule_id))
    if new_sets:
        records = [{"DuplicateRuleId": rule_id} for _, rule_id in new_sets]
        for (ids, _), result in zip(
            new_sets, _insert(conn, "DuplicateRecordSet", records, outcome), strict=True
        ):
            if result.success and result.id:
                outcome.created += 1
                items += [{"DuplicateRecordSetId": result.id, "RecordId": i} for i in ids]
    if items:
        results = _insert(conn, "DuplicateRecordItem", items, outcome)
        outcome.items_created += sum(1 for r in results if r.success)
    return outcome
