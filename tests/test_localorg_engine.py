"""Tests for sfclean.localorg.engine (with validate.py and describe.py): validation codes and
messages, audit fields, Ids, updates, deletes, reads, describe shapes and duplicate rules."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.localorg.engine import Engine
from sfclean.localorg.ids import IdFactory, is_valid_id
from sfclean.localorg.rules import DuplicateRule, MatchingRule, RuleSet
from sfclean.localorg.schema import SCHEMA
from sfclean.localorg.store import Store
from sfclean.localorg.types import DuplicateHeader, SfFault
from sfclean.localorg.validate import InvalidValue, convert_value, is_valid_email

NOW = datetime(2024, 1, 31, 9, 30, 0, 123000, tzinfo=UTC)
STAMP = "2024-01-31T09:30:00.123+0000"


def _engine(rules: RuleSet | None = None) -> tuple[Engine, str]:
    ids = IdFactory()
    store = Store()
    user_id = ids.new("005")
    store.insert(
        "User",
        [{"Id": user_id, "Username": "Admin@Example.com", "LastName": "Admin", "Email": "a@x.com"}],
    )
    engine = Engine(store, org_id=ids.new("00D"), ids=ids, rules=rules, clock=lambda: NOW)
    return engine, user_id


@pytest.fixture
def org() -> Iterator[tuple[Engine, str]]:
    engine, user_id = _engine()
    yield engine, user_id
    engine.store.close()


def _lead(**kw: Any) -> dict[str, Any]:
    return {"LastName": "Doe", "Company": "Acme", **kw}


# --- validation table ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "api", "code", "message", "fields"),
    [
        (
            {"Company": "Acme"},
            "rest",
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName]",
            ["LastName"],
        ),
        (
            {"LastName": "", "Company": " "},
            "bulk2",
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName, Company]",
            ["LastName", "Company"],
        ),
        (
            _lead(Foo="x"),
            "rest",
            "INVALID_FIELD",
            "No such column 'Foo' on sobject of type Lead",
            [],
        ),
        (
            _lead(Name="Jane Doe"),
            "rest",
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "Unable to create/update fields: Name. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
            ["Name"],
        ),
        (
            _lead(Id="00Q000000000001AAA"),
            "rest",
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "Record ID: cannot specify Id in an insert call",
            ["Id"],
        ),
        (
            _lead(Email="bad@"),
            "bulk1",
            "INVALID_EMAIL_ADDRESS",
            "Email: invalid email address: bad@",
            ["Email"],
        ),
        (
            _lead(Email="a b@x.com"),
            "rest",
            "INVALID_EMAIL_ADDRESS",
            "Email: invalid email address: a b@x.com",
            ["Email"],
        ),
        (
            _lead(Company="x" * 256),
            "rest",
            "STRING_TOO_LONG",
            f"Company: data value too large: {'x' * 256} (max length=255)",
            ["Company"],
        ),
        (
            _lead(Email="a" * 75 + "@x.com"),
            "rest",
            "STRING_TOO_LONG",
            f"Email: data value too large: {'a' * 75}@x.com (max length=80)",
            ["Email"],
        ),
        (
            _lead(HasOptedOutOfEmail="maybe"),
            "bulk1",
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            "Email Opt Out: value not of required type: maybe",
            ["HasOptedOutOfEmail"],
        ),
        (
            _lead(OwnerId="nope"),
            "rest",
            "MALFORMED_ID",
            "Owner ID: id value of incorrect type: nope",
            ["OwnerId"],
        ),
        (
            _lead(OwnerId="005000000000000AAA"),
            "rest",
            "INVALID_CROSS_REFERENCE_KEY",
            "Owner ID: invalid cross reference id",
            ["OwnerId"],
        ),
    ],
)
def test_create_validation(
    org: tuple[Engine, str], record: dict, api: str, code: str, message: str, fields: list[str]
) -> None:
    engine, user_id = org
    [result] = engine.create("Lead", [record], user_id=user_id, duplicate_header=None, api=api)
    assert (result.id, result.success, result.created) == (None, False, False)
    assert [(e.status_code, e.message, e.fields) for e in result.errors] == [
        (code, message, fields)
    ]
    assert engine.store.count("Lead") == 0


def test_create_sets_id_audit_fields_defaults_and_name(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    records = [
        _lead(FirstName="Jane", Email="Jane@Example.com", HasOptedOutOfEmail="TRUE", Id=""),
        {"attributes": {"type": "Lead"}, "LastName": "Solo", "Company": "X", "Title": ""},
    ]
    results = engine.create("Lead", records, user_id=user_id, duplicate_header=None, api="bulk2")
    assert [(r.success, r.created, r.errors) for r in results] == [(True, True, [])] * 2
    for r in results:
        assert r.id is not None and r.id.startswith("00Q") and is_valid_id(r.id) and len(r.id) == 18
    jane = engine.retrieve("Lead", results[0].id)  # type: ignore[arg-type]
    assert jane["attributes"] == {
        "type": "Lead",
        "url": f"/services/data/v62.0/sobjects/Lead/{results[0].id}",
    }
    assert jane["Name"] == "Jane Doe"
    assert jane["HasOptedOutOfEmail"] is True
    assert jane["IsConverted"] is False
    assert jane["Status"] == "Open - Not Contacted"
    assert jane["Email"] == "Jane@Example.com"
    for key in ("OwnerId", "CreatedById", "LastModifiedById"):
        assert jane[key] == user_id
    for key in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        assert jane[key] == STAMP
    solo = engine.retrieve("Lead", results[1].id, ["Name", "title"])  # type: ignore[arg-type]
    assert {k: v for k, v in solo.items() if k != "attributes"} == {"Name": "Solo", "Title": None}


def test_create_keeps_going_after_bad_rows_and_keeps_order(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    records = [_lead(Email="a@x.com"), _lead(Email="bad"), _lead(Email="c@x.com")]
    results = engine.create("Lead", records, user_id=user_id, duplicate_header=None, api="bulk1")
    assert [r.success for r in results] == [True, False, True]
    assert engine.store.count("Lead") == 2


def test_all_or_none_rolls_back(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    results = engine.create(
        "Lead", [_lead(), _lead(Email="bad")], user_id=user_id, api="collections", all_or_none=True
    )
    assert [r.errors[0].status_code for r in results] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "INVALID_EMAIL_ADDRESS",
    ]
    assert engine.store.count("Lead") == 0


def test_unknown_and_read_only_objects(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    with pytest.raises(SfFault) as info:
        engine.create("Opportunity", [{}], user_id=user_id)
    assert (info.value.status_code, info.value.http_status) == ("NOT_FOUND", 404)
    [res] = engine.create("Organization", [{"Name": "x"}], user_id=user_id)
    assert res.errors[0].status_code == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"


def test_contact_account_reference_is_checked_and_15_char_ids_widen(
    org: tuple[Engine, str],
) -> None:
    engine, user_id = org
    [acct] = engine.create("Account", [{"Name": "Acme"}], user_id=user_id)
    assert acct.id is not None
    [ok] = engine.create("Contact", [{"LastName": "X", "AccountId": acct.id[:15]}], user_id=user_id)
    assert ok.success
    assert engine.retrieve("Contact", ok.id, ["AccountId"])["AccountId"] == acct.id  # type: ignore[arg-type]
    [bad] = engine.create("Contact", [{"LastName": "X", "AccountId": user_id}], user_id=user_id)
    assert bad.errors[0].status_code == "INVALID_CROSS_REFERENCE_KEY"


# --- update, delete, retrieve ---------------------------------------------------------------


def test_update_changes_fields_name_and_audit(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    [created] = engine.create("Lead", [_lead(FirstName="Jane")], user_id=user_id)
    later = datetime(2024, 2, 1, tzinfo=UTC)
    engine.clock = lambda: later
    other = engine.ids.new("005")
    engine.store.insert(
        "User", [{"Id": other, "Username": "o@x", "LastName": "O", "Email": "o@x.com"}]
    )
    [res] = engine.update(
        "Lead", [{"Id": created.id, "FirstName": "Joan", "Title": "CEO"}], user_id=other, api="rest"
    )
    assert (res.id, res.success, res.created) == (created.id, True, False)
    row = engine.retrieve("Lead", created.id)  # type: ignore[arg-type]
    assert (row["Name"], row["Title"], row["Company"]) == ("Joan Doe", "CEO", "Acme")
    assert (row["CreatedById"], row["CreatedDate"]) == (user_id, STAMP)
    assert (row["LastModifiedById"], row["LastModifiedDate"]) == (
        other,
        "2024-02-01T00:00:00.000+0000",
    )


@pytest.mark.parametrize(
    ("change", "api", "code"),
    [
        ({"LastName": ""}, "rest", "REQUIRED_FIELD_MISSING"),
        ({"LastName": "#N/A"}, "bulk1", "REQUIRED_FIELD_MISSING"),
        ({"IsConverted": "true"}, "rest", "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Email": "nope"}, "rest", "INVALID_EMAIL_ADDRESS"),
        ({"Bogus": "1"}, "rest", "INVALID_FIELD"),
    ],
)
def test_update_validation(org: tuple[Engine, str], change: dict, api: str, code: str) -> None:
    engine, user_id = org
    [created] = engine.create("Lead", [_lead()], user_id=user_id)
    [res] = engine.update("Lead", [{"Id": created.id, **change}], user_id=user_id, api=api)
    assert not res.success
    assert res.errors[0].status_code == code
    assert engine.retrieve("Lead", created.id)["LastName"] == "Doe"  # type: ignore[arg-type]


def test_update_bulk_blank_cell_leaves_field_and_na_clears(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    [created] = engine.create("Lead", [_lead(Title="CEO", Phone="123")], user_id=user_id)
    [res] = engine.update(
        "Lead", [{"Id": created.id, "Title": "", "Phone": "#N/A"}], user_id=user_id, api="bulk1"
    )
    assert res.success
    row = engine.retrieve("Lead", created.id, ["Title", "Phone"])  # type: ignore[arg-type]
    assert (row["Title"], row["Phone"]) == ("CEO", None)


@pytest.mark.parametrize(
    ("rid", "code"),
    [
        ("", "MISSING_ARGUMENT"),
        ("xyz", "MALFORMED_ID"),
        ("0035g0000000001AAA", "INVALID_CROSS_REFERENCE_KEY"),
        ("00Q5g00000000ZZ", "ENTITY_IS_DELETED"),
    ],
)
def test_update_bad_ids(org: tuple[Engine, str], rid: str, code: str) -> None:
    engine, user_id = org
    [res] = engine.update("Lead", [{"Id": rid, "Title": "x"}], user_id=user_id)
    assert res.errors[0].status_code == code


def test_delete(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    a, b = engine.create("Lead", [_lead(), _lead()], user_id=user_id)
    results = engine.delete("Lead", [a.id, a.id, "bad", user_id, b.id[:15]], user_id=user_id)  # type: ignore[list-item,index]
    assert [(r.success, r.errors[0].status_code if r.errors else None) for r in results] == [
        (True, None),
        (False, "ENTITY_IS_DELETED"),
        (False, "MALFORMED_ID"),
        (False, "INVALID_CROSS_REFERENCE_KEY"),
        (True, None),
    ]
    assert results[4].id == b.id
    assert engine.store.count("Lead") == 0
    assert (
        engine.delete("Lead", [a.id], user_id=user_id)[0].errors[0].status_code
        == "ENTITY_IS_DELETED"
    )  # type: ignore[list-item]


def test_retrieve_errors(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    [a] = engine.create("Lead", [_lead()], user_id=user_id)
    for object_name, rid in (("Lead", "00Q5g00000000ZZAAA"), ("Contact", a.id), ("Lead", "junk")):
        with pytest.raises(SfFault) as info:
            engine.retrieve(object_name, rid)  # type: ignore[arg-type]
        assert (info.value.status_code, info.value.http_status) == ("NOT_FOUND", 404)
    with pytest.raises(SfFault) as info:
        engine.retrieve("Lead", a.id, ["Email", "Foo"])  # type: ignore[arg-type]
    assert info.value.status_code == "INVALID_FIELD"
    assert info.value.message.startswith("No such column 'Foo' on entity 'Lead'.")


def test_users_and_counts(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    assert engine.user(user_id)["Username"] == "Admin@Example.com"  # type: ignore[index]
    assert engine.user(user_id[:15])["Id"] == user_id  # type: ignore[index]
    assert engine.user("nope") is None
    assert engine.user_by_username("admin@example.COM")["Id"] == user_id  # type: ignore[index]
    assert engine.user_by_username("x@y") is None
    engine.create("Lead", [_lead(), _lead()], user_id=user_id)
    # objects without records are left out, as a real org leaves them out
    assert engine.record_counts(["lead", "Contact", "Nope"]) == {
        "sObjects": [{"count": 2, "name": "Lead"}]
    }
    listed = {c["name"] for c in engine.record_counts(None)["sObjects"]}
    assert "Lead" in listed and "Contact" not in listed and listed <= set(SCHEMA)


def test_query_delegates_to_soql(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    engine.create("Lead", [_lead(Email="q@x.com"), _lead(Email="r@x.com")], user_id=user_id)
    cursor = engine.query("SELECT Id, Email FROM Lead WHERE Email = 'Q@X.COM'", user_id=user_id)
    assert cursor.total_size == 1
    assert [r["Email"] for r in cursor.fetch(10)] == ["q@x.com"]


# --- describe -----------------------------------------------------------------------------


def test_describe_lead_shape(org: tuple[Engine, str]) -> None:
    engine, _ = org
    d = engine.describe("lead", api_version="60.0")
    assert (d["name"], d["keyPrefix"], d["label"], d["labelPlural"]) == (
        "Lead",
        "00Q",
        "Lead",
        "Leads",
    )
    assert d["createable"] and d["queryable"]
    assert d["urls"]["describe"] == "/services/data/v60.0/sobjects/Lead/describe"
    fields = {f["name"]: f for f in d["fields"]}
    assert list(fields) == SCHEMA["Lead"].field_names
    email = fields["Email"]
    assert (email["type"], email["length"], email["soapType"], email["nillable"]) == (
        "email",
        80,
        "xsd:string",
        True,
    )
    assert (email["unique"], email["caseSensitive"], email["createable"]) == (False, False, True)
    last = fields["LastName"]
    assert (last["nillable"], last["label"]) == (False, "Last Name")
    owner = fields["OwnerId"]
    assert (owner["referenceTo"], owner["relationshipName"], owner["soapType"]) == (
        ["User"],
        "Owner",
        "tns:ID",
    )
    assert fields["Name"]["createable"] is False
    assert fields["CreatedDate"]["type"] == "datetime"
    assert fields["Status"]["picklistValues"][0]["value"] == "Open - Not Contacted"
    with pytest.raises(SfFault):
        engine.describe("Nope")


def test_describe_global(org: tuple[Engine, str]) -> None:
    engine, _ = org
    g = engine.describe_global()
    assert (g["encoding"], g["maxBatchSize"]) == ("UTF-8", 200)
    assert {o["name"] for o in g["sobjects"]} == set(SCHEMA)
    contact = next(o for o in g["sobjects"] if o["name"] == "Contact")
    assert contact["keyPrefix"] == "003"
    assert contact["urls"]["sobject"] == "/services/data/v62.0/sobjects/Contact"


def test_duplicate_rules_ui_without_rules(org: tuple[Engine, str]) -> None:
    engine, _ = org
    assert engine.duplicate_rules_ui("lead")["duplicateRules"] == []


# --- value conversion -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (("Lead", "HasOptedOutOfEmail"), "True", True),
        (("Lead", "HasOptedOutOfEmail"), "0", False),
        (("Lead", "HasOptedOutOfEmail"), False, False),
        (("Lead", "HasOptedOutOfEmail"), "", None),
        (("ApexClass", "ApiVersion"), "61.0", 61.0),
        (("ApexClass", "ApiVersion"), 61, 61.0),
        (("MatchingRuleItem", "SortOrder"), "3", 3),
        (("Lead", "CreatedDate"), "2024-01-31T10:30:00+01:00", "2024-01-31T09:30:00.000+0000"),
        (("Lead", "CreatedDate"), "2024-01-31T09:30:00.5Z", "2024-01-31T09:30:00.500+0000"),
        (("Lead", "CreatedDate"), "2024-01-31T09:30:00.000+0000", "2024-01-31T09:30:00.000+0000"),
        (("Lead", "Phone"), 12345, "12345"),
        (("Lead", "Title"), "  ", None),
    ],
)
def test_convert_value(field: tuple[str, str], raw: object, expected: object) -> None:
    f = SCHEMA[field[0]].field(field[1])
    assert f is not None
    assert convert_value(f, raw) == expected


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        (("Lead", "HasOptedOutOfEmail"), "maybe"),
        (("ApexClass", "ApiVersion"), "abc"),
        (("ApexClass", "ApiVersion"), "nan"),
        (("MatchingRuleItem", "SortOrder"), "1.5"),
        (("Lead", "CreatedDate"), "yesterday"),
        (("Lead", "Title"), {"a": 1}),
    ],
)
def test_convert_value_rejects(field: tuple[str, str], raw: object) -> None:
    f = SCHEMA[field[0]].field(field[1])
    assert f is not None
    with pytest.raises(InvalidValue):
        convert_value(f, raw)


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("jane.doe@example.com", True),
        ("o'brien+tag@mail.example.co.uk", True),
        ("x@localhost", False),
        ("a@@b.com", False),
        ("a b@c.com", False),
        ("@c.com", False),
        ("a@b..com", False),
        ("a@.com", False),
        ("a" * 65 + "@c.com", False),
    ],
)
def test_is_valid_email(email: str, ok: bool) -> None:
    assert is_valid_email(email) is ok


@settings(max_examples=50, deadline=None)
@given(st.emails())
def test_generated_emails_that_fit_are_accepted(email: str) -> None:
    local, _, domain = email.rpartition("@")
    if len(local) <= 64 and "." in domain:
        assert is_valid_email(email)


# --- concurrency --------------------------------------------------------------------------


def test_threads_create_concurrently(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    errors: list[BaseException] = []
    ids: list[str] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                res = engine.create("Lead", [_lead(Email=f"t{n}.{i}@x.com")], user_id=user_id)
                ids.append(res[0].id)  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(ids)) == 120
    assert engine.store.count("Lead") == 120


# --- duplicate rules ----------------------------------------------------------------------


def _rules(**kw: Any) -> RuleSet:
    match = MatchingRule("Lead_Email", "Lead", (("Email", "Exact"),))
    return RuleSet([DuplicateRule("Lead_Dupes", "Lead", (match,), **kw)])


def test_block_rule_gives_duplicates_detected_and_ignores_same_call() -> None:
    engine, user_id = _engine(_rules(action_on_insert="Block"))
    first = engine.create(
        "Lead", [_lead(Email="dup@x.com"), _lead(Email="DUP@x.com")], user_id=user_id, api="bulk1"
    )
    assert [r.success for r in first] == [True, True]  # same call: never compared
    again = engine.create(
        "Lead",
        [_lead(Email="Dup@X.com"), _lead(Email="new@x.com"), _lead(Email="")],
        user_id=user_id,
        duplicate_header=DuplicateHeader(allow_save=True),
        api="rest",
    )
    assert [r.success for r in again] == [False, True, True]
    err = again[0].errors[0]
    assert (err.status_code, err.message) == ("DUPLICATES_DETECTED", "Use one of these records?")
    assert err.duplicate_result is not None
    assert engine.store.count("Lead") == 4


def test_alert_rule_respects_header_on_rest_and_fails_bulk() -> None:
    engine, user_id = _engine(_rules(operations_on_insert=frozenset({"Alert"})))
    engine.create("Lead", [_lead(Email="dup@x.com")], user_id=user_id)
    [blocked] = engine.create("Lead", [_lead(Email="dup@x.com")], user_id=user_id, api="rest")
    assert blocked.errors[0].status_code == "DUPLICATES_DETECTED"
    [allowed] = engine.create(
        "Lead",
        [_lead(Email="dup@x.com")],
        user_id=user_id,
        duplicate_header=DuplicateHeader(allow_save=True),
        api="collections",
    )
    assert allowed.success
    [bulk] = engine.create(
        "Lead",
        [_lead(Email="dup@x.com")],
        user_id=user_id,
        duplicate_header=DuplicateHeader(allow_save=True),
        api="bulk2",
    )
    assert bulk.errors[0].status_code == "DUPLICATES_DETECTED"


def test_report_only_rule_saves_silently_and_records_sets() -> None:
    engine, user_id = _engine(_rules(operations_on_insert=frozenset({"Report"})))
    [first] = engine.create("Lead", [_lead(Email="dup@x.com")], user_id=user_id)
    [second] = engine.create("Lead", [_lead(Email="DUP@x.com")], user_id=user_id, api="bulk1")
    assert second.success
    assert engine.store.count("DuplicateRecordSet") == 1
    items = engine.store.select("DuplicateRecordItem", ["RecordId"])
    assert {i["RecordId"] for i in items} == {first.id, second.id}


def test_update_runs_rules_without_matching_itself() -> None:
    engine, user_id = _engine(_rules(action_on_update="Block"))
    a, b = engine.create("Lead", [_lead(Email="a@x.com"), _lead(Email="b@x.com")], user_id=user_id)
    [same] = engine.update("Lead", [{"Id": a.id, "Email": "A@x.com"}], user_id=user_id)
    assert same.success
    [clash] = engine.update("Lead", [{"Id": b.id, "Email": "a@X.com"}], user_id=user_id)
    assert clash.errors[0].status_code == "DUPLICATES_DETECTED"
    assert engine.retrieve("Lead", b.id, ["Email"])["Email"] == "b@x.com"  # type: ignore[arg-type]


def test_duplicate_rules_ui_delegates() -> None:
    engine, _ = _engine(_rules())
    body = engine.duplicate_rules_ui("Lead")
    assert [r["name"] for r in body["duplicateRules"]] == ["Lead_Dupes"]


def test_update_and_delete_all_or_none_roll_back(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    a, b = engine.create("Lead", [_lead(Title="T"), _lead(Title="T")], user_id=user_id)
    results = engine.update(
        "Lead",
        [{"Id": a.id, "Title": "New"}, {"Id": b.id, "Email": "bad"}],
        user_id=user_id,
        api="collections",
        all_or_none=True,
    )
    assert [(r.id, r.errors[0].status_code) for r in results] == [
        (a.id, "ALL_OR_NONE_OPERATION_ROLLED_BACK"),
        (b.id, "INVALID_EMAIL_ADDRESS"),
    ]
    assert engine.retrieve("Lead", a.id, ["Title"])["Title"] == "T"  # type: ignore[arg-type]
    deleted = engine.delete("Lead", [a.id, "bad"], user_id=user_id, all_or_none=True)  # type: ignore[list-item]
    assert [r.errors[0].status_code for r in deleted] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "MALFORMED_ID",
    ]
    assert engine.store.count("Lead") == 2


def test_delete_without_object_uses_id_prefix(org: tuple[Engine, str]) -> None:
    engine, user_id = org
    [lead] = engine.create("Lead", [_lead()], user_id=user_id)
    [acct] = engine.create("Account", [{"Name": "A"}], user_id=user_id)
    results = engine.delete(None, [lead.id, acct.id], user_id=user_id)  # type: ignore[list-item]
    assert [r.success for r in results] == [True, True]
    assert engine.record_counts(["Lead", "Account"])["sObjects"] == []  # deleted: not counted
    assert engine.query("SELECT Id FROM Lead", include_deleted=True).total_size == 1


def test_describe_account_child_relationships(org: tuple[Engine, str]) -> None:
    engine, _ = org
    children = engine.describe("Account")["childRelationships"]
    contacts = {"childSObject": "Contact", "field": "AccountId", "relationshipName": "Contacts"}
    assert contacts.items() <= children[0].items()
