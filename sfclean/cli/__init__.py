"""The ``sfclean`` command line: one click group, one short module per command.

Each command opens the library and calls the same public functions a notebook user would.
Library errors (``SfcleanError``) become ``Error: ...`` on stderr with exit code 1 (3 for
``sfclean scan``, whose 1 means new duplicates); click's usage errors exit 2.
"""

from __future__ import annotations

# Each command module attaches its command(s) to ``cli`` when imported. One line per module.
# (imports below are for their side effect)
from sfclean.cli import audit as _audit  # noqa: F401
from sfclean.cli import codes as _codes  # noqa: F401
from sfclean.cli import demo as _demo  # noqa: F401
from sfclean.cli import exclude as _exclude  # noqa: F401
from sfclean.cli import load as _load  # noqa: F401
from sfclean.cli import localorg as _localorg  # noqa: F401
from sfclean.cli import normalize as _normalize  # noqa: F401
from sfclean.cli import report as _report  # noqa: F401
from sfclean.cli import run as _run  # noqa: F401
from sfclean.cli import scan as _scan  # noqa: F401
from sfclean.cli.group import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="sfclean")
