"""Seeding a localorg store from org.yaml/org.json plus Data Loader CSVs, or from a dict."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from sfclean.localorg.errors import SeedError
from sfclean.localorg.ids import IdFactory, is_valid_id, to_18
from sfclean.localorg.seed import ADMIN_PROFILE, ADMIN_USERNAME, SEED_TIME, SeedInfo, load_seed
from sfclean.localorg.store import Store

SAMPLE = Path(__file__).parent / "data" / "org_seed"


def seed(source: Any) -> tuple[Store, SeedInfo]:
    store = Store()
    return store, load_seed(source, store, IdFactory())


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_empty_seed_gives_an_org_an_admin_profile_and_an_admin_user() -> None:
    store, info = seed(None)
    (org,) = store.select("Organization")
    assert (org["Id"], org["Name"]) == (info.org_id, "localorg") and info.org_id.startswith("00D")
    assert (
        info.users == {ADMIN_USERNAME: info.default_user_id}
        and info.admin_user_id == info.default_user_id
    )
    admin = store.get("User", info.default_user_id)
    assert admin is not None and admin["IsActive"] is True and admin["Name"] == "Local Admin"
    profile = store.get("Profile", admin["ProfileId"])
    assert profile is not None and profile["Name"] == ADMIN_PROFILE
    (ps,) = store.select("PermissionSet")
    assert (ps["IsOwnedByProfile"], ps["ProfileId"], ps["PermissionsModifyAllData"], ps["PermissionsViewAllData"]) == (
        True, profile["Id"], True, True,
    )  # fmt: skip
    (psa,) = store.select("PermissionSetAssignment")
    assert (psa["AssigneeId"], psa["PermissionSetId"]) == (admin["Id"], ps["Id"])
    assert info.api_limit == 15000 and info.rules.rules == []


def test_sample_seed_directory_loads_records_users_permissions_and_rules() -> None:
    store, info = seed(SAMPLE)
    assert info.org_name == "Acme Sample Org"
    assert {n: store.count(n) for n in ("Account", "Contact", "Lead", "User", "Profile")} == {
        "Account": 2, "Contact": 3, "Lead": 3, "User": 4, "Profile": 3,
    }  # fmt: skip
    acme = store.select("Account", ["Id"], where='"Name" = ?', params=["Acme Corp"])[0]["Id"]
    rep, bot = info.users["rep@acme.example.com"], info.users["integration@acme.example.com"]
    ada = store.select("Contact", where='"LastName" = ?', params=["Lovelace"])[0]
    assert (ada["AccountId"], ada["OwnerId"], ada["CreatedById"]) == (acme, rep, rep)
    assert (ada["Name"], ada["HasOptedOutOfEmail"], ada["CreatedDate"]) == (
        "Ada Lovelace",
        False,
        "2024-03-01T09:00:00.000+0000",
    )
    grace = store.select("Contact", where='"LastName" = ?', params=["Hopper"])[0]
    assert (grace["OwnerId"], grace["CreatedById"], grace["HasOptedOutOfEmail"]) == (bot, bot, True)
    alan = store.select("Contact", where='"LastName" = ?', params=["Turing"])[0]
    assert (alan["Email"], alan["CreatedById"], alan["CreatedDate"]) == (
        None,
        info.admin_user_id,
        SEED_TIME,
    )
    margaret = store.select("Lead", where='"LastName" = ?', params=["Hamilton"])[0]
    assert margaret["Status"] == "Open - Not Contacted"  # schema default for a blank cell
    assert [r["DeveloperName"] for r in store.select("DuplicateRule")] == [
        "Contact_Email_Block", "Lead_Email_Report", "Lead_vs_Contacts_Alert",
    ]  # fmt: skip
    assert store.count("MatchingRule") == 2 and store.count("MatchingRuleItem") == 2


def test_custom_permissions_reach_profiles_and_permission_sets_through_setup_entity_access() -> (
    None
):
    store, info = seed(SAMPLE)
    (cp,) = store.select("CustomPermission")
    assert (cp["DeveloperName"], cp["MasterLabel"]) == (
        "Bypass_Duplicate_Rules",
        "Bypass duplicate rules",
    )
    (sea,) = store.select("SetupEntityAccess")
    parent = store.get("PermissionSet", sea["ParentId"])
    profile = store.select("Profile", where='"Name" = ?', params=["Integration User"])[0]
    assert parent is not None and (parent["IsOwnedByProfile"], parent["ProfileId"]) == (
        True,
        profile["Id"],
    )
    assert (sea["SetupEntityId"], sea["SetupEntityType"]) == (cp["Id"], "CustomPermission")
    steward = info.users["steward@acme.example.com"]
    granted = {
        store.get("PermissionSet", a["PermissionSetId"])["Name"]  # type: ignore[index]
        for a in store.select("PermissionSetAssignment", where='"AssigneeId" = ?', params=[steward])
    }
    assert "Data_Steward" in granted and len(granted) == 2  # plus the profile's own set


def test_apex_bodies_are_stored_inline_or_from_a_file(tmp_path: Path) -> None:
    write(tmp_path, {"Trigger.apxt": "trigger T on Contact (before insert) {}"})
    config = {
        "apexClasses": [{"name": "C", "body": "public class C {}"}],
        "apexTriggers": [{"name": "T", "object": "Contact", "bodyFile": "Trigger.apxt"}],
    }
    (tmp_path / "org.json").write_text(json.dumps(config), encoding="utf-8")
    store, _ = seed(tmp_path)
    assert store.select("ApexClass", ["Name", "Body", "Status"]) == [
        {"Name": "C", "Body": "public class C {}", "Status": "Active"}
    ]
    (trigger,) = store.select("ApexTrigger")
    assert (trigger["Body"], trigger["TableEnumOrId"]) == (
        "trigger T on Contact (before insert) {}",
        "Contact",
    )


def test_named_default_user_replaces_the_built_in_admin() -> None:
    config = {
        "defaultUser": "ME@x.example.com",
        "users": [
            {
                "username": "me@x.example.com",
                "firstName": "Me",
                "lastName": "Self",
                "isActive": "true",
            },
            {"username": "other@x.example.com", "name": "Other"},
        ],
    }
    store, info = seed(config)
    assert list(info.users) == ["me@x.example.com", "other@x.example.com"]
    assert info.admin_user_id is None and info.default_user_id == info.users["me@x.example.com"]
    me = store.get("User", info.default_user_id)
    assert me is not None and (me["Name"], me["Email"]) == ("Me Self", "me@x.example.com")
    assert store.get("Profile", me["ProfileId"])["Name"] == ADMIN_PROFILE  # type: ignore[index]
    other = store.get("User", info.users["other@x.example.com"])
    assert other is not None and (other["FirstName"], other["LastName"]) == (None, "Other")
    assert other["CreatedById"] == info.default_user_id


def test_csv_ids_are_kept_and_references_accept_ids_and_names(tmp_path: Path) -> None:
    ids = IdFactory(pod="zz")
    account_id, contact_id = ids.new("001"), ids.new("003")
    write(
        tmp_path,
        {
            "Account.csv": f"Id,Name\n{account_id[:15]},Acme\n",
            "Contact.csv": f"Id,LastName,AccountId\n{contact_id},A,{account_id}\n,B,@acme\n",
            "Lead.csv": "LastName,Company,OwnerId\nL,C,@" + ADMIN_USERNAME.upper() + "\n",
        },
    )
    store, info = seed(tmp_path)
    assert store.select("Account", ["Id"]) == [{"Id": account_id}]  # 15-character Id made 18
    rows = {r["LastName"]: r for r in store.select("Contact")}
    assert rows["A"]["Id"] == contact_id and rows["A"]["AccountId"] == account_id
    assert is_valid_id(rows["B"]["Id"]) and rows["B"]["AccountId"] == account_id
    assert store.select("Lead", ["OwnerId"]) == [{"OwnerId": info.admin_user_id}]


def test_dict_seed_takes_records_with_python_values() -> None:
    store, _ = seed(
        {"records": {"contact": [{"LastName": "A", "HasOptedOutOfEmail": True}, {"lastname": "B"}]}}
    )
    assert sorted((r["LastName"], r["HasOptedOutOfEmail"]) for r in store.select("Contact")) == [
        ("A", True),
        ("B", False),
    ]


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("2024-03-01T09:00:00Z", "2024-03-01T09:00:00.000+0000"),
        ("2024-03-01T09:00:00.123+0000", "2024-03-01T09:00:00.123+0000"),
        ("2024-03-01T10:00:00+01:00", "2024-03-01T09:00:00.000+0000"),
        ("2024-03-01 09:00:00", "2024-03-01T09:00:00.000+0000"),
        ("2024-03-01", "2024-03-01T00:00:00.000+0000"),
    ],
)
def test_datetimes_are_stored_in_salesforce_format(tmp_path: Path, cell: str, stored: str) -> None:
    write(tmp_path, {"Contact.csv": f"LastName,CreatedDate\nA,{cell}\n"})
    store, _ = seed(tmp_path)
    assert store.select("Contact", ["CreatedDate", "LastModifiedDate", "SystemModstamp"]) == [
        {"CreatedDate": stored, "LastModifiedDate": stored, "SystemModstamp": stored}
    ]


def test_yaml_and_json_configs_are_equivalent(tmp_path: Path) -> None:
    config = yaml.safe_load((SAMPLE / "org.yaml").read_text(encoding="utf-8"))
    (tmp_path / "org.json").write_text(json.dumps(config), encoding="utf-8")
    _, from_json = seed(tmp_path)
    _, from_yaml = seed(SAMPLE / "org.yaml")
    assert from_json.rules.ui_api("Lead") == from_yaml.rules.ui_api("Lead")
    assert list(from_json.users) == list(from_yaml.users)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"org.yaml": "users: [\n"}, "org.yaml: not valid YAML near line"),
        ({"org.yaml": "- a\n- b\n"}, "org.yaml: the top level must be a mapping"),
        ({"org.yaml": "user: []\n"}, "org.yaml: unknown key 'user'"),
        ({"org.yaml": "org: {name: x, dailyApiLimit: lots}\n"}, "org.yaml: org.dailyApiLimit must be a whole number"),
        ({"org.yaml": "users: [{username: a@x.com, profile: Nope}]\n"}, "org.yaml: users[0].profile: 'Nope' is not declared"),
        ({"org.yaml": "users: [{name: A}]\n"}, "org.yaml: users[0].username is required"),
        ({"org.yaml": "users: [{username: a@x.com, isActive: maybe}]\n"}, "users[0].isActive: 'maybe' is not a boolean"),
        ({"org.yaml": "users: [{username: a@x.com, permissionSets: [Nope]}]\n"}, "users[0].permissionSets: 'Nope' is not declared"),
        ({"org.yaml": "defaultUser: ghost@x.com\n"}, "org.yaml: defaultUser 'ghost@x.com' is not declared"),
        ({"org.yaml": "profiles: [{name: P, customPermissions: [Nope]}]\n"}, "profiles[0].customPermissions: 'Nope' is not declared"),
        ({"org.yaml": "profiles: [{name: P}, {name: p}]\n"}, "profiles[1].name: profile 'p' is declared twice"),
        ({"org.yaml": "permissionSetAssignments: [{user: ghost, permissionSet: X}]\n"}, "permissionSetAssignments[0].user: 'ghost' is not declared"),
        ({"org.yaml": "apexTriggers: [{name: T, body: x}]\n"}, "apexTriggers[0].object is required"),
        ({"org.yaml": "{}", "org.json": "{}"}, "holds both org.yaml and org.json"),
        ({"org.json": "{\"users\": [}"}, "org.json: not valid JSON near line 1"),
        ({"Widget.csv": "Name\nx\n"}, "Widget.csv: 'Widget' is not an object localorg can seed"),
        ({"Contact.csv": "LastName,Colour\nA,red\n"}, "Contact.csv: column 'Colour' is not a field of Contact"),
        ({"Contact.csv": "FirstName\nA\n"}, "Contact.csv: row 2 has no LastName"),
        ({"Contact.csv": "LastName,HasOptedOutOfEmail\nA,perhaps\n"}, "Contact.csv: row 2 HasOptedOutOfEmail: 'perhaps' is not a boolean"),
        ({"Contact.csv": "LastName,CreatedDate\nA,yesterday\n"}, "Contact.csv: row 2 CreatedDate: 'yesterday' is not a date-time"),
        ({"Contact.csv": "LastName,AccountId\nA,@Nobody\n"}, "Contact.csv: row 2 AccountId: '@Nobody' names no seeded Account"),
        ({"Contact.csv": "LastName,AccountId\nA,not-an-id\n"}, "is neither an Id nor an @name reference"),
        ({"Contact.csv": "Id,LastName\n001000000000001AAA,A\n"}, "Contact.csv: row 2 Id '001000000000001AAA' is not a valid Contact Id"),
        ({"Contact.csv": "LastName,Email\nA," + "x" * 81 + "\n"}, "Contact.csv: row 2 Email: value is longer than 80 characters"),
        ({"Contact.csv": "LastName,Email\nA\n"}, "Contact.csv: row 2 has 1 cells, the header has 2"),
        ({"Contact.csv": "LastName\n\xff\n"}, "Contact.csv: not UTF-8"),
    ],
)  # fmt: skip
def test_invalid_seed_raises_a_config_error_naming_the_file_and_key(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        data = text.encode("latin-1") if "\xff" in text else text.encode("utf-8")
        (tmp_path / name).write_bytes(data)
    with pytest.raises(SeedError) as info:
        seed(tmp_path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_missing_seed_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="seed not found"):
        seed(tmp_path / "nope")


def test_a_large_contact_csv_loads_every_row_typed(tmp_path: Path) -> None:
    """Correctness of the bulk seeding path; its speed (100,000 rows) is in bench/localorg.py."""
    n = 20_000
    with (tmp_path / "Contact.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["FirstName", "LastName", "Email", "Phone", "HasOptedOutOfEmail", "CreatedDate"]
        )
        for i in range(n):
            out.writerow(
                [f"F{i}", f"L{i}", f"user{i}@example.com", f"+1 555 {i:07d}", "false", "2024-01-02"]
            )
    store, info = seed(tmp_path)
    assert store.count("Contact") == n == info.record_counts["Contact"]
    [last] = store.select("Contact", where='"Email" = ?', params=[f"user{n - 1}@example.com"])
    assert (last["Name"], last["Phone"], last["HasOptedOutOfEmail"]) == (
        f"F{n - 1} L{n - 1}",
        f"+1 555 {n - 1:07d}",
        False,
    )
    assert last["CreatedDate"] == "2024-01-02T00:00:00.000+0000"
    assert last["OwnerId"] == last["CreatedById"] == info.default_user_id


def test_a_stored_org_is_reopened_not_seeded_twice(tmp_path: Path) -> None:
    db = str(tmp_path / "org.db")
    first_store = Store(db)
    first = load_seed(SAMPLE, first_store, IdFactory())
    first_store.close()
    store = Store(db)
    ids = IdFactory()
    again = load_seed(SAMPLE, store, ids)
    assert (again.org_id, again.users, again.default_user_id) == (
        first.org_id,
        first.users,
        first.default_user_id,
    )
    assert store.count("Contact") == 3 and store.count("User") == 4
    assert [r.record_id for r in again.rules.rules] == [r.record_id for r in first.rules.rules]
    assert store.count("DuplicateRule") == 3
    fresh = [{"Id": ids.new("003"), "LastName": f"F{i}"} for i in range(100)]
    store.insert("Contact", fresh)  # no Id collides with a stored one
    assert store.count("Contact") == 103
    store.close()


def test_a_stored_org_reopened_without_a_seed_keeps_its_config(tmp_path: Path) -> None:
    db = str(tmp_path / "org.db")
    config = {
        "org": {"name": "Kept", "dailyApiLimit": 1234},
        "users": [{"username": "etl@example.com", "name": "E T"}],
        "defaultUser": "etl@example.com",
        "matchingRules": [
            {
                "developerName": "Email_Match",
                "sobjectType": "Contact",
                "matchingRuleItems": [{"fieldName": "Email", "matchingMethod": "Exact"}],
            }
        ],
        "duplicateRules": [
            {
                "developerName": "Contact_Block",
                "sobjectType": "Contact",
                "actionOnInsert": "Block",
                "actionOnUpdate": "Block",
                "duplicateRuleMatchRules": [
                    {"matchRuleSObjectType": "Contact", "matchingRule": "Email_Match"}
                ],
            }
        ],
        "records": {"Contact": [{"LastName": "A", "Email": "a@example.com"}]},
    }
    first_store = Store(db)
    first = load_seed(config, first_store, IdFactory())
    first_store.close()
    store = Store(db)
    again = load_seed(None, store, IdFactory())
    assert (again.org_name, again.api_limit, again.default_user_id) == (
        "Kept",
        1234,
        first.default_user_id,
    )
    assert [r.developer_name for r in again.rules.rules] == ["Contact_Block"]
    assert store.count("Contact") == 1 and store.count("DuplicateRule") == 1
    store.close()


def test_ids_from_a_real_org_export_never_collide_or_stall_a_reopen(tmp_path: Path) -> None:
    exported = to_18("0035g00000XyZab")  # a real org's counter, far beyond localorg's own
    seed_dir = write(tmp_path, {"Contact.csv": f"Id,LastName\n{exported},Real\n"})
    db = str(tmp_path / "org.db")
    store = Store(db)
    ids = IdFactory()
    load_seed(seed_dir, store, ids)
    assert ids.new("003") > exported[:15]
    store.close()
    store = Store(db)
    ids = IdFactory()
    load_seed(seed_dir, store, ids)  # used to reserve ~10^8 counter values one by one
    fresh = ids.new("003")
    assert fresh[:15] > exported[:15]
    store.insert("Contact", [{"Id": fresh, "LastName": "New"}])
    assert store.count("Contact") == 2
    store.close()


def test_a_matching_rule_new_on_reopen_gets_its_item_rows(tmp_path: Path) -> None:
    db = str(tmp_path / "org.db")
    store = Store(db)
    load_seed({}, store, IdFactory())
    store.close()
    config = {
        "matchingRules": [
            {
                "developerName": "Email_Phone",
                "sobjectType": "Lead",
                "matchingRuleItems": [
                    {"fieldName": "Email", "matchingMethod": "Exact"},
                    {"fieldName": "Phone", "matchingMethod": "Exact"},
                ],
            }
        ],
        "duplicateRules": [
            {
                "developerName": "Lead_Block",
                "sobjectType": "Lead",
                "actionOnInsert": "Block",
                "actionOnUpdate": "Block",
                "duplicateRuleMatchRules": [
                    {"matchRuleSObjectType": "Lead", "matchingRule": "Email_Phone"}
                ],
            }
        ],
    }
    store = Store(db)
    load_seed(config, store, IdFactory())
    [rule] = store.select("MatchingRule", ["Id"])
    items = store.select("MatchingRuleItem", ["MatchingRuleId", "Field"])
    assert sorted(i["Field"] for i in items) == ["Email", "Phone"]
    assert {i["MatchingRuleId"] for i in items} == {rule["Id"]}
    store.close()
