"""simple-salesforce through the calls real tools make beyond sfclean's own: upsert and
lookup by external id, several records by Id, sObject Tree, getUpdated, the resources list,
the identity URL, aggregate and child-relationship SOQL, queryAll of deleted records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED, salesforce_client

ALLOW = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}


def _rest(sf: Salesforce, path: str, method: str = "GET", body: Any = None) -> Any:
    data = None if body is None else json.dumps(body)
    return sf.restful(path, method=method, data=data)


# --- upsert / lookup by external id ------------------------------------------------------------


def test_upsert_creates_then_updates_by_email(sf: Salesforce) -> None:
    assert sf.Contact.upsert("Email/new@example.com", {"LastName": "New"}) == 201
    assert sf.Contact.upsert("Email/NEW@example.com", {"LastName": "Newer"}) == 200
    found = sf.Contact.get_by_custom_id("Email", "new@example.com")
    assert found["LastName"] == "Newer"
    assert sf.query("SELECT COUNT() FROM Contact WHERE Email = 'new@example.com'")["totalSize"] == 1


def test_upsert_response_bodies(localorg: LocalOrg, sf: Salesforce) -> None:
    http = localorg.session()
    url = f"{localorg.instance_url}/services/data/v62.0/sobjects/Contact/Email/body@example.com"
    headers = {"Authorization": f"Bearer {localorg.access_token}"}
    created = http.patch(url, json={"LastName": "B"}, headers=headers)
    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"],
        "success": True,
        "errors": [],
        "created": True,
    }
    updated = http.patch(url, json={"LastName": "C"}, headers=headers)
    assert (updated.status_code, updated.json()["created"]) == (200, False)
    old = http.patch(url.replace("v62.0", "v45.0"), json={"LastName": "D"}, headers=headers)
    assert (old.status_code, old.content) == (204, b"")


def test_upsert_with_several_matches_answers_300(localorg: LocalOrg, sf: Salesforce) -> None:
    sf.Contact.create({"LastName": "Twin", "Email": "ada@example.com"}, headers=ALLOW)
    http = localorg.session()
    url = f"{localorg.instance_url}/services/data/v62.0/sobjects/Contact/Email/ada@example.com"
    answer = http.patch(
        url, json={"LastName": "X"}, headers={"Authorization": f"Bearer {localorg.access_token}"}
    )
    assert answer.status_code == 300
    assert len(answer.json()) == 2
    assert all(u.startswith("/services/data/v62.0/sobjects/Contact/003") for u in answer.json())


def test_upsert_on_unknown_and_non_external_fields(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as unknown:
        sf.Contact.upsert("Namez/x", {"LastName": "X"})
    assert unknown.value.content == [
        {
            "message": "Provided external ID field does not exist or is not accessible: Namez",
            "errorCode": "NOT_FOUND",
        }
    ]
    with pytest.raises(SalesforceMalformedRequest) as plain:
        sf.Contact.upsert("LastName/x", {"LastName": "X"})
    assert plain.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get_by_custom_id("Email", "nobody@example.com")


def test_duplicate_rules_apply_to_upsert(localorg_factory: Any) -> None:
    """SMALL_SEED's Lead rule blocks duplicate Emails; upsert by LastName-free Id lookups
    cannot reach it, so this org matches Leads on Company and upserts by Email."""
    seed = json.loads(json.dumps(SMALL_SEED))
    seed["matchingRules"][1]["matchingRuleItems"] = [
        {"fieldName": "Company", "matchingMethod": "Exact"}
    ]
    org = localorg_factory(seed)
    sf = salesforce_client(org)
    with pytest.raises(SalesforceMalformedRequest) as blocked:
        sf.Lead.upsert("Email/fresh@example.com", {"LastName": "F", "Company": "Radium Ltd"})
    assert blocked.value.content[0]["errorCode"] == "DUPLICATES_DETECTED"
    assert "duplicateResut" in blocked.value.content[0]
    results = _rest(
        sf,
        "composite/sobjects/Lead/Email",
        "PATCH",
        {
            "records": [
                {
                    "attributes": {"type": "Lead"},
                    "Email": "f2@example.com",
                    "LastName": "F",
                    "Company": "Radium Ltd",
                }
            ]
        },
    )
    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "DUPLICATES_DETECTED"
    assert sf.query("SELECT COUNT() FROM Lead WHERE Company = 'Radium Ltd'")["totalSize"] == 1


def test_collection_upsert_and_retrieve(sf: Salesforce) -> None:
    results = _rest(
        sf,
        "composite/sobjects/Contact/Email",
        "PATCH",
        {
            "allOrNone": False,
            "records": [
                {
                    "attributes": {"type": "Contact"},
                    "Email": "ada@example.com",
                    "Title": "Countess",
                },
                {"attributes": {"type": "Contact"}, "Email": "new2@example.com", "LastName": "N"},
            ],
        },
    )
    assert [(r["success"], r["created"]) for r in results] == [(True, False), (True, True)]
    ids = [r["id"] for r in results]
    got = _rest(
        sf,
        "composite/sobjects/Contact",
        "POST",
        {"ids": [*ids, "003000000000000AAA"], "fields": ["Email", "Title"]},
    )
    assert [g and (g["Email"], g["Title"]) for g in got] == [
        ("ada@example.com", "Countess"),
        ("new2@example.com", None),
        None,
    ]


def test_sobject_tree_creates_parents_and_children_all_or_none(sf: Salesforce) -> None:
    tree = {
        "records": [
            {
                "attributes": {"type": "Account", "referenceId": "acc"},
                "Name": "Tree Co",
                "Contacts": {
                    "records": [
                        {"attributes": {"type": "Contact", "referenceId": "c1"}, "LastName": "Leaf"}
                    ]
                },
            }
        ]
    }
    done = _rest(sf, "composite/tree/Account", "POST", tree)
    assert done["hasErrors"] is False
    assert [r["referenceId"] for r in done["results"]] == ["acc", "c1"]
    kids = sf.query(
        "SELECT Name, (SELECT LastName FROM Contacts) FROM Account WHERE Name = 'Tree Co'"
    )
    assert kids["records"][0]["Contacts"]["records"][0]["LastName"] == "Leaf"
    tree["records"][0]["Contacts"]["records"][0]["LastName"] = None  # required: fails
    tree["records"][0]["Name"] = "Second Co"
    with pytest.raises(SalesforceMalformedRequest) as failed:
        _rest(sf, "composite/tree/Account", "POST", tree)
    assert failed.value.content["hasErrors"] is True
    assert failed.value.content["results"][0]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.query("SELECT COUNT() FROM Account WHERE Name = 'Second Co'")["totalSize"] == 0


# --- getUpdated, resources, identity, record counts --------------------------------------------


def test_get_updated(sf: Salesforce) -> None:
    start = datetime.now(UTC) - timedelta(minutes=1)
    new_id = sf.Contact.create({"LastName": "Fresh"})["id"]
    end = datetime.now(UTC) + timedelta(minutes=2)
    answer = sf.Contact.updated(start, end)
    assert new_id in answer["ids"] and len(answer["ids"]) == 1
    assert answer["latestDateCovered"].endswith(":00.000+0000")


def test_resources_list_and_identity(localorg: LocalOrg, sf: Salesforce) -> None:
    resources = _rest(sf, "")
    assert {"identity", "search", "tooling", "sobjects", "query", "queryAll", "composite"} <= set(
        resources
    )
    identity = (
        localorg.session()
        .get(resources["identity"], headers={"Authorization": f"Bearer {localorg.access_token}"})
        .json()
    )
    assert identity["user_id"] == localorg.user_id
    assert identity["organization_id"] == localorg.org_id
    assert identity["username"] == "admin@localorg.example.com"
    assert {"nick_name", "display_name", "urls"} <= set(identity)
    assert "preferred_username" not in identity
    userinfo = (
        localorg.session()
        .get(
            f"{localorg.instance_url}/services/oauth2/userinfo",
            headers={"Authorization": f"Bearer {localorg.access_token}"},
        )
        .json()
    )
    assert "preferred_username" in userinfo  # userinfo stays OpenID Connect


def test_record_count_leaves_out_empty_objects(sf: Salesforce) -> None:
    assert _rest(sf, "limits/recordCount?sObjects=Account") == {"sObjects": []}
    counts = _rest(sf, "limits/recordCount?sObjects=Account,Contact")
    assert counts == {"sObjects": [{"count": 3, "name": "Contact"}]}


def test_describe_is_deleted_and_nillable_flags(sf: Salesforce) -> None:
    fields = {f["name"]: f for f in sf.Lead.describe()["fields"]}
    assert (fields["Id"]["length"], fields["Id"]["byteLength"]) == (18, 18)
    assert fields["IsDeleted"]["type"] == "boolean" and not fields["IsDeleted"]["createable"]
    assert [fields[n]["nillable"] for n in ("Status", "OwnerId", "CreatedDate", "Email")] == [
        False,
        False,
        False,
        True,
    ]


# --- SOQL real tools send ------------------------------------------------------------------------


def test_duplicate_email_query(sf: Salesforce) -> None:
    sf.Contact.create({"LastName": "Again", "Email": "ADA@example.com"}, headers=ALLOW)
    result = sf.query("SELECT Email, COUNT(Id) FROM Contact GROUP BY Email HAVING COUNT(Id) > 1")
    assert result["totalSize"] == 1
    [row] = result["records"]
    assert row["attributes"] == {"type": "AggregateResult"}
    assert row["Email"].lower() == "ada@example.com" and row["expr0"] == 2


def test_aliases_and_aggregate_functions(sf: Salesforce) -> None:
    result = sf.query(
        "SELECT LeadSource src, COUNT(Id) n, COUNT_DISTINCT(Email), MIN(LastName), MAX(LastName) "
        "FROM Lead GROUP BY LeadSource"
    )
    [row] = result["records"]
    assert row == {
        "attributes": {"type": "AggregateResult"},
        "src": None,
        "n": 2,
        "expr0": 2,
        "expr1": "Curie",
        "expr2": "Noether",
    }


def test_fields_standard_with_security_enforced_and_tolabel(sf: Salesforce) -> None:
    [lead] = sf.query(
        "SELECT FIELDS(STANDARD) FROM Lead WHERE LastName = 'Curie' WITH SECURITY_ENFORCED"
    )["records"]
    assert {"Id", "IsDeleted", "Email", "Status", "SystemModstamp"} <= set(lead)
    [label] = sf.query("SELECT toLabel(Status) FROM Lead WHERE LastName = 'Curie'")["records"]
    assert label["Status"] == "Open - Not Contacted"


def test_query_all_returns_deleted_records(sf: Salesforce) -> None:
    gone = sf.Contact.create({"LastName": "Gone"})["id"]
    sf.Contact.delete(gone)
    assert sf.query("SELECT Id FROM Contact WHERE Id = '" + gone + "'")["totalSize"] == 0
    every = sf.query_all(
        "SELECT Id, IsDeleted FROM Contact WHERE IsDeleted = true", include_deleted=True
    )
    assert [(r["Id"], r["IsDeleted"]) for r in every["records"]] == [(gone, True)]
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get(gone)


@pytest.mark.parametrize(
    ("soql", "code", "fragment"),
    [
        (
            "SELECT Email, COUNT(Id) FROM Contact",
            "MALFORMED_QUERY",
            "Field must be grouped or aggregated: Email",
        ),
        (
            "SELECT Description, COUNT(Id) FROM Contact GROUP BY Description",
            "INVALID_FIELD",
            "can not be grouped",
        ),
        (
            "SELECT SUM(Email) FROM Contact",
            "INVALID_FIELD",
            "does not support aggregate operator SUM",
        ),
        ("SELECT Id FROM Contact WHERE COUNT(Id) > 1", "MALFORMED_QUERY", "Aggregate functions"),
        (
            "SELECT Id, (SELECT Id FROM Nopes) FROM Account",
            "INVALID_TYPE",
            "Didn't understand relationship 'Nopes'",
        ),
        ("SELECT FIELDS(ALL) FROM Lead", "MALFORMED_QUERY", "LIMIT of at most 200"),
        ("SELECT Id x FROM Lead", "MALFORMED_QUERY", "unexpected token: 'x'"),
    ],
)
def test_refusals_keep_salesforce_error_shape(
    sf: Salesforce, soql: str, code: str, fragment: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query(soql)
    [error] = info.value.content
    assert set(error) == {"message", "errorCode"}
    assert error["errorCode"] == code and fragment in error["message"]
    assert "ERROR at Row:1:Column:" in error["message"]
