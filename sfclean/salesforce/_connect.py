"""``connect()``: pick the login mode from the arguments, log in, check the session."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from simple_salesforce import Salesforce

from sfclean.errors import ConfigError
from sfclean.salesforce._auth import (
    Authenticator,
    CliAuth,
    JwtAuth,
    PasswordAuth,
    TokenAuth,
    login_url,
)
from sfclean.salesforce._connection import Connection, open_connection
from sfclean.salesforce._transport import DEFAULT_TIMEOUT, build_session

__all__ = ["connect"]

_VERSION = re.compile(r"^v?(\d{2,3}\.\d)$")

_HOW = (
    "pass --instance-url and --access-token (or set SF_INSTANCE_URL and SF_ACCESS_TOKEN), "
    "--username with --password, --username with --consumer-key and --private-key-file, "
    "or --target-org"
)


def _given(**options: Any) -> list[str]:
    return ["--" + name.replace("_", "-") for name, value in options.items() if value is not None]


def _authenticator(
    *,
    instance_url: str | None,
    access_token: str | None,
    username: str | None,
    password: str | None,
    security_token: str | None,
    domain: str,
    consumer_key: str | None,
    consumer_secret: str | None,
    private_key_file: str | os.PathLike[str] | None,
    target_org: str | None,
    env: Mapping[str, str],
) -> Authenticator:
    """The one login mode the arguments describe; ConfigError if none or several."""
    groups = {
        "token": _given(instance_url=instance_url, access_token=access_token),
        "login": _given(
            username=username,
            password=password,
            security_token=security_token,
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            private_key_file=private_key_file,
        ),
        "cli": _given(target_org=target_org),
    }
    chosen = [name for name, options in groups.items() if options]
    if len(chosen) > 1:
        mixed = ", ".join(option for name in chosen for option in groups[name])
        raise ConfigError(f"choose one way to log in, not several ({mixed}); {_HOW}")
    if target_org is not None:
        return CliAuth(target_org)
    if private_key_file is not None:
        if password is not None or security_token is not None:
            raise ConfigError(
                "--private-key-file (JWT bearer) does not take --password or --security-token"
            )
        if not username or not consumer_key:
            raise ConfigError("--private-key-file needs --username and --consumer-key (JWT bearer)")
        return JwtAuth(username, consumer_key, os.fspath(private_key_file), login_url(domain))
    if username is not None or password is not None or consumer_key is not None:
        if not username or password is None:
            raise ConfigError(
                "--username needs --password (and usually --security-token), or "
                "--consumer-key with --private-key-file for JWT bearer"
            )
        return PasswordAuth(
            username,
            password,
            security_token,
            login_url(domain),
            consumer_key,
            consumer_secret,
        )
    if security_token is not None or consumer_secret is not None:
        raise ConfigError(f"--security-token and --consumer-secret need --username; {_HOW}")
    instance_url = instance_url or env.get("SF_INSTANCE_URL") or None
    access_token = access_token or env.get("SF_ACCESS_TOKEN") or None
    if instance_url and access_token:
        return TokenAuth(instance_url, access_token)
    if instance_url or access_token:
        missing = "--access-token" if instance_url else "--instance-url"
        raise ConfigError(f"{missing} is missing (or set SF_INSTANCE_URL and SF_ACCESS_TOKEN)")
    raise ConfigError(f"no Salesforce credentials given; {_HOW}")


def _wrap(sf: object, others: list[str]) -> Connection:
    """The Connection around an existing ``simple_salesforce.Salesforce`` (``connect(sf=)``)."""
    if others:
        raise ConfigError(f"sf= is a complete login; do not also pass {', '.join(others)}")
    if not isinstance(sf, Salesforce):
        raise ConfigError(
            f"sf= must be a simple_salesforce.Salesforce object, not {type(sf).__name__}"
        )
    connection = Connection(sf, auth=None, api_version=str(sf.sf_version), owns_session=False)
    connection.identify()
    return connection


def connect(
    *,
    instance_url: str | None = None,
    access_token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    security_token: str | None = None,
    domain: str = "login",
    consumer_key: str | None = None,
    consumer_secret: str | None = None,
    private_key_file: str | os.PathLike[str] | None = None,
    target_org: str | None = None,
    sf: Salesforce | None = None,
    ca_bundle: str | os.PathLike[str] | None = None,
    api_version: str = "62.0",
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> Connection:
    """Log in to a Salesforce org and check the session; returns a :class:`Connection`.

    Exactly one way of logging in:

    - ``instance_url`` + ``access_token`` (or ``SF_INSTANCE_URL`` / ``SF_ACCESS_TOKEN`` in
      ``env``, which defaults to ``os.environ``); the session cannot be renewed.
    - ``username`` + ``password`` (+ ``security_token``) at ``domain``: SOAP login, or the
      OAuth username-password flow when ``consumer_key`` (+ ``consumer_secret``) is given.
    - OAuth JWT bearer: ``username`` + ``consumer_key`` + ``private_key_file`` at ``domain``.
    - ``target_org``: a Salesforce CLI alias, read with ``sf org display --json``.
    - ``sf``: an existing ``simple_salesforce.Salesforce`` (its session, version and TLS
      settings are used as they are; ``ca_bundle``, ``timeout`` and ``api_version`` are ignored).

    ``domain`` is ``login`` (production), ``test`` (sandbox), a My Domain name (``acme.my``
    means ``https://acme.my.salesforce.com``) or a full ``https://`` URL of any login host,
    such as a local org's ``instance_url``. TLS is always verified, against ``ca_bundle`` when
    given (a PEM file; the environment's CA and proxy variables are then ignored).

    Raises ConfigError (bad or conflicting options), AuthError (refused credentials or an
    expired token), ConnectionFailed (host unreachable, TLS failure) or ApiError (the org
    refused API access or answered with another error).
    """
    match = _VERSION.match(api_version.strip())
    if match is None:
        raise ConfigError(f"--api-version {api_version!r} is not a version such as 62.0")
    version = match.group(1)
    if sf is not None:
        others = _given(
            instance_url=instance_url,
            access_token=access_token,
            username=username,
            password=password,
            security_token=security_token,
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            private_key_file=private_key_file,
            target_org=target_org,
        )
        return _wrap(sf, others)
    auth = _authenticator(
        instance_url=instance_url,
        access_token=access_token,
        username=username,
        password=password,
        security_token=security_token,
        domain=domain,
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        private_key_file=private_key_file,
        target_org=target_org,
        env=os.environ if env is None else env,
    )
    http = build_session(ca_bundle, timeout=timeout)
    try:
        return open_connection(auth, http, api_version=version)
    except BaseException:
        http.close()
        raise


def require_connection(conn: object, *, caller: str) -> Connection:
    """``conn`` when it is a :class:`Connection`; ConfigError otherwise.

    A ``simple_salesforce.Salesforce`` is wrapped once, explicitly, with
    ``sfclean.connect(sf=...)`` (which checks the session with one userinfo call), then the
    Connection is passed to every stage; the stages never wrap one themselves.
    """
    if isinstance(conn, Connection):
        return conn
    hint = (
        "wrap it once with sfclean.connect(sf=...)"
        if isinstance(conn, Salesforce)
        else "log in with sfclean.connect(...)"
    )
    raise ConfigError(
        f"{caller} needs a sfclean.Connection, not {type(conn).__name__}; {hint} and pass the "
        "Connection"
    )
