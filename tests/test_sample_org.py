"""sample_data/org/: the demo org tells the story the README and ``sfclean demo`` tell.

Its Lead rules let duplicates in silently (Allow, Report only), some sample leads already
exist there as Leads or Contacts in other letter case, an integration user is excluded from
the rules and created some of the org's existing duplicates, and every column of
sample_data/leads.csv is a Lead field except the custom one the demo reports as not loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce import Salesforce

import sfclean
from sfclean.localorg import LocalOrg
from sfclean.localorg.schema import SCHEMA
from sfclean.localorg.testing import salesforce_client

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "sample_data" / "org"
LEADS = ROOT / "sample_data" / "leads.csv"
ETL = "etl@sample-org.example"


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg(seed=SEED) as local:
        yield local


@pytest.fixture(scope="module")
def sf(org: LocalOrg) -> Salesforce:
    return salesforce_client(org)


def _emails(sf: Salesforce, obj: str) -> list[str]:
    return [r["Email"] for r in sf.query_all(f"SELECT Email FROM {obj}")["records"]]


def test_every_sample_column_is_a_lead_field_but_the_custom_one() -> None:
    columns = list(sfclean.read_csv(LEADS).columns)
    lead = SCHEMA["Lead"]
    not_fields = [c for c in columns if (f := lead.field(c)) is None or not f.createable]
    assert not_fields == ["Enrichment_Id__c"]


def test_some_clean_sample_leads_exist_in_the_org_in_other_letter_case(sf: Salesforce) -> None:
    clean = set(sfclean.normalize(sfclean.read_csv(LEADS)).kept["Email"])
    org_emails = _emails(sf, "Lead") + _emails(sf, "Contact")
    present = [e for e in org_emails if e.lower() in clean]
    assert len({e.lower() for e in present}) == 10
    assert any(e not in clean for e in present)  # stored in other case than the clean file
    contacts_only = {e.lower() for e in _emails(sf, "Contact")} - {
        e.lower() for e in _emails(sf, "Lead")
    }
    assert contacts_only & clean  # some exist only as Contacts: the cross-object lookup


def test_the_lead_rules_allow_duplicates_without_alert(sf: Salesforce) -> None:
    rules = sf.restful("ui-api/duplicates/Lead")["duplicateRules"]
    assert [r["name"] for r in rules] == ["Lead_vs_Leads", "Lead_vs_Contacts"]
    for rule in rules:
        assert rule["active"] is True
        assert rule["actionOnInsert"] == "Allow"
        assert rule["operationsOnInsert"] == ["Report"]
        [condition] = rule["duplicateRuleFilters"]
        assert condition["filterItems"][0]["value"] == "Integration User"
    assert {r["matchRules"][0]["objectApiName"] for r in rules} == {"Lead", "Contact"}


def test_the_org_saves_an_existing_email_silently_even_with_allow_save_false(
    org: LocalOrg, sf: Salesforce
) -> None:
    header = {"Sforce-Duplicate-Rule-Header": "allowSave=false"}
    record: dict[str, Any] = {
        "LastName": "Iyer",
        "Company": "Northwind Group",
        "Email": "L.IYER@example.org",
        "NumberOfEmployees": "12",
        "AnnualRevenue": 1.5e6,
        "Rating": "Hot",
    }
    created = sf.Lead.create(record, headers=header)
    try:
        assert created["success"] is True
        stored = sf.Lead.get(created["id"])
        assert stored["NumberOfEmployees"] == 12
        assert stored["AnnualRevenue"] == 1.5e6
    finally:
        sf.Lead.delete(created["id"])


def test_the_integration_user_created_some_existing_duplicates(sf: Salesforce) -> None:
    rows = sf.query_all("SELECT Email, CreatedBy.Username FROM Lead")["records"]
    by_etl = {r["Email"].lower() for r in rows if r["CreatedBy"]["Username"] == ETL}
    others = {r["Email"].lower() for r in rows if r["CreatedBy"]["Username"] != ETL}
    contacts = {e.lower() for e in _emails(sf, "Contact")}
    assert by_etl & others  # a Lead duplicating another Lead
    assert by_etl & contacts  # a Lead duplicating a Contact
    [user] = sf.query(f"SELECT Profile.Name FROM User WHERE Username = '{ETL}'")["records"]
    assert user["Profile"]["Name"] == "Integration User"
