"""Duplicate rules as Salesforce documents them, evaluated against a real localorg Store
(through :class:`rules_org.Org`, which saves records the way the engine does).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_org import (
    ALL_APIS,
    BULK_APIS,
    CONTACT_EMAIL,
    HEADER_APIS,
    Org,
    blocked,
    contact_rule,
)

from sfclean.localorg.errors import SeedError
from sfclean.localorg.ids import IdFactory
from sfclean.localorg.rulemodel import eval_boolean_filter
from sfclean.localorg.rules import (
    DEFAULT_ALERT_TEXT,
    DuplicateRule,
    MatchingRule,
    RuleSet,
    match_key,
)
from sfclean.localorg.seed import load_seed
from sfclean.localorg.store import Store

# --- actions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ALL_APIS)
@pytest.mark.parametrize("header", [None, "allowSave=true", "allowSave=false"])
def test_block_stops_the_save_on_every_api_whatever_the_header(
    api: str, header: str | None
) -> None:
    org = Org({"duplicateRules": [contact_rule()]})
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    (outcome,) = org.save(
        "Contact", {"LastName": "B", "Email": "ANN@example.com"}, api=api, header=header
    )
    err = blocked(outcome)
    assert (err.status_code, err.message, err.fields) == (
        "DUPLICATES_DETECTED",
        DEFAULT_ALERT_TEXT,
        [],
    )
    assert org.store.count("Contact") == 1
    assert (err.duplicate_result is not None) == (api in ("rest", "composite"))


def test_rest_error_carries_the_documented_duplicate_result_body() -> None:
    org = Org({"duplicateRules": [contact_rule(alertText="Use the existing contact")]})
    (existing,) = org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    (outcome,) = org.save("Contact", {"LastName": "B", "Email": "ann@example.com"}, api="rest")
    body = blocked(outcome).duplicate_result
    assert body == {
        "allowSave": False,
        "duplicateRule": "Contact_Dupes",
        "duplicateRuleEntityType": "Contact",
        "errorMessage": "Use the existing contact",
        "matchResults": [
            {
                "entityType": "Contact",
                "errors": [],
                "matchEngine": "ExactMatchEngine",
                "matchRecords": [
                    {
                        "additionalInformation": [],
                        "fieldDiffs": [],
                        "matchConfidence": 100.0,
                        "record": {
                            "attributes": {
                                "type": "Contact",
                                "url": f"/services/data/v62.0/sobjects/Contact/{existing}",
                            },
                            "Id": existing,
                        },
                    }
                ],
                "rule": "Contact_Email",
                "size": 1,
                "success": True,
            }
        ],
    }
    assert blocked(outcome).message == "Use the existing contact"


def test_include_record_details_adds_the_matched_fields() -> None:
    org = Org({"duplicateRules": [contact_rule()]})
    org.add("Contact", {"LastName": "A", "Email": "Ann@Example.com"})
    (outcome,) = org.save(
        "Contact", {"LastName": "B", "Email": "ann@example.com"}, header="includeRecordDetails=true"
    )
    record = blocked(outcome).duplicate_result["matchResults"][0]["matchRecords"][0]["record"]  # type: ignore[index]
    assert record["Email"] == "Ann@Example.com"


@pytest.mark.parametrize("api", HEADER_APIS)
def test_allow_with_alert_fails_without_allow_save_and_saves_with_it(api: str) -> None:
    org = Org(
        {"duplicateRules": [contact_rule(actionOnInsert="Allow", operationsOnInsert=["Alert"])]}
    )
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    (refused,) = org.save("Contact", {"LastName": "B", "Email": "ann@example.com"}, api=api)
    assert blocked(refused).status_code == "DUPLICATES_DETECTED"
    if api == "rest":
        assert blocked(refused).duplicate_result["allowSave"] is True  # type: ignore[index]
    (allowed,) = org.save(
        "Contact", {"LastName": "B", "Email": "ann@example.com"}, api=api, header="allowSave=true"
    )
    assert allowed.block is None
    assert org.store.count("Contact") == 2


@pytest.mark.parametrize("api", BULK_APIS)
def test_allow_with_alert_fails_the_row_on_bulk_even_with_allow_save(api: str) -> None:
    org = Org(
        {
            "duplicateRules": [
                contact_rule(actionOnInsert="Allow", operationsOnInsert=["Alert", "Report"])
            ]
        }
    )
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    (outcome,) = org.save(
        "Contact", {"LastName": "B", "Email": "ann@example.com"}, api=api, header="allowSave=true"
    )
    err = blocked(outcome)
    assert (err.status_code, err.duplicate_result) == ("DUPLICATES_DETECTED", None)
    assert outcome.report == []
    assert org.store.count("DuplicateRecordSet") == 0


@pytest.mark.parametrize("api", ALL_APIS)
def test_allow_without_alert_saves_silently(api: str) -> None:
    org = Org({"duplicateRules": [contact_rule(actionOnInsert="Allow", operationsOnInsert=[])]})
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    (outcome,) = org.save("Contact", {"LastName": "B", "Email": "ann@example.com"}, api=api)
    assert outcome.block is None
    assert len(outcome.matches) == 1  # it was a duplicate, and nobody was told
    assert org.store.count("Contact") == 2
    assert org.store.count("DuplicateRecordSet") == 0


def test_report_writes_a_duplicate_record_set_with_items() -> None:
    org = Org(
        {"duplicateRules": [contact_rule(actionOnInsert="Allow", operationsOnInsert=["Report"])]}
    )
    (first,) = org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    (outcome,) = org.save("Contact", {"LastName": "B", "Email": "ann@example.com"}, api="bulk2")
    assert outcome.block is None
    new_id = org.store.select("Contact", ["Id"], where='"LastName" = ?', params=["B"])[0]["Id"]
    (drs,) = org.store.select("DuplicateRecordSet")
    rule_id = org.store.select("DuplicateRule", ["Id"])[0]["Id"]
    assert (drs["Name"], drs["DuplicateRuleId"], drs["RecordCount"]) == ("DRS-00001", rule_id, 2)
    items = org.store.select("DuplicateRecordItem")
    assert sorted(i["RecordId"] for i in items) == sorted([first, new_id])
    assert {i["DuplicateRecordSetId"] for i in items} == {drs["Id"]}
    assert [i["Name"] for i in items] == ["DRI-00001", "DRI-00002"]
    org.save("Contact", {"LastName": "C", "Email": "ann@example.com"}, api="bulk2")
    names = sorted(r["Name"] for r in org.store.select("DuplicateRecordSet"))
    assert names == ["DRS-00001", "DRS-00002"]
    assert (
        org.store.select("DuplicateRecordSet", where='"Name" = ?', params=["DRS-00002"])[0][
            "RecordCount"
        ]
        == 3
    )


def test_records_of_the_same_call_are_never_compared_with_each_other() -> None:
    org = Org({"duplicateRules": [contact_rule()]})
    twins = [{"LastName": n, "Email": "twin@example.com"} for n in ("A", "B", "C")]
    outcomes = org.save("Contact", *twins, api="bulk1")
    assert [o.block for o in outcomes] == [None, None, None]
    assert org.store.count("Contact") == 3
    (later,) = org.save("Contact", {"LastName": "D", "Email": "twin@example.com"}, api="bulk1")
    assert later.block is not None


def test_update_checks_action_on_update_and_never_matches_the_record_itself() -> None:
    org = Org({"duplicateRules": [contact_rule(actionOnInsert="Allow", actionOnUpdate="Block")]})
    a, b = org.add(
        "Contact",
        {"LastName": "A", "Email": "a@example.com"},
        {"LastName": "B", "Email": "b@example.com"},
    )
    (same,) = org.save("Contact", {"Id": a, "Email": "A@example.com"}, operation="update")
    assert same.block is None
    (clash,) = org.save("Contact", {"Id": b, "Email": "a@example.com"}, operation="update")
    assert blocked(clash).status_code == "DUPLICATES_DETECTED"


# --- matching ----------------------------------------------------------------------------------


def test_cross_object_lead_rule_matches_contacts() -> None:
    rule = contact_rule(
        developerName="Lead_vs_Contact",
        sobjectType="Lead",
        duplicateRuleMatchRules=[
            {"matchRuleSObjectType": "Contact", "matchingRule": "Contact_Email"}
        ],
    )
    org = Org({"duplicateRules": [rule]})
    (contact,) = org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    org.add("Lead", {"LastName": "L", "Company": "C", "Email": "lead@example.com"})
    ok, dup = org.save(
        "Lead",
        {"LastName": "X", "Company": "C", "Email": "lead@example.com"},  # a Lead: not compared
        {"LastName": "Y", "Company": "C", "Email": "Ann@example.com"},
    )
    assert ok.block is None
    body = blocked(dup).duplicate_result
    assert body["duplicateRuleEntityType"] == "Lead"  # type: ignore[index]
    match = body["matchResults"][0]  # type: ignore[index]
    assert (match["entityType"], match["matchRecords"][0]["record"]["Id"]) == ("Contact", contact)


def test_object_mapping_feeds_another_field_of_the_saved_record() -> None:
    rule = contact_rule(
        sobjectType="Lead",
        duplicateRuleMatchRules=[
            {
                "matchRuleSObjectType": "Contact",
                "matchingRule": "Contact_Email",
                "objectMapping": {
                    "mappingFields": [{"inputField": "Website", "outputField": "Email"}]
                },
            }
        ],
    )
    org = Org({"duplicateRules": [rule]})
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    (by_email,) = org.save("Lead", {"LastName": "Y", "Company": "C", "Email": "ann@example.com"})
    (by_website,) = org.save(
        "Lead", {"LastName": "Y", "Company": "C", "Website": "ann@example.com"}
    )
    assert by_email.block is None
    assert by_website.block is not None


def company_org() -> Org:
    match = {
        "developerName": "Lead_Company",
        "sobjectType": "Lead",
        "matchingRuleItems": [{"fieldName": "Company"}],
    }
    rule = contact_rule(
        sobjectType="Lead",
        duplicateRuleMatchRules=[{"matchRuleSObjectType": "Lead", "matchingRule": "Lead_Company"}],
    )
    return Org({"matchingRules": [match], "duplicateRules": [rule]})


@pytest.mark.parametrize(
    ("stored", "saved", "matches"),
    [
        ("A" * 99 + "x", "a" * 99 + "Y", True),  # differ only after character 99
        ("A" * 99 + "x" * 50, "a" * 99, True),
        ("A" * 98 + "x", "a" * 98 + "y", False),  # differ at character 99
        ("A" * 98, "a" * 99, False),
        ("Acme", "ACME", True),
        ("Acme", "Acme Inc", False),
    ],
)
def test_exact_matching_compares_the_first_99_characters_case_insensitively(
    stored: str, saved: str, matches: bool
) -> None:
    org = company_org()
    org.add("Lead", {"LastName": "A", "Company": stored})
    (outcome,) = org.save("Lead", {"LastName": "B", "Company": saved})
    assert (outcome.block is not None) == matches


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_values_never_match(blank: str | None) -> None:
    org = Org({"duplicateRules": [contact_rule()]})
    org.add("Contact", {"LastName": "A", "Email": None})
    org.add(
        "Contact", {"LastName": "A2", "Email": blank} if blank is not None else {"LastName": "A2"}
    )
    (outcome,) = org.save("Contact", {"LastName": "B", "Email": blank})
    assert outcome.block is None and outcome.matches == []


def test_all_fields_of_a_matching_rule_must_match_and_blanks_never_do() -> None:
    match = dict(CONTACT_EMAIL, matchingRuleItems=[{"fieldName": "Email"}, {"fieldName": "Phone"}])
    org = Org({"matchingRules": [match], "duplicateRules": [contact_rule()]})
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com", "Phone": "555-0100"})
    org.add("Contact", {"LastName": "A", "Email": "bob@example.com"})
    cases = [
        ({"Email": "ann@example.com", "Phone": "555-0100"}, True),
        ({"Email": "ann@example.com", "Phone": "555-0199"}, False),
        ({"Email": "ann@example.com"}, False),
        ({"Email": "bob@example.com"}, False),  # both phones blank: still no match
    ]
    for fields, expected in cases:
        (outcome,) = org.save("Contact", {"LastName": "B", **fields}, api="bulk2")
        assert (outcome.block is not None) == expected, fields


def test_at_most_the_first_100_candidates_per_key_are_considered() -> None:
    org = Org({"duplicateRules": [contact_rule()]})
    org.add("Contact", *[{"LastName": str(i), "Email": "same@example.com"} for i in range(150)])
    (outcome,) = org.save("Contact", {"LastName": "B", "Email": "same@example.com"})
    assert blocked(outcome).duplicate_result["matchResults"][0]["size"] == 100  # type: ignore[index]


def test_inactive_rule_is_ignored() -> None:
    org = Org({"duplicateRules": [contact_rule(isActive=False)]})
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    (outcome,) = org.save("Contact", {"LastName": "B", "Email": "ann@example.com"})
    assert outcome.block is None and outcome.matches == []
    assert org.rules.ui_api("Contact")["duplicateRules"] == []


def test_first_stopping_rule_in_sort_order_supplies_the_error() -> None:
    second = contact_rule(developerName="Second", sortOrder=2, alertText="second")
    first = contact_rule(developerName="First", sortOrder=1, alertText="first")
    org = Org({"duplicateRules": [second, first]})
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    (outcome,) = org.save("Contact", {"LastName": "B", "Email": "ann@example.com"})
    assert blocked(outcome).message == "first"
    assert [m.rule.developer_name for m in outcome.matches] == ["First", "Second"]


# --- conditions and sharing ----------------------------------------------------------------------


def filtered_rule(items: list[dict[str, Any]], boolean_filter: str | None = None) -> dict[str, Any]:
    flt: dict[str, Any] = {"duplicateRuleFilterItems": items}
    if boolean_filter:
        flt["booleanFilter"] = boolean_filter
    return contact_rule(duplicateRuleFilter=flt)


@pytest.mark.parametrize(
    ("items", "boolean_filter", "expect_blocked"),
    [
        ([{"table": "User", "field": "Profile.Name", "operation": "notEqual", "value": "Integration User"}], None,
         {"int": False, "rep": True, "admin": True}),
        ([{"table": "User", "field": "Username", "operation": "notEqual", "value": "rep@x.example.com"}], None,
         {"int": True, "rep": False, "admin": True}),
        ([{"table": "User", "field": "Profile.Name", "operation": "equals", "value": "Standard User,System Administrator"}], None,
         {"int": False, "rep": True, "admin": True}),
        ([{"table": "User", "field": "Profile.Name", "operation": "equals", "value": "Integration User"},
          {"table": "User", "field": "Username", "operation": "startsWith", "value": "rep@"}], "1 OR 2",
         {"int": True, "rep": True, "admin": False}),
        ([{"table": "Contact", "field": "LeadSource", "operation": "notEqual", "value": "Web"}], None,
         {"int": False, "rep": False, "admin": False}),
    ],
)  # fmt: skip
def test_rule_conditions_exclude_users_profiles_or_records(
    items: list[dict[str, Any]], boolean_filter: str | None, expect_blocked: dict[str, bool]
) -> None:
    org = Org({"duplicateRules": [filtered_rule(items, boolean_filter)]})
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    users = {"int": "int@x.example.com", "rep": "rep@x.example.com", "admin": None}
    for who, username in users.items():
        record = {"LastName": "B", "Email": "ann@example.com", "LeadSource": "Web"}
        (outcome,) = org.save("Contact", record, by=username, api="bulk2")
        assert (outcome.block is not None) == expect_blocked[who], who


@pytest.mark.parametrize(
    ("security", "saver", "creator", "expect_blocked"),
    [
        ("EnforceSharingRules", "rep@x.example.com", None, False),  # admin's record is invisible
        ("EnforceSharingRules", "rep@x.example.com", "rep@x.example.com", True),  # own record
        ("EnforceSharingRules", "viewer@x.example.com", None, True),  # View All Data
        ("EnforceSharingRules", None, "rep@x.example.com", True),  # admin: Modify All Data
        ("BypassSharingRules", "rep@x.example.com", None, True),
    ],
)
def test_enforce_sharing_rules_ignores_matches_the_user_cannot_see(
    security: str, saver: str | None, creator: str | None, expect_blocked: bool
) -> None:
    org = Org({"duplicateRules": [contact_rule(securityOption=security)]})
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com"}, by=creator)
    (outcome,) = org.save("Contact", {"LastName": "B", "Email": "ann@example.com"}, by=saver)
    assert (outcome.block is not None) == expect_blocked


def test_record_owned_but_not_created_by_the_user_is_visible() -> None:
    org = Org({"duplicateRules": [contact_rule(securityOption="EnforceSharingRules")]})
    rep = org.info.users["rep@x.example.com"]
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com", "OwnerId": rep})
    (outcome,) = org.save(
        "Contact", {"LastName": "B", "Email": "ann@example.com"}, by="rep@x.example.com"
    )
    assert outcome.block is not None


# --- describing --------------------------------------------------------------------------------


def test_ui_api_lists_active_rules_in_the_documented_shape() -> None:
    rule = filtered_rule(
        [
            {
                "table": "User",
                "field": "Profile.Name",
                "operation": "notEqual",
                "value": "Integration User",
            }
        ]
    )
    org = Org({"duplicateRules": [rule, contact_rule(developerName="Off", isActive=False)]})
    assert org.rules.ui_api("contact") == {
        "apiName": "Contact",
        "dedupeEnabled": True,
        "dedupeFields": ["Email"],
        "duplicateRules": [
            {
                "actionOnInsert": "Block",
                "actionOnUpdate": "Block",
                "active": True,
                "duplicateRuleFilters": [
                    {
                        "booleanFilter": None,
                        "filterItems": [
                            {
                                "field": "Profile.Name",
                                "operation": "notEqual",
                                "sortOrder": 1,
                                "value": "Integration User",
                            }
                        ],
                    }
                ],
                "matchRules": [
                    {
                        "matchEngine": "ExactMatchEngine",
                        "matchFields": ["Email"],
                        "name": "Contact_Email",
                        "objectApiName": "Contact",
                    }
                ],
                "name": "Contact_Dupes",
                "operationsOnInsert": [],
                "operationsOnUpdate": [],
            }
        ],
        "predupeEnabled": True,
    }
    assert org.rules.ui_api("Lead")["dedupeEnabled"] is False


def test_rule_rows_are_in_the_store_without_action_fields() -> None:
    org = Org(
        {"duplicateRules": [contact_rule(), contact_rule(developerName="Off", isActive=False)]}
    )
    rules = {r["DeveloperName"]: r for r in org.store.select("DuplicateRule")}
    assert {n: (r["SobjectType"], r["IsActive"]) for n, r in rules.items()} == {
        "Contact_Dupes": ("Contact", True),
        "Off": ("Contact", False),
    }
    (mrule,) = org.store.select("MatchingRule")
    assert (mrule["DeveloperName"], mrule["SobjectType"], mrule["RuleStatus"]) == (
        "Contact_Email",
        "Contact",
        "Active",
    )
    (item,) = org.store.select("MatchingRuleItem")
    assert (item["MatchingRuleId"], item["Field"], item["MatchingMethod"]) == (
        mrule["Id"],
        "Email",
        "Exact",
    )
    assert org.rules.sobject_rows()["MatchingRuleItem"][0]["Id"] == item["Id"]


# --- configuration limits and errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_overrides", "extra", "message"),
    [
        ({"actionOnInsert": "Blok"}, {}, "actionOnInsert 'Blok' is not one of Allow, Block"),
        ({"operationsOnInsert": ["Alert", "Email"]}, {}, "operationsOnInsert has 'Email'"),
        ({"securityOption": "Sometimes"}, {}, "securityOption 'Sometimes'"),
        ({"duplicateRuleMatchRules": []}, {}, "needs at least one matching rule"),
        ({"duplicateRuleMatchRules": [{"matchingRule": "Contact_Email"}] * 4}, {}, "at most 3"),
        ({"duplicateRuleMatchRules": [{"matchingRule": "Nope"}]}, {}, "duplicateRuleMatchRules[0].matchingRule: 'Nope' is not declared"),
        ({"duplicateRuleMatchRules": [{"matchingRule": "Contact_Email", "matchRuleSObjectType": "Lead"}]}, {}, "belongs to Contact"),
        ({"sobjectType": "User"}, {}, "cannot have duplicate rules"),
        ({"duplicateRuleFilter": {"duplicateRuleFilterItems": [{"field": "Username", "operation": "like", "value": "x"}]}}, {}, "filter operation 'like'"),
        ({"duplicateRuleFilter": {"booleanFilter": "1 AND 2", "duplicateRuleFilterItems": [{"field": "Username", "operation": "equals", "value": "x"}]}}, {}, "booleanFilter '1 AND 2'"),
        ({"sobjectType": "Lead", "duplicateRuleMatchRules": [{"matchingRule": "Phone_Match"}]}, {"matchingRules": [CONTACT_EMAIL, {"developerName": "Phone_Match", "sobjectType": "Contact", "matchingRuleItems": [{"fieldName": "HomePhone"}]}]}, "Lead has no field 'HomePhone'"),
        ({"colour": "red"}, {}, "duplicateRules[0]: unknown key 'colour'"),
        ({}, {"matchingRules": [dict(CONTACT_EMAIL, matchingRuleItems=[{"fieldName": "Email", "matchingMethod": "FirstName"}])]}, "matchingMethod 'FirstName' is not supported"),
        ({}, {"matchingRules": [dict(CONTACT_EMAIL, matchingRuleItems=[{"fieldName": "Email", "blankValueBehavior": "matchblanks"}])]}, "blankValueBehavior 'matchblanks' is not one of MatchBlanks, NullNotAllowed"),
        ({}, {"matchingRules": [dict(CONTACT_EMAIL, matchingRuleItems=[{"fieldName": "Emial"}])]}, "Contact has no field 'Emial'"),
        ({}, {"matchingRules": [dict(CONTACT_EMAIL, ruleStatus="Paused")]}, "ruleStatus 'Paused' is not one of Active, Inactive, Activating, Deactivating, ActivationFailed, DeactivationFailed"),
    ],
)  # fmt: skip
def test_invalid_rule_config_raises_a_one_line_config_error(
    rule_overrides: dict[str, Any], extra: dict[str, Any], message: str
) -> None:
    config = {
        "matchingRules": [CONTACT_EMAIL],
        "duplicateRules": [contact_rule(**rule_overrides)],
        **extra,
    }
    with pytest.raises(SeedError) as info:
        load_seed(config, Store(), IdFactory())
    text = str(info.value)
    assert message in text and text.startswith("seed config: ") and "\n" not in text


def test_more_than_five_active_rules_per_object_is_refused() -> None:
    rules = [contact_rule(developerName=f"R{i}") for i in range(6)]
    with pytest.raises(SeedError, match="Contact has more than 5 active duplicate rules"):
        load_seed({"matchingRules": [CONTACT_EMAIL], "duplicateRules": rules}, Store(), IdFactory())
    rules[5]["isActive"] = False
    load_seed({"matchingRules": [CONTACT_EMAIL], "duplicateRules": rules}, Store(), IdFactory())


def test_rule_set_validates_rules_built_in_python() -> None:
    email = MatchingRule("Email_Match", "Contact", (("Email", "Exact"),))
    with pytest.raises(SeedError, match="duplicate rule X: actionOnUpdate"):
        RuleSet([DuplicateRule("X", "Contact", (email,), action_on_update="Deny")])
    with pytest.raises(ValueError, match="api must be one of"):
        RuleSet([DuplicateRule("X", "Contact", (email,))]).check(
            Store(), "Contact", [{}], user={}, duplicate_header=None, api="soap"
        )


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="abcXYZ@._-", min_size=1, max_size=150), st.text(max_size=20))
def test_match_key_ignores_ascii_case_and_everything_after_99_characters(
    value: str, tail: str
) -> None:
    key = match_key(value)
    assert key is not None and key == match_key(value.swapcase())
    assert len(key) == min(len(value), 99)
    if len(value) >= 99:
        assert match_key(value[:99] + tail) == key


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.booleans(), min_size=3, max_size=3),
    st.sampled_from(["1 AND 2", "1 OR 2 AND 3", "(1 OR 2) AND NOT 3", "NOT (1 AND 2) OR 3", "1"]),
)
def test_boolean_filter_follows_and_or_not_precedence(values: list[bool], expr: str) -> None:
    python = expr
    for i, v in enumerate(values, start=1):
        python = python.replace(str(i), str(v))
    assert eval_boolean_filter(expr, values) == eval(
        python.replace("AND", "and").replace("OR", "or").replace("NOT", "not")
    )


def test_update_never_compares_records_of_the_same_call_with_each_other() -> None:
    org = Org({"duplicateRules": [contact_rule()]})
    a, b = org.add(
        "Contact",
        {"LastName": "A", "Email": "a@example.com"},
        {"LastName": "B", "Email": "b@example.com"},
    )
    swapped = org.save(
        "Contact",
        {"Id": a, "Email": "b@example.com"},
        {"Id": b, "Email": "a@example.com"},
        operation="update",
    )
    assert [o.block for o in swapped] == [None, None]


@pytest.mark.parametrize(
    ("action", "operations", "header", "api", "sets"),
    [
        ("Allow", ["Alert", "Report"], "allowSave=true", "rest", 1),  # alerted, saved anyway
        ("Allow", ["Alert", "Report"], None, "rest", 0),  # refused: nothing saved to report
        ("Allow", ["Alert", "Report"], "allowSave=true", "bulk1", 0),  # bulk row fails
        ("Allow", ["Report"], None, "bulk1", 1),
        ("Block", ["Report"], "allowSave=true", "rest", 0),
    ],
)
def test_report_is_written_only_for_records_that_were_saved(
    action: str, operations: list[str], header: str | None, api: str, sets: int
) -> None:
    rule = contact_rule(actionOnInsert=action, operationsOnInsert=operations)
    org = Org({"duplicateRules": [rule]})
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    org.save("Contact", {"LastName": "B", "Email": "ann@example.com"}, api=api, header=header)
    assert org.store.count("DuplicateRecordSet") == sets
    assert org.store.count("Contact") == 1 + sets
