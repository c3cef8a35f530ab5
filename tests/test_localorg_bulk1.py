"""localorg Bulk API 1.0 driven with simple-salesforce (``sf.bulk``, JSON) and salesforce-bulk
(CSV, JSON and query jobs), plus raw requests for XML batches, states and error shapes."""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from salesforce_bulk import SalesforceBulk
from salesforce_bulk.salesforce_bulk import BulkBatchFailed
from salesforce_bulk.util import IteratorBytesIO
from simple_salesforce import Salesforce

from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import salesforce_client

NS = "{http://www.force.com/2009/06/asyncapi/dataload}"


@pytest.fixture
def bulk(localorg: LocalOrg, monkeypatch: pytest.MonkeyPatch) -> SalesforceBulk:
    """salesforce-bulk 2.2.0 on the org (it calls requests directly, so trust via env)."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", localorg.ca_bundle)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    return SalesforceBulk(
        sessionId=localorg.access_token, host=localorg.instance_url, API_version="62.0"
    )


def _raw(
    org: LocalOrg, method: str, path: str, body: bytes = b"", content_type: str = "application/xml"
) -> requests.Response:
    return org.session().request(
        method,
        f"{org.instance_url}/services/async/62.0/{path}",
        data=body,
        headers={
            "X-SFDC-Session": org.access_token,
            "Content-Type": f"{content_type}; charset=UTF-8",
        },
    )


def _xml_job(operation: str, obj: str, content_type: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload">'
        f"<operation>{operation}</operation><object>{obj}</object><contentType>{content_type}</contentType></jobInfo>"
    ).encode()


def _fields(response: requests.Response) -> dict[str, str]:
    root = ET.fromstring(response.content)
    return {child.tag.removeprefix(NS): child.text or "" for child in root}


def _done(org: LocalOrg, job_id: str, batch_id: str, timeout: float = 5) -> dict[str, str]:
    """The batch's info once it is Completed or Failed (polled over the raw API)."""
    deadline = time.monotonic() + timeout
    info = _fields(_raw(org, "GET", f"job/{job_id}/batch/{batch_id}"))
    while info["state"] not in ("Completed", "Failed"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
        info = _fields(_raw(org, "GET", f"job/{job_id}/batch/{batch_id}"))
    return info


def _left(org: LocalOrg, job_id: str, batch_id: str, state: str) -> dict[str, str]:
    """The batch's info once it has left ``state`` (polled over the raw API)."""
    deadline = time.monotonic() + 10
    info = _fields(_raw(org, "GET", f"job/{job_id}/batch/{batch_id}"))
    while info["state"] == state:
        assert time.monotonic() < deadline
        time.sleep(0.02)
        info = _fields(_raw(org, "GET", f"job/{job_id}/batch/{batch_id}"))
    return info


def _wait(bulk: SalesforceBulk, job: str, batch: str) -> None:
    deadline = time.monotonic() + 10
    while not bulk.is_batch_done(batch, job):
        assert time.monotonic() < deadline, f"batch {batch} not done after 10 s"
        time.sleep(0.02)


# --- simple-salesforce ------------------------------------------------------------------------


def test_sf_bulk_insert_reports_documented_json_results(localorg: LocalOrg, sf: Salesforce) -> None:
    rows = [
        {"LastName": "Bulk", "Email": "bulk1@example.com"},
        {"LastName": "Dup", "Email": "ALAN@example.com"},
        {"FirstName": "NoLast"},
    ]
    results = sf.bulk.Contact.insert(rows, batch_size=10000)
    assert results[0] == {"success": True, "created": True, "id": results[0]["id"], "errors": []}
    assert results[1] == {
        "success": False,
        "created": False,
        "id": None,
        "errors": [
            {
                "statusCode": "DUPLICATES_DETECTED",
                "message": "Use one of these records?",
                "fields": [],
            }
        ],
    }
    assert results[2]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    bulk_requests = [r for r in localorg.requests if r.path.startswith("/services/async/")]
    assert all(r.api_call for r in bulk_requests)
    assert localorg.api_calls == len(bulk_requests) >= 5
    assert all(r.header("X-SFDC-Session") == "REDACTED" for r in bulk_requests)


def test_sf_bulk_query(sf: Salesforce) -> None:
    records = sf.bulk.Contact.query(
        "SELECT Id, Email FROM Contact ORDER BY Email", lazy_operation=False
    )
    assert [r["Email"] for r in records] == [
        "ada@example.com",
        "alan@example.com",
        "grace@example.com",
    ]
    assert records[0]["attributes"]["type"] == "Contact"


# --- salesforce-bulk ------------------------------------------------------------------------------


def test_salesforce_bulk_csv_insert_and_results(localorg: LocalOrg, bulk: SalesforceBulk) -> None:
    job = bulk.create_insert_job("Contact", contentType="CSV")
    data = "LastName,Email\nCsv One,csv1@example.com\nCsv Dup,grace@example.com\n,missing@example.com\n"
    batch = bulk.post_batch(job, data.encode())
    _wait(bulk, job, batch)
    bulk.close_job(job)
    results = bulk.get_batch_results(batch, job)
    assert [(r.success, r.created) for r in results] == [
        ("true", "true"),
        ("false", "false"),
        ("false", "false"),
    ]
    assert results[0].id.startswith("003")
    assert results[1].error == "DUPLICATES_DETECTED:Use one of these records?:--"
    assert (
        results[2].error
        == "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    )
    raw = _raw(localorg, "GET", f"job/{job}/batch/{batch}/result")
    assert raw.headers["Content-Type"] == "text/csv"
    assert raw.text.splitlines()[0] == '"Id","Success","Created","Error"'
    assert (
        raw.text.splitlines()[2]
        == '"","false","false","DUPLICATES_DETECTED:Use one of these records?:--"'
    )
    assert bulk.job_status(job)["state"] == "Closed"
    assert bulk.job_status(job)["numberRecordsFailed"] == "2"


def test_salesforce_bulk_json_insert(bulk: SalesforceBulk) -> None:
    job = bulk.create_insert_job("Lead", contentType="JSON")
    rows = [
        {"LastName": "Json", "Company": "J Co", "Email": "json@example.com"},
        {"LastName": "Dup", "Company": "X", "Email": "emmy@example.com"},
    ]
    batch = bulk.post_batch(job, json.dumps(rows))
    _wait(bulk, job, batch)
    results = bulk.get_batch_results(batch, job)
    assert results[0].success is True and results[0].created is True
    assert results[1].success is False
    assert results[1].error == [
        {"statusCode": "DUPLICATES_DETECTED", "message": "This lead already exists.", "fields": []}
    ]


def test_salesforce_bulk_csv_query(bulk: SalesforceBulk) -> None:
    job = bulk.create_query_job("Contact", contentType="CSV")
    batch = bulk.query(job, "SELECT Id, Email, CreatedBy.Name FROM Contact ORDER BY Email")
    _wait(bulk, job, batch)
    bulk.close_job(job)
    [result] = list(bulk.get_all_results_for_query_batch(batch, job))
    assert isinstance(result, IteratorBytesIO)
    rows = list(csv.reader(io.TextIOWrapper(result, "utf-8")))
    assert rows[0] == ["Id", "Email", "CreatedBy.Name"]
    assert [r[1] for r in rows[1:]] == ["ada@example.com", "alan@example.com", "grace@example.com"]


def test_failed_batch_fault_raises_in_salesforce_bulk(
    localorg: LocalOrg, bulk: SalesforceBulk
) -> None:
    localorg.faults.fail_next_batch("InvalidBatch : simulated outage")
    job = bulk.create_insert_job("Contact", contentType="CSV")
    batch = bulk.post_batch(job, b"LastName\nX\n")
    with pytest.raises(BulkBatchFailed) as caught:
        _wait(bulk, job, batch)
    assert caught.value.state_message == "InvalidBatch : simulated outage"


# --- raw protocol -------------------------------------------------------------------------------


def test_xml_batch_and_xml_results(localorg: LocalOrg) -> None:
    job = _fields(_raw(localorg, "POST", "job", _xml_job("insert", "Contact", "XML")))
    assert job["state"] == "Open" and job["contentType"] == "XML" and job["object"] == "Contact"
    batch_xml = (
        b'<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload">'
        b"<sObject><LastName>Xml</LastName><Email>xml@example.com</Email></sObject>"
        b"<sObject><FirstName>Nope</FirstName></sObject></sObjects>"
    )
    batch = _fields(_raw(localorg, "POST", f"job/{job['id']}/batch", batch_xml))
    assert batch["state"] == "Queued"
    assert _done(localorg, job["id"], batch["id"])["state"] == "Completed"
    result = _raw(localorg, "GET", f"job/{job['id']}/batch/{batch['id']}/result")
    assert result.headers["Content-Type"] == "application/xml"
    results = ET.fromstring(result.content).findall(f"{NS}result")
    assert [r.findtext(f"{NS}success") for r in results] == ["true", "false"]
    assert results[1].find(f"{NS}errors").findtext(f"{NS}statusCode") == "REQUIRED_FIELD_MISSING"
    request = _raw(localorg, "GET", f"job/{job['id']}/batch/{batch['id']}/request")
    assert request.content == batch_xml


def test_batch_states_move_queued_inprogress_completed(localorg: LocalOrg) -> None:
    localorg.faults.hold_bulk()  # the batch waits in each state until the test steps it on
    job = _fields(_raw(localorg, "POST", "job", _xml_job("insert", "Contact", "CSV")))
    batch = _fields(
        _raw(localorg, "POST", f"job/{job['id']}/batch", b"LastName\nSlow\n", "text/csv")
    )
    seen = [batch["state"]]
    for _ in range(2):
        localorg.faults.step_bulk()
        seen.append(_left(localorg, job["id"], batch["id"], seen[-1])["state"])
    assert seen == ["Queued", "InProgress", "Completed"]
    listed = ET.fromstring(_raw(localorg, "GET", f"job/{job['id']}/batch").content)
    assert [b.findtext(f"{NS}id") for b in listed.findall(f"{NS}batchInfo")] == [batch["id"]]


def test_oversized_batch_ends_failed_with_the_documented_message(localorg: LocalOrg) -> None:
    job = _fields(_raw(localorg, "POST", "job", _xml_job("insert", "Contact", "CSV")))
    data = "LastName\n" + "".join(f"N{i}\n" for i in range(10_001))
    batch = _fields(_raw(localorg, "POST", f"job/{job['id']}/batch", data.encode(), "text/csv"))
    info = _done(localorg, job["id"], batch["id"], timeout=10)
    assert info["state"] == "Failed"
    assert info["stateMessage"].startswith("InvalidBatch : Exceeded number of records: 10001.")


def test_json_job_info_shape(localorg: LocalOrg) -> None:
    body = json.dumps({"operation": "insert", "object": "Lead", "contentType": "JSON"}).encode()
    response = _raw(localorg, "POST", "job", body, "application/json")
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    info = response.json()
    assert info["state"] == "Open" and info["object"] == "Lead" and info["apiVersion"] == 62.0
    assert info["id"].startswith("750") and info["numberBatchesTotal"] == 0
    closed = _raw(
        localorg, "POST", f"job/{info['id']}", b'{"state": "Closed"}', "application/json"
    ).json()
    assert closed["state"] == "Closed"


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("GET", "job/7505g0000000000AAA", b"", "InvalidJob"),
        ("POST", "job", _xml_job("insert", "Nope", "CSV"), "InvalidJob"),
        ("POST", "job", _xml_job("explode", "Contact", "CSV"), "InvalidJob"),
        ("POST", "job", b"<jobInfo", "XmlParserError"),
    ],
)
def test_errors_have_the_bulk_xml_shape(
    localorg: LocalOrg, method: str, path: str, body: bytes, code: str
) -> None:
    response = _raw(localorg, method, path, body)
    assert response.status_code == 400
    error = _fields(response)
    assert error["exceptionCode"] == code
    assert error["exceptionMessage"]


