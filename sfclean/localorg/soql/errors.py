"""Salesforce-shaped SOQL errors.

Salesforce answers a bad query with a message that quotes the query, points a caret at the
offending token and names its position, e.g.::

    \\nSELECT Foo FROM Lead\\n       ^\\nERROR at Row:1:Column:8\\nNo such column 'Foo' on entity 'Lead'. ...

These helpers build such messages and raise them as :class:`SfFault`.
"""

from __future__ import annotations

from ..types import SfFault

__all__ = ["fault_at"]


def fault_at(code: str, text: str, line: int, column: int, message: str) -> SfFault:
    """An SfFault ``code`` whose message points at ``line``/``column`` (1-based) of ``text``."""
    lines = text.splitlines() or [""]
    shown = lines[line - 1] if 0 < line <= len(lines) else lines[-1]
    caret = " " * max(column - 1, 0) + "^"
    return SfFault(code, f"\n{shown}\n{caret}\nERROR at Row:{line}:Column:{column}\n{message}")
