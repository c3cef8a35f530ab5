"""sfclean.connect and Connection: login modes, TLS, and errors in our own words.

Servers are real HTTPS servers on loopback: a tiny werkzeug app where only TLS and
``/services/oauth2/userinfo`` matter, and localorg for everything else.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

import sfclean
from sfclean.errors import ApiError, AuthError, ConfigError, ConnectionFailed
from sfclean.salesforce._auth import PasswordAuth, TokenAuth, jwt_audience, login_url
from sfclean.salesforce._transport import origin, scrub, short_message

GOOD_TOKEN = "00D000000000001!AQgoodtokensecretvalue"
NOAPI_TOKEN = "00D000000000001!AQnoapitokensecretvalue"
PASSWORD = "hunter2-Secret-pw"
SECURITY_TOKEN = "SECtok9876543210"


# --- a tiny HTTPS org: userinfo plus one REST route --------------------------------------


def _tiny_app(environ, start_response):  # type: ignore[no-untyped-def]
    request = Request(environ)
    auth = request.headers.get("Authorization", "")
    token = auth.removeprefix("Bearer ")
    if token not in (GOOD_TOKEN, NOAPI_TOKEN):
        body = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        response = Response(json.dumps(body), status=401, mimetype="application/json")
    elif request.path == "/services/oauth2/userinfo":
        info = {
            "preferred_username": "tiny@example.com",
            "user_id": "005000000000001AAA",
            "organization_id": "00D000000000001EAA",
        }
        response = Response(json.dumps(info), mimetype="application/json")
    elif token == NOAPI_TOKEN:
        body = [
            {
                "message": "The REST API is not enabled for this Organization.",
                "errorCode": "API_DISABLED_FOR_ORG",
            }
        ]
        response = Response(json.dumps(body), status=403, mimetype="application/json")
    else:
        response = Response(json.dumps({"DailyApiRequests": {"Max": 15000, "Remaining": 14999}}))
        response.mimetype = "application/json"
    return response(environ, start_response)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tiny_org(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """HTTPS on 127.0.0.1 with a certificate from ``ca``; yields its URL and CA file."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = make_server("127.0.0.1", 0, _tiny_app, threaded=True, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ca_file = tmp_path_factory.mktemp("tiny") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    try:
        yield {"url": f"https://127.0.0.1:{server.server_port}", "ca_bundle": str(ca_file)}
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def _quiet_werkzeug() -> Iterator[None]:
    werkzeug_logger = logging.getLogger("werkzeug")
    level = werkzeug_logger.level
    werkzeug_logger.setLevel(logging.ERROR)
    yield
    werkzeug_logger.setLevel(level)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _one_line(message: str) -> bool:
    return "\n" not in message and message == message.strip() and len(message) < 400


# --- connection failures ------------------------------------------------------------------


def test_closed_port_is_connection_failed_with_one_line() -> None:
    port = _closed_port()
    with pytest.raises(ConnectionFailed) as info:
        sfclean.connect(instance_url=f"https://127.0.0.1:{port}", access_token=GOOD_TOKEN)
    message = str(info.value)
    assert message.startswith(f"cannot reach https://127.0.0.1:{port}: connection refused;")
    assert "--instance-url" in message
    assert _one_line(message)
    assert GOOD_TOKEN not in message


def test_untrusted_certificate_is_connection_failed_naming_ca_bundle(
    tiny_org: dict[str, str],
) -> None:
    with pytest.raises(ConnectionFailed) as info:
        sfclean.connect(instance_url=tiny_org["url"], access_token=GOOD_TOKEN)
    message = str(info.value)
    assert message.startswith(f"cannot reach {tiny_org['url']}: TLS certificate verification")
    assert "--ca-bundle" in message
    assert _one_line(message)


