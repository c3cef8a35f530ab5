"""A seeded localorg Store and helpers to save records through its duplicate rules, the way
the engine does: judge the records against the store as it was before the call, insert the
survivors, then write the Report rows. Shared by tests/test_localorg_rules*.py."""

from __future__ import annotations

from typing import Any

from sfclean.localorg.ids import IdFactory
from sfclean.localorg.rules import RuleOutcome
from sfclean.localorg.seed import SeedInfo, load_seed
from sfclean.localorg.store import Store
from sfclean.localorg.types import DuplicateHeader, SfError

ALL_APIS = ["rest", "collections", "composite", "bulk1", "bulk2"]
HEADER_APIS = ["rest", "collections", "composite"]
BULK_APIS = ["bulk1", "bulk2"]
NOW = "2024-06-01T10:00:00.000+0000"

CONTACT_EMAIL = {
    "developerName": "Contact_Email",
    "sobjectType": "Contact",
    "matchingRuleItems": [{"fieldName": "Email", "matchingMethod": "Exact"}],
}


def contact_rule(**overrides: Any) -> dict[str, Any]:
    rule = {
        "developerName": "Contact_Dupes",
        "sobjectType": "Contact",
        "actionOnInsert": "Block",
        "actionOnUpdate": "Block",
        "operationsOnInsert": [],
        "operationsOnUpdate": [],
        "securityOption": "BypassSharingRules",
        "duplicateRuleMatchRules": [
            {"matchRuleSObjectType": "Contact", "matchingRule": "Contact_Email"}
        ],
    }
    rule.update(overrides)
    return rule


class Org:
    """A seeded store plus helpers to save records through the rules."""

    def __init__(self, config: dict[str, Any]) -> None:
        config = {
            "profiles": [{"name": "Integration User"}, {"name": "Standard User"}],
            "permissionSets": [{"name": "Viewer", "viewAllData": True}],
            "users": [
                {"username": "int@x.example.com", "name": "Int Bot", "profile": "Integration User"},
                {"username": "rep@x.example.com", "name": "Rita Rep", "profile": "Standard User"},
                {
                    "username": "viewer@x.example.com",
                    "name": "Vi Ewer",
                    "profile": "Standard User",
                    "permissionSets": ["Viewer"],
                },
            ],
            "matchingRules": [CONTACT_EMAIL],
            **config,
        }
        self.store = Store()
        self.ids = IdFactory()
        self.info: SeedInfo = load_seed(config, self.store, self.ids)
        self.rules = self.info.rules

    def user(self, username: str | None = None) -> dict[str, Any]:
        uid = self.info.users[username] if username else self.info.default_user_id
        row = self.store.get("User", uid)
        assert row is not None
        return row

    def add(self, object_name: str, *records: dict[str, Any], by: str | None = None) -> list[str]:
        """Insert records directly (no rules), created and owned by ``by``."""
        uid = self.user(by)["Id"]
        prefix = {"Contact": "003", "Lead": "00Q", "Account": "001"}[object_name]
        rows = [
            {"Id": self.ids.new(prefix), "OwnerId": uid, "CreatedById": uid, **r} for r in records
        ]
        self.store.insert(object_name, rows)
        return [r["Id"] for r in rows]

    def save(
        self,
        object_name: str,
        *records: dict[str, Any],
        api: str = "rest",
        header: str | None = None,
        by: str | None = None,
        operation: str = "insert",
    ) -> list[RuleOutcome]:
        user = self.user(by)
        prefix = {"Contact": "003", "Lead": "00Q", "Account": "001"}[object_name]
        rows = [dict(r) for r in records]
        for row in rows:
            row.setdefault("Id", self.ids.new(prefix))
            row.setdefault("OwnerId", user["Id"])
            row.setdefault("CreatedById", user["Id"])
        outcomes = self.rules.check(
            self.store,
            object_name,
            rows,
            user=user,
            duplicate_header=DuplicateHeader.parse(header),
            api=api,
            operation=operation,
        )
        saved = [(r, o) for r, o in zip(rows, outcomes, strict=True) if o.block is None]
        if operation == "insert":
            self.store.insert(object_name, [r for r, _ in saved])
        else:
            self.store.update(object_name, [r for r, _ in saved])
        self.rules.record_report(self.store, self.ids, saved, user_id=user["Id"], now=NOW)
        return outcomes


def blocked(outcome: RuleOutcome) -> SfError:
    assert outcome.block is not None, "expected the save to be stopped"
    return outcome.block
