"""Output shared by the commands: the ``--json`` report on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import click

__all__ = ["echo_json_report"]


def echo_json_report(out_dir: Path) -> None:
    """Print the ``report.json`` a stage wrote into ``out_dir`` on stdout (``--json``)."""
    summary = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
