"""sfclean.connect and Connection against a real local org over HTTPS (sfclean.localorg).

Every login mode, renewal of an expired session, paging, Composite, and the org's faults
turned into sfclean errors.
"""

from __future__ import annotations

import json
import logging
import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

import sfclean
from sfclean.errors import ApiError, AuthError, ConnectionFailed
from sfclean.localorg import LocalOrg
from sfclean.salesforce._auth import JwtAuth


def _one_line(message: str) -> bool:
    return "\n" not in message and message == message.strip() and len(message) < 400


LOADER = "loader@connect-test.example.com"
ORG_PASSWORD = "Org-Passw0rd-secret"
ORG_SECURITY_TOKEN = "OrgSecTok123456"
LEADS = 2_100  # more than one 2,000-record query page

SEED = {
    "org": {"name": "Connect Test"},
    "users": [
        {
            "username": LOADER,
            "name": "Load Er",
            "email": LOADER,
            "profile": "System Administrator",
        }
    ],
    "records": {
        "Lead": [
            {"LastName": f"Lead{i}", "Company": "Acme", "Email": f"lead{i}@example.org"}
            for i in range(LEADS)
        ],
        "Contact": [{"LastName": "Solo", "Email": "solo@example.org"}],
    },
}


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg(SEED, password=ORG_PASSWORD, security_token=ORG_SECURITY_TOKEN) as local:
        yield local


@pytest.fixture
def fresh_org(org: LocalOrg) -> Iterator[LocalOrg]:
    """The module's org with no faults before and after the test."""
    org.faults.clear()
    yield org
    org.faults.clear()


def _password_kwargs(org: LocalOrg, **extra: object) -> dict[str, object]:
    return {
        "username": LOADER,
        "password": ORG_PASSWORD,
        "security_token": ORG_SECURITY_TOKEN,
        "domain": org.instance_url,
        "ca_bundle": org.ca_bundle,
        **extra,
    }


@pytest.fixture(scope="module")
def rsa_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("jwt") / "server.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def test_localorg_token_mode(fresh_org: LocalOrg) -> None:
    token = fresh_org.new_token(LOADER)
    with sfclean.connect(
        instance_url=fresh_org.instance_url, access_token=token, ca_bundle=fresh_org.ca_bundle
    ) as conn:
        assert (conn.username, conn.org_id, conn.mode) == (LOADER, fresh_org.org_id, "token")
        assert conn.instance_url == fresh_org.instance_url


@pytest.mark.parametrize(
    "extra",
    [
        {},  # SOAP login at DOMAIN/services/Soap/u/VERSION
        {"consumer_key": "3MVG9-sfclean-test"},  # OAuth username-password flow
        {"consumer_key": "3MVG9-sfclean-test", "consumer_secret": "cs-secret-value"},
    ],
    ids=["soap", "oauth", "oauth-secret"],
)
def test_localorg_password_mode_via_domain_url(fresh_org: LocalOrg, extra: dict[str, str]) -> None:
    with sfclean.connect(**_password_kwargs(fresh_org, **extra)) as conn:  # type: ignore[arg-type]
        assert (conn.username, conn.mode, conn.can_reauthenticate) == (LOADER, "password", True)
        assert conn.record_counts(["Contact", "Lead"]) == {"Contact": 1, "Lead": LEADS}


