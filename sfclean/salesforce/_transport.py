"""HTTP plumbing for one org: a verified ``requests.Session`` and error translation.

This module is the boundary where third-party exception types stop. Everything that
requests or simple-salesforce raises while talking to an org is turned into sfclean's own
tree (``sfclean.errors``) by :func:`translated`, with one-line messages that name the org's
origin (scheme, host and port, never a path or query string, which may carry SOQL with
emails) and say what to do next. Secrets never reach a message: error texts from the org are
shortened and scrubbed of the credentials in play.

TLS is always verified. With ``ca_bundle`` the session trusts exactly that PEM file and
ignores the environment (``trust_env=False``), because requests otherwise lets
``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` override ``verify`` (and proxy variables are
then ignored too). Without it, requests' defaults apply (certifi, or those variables).
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import exceptions as sf_exceptions
from urllib3.util.retry import Retry

from sfclean.errors import ApiError, AuthError, ConfigError, ConnectionFailed

__all__ = [
    "DEFAULT_TIMEOUT",
    "DROP_RETRIES",
    "SessionExpired",
    "build_session",
    "connection_failed",
    "origin",
    "scrub",
    "short_message",
    "translated",
]

DEFAULT_TIMEOUT = 120.0
"""Seconds to wait for the org to accept a connection or send the next bytes."""

EXPIRED_HINT = "get a new access token (sf org display) or use username/password"

_API_DISABLED = {"API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED"}


class SessionExpired(AuthError):
    """The org rejected the session id (HTTP 401 ``INVALID_SESSION_ID``).

    Raised inside the package so :class:`~sfclean.salesforce.Connection` can log in again and
    retry once; callers only ever need to catch :class:`~sfclean.errors.AuthError`.
    """


DROP_RETRIES = Retry(
    total=2,
    connect=2,
    read=2,
    status=0,
    other=0,
    allowed_methods=frozenset({"GET", "HEAD"}),
    backoff_factor=0.2,
    raise_on_status=False,
    respect_retry_after_header=False,
)
"""A request whose connection could not be made (any method: nothing was sent) or whose
answer was cut off (GET and HEAD only: they change nothing) is sent again, twice at most,
like a Bulk 1.0 GET (:mod:`sfclean.salesforce._bulk1`). A write whose answer was lost is never
resent (it may have been saved). HTTP error statuses are left to the ApiMeter."""


class _TimeoutAdapter(HTTPAdapter):
    """An adapter that applies a default timeout (simple-salesforce never passes one) and
    retries dropped connections of requests that change nothing (:data:`DROP_RETRIES`)."""

    def __init__(self, timeout: float) -> None:
        super().__init__(max_retries=DROP_RETRIES)
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def build_session(
    ca_bundle: str | os.PathLike[str] | None, *, timeout: float = DEFAULT_TIMEOUT
) -> requests.Session:
    """Return a session that verifies TLS against ``ca_bundle`` (or the default store)."""
    session = requests.Session()
    if ca_bundle is not None:
        path = os.fspath(ca_bundle)
        if not os.path.isfile(path):
            raise ConfigError(
                f"--ca-bundle {path} is not a file; pass the PEM file of the CA that signed "
                "the org's certificate"
            )
        try:
            ssl.create_default_context(cafile=path)
        except (ssl.SSLError, ValueError) as exc:
            raise ConfigError(
                f"--ca-bundle {path} holds no PEM certificate; pass the CA certificate file "
                "(-----BEGIN CERTIFICATE-----)"
            ) from exc
        session.verify = path
        session.trust_env = False
    adapter = _TimeoutAdapter(timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def origin(url: str) -> str:
    """``https://host:port`` of ``url``: safe to show, unlike its path and query string."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url.split("?", 1)[0]
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret (password, token, ...) replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            while secret in text:  # a replacement can form a new occurrence: repeat
                text = text.replace(secret, "***")
    return text


def short_message(text: str, *, limit: int = 200) -> str:
    """The last non-empty line of an org's error text, whitespace collapsed, at most ``limit``.

    Salesforce's multi-line messages (``MALFORMED_QUERY``) echo the query first and end with
    the useful part; the echo may list emails, so it is dropped.
    """
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    last = lines[-1] if lines else ""
    return last if len(last) <= limit else last[: limit - 3] + "..."


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception reachable through reasons, arguments and causes."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [getattr(current, "reason", None), current.__cause__, current.__context__]
        linked.extend(current.args)
        todo.extend(item for item in linked if isinstance(item, BaseException))


