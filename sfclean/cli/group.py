"""The root click group; command modules attach themselves to it with ``@cli.command``."""

from __future__ import annotations

import click

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sfclean")
def cli() -> None:
    """Clean, dedupe and safely load contacts and leads into Salesforce."""
