"""localorg's answers against responses recorded from real orgs in public projects' fixtures.

Each test names its recording (repository and path). Only key sets and value types are
compared, never values; the expected keys are transcribed from the recording.
"""

from __future__ import annotations

import json
from typing import Any

from simple_salesforce import Salesforce

from sfclean.localorg.server import LocalOrg

ALLOW = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}


def _get(org: LocalOrg, path: str, method: str = "GET", body: Any = None) -> Any:
    response = org.session().request(
        method,
        f"{org.instance_url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {org.access_token}"},
    )
    return response.status_code, response.json() if response.content else None


def test_aggregate_query(sf: Salesforce) -> None:
    """restforce/restforce spec/fixtures/sobject/query_aggregate_success_response.json"""
    result = sf.query("SELECT AccountId, COUNT(Id) FROM Contact GROUP BY AccountId")
    assert set(result) == {"totalSize", "done", "records"}
    for row in result["records"]:
        assert set(row) == {"attributes", "AccountId", "expr0"}
        assert row["attributes"] == {"type": "AggregateResult"}
        assert isinstance(row["expr0"], int)


def test_upsert_unknown_external_id_field(localorg: LocalOrg) -> None:
    """restforce/restforce spec/fixtures/sobject/upsert_error_response.json"""
    status, body = _get(
        localorg, "/services/data/v62.0/sobjects/Contact/Namez/x", "PATCH", {"LastName": "X"}
    )
    assert status == 404
    assert [set(e) for e in body] == [{"message", "errorCode"}]
    assert body[0]["errorCode"] == "NOT_FOUND"


def test_upsert_created(localorg: LocalOrg) -> None:
    """restforce/restforce spec/fixtures/sobject/upsert_created_success_response.json (keys
    id, errors, success; API 46.0+ adds created, as the REST guide documents)"""
    status, body = _get(
        localorg,
        "/services/data/v62.0/sobjects/Contact/Email/rec@example.com",
        "PATCH",
        {"LastName": "R"},
    )
    assert status == 201
    assert {"id", "errors", "success"} <= set(body) and set(body) - {"id", "errors", "success"} == {
        "created"
    }
    assert isinstance(body["id"], str) and body["errors"] == [] and body["success"] is True


def test_upsert_multiple_matches(localorg: LocalOrg, sf: Salesforce) -> None:
    """restforce/restforce spec/fixtures/sobject/upsert_multiple_error_response.json"""
    sf.Contact.create({"LastName": "Twin", "Email": "alan@example.com"}, headers=ALLOW)
    status, body = _get(
        localorg,
        "/services/data/v62.0/sobjects/Contact/Email/alan@example.com",
        "PATCH",
        {"LastName": "X"},
    )
    assert status == 300
    assert isinstance(body, list) and len(body) == 2
    assert all(isinstance(u, str) and u.startswith("/services/data/v") for u in body)


def test_get_updated(localorg: LocalOrg) -> None:
    """restforce/restforce spec/fixtures/sobject/get_updated_success_response.json"""
    status, body = _get(
        localorg,
        "/services/data/v62.0/sobjects/Contact/updated/?start=2020-01-01T00:00:00%2B00:00"
        "&end=2100-01-01T00:00:00%2B00:00",
    )
    assert status == 200
    assert set(body) == {"ids", "latestDateCovered"}
    assert all(isinstance(i, str) and len(i) == 18 for i in body["ids"]) and len(body["ids"]) == 3
    assert isinstance(body["latestDateCovered"], str)


def test_versions(localorg: LocalOrg) -> None:
    """restforce/restforce spec/fixtures/services_data_success_response.json"""
    status, body = _get(localorg, "/services/data")
    assert status == 200
    assert all(set(v) == {"version", "url", "label"} for v in body)
    assert all(isinstance(v, str) for item in body for v in item.values())


#: transcribed from restforce/restforce spec/fixtures/sobject/sobject_describe_success_response.json
DESCRIBE_FIELD_KEYS = {
    "length", "name", "type", "defaultValue", "label", "updateable", "calculated",
    "controllerName", "nillable", "unique", "precision", "scale", "caseSensitive", "byteLength",
    "inlineHelpText", "nameField", "externalId", "idLookup", "filterable", "soapType",
    "createable", "deprecatedAndHidden", "autoNumber", "calculatedFormula",
    "defaultValueFormula", "defaultedOnCreate", "digits", "groupable", "picklistValues",
    "referenceTo", "relationshipName", "relationshipOrder", "restrictedPicklist",
    "namePointing", "custom", "htmlFormatted", "dependentPicklist", "writeRequiresMasterRead",
    "sortable",
}  # fmt: skip


def test_describe_fields(sf: Salesforce) -> None:
    """restforce/restforce spec/fixtures/sobject/sobject_describe_success_response.json: the
    recording's field keys are all present, and its standard fields (Id, OwnerId, IsDeleted,
    CreatedDate, CreatedById, LastModifiedDate, LastModifiedById, SystemModstamp) have the
    recorded type, length, byteLength, nillable and groupable."""
    fields = {f["name"]: f for f in sf.Account.describe()["fields"]}
    for f in fields.values():
        assert set(f) >= DESCRIBE_FIELD_KEYS, f["name"]
    recorded = {  # name: (type, length, byteLength, nillable, groupable)
        "Id": ("id", 18, 18, False, True),
        "OwnerId": ("reference", 18, 18, False, True),
        "IsDeleted": ("boolean", 0, 0, False, True),
        "CreatedDate": ("datetime", 0, 0, False, False),
        "CreatedById": ("reference", 18, 18, False, True),
        "LastModifiedDate": ("datetime", 0, 0, False, False),
        "LastModifiedById": ("reference", 18, 18, False, True),
        "SystemModstamp": ("datetime", 0, 0, False, False),
    }
    for name, expected in recorded.items():
        f = fields[name]
        assert (f["type"], f["length"], f["byteLength"], f["nillable"], f["groupable"]) == expected


#: transcribed from mike4aday/SwiftlySalesforce Tests/SwiftlySalesforceTests/Mocks/MockIdentityResponse.swift
IDENTITY_KEYS = {
    "id", "asserted_user", "user_id", "organization_id", "username", "nick_name",
    "display_name", "email", "email_verified", "first_name", "last_name", "timezone", "photos",
    "addr_street", "addr_city", "addr_state", "addr_country", "addr_zip", "mobile_phone",
    "mobile_phone_verified", "is_lightning_login_user", "status", "urls", "active", "user_type",
    "language", "locale", "utcOffset", "last_modified_date",
}  # fmt: skip
IDENTITY_URL_KEYS = {
    "enterprise", "metadata", "partner", "rest", "sobjects", "search", "query", "recent",
    "tooling_soap", "tooling_rest", "profile", "feeds", "groups", "users", "feed_items",
    "feed_elements",
}  # fmt: skip


def test_identity_document(localorg: LocalOrg) -> None:
    """mike4aday/SwiftlySalesforce Tests/SwiftlySalesforceTests/Mocks/MockIdentityResponse.swift"""
    status, body = _get(localorg, f"/id/{localorg.org_id}/{localorg.user_id}")
    assert status == 200
    assert set(body) >= IDENTITY_KEYS
    assert set(body["urls"]) >= IDENTITY_URL_KEYS
    assert set(body["photos"]) == {"picture", "thumbnail"}
    assert set(body["status"]) == {"created_date", "body"}
    assert isinstance(body["utcOffset"], int) and isinstance(body["asserted_user"], bool)
    json.dumps(body)  # plain JSON
