"""How the audit reads the org: readMetadata 10 names a call, the UI API and Metadata as
fallbacks for each other, an audit that goes on when most reads are refused, and the rule
condition evaluator (table-driven and a hypothesis property)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sfclean
from sfclean.auditing.conditions import _boolean, describe, holds, is_user_condition
from sfclean.auditing.rulesread import Condition
from sfclean.localorg import LocalOrg
from sfclean.salesforce import connect

DATA = Path(__file__).parent / "data" / "audit"


def _audit(org: LocalOrg, **kw: Any) -> sfclean.AuditResult:
    with connect(
        instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
    ) as conn:
        return sfclean.audit(conn, **kw)


def _rule(name: str, obj: str, active: bool = True) -> dict[str, Any]:
    return {
        "developerName": name, "sobjectType": obj, "isActive": active,
        "actionOnInsert": "Allow", "operationsOnInsert": ["Report"],
        "actionOnUpdate": "Block", "securityOption": "BypassSharingRules",
        "duplicateRuleMatchRules": [{"matchingRule": f"{obj}_Email"}],
    }  # fmt: skip


def test_read_metadata_asks_ten_names_a_call(localorg_factory: Callable[..., LocalOrg]) -> None:
    rules = [_rule(f"Lead_R{i}", "Lead", i < 5) for i in range(7)]
    rules += [_rule(f"Contact_R{i}", "Contact", i < 5) for i in range(5)]
    seed = {
        "matchingRules": [
            {
                "developerName": f"{o}_Email",
                "sobjectType": o,
                "matchingRuleItems": [{"fieldName": "Email", "matchingMethod": "Exact"}],
            }
            for o in ("Lead", "Contact")
        ],
        "duplicateRules": rules,
    }
    org = localorg_factory(seed)
    result = _audit(org)
    soap = [r for r in org.requests if r.path.startswith("/services/Soap/m/")]
    assert len(soap) == 2  # 12 rules: 10 + 2
    assert {r["security_option"] for r in result.rules} == {"BypassSharingRules"}
    # the inactive rules' actions come from the Metadata API only
    off = next(r for r in result.rules if r["name"] == "Lead_R6")
    assert off["active"] is False and off["actions"] == {"insert": "Allow", "update": "Block"}
    silent = result.findings[result.findings["code"] == "rule-allow-silent"]
    assert len(silent) == 10 and set(silent["message"].str.endswith("on insert")) == {True}


def test_ui_api_refused_metadata_still_gives_the_actions(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(DATA / "leaky.yaml")
    org.faults.fail(403, path="/ui-api/duplicates/", times=None)
    result = _audit(org)
    refused = result.findings[result.findings["code"] == "cannot-read"]
    assert set(refused["subject"]) == {"UI API duplicates of Lead", "UI API duplicates of Contact"}
    codes = set(result.findings["code"])
    assert {"rule-allow-silent", "rule-allow-alert", "rule-excludes-users"} <= codes


def test_with_soql_and_ui_api_refused_the_audit_goes_on_with_the_code(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(DATA / "leaky.yaml")
    org.faults.fail(403, path=r"/data/v[\d.]+/query", times=None)
    org.faults.fail(403, path="/ui-api/", times=None)
    result = _audit(org)
    refused = set(result.findings.loc[result.findings["code"] == "cannot-read", "subject"])
    assert {"DuplicateRule (SOQL)", "User", "LoginHistory", "PermissionSetAssignment"} <= refused
    assert "no-active-rule" not in set(result.findings["code"])  # not claimed without reading
    assert "code-allowsave-true" in set(result.findings["code"])  # Tooling API still read
    assert result.verdict == "high"


# --- conditions --------------------------------------------------------------------------

USER = {
    "Username": "etl@x.example",
    "Name": "Etl",
    "Profile.Name": "Integration",
    "UserRole.Name": None,
}


@pytest.mark.parametrize(
    ("items", "logic", "runs"),
    [
        ([Condition("Profile.Name", "notEqual", "Integration", "User")], None, False),
        ([Condition("Profile.Name", "notEqual", "Sales, Marketing", "User")], None, True),
        ([Condition("Username", "equals", "ETL@x.example", "User")], None, True),
        ([Condition("Username", "notContain", "etl", "User")], None, False),
        ([Condition("Username", "startsWith", "sync", "User")], None, False),
        ([Condition("$User.Username", "contains", "@x.example")], None, True),
        ([Condition("Profile", "equals", "Integration")], None, True),
        (
            [Condition("Username", "equals", "a@b.c", "User"), Condition("LeadSource", "equals", "Web", "Lead")],
            "1 OR 2", True,
        ),
        (
            [Condition("Username", "equals", "a@b.c", "User"), Condition("Profile.Name", "equals", "Integration", "User")],
            "1 AND NOT 2", False,
        ),
    ],
)  # fmt: skip
def test_holds_for_a_user(items: list[Condition], logic: str | None, runs: bool) -> None:
    assert holds(items, logic, USER) is runs


def test_user_and_record_conditions_and_plain_words() -> None:
    assert is_user_condition(Condition("Profile.Name", "equals", "x"))
    assert is_user_condition(Condition("Anything__c", "equals", "x", "User"))
    assert not is_user_condition(Condition("Bypass_Duplicate_Rules__c", "equals", "false"))
    assert not is_user_condition(Condition("Username", "equals", "x", "Lead"))
    assert describe(Condition("Bypass__c", "notEqual", "")) == "Bypass__c ≠ (blank)"


_expr = st.deferred(
    lambda: (
        st.integers(1, 4).map(str)
        | st.tuples(_expr, st.sampled_from(["AND", "OR"]), _expr).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        )
        | _expr.map(lambda e: f"NOT {e}")
    )
)


@given(_expr, st.lists(st.booleans(), min_size=4, max_size=4))
def test_boolean_filter_agrees_with_python(expression: str, values: list[bool]) -> None:
    python = expression.replace("AND", "and").replace("OR", "or").replace("NOT", "not")
    for i in range(4, 0, -1):
        python = python.replace(str(i), str(values[i - 1]))
    assert _boolean(expression, values) is eval(python)  # built from the grammar above


# --- the readMetadata answer -------------------------------------------------------------


def test_parse_records_reads_lists_nils_and_faults() -> None:
    from sfclean.errors import ApiError
    from sfclean.salesforce._metadata import envelope, parse_records

    body = (
        b'<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        b'xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        b'<soapenv:Body><readMetadataResponse><result><records xsi:type="DuplicateRule">'
        b'<fullName>Lead.R</fullName><alertText xsi:nil="true"/>'
        b"<operationsOnInsert>Report</operationsOnInsert></records></result></readMetadataResponse>"
        b"</soapenv:Body></soapenv:Envelope>"
    )
    assert parse_records(200, body, "https://x") == [
        {"fullName": "Lead.R", "alertText": None, "operationsOnInsert": ["Report"]}
    ]
    fault = (
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
        b"<soapenv:Fault><faultcode>sf:INSUFFICIENT_ACCESS</faultcode>"
        b"<faultstring>INSUFFICIENT_ACCESS: no</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    with pytest.raises(ApiError, match=r"refused readMetadata \(INSUFFICIENT_ACCESS\)") as err:
        parse_records(500, fault, "https://x")
    assert err.value.error_code == "INSUFFICIENT_ACCESS" and err.value.http_status == 500
    with pytest.raises(ApiError, match="not XML"):
        parse_records(502, b"<html>bad gateway", "https://x")
    request = envelope("00D!<&>", "DuplicateRule", ["Lead.A&B"])
    assert b"<met:sessionId>00D!&lt;&amp;&gt;</met:sessionId>" in request
    assert b"<met:fullNames>Lead.A&amp;B</met:fullNames>" in request
