"""Connection.api_calls and safe retries against a local org: the count agrees with the org's
own counter, idempotent requests survive a 503, writes are never sent twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sfclean
from sfclean.errors import ApiError, AuthError
from sfclean.localorg import LocalOrg
from sfclean.salesforce._meter import is_api_request

SEED = {
    "org": {"name": "Meter Test"},
    "records": {
        "Lead": [
            {"LastName": f"L{i}", "Company": "Acme", "Email": f"l{i}@example.org"}
            for i in range(30)
        ],
        "Contact": [{"LastName": "Solo", "Email": "solo@example.org"}],
    },
}


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg(SEED) as local:
        yield local


@pytest.fixture
def conn(org: LocalOrg) -> Iterator[sfclean.Connection]:
    org.faults.clear()
    connection = sfclean.connect(
        instance_url=org.instance_url, access_token=org.new_token(), ca_bundle=org.ca_bundle
    )
    connection.http.hooks["response"][0].backoff = 0.01
    yield connection
    connection.close()
    org.faults.clear()


@pytest.mark.parametrize(
    ("url", "counted"),
    [
        ("https://h/services/data/v62.0/query?q=x", True),
        ("https://h/services/data/v62.0", True),
        ("https://h/services/async/62.0/job", True),
        ("https://h/services/data", False),
        ("https://h/services/data/", False),
        ("https://h/services/oauth2/userinfo", False),
        ("https://h/services/oauth2/token", False),
        ("https://h/services/Soap/u/62.0", False),
    ],
)
def test_which_requests_are_api_calls(url: str, counted: bool) -> None:
    assert is_api_request(url) is counted


def test_api_calls_agree_with_the_org_counter(conn: sfclean.Connection, org: LocalOrg) -> None:
    org_before, ours_before = org.api_calls, conn.api_calls
    assert ours_before == 0  # connect's userinfo call is not an API call
    records = list(conn.query_all_iter("SELECT Id FROM Lead"))
    conn.record_counts(["Lead", "Contact"])
    conn.composite([{"method": "GET", "url": "limits", "referenceId": "a"}])
    conn.request("GET", "jobs/query")
    conn.identify()  # userinfo: not counted by either side
    assert len(records) == 30
    assert conn.api_calls - ours_before == org.api_calls - org_before == 4


def test_get_is_retried_after_503_with_retry_after(conn: sfclean.Connection, org: LocalOrg) -> None:
    org.faults.fail(503, retry_after=0, times=2, path="/query")
    before = org.api_calls
    records = list(conn.query_all_iter("SELECT Id FROM Contact"))
    assert len(records) == 1
    assert conn.api_calls == org.api_calls - before == 1
    statuses = [r.status for r in org.requests if r.path.rstrip("/").endswith("/query")][-3:]
    assert statuses == [503, 503, 200]


def test_get_gives_up_after_three_attempts(conn: sfclean.Connection, org: LocalOrg) -> None:
    org.faults.fail(500, times=5, path="/limits")
    with pytest.raises(ApiError, match="HTTP 500") as info:
        conn.limits()
    assert info.value.http_status == 500
    assert (
        sum(1 for r in org.requests if r.path.rstrip("/").endswith("/limits") and r.status == 500)
        == 3
    )


def test_a_long_retry_after_is_not_waited_for(conn: sfclean.Connection, org: LocalOrg) -> None:
    org.faults.fail(503, retry_after=3600, times=1, path="/limits")
    with pytest.raises(ApiError, match="try again later"):
        conn.limits()


def test_composite_of_gets_is_retried(conn: sfclean.Connection, org: LocalOrg) -> None:
    org.faults.fail(503, retry_after=0, times=1, path="/composite$")
    answer = conn.composite(
        [{"method": "GET", "url": "query?q=SELECT+Id+FROM+Contact", "referenceId": "q"}]
    )
    assert answer[0]["httpStatusCode"] == 200


@pytest.mark.parametrize(
    ("path", "call"),
    [
        (
            "/composite$",
            lambda c: c.composite(
                [
                    {
                        "method": "POST",
                        "url": "sobjects/Contact",
                        "referenceId": "new",
                        "body": {"LastName": "Once"},
                    }
                ]
            ),
        ),
        ("/sobjects/Contact/?$", lambda c: c.call(lambda sf: sf.Contact.create({"LastName": "O"}))),
    ],
)
def test_writes_are_never_retried(conn: sfclean.Connection, org: LocalOrg, path, call) -> None:
    org.clear_requests()
    org.faults.fail(503, retry_after=0, times=1, path=path, method="POST")
    with pytest.raises(ApiError, match="HTTP 503"):
        call(conn)
    assert [(r.method, r.status) for r in org.requests] == [("POST", 503)]


def test_request_limit_is_not_retried_and_not_counted(
    conn: sfclean.Connection, org: LocalOrg
) -> None:
    org.faults.rate_limit(times=3, path="/limits")
    with pytest.raises(ApiError, match="REQUEST_LIMIT_EXCEEDED") as info:
        conn.limits()
    assert "\n" not in str(info.value)
    assert conn.api_calls == 0
    org.faults.clear()


def test_expired_token_is_one_line_auth_error(conn: sfclean.Connection, org: LocalOrg) -> None:
    org.faults.expire_sessions_after(0)
    with pytest.raises(AuthError) as info:
        conn.limits()
    assert "\n" not in str(info.value)
    assert "expired" in str(info.value)
    assert conn.api_calls == 0


@pytest.mark.parametrize("api", ["bulk", "bulk2", "rest"])
def test_loads_count_like_the_org(conn: sfclean.Connection, org: LocalOrg, api: str) -> None:
    import pandas as pd

    from sfclean.stages.load import load

    df = pd.DataFrame({"LastName": ["A", "B"], "Email": [f"{api}1@x.org", f"{api}2@x.org"]})
    org_before, ours_before = org.api_calls, conn.api_calls
    result = load(df, conn, object_name="Contact", api=api)
    assert len(result.kept) == 2
    assert conn.api_calls - ours_before == org.api_calls - org_before == result.api_calls
