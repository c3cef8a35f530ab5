"""localorg REST API driven with simple-salesforce: query paging, sObject CRUD, duplicate
rules with the header, composite and collections, describe, limits, UI API duplicates."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED, salesforce_client

ALLOW = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}


@pytest.fixture
def big_org(localorg_factory: Any) -> LocalOrg:
    contacts = [{"LastName": f"Person {i}", "Email": f"p{i}@example.com"} for i in range(4500)]
    return localorg_factory({**SMALL_SEED, "records": {"Contact": contacts}})


# --- query ----------------------------------------------------------------------------------


def test_query_pages_2000_records_with_next_records_url(big_org: LocalOrg) -> None:
    sf = salesforce_client(big_org)
    first = sf.query("SELECT Id, Email FROM Contact")
    assert first["totalSize"] == 4500
    assert first["done"] is False
    assert len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v")
    assert first["nextRecordsUrl"].endswith("-2000")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert len(second["records"]) == 2000
    assert second["nextRecordsUrl"].endswith("-4000")
    third = sf.query_more(second["nextRecordsUrl"], identifier_is_url=True)
    assert third["done"] is True
    assert "nextRecordsUrl" not in third
    assert len(third["records"]) == 500


def test_query_all_collects_every_page_in_one_api_call_per_page(big_org: LocalOrg) -> None:
    result = salesforce_client(big_org).query_all("SELECT Id, Email FROM Contact")
    assert result["totalSize"] == len(result["records"]) == 4500
    assert len({r["Id"] for r in result["records"]}) == 4500
    assert big_org.api_calls == 3


@pytest.mark.parametrize(("asked", "page"), [(500, 500), (100, 200), (5000, 2000)])
def test_batch_size_query_option_is_clamped_to_200_2000(
    big_org: LocalOrg, asked: int, page: int
) -> None:
    sf = salesforce_client(big_org)
    result = sf.query(
        "SELECT Id FROM Contact", headers={"Sforce-Query-Options": f"batchSize={asked}"}
    )
    assert len(result["records"]) == page


def test_query_records_have_the_rest_shape(sf: Salesforce) -> None:
    result = sf.query(
        "SELECT Id, Email, CreatedBy.Name FROM Contact WHERE Email = 'ADA@example.com'"
    )
    [record] = result["records"]
    assert record["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v62.0/sobjects/Contact/{record['Id']}",
    }
    assert record["Email"] == "ada@example.com"
    assert record["CreatedBy"]["Name"]
    assert sf.query("SELECT COUNT() FROM Lead") == {"totalSize": 2, "done": True, "records": []}


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELEKT Id FROM Contact", "MALFORMED_QUERY"),
        ("SELECT Nope FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Nope", "INVALID_TYPE"),
    ],
)
def test_query_errors_have_the_rest_shape(localorg: LocalOrg, soql: str, code: str) -> None:
    response = localorg.session().get(
        localorg.instance_url + "/services/data/v62.0/query",
        params={"q": soql},
        headers={"Authorization": f"Bearer {localorg.access_token}"},
    )
    assert response.status_code == 400
    [error] = response.json()
    assert set(error) == {"message", "errorCode"}
    assert error["errorCode"] == code


def test_a_stale_query_locator_is_rejected(localorg: LocalOrg) -> None:
    response = localorg.session().get(
        localorg.instance_url + "/services/data/v62.0/query/01g5g000000000AAAA-2000",
        headers={"Authorization": f"Bearer {localorg.access_token}"},
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


# --- sObject CRUD --------------------------------------------------------------------------------


def test_create_retrieve_update_delete(localorg: LocalOrg, sf: Salesforce) -> None:
    created = sf.Contact.create(
        {"FirstName": "Kat", "LastName": "Johnson", "Email": "kat@example.com"}
    )
    assert dict(created) == {"id": created["id"], "success": True, "errors": []}
    assert created["id"].startswith("003") and len(created["id"]) == 18
    record = sf.Contact.get(created["id"])
    assert record["Name"] == "Kat Johnson"
    assert record["CreatedById"] == localorg.user_id
    assert sf.Contact.update(created["id"], {"Title": "Mathematician"}) == 204
    assert sf.Contact.get(created["id"])["Title"] == "Mathematician"
    assert sf.Contact.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get(created["id"])


@pytest.mark.parametrize(
    ("record", "code", "fields"),
    [
        ({"FirstName": "No Last"}, "REQUIRED_FIELD_MISSING", ["LastName"]),
        ({"LastName": "X", "Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS", ["Email"]),
        ({"LastName": "X", "Nope__c": "1"}, "INVALID_FIELD", None),
        ({"LastName": "X" * 81}, "STRING_TOO_LONG", ["LastName"]),
    ],
)
def test_create_errors_are_400_arrays(
    sf: Salesforce, record: dict[str, str], code: str, fields: list[str] | None
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.create(record)
    assert caught.value.status == 400
    [error] = caught.value.content
    assert error["errorCode"] == code
    assert error["message"]
    if fields is not None:
        assert error["fields"] == fields


def test_alert_rule_blocks_rest_create_unless_allow_save(
    localorg: LocalOrg, sf: Salesforce
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.create({"LastName": "Again", "Email": "ADA@example.com"})
    [error] = caught.value.content
    assert error["errorCode"] == "DUPLICATES_DETECTED"
    assert error["message"] == "Use one of these records?"
    result = error["duplicateResut"]
    assert result["duplicateRule"] == "Contact_Alert"
    assert result["duplicateRuleEntityType"] == "Contact"
    assert result["allowSave"] is True
    [match] = result["matchResults"]
    assert match["entityType"] == "Contact"
    assert match["matchRecords"][0]["record"]["Id"].startswith("003")
    saved = sf.Contact.create({"LastName": "Again", "Email": "ADA@example.com"}, headers=ALLOW)
    assert saved["success"] is True
    [entry] = [r for r in localorg.requests if r.method == "POST" and r.status == 201]
    assert entry.header("Sforce-Duplicate-Rule-Header") == "allowSave=true"


def test_block_rule_wins_over_allow_save(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Lead.create(
            {"LastName": "Curie", "Company": "X", "Email": "marie@example.com"}, headers=ALLOW
        )
    assert caught.value.content[0]["errorCode"] == "DUPLICATES_DETECTED"
    assert caught.value.content[0]["duplicateResut"]["allowSave"] is False


def test_describe_global_and_describe(sf: Salesforce) -> None:
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Lead", "Contact", "Account", "User", "DuplicateRule"} <= names
    fields = {f["name"]: f for f in sf.Lead.describe()["fields"]}
    assert fields["Email"]["type"] == "email"
    assert fields["LastName"]["nillable"] is False
    assert sf.Lead.metadata()["objectDescribe"]["keyPrefix"] == "00Q"


def test_unknown_object_is_404_not_found(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful("sobjects/Nope/describe")


# --- collections and composite --------------------------------------------------------------


def _contact(**fields: str) -> dict[str, Any]:
    return {"attributes": {"type": "Contact"}, **fields}


def test_collections_all_or_none_rolls_back_everything(sf: Salesforce) -> None:
    body = {
        "allOrNone": True,
        "records": [_contact(LastName="Ok"), _contact(Email="x@example.com")],
    }
    results = sf.restful("composite/sobjects", method="POST", json=body)
    assert results == [
        {
            "success": False,
            "errors": [
                {
                    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
                    "fields": [],
                }
            ],
        },
        {
            "success": False,
            "errors": [
                {
                    "statusCode": "REQUIRED_FIELD_MISSING",
                    "message": "Required fields are missing: [LastName]",
                    "fields": ["LastName"],
                }
            ],
        },
    ]
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 3


def test_collections_partial_success_and_duplicate_errors(
    localorg: LocalOrg, sf: Salesforce
) -> None:
    records = [
        _contact(LastName="New", Email="new@example.com"),
        _contact(LastName="Dup", Email="alan@example.com"),
    ]
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": False, "records": records}
    )
    assert results[0]["success"] is True and results[0]["errors"] == []
    assert results[1] == {
        "success": False,
        "errors": [
            {
                "statusCode": "DUPLICATES_DETECTED",
                "message": "Use one of these records?",
                "fields": [],
            }
        ],
    }
    allowed = sf.restful(
        "composite/sobjects", method="POST", json={"records": records[1:]}, headers=ALLOW
    )
    assert allowed[0]["success"] is True
    assert localorg.api_calls == 2


def test_collections_reject_more_than_200_records(sf: Salesforce) -> None:
    records = [_contact(LastName=f"n{i}") for i in range(201)]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert caught.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_composite_references_queries_and_counts_one_call(
    localorg: LocalOrg, sf: Salesforce
) -> None:
    body = {
        "allOrNone": False,
        "compositeRequest": [
            {
                "method": "POST",
                "url": "/services/data/v62.0/sobjects/Account",
                "referenceId": "acct",
                "body": {"Name": "Acme"},
            },
            {
                "method": "POST",
                "url": "/services/data/v62.0/sobjects/Contact",
                "referenceId": "ct",
                "body": {"LastName": "Coyote", "AccountId": "@{acct.id}"},
            },
            {
                "method": "GET",
                "url": "/services/data/v62.0/query/?q=SELECT+Id,AccountId+FROM+Contact+WHERE+LastName='Coyote'",
                "referenceId": "q",
            },
        ],
    }
    responses = sf.restful("composite", method="POST", json=body)["compositeResponse"]
    assert [r["httpStatusCode"] for r in responses] == [201, 201, 200]
    assert [r["referenceId"] for r in responses] == ["acct", "ct", "q"]
    account_id = responses[0]["body"]["id"]
    assert responses[2]["body"]["records"][0]["AccountId"] == account_id
    assert localorg.api_calls == 1


def test_composite_all_or_none_rolls_back_and_halts(sf: Salesforce) -> None:
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "POST",
                "url": "/services/data/v62.0/sobjects/Contact",
                "referenceId": "ok",
                "body": {"LastName": "Fine"},
            },
            {
                "method": "POST",
                "url": "/services/data/v62.0/sobjects/Contact",
                "referenceId": "bad",
                "body": {"FirstName": "NoLast"},
            },
        ],
    }
    responses = sf.restful("composite", method="POST", json=body)["compositeResponse"]
    assert responses[0]["httpStatusCode"] == 400
    assert responses[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert responses[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.query("SELECT COUNT() FROM Contact WHERE LastName = 'Fine'")["totalSize"] == 0


def test_composite_rejects_more_than_25_subrequests(sf: Salesforce) -> None:
    subrequests = [
        {"method": "GET", "url": "/services/data/v62.0/limits", "referenceId": f"r{i}"}
        for i in range(26)
    ]
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite", method="POST", json={"compositeRequest": subrequests})


# --- limits and UI API ------------------------------------------------------------------------------


def test_limits_and_record_count(localorg: LocalOrg, sf: Salesforce) -> None:
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] == 15000
    assert limits["DailyApiRequests"]["Remaining"] == 15000 - localorg.api_calls
    assert "DailyBulkApiBatches" in limits
    counts = sf.restful("limits/recordCount", params={"sObjects": "Lead,Contact"})
    assert sorted(counts["sObjects"], key=lambda c: c["name"]) == [
        {"count": 3, "name": "Contact"},
        {"count": 2, "name": "Lead"},
    ]


def test_ui_api_duplicates_lists_rule_actions(sf: Salesforce) -> None:
    rules = sf.restful("ui-api/duplicates/Lead")["duplicateRules"]
    [rule] = rules
    assert rule["actionOnInsert"] == "Block"
    assert rule["active"] is True
    assert rule["matchRules"][0]["matchFields"] == ["Email"]
    assert rule["matchRules"][0]["matchEngine"] == "ExactMatchEngine"


def test_collections_update_and_delete(sf: Salesforce) -> None:
    ids = [r["Id"] for r in sf.query("SELECT Id FROM Contact ORDER BY Email")["records"]]
    updates = [
        {"attributes": {"type": "Contact"}, "Id": ids[0], "Title": "Countess"},
        {"attributes": {"type": "Contact"}, "Id": ids[1], "Email": "bad"},
    ]
    results = sf.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": False, "records": updates}
    )
    assert results[0] == {"id": ids[0], "success": True, "errors": []}
    assert results[1]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    assert sf.Contact.get(ids[0])["Title"] == "Countess"
    deleted = sf.restful(
        "composite/sobjects",
        method="DELETE",
        params={"ids": f"{ids[0]},{ids[1]}", "allOrNone": "true"},
    )
    assert [r["success"] for r in deleted] == [True, True]
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 1


def test_retrieve_selected_fields(sf: Salesforce) -> None:
    [record] = sf.query("SELECT Id FROM Lead WHERE Email = 'emmy@example.com'")["records"]
    fetched = sf.restful(f"sobjects/Lead/{record['Id']}", params={"fields": "Email,Company"})
    assert set(fetched) - {"attributes", "Id"} == {"Email", "Company"}
    assert fetched["Company"] == "Algebra GmbH"


def test_composite_subrequests_use_the_duplicate_header(sf: Salesforce) -> None:
    sub = {
        "method": "POST",
        "url": "/services/data/v62.0/sobjects/Contact",
        "body": {"LastName": "Dup", "Email": "grace@example.com"},
    }
    plain = sf.restful(
        "composite", method="POST", json={"compositeRequest": [{**sub, "referenceId": "a"}]}
    )
    [blocked] = plain["compositeResponse"]
    assert blocked["httpStatusCode"] == 400
    assert blocked["body"][0]["errorCode"] == "DUPLICATES_DETECTED"
    with_header = {**sub, "referenceId": "b", "httpHeaders": ALLOW}
    allowed = sf.restful("composite", method="POST", json={"compositeRequest": [with_header]})
    assert allowed["compositeResponse"][0]["httpStatusCode"] == 201
    inherited = sf.restful(
        "composite",
        method="POST",
        json={"compositeRequest": [{**sub, "referenceId": "c"}]},
        headers=ALLOW,
    )
    assert inherited["compositeResponse"][0]["httpStatusCode"] == 201
