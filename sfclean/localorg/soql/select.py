"""The SELECT list of a records query: fields and relationship paths into record shapes,
``FIELDS(STANDARD | ALL | CUSTOM)`` expanded from the schema (every localorg field is
standard), and child relationship subqueries (``(SELECT LastName FROM Contacts)``) planned
as their own statements, run once for all parent records (see :mod:`.cursor`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..schema import child_relationship
from ..types import SfFault
from . import ast
from .errors import fault_at
from .fields import _CUSTOM_REL_HINT

if TYPE_CHECKING:
    from .compiler import ChildPlan, SelectInfo, Shape, _Compiler

__all__ = ["compile_records"]

MAX_FIELDS_ALL_LIMIT = 200  # FIELDS(ALL) / FIELDS(CUSTOM) need LIMIT of at most this


def _select_items(c: _Compiler) -> list[ast.Path | ast.ChildQuery]:
    """The SELECT list with ``FIELDS(...)`` expanded (every field here is standard)."""
    q = c.query
    items: list[ast.Path | ast.ChildQuery] = []
    expanded: set[str] = set()
    for item in q.select:
        if isinstance(item, ast.Fields):
            if item.kind != "STANDARD" and (q.limit is None or q.limit > MAX_FIELDS_ALL_LIMIT):
                raise fault_at(
                    "MALFORMED_QUERY",
                    q.text,
                    item.line,
                    item.column,
                    f"The SOQL FIELDS function must have a LIMIT of at most {MAX_FIELDS_ALL_LIMIT}",
                )
            if item.kind == "CUSTOM":
                continue  # localorg has no custom fields
            for f in c.resolver.root_object.fields:
                expanded.add(f.name.lower())
                items.append(ast.Path((f.name,), item.line, item.column))
        elif isinstance(item, ast.Path) and item.alias is not None:
            raise c._fault("MALFORMED_QUERY", item, f"unexpected token: '{item.alias}'")
        elif isinstance(item, (ast.Path, ast.ChildQuery)):
            items.append(item)
    return _dedupe(items) if expanded else items


def _child(c: _Compiler, item: ast.ChildQuery) -> ChildPlan:
    from .compiler import ChildPlan, _Compiler  # .compiler imports this module

    sub = item.query
    rel = child_relationship(c.resolver.root_object, sub.object_name)
    if rel is None or rel.name is None:
        raise fault_at(
            "INVALID_TYPE",
            c.query.text,
            sub.object_line,
            sub.object_column,
            f"Didn't understand relationship '{sub.object_name}' in FROM part of query call. "
            f"{_CUSTOM_REL_HINT}",
        )
    if c.link is not None or any(
        isinstance(s, (ast.ChildQuery, ast.Aggregate)) for s in sub.select
    ):
        raise fault_at(
            "MALFORMED_QUERY",
            c.query.text,
            item.line,
            item.column,
            "a child relationship subquery selects fields of its records only",
        )
    child_query = replace(sub, object_name=rel.child.name, text=c.query.text, limit=None)
    compiled = _Compiler(
        child_query, c.now, include_deleted=c.include_deleted, link=rel.field.name
    ).compile()
    assert compiled.link_param is not None
    return ChildPlan(rel.name, compiled, compiled.link_param, sub.limit)


def compile_records(
    c: _Compiler,
) -> tuple[list[str], Shape, list[str], list[Any], list[SelectInfo]]:
    """Resolve the SELECT list: (SQL columns, record shape, field names, flat columns,
    column info); child subqueries are planned into ``c.children``."""
    from .compiler import ChildEntry, FieldEntry, SelectInfo, Shape, _converter

    root_name = c.resolver.root_object.name
    columns = ['t0."Id"']
    shape = Shape(root_name, 0)
    fields: list[str] = []
    flat: list[tuple[int, Callable[[Any], Any] | None]] = []
    info: list[SelectInfo] = []
    seen: set[str] = set()
    for item in _select_items(c):
        if isinstance(item, ast.ChildQuery):
            plan = _child(c, item)
            if plan.key.lower() in seen:
                raise _duplicate_child(c, item, plan.key)
            seen.add(plan.key.lower())
            shape.entries.append(ChildEntry(plan.key, len(c.children)))
            c.children.append(plan)
            info.append(SelectInfo("child", plan.key, plan.key, child=plan.compiled))
            continue
        r = c.resolver.resolve(item)
        if r.name.lower() in seen:
            raise c._fault("MALFORMED_QUERY", item, f"duplicate field selected: {r.name}")
        seen.add(r.name.lower())
        target = c._shape_for(shape, r.node, columns)
        columns.append(r.sql)
        conv = _converter(r.field)
        target.entries.append(FieldEntry(r.field.name, len(columns) - 1, conv))
        fields.append(r.name)
        flat.append((len(columns) - 1, conv))
        info.append(SelectInfo("field", r.field.name, r.name, r.canonical, r.field))
    return columns, shape, fields, flat, info


def _duplicate_child(c: _Compiler, item: ast.ChildQuery, key: str) -> SfFault:
    return fault_at(
        "MALFORMED_QUERY",
        c.query.text,
        item.line,
        item.column,
        f"duplicate field selected: {key}",
    )


def _dedupe(items: list[ast.Path | ast.ChildQuery]) -> list[ast.Path | ast.ChildQuery]:
    """Drop repeats of a field that ``FIELDS(...)`` and the list both name (first wins)."""
    out: list[ast.Path | ast.ChildQuery] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, ast.Path):
            if item.text.lower() in seen:
                continue
            seen.add(item.text.lower())
        out.append(item)
    return out
