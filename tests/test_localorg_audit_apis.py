"""What an audit reads from localorg: permissions, login history, the setup audit trail, Apex
through the data and Tooling APIs, and DuplicateRule metadata through SOAP readMetadata,
driven through simple-salesforce (and requests for raw SOAP)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sfclean.localorg.errors import SeedError
from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import salesforce_client

ADMIN = "admin@acme.example.com"
ETL = "etl@acme.example.com"
REP = "rep@acme.example.com"

SEED: dict[str, Any] = {
    "defaultUser": ADMIN,
    "customPermissions": [{"developerName": "Bypass_Duplicate_Rules", "label": "Bypass dupes"}],
    "profiles": [
        {"name": "System Administrator", "modifyAllData": True, "viewAllData": True},
        {
            "name": "Integration",
            "apiUserOnly": True,
            "createAuditFields": True,
            "customPermissions": ["Bypass_Duplicate_Rules"],
        },
        {"name": "Sales", "apiEnabled": False},
    ],
    "permissionSets": [
        {"name": "Metadata_Reader", "modifyMetadata": True, "customizeApplication": True}
    ],
    "userRoles": [{"name": "Sales Ops"}],
    "users": [
        {"username": ADMIN, "name": "Ada Admin", "profile": "System Administrator"},
        {"username": ETL, "name": "Etl Bot", "profile": "Integration", "userType": "Standard"},
        {"username": REP, "name": "Rita Rep", "profile": "Sales", "role": "Sales Ops"},
    ],
    "loginHistory": [
        {
            "user": ETL,
            "loginType": "Remote Access 2.0",
            "application": "Fivetran",
            "loginTime": "2024-05-31T02:00:00Z",
            "apiType": "REST",
            "count": 3,
        },
        {"user": REP, "loginType": "Application", "application": "Browser"},
    ],
    "setupAuditTrail": [
        {
            "user": ADMIN,
            "action": "changedDuplicateRule",
            "section": "Duplicate Rules",
            "display": "Deactivated duplicate rule Lead_Email",
            "createdDate": "2024-05-30T18:00:00Z",
        }
    ],
    "apexClasses": [
        {
            "name": "LeadImport",
            "body": "public class LeadImport {\n  // dml.DuplicateRuleHeader.allowSave = true;\n}",
        },
        {"name": "UTIL_DMLService", "namespacePrefix": "npsp"},
        {
            "name": "Editable",
            "namespacePrefix": "acme",
            "manageableState": "installedEditable",
            "body": "public class Editable {}",
        },
    ],
    "apexTriggers": [
        {
            "name": "LeadTrigger",
            "object": "Lead",
            "body": "trigger LeadTrigger on Lead (before insert) {}",
        }
    ],
    "matchingRules": [
        {
            "developerName": "Lead_Email",
            "sobjectType": "Lead",
            "matchingRuleItems": [{"fieldName": "Email", "matchingMethod": "Exact"}],
        },
        {
            "developerName": "Contact_Email",
            "sobjectType": "Contact",
            "matchingRuleItems": [{"fieldName": "Email", "matchingMethod": "Exact"}],
        },
    ],
    "duplicateRules": [
        {
            "developerName": "Lead_Email_Rule",
            "sobjectType": "Lead",
            "actionOnInsert": "Allow",
            "actionOnUpdate": "Block",
            "operationsOnInsert": ["Report", "Alert"],
            "operationsOnUpdate": [],
            "alertText": "Looks like a duplicate",
            "securityOption": "BypassSharingRules",
            "sortOrder": 1,
            "duplicateRuleFilter": {
                "duplicateRuleFilterItems": [
                    {"table": "User", "field": "Username", "operation": "notEqual", "value": ETL}
                ]
            },
            "duplicateRuleMatchRules": [
                {"matchingRule": "Lead_Email"},
                {"matchingRule": "Contact_Email"},
            ],
        }
    ],
}


@pytest.fixture
def org(localorg_factory: Callable[..., LocalOrg], monkeypatch: pytest.MonkeyPatch) -> LocalOrg:
    started = localorg_factory(SEED)
    # simple-salesforce's mdapi talks through zeep's own requests session, which trusts the
    # CA bundle named in the environment, not the session handed to Salesforce()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(started.ca_bundle))
    return started


def _client(org: LocalOrg, username: str) -> Salesforce:
    return Salesforce(
        instance_url=org.instance_url,
        session_id=org.new_token(username),
        session=org.session(),
        version=org.api_version,
    )


def _soap(org: LocalOrg, token: str, names: list[str], kind: str = "DuplicateRule") -> Any:
    full = "".join(f"<met:fullNames>{n}</met:fullNames>" for n in names)
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:met="http://soap.sforce.com/2006/04/metadata"><soapenv:Header><met:SessionHeader>'
        f"<met:sessionId>{token}</met:sessionId></met:SessionHeader></soapenv:Header><soapenv:Body>"
        f"<met:readMetadata><met:type>{kind}</met:type>{full}</met:readMetadata>"
        "</soapenv:Body></soapenv:Envelope>"
    )
    return org.session().post(
        f"{org.instance_url}/services/Soap/m/{org.api_version}",
        data=body.encode(),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
    )


# --- permissions and users ---------------------------------------------------------------


def test_permission_fields_on_profile_owned_and_regular_permission_sets(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    rows = sf.query(
        "SELECT Assignee.Username, PermissionSet.Name, PermissionSet.IsOwnedByProfile, "
        "PermissionSet.Profile.Name, PermissionSet.Type, PermissionSet.PermissionsApiUserOnly, "
        "PermissionSet.PermissionsCreateAuditFields, PermissionSet.PermissionsModifyMetadata, "
        "PermissionSet.PermissionsApiEnabled FROM PermissionSetAssignment "
        "WHERE Assignee.Username = 'etl@acme.example.com'"
    )["records"]
    assert len(rows) == 1
    ps = rows[0]["PermissionSet"]
    assert ps["IsOwnedByProfile"] is True and ps["Type"] == "Profile"
    assert ps["Profile"]["Name"] == "Integration"
    assert ps["PermissionsApiUserOnly"] is True and ps["PermissionsCreateAuditFields"] is True
    assert ps["PermissionsModifyMetadata"] is False and ps["PermissionsApiEnabled"] is True


def test_profile_exposes_its_permissions_and_users_their_type_and_role(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    sales = sf.query(
        "SELECT PermissionsApiEnabled, PermissionsModifyAllData FROM Profile WHERE Name = 'Sales'"
    )["records"][0]
    assert sales["PermissionsApiEnabled"] is False and sales["PermissionsModifyAllData"] is False
    rep = sf.query(
        "SELECT UserType, IsActive, Profile.Name, UserRole.Name FROM User "
        "WHERE Username = 'rep@acme.example.com'"
    )["records"][0]
    assert (rep["UserType"], rep["IsActive"], rep["Profile"]["Name"]) == ("Standard", True, "Sales")
    assert rep["UserRole"]["Name"] == "Sales Ops"


def test_custom_permission_reaches_its_users_through_setup_entity_access(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    access = sf.query(
        "SELECT ParentId, SetupEntityId FROM SetupEntityAccess WHERE SetupEntityType = "
        "'CustomPermission' AND SetupEntityId IN (SELECT Id FROM CustomPermission WHERE "
        "DeveloperName = 'Bypass_Duplicate_Rules')"
    )["records"]
    assert len(access) == 1
    holders = sf.query(
        "SELECT Assignee.Username FROM PermissionSetAssignment WHERE PermissionSetId = "
        f"'{access[0]['ParentId']}'"
    )["records"]
    assert [h["Assignee"]["Username"] for h in holders] == [ETL]


# --- login history and audit trail ----------------------------------------------------------


def test_login_history_rows_with_count_and_types(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    rows = sf.query(
        "SELECT UserId, LoginType, Application, LoginTime, Status, ApiType FROM LoginHistory "
        "ORDER BY LoginTime DESC"
    )["records"]
    etl = [r for r in rows if r["UserId"] == org.user_id_for(ETL)]
    assert [r["LoginTime"] for r in etl] == [
        "2024-05-31T02:00:00.000+0000",
        "2024-05-31T01:00:00.000+0000",
        "2024-05-31T00:00:00.000+0000",
    ]
    assert {(r["LoginType"], r["Application"], r["Status"], r["ApiType"]) for r in etl} == {
        ("Remote Access 2.0", "Fivetran", "Success", "REST")
    }
    assert [r["LoginType"] for r in rows if r["UserId"] == org.user_id_for(REP)] == ["Application"]


def test_setup_audit_trail_names_who_did_it(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    rows = sf.query(
        "SELECT Action, Section, Display, CreatedDate, CreatedBy.Name, CreatedBy.Username "
        "FROM SetupAuditTrail"
    )["records"]
    assert len(rows) == 1
    assert rows[0]["Display"] == "Deactivated duplicate rule Lead_Email"
    assert rows[0]["CreatedBy"]["Username"] == ADMIN
    assert rows[0]["CreatedDate"] == "2024-05-30T18:00:00.000+0000"


def test_login_history_cannot_be_written(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    with pytest.raises(SalesforceMalformedRequest):
        sf.LoginHistory.create({"LoginType": "Application"})


# --- Apex: data API and Tooling API ------------------------------------------------------


def test_tooling_query_gives_manageable_state_and_hides_managed_bodies(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    result = sf.restful(
        "tooling/query",
        params={
            "q": "SELECT Id, Name, NamespacePrefix, ManageableState, Body, Status, ApiVersion, "
            "LengthWithoutComments FROM ApexClass ORDER BY Name"
        },
    )
    by_name = {r["Name"]: r for r in result["records"]}
    assert by_name["UTIL_DMLService"]["Body"] == "(hidden)"
    assert by_name["UTIL_DMLService"]["ManageableState"] == "installed"
    assert by_name["UTIL_DMLService"]["NamespacePrefix"] == "npsp"
    assert by_name["Editable"]["Body"] == "public class Editable {}"
    assert by_name["LeadImport"]["ManageableState"] == "unmanaged"
    assert by_name["LeadImport"]["NamespacePrefix"] is None
    assert by_name["LeadImport"]["LengthWithoutComments"] == len("public class LeadImport {\n  \n}")
    assert "/tooling/sobjects/ApexClass/" in by_name["Editable"]["attributes"]["url"]


def test_tooling_query_serves_triggers_with_their_object(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    rows = sf.restful(
        "tooling/query",
        params={"q": "SELECT Name, TableEnumOrId, ManageableState, Body FROM ApexTrigger"},
    )["records"]
    assert [(r["Name"], r["TableEnumOrId"], r["ManageableState"]) for r in rows] == [
        ("LeadTrigger", "Lead", "unmanaged")
    ]


def test_data_api_serves_apex_bodies_but_not_manageable_state(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    rows = sf.query("SELECT Name, Body FROM ApexClass WHERE NamespacePrefix = 'npsp'")["records"]
    assert [(r["Name"], r["Body"]) for r in rows] == [("UTIL_DMLService", "(hidden)")]
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Name FROM ApexClass WHERE ManageableState = 'installed'")
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD"
    assert "No such column 'ManageableState'" in err.value.content[0]["message"]


def test_tooling_query_refuses_objects_it_does_not_serve(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.restful("tooling/query", params={"q": "SELECT Id FROM Lead"})
    assert err.value.content[0]["errorCode"] == "INVALID_TYPE"


def test_tooling_query_pages_with_next_records_url(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    classes = [{"name": f"C{i:04d}", "body": "public class C {}"} for i in range(2100)]
    org = localorg_factory({"apexClasses": classes})
    sf = salesforce_client(org)
    first = sf.restful("tooling/query", params={"q": "SELECT Name FROM ApexClass"})
    assert first["done"] is False and "/tooling/query/" in first["nextRecordsUrl"]
    rest = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert len(first["records"]) + len(rest["records"]) == 2100 and rest["done"] is True


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"name": "X", "manageableState": "sideloaded"}, "manageableState 'sideloaded'"),
        ({"name": "X", "namespacePrefix": "npsp", "body": "x"}, r"reads as \(hidden\)"),
        ({"name": "X", "lengthWithoutComments": "many"}, "lengthWithoutComments must be"),
    ],
)
def test_apex_seed_errors(
    localorg_factory: Callable[..., LocalOrg], item: dict[str, Any], message: str
) -> None:
    with pytest.raises(SeedError, match=message):
        localorg_factory({"apexClasses": [item]})


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"loginHistory": [{"user": "nobody@x.com", "loginType": "Application"}]}, "not a seeded user"),
        ({"loginHistory": [{"user": "admin@localorg.example.com"}]}, r"loginType is required"),
        ({"loginHistory": [{"user": "admin@localorg.example.com", "loginType": "Application", "count": 0}]}, "count must be"),
        ({"loginHistory": [{"user": "admin@localorg.example.com", "loginType": "Application", "loginTime": "yesterday"}]}, "not a date-time"),
        ({"loginHistory": [{"user": "admin@localorg.example.com", "loginType": "Application", "app": "x"}]}, "unknown key 'app'"),
        ({"setupAuditTrail": [{"user": "admin@localorg.example.com", "action": "x"}]}, "display is required"),
        ({"users": [{"username": "u@x.com", "role": "Nope"}]}, "not declared under userRoles"),
        ({"userRoles": [{"name": "A"}, {"name": "a"}]}, "declared twice"),
        ({"profiles": [{"name": "P", "apiUserOnly": "sometimes"}]}, "is not a boolean"),
    ],
)  # fmt: skip
def test_audit_seed_errors_name_the_key(
    localorg_factory: Callable[..., LocalOrg], config: dict[str, Any], message: str
) -> None:
    with pytest.raises(SeedError, match=message):
        localorg_factory(config)


# --- Metadata API readMetadata -------------------------------------------------------------


def test_read_duplicate_rule_through_simple_salesforce_mdapi(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    rule = sf.mdapi.DuplicateRule.read("Lead.Lead_Email_Rule")
    assert rule.fullName == "Lead.Lead_Email_Rule"
    assert (rule.actionOnInsert, rule.actionOnUpdate) == ("Allow", "Block")
    assert rule.alertText == "Looks like a duplicate"
    assert list(rule.operationsOnInsert) == ["Alert", "Report"]
    assert list(rule.operationsOnUpdate) == []
    assert rule.securityOption == "BypassSharingRules" and rule.isActive is True
    assert rule.sortOrder == 1 and rule.masterLabel == "Lead_Email_Rule"
    (item,) = rule.duplicateRuleFilter.duplicateRuleFilterItems
    assert (item.table, item.field, item.operation, item.value, item.sortOrder) == (
        "User", "Username", "notEqual", ETL, 1,
    )  # fmt: skip
    same, cross = rule.duplicateRuleMatchRules
    assert (same.matchingRule, same.matchRuleSObjectType) == ("Lead_Email", "Lead")
    # <objectMapping xsi:nil="true"/>, as in retrieved .duplicateRule files; zeep gives an
    # empty ObjectMapping for it
    assert same.objectMapping is None or same.objectMapping.inputObject is None
    assert (cross.objectMapping.inputObject, cross.objectMapping.outputObject) == (
        "Lead",
        "Contact",
    )
    assert [(f.inputField, f.outputField) for f in cross.objectMapping.mappingFields] == [
        ("Email", "Email")
    ]


def test_read_matching_rule_and_unknown_names_are_left_out(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    rules = sf.mdapi.MatchingRule.read(["Contact.Contact_Email", "Contact.Nope"])
    rules = rules if isinstance(rules, list) else [rules]
    assert [r.fullName for r in rules] == ["Contact.Contact_Email"]
    (item,) = rules[0].matchingRuleItems
    assert (item.fieldName, item.matchingMethod, item.blankValueBehavior) == (
        "Email", "Exact", "NullNotAllowed",
    )  # fmt: skip
    assert rules[0].ruleStatus == "Active"


def _fault(response: Any) -> tuple[str, str]:
    root = ET.fromstring(response.content)
    code = next(e.text for e in root.iter() if e.tag == "faultcode")
    text = next(e.text for e in root.iter() if e.tag == "faultstring")
    return str(code), str(text)


def test_read_metadata_needs_modify_all_data_or_modify_metadata(org: LocalOrg) -> None:
    refused = _soap(org, org.new_token(ETL), ["Lead.Lead_Email_Rule"])
    assert refused.status_code == 500
    assert _fault(refused)[0] == "sf:INSUFFICIENT_ACCESS"
    assert "ModifyAllData" in _fault(refused)[1]
    ok = _soap(org, org.new_token(ADMIN), ["Lead.Lead_Email_Rule"])
    assert ok.status_code == 200 and b"<actionOnInsert>Allow</actionOnInsert>" in ok.content


def test_read_metadata_via_an_assigned_modify_metadata_permission_set(
    localorg_factory: Callable[..., LocalOrg], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = dict(SEED, permissionSetAssignments=[{"user": REP, "permissionSet": "Metadata_Reader"}])
    org = localorg_factory(seed)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(org.ca_bundle))
    rule = _client(org, REP).mdapi.DuplicateRule.read("Lead.Lead_Email_Rule")
    assert rule.fullName == "Lead.Lead_Email_Rule"


def test_read_metadata_takes_at_most_ten_names(org: LocalOrg) -> None:
    token = org.new_token(ADMIN)
    assert _soap(org, token, ["Lead.Lead_Email_Rule"] * 10).status_code == 200
    too_many = _soap(org, token, ["Lead.Lead_Email_Rule"] * 11)
    assert too_many.status_code == 500
    code, text = _fault(too_many)
    assert code == "sf:EXCEEDED_ID_LIMIT" and "more than 10" in text


@pytest.mark.parametrize(
    ("token", "kind", "code"),
    [
        ("00Dbogus!x", "DuplicateRule", "sf:INVALID_SESSION_ID"),
        (None, "CustomObject", "sf:INVALID_TYPE"),
    ],
)
def test_read_metadata_faults(org: LocalOrg, token: str | None, kind: str, code: str) -> None:
    response = _soap(org, token or org.new_token(ADMIN), ["Lead.X"], kind)
    assert response.status_code == 500 and _fault(response)[0] == code


def test_ui_api_filter_items_have_sort_order_and_no_table(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    body = sf.restful("ui-api/duplicates/Lead")
    (flt,) = body["duplicateRules"][0]["duplicateRuleFilters"]
    assert flt["filterItems"] == [
        {"field": "Username", "operation": "notEqual", "sortOrder": 1, "value": ETL}
    ]


def test_matching_rule_items_join_as_the_facts_query_writes_it(org: LocalOrg) -> None:
    sf = salesforce_client(org)
    rows = sf.query(
        "SELECT MatchingRule.DeveloperName, MatchingRule.SobjectType, MatchingRule.RuleStatus, "
        "MatchingRule.MatchEngine, MatchingRule.BooleanFilter, Field, MatchingMethod, "
        "BlankValueBehavior, SortOrder FROM MatchingRuleItem ORDER BY MatchingRule.DeveloperName"
    )["records"]
    assert [(r["MatchingRule"]["DeveloperName"], r["Field"]) for r in rows] == [
        ("Contact_Email", "Email"),
        ("Lead_Email", "Email"),
    ]
    dup = sf.query(
        "SELECT DeveloperName, IsActive, SobjectType, NamespacePrefix, LastModifiedDate, "
        "LastModifiedBy.Username FROM DuplicateRule WHERE SobjectType IN ('Lead','Contact')"
    )["records"]
    assert [(d["DeveloperName"], d["LastModifiedBy"]["Username"]) for d in dup] == [
        ("Lead_Email_Rule", ADMIN)
    ]


def test_rule_status_and_blank_behaviour_read_through_every_api(
    localorg_factory: Callable[..., LocalOrg], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = dict(
        SEED,
        matchingRules=[
            dict(SEED["matchingRules"][0], ruleStatus="ActivationFailed"),
            {
                "developerName": "Contact_Email",
                "sobjectType": "Contact",
                "matchingRuleItems": [
                    {
                        "fieldName": "Email",
                        "matchingMethod": "Exact",
                        "blankValueBehavior": "MatchBlanks",
                    }
                ],
            },
        ],
    )
    org = localorg_factory(seed)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(org.ca_bundle))
    sf = salesforce_client(org)
    rows = sf.query(
        "SELECT MatchingRule.DeveloperName, MatchingRule.RuleStatus, Field, BlankValueBehavior "
        "FROM MatchingRuleItem ORDER BY MatchingRule.DeveloperName"
    )["records"]
    assert [
        (
            r["MatchingRule"]["DeveloperName"],
            r["MatchingRule"]["RuleStatus"],
            r["BlankValueBehavior"],
        )
        for r in rows
    ] == [
        ("Contact_Email", "Active", "MatchBlanks"),
        ("Lead_Email", "ActivationFailed", "NullNotAllowed"),
    ]
    lead, contact = sf.mdapi.MatchingRule.read(["Lead.Lead_Email", "Contact.Contact_Email"])
    assert (lead.ruleStatus, contact.ruleStatus) == ("ActivationFailed", "Active")
    assert contact.matchingRuleItems[0].blankValueBehavior == "MatchBlanks"
    (rule,) = sf.restful("ui-api/duplicates/Lead")["duplicateRules"]
    assert [m["name"] for m in rule["matchRules"]] == ["Lead_Email", "Contact_Email"]
    # the saves follow: a Lead with the email of a Lead is not stopped (that matching rule is
    # not Active); a Lead without email matches the Contact without email (MatchBlanks)
    sf.Lead.create({"LastName": "A", "Company": "C", "Email": "ann@example.com"})
    sf.Contact.create({"LastName": "Nomail"})
    sf.Lead.create({"LastName": "B", "Company": "C", "Email": "ann@example.com"})
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Lead.create({"LastName": "C", "Company": "C"})
    assert info.value.content[0]["errorCode"] == "DUPLICATES_DETECTED"
    assert info.value.content[0]["duplicateResut"]["matchResults"][0]["rule"] == "Contact_Email"