def test_invalid_batch_and_closed_job_errors(localorg: LocalOrg) -> None:
    job = _fields(_raw(localorg, "POST", "job", _xml_job("insert", "Contact", "CSV")))
    assert (
        _fields(_raw(localorg, "GET", f"job/{job['id']}/batch/7515g0000000000AAA"))["exceptionCode"]
        == "InvalidBatch"
    )
    _raw(
        localorg,
        "POST",
        f"job/{job['id']}",
        b'<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><state>Aborted</state></jobInfo>',
    )
    refused = _raw(localorg, "POST", f"job/{job['id']}/batch", b"LastName\nX\n", "text/csv")
    assert _fields(refused)["exceptionCode"] == "InvalidJobState"


def test_aborted_job_leaves_queued_batches_not_processed(localorg: LocalOrg) -> None:
    localorg.faults.hold_bulk()  # the batch stays Queued until the job is aborted
    job = _fields(_raw(localorg, "POST", "job", _xml_job("insert", "Contact", "CSV")))
    batch = _fields(_raw(localorg, "POST", f"job/{job['id']}/batch", b"LastName\nX\n", "text/csv"))
    _raw(
        localorg,
        "POST",
        f"job/{job['id']}",
        b'<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><state>Aborted</state></jobInfo>',
    )
    localorg.faults.step_bulk()
    assert _left(localorg, job["id"], batch["id"], "Queued")["state"] == "NotProcessed"
    assert localorg.engine.store.count("Contact") == 3
    assert _fields(_raw(localorg, "GET", f"job/{job['id']}"))["state"] == "Aborted"


