"""Reopening a stored org: a ``--db`` file seeded by an earlier run keeps its records; the
config supplies the rules, limits and settings, new rule rows are added (stored ones take the
config's IsActive, RuleStatus and BlankValueBehavior), and the Id factory is moved past every
stored Id so new records never collide.

The config a store was last seeded or reopened with is kept in the store itself (table
``_localorg_config``, outside SCHEMA so SOQL cannot see it), so reopening without a seed
keeps the same duplicate rules, default user, limits and settings.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sfclean.localorg.errors import SeedError
from sfclean.localorg.ids import IdFactory
from sfclean.localorg.orgsettings import parse_settings
from sfclean.localorg.ruleconfig import parse_rules
from sfclean.localorg.rules import RuleSet
from sfclean.localorg.seedconfig import ADMIN_USERNAME, SEED_TIME, SeedInfo

__all__ = ["advance_ids", "remember_config", "remembered_config", "reopen"]

_CONFIG_TABLE = "_localorg_config"


def reopen(config: dict[str, Any], source: str, store: Any, ids: IdFactory) -> SeedInfo:
    """The SeedInfo of the org already in ``store``, with ``config``'s rules and limits."""
    advance_ids(store, ids)
    org = store.select("Organization", ["Id", "Name"])[0]
    users = {r["Username"]: r["Id"] for r in store.select("User", ["Id", "Username"])}
    by_lower = {k.lower(): v for k, v in users.items()}
    default = str(config.get("defaultUser") or ADMIN_USERNAME)
    default_id = by_lower.get(default.lower())
    if default_id is None:
        raise SeedError(f"{source}: defaultUser {default!r} is not a user of the stored org")
    stored_rules = {
        r["DeveloperName"]: r["Id"] for r in store.select("DuplicateRule", ["Id", "DeveloperName"])
    }
    stored_matching = {
        r["DeveloperName"]: r["Id"] for r in store.select("MatchingRule", ["Id", "DeveloperName"])
    }
    rules = parse_rules(config, source=source)
    for rule in rules:
        rule.record_id = stored_rules.get(rule.developer_name)
        rule.matching_rules = tuple(
            replace(m, record_id=stored_matching.get(m.developer_name)) for m in rule.matching_rules
        )
    rule_set = RuleSet(rules, ids=ids)
    admin_id = by_lower.get(ADMIN_USERNAME)
    new_matching: set[str] = set()
    rows_by_name = rule_set.sobject_rows(created_by=admin_id or default_id, created_date=SEED_TIME)
    for name, rows in rows_by_name.items():
        if name == "MatchingRuleItem":  # items of matching rules new in this config
            fresh = [r for r in rows if r["MatchingRuleId"] in new_matching]
        else:
            known = {r["DeveloperName"] for r in store.select(name, ["DeveloperName"])}
            fresh = [r for r in rows if r["DeveloperName"] not in known]
            if name == "MatchingRule":
                new_matching = {r["Id"] for r in fresh}
        if fresh:
            store.insert(name, fresh)
    _sync_states(store, rows_by_name, new_matching)
    api_limit = int((config.get("org") or {}).get("dailyApiLimit", 15000))
    settings = parse_settings(config, source)
    return SeedInfo(
        org["Id"], org["Name"], default_id, users, rule_set, api_limit, admin_id, {}, settings
    )


def _sync_states(store: Any, rows: dict[str, list[dict[str, Any]]], new_matching: set[str]) -> None:
    """Give stored rule rows the config's IsActive, RuleStatus and BlankValueBehavior, so that
    SOQL answers what the rules enforce (an item is known by its matching rule and field)."""
    store.update(
        "DuplicateRule", [{"Id": r["Id"], "IsActive": r["IsActive"]} for r in rows["DuplicateRule"]]
    )
    store.update(
        "MatchingRule",
        [{"Id": r["Id"], "RuleStatus": r["RuleStatus"]} for r in rows["MatchingRule"]],
    )
    wanted = {
        (r["MatchingRuleId"], str(r["Field"]).lower()): r["BlankValueBehavior"]
        for r in rows["MatchingRuleItem"]
        if r["MatchingRuleId"] not in new_matching
    }
    stored = store.select("MatchingRuleItem", ["Id", "MatchingRuleId", "Field"])
    store.update(
        "MatchingRuleItem",
        [
            {"Id": i["Id"], "BlankValueBehavior": wanted[key]}
            for i in stored
            if (key := (i["MatchingRuleId"], str(i["Field"]).lower())) in wanted
        ],
    )


def advance_ids(store: Any, ids: IdFactory) -> None:
    """Move ``ids`` past the highest counter among stored Ids of its pod."""
    probe = ids.new("000")
    ids.skip_past(max(_counter(probe), store.max_id_counter(probe[3:5])))


def _counter(record_id: str) -> int:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    n = 0
    for ch in record_id[5:15]:
        n = n * 62 + digits.index(ch)
    return n


def remember_config(store: Any, config: dict[str, Any]) -> None:
    """Keep ``config`` (without inline ``records``) in ``store`` for later reopens."""
    kept = {k: v for k, v in config.items() if k != "records"}
    text = json.dumps(kept, default=str)
    with store.lock:
        store.conn.execute(f'CREATE TABLE IF NOT EXISTS "{_CONFIG_TABLE}" (config TEXT NOT NULL)')
        store.conn.execute(f'DELETE FROM "{_CONFIG_TABLE}"')
        store.conn.execute(f'INSERT INTO "{_CONFIG_TABLE}" (config) VALUES (?)', (text,))


def remembered_config(store: Any) -> dict[str, Any]:
    """The config kept by :func:`remember_config`, or ``{}`` for a store without one."""
    with store.lock:
        exists = store.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_CONFIG_TABLE,)
        ).fetchone()
        row = (
            store.conn.execute(f'SELECT config FROM "{_CONFIG_TABLE}"').fetchone()
            if exists
            else None
        )
    return dict(json.loads(row[0])) if row else {}
