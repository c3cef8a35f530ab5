"""No product function is longer than 80 lines, ``def`` line to last line (decorators, such as
click's options, are declarations and not counted). sfclean/localorg/ keeps its own rules."""

from __future__ import annotations

import ast
from pathlib import Path

import sfclean

PACKAGE = Path(sfclean.__file__).resolve().parent
MAX_LINES = 80


def long_functions(source: str, label: str) -> list[str]:
    """``label:line name (lines)`` for every function of ``source`` over MAX_LINES."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_LINES:
                found.append(f"{label}:{node.lineno} {node.name} ({length})")
    return found


def test_no_product_function_is_longer_than_80_lines() -> None:
    found = []
    checked = 0
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name.startswith("localorg/"):
            continue
        checked += 1
        found += long_functions(path.read_text(encoding="utf-8"), name)
    assert checked > 30  # the walk found the package
    assert found == []


def test_the_check_sees_a_long_function() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES - 1))
    assert long_functions(f"def fits():\n{body}\n", "a.py") == []
    too_long = f"def too_long():\n{body}\n    y = 1\n"
    assert long_functions(too_long, "a.py") == ["a.py:1 too_long (81)"]
