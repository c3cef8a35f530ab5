"""Turn library errors into click's ``Error: ...`` line and exit code 1.

Every command wraps its body with :func:`reports_errors`, so an ``SfcleanError`` (a stage
could not run) or a ``LocalOrgError`` (the local org could not start, e.g. a bad seed) is
printed as one line on stderr without a traceback, while click's own usage errors keep exit
code 2 and anything unexpected still shows its traceback (a bug to report).

Library messages name keyword arguments the Python way (``email_column=``,
``default_region='XX'``); :func:`cli_message` rewrites them to the command's flags
(``--email-column``, ``--region XX``) with the table :data:`FLAGS`, so a message says what to
type wherever it is read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

from sfclean.errors import SfcleanError
from sfclean.localorg.errors import LocalOrgError

__all__ = ["FLAGS", "SWITCHES", "cli_message", "reports_errors", "reports_errors_as"]

P = ParamSpec("P")
R = TypeVar("R")

#: keyword argument of the library -> the flag of the commands that pass it
FLAGS = {
    "add": "--add",
    "allow": "--allow",
    "api": "--api",
    "baseline": "--baseline",
    "batch_size": "--batch-size",
    "burst_seconds": "--burst-seconds",
    "check_deliverability": "--check-deliverability",
    "country_column": "--country-column",
    "default_region": "--region",
    "email_column": "--email-column",
    "exclude_objects": "--exclude-object",
    "fail_on": "--fail-on",
    "fill_blanks": "--fill-blanks",
    "integration_users": "--integration-user",
    "internationalized": "--internationalized-emails",
    "invalid_phone": "--invalid-phone",
    "keep": "--keep",
    "lock_timeout": "--lock-timeout",
    "mapping": "--mapping",
    "match_key": "--match-key",
    "match_on": "--match-on",
    "match_phone": "--match-phone",
    "object_name": "--object",
    "overwrite": "--overwrite",
    "objects": "--object",
    "phone_columns": "--phone-column",
    "retry_failed": "--retry-failed",
    "since": "--since",
    "sources": "--source",
    "strategy": "--strategy",
    "timeout": "--timeout",
}

#: keyword arguments that are on/off switches on the CLI: ``name=True`` is just the flag
SWITCHES = ("internationalized", "overwrite", "retry_failed")
_SWITCH = re.compile(r"\b(" + "|".join(SWITCHES) + r")=True\b")

# ``name=`` followed by a value (quoted or not) or by the end of a word
_KEYWORD = re.compile(r"\b(" + "|".join(map(re.escape, FLAGS)) + r")=(?=(\S?))")


def cli_message(message: str) -> str:
    """``message`` with the library's ``keyword=`` spelled as the CLI's flags, on one line."""

    def flag(match: re.Match[str]) -> str:
        name, following = match.group(1), match.group(2)
        value_follows = following not in ("", ",", ";", ")", ".")
        return FLAGS[name] + (" " if value_follows else "")

    message = _SWITCH.sub(lambda m: FLAGS[m.group(1)], " ".join(message.split()))
    return _KEYWORD.sub(flag, message)


@functools.cache
def _failure(exit_code: int) -> type[click.ClickException]:
    """A ClickException subclass that exits with ``exit_code`` (click reads the class's)."""
    return type(f"Failure{exit_code}", (click.ClickException,), {"exit_code": exit_code})


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a click command callback: a library error -> ``Error: <message>``, exit 1."""
    return reports_errors_as(1)(func)


def reports_errors_as(exit_code: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """:func:`reports_errors` with another exit code (``sfclean scan``: 3, since its 1 means
    "new duplicates found")."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except (SfcleanError, LocalOrgError) as exc:
                message = cli_message(" ".join(str(exc).split())) or type(exc).__name__
                raise _failure(exit_code)(message) from None

        return wrapper

    return decorate
