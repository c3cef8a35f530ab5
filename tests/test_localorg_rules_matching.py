"""Matching-rule states a real org can be in: a RuleStatus other than Active under an active
duplicate rule, and BlankValueBehavior MatchBlanks (docs/localorg.md, "Matching rules")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rules_org import CONTACT_EMAIL, HEADER_APIS, Org, blocked, contact_rule

from sfclean.localorg.errors import SeedError
from sfclean.localorg.ids import IdFactory
from sfclean.localorg.rules import DuplicateRule, MatchingRule, RuleSet
from sfclean.localorg.seed import load_seed
from sfclean.localorg.store import Store

NOT_ACTIVE = ["Inactive", "Activating", "Deactivating", "ActivationFailed", "DeactivationFailed"]


def matching(name: str, *items: tuple[str, str], status: str = "Active") -> dict[str, Any]:
    """A Contact matching rule over ``items`` (field, blankValueBehavior)."""
    return {
        "developerName": name,
        "sobjectType": "Contact",
        "ruleStatus": status,
        "matchingRuleItems": [
            {"fieldName": f, "matchingMethod": "Exact", "blankValueBehavior": b} for f, b in items
        ],
    }


def uses(*names: str) -> list[dict[str, str]]:
    return [{"matchRuleSObjectType": "Contact", "matchingRule": n} for n in names]


# --- RuleStatus ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", NOT_ACTIVE)
def test_an_active_rule_over_a_matching_rule_that_is_not_active_never_fires(status: str) -> None:
    org = Org(
        {
            "matchingRules": [dict(CONTACT_EMAIL, ruleStatus=status)],
            "duplicateRules": [contact_rule()],
        }
    )
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    (outcome,) = org.save("Contact", {"LastName": "B", "Email": "ann@example.com"})
    assert outcome.block is None and outcome.matches == []
    assert org.store.count("Contact") == 2
    (rule,) = org.rules.for_object("Contact")  # the duplicate rule itself is still active
    assert rule.active and rule.matching_rules[0].status == status


def test_only_the_active_matching_rules_of_a_duplicate_rule_find_matches() -> None:
    email = matching("By_Email", ("Email", "NullNotAllowed"))
    phone = matching("By_Phone", ("Phone", "NullNotAllowed"), status="Inactive")
    org = Org(
        {
            "matchingRules": [email, phone],
            "duplicateRules": [contact_rule(duplicateRuleMatchRules=uses("By_Email", "By_Phone"))],
        }
    )
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com", "Phone": "555-0100"})
    (same_phone,) = org.save("Contact", {"LastName": "B", "Phone": "555-0100"})
    assert same_phone.block is None
    (same_email,) = org.save("Contact", {"LastName": "C", "Email": "ann@example.com"})
    body = blocked(same_email).duplicate_result
    assert [m["rule"] for m in body["matchResults"]] == ["By_Email"]  # type: ignore[index]


def test_rule_status_must_be_one_of_the_documented_values() -> None:
    config = {
        "matchingRules": [dict(CONTACT_EMAIL, ruleStatus="active")],
        "duplicateRules": [contact_rule()],
    }
    with pytest.raises(SeedError, match=r"matchingRules\[0\]\.ruleStatus 'active' is not one of"):
        load_seed(config, Store(), IdFactory())
    bad = MatchingRule("M", "Contact", (("Email", "Exact"),), status="Paused")
    with pytest.raises(SeedError, match="matching rule M: ruleStatus 'Paused'"):
        RuleSet([DuplicateRule("X", "Contact", (bad,))])


# --- BlankValueBehavior -------------------------------------------------------------------


def email_and_phone(phone_blanks: str, **rule: Any) -> Org:
    """Contacts match on Email (NullNotAllowed) and Phone (``phone_blanks``)."""
    return Org(
        {
            "matchingRules": [
                matching("Email_Phone", ("Email", "NullNotAllowed"), ("Phone", phone_blanks))
            ],
            "duplicateRules": [contact_rule(duplicateRuleMatchRules=uses("Email_Phone"), **rule)],
        }
    )


@pytest.mark.parametrize(
    ("saved", "with_blanks", "without"),
    [
        ({"Email": "ann@example.com"}, True, False),  # both phones blank
        ({"Email": "ANN@example.com", "Phone": "  "}, True, False),
        ({"Email": "ann@example.com", "Phone": "555-0100"}, False, False),  # one blank: no match
        ({"Email": "bob@example.com"}, False, False),  # the other field still has to match
    ],
)
def test_match_blanks_makes_two_blank_values_match(
    saved: dict[str, str], with_blanks: bool, without: bool
) -> None:
    for blanks, expected in (("MatchBlanks", with_blanks), ("NullNotAllowed", without)):
        org = email_and_phone(blanks)
        org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})  # no phone
        (outcome,) = org.save("Contact", {"LastName": "B", **saved}, api="bulk2")
        assert (outcome.block is not None) == expected, (blanks, saved)


def test_a_blank_under_match_blanks_never_matches_a_filled_value() -> None:
    org = email_and_phone("MatchBlanks")
    org.add("Contact", {"LastName": "A", "Email": "ann@example.com", "Phone": "555-0100"})
    (outcome,) = org.save("Contact", {"LastName": "B", "Email": "ann@example.com"})
    assert outcome.block is None and outcome.matches == []


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_emails_match_each_other_under_match_blanks_only(blank: str | None) -> None:
    for blanks, expected in (("MatchBlanks", True), ("NullNotAllowed", False)):
        org = Org(
            {
                "matchingRules": [matching("By_Email", ("Email", blanks))],
                "duplicateRules": [contact_rule(duplicateRuleMatchRules=uses("By_Email"))],
            }
        )
        (first,) = org.add("Contact", {"LastName": "A"})
        org.add("Contact", {"LastName": "C", "Email": "cat@example.com"})
        (outcome,) = org.save("Contact", {"LastName": "B", "Email": blank})
        assert (outcome.block is not None) == expected, blanks
        if expected:
            body = blocked(outcome).duplicate_result
            records = body["matchResults"][0]["matchRecords"]  # type: ignore[index]
            assert [r["record"]["Id"] for r in records] == [first]


@pytest.mark.parametrize("api", HEADER_APIS)
def test_match_blanks_under_allow_with_alert_alerts_and_reports(api: str) -> None:
    org = email_and_phone(
        "MatchBlanks", actionOnInsert="Allow", operationsOnInsert=["Alert", "Report"]
    )
    (first,) = org.add("Contact", {"LastName": "A", "Email": "ann@example.com"})
    (alerted,) = org.save("Contact", {"LastName": "B", "Email": "ann@example.com"}, api=api)
    assert blocked(alerted).status_code == "DUPLICATES_DETECTED"
    (saved,) = org.save(
        "Contact", {"LastName": "B", "Email": "ann@example.com"}, api=api, header="allowSave=true"
    )
    assert saved.block is None
    (drs,) = org.store.select("DuplicateRecordSet")
    items = org.store.select("DuplicateRecordItem", ["RecordId"])
    assert drs["RecordCount"] == 2 and first in {i["RecordId"] for i in items}


def test_match_blanks_on_the_first_item_looks_candidates_up_by_the_next() -> None:
    org = Org(
        {
            "matchingRules": [
                matching("Email_Name", ("Email", "MatchBlanks"), ("LastName", "NullNotAllowed"))
            ],
            "duplicateRules": [contact_rule(duplicateRuleMatchRules=uses("Email_Name"))],
        }
    )
    (smith,) = org.add("Contact", {"LastName": "Smith"})
    org.add("Contact", {"LastName": "Smith", "Email": "s@example.com"})
    (outcome,) = org.save("Contact", {"LastName": "SMITH"})
    records = blocked(outcome).duplicate_result["matchResults"][0]["matchRecords"]  # type: ignore[index]
    assert [r["record"]["Id"] for r in records] == [smith]
    (other,) = org.save("Contact", {"LastName": "Jones"})
    assert other.block is None


def test_records_blank_everywhere_consider_at_most_100_candidates() -> None:
    org = Org(
        {
            "matchingRules": [matching("By_Email", ("Email", "MatchBlanks"))],
            "duplicateRules": [contact_rule(duplicateRuleMatchRules=uses("By_Email"))],
        }
    )
    org.add("Contact", *[{"LastName": str(i)} for i in range(150)])
    (outcome,) = org.save("Contact", {"LastName": "B"})
    assert blocked(outcome).duplicate_result["matchResults"][0]["size"] == 100  # type: ignore[index]


def test_blank_value_behavior_must_be_documented_and_name_an_item() -> None:
    config = {
        "matchingRules": [matching("By_Email", ("Email", "Sometimes"))],
        "duplicateRules": [contact_rule(duplicateRuleMatchRules=uses("By_Email"))],
    }
    with pytest.raises(SeedError, match="blankValueBehavior 'Sometimes' is not one of MatchBlanks"):
        load_seed(config, Store(), IdFactory())
    bad = MatchingRule("M", "Contact", (("Email", "Exact"),), match_blanks=frozenset({"Phone"}))
    with pytest.raises(SeedError, match="MatchBlanks names 'phone'"):
        RuleSet([DuplicateRule("X", "Contact", (bad,))])


# --- what the org says about them ---------------------------------------------------------


def test_rule_rows_carry_the_seeded_status_and_blank_behaviour() -> None:
    rule = matching(
        "Email_Phone", ("Email", "NullNotAllowed"), ("Phone", "MatchBlanks"), status="Deactivating"
    )
    org = Org(
        {
            "matchingRules": [rule],
            "duplicateRules": [contact_rule(duplicateRuleMatchRules=uses("Email_Phone"))],
        }
    )
    (row,) = org.store.select("MatchingRule", ["Id", "RuleStatus"])
    assert row["RuleStatus"] == "Deactivating"
    items = org.store.select("MatchingRuleItem", ["Field", "BlankValueBehavior", "SortOrder"])
    assert sorted((i["SortOrder"], i["Field"], i["BlankValueBehavior"]) for i in items) == [
        (1, "Email", "NullNotAllowed"),
        (2, "Phone", "MatchBlanks"),
    ]
    (ui_rule,) = org.rules.ui_api("Contact")["duplicateRules"]
    assert [m["name"] for m in ui_rule["matchRules"]] == ["Email_Phone"]


def test_a_reopened_store_answers_the_new_config_s_status_and_blanks(tmp_path: Path) -> None:
    db = str(tmp_path / "org.db")
    base = {"duplicateRules": [contact_rule(duplicateRuleMatchRules=uses("By_Email"))]}
    store = Store(db)
    load_seed(
        {**base, "matchingRules": [matching("By_Email", ("Email", "NullNotAllowed"))]},
        store,
        IdFactory(),
    )
    store.close()
    store = Store(db)
    changed = matching("By_Email", ("Email", "MatchBlanks"), status="ActivationFailed")
    info = load_seed({**base, "matchingRules": [changed]}, store, IdFactory())
    assert store.select("MatchingRule", ["RuleStatus"]) == [{"RuleStatus": "ActivationFailed"}]
    assert store.select("MatchingRuleItem", ["BlankValueBehavior"]) == [
        {"BlankValueBehavior": "MatchBlanks"}
    ]
    assert info.rules.matching_rules[0].status == "ActivationFailed"
    store.close()
