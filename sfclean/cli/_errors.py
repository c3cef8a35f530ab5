"""Turn library errors into click's ``Error: ...`` line and exit code 1.

Every command wraps its body with :func:`reports_errors`, so an ``SfcleanError`` (a stage
could not run) or a ``LocalOrgError`` (the local org could not start, e.g. a bad seed) is
printed as one line on stderr without a traceback, while click's own usage errors keep exit
code 2 and anything unexpected still shows its traceback (a bug to report).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

from sfclean.errors import SfcleanError
from sfclean.localorg.errors import LocalOrgError

__all__ = ["reports_errors"]

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a click command callback: a library error -> ``Error: <message>``, exit 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (SfcleanError, LocalOrgError) as exc:
            message = " ".join(str(exc).split()) or type(exc).__name__
            raise click.ClickException(message) from None

    return wrapper