def test_xml_query_job_result_list_and_records(localorg: LocalOrg) -> None:
    job = _fields(_raw(localorg, "POST", "job", _xml_job("query", "Lead", "XML")))
    soql = b"SELECT Id, Email FROM Lead ORDER BY Email"
    batch = _fields(_raw(localorg, "POST", f"job/{job['id']}/batch", soql))
    assert _done(localorg, job["id"], batch["id"])["numberRecordsProcessed"] == "2"
    listing = ET.fromstring(
        _raw(localorg, "GET", f"job/{job['id']}/batch/{batch['id']}/result").content
    )
    assert listing.tag == f"{NS}result-list"
    [result_id] = [r.text for r in listing.findall(f"{NS}result")]
    records = ET.fromstring(
        _raw(localorg, "GET", f"job/{job['id']}/batch/{batch['id']}/result/{result_id}").content
    )
    assert records.tag == f"{NS}queryResult"
    assert [r.findtext(f"{NS}Email") for r in records.findall(f"{NS}records")] == [
        "emmy@example.com",
        "marie@example.com",
    ]
    assert _raw(localorg, "GET", f"job/{job['id']}/batch/{batch['id']}/request").content == soql


def test_csv_query_with_no_rows_says_so(localorg: LocalOrg) -> None:
    job = _fields(_raw(localorg, "POST", "job", _xml_job("query", "Lead", "CSV")))
    batch = _fields(
        _raw(
            localorg,
            "POST",
            f"job/{job['id']}/batch",
            b"SELECT Id FROM Lead WHERE Email = 'none@example.com'",
            "text/csv",
        )
    )
    _done(localorg, job["id"], batch["id"])
    listing = ET.fromstring(
        _raw(localorg, "GET", f"job/{job['id']}/batch/{batch['id']}/result").content
    )
    result_id = listing.findtext(f"{NS}result")
    body = _raw(localorg, "GET", f"job/{job['id']}/batch/{batch['id']}/result/{result_id}")
    assert body.headers["Content-Type"] == "text/csv"
    assert body.text == "Records not found for this query"