def _reason(exc: BaseException) -> tuple[str, bool]:
    """A short human reason for a failed connection, and whether TLS was the problem."""
    chain = list(_chain(exc))
    for item in chain:
        if isinstance(item, ssl.SSLCertVerificationError):
            detail = item.verify_message or "certificate verify failed"
            return f"TLS certificate verification failed ({detail})", True
    for item in chain:
        if isinstance(item, ssl.SSLError):
            return f"TLS handshake failed ({item.reason or item.__class__.__name__})", True
    for item in chain:
        if isinstance(item, (requests.Timeout, TimeoutError, socket.timeout)):
            return "timed out", False
        if isinstance(item, ConnectionRefusedError):
            return "connection refused", False
        if isinstance(item, socket.gaierror):
            return "host name not found", False
        if isinstance(item, ConnectionResetError):
            return "connection reset by the server", False
    for item in chain:
        if isinstance(item, OSError) and item.strerror:
            return item.strerror.lower(), False
    if any(isinstance(item, requests.exceptions.ChunkedEncodingError) for item in chain):
        return "the connection dropped in the middle of an answer", False
    for item in chain:
        text = str(item)
        if "RemoteDisconnected" in text or "closed connection without response" in text:
            return "the server closed the connection without answering", False
    return "connection failed", False


def connection_failed(exc: requests.RequestException, url: str) -> ConnectionFailed:
    """Our error for a request that never got an answer (refused, DNS, TLS, timeout...)."""
    reason, tls = _reason(exc)
    where = origin(url)
    if tls:
        hint = "check --ca-bundle (the PEM file of the CA that signed the org's certificate)"
    else:
        hint = "check --instance-url / --domain, the network, or --ca-bundle"
    return ConnectionFailed(f"cannot reach {where}: {reason}; {hint}")


def _first_error(content: Any) -> tuple[str | None, str]:
    """(Salesforce error code, message) from an error body in any of its shapes."""
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    if isinstance(content, list) and content and isinstance(content[0], dict):
        content = content[0]
    if isinstance(content, dict):
        code = content.get("errorCode") or content.get("statusCode") or content.get("error")
        message = content.get("message") or content.get("error_description") or ""
        return (str(code) if code else None), str(message)
    return None, str(content or "")


def _api_error(
    exc: sf_exceptions.SalesforceError, where: str, secrets: Iterable[str | None]
) -> AuthError | ApiError:
    code, message = _first_error(exc.content)
    message = short_message(scrub(message, secrets))
    status = exc.status
    if isinstance(exc, sf_exceptions.SalesforceExpiredSession) or (
        status == 403 and "Bad_OAuth_Token" in f"{code} {message}"
    ):
        return SessionExpired(f"the session for {where} expired or is invalid; {EXPIRED_HINT}")
    if code in _API_DISABLED:
        return ApiError(
            f"{where} refused API access ({code}): ask an admin to give the user the "
            "'API Enabled' permission and check that the org's edition includes API access",
            error_code=code,
            http_status=status,
            url=exc.url,
        )
    if code == "REQUEST_LIMIT_EXCEEDED":
        return ApiError(
            f"{where} refused the request (REQUEST_LIMIT_EXCEEDED): the org's API request "
            "limit is used up; wait for the 24-hour window to free calls or ask an admin",
            error_code=code,
            http_status=status,
            url=exc.url,
        )
    label = f"HTTP {status} {code}" if code else f"HTTP {status}"
    detail = f": {message}" if message else ""
    hint = "; the org had a problem, try again later" if status >= 500 else ""
    return ApiError(
        f"{where} answered {label}{detail}{hint}",
        error_code=code,
        http_status=status,
        url=exc.url,
    )


@contextlib.contextmanager
def translated(url: str, *, secrets: Iterable[str | None] = ()) -> Iterator[None]:
    """Run the body, turning requests / simple-salesforce exceptions into sfclean errors."""
    where = origin(url)
    try:
        yield
    except sf_exceptions.SalesforceAuthenticationFailed as exc:
        message = short_message(scrub(exc.auth_message, secrets))
        raise AuthError(f"{where} refused the login ({exc.code}): {message}") from exc
    except sf_exceptions.SalesforceError as exc:
        raise _api_error(exc, where, secrets) from exc
    except requests.exceptions.JSONDecodeError as exc:
        raise ApiError(
            f"{where} answered with something that is not JSON; check --instance-url / --domain"
        ) from exc
    except requests.RequestException as exc:
        raise connection_failed(exc, url) from exc
