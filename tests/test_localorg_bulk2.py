"""localorg Bulk API 2.0 driven with simple-salesforce's ``sf.bulk2`` (wait=0) and raw
requests: ingest results files, job states, query results with Sforce-Locator paging."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceOperationError

from sfclean.localorg.server import LocalOrg


def _call(org: LocalOrg, method: str, path: str, **kw: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {org.access_token}", **kw.pop("headers", {})}
    return org.session().request(
        method, f"{org.instance_url}/services/data/v62.0/jobs/{path}", headers=headers, **kw
    )


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


_STATES = ("Open", "UploadComplete", "InProgress", "JobComplete", "Failed", "Aborted")


def _other_than(state: str) -> tuple[str, ...]:
    """Every job state but ``state``: poll until the job has left it."""
    return tuple(s for s in _STATES if s != state)


def _poll(org: LocalOrg, path: str, final: tuple[str, ...]) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    info = _call(org, "GET", path).json()
    while info["state"] not in final:
        assert time.monotonic() < deadline
        time.sleep(0.02)
        info = _call(org, "GET", path).json()
    return info


def test_sf_bulk2_insert_and_result_files(localorg: LocalOrg, sf: Salesforce) -> None:
    records = [
        {"LastName": "Two", "Email": "two@example.com"},
        {"LastName": "Dup", "Email": "Ada@Example.com"},
        {"LastName": "", "Email": "nolast@example.com"},
    ]
    [summary] = sf.bulk2.Contact.insert(records=records, wait=0)
    assert summary["numberRecordsProcessed"] == 3
    assert summary["numberRecordsFailed"] == 2
    job_id = summary["job_id"]
    ok_text = sf.bulk2.Contact.get_successful_records(job_id)
    assert ok_text.startswith('"sf__Id","sf__Created",')
    [ok] = list(csv.DictReader(io.StringIO(ok_text)))
    assert ok["sf__Id"].startswith("003") and ok["sf__Created"] == "true"
    assert (ok["LastName"], ok["Email"]) == ("Two", "two@example.com")
    failed_text = sf.bulk2.Contact.get_failed_records(job_id)
    assert failed_text.startswith('"sf__Id","sf__Error",')
    failed = {r["LastName"]: r for r in csv.DictReader(io.StringIO(failed_text))}
    assert failed["Dup"]["sf__Error"] == "DUPLICATES_DETECTED:Use one of these records?:--"
    assert failed["Dup"]["sf__Id"] == ""
    assert failed[""]["sf__Error"].startswith("REQUIRED_FIELD_MISSING:")
    unprocessed = _rows(sf.bulk2.Contact.get_unprocessed_records(job_id))
    assert sorted(unprocessed[0]) == ["Email", "LastName"] and len(unprocessed) == 1
    assert all(r.api_call for r in localorg.requests if "/jobs/" in r.path)


def test_sf_bulk2_query(sf: Salesforce) -> None:
    pages = list(sf.bulk2.Contact.query("SELECT Id, Email FROM Contact ORDER BY Email", wait=0))
    [page] = pages
    rows = _rows(page)
    assert rows[0] == ["Id", "Email"]
    assert [r[1] for r in rows[1:]] == ["ada@example.com", "alan@example.com", "grace@example.com"]


def test_ingest_job_states_and_info_shape(localorg: LocalOrg) -> None:
    localorg.faults.hold_bulk()  # the job waits in each state until the test steps it on
    created = _call(
        localorg,
        "POST",
        "ingest",
        json={"object": "Lead", "operation": "insert", "contentType": "CSV", "lineEnding": "LF"},
    )
    job = created.json()
    assert created.status_code == 200
    assert (
        job["state"] == "Open"
        and job["contentUrl"] == f"services/data/v62.0/jobs/ingest/{job['id']}/batches"
    )
    upload = _call(
        localorg,
        "PUT",
        f"ingest/{job['id']}/batches",
        data=b"LastName,Company\nLee,Lee Co\n",
        headers={"Content-Type": "text/csv"},
    )
    assert upload.status_code == 201
    assert (
        _call(localorg, "PATCH", f"ingest/{job['id']}", json={"state": "UploadComplete"}).json()[
            "state"
        ]
        == "UploadComplete"
    )
    path = f"ingest/{job['id']}"
    seen = [_call(localorg, "GET", path).json()["state"]]
    for _ in range(2):
        localorg.faults.step_bulk()
        seen.append(_poll(localorg, path, _other_than(seen[-1]))["state"])
    assert seen == ["UploadComplete", "InProgress", "JobComplete"]
    info = _call(localorg, "GET", f"ingest/{job['id']}").json()
    assert info["jobType"] == "V2Ingest"
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (1, 0)


def test_failed_job_fault(localorg: LocalOrg, sf: Salesforce) -> None:
    localorg.faults.fail_next_batch("InvalidBatch : simulated")
    with pytest.raises(SalesforceOperationError, match="simulated"):
        sf.bulk2.Contact.insert(records=[{"LastName": "X"}], wait=0)
    [job] = [j for j in _call(localorg, "GET", "ingest").json()["records"]]
    info = _call(localorg, "GET", f"ingest/{job['id']}").json()
    assert info["state"] == "Failed" and info["errorMessage"] == "InvalidBatch : simulated"
    unprocessed = _rows(_call(localorg, "GET", f"ingest/{job['id']}/unprocessedrecords").text)
    assert unprocessed == [["LastName"], ["X"]]


def test_query_results_page_with_locator_and_max_records(localorg: LocalOrg) -> None:
    job = _call(
        localorg,
        "POST",
        "query",
        json={"operation": "query", "query": "SELECT Email FROM Contact ORDER BY Email"},
    ).json()
    assert job["state"] == "UploadComplete"
    info = _poll(localorg, f"query/{job['id']}", ("JobComplete", "Failed"))
    assert info["state"] == "JobComplete" and info["numberRecordsProcessed"] == 3
    emails: list[str] = []
    locator = ""
    pages = 0
    while locator != "null":
        params = {"maxRecords": 2, **({"locator": locator} if locator else {})}
        response = _call(localorg, "GET", f"query/{job['id']}/results", params=params)
        assert response.headers["Content-Type"] == "text/csv"
        rows = _rows(response.text)
        assert rows[0] == ["Email"]
        assert response.headers["Sforce-NumberOfRecords"] == str(len(rows) - 1)
        emails += [r[0] for r in rows[1:]]
        locator = response.headers["Sforce-Locator"]
        pages += 1
    assert pages == 2
    assert emails == ["ada@example.com", "alan@example.com", "grace@example.com"]


def test_bad_query_and_unknown_job_use_the_rest_error_shape(localorg: LocalOrg) -> None:
    bad = _call(
        localorg, "POST", "query", json={"operation": "query", "query": "SELECT Nope FROM Contact"}
    )
    assert bad.status_code == 400
    assert bad.json()[0]["errorCode"] == "INVALID_FIELD"
    missing = _call(localorg, "GET", "ingest/7505g0000000000AAA")
    assert missing.status_code == 404
    assert missing.json()[0]["errorCode"] == "NOT_FOUND"
    assert "Sforce-Limit-Info" in missing.headers


def test_non_utf8_upload_fails_the_job_instead_of_hanging(localorg: LocalOrg) -> None:
    job = _call(
        localorg, "POST", "ingest", json={"object": "Contact", "operation": "insert"}
    ).json()
    latin1 = "LastName\nMüller\n".encode("latin-1")
    put = _call(
        localorg,
        "PUT",
        f"ingest/{job['id']}/batches",
        data=latin1,
        headers={"Content-Type": "text/csv"},
    )
    assert put.status_code == 201
    _call(localorg, "PATCH", f"ingest/{job['id']}", json={"state": "UploadComplete"})
    info = _poll(localorg, f"ingest/{job['id']}", ("JobComplete", "Failed"))
    assert info["state"] == "Failed"
    assert info["errorMessage"].startswith("InvalidBatch : the data is not valid UTF-8")