def test_failed_query_batch_reports_the_soql_error(localorg: LocalOrg) -> None:
    job = _fields(_raw(localorg, "POST", "job", _xml_job("query", "Lead", "CSV")))
    batch = _fields(
        _raw(localorg, "POST", f"job/{job['id']}/batch", b"SELECT Nope FROM Lead", "text/csv")
    )
    info = _done(localorg, job["id"], batch["id"])
    assert info["state"] == "Failed"
    assert info["stateMessage"].startswith("InvalidBatch : Failed to process query: INVALID_FIELD")


def test_json_requests_get_json_errors(localorg: LocalOrg) -> None:
    response = _raw(localorg, "GET", "job/7505g0000000000AAA", content_type="application/json")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "exceptionCode": "InvalidJob",
        "exceptionMessage": "Invalid job id: 7505g0000000000AAA",
    }


def test_update_and_delete_jobs(localorg: LocalOrg, sf: Salesforce) -> None:
    ids = [r["Id"] for r in sf.query("SELECT Id FROM Contact ORDER BY Email")["records"]]
    updated = sf.bulk.Contact.update([{"Id": ids[0], "Title": "Dr"}], batch_size=10000)
    assert updated == [{"success": True, "created": False, "id": ids[0], "errors": []}]
    deleted = sf.bulk.Contact.delete([{"Id": ids[1]}], batch_size=10000)
    assert deleted[0]["success"] is True
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 2


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() == t and t != "#N/A")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=_TEXT, city=_TEXT)
def test_csv_batches_round_trip_any_text(
    localorg: LocalOrg, bulk: SalesforceBulk, title: str, city: str
) -> None:
    out = io.StringIO()
    csv.writer(out).writerows([["LastName", "Title", "MailingCity"], ["Round", title, city]])
    job = bulk.create_insert_job("Contact", contentType="CSV")
    batch = bulk.post_batch(job, out.getvalue().encode("utf-8"))
    _wait(bulk, job, batch)
    [result] = bulk.get_batch_results(batch, job)
    assert result.success == "true", result.error
    saved = salesforce_client(localorg).Contact.get(result.id)
    assert (saved["Title"], saved["MailingCity"]) == (title, city)


