"""Aggregate queries: ``GROUP BY``, ``HAVING`` and the aggregate functions ``COUNT()``,
``COUNT(field)``, ``COUNT_DISTINCT``, ``MIN``, ``MAX``, ``SUM`` and ``AVG``.

Rows come back as Salesforce's AggregateResult records: ``attributes`` ``{"type":
"AggregateResult"}``, a grouped field under its field name (``Email``; the last part of a
relationship path) or its alias, and each aggregate under its alias or ``expr0``, ``expr1``...
counting only the aggregates without an alias. Grouping and ``COUNT_DISTINCT`` compare text
case-insensitively (the columns' ``NOCASE`` collation), as SOQL compares strings, so
``SELECT Email, COUNT(Id) FROM Contact GROUP BY Email HAVING COUNT(Id) > 1`` finds emails
that differ only in (ASCII) case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..schema import Field
from . import ast
from .fields import Resolved

if TYPE_CHECKING:
    from .compiler import SelectInfo, _Compiler

__all__ = ["AggregatePart", "aggregate_operand", "compile_aggregate"]

_NUMERIC = frozenset({"int", "double"})
_NOT_MIN_MAX = frozenset({"boolean", "textarea"})


@dataclass
class AggregatePart:
    """The SELECT columns of an aggregate query and its GROUP BY expression list."""

    columns: list[str]
    fields: list[str]
    flat: list[tuple[int, Callable[[Any], Any] | None]]
    info: list[SelectInfo]
    group_by: str


def _result_type(agg: ast.Aggregate, f: Field) -> str:
    if agg.func in ("COUNT", "COUNT_DISTINCT"):
        return "int"
    if agg.func in ("SUM", "AVG"):
        return "double"
    return f.type


def aggregate_operand(c: _Compiler, agg: ast.Aggregate) -> Resolved:
    """``agg`` as a resolved expression whose field carries the result's type."""
    if agg.path is None:
        path = ast.Path((agg.func,), agg.line, agg.column)
        return Resolved(Field("expr", "int"), (agg.text,), "COUNT(*)", c.resolver.root, path)
    r = c.resolver.resolve(agg.path)
    wrong = (agg.func in ("SUM", "AVG") and r.field.type not in _NUMERIC) or (
        agg.func in ("MIN", "MAX") and r.field.type in _NOT_MIN_MAX
    )
    if wrong:
        raise c._fault(
            "INVALID_FIELD",
            agg,
            f"field {r.field.name} does not support aggregate operator {agg.func}",
        )
    sql = f"COUNT(DISTINCT {r.sql})" if agg.func == "COUNT_DISTINCT" else f"{agg.func}({r.sql})"
    result = Field(r.field.name, _result_type(agg, r.field), r.field.length)
    return Resolved(result, r.canonical, sql, r.node, r.path)


def compile_aggregate(c: _Compiler) -> AggregatePart:
    """Resolve the SELECT list and GROUP BY of an aggregate query (HAVING and ORDER BY are
    compiled by the caller, after WHERE, so that parameters stay in statement order)."""
    from .compiler import SelectInfo

    q = c.query
    groups = [c.resolver.resolve(p) for p in q.group_by]
    for g in groups:
        if not g.field.groupable:
            raise c._fault(
                "INVALID_FIELD",
                g.path,
                f"field '{g.field.name}' can not be grouped in a query call",
            )
    grouped = {g.name.lower() for g in groups}
    part = AggregatePart([], [], [], [], ", ".join(g.sql for g in groups))
    unnamed = 0
    for item in q.select:
        if isinstance(item, ast.Path):
            r = c.resolver.resolve(item)
            if r.name.lower() not in grouped:
                raise c._fault(
                    "MALFORMED_QUERY", item, f"Field must be grouped or aggregated: {r.name}"
                )
            key = item.alias or r.field.name
            conv = _convert_field(r)
            info = SelectInfo("field", key, r.name, r.canonical, r.field)
        elif isinstance(item, ast.Aggregate):
            c.aggregates_allowed = True
            r = aggregate_operand(c, item)
            c.aggregates_allowed = False
            if item.alias is None:
                key, unnamed = f"expr{unnamed}", unnamed + 1
            else:
                key = item.alias
            conv = _convert_field(r)
            info = SelectInfo("aggregate", key, item.text, r.canonical, r.field)
        else:
            line, column = item.line, item.column
            from .errors import fault_at

            raise fault_at(
                "MALFORMED_QUERY",
                q.text,
                line,
                column,
                "FIELDS() and child relationship subqueries cannot be used in an aggregate query",
            )
        if key.lower() in (f.lower() for f in part.fields):
            raise c._fault("MALFORMED_QUERY", item, f"duplicate alias: {key}")
        part.columns.append(r.sql)
        part.flat.append((len(part.columns) - 1, conv))
        part.fields.append(key)
        part.info.append(info)
    return part


def _convert_field(r: Resolved) -> Callable[[Any], Any] | None:
    if r.field.type == "boolean":
        return bool
    if r.field.type == "int":
        return lambda v: None if v is None else int(v)
    if r.field.type == "double":
        return lambda v: None if v is None else float(v)
    return None