def test_localorg_jwt_mode(fresh_org: LocalOrg, rsa_key_file: Path) -> None:
    with sfclean.connect(
        username=LOADER,
        consumer_key="3MVG9-sfclean-test",
        private_key_file=rsa_key_file,
        domain=fresh_org.instance_url,
        ca_bundle=fresh_org.ca_bundle,
    ) as conn:
        assert (conn.username, conn.mode) == (LOADER, "jwt")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"password": "wrong-password"}, "INVALID_LOGIN"),
        ({"password": "wrong-password", "consumer_key": "ck"}, "invalid_grant"),
        ({"username": "nobody@example.com"}, "INVALID_LOGIN"),
    ],
)
def test_localorg_bad_credentials(
    fresh_org: LocalOrg, caplog: pytest.LogCaptureFixture, kwargs: dict[str, str], expected: str
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as info:
        sfclean.connect(**_password_kwargs(fresh_org, **kwargs))  # type: ignore[arg-type]
    message = str(info.value)
    user = kwargs.get("username", LOADER)
    assert message.startswith(
        f"Salesforce refused the login for user {user} at {fresh_org.instance_url}"
    )
    assert "check the password and security token" in message and expected in message
    assert _one_line(message)
    for text in [message, *(record.getMessage() for record in caplog.records)]:
        for secret in ("wrong-password", ORG_PASSWORD, ORG_SECURITY_TOKEN):
            assert secret not in text


def test_localorg_bad_jwt_subject(fresh_org: LocalOrg, rsa_key_file: Path) -> None:
    with pytest.raises(
        AuthError, match=re.escape("refused the JWT bearer login for user nobody@example.com")
    ):
        sfclean.connect(
            username="nobody@example.com",
            consumer_key="ck",
            private_key_file=rsa_key_file,
            domain=fresh_org.instance_url,
            ca_bundle=fresh_org.ca_bundle,
        )


@pytest.mark.parametrize("extra", [{}, {"consumer_key": "ck"}], ids=["soap", "oauth"])
def test_localorg_expired_session_renewed_once_in_password_mode(
    fresh_org: LocalOrg, extra: dict[str, str]
) -> None:
    with sfclean.connect(**_password_kwargs(fresh_org, **extra)) as conn:  # type: ignore[arg-type]
        old = conn.sf
        fresh_org.expire_sessions()
        assert conn.limits()["DailyApiRequests"]["Max"] > 0
        assert conn.sf is not old
        assert conn.sf.session_id != old.session_id


def test_localorg_expired_session_renewed_in_jwt_mode(
    fresh_org: LocalOrg, rsa_key_file: Path
) -> None:
    with sfclean.connect(
        username=LOADER,
        consumer_key="ck",
        private_key_file=rsa_key_file,
        domain=fresh_org.instance_url,
        ca_bundle=fresh_org.ca_bundle,
    ) as conn:
        fresh_org.expire_sessions()
        assert conn.record_counts(["Contact"]) == {"Contact": 1}


def test_localorg_expired_session_in_token_mode_is_auth_error(fresh_org: LocalOrg) -> None:
    token = fresh_org.new_token(LOADER)
    with sfclean.connect(
        instance_url=fresh_org.instance_url, access_token=token, ca_bundle=fresh_org.ca_bundle
    ) as conn:
        fresh_org.expire_sessions()
        with pytest.raises(AuthError) as info:
            conn.limits()
    message = str(info.value)
    assert "expired" in message and "sf org display" in message and "username/password" in message
    assert token not in message
    assert _one_line(message)


def test_localorg_expired_session_in_cli_mode_runs_sf_again(
    fresh_org: LocalOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    display = tmp_path / "display.json"

    def write_display() -> None:
        result = {"accessToken": fresh_org.new_token(LOADER), "instanceUrl": fresh_org.instance_url}
        display.write_text(json.dumps({"status": 0, "result": result}))

    write_display()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "sf"
    script.write_text(f"#!{sys.executable}\nprint(open({str(display)!r}).read())\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))
    with sfclean.connect(target_org="local", ca_bundle=fresh_org.ca_bundle) as conn:
        fresh_org.expire_sessions()
        write_display()  # what the CLI does: it refreshes the token itself
        assert conn.record_counts(["Lead"]) == {"Lead": LEADS}


def test_localorg_session_expiring_again_after_new_login(fresh_org: LocalOrg) -> None:
    with sfclean.connect(**_password_kwargs(fresh_org)) as conn:  # type: ignore[arg-type]
        fresh_org.faults.fail(401, times=None, path="/limits")
        with pytest.raises(AuthError, match="expired again right after a new login"):
            conn.limits()


def test_localorg_existing_simple_salesforce_object(fresh_org: LocalOrg) -> None:
    from simple_salesforce import Salesforce

    http = fresh_org.session()
    sf = Salesforce(
        session_id=fresh_org.new_token(LOADER),
        instance_url=fresh_org.instance_url,
        session=http,
        version="61.0",
    )
    try:
        conn = sfclean.connect(sf=sf)
        assert (conn.sf, conn.mode, conn.username, conn.api_version) == (
            sf,
            "object",
            LOADER,
            "61.0",
        )
        conn.close()  # does not close the caller's session
        assert conn.record_counts(["Contact"]) == {"Contact": 1}
        fresh_org.expire_sessions()
        with pytest.raises(AuthError, match="expired"):
            conn.limits()
    finally:
        http.close()


def test_localorg_query_all_iter_follows_next_records_url(fresh_org: LocalOrg) -> None:
    with sfclean.connect(**_password_kwargs(fresh_org)) as conn:  # type: ignore[arg-type]
        fresh_org.clear_requests()
        emails = [record["Email"] for record in conn.query_all_iter("SELECT Email FROM Lead")]
    assert sorted(emails) == sorted(f"lead{i}@example.org" for i in range(LEADS))
    pages = [r for r in fresh_org.requests if "/query" in r.path]
    assert len(pages) == 2


def test_localorg_query_renews_session_between_pages(fresh_org: LocalOrg) -> None:
    with sfclean.connect(**_password_kwargs(fresh_org)) as conn:  # type: ignore[arg-type]
        records = conn.query_all_iter("SELECT Id FROM Lead")
        first = [next(records) for _ in range(10)]
        fresh_org.expire_sessions()
        rest = list(records)
    assert len(first) + len(rest) == LEADS


def test_localorg_composite_runs_relative_and_absolute_urls(fresh_org: LocalOrg) -> None:
    with sfclean.connect(**_password_kwargs(fresh_org)) as conn:  # type: ignore[arg-type]
        before = fresh_org.api_calls
        answers = conn.composite(
            [
                {
                    "method": "GET",
                    "url": "query?q=SELECT+Id+FROM+Contact+WHERE+Email+=+'solo@example.org'",
                    "referenceId": "relative",
                },
                {
                    "method": "GET",
                    "url": f"/services/data/v{conn.api_version}/query?q=SELECT+COUNT()+FROM+Lead",
                    "referenceId": "absolute",
                },
            ]
        )
        assert fresh_org.api_calls - before == 1
    by_ref = {answer["referenceId"]: answer for answer in answers}
    assert by_ref["relative"]["httpStatusCode"] == 200
    assert by_ref["relative"]["body"]["totalSize"] == 1
    assert by_ref["absolute"]["body"]["totalSize"] == LEADS


@pytest.mark.parametrize("count", [0, 26])
def test_composite_refuses_wrong_subrequest_counts(fresh_org: LocalOrg, count: int) -> None:
    with sfclean.connect(**_password_kwargs(fresh_org)) as conn:  # type: ignore[arg-type]
        request = {"method": "GET", "url": "limits/", "referenceId": "r"}
        with pytest.raises(ValueError, match="1 to 25 subrequests"):
            conn.composite([request] * count)


def test_localorg_faults_become_our_errors(fresh_org: LocalOrg) -> None:
    with sfclean.connect(**_password_kwargs(fresh_org)) as conn:  # type: ignore[arg-type]
        fresh_org.faults.rate_limit(path="/limits")
        with pytest.raises(ApiError) as limited:
            conn.limits()
        fresh_org.faults.fail(503, retry_after=0, times=3, path="/limits")  # 3 tries
        with pytest.raises(ApiError) as unavailable:
            conn.limits()
        fresh_org.faults.drop(path="/limits", times=3)  # a dropped GET is sent twice more
        with pytest.raises(ConnectionFailed) as dropped:
            conn.limits()
        bad = "SELECT Email FROM Lead WHERE Email IN ('a@example.org', 'b@example.org') ORDER"
        with pytest.raises(ApiError) as malformed:
            list(conn.query_all_iter(bad))
    assert limited.value.error_code == "REQUEST_LIMIT_EXCEEDED"
    assert "API request limit" in str(limited.value)
    assert (unavailable.value.http_status, unavailable.value.error_code) == (
        503,
        "SERVER_UNAVAILABLE",
    )
    assert str(dropped.value).startswith(f"cannot reach {fresh_org.instance_url}: ")
    assert malformed.value.error_code == "MALFORMED_QUERY"
    assert malformed.value.http_status == 400
    assert malformed.value.url == f"{fresh_org.instance_url}/services/data/v62.0/query/"
    assert limited.value.url == f"{fresh_org.instance_url}/services/data/v62.0/limits/"
    for error in (limited.value, unavailable.value, dropped.value, malformed.value):
        assert _one_line(str(error))
        assert "@example.org" not in str(error)


def test_jwt_assertion_is_signed_rs256_with_the_documented_claims(rsa_key_file: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    auth = JwtAuth(LOADER, "3MVG9-key", str(rsa_key_file), "https://acme.my.salesforce.com")
    private = serialization.load_pem_private_key(rsa_key_file.read_bytes(), password=None)
    claims = jwt.decode(
        auth._assertion(),
        private.public_key(),  # type: ignore[arg-type]
        algorithms=["RS256"],
        audience="https://login.salesforce.com",
    )
    assert (claims["iss"], claims["sub"]) == ("3MVG9-key", LOADER)
    assert isinstance(claims["exp"], int)
