"""A local org with known clusters for the scan tests (tests/test_scan.py, test_cli_scan.py).

Clusters (by email; every other record is in none):

- ``ann``: Contact C1 (rep, 2023), Contact C2 stored ``" Ann.Lee@Example.COM "`` and Lead L1
  stored ``"Ann Lee" <ann.lee@example.com>``, both by the integration user, whose profile
  the Contact rule's condition excludes; the Lead rule only Reports (silent);
- ``bob``, ``carol``, ``dan``: an old Contact each (rep, 2022) and a newer copy by the
  integration user, 10 s apart (one burst of three with ``ann``'s Contact);
- ``ivy``: a newer Contact by the migration user, who holds Set Audit Fields (claimed);
- ``jo``: a Lead (2022) and a newer Contact: the Contact rule compares Contacts only.

Left out: a converted Lead (eve), a merge victim (frank), a deleted Lead (gina), a Lead with
MasterRecordId set (hank), two Contacts sharing the role mailbox info@.
"""

from __future__ import annotations

from typing import Any

from sfclean.localorg.ids import to_18

REP = "rep@acme.example.com"
SYNC = "sync@acme.example.com"
MIGRATE = "migrate@acme.example.com"


def cid(n: int) -> str:
    """The 18-character Id of seeded Contact n."""
    return to_18(f"0035g00000{n:05d}")


def lid(n: int) -> str:
    """The 18-character Id of seeded Lead n."""
    return to_18(f"00Q5g00000{n:05d}")


def _contact(n: int, email: str, created: str, by: str = REP, **extra: Any) -> dict[str, Any]:
    return {
        "Id": cid(n),
        "FirstName": email.split("@")[0].strip().split(".")[0].strip(' "').title(),
        "LastName": f"C{n}",
        "Email": email,
        "CreatedById": f"@{by}",
        "CreatedDate": created,
        **extra,
    }


def _lead(n: int, email: str, created: str, by: str = REP, **extra: Any) -> dict[str, Any]:
    return {
        "Id": lid(n),
        "LastName": f"L{n}",
        "Company": "Acme",
        "Email": email,
        "CreatedById": f"@{by}",
        "CreatedDate": created,
        **extra,
    }


def _rule(name: str, obj: str, active: bool, action: str, operations: list[str], **extra: Any):
    return {
        "developerName": name,
        "sobjectType": obj,
        "isActive": active,
        "actionOnInsert": action,
        "actionOnUpdate": action,
        "operationsOnInsert": operations,
        "operationsOnUpdate": [],
        "securityOption": "BypassSharingRules",
        "duplicateRuleMatchRules": [{"matchRuleSObjectType": obj, "matchingRule": f"{obj}_Email"}],
        **extra,
    }


def _matching(obj: str) -> dict[str, Any]:
    return {
        "developerName": f"{obj}_Email",
        "sobjectType": obj,
        "ruleStatus": "Active",
        "matchingRuleItems": [{"fieldName": "Email", "matchingMethod": "Exact"}],
    }


EXCLUDE_INTEGRATION = {
    "duplicateRuleFilterItems": [
        {
            "table": "User",
            "field": "Profile.Name",
            "operation": "notEqual",
            "value": "Integration User",
        }
    ]
}

CONTACTS = [
    _contact(1, "ann.lee@example.com", "2023-01-01T09:00:00Z"),
    _contact(2, " Ann.Lee@Example.COM ", "2024-03-01T10:00:00Z", SYNC),
    _contact(3, "bob@example.com", "2022-01-01T09:00:00Z"),
    _contact(4, "BOB@example.com", "2024-03-01T10:00:10Z", SYNC),
    _contact(5, "carol@example.com", "2022-01-02T09:00:00Z"),
    _contact(6, "carol@example.com", "2024-03-01T10:00:20Z", SYNC),
    _contact(7, "eve@example.com", "2022-02-01T09:00:00Z", LastName="Stone", FirstName="Eve"),
    _contact(8, "frank@example.com", "2022-02-02T09:00:00Z"),
    _contact(
        9,
        "frank@example.com",
        "2024-01-01T09:00:00Z",
        MasterRecordId=cid(8),
        IsDeleted="true",
    ),
    _contact(10, "ivy@example.com", "2022-03-01T09:00:00Z"),
    _contact(11, "ivy@example.com", "2024-05-01T09:00:00Z", MIGRATE),
    _contact(12, "jo@example.com", "2024-06-01T09:00:00Z"),
    _contact(13, "info@acme.example", "2022-04-01T09:00:00Z"),
    _contact(14, "INFO@acme.example", "2024-04-01T09:00:00Z", SYNC),
    _contact(15, "gina@example.com", "2022-05-01T09:00:00Z"),
    _contact(16, "dan@example.com", "2022-01-03T09:00:00Z"),
    _contact(17, "dan@example.com", "2024-03-01T10:00:40Z", SYNC),
]
LEADS = [
    _lead(1, '"Ann Lee" <ann.lee@example.com>', "2024-03-01T10:00:30Z", SYNC),
    _lead(2, "eve@example.com", "2024-02-01T09:00:00Z", IsConverted="true",
          ConvertedContactId=cid(7)),
    _lead(3, "gina@example.com", "2024-02-02T09:00:00Z", IsDeleted="true"),
    _lead(4, "hank@example.com", "2022-06-01T09:00:00Z"),
    _lead(5, "hank@example.com", "2024-02-03T09:00:00Z", MasterRecordId=lid(4)),
    _lead(6, "jo@example.com", "2022-07-01T09:00:00Z"),
]  # fmt: skip

SEED: dict[str, Any] = {
    "org": {"name": "Scan Test"},
    "profiles": [
        {"name": "Sales User"},
        {"name": "Integration User", "apiUserOnly": True},
        {"name": "Migration", "createAuditFields": True},
    ],
    "users": [
        {"username": REP, "name": "Rep One", "email": REP, "profile": "Sales User"},
        {"username": SYNC, "name": "Sync Bot", "email": SYNC, "profile": "Integration User"},
        {"username": MIGRATE, "name": "Mig Rate", "email": MIGRATE, "profile": "Migration"},
    ],
    "matchingRules": [_matching("Contact"), _matching("Lead")],
    "duplicateRules": [
        _rule("Contact_Block", "Contact", True, "Block", [],
              duplicateRuleFilter=EXCLUDE_INTEGRATION),
        _rule("Contact_Old", "Contact", False, "Allow", ["Alert"]),
        _rule("Lead_Silent", "Lead", True, "Allow", ["Report"]),
    ],
    "records": {"Contact": CONTACTS, "Lead": LEADS},
}  # fmt: skip

#: The expected clusters, as sets of record Ids.
EXPECTED = {
    "ann": {cid(1), cid(2), lid(1)},
    "bob": {cid(3), cid(4)},
    "carol": {cid(5), cid(6)},
    "dan": {cid(16), cid(17)},
    "ivy": {cid(10), cid(11)},
    "jo": {lid(6), cid(12)},
}
