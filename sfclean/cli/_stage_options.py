"""Click options that several stage commands share, declared once.

``run``, ``load``, ``exclude`` and ``scan`` take the same flags for the same library keywords
(``api=``, ``batch_size=``, ``strategy=``, ``match_key=``, ``fuzzy=``...); each is one
decorator here, so a flag's type, default and help text cannot drift between commands. Values
are checked by the library (``check_load_options``, ...), which names the keyword; the CLI's
error wrapper turns the keyword into the flag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from sfclean.scanning import DEFAULT_THRESHOLD

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "api_option",
    "batch_size_option",
    "fuzzy_options",
    "insert_object_option",
    "json_option",
    "load_options",
    "match_key_option",
    "serial_option",
    "strategy_option",
    "timeout_option",
]

insert_object_option = click.option(
    "--object",
    "object_name",
    required=True,
    metavar="OBJECT",
    help="The object to insert into, by API name (Lead, Contact).",
)
api_option = click.option(
    "--api",
    type=click.Choice(["bulk", "bulk2", "rest"]),
    default="bulk",
    show_default=True,
    help="Bulk API 1.0, Bulk API 2.0, or REST sObject Collections (200 rows a call).",
)
# plain int: the library checks the range per API and says so (batch_size must be 1 to ...)
batch_size_option = click.option(
    "--batch-size",
    type=int,
    default=10_000,
    show_default=True,
    help="Records per Bulk 1.0 batch (at most 10,000), or rows per Bulk 2.0 job.",
)
serial_option = click.option(
    "--serial", is_flag=True, help="Bulk API 1.0 serial mode (fewer record locks)."
)
timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=3600.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for Bulk batches in all.",
)
strategy_option = click.option(
    "--strategy",
    type=click.Choice(["auto", "query", "extract"]),
    default="auto",
    show_default=True,
    help="How to look up existing records: cheapest, Email IN queries, or a Bulk extract.",
)
match_key_option = click.option(
    "--match-key",
    type=click.Choice(["email", "provider"]),
    default="email",
    show_default=True,
    help="Compare emails, or provider-aware keys (Gmail dots and +tags).",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print the JSON report on stdout."
)


def load_options(command: F) -> F:
    """``--api``, ``--batch-size``, ``--serial`` and ``--timeout``: how rows are sent."""
    for option in (timeout_option, serial_option, batch_size_option, api_option):
        command = option(command)
    return command


def fuzzy_options(help_text: str) -> Callable[[F], F]:
    """``--fuzzy`` (with ``help_text``: what it adds to this command) and
    ``--fuzzy-threshold``."""

    def decorate(command: F) -> F:
        command = click.option(
            "--fuzzy-threshold",
            type=click.FloatRange(0, 1, min_open=True),
            default=DEFAULT_THRESHOLD,
            show_default=True,
            metavar="P",
            help="Match probability from which a record counts as a probable match.",
        )(command)
        return click.option("--fuzzy", is_flag=True, help=help_text)(command)

    return decorate
