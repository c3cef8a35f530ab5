"""Field validation and duplicate rules behave the same on every API a client can save through:
REST single-record saves, sObject Collections, Composite, Bulk API 1.0 (CSV, JSON and XML
batches) and Bulk API 2.0. Each API is driven over HTTPS, with the real clients where they
exist (simple-salesforce, salesforce-bulk) and raw requests for Bulk 1.0 XML; each answer is
reduced to one status code per row ("" when the row saved).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from salesforce_bulk import CsvDictsAdapter, SalesforceBulk
from simple_salesforce.exceptions import SalesforceError

from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED, salesforce_client

NS = "http://www.force.com/2009/06/asyncapi/dataload"
ALLOW = "allowSave=true"
Save = Callable[..., list[str]]  # (org, rows, duplicate header, *, obj="Contact") -> codes


def _headers(header: str | None) -> dict[str, str]:
    return {"Sforce-Duplicate-Rule-Header": header} if header else {}


# --- one save function per API: rows in, one status code per row out ---------------------------


def _rest(
    org: LocalOrg, rows: list[dict[str, Any]], header: str | None, *, obj: str = "Contact"
) -> list[str]:
    sf, codes = salesforce_client(org), []
    for row in rows:
        try:
            getattr(sf, obj).create(row, headers=_headers(header))
            codes.append("")
        except SalesforceError as exc:
            [error] = exc.content
            if error["errorCode"] == "DUPLICATES_DETECTED":
                assert set(error) == {"errorCode", "message", "duplicateResut"}
            codes.append(error["errorCode"])
    return codes


def _collections(
    org: LocalOrg, rows: list[dict[str, Any]], header: str | None, *, obj: str = "Contact"
) -> list[str]:
    records = [{"attributes": {"type": obj}, **row} for row in rows]
    results = salesforce_client(org).restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": False, "records": records},
        headers=_headers(header),
    )
    return ["" if r["success"] else r["errors"][0]["statusCode"] for r in results]


def _composite(
    org: LocalOrg, rows: list[dict[str, Any]], header: str | None, *, obj: str = "Contact"
) -> list[str]:
    subrequests = [
        {
            "method": "POST",
            "url": f"/services/data/v62.0/sobjects/{obj}",
            "referenceId": f"r{i}",
            "body": row,
        }
        for i, row in enumerate(rows)
    ]
    answer = salesforce_client(org).restful(
        "composite",
        method="POST",
        json={"allOrNone": False, "compositeRequest": subrequests},
        headers=_headers(header),
    )
    return [
        "" if sub["httpStatusCode"] == 201 else sub["body"][0]["errorCode"]
        for sub in answer["compositeResponse"]
    ]


def _salesforce_bulk(org: LocalOrg) -> SalesforceBulk:
    return SalesforceBulk(sessionId=org.access_token, host=org.instance_url, API_version="62.0")


def _wait_bulk1(bulk: SalesforceBulk, job: str, batch: str) -> None:
    deadline = time.monotonic() + 10
    while not bulk.is_batch_done(batch, job):
        assert time.monotonic() < deadline, f"batch {batch} not done after 10 s"
        time.sleep(0.02)


def _bulk1_csv(
    org: LocalOrg, rows: list[dict[str, Any]], header: str | None, *, obj: str = "Contact"
) -> list[str]:
    bulk = _salesforce_bulk(org)
    job = bulk.create_insert_job(obj, contentType="CSV")
    columns = sorted({k for row in rows for k in row})
    batch = bulk.post_batch(
        job, CsvDictsAdapter(iter([{c: row.get(c, "") for c in columns} for row in rows]))
    )
    _wait_bulk1(bulk, job, batch)
    bulk.close_job(job)
    results = list(bulk.get_batch_results(batch, job))
    for r in results:  # CSV results: "STATUS_CODE:message:fields --", strings throughout
        assert (r.success, r.created) in (("true", "true"), ("false", "false"))
        assert r.error == "" or r.error.endswith("--")
    return [r.error.split(":", 1)[0] for r in results]


def _bulk1_json(
    org: LocalOrg, rows: list[dict[str, Any]], header: str | None, *, obj: str = "Contact"
) -> list[str]:
    bulk = _salesforce_bulk(org)
    job = bulk.create_insert_job(obj, contentType="JSON")
    batch = bulk.post_batch(job, json.dumps(rows))
    _wait_bulk1(bulk, job, batch)
    bulk.close_job(job)
    results = list(bulk.get_batch_results(batch, job))
    return ["" if r.success else r.error[0]["statusCode"] for r in results]


def _bulk1_xml(
    org: LocalOrg, rows: list[dict[str, Any]], header: str | None, *, obj: str = "Contact"
) -> list[str]:
    """Raw XML requests; the duplicate-rule header is sent too (Bulk ignores it)."""
    http, base = org.session(), f"{org.instance_url}/services/async/62.0"
    headers = {"X-SFDC-Session": org.access_token, "Content-Type": "application/xml"}
    headers.update(_headers(header))

    def call(method: str, path: str, body: str = "") -> ET.Element:
        response = http.request(method, base + path, data=body.encode(), headers=headers)
        assert response.ok, response.text
        return ET.fromstring(response.content)

    job_xml = (
        f'<jobInfo xmlns="{NS}"><operation>insert</operation><object>{obj}</object>'
        "<contentType>XML</contentType></jobInfo>"
    )
    job = call("POST", "/job", job_xml).findtext(f"{{{NS}}}id")
    objects = "".join(
        "<sObject>" + "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in row.items()) + "</sObject>"
        for row in rows
    )
    batch = call("POST", f"/job/{job}/batch", f'<sObjects xmlns="{NS}">{objects}</sObjects>')
    batch_id = batch.findtext(f"{{{NS}}}id")
    deadline = time.monotonic() + 10
    while batch.findtext(f"{{{NS}}}state") not in ("Completed", "Failed"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
        batch = call("GET", f"/job/{job}/batch/{batch_id}")
    results = call("GET", f"/job/{job}/batch/{batch_id}/result")
    return [
        r.findtext(f"{{{NS}}}errors/{{{NS}}}statusCode") or ""
        for r in results.findall(f"{{{NS}}}result")
    ]


def _bulk2(
    org: LocalOrg, rows: list[dict[str, Any]], header: str | None, *, obj: str = "Contact"
) -> list[str]:
    """sf.bulk2 with wait=0; result files are unordered, so rows are told apart by Title."""
    handler = getattr(salesforce_client(org).bulk2, obj)
    columns = sorted({k for row in rows for k in row})
    [summary] = handler.insert(
        records=[{c: row.get(c, "") for c in columns} for row in rows], wait=0
    )
    by_title: dict[str, str] = {}
    failed = csv.DictReader(io.StringIO(handler.get_failed_records(summary["job_id"])))
    for r in failed:
        assert r["sf__Error"].endswith("--")
        by_title[r["Title"]] = r["sf__Error"].split(":", 1)[0]
    succeeded = csv.DictReader(io.StringIO(handler.get_successful_records(summary["job_id"])))
    for r in succeeded:
        assert r["sf__Created"] == "true"
        by_title[r["Title"]] = ""
    return [by_title[row["Title"]] for row in rows]


APIS: dict[str, Save] = {
    "rest": _rest,
    "collections": _collections,
    "composite": _composite,
    "bulk1-csv": _bulk1_csv,
    "bulk1-json": _bulk1_json,
    "bulk1-xml": _bulk1_xml,
    "bulk2": _bulk2,
}
BULK = {"bulk1-csv", "bulk1-json", "bulk1-xml", "bulk2"}
MANY_PER_CALL = ["collections", *sorted(BULK)]
#: one save per row: _rest makes one call per row, and Composite runs each subrequest as its
#: own save, so a later row is judged against the rows saved before it
ONE_PER_SAVE = sorted(set(APIS) - set(MANY_PER_CALL))


def _org(localorg_factory: Any, monkeypatch: pytest.MonkeyPatch, **rule: Any) -> LocalOrg:
    """SMALL_SEED with its Contact rule replaced by ``rule`` settings (no rule when empty),
    started by ``localorg_factory(seed)``; requests (used by salesforce-bulk) trust its CA."""
    seed = json.loads(json.dumps(SMALL_SEED))
    contact_rule = seed["duplicateRules"][0]
    if rule:
        contact_rule.update(rule)
    else:
        seed["duplicateRules"].remove(contact_rule)
    org = localorg_factory(seed)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", org.ca_bundle)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    return org


# --- field validation ---------------------------------------------------------------------------

INVALID_ROWS = [
    ({"LastName": "", "Email": "nolast@example.com"}, "REQUIRED_FIELD_MISSING"),
    ({"LastName": "Mail", "Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS"),
    ({"LastName": "L" * 81}, "STRING_TOO_LONG"),
    ({"LastName": "Fine", "Email": "fine@example.com"}, ""),
]


@pytest.mark.parametrize("api", APIS)
def test_field_validation_is_the_same_on_every_api(
    api: str, localorg_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = _org(localorg_factory, monkeypatch)
    rows = [{**row, "Title": f"row{i}"} for i, (row, _) in enumerate(INVALID_ROWS)]
    assert APIS[api](org, rows, None) == [code for _, code in INVALID_ROWS]
    assert org.engine.store.count("Contact") == 3 + 1


@pytest.mark.parametrize("api", APIS)
def test_unknown_field_is_invalid_field_on_every_api(
    api: str, localorg_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = _org(localorg_factory, monkeypatch)
    row = {"LastName": "Odd", "Title": "row0", "Shoe_Size__c": "42"}
    assert APIS[api](org, [row], None) == ["INVALID_FIELD"]
    assert org.engine.store.count("Contact") == 3


# --- duplicate rules ----------------------------------------------------------------------------

DUP = {"LastName": "Again", "Email": "ADA@example.com", "Title": "dup"}  # Ada is seeded
NEW = {"LastName": "New", "Email": "new@example.com", "Title": "new"}
TWINS = [{"LastName": f"Twin{i}", "Email": "TWIN@example.com", "Title": f"t{i}"} for i in (1, 2)]
BLOCK = {"actionOnInsert": "Block", "operationsOnInsert": []}
ALERT = {"actionOnInsert": "Allow", "operationsOnInsert": ["Alert"]}
REPORT = {"actionOnInsert": "Allow", "operationsOnInsert": ["Report"]}
SILENT = {"actionOnInsert": "Allow", "operationsOnInsert": []}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(
    ("rule", "header", "expected"),
    [
        pytest.param(BLOCK, ALLOW, "DUPLICATES_DETECTED", id="block-wins-over-allowSave"),
        pytest.param(ALERT, None, "DUPLICATES_DETECTED", id="alert-without-header"),
        pytest.param(ALERT, "allowSave=false", "DUPLICATES_DETECTED", id="alert-allowSave-false"),
        pytest.param(REPORT, None, "", id="allow-report-saves-silently"),
        pytest.param(SILENT, None, "", id="allow-no-alert-saves-silently"),
    ],
)
def test_duplicate_rule_actions_on_every_api(
    api: str,
    rule: dict[str, Any],
    header: str | None,
    expected: str,
    localorg_factory: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org = _org(localorg_factory, monkeypatch, **rule)
    assert APIS[api](org, [DUP, NEW], header) == [expected, ""]
    store = org.engine.store
    assert store.count("Contact") == 3 + (2 if expected == "" else 1)
    reported = 1 if rule is REPORT else 0
    assert (store.count("DuplicateRecordSet"), store.count("DuplicateRecordItem")) == (
        reported,
        2 * reported,
    )


@pytest.mark.parametrize("api", APIS)
def test_allow_save_lets_alerted_duplicates_through_except_on_bulk(
    api: str, localorg_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = _org(localorg_factory, monkeypatch, **ALERT)
    expected = "DUPLICATES_DETECTED" if api in BULK else ""
    assert APIS[api](org, [DUP], ALLOW) == [expected]


@pytest.mark.parametrize("api", MANY_PER_CALL)
def test_records_of_the_same_call_are_not_compared_with_each_other(
    api: str, localorg_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = _org(localorg_factory, monkeypatch, **BLOCK)
    assert APIS[api](org, TWINS, None) == ["", ""]
    later = [{"LastName": "Third", "Email": "twin@example.com", "Title": "t3"}]
    assert APIS[api](org, later, None) == ["DUPLICATES_DETECTED"]


@pytest.mark.parametrize("api", ONE_PER_SAVE)
def test_a_row_saved_earlier_in_the_request_blocks_a_later_twin_when_each_row_is_its_own_save(
    api: str, localorg_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = _org(localorg_factory, monkeypatch, **BLOCK)
    assert APIS[api](org, TWINS, None) == ["", "DUPLICATES_DETECTED"]


@pytest.mark.parametrize("api", APIS)
def test_a_rule_condition_exempts_the_integration_profile_on_every_api(
    api: str, localorg_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    exempt = {
        "duplicateRuleFilter": {
            "duplicateRuleFilterItems": [
                {
                    "table": "User",
                    "field": "Profile.Name",
                    "operation": "notEqual",
                    "value": "Integration User",
                }
            ]
        }
    }
    org = _org(localorg_factory, monkeypatch, **BLOCK, **exempt)
    assert APIS[api](org, [DUP], None) == ["DUPLICATES_DETECTED"]  # the admin is blocked
    org.access_token = org.new_token("loader@example.com")  # profile Integration User
    assert APIS[api](org, [DUP], None) == [""]  # the rule does not run for this profile


@pytest.mark.parametrize("api", APIS)
def test_a_lead_rule_matching_contacts_blocks_on_every_api(
    api: str, localorg_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = _org(
        localorg_factory,
        monkeypatch,
        developerName="Lead_vs_Contacts",
        sobjectType="Lead",
        **BLOCK,
    )
    leads = [
        {"LastName": "Known", "Company": "C", "Email": "GRACE@example.com", "Title": "k"},
        {"LastName": "Fresh", "Company": "C", "Email": "fresh@example.com", "Title": "f"},
    ]
    assert APIS[api](org, leads, None, obj="Lead") == ["DUPLICATES_DETECTED", ""]


_POOL = ["ada@example.com", "ADA@EXAMPLE.COM", "pat@example.com", "Pat@Example.com", "", "  "]
_TAGS = itertools.count()


@settings(
    max_examples=15,
    deadline=None,
    # monkeypatch is shared by the examples; each example sets the variables for its own org
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    api=st.sampled_from(sorted(APIS)),
    emails=st.lists(st.sampled_from(_POOL), min_size=1, max_size=5),
)
def test_a_row_is_blocked_exactly_when_its_email_was_already_in_the_org(
    monkeypatch: pytest.MonkeyPatch, api: str, emails: list[str]
) -> None:
    """Whatever the API and the mix of case, blanks and twins in one call.

    "Already in the org" means when the row is saved: on APIs that save many rows at once the
    org before the call; on ONE_PER_SAVE APIs also the rows of the call saved before it. Each
    example gets a fresh org, so an example's outcome does not depend on the earlier ones
    (hypothesis replays a failing example and must see it fail again).
    """
    with contextlib.ExitStack() as stack:
        org = _org(lambda seed: stack.enter_context(LocalOrg(seed)), monkeypatch, **BLOCK)
        known = {
            r["Email"].lower()
            for r in org.engine.store.select("Contact", ["Email"])
            if r["Email"] is not None
        }
        expected = []
        for email in emails:
            key = email.lower() if email.strip() else None
            blocked = key is not None and key in known
            expected.append("DUPLICATES_DETECTED" if blocked else "")
            if key is not None and not blocked and api in ONE_PER_SAVE:
                known.add(key)
        rows = [{"LastName": "P", "Email": email, "Title": f"p{next(_TAGS)}"} for email in emails]
        assert APIS[api](org, rows, None) == expected


# --- API usage ------------------------------------------------------------------------------------


def test_every_request_is_counted_and_limits_agrees_with_the_header(
    localorg_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = _org(localorg_factory, monkeypatch)
    rows = [{"LastName": "Count", "Title": "c0"}]
    for save in APIS.values():
        save(org, rows, None)
    counted = [r for r in org.requests if r.api_call]
    assert len(counted) == org.api_calls
    assert {r.path.split("/")[2] for r in counted} == {"data", "async"}
    limits = salesforce_client(org).session.get(
        org.instance_url + "/services/data/v62.0/limits",
        headers={"Authorization": f"Bearer {org.access_token}"},
    )
    used = org.api_calls
    assert limits.headers["Sforce-Limit-Info"] == f"api-usage={used}/15000"
    assert limits.json()["DailyApiRequests"] == {"Max": 15000, "Remaining": 15000 - used}
