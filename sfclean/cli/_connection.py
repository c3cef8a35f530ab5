"""Shared click options for logging in to an org, and :func:`open_connection` using them.

Every command that talks to an org decorates itself with :func:`connection_options` and calls
``open_connection(**those options)``, which is :func:`sfclean.connect` with the same
arguments. Secrets (access token, password, security token, consumer secret) are best given
through the environment (``SF_ACCESS_TOKEN``, ``SF_PASSWORD``, ``SF_SECURITY_TOKEN``,
``SF_CONSUMER_SECRET``) so they stay out of the shell history; nothing ever prompts for them
and no message repeats them.

Options given on the command line win over the environment: when the command line names one
way of logging in (``--target-org``, ``--username``, ``--instance-url``/``--access-token``),
environment variables that belong to another way are ignored, so a stray ``SF_USERNAME``
does not clash with ``--target-org``. Environment variables alone that describe two ways of
logging in are a ConfigError naming them.

The Salesforce clients are imported inside :func:`open_connection`, so that importing the CLI
stays fast for commands that never log in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sfclean.errors import ConfigError

if TYPE_CHECKING:
    from sfclean.salesforce import Connection

__all__ = ["CONNECTION_PARAMS", "connection_options", "open_connection"]

F = TypeVar("F", bound=Callable[..., Any])

# parameter name -> (login mode, environment variable or None)
_MODES: dict[str, tuple[str, str | None]] = {
    "instance_url": ("token", "SF_INSTANCE_URL"),
    "access_token": ("token", "SF_ACCESS_TOKEN"),
    "username": ("login", "SF_USERNAME"),
    "password": ("login", "SF_PASSWORD"),
    "security_token": ("login", "SF_SECURITY_TOKEN"),
    "consumer_key": ("login", "SF_CONSUMER_KEY"),
    "consumer_secret": ("login", "SF_CONSUMER_SECRET"),
    "private_key_file": ("login", None),
    "target_org": ("cli", "SF_TARGET_ORG"),
}

#: The keyword arguments :func:`connection_options` adds to a command's callback.
CONNECTION_PARAMS = (*_MODES, "domain", "ca_bundle", "api_version")

_OPTIONS = [
    click.option(
        "--instance-url",
        envvar="SF_INSTANCE_URL",
        metavar="URL",
        help="The org's URL (https://acme.my.salesforce.com); with --access-token.",
    ),
    click.option(
        "--access-token",
        envvar="SF_ACCESS_TOKEN",
        metavar="TOKEN",
        help="A session id / OAuth access token (better: set SF_ACCESS_TOKEN).",
    ),
    click.option("--username", envvar="SF_USERNAME", metavar="USER", help="Log in as this user."),
    click.option(
        "--password",
        envvar="SF_PASSWORD",
        metavar="PW",
        help="The user's password (better: set SF_PASSWORD; never prompted for).",
    ),
    click.option(
        "--security-token",
        envvar="SF_SECURITY_TOKEN",
        metavar="TOKEN",
        help="The user's security token, if the org requires one (or SF_SECURITY_TOKEN).",
    ),
    click.option(
        "--domain",
        default="login",
        show_default=True,
        metavar="D",
        help="Where to log in: login, test (sandbox), a My Domain (acme.my) or a URL.",
    ),
    click.option(
        "--consumer-key",
        envvar="SF_CONSUMER_KEY",
        metavar="KEY",
        help="Connected app consumer key (OAuth password flow or JWT bearer).",
    ),
    click.option(
        "--consumer-secret",
        envvar="SF_CONSUMER_SECRET",
        metavar="SECRET",
        help="Connected app consumer secret (or SF_CONSUMER_SECRET).",
    ),
    click.option(
        "--private-key-file",
        "--key-file",
        "private_key_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Private key (PEM) for the OAuth JWT bearer flow; with --username, --consumer-key.",
    ),
    click.option(
        "--target-org",
        envvar="SF_TARGET_ORG",
        metavar="ALIAS",
        help="A Salesforce CLI alias or username (read with `sf org display`).",
    ),
    click.option(
        "--ca-bundle",
        type=click.Path(dir_okay=False, path_type=Path),
        help="A PEM file of CAs to trust (e.g. a local org's); TLS is always verified.",
    ),
    click.option(
        "--api-version",
        default="62.0",
        show_default=True,
        metavar="V",
        help="Salesforce API version.",
    ),
]


def connection_options(func: F) -> F:
    """Add the connection options to a click command (in the order shown in ``--help``)."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


def _from_command_line(name: str) -> bool:
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return True
    source = ctx.get_parameter_source(name)
    return source is None or source.name not in ("ENVIRONMENT", "DEFAULT", "DEFAULT_MAP")


def _choose_mode(values: dict[str, Any]) -> dict[str, Any]:
    """Drop environment values that belong to another login mode than the command line's."""
    given = {name for name, value in values.items() if name in _MODES and value is not None}
    typed = {_MODES[name][0] for name in given if _from_command_line(name)}
    from_env = {name for name in given if not _from_command_line(name)}
    if len(typed) == 1:
        (mode,) = typed
        return {
            name: (None if name in from_env and _MODES[name][0] != mode else value)
            for name, value in values.items()
        }
    if not typed:
        env_modes = {_MODES[name][0] for name in from_env}
        if len(env_modes) > 1:
            names = ", ".join(sorted(str(_MODES[name][1]) for name in from_env))
            raise ConfigError(
                f"the environment describes more than one way to log in ({names}); "
                "unset some of them or pass the login options on the command line"
            )
    return values


def open_connection(**options: Any) -> Connection:
    """:func:`sfclean.connect` with the values of :func:`connection_options`.

    Raises ConfigError (missing or conflicting options), AuthError, ConnectionFailed or
    ApiError, each one line without secrets.
    """
    from sfclean.salesforce import connect

    values = {name: options.get(name) for name in CONNECTION_PARAMS}
    values = _choose_mode(values)
    return connect(
        instance_url=values["instance_url"],
        access_token=values["access_token"],
        username=values["username"],
        password=values["password"],
        security_token=values["security_token"],
        domain=values["domain"] or "login",
        consumer_key=values["consumer_key"],
        consumer_secret=values["consumer_secret"],
        private_key_file=values["private_key_file"],
        target_org=values["target_org"],
        ca_bundle=values["ca_bundle"],
        api_version=values["api_version"] or "62.0",
        env={},
    )
