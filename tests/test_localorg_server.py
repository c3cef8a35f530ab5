"""localorg's HTTP layer: startup, TLS, sessions and logins, API counting, the request log,
admin endpoints and injected faults, driven over real HTTPS."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceLogin
from simple_salesforce.exceptions import SalesforceExpiredSession

import sfclean.localorg
from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED

REST_401 = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
BULK_401 = (
    '<error xmlns="http://www.force.com/2009/06/asyncapi/dataload">'
    "<exceptionCode>InvalidSessionId</exceptionCode>"
    "<exceptionMessage>Invalid session id</exceptionMessage></error>"
)


def _get(org: LocalOrg, path: str, token: str | None = None, **kw: object) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or org.access_token}"}
    headers.update(kw.pop("headers", {}))  # type: ignore[arg-type]
    return org.session().get(org.instance_url + path, headers=headers, **kw)  # type: ignore[arg-type]


def test_the_first_request_is_answered_as_soon_as_start_returns() -> None:
    """Startup speed (under 2 s) is measured in bench/localorg.py, not asserted here."""
    with sfclean.localorg.LocalOrg(seed=SMALL_SEED) as org:
        response = org.session().get(org.instance_url + "/services/data", timeout=10)
    assert response.status_code == 200
    assert org.requests[0].path == "/services/data"


def test_serves_https_on_loopback_with_its_own_ca(localorg: LocalOrg) -> None:
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+", localorg.instance_url)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(localorg.instance_url + "/services/data", verify=True, timeout=5)
    assert "BEGIN CERTIFICATE" in Path(localorg.ca_bundle).read_text(encoding="ascii")


def test_versions_list_needs_no_session_and_is_not_counted(localorg: LocalOrg) -> None:
    response = localorg.session().get(localorg.instance_url + "/services/data")
    versions = response.json()
    assert versions[-1] == {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}
    assert {"label": "Spring '24", "url": "/services/data/v60.0", "version": "60.0"} in versions
    assert localorg.api_calls == 0


def test_session_ids_are_shaped_like_a_real_orgs(localorg: LocalOrg) -> None:
    token = localorg.access_token
    assert re.fullmatch(r"00D[0-9A-Za-z]{12}![0-9A-Za-z._]{20,}", token)
    assert token[:15] == localorg.org_id[:15]
    assert localorg.new_token() != token


@pytest.mark.parametrize("auth", [None, "Bearer nope", "Bearer 00D000000000000!AQxyz", "Basic abc"])
def test_rest_rejects_missing_or_bad_sessions(localorg: LocalOrg, auth: str | None) -> None:
    headers = {"Authorization": auth} if auth else {}
    url = localorg.instance_url + "/services/data/v62.0/limits/"
    response = localorg.session().get(url, headers=headers)
    assert response.status_code == 401
    assert response.json() == REST_401
    assert localorg.api_calls == 0


def test_bulk1_rejects_bad_sessions_in_xml_and_json(localorg: LocalOrg) -> None:
    url = localorg.instance_url + "/services/async/62.0/job"
    http = localorg.session()
    xml = http.post(url, data=b"<jobInfo/>", headers={"X-SFDC-Session": "bad"})
    assert xml.status_code == 401
    assert xml.headers["Content-Type"] == "application/xml"
    assert xml.text.endswith(BULK_401)
    as_json = http.post(
        url, data=b"{}", headers={"X-SFDC-Session": "bad", "Content-Type": "application/json"}
    )
    assert as_json.status_code == 401
    assert as_json.json() == {
        "exceptionCode": "InvalidSessionId",
        "exceptionMessage": "Invalid session id",
    }


def test_expired_sessions_get_401_and_new_tokens_work(localorg: LocalOrg) -> None:
    assert _get(localorg, "/services/data/v62.0/limits/").status_code == 200
    localorg.expire_sessions()
    assert _get(localorg, "/services/data/v62.0/limits/").json() == REST_401
    assert _get(localorg, "/services/data/v62.0/limits/", localorg.new_token()).status_code == 200


def test_session_ttl_expires_idle_sessions(localorg_factory) -> None:  # type: ignore[no-untyped-def]
    now = [0.0]  # the sessions' clock, moved by the test: no sleeping, no race with a busy CPU
    org = localorg_factory(session_ttl=60.0, session_clock=lambda: now[0])
    token = org.new_token()
    for moment, status in [(59.0, 200), (118.0, 200), (178.5, 401), (179.0, 401)]:
        now[0] = moment  # 59 s idle, 59 s idle again (use restarts the clock), then 60.5 s
        assert _get(org, "/services/data/v62.0/limits/", token).status_code == status
    assert _get(org, "/services/data/v62.0/limits/", org.new_token()).status_code == 200


# --- logins ---------------------------------------------------------------------------------


def _token(org: LocalOrg, **form: str) -> requests.Response:
    return org.session().post(org.instance_url + "/services/oauth2/token", data=form)


def test_oauth_password_grant_returns_a_working_token(localorg: LocalOrg) -> None:
    response = _token(
        localorg, grant_type="password", username="loader@example.com", password="localorg"
    )
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert body["instance_url"] == localorg.instance_url
    assert body["token_type"] == "Bearer"
    assert body["id"].endswith(f"/id/{localorg.org_id}/{localorg.users['loader@example.com']}")
    info = _get(localorg, "/services/oauth2/userinfo", body["access_token"]).json()
    assert info["preferred_username"] == "loader@example.com"
    assert info["organization_id"] == localorg.org_id


@pytest.mark.parametrize(
    ("username", "password", "error"),
    [
        ("loader@example.com", "wrong", "invalid_grant"),
        ("nobody@example.com", "localorg", "invalid_grant"),
    ],
)
def test_oauth_password_grant_rejects_bad_credentials(
    localorg: LocalOrg, username: str, password: str, error: str
) -> None:
    response = _token(localorg, grant_type="password", username=username, password=password)
    assert response.status_code == 400
    assert response.json() == {"error": error, "error_description": "authentication failure"}


def _jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


def test_oauth_jwt_bearer_accepts_a_known_subject(localorg: LocalOrg) -> None:
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    ok = _token(localorg, grant_type=grant, assertion=_jwt({"sub": "loader@example.com"}))
    assert ok.status_code == 200
    token = ok.json()["access_token"]
    assert _get(localorg, "/services/data/v62.0/limits/", token).status_code == 200
    unknown = _token(localorg, grant_type=grant, assertion=_jwt({"sub": "x@example.com"}))
    assert unknown.status_code == 400
    assert (
        _token(localorg, grant_type=grant, assertion="garbage").json()["error"] == "invalid_grant"
    )
    expired = _token(
        localorg, grant_type=grant, assertion=_jwt({"sub": "loader@example.com", "exp": 1})
    )
    assert expired.status_code == 400


def test_simple_salesforce_soap_login_works(localorg: LocalOrg) -> None:
    session_id, instance = SalesforceLogin(
        username="loader@example.com",
        password="localorg",
        security_token="",
        scratch_url=localorg.instance_url,
        session=localorg.session(),
    )
    assert instance == localorg.instance_url.removeprefix("https://")
    sf = Salesforce(instance=instance, session_id=session_id, session=localorg.session())
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 3


# --- counting, limits and the request log ------------------------------------------------


def test_every_rest_response_carries_the_api_usage_header(localorg: LocalOrg) -> None:
    first = _get(localorg, "/services/data/v62.0/sobjects/")
    assert first.headers["Sforce-Limit-Info"] == "api-usage=1/15000"
    missing = _get(localorg, "/services/data/v62.0/sobjects/Nope/describe")
    assert missing.status_code == 404
    assert missing.headers["Sforce-Limit-Info"] == "api-usage=2/15000"
    limits = _get(localorg, "/services/data/v62.0/limits/")
    assert limits.headers["Sforce-Limit-Info"] == "api-usage=3/15000"
    assert limits.json()["DailyApiRequests"] == {"Max": 15000, "Remaining": 14997}
    assert localorg.api_calls == 3


def test_request_log_keeps_headers_but_redacts_credentials(
    localorg: LocalOrg, sf: Salesforce
) -> None:
    sf.Contact.create(
        {"LastName": "Log"}, headers={"Sforce-Duplicate-Rule-Header": "allowSave=false"}
    )
    [entry] = [r for r in localorg.requests if r.method == "POST"]
    assert entry.path == "/services/data/v62.0/sobjects/Contact/"
    assert entry.header("Sforce-Duplicate-Rule-Header") == "allowSave=false"
    assert entry.header("authorization") == "REDACTED"
    assert entry.api_call is True
    assert entry.status == 201
    assert entry.body_size == len(json.dumps({"LastName": "Log"}))
    assert localorg.access_token not in json.dumps([r.to_dict() for r in localorg.requests])


def test_admin_endpoint_serves_the_log_with_the_admin_token_only(localorg: LocalOrg) -> None:
    _get(localorg, "/services/data/v62.0/limits/")
    denied = _get(localorg, "/_localorg/requests")
    assert denied.status_code == 401
    log = _get(localorg, "/_localorg/requests", localorg.admin_token).json()
    assert [(r["method"], r["path"], r["api_call"]) for r in log] == [
        ("GET", "/services/data/v62.0/limits/", True)
    ]
    status = _get(localorg, "/_localorg/status", localorg.admin_token).json()
    assert status["apiCalls"] == 1


def test_admin_endpoint_configures_faults(localorg: LocalOrg) -> None:
    url = localorg.instance_url + "/_localorg/faults"
    headers = {"Authorization": f"Bearer {localorg.admin_token}"}
    http = localorg.session()
    assert http.post(url, json={"fault": "fail", "status": 500}, headers=headers).status_code == 204
    assert _get(localorg, "/services/data/v62.0/limits/").status_code == 500
    assert http.post(url, json={"fault": "nope"}, headers=headers).status_code == 400


# --- faults -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"), [(503, "SERVER_UNAVAILABLE"), (500, "UNKNOWN_EXCEPTION")]
)
def test_http_error_fault_with_retry_after(localorg: LocalOrg, status: int, code: str) -> None:
    localorg.faults.fail(status, retry_after=7, path="/limits")
    response = _get(localorg, "/services/data/v62.0/limits/")
    assert response.status_code == status
    assert response.headers["Retry-After"] == "7"
    assert response.json()[0]["errorCode"] == code
    assert _get(localorg, "/services/data/v62.0/limits/").status_code == 200  # times=1
    assert localorg.api_calls == 1


def test_rate_limit_fault_has_the_request_limit_exceeded_shape(localorg: LocalOrg) -> None:
    localorg.faults.rate_limit()
    response = _get(localorg, "/services/data/v62.0/limits/")
    assert response.status_code == 403
    assert response.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]


def test_daily_api_limit_blocks_calls_once_used_up(localorg: LocalOrg) -> None:
    localorg.faults.set_api_limit(2)
    assert [_get(localorg, "/services/data/v62.0/limits/").status_code for _ in range(3)] == [
        200,
        200,
        403,
    ]
    assert localorg.api_calls == 2


def test_latency_fault_delays_matching_requests(localorg: LocalOrg) -> None:
    localorg.faults.delay(0.3, path="/limits")
    started = time.perf_counter()
    _get(localorg, "/services/data/v62.0/limits/")
    assert time.perf_counter() - started >= 0.3


def test_dropped_connection_fault_closes_without_a_response(localorg: LocalOrg) -> None:
    localorg.faults.drop(path="/limits")
    with pytest.raises(requests.exceptions.ConnectionError):
        _get(localorg, "/services/data/v62.0/limits/")
    assert _get(localorg, "/services/data/v62.0/limits/").status_code == 200
    assert localorg.requests[0].status is None


def test_session_expiry_after_n_calls(localorg: LocalOrg, sf: Salesforce) -> None:
    localorg.faults.expire_sessions_after(2)
    sf.query("SELECT Id FROM Contact")
    sf.query("SELECT Id FROM Contact")
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Contact")
    assert localorg.api_calls == 2


def test_concurrent_requests_are_all_answered_and_counted(localorg: LocalOrg) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def create(i: int) -> int:
        url = localorg.instance_url + "/services/data/v62.0/sobjects/Contact"
        headers = {"Authorization": f"Bearer {localorg.access_token}"}
        return localorg.session().post(url, json={"LastName": f"T{i}"}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(40)))
    assert statuses == [201] * 40
    assert localorg.api_calls == 40
    assert len(localorg.requests) == 40
    assert localorg.engine.record_counts(["Contact"])["sObjects"][0]["count"] == 43


def test_limits_body_matches_its_own_usage_header_under_concurrency(localorg: LocalOrg) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def limits(_: int) -> tuple[int, int]:
        response = _get(localorg, "/services/data/v62.0/limits")
        used = int(response.headers["Sforce-Limit-Info"].split("=")[1].split("/")[0])
        return used, 15000 - response.json()["DailyApiRequests"]["Remaining"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        pairs = list(pool.map(limits, range(60)))
    assert all(header == body for header, body in pairs)
    assert sorted(header for header, _ in pairs) == list(range(1, 61))  # each call counted once


def test_uri_plus_headers_over_16384_bytes_is_refused_but_composite_carries_it(
    localorg: LocalOrg,
) -> None:
    emails = ", ".join(f"'person{i}@example.com'" for i in range(700))
    soql = f"SELECT Id FROM Contact WHERE Email IN ({emails})"
    long_get = _get(localorg, "/services/data/v62.0/query", params={"q": soql})
    assert long_get.status_code == 414
    fat_headers = _get(localorg, "/services/data/v62.0/limits", headers={"X-Pad": "x" * 16_400})
    assert fat_headers.status_code == 431
    assert localorg.api_calls == 0  # refused at the door, not counted
    composite = localorg.session().post(
        localorg.instance_url + "/services/data/v62.0/composite",
        json={
            "compositeRequest": [
                {
                    "method": "GET",
                    "url": "/services/data/v62.0/query?q=" + quote(soql),
                    "referenceId": "q",
                }
            ]
        },
        headers={"Authorization": f"Bearer {localorg.access_token}"},
    )
    assert composite.status_code == 200
    assert composite.json()["compositeResponse"][0]["httpStatusCode"] == 200
    assert localorg.api_calls == 1


def test_soap_login_with_a_bad_password_is_an_invalid_login_fault(localorg: LocalOrg) -> None:
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed

    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        SalesforceLogin(
            username="loader@example.com",
            password="wrong",
            security_token="",
            scratch_url=localorg.instance_url,
            session=localorg.session(),
        )
    assert caught.value.code == "INVALID_LOGIN"


def test_identity_url_from_the_token_response(localorg: LocalOrg) -> None:
    body = _token(localorg, grant_type="client_credentials").json()
    identity = localorg.session().get(
        body["id"], headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert identity.status_code == 200
    assert identity.json()["user_id"] == localorg.user_id
    assert localorg.api_calls == 0