def test_pk_chunking_splits_a_query_into_completed_batches(bulk: SalesforceBulk) -> None:
    job = bulk.create_query_job("Contact", contentType="CSV", pk_chunking=2)
    original = bulk.query(job, "SELECT Id, Email FROM Contact")
    deadline = time.monotonic() + 5
    while bulk.batch_state(original, job, reload=True) != "NotProcessed":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    chunks = [b for b in bulk.get_batch_list(job) if b["id"] != original]
    assert [b["state"] for b in chunks] == ["Completed", "Completed"]
    assert [b["numberRecordsProcessed"] for b in chunks] == ["2", "1"]
    emails = []
    for chunk in chunks:
        for result in bulk.get_all_results_for_query_batch(chunk["id"], job):
            emails += [row["Email"] for row in csv.DictReader(io.TextIOWrapper(result, "utf-8"))]
    assert sorted(emails) == ["ada@example.com", "alan@example.com", "grace@example.com"]


def test_non_utf8_csv_batch_ends_failed_instead_of_hanging(localorg: LocalOrg) -> None:
    job = _fields(_raw(localorg, "POST", "job", _xml_job("insert", "Contact", "CSV")))
    latin1 = "LastName\nMüller\n".encode("latin-1")
    batch = _fields(_raw(localorg, "POST", f"job/{job['id']}/batch", latin1, "text/csv"))
    info = _done(localorg, job["id"], batch["id"], timeout=10)
    assert info["state"] == "Failed"
    assert info["stateMessage"].startswith("InvalidBatch : the data is not valid UTF-8")
