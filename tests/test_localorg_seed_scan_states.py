"""Seeding the record states a scan must recognise: converted leads, merge victims, deleted
records, and the creator and creation time of each record."""

from __future__ import annotations

from typing import Any

import sfclean
from sfclean.localorg import LocalOrg

SEED: dict[str, Any] = {
    "users": [
        {"username": "etl@acme.example.com", "name": "E Tl", "email": "etl@acme.example.com"}
    ],
    "records": {
        "Contact": [
            {"Id": "003000000000001AAA", "LastName": "Lee", "FirstName": "Ann"},
            {
                "LastName": "Victim",
                "MasterRecordId": "003000000000001AAA",
                "IsDeleted": "true",
                "CreatedById": "@etl@acme.example.com",
                "CreatedDate": "2024-03-01T10:00:05Z",
            },
        ],
        "Lead": [
            {
                "LastName": "Lee",
                "Company": "Acme",
                "IsConverted": "true",
                "ConvertedContactId": "@Ann Lee",
                "ConvertedDate": "2024-03-02",
            }
        ],
    },
}


def _conn(org: LocalOrg) -> Any:
    return sfclean.connect(
        instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
    )


def test_converted_lead_fields_are_seeded_and_queryable() -> None:
    with LocalOrg(SEED) as org, _conn(org) as conn:
        (lead,) = conn.query_all_iter(
            "SELECT IsConverted, ConvertedContactId, ConvertedDate, MasterRecordId FROM Lead"
        )
    assert lead["IsConverted"] is True
    assert lead["ConvertedContactId"] == "003000000000001AAA"
    assert lead["ConvertedDate"] == "2024-03-02"
    assert lead["MasterRecordId"] is None


def test_a_merge_victim_is_hidden_from_query_and_seen_by_query_all() -> None:
    with LocalOrg(SEED) as org, _conn(org) as conn:
        live = list(conn.query_all_iter("SELECT Id FROM Contact"))
        soql = "SELECT LastName, MasterRecordId, IsDeleted, CreatedBy.Username, CreatedDate FROM Contact"
        answer = conn.request("GET", "queryAll", params={"q": soql}).json()
    assert [r["Id"] for r in live] == ["003000000000001AAA"]
    (victim,) = [r for r in answer["records"] if r["IsDeleted"]]
    assert victim["MasterRecordId"] == "003000000000001AAA"
    assert victim["CreatedBy"]["Username"] == "etl@acme.example.com"
    assert victim["CreatedDate"] == "2024-03-01T10:00:05.000+0000"


def test_callers_cannot_write_the_conversion_or_merge_fields() -> None:
    with LocalOrg(SEED) as org, _conn(org) as conn:
        fields = {f["name"]: f for f in conn.describe("Lead")["fields"]}
    for name in ("ConvertedContactId", "ConvertedDate", "MasterRecordId"):
        assert fields[name]["createable"] is False and fields[name]["updateable"] is False
