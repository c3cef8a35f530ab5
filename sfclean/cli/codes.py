"""``sfclean codes [CODE]``: the reason and finding codes, or what one of them means.

Prints :data:`sfclean.codes.CODES` as a table (or JSON with ``--json``), or, given a code
(``sfclean codes disposable-domain``), its stage, file, title and description, as
``ruff rule`` explains a rule. An unknown code is one ``Error:`` line with the nearest known
code, exit 1.
"""

from __future__ import annotations

import json

import click

from sfclean.cli._errors import reports_errors
from sfclean.cli.group import cli

__all__ = ["codes_command"]


@cli.command("codes", short_help="List the reason and finding codes, or explain one.")
@click.argument("code", required=False, metavar="[CODE]")
@click.option("--json", "as_json", is_flag=True, help="Print the codes as JSON on stdout.")
@reports_errors
def codes_command(code: str | None, as_json: bool) -> None:
    """List every reason code (why a row was held back) and finding code (a change or
    warning on a row that went on), or explain CODE, e.g. `sfclean codes role-mailbox`."""
    from sfclean.codes import CODES

    chosen = tuple(CODES) if code is None else CODES.lookup(code)
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in chosen], indent=2, ensure_ascii=False))
    elif code is None:
        click.echo(CODES.to_text())
    else:
        click.echo("\n\n".join(c.to_text() for c in chosen))
