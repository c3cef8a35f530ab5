"""The ways to obtain a session: each mode is a small class with one ``login`` method.

    Mode (``Authenticator.mode``)  Inputs                                 Can log in again
    ``token``      instance URL + access token (or SF_INSTANCE_URL / SF_ACCESS_TOKEN)   no
    ``password``   username + password (+ security token), SOAP login or, with a
                   consumer key, the OAuth username-password flow                        yes
    ``jwt``        OAuth JWT bearer: consumer key + username + private key file          yes
    ``cli``        a Salesforce CLI alias, read with ``sf org display --json``           yes

``login_url(domain)`` turns ``--domain`` into the login host: ``login`` and ``test`` are
Salesforce's production and sandbox login hosts, any other word is a My Domain prefix
(``acme.my`` -> ``https://acme.my.salesforce.com``), and a full ``https://`` URL is used as
given (a local org, a proxy, a scratch org's instance).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

import jwt
import requests
from simple_salesforce import SalesforceLogin
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from sfclean.errors import ApiError, AuthError, ConfigError
from sfclean.salesforce._transport import origin, scrub, short_message, translated

__all__ = [
    "Authenticator",
    "CliAuth",
    "JwtAuth",
    "Login",
    "PasswordAuth",
    "TokenAuth",
    "jwt_audience",
    "login_url",
]

_MY_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_API_DISABLED = {"API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED"}
CLI_TIMEOUT = 120.0


def login_url(domain: str) -> str:
    """The https origin to log in at, from ``login``, ``test``, a My Domain or a URL."""
    domain = domain.strip()
    if domain.lower().startswith(("https://", "http://")):
        if domain.lower().startswith("http://"):
            raise ConfigError(f"--domain {domain} is not https; sfclean only talks TLS to orgs")
        return origin(domain.rstrip("/"))
    if not _MY_DOMAIN.match(domain):
        raise ConfigError(
            f"--domain {domain!r} is not login, test, a My Domain name or an https:// URL"
        )
    host = domain if domain.lower().endswith(".salesforce.com") else f"{domain}.salesforce.com"
    return f"https://{host}"


def jwt_audience(base_url: str) -> str:
    """The JWT ``aud`` claim for a login host.

    Salesforce wants ``https://login.salesforce.com`` (production, also behind a My Domain) or
    ``https://test.salesforce.com`` (sandboxes), whatever host the token request goes to; any
    other host (an Experience Cloud site, a local org) is its own audience.
    """
    host = (urlsplit(base_url).hostname or "").lower()
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return "https://test.salesforce.com"
    if host == "salesforce.com" or host.endswith(".salesforce.com"):
        return "https://login.salesforce.com"
    return base_url


def _https(url: str, what: str) -> str:
    if not url.lower().startswith("https://"):
        raise ConfigError(f"{what} {url} is not an https:// URL; sfclean only talks TLS to orgs")
    return url.rstrip("/")


@dataclass(frozen=True)
class Login:
    """A session: where the org lives and the access token (never shown in repr)."""

    instance_url: str
    access_token: str = field(repr=False)


class Authenticator(Protocol):
    """One way of obtaining a :class:`Login`."""

    @property
    def mode(self) -> str: ...

    @property
    def can_renew(self) -> bool: ...

    def login(self, http: requests.Session, api_version: str) -> Login: ...

    def secrets(self) -> tuple[str | None, ...]: ...


@dataclass(frozen=True)
class TokenAuth:
    """An access token someone else obtained; it cannot be renewed here."""

    instance_url: str
    access_token: str = field(repr=False)
    mode: ClassVar[str] = "token"
    can_renew: ClassVar[bool] = False

    def login(self, http: requests.Session, api_version: str) -> Login:
        return Login(_https(self.instance_url, "--instance-url"), self.access_token)

    def secrets(self) -> tuple[str | None, ...]:
        return (self.access_token,)


def _token_request(
    http: requests.Session, url: str, data: dict[str, str], secrets: tuple[str | None, ...]
) -> tuple[int, dict[str, Any] | None]:
    """POST an OAuth token request; (HTTP status, JSON body or None)."""
    with translated(url, secrets=secrets):
        response = http.post(url, data=data, headers={"Accept": "application/json"})
    try:
        body = response.json()
    except ValueError:
        body = None
    return response.status_code, body if isinstance(body, dict) else None


def _refusal(refused: tuple[str, str], code: str, detail: str) -> AuthError:
    """``WHO (CODE: detail): WHAT TO DO`` as one AuthError."""
    who, hint = refused
    return AuthError(f"{who} ({code}: {detail or 'no detail'}): {hint}")


def _oauth_login(
    http: requests.Session,
    base: str,
    data: dict[str, str],
    *,
    refused: tuple[str, str],
    secrets: tuple[str | None, ...],
) -> Login:
    """Run an OAuth token request at ``base``; ``refused`` is (who was refused, what to do)."""
    url = f"{base}/services/oauth2/token"
    status, body = _token_request(http, url, data, secrets)
    if body is None:
        raise AuthError(
            f"{base} did not answer as an OAuth token endpoint (HTTP {status}); check --domain"
        )
    if status != 200 or "access_token" not in body:
        code = str(body.get("error") or f"HTTP {status}")
        detail = short_message(scrub(str(body.get("error_description") or ""), secrets))
        if code in _API_DISABLED:
            raise ApiError(
                f"{base} refused API access ({code}): ask an admin to give the user the "
                "'API Enabled' permission",
                error_code=code,
                http_status=status,
                url=url,
            )
        raise _refusal(refused, code, detail)
    instance = str(body.get("instance_url") or base)
    return Login(_https(instance, "the token endpoint's instance_url"), str(body["access_token"]))


@dataclass(frozen=True)
class PasswordAuth:
    """Username + password (+ security token).

    With a consumer key it uses the OAuth username-password flow at the login host's
    ``/services/oauth2/token``; without one, simple-salesforce's SOAP ``login`` call at
    ``/services/Soap/u/VERSION``.
    """

    username: str
    password: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    base_url: str = "https://login.salesforce.com"
    consumer_key: str | None = None
    consumer_secret: str | None = field(default=None, repr=False)
    mode: ClassVar[str] = "password"
    can_renew: ClassVar[bool] = True

    def secrets(self) -> tuple[str | None, ...]:
        return (self.password, self.security_token, self.consumer_secret)

    def _refused(self) -> tuple[str, str]:
        return (
            f"Salesforce refused the login for user {self.username} at {self.base_url}",
            "check the password and security token",
        )

    def _soap_refused(self, exc: SalesforceAuthenticationFailed) -> AuthError | ApiError:
        """Our error for a failed SOAP login (a SOAP fault, or no SOAP endpoint at all)."""
        code = str(exc.code)
        if isinstance(exc.code, int):
            return AuthError(
                f"{self.base_url} did not answer the SOAP login (HTTP {code}); check --domain, "
                "or pass --consumer-key to log in through OAuth instead"
            )
        if code in _API_DISABLED:
            return ApiError(
                f"{self.base_url} refused API access ({code}): ask an admin to give the user "
                "the 'API Enabled' permission",
                error_code=code,
                url=self.base_url,
            )
        detail = short_message(scrub(exc.auth_message, self.secrets()))
        return _refusal(self._refused(), code, detail)

    def login(self, http: requests.Session, api_version: str) -> Login:
        if self.consumer_key:
            data = {
                "grant_type": "password",
                "client_id": self.consumer_key,
                "username": self.username,
                "password": self.password + (self.security_token or ""),
            }
            if self.consumer_secret:
                data["client_secret"] = self.consumer_secret
            return _oauth_login(
                http, self.base_url, data, refused=self._refused(), secrets=self.secrets()
            )
        with translated(self.base_url, secrets=self.secrets()):
            try:
                # scratch_url makes simple-salesforce post to BASE/services/Soap/u/VERSION
                # instead of https://{domain}.salesforce.com/..., so every --domain form works.
                session_id, instance = SalesforceLogin(
                    username=self.username,
                    password=self.password,
                    security_token=self.security_token or "",
                    sf_version=api_version,
                    session=http,
                    scratch_url=self.base_url,
                )
            except SalesforceAuthenticationFailed as exc:
                raise self._soap_refused(exc) from exc
        return Login(f"https://{instance}", session_id)


@dataclass(frozen=True)
class JwtAuth:
    """OAuth 2.0 JWT bearer flow: a connected app's consumer key, a user, a private key."""

    username: str
    consumer_key: str
    private_key_file: str
    base_url: str = "https://login.salesforce.com"
    mode: ClassVar[str] = "jwt"
    can_renew: ClassVar[bool] = True

    def secrets(self) -> tuple[str | None, ...]:
        return ()

    def _assertion(self) -> str:
        try:
            with open(self.private_key_file, "rb") as handle:
                key = handle.read()
        except OSError as exc:
            raise ConfigError(
                f"cannot read --private-key-file {self.private_key_file}: {exc.strerror}"
            ) from exc
        claims = {
            "iss": self.consumer_key,
            "sub": self.username,
            "aud": jwt_audience(self.base_url),
            "exp": int(time.time()) + 180,
        }
        try:
            return jwt.encode(claims, key, algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise ConfigError(
                f"--private-key-file {self.private_key_file} is not a usable RSA private key "
                "(PEM); use the key whose certificate is uploaded to the connected app"
            ) from exc

    def login(self, http: requests.Session, api_version: str) -> Login:
        data = {
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": self._assertion(),
        }
        refused = (
            f"Salesforce refused the JWT bearer login for user {self.username} at {self.base_url}",
            "check --consumer-key, the certificate uploaded to the connected app, and that the "
            "user is pre-authorized for it",
        )
        return _oauth_login(http, self.base_url, data, refused=refused, secrets=())


@dataclass(frozen=True)
class CliAuth:
    """A Salesforce CLI alias: ``sf org display --target-org ALIAS --json`` gives the session.

    The CLI refreshes an expired access token itself, so logging in again is running it again.
    """

    alias: str
    mode: ClassVar[str] = "cli"
    can_renew: ClassVar[bool] = True

    def secrets(self) -> tuple[str | None, ...]:
        return ()

    def login(self, http: requests.Session, api_version: str) -> Login:
        executable = shutil.which("sf")
        if executable is None:
            raise ConfigError(
                f"--target-org {self.alias} needs the Salesforce CLI (sf) on PATH; install it "
                "or pass --instance-url and --access-token instead"
            )
        command = [executable, "org", "display", "--target-org", self.alias, "--json"]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=CLI_TIMEOUT,
                check=False,
                env={**os.environ, "SF_SKIP_NEW_VERSION_CHECK": "true"},
            )
        except subprocess.TimeoutExpired as exc:
            raise AuthError(
                f"`sf org display --target-org {self.alias}` did not finish within "
                f"{CLI_TIMEOUT:.0f} s; run it yourself to see what it waits for"
            ) from exc
        except OSError as exc:
            raise ConfigError(
                f"cannot run the Salesforce CLI at {executable}: {exc.strerror}"
            ) from exc
        payload = _cli_json(done.stdout) or _cli_json(done.stderr)
        result = payload.get("result") if payload else None
        if (
            done.returncode == 0
            and isinstance(result, dict)
            and result.get("accessToken")
            and result.get("instanceUrl")
        ):
            token = str(result["accessToken"])
            return Login(_https(str(result["instanceUrl"]), "the CLI's instanceUrl"), token)
        if payload and payload.get("message"):
            detail = short_message(str(payload["message"]))
        else:
            detail = f"exit status {done.returncode}, no JSON answer"
        raise AuthError(
            f"the Salesforce CLI has no usable session for --target-org {self.alias} ({detail}); "
            f"run `sf org login web --alias {self.alias}` first"
        )


def _cli_json(text: str) -> dict[str, Any] | None:
    """The JSON object the CLI printed, if any (it may print warnings before it)."""
    start = text.find("{")
    if start < 0:
        return None
    try:
        value = json.loads(text[start:])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