def test_certificate_from_another_ca_is_refused(tiny_org: dict[str, str], tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    with pytest.raises(ConnectionFailed, match="--ca-bundle"):
        sfclean.connect(instance_url=tiny_org["url"], access_token=GOOD_TOKEN, ca_bundle=other)


def test_ca_bundle_is_not_overridden_by_environment(
    tiny_org: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(other))
    with sfclean.connect(
        instance_url=tiny_org["url"], access_token=GOOD_TOKEN, ca_bundle=tiny_org["ca_bundle"]
    ) as conn:
        assert conn.username == "tiny@example.com"


def test_silent_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with pytest.raises(ConnectionFailed, match=r"timed out;"):
            sfclean.connect(
                instance_url=f"https://127.0.0.1:{port}", access_token=GOOD_TOKEN, timeout=0.5
            )


# --- token and env-var modes --------------------------------------------------------------


def test_token_mode_identifies_the_user(tiny_org: dict[str, str]) -> None:
    with sfclean.connect(
        instance_url=tiny_org["url"] + "/", access_token=GOOD_TOKEN, ca_bundle=tiny_org["ca_bundle"]
    ) as conn:
        assert conn.instance_url == tiny_org["url"]
        assert (conn.username, conn.org_id, conn.mode) == (
            "tiny@example.com",
            "00D000000000001EAA",
            "token",
        )
        assert conn.api_version == "62.0"
        assert not conn.can_reauthenticate
        assert conn.limits()["DailyApiRequests"]["Max"] == 15000
        assert GOOD_TOKEN not in repr(conn)


def test_env_vars_give_token_mode(
    tiny_org: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SF_INSTANCE_URL", tiny_org["url"])
    monkeypatch.setenv("SF_ACCESS_TOKEN", GOOD_TOKEN)
    with sfclean.connect(ca_bundle=tiny_org["ca_bundle"]) as conn:
        assert conn.username == "tiny@example.com"


def test_env_mapping_is_used_instead_of_os_environ(tiny_org: dict[str, str]) -> None:
    env = {"SF_INSTANCE_URL": tiny_org["url"], "SF_ACCESS_TOKEN": GOOD_TOKEN}
    with sfclean.connect(ca_bundle=tiny_org["ca_bundle"], env=env) as conn:
        assert conn.mode == "token"
    with pytest.raises(ConfigError, match="no Salesforce credentials"):
        sfclean.connect(ca_bundle=tiny_org["ca_bundle"], env={})


def test_bad_token_says_session_expired(tiny_org: dict[str, str]) -> None:
    bad = "00D000000000001!AQwrongwrongwrong"
    with pytest.raises(AuthError) as info:
        sfclean.connect(
            instance_url=tiny_org["url"], access_token=bad, ca_bundle=tiny_org["ca_bundle"]
        )
    message = str(info.value)
    assert "session" in message and "expired" in message
    assert "sf org display" in message
    assert bad not in message
    assert _one_line(message)


def test_api_disabled_is_api_error_with_code(tiny_org: dict[str, str]) -> None:
    with (
        sfclean.connect(
            instance_url=tiny_org["url"], access_token=NOAPI_TOKEN, ca_bundle=tiny_org["ca_bundle"]
        ) as conn,
        pytest.raises(ApiError) as info,
    ):
        conn.limits()
    assert info.value.error_code == "API_DISABLED_FOR_ORG"
    assert info.value.http_status == 403
    assert "API Enabled" in str(info.value)
    assert NOAPI_TOKEN not in str(info.value)


# --- Salesforce CLI alias -----------------------------------------------------------------


def _fake_sf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: object, code: int) -> Path:
    """Put an ``sf`` on PATH that prints ``output`` (JSON, or text as given) and exits ``code``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    text = output if isinstance(output, str) else json.dumps(output, indent=2)
    script = bin_dir / "sf"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"open({str(tmp_path / 'argv.json')!r}, 'w').write(repr(sys.argv[1:]))\n"
        f"sys.stdout.write({text!r})\n"
        f"sys.exit({code})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))
    return tmp_path / "argv.json"


def test_cli_alias_reads_sf_org_display(
    tiny_org: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    display = {
        "status": 0,
        "result": {
            "id": "00D000000000001EAA",
            "accessToken": GOOD_TOKEN,
            "instanceUrl": tiny_org["url"],
            "username": "tiny@example.com",
            "alias": "tiny",
        },
        "warnings": ["This command will expose sensitive information..."],
    }
    argv = _fake_sf(tmp_path, monkeypatch, display, 0)
    with sfclean.connect(target_org="tiny", ca_bundle=tiny_org["ca_bundle"]) as conn:
        assert (conn.mode, conn.username, conn.can_reauthenticate) == (
            "cli",
            "tiny@example.com",
            True,
        )
    assert argv.read_text() == repr(["org", "display", "--target-org", "tiny", "--json"])


@pytest.mark.parametrize(
    ("output", "code", "expected"),
    [
        (
            {
                "status": 1,
                "name": "NamedOrgNotFoundError",
                "message": "No authorization information found for nope.",
                "exitCode": 1,
            },
            1,
            "(No authorization information found for nope.)",
        ),
        ("Error: something broke\n", 2, "(exit status 2, no JSON answer)"),
        ({"status": 0, "result": {"username": "x@example.com"}}, 0, "(exit status 0"),
    ],
)
def test_cli_alias_failures_are_auth_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: object, code: int, expected: str
) -> None:
    _fake_sf(tmp_path, monkeypatch, output, code)
    with pytest.raises(AuthError) as info:
        sfclean.connect(target_org="nope")
    message = str(info.value)
    assert "--target-org nope" in message and expected in message
    assert "sf org login web --alias nope" in message
    assert _one_line(message)


def test_cli_alias_without_sf_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match=r"needs the Salesforce CLI \(sf\) on PATH"):
        sfclean.connect(target_org="dev")


# --- options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "no Salesforce credentials given"),
        ({"instance_url": "https://x.example.com"}, "--access-token is missing"),
        ({"access_token": GOOD_TOKEN}, "--instance-url is missing"),
        ({"username": "u@example.com"}, "--username needs --password"),
        ({"password": PASSWORD}, "--username needs --password"),
        (
            {"username": "u@example.com", "password": PASSWORD, "access_token": GOOD_TOKEN},
            "choose one way to log in",
        ),
        ({"target_org": "dev", "username": "u@example.com"}, "choose one way to log in"),
        (
            {"username": "u@example.com", "private_key_file": "k.pem"},
            "needs --username and --consumer-key",
        ),
        (
            {"username": "u", "consumer_key": "ck", "private_key_file": "k.pem", "password": "p"},
            "does not take --password",
        ),
        ({"security_token": SECURITY_TOKEN}, "need --username"),
        ({"instance_url": "http://127.0.0.1:1", "access_token": GOOD_TOKEN}, "is not an https://"),
        ({"username": "u", "password": PASSWORD, "domain": "http://127.0.0.1"}, "is not https"),
        ({"username": "u", "password": PASSWORD, "domain": "bad domain!"}, "is not login, test"),
        (
            {"instance_url": "https://x", "access_token": "t", "api_version": "sixty"},
            "--api-version",
        ),
        (
            {"instance_url": "https://x", "access_token": "t", "ca_bundle": "/nonexistent.pem"},
            "--ca-bundle",
        ),
        ({"sf": object()}, "must be a simple_salesforce.Salesforce"),
        ({"sf": object(), "access_token": "t"}, "sf= is a complete login"),
    ],
)
def test_bad_options_are_config_errors(kwargs: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        sfclean.connect(**kwargs, env={})  # type: ignore[arg-type]
    assert expected in str(info.value)
    assert _one_line(str(info.value))
    for secret in (GOOD_TOKEN, PASSWORD, SECURITY_TOKEN):
        assert secret not in str(info.value)


def test_ca_bundle_without_certificate_is_config_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match="holds no PEM certificate"):
        sfclean.connect(instance_url="https://127.0.0.1:9", access_token="t", ca_bundle=junk)


@pytest.mark.parametrize(
    ("domain", "url"),
    [
        ("login", "https://login.salesforce.com"),
        ("test", "https://test.salesforce.com"),
        ("acme.my", "https://acme.my.salesforce.com"),
        ("acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        ("https://127.0.0.1:8443/", "https://127.0.0.1:8443"),
        ("https://acme.my.salesforce.com/some/path?x=1", "https://acme.my.salesforce.com"),
    ],
)
def test_domain_forms(domain: str, url: str) -> None:
    assert login_url(domain) == url


@pytest.mark.parametrize(
    ("domain", "audience"),
    [
        ("login", "https://login.salesforce.com"),
        ("test", "https://test.salesforce.com"),
        ("acme.my", "https://login.salesforce.com"),
        ("acme--uat.sandbox.my", "https://test.salesforce.com"),
        ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
        ("https://acme.my.site.com", "https://acme.my.site.com"),
    ],
)
def test_jwt_audience(domain: str, audience: str) -> None:
    assert jwt_audience(login_url(domain)) == audience


def test_jwt_with_unreadable_key_file_is_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.key"
    with pytest.raises(ConfigError, match="cannot read --private-key-file"):
        sfclean.connect(username="u@example.com", consumer_key="ck", private_key_file=missing)
    junk = tmp_path / "junk.key"
    junk.write_text("not a key")
    with pytest.raises(ConfigError, match="not a usable RSA private key"):
        sfclean.connect(username="u@example.com", consumer_key="ck", private_key_file=junk)


# --- secrets stay out of messages and logs ------------------------------------------------


def test_secrets_never_in_messages_or_logs(
    tiny_org: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    messages = []
    attempts = [
        # the tiny org has no login endpoints: SOAP answers 401, OAuth answers non-JSON errors
        {"username": "u@example.com", "password": PASSWORD, "security_token": SECURITY_TOKEN},
        {
            "username": "u@example.com",
            "password": PASSWORD,
            "security_token": SECURITY_TOKEN,
            "consumer_key": "ck",
            "consumer_secret": "consumer-SECRET-1",
        },
        {"instance_url": tiny_org["url"], "access_token": GOOD_TOKEN + "x"},
    ]
    for attempt in attempts:
        with pytest.raises(sfclean.OrgError) as info:
            sfclean.connect(
                **attempt, domain=tiny_org["url"], ca_bundle=tiny_org["ca_bundle"], env={}
            )  # type: ignore[arg-type]
        messages.append(str(info.value))
    with (
        sfclean.connect(
            instance_url=tiny_org["url"], access_token=NOAPI_TOKEN, ca_bundle=tiny_org["ca_bundle"]
        ) as conn,
        pytest.raises(ApiError) as api_info,
    ):
        conn.limits()
    messages.append(str(api_info.value))
    logged = [record.getMessage() for record in caplog.records]
    for text in messages + logged:
        for secret in (PASSWORD, SECURITY_TOKEN, GOOD_TOKEN, NOAPI_TOKEN, "consumer-SECRET-1"):
            assert secret not in text
    assert all(_one_line(message) for message in messages)


@settings(max_examples=50, deadline=None)
@given(text=st.text(), secret=st.text(min_size=4))
def test_scrub_removes_every_occurrence(text: str, secret: str) -> None:
    assert secret not in scrub(text + secret + text, [secret])


@settings(max_examples=50, deadline=None)
@given(text=st.text())
def test_short_message_is_one_short_line(text: str) -> None:
    short = short_message(text)
    assert len(short) <= 200
    assert not any(char in short for char in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def test_credentials_are_not_in_reprs() -> None:
    texts = [
        repr(PasswordAuth("u@example.com", PASSWORD, SECURITY_TOKEN, consumer_secret="cs-SECRET")),
        repr(TokenAuth("https://x.example.com", GOOD_TOKEN)),
    ]
    for text in texts:
        for secret in (PASSWORD, SECURITY_TOKEN, "cs-SECRET", GOOD_TOKEN):
            assert secret not in text


@settings(max_examples=50, deadline=None)
@given(
    host=st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,2}", fullmatch=True),
    port=st.none() | st.integers(1, 65535),
    path=st.text(st.characters(codec="ascii", exclude_characters="#?"), max_size=30),
    query=st.text(max_size=30),
)
def test_origin_keeps_only_scheme_host_and_port(
    host: str, port: int | None, path: str, query: str
) -> None:
    netloc = host if port is None else f"{host}:{port}"
    url = f"https://{netloc}/{path.lstrip('/')}?{query}"
    assert origin(url) == f"https://{netloc}"


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        (None, None),
        ("", None),
        (
            "https://a.my.salesforce.com/secur/frontdoor.jsp?sid=00D!AQ0.SESSION",
            "https://a.my.salesforce.com/secur/frontdoor.jsp",
        ),
        (
            "https://user:pw@a.my.salesforce.com/services/oauth2/token?access_token=x#f",
            "https://a.my.salesforce.com/services/oauth2/token",
        ),
        (
            "https://a.my.salesforce.com/services/data/v62.0/query?q=SELECT+Id+FROM+Lead",
            "https://a.my.salesforce.com/services/data/v62.0/query",
        ),
    ],
)
def test_an_api_errors_url_carries_no_secret_and_no_query(
    url: str | None, safe: str | None
) -> None:
    error = ApiError("x", error_code="INVALID_SESSION_ID", http_status=401, url=url)
    assert (error.error_code, error.http_status, error.url) == ("INVALID_SESSION_ID", 401, safe)
