"""Compile a parsed Query into one parameterised SQLite statement over the store's tables.

Every literal is bound as a parameter; only schema names (quoted) are written into the SQL.
Semantics follow SOQL rather than SQL where they differ:

- text comparisons, IN and ORDER BY are case-insensitive (``COLLATE NOCASE``; SQLite folds
  ASCII letters only), LIKE is case-insensitive with ``%``/``_`` wildcards;
- ``x != 'a'`` and ``x NOT IN (...)`` include records where x is null, and ``NOT (...)`` treats
  an unknown (null) comparison as false before negating it, so nulls never vanish silently
  (widely reported for ``!=``; no Salesforce page states it for NOT IN: UNCONFIRMED, chosen
  for consistency);
- booleans are never null (documented): a stored NULL reads as false, and on a boolean field
  ``= null`` means ``= false`` and ``!= null`` means ``= true``;
- ``x = null`` / ``x != null`` test for null, ``IN (..., null)`` matches nulls too; on text
  fields ``''`` means the same as null (Salesforce never stores empty strings);
- Ids in filters may have 15 or 18 characters; 15-character Ids are compared in 18-character
  form;
- ``x IN (SELECT y FROM ...)`` semi-joins become SQL subqueries (one level, as in SOQL);
- a relative date literal on a dateTime field means the whole UTC days it covers, so
  ``CreatedDate = LAST_N_DAYS:7`` is ``start <= CreatedDate < end`` and ``> TODAY`` means
  after today ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timezone
from typing import Any

from ..ids import to_18
from ..schema import TEXT_TYPES, Field
from ..types import SfFault
from . import ast
from .dates import date_literal_range, format_date, format_datetime
from .errors import fault_at
from .fields import Node, Resolved, Resolver, quote_ident

__all__ = ["MAX_OFFSET", "Compiled", "FieldEntry", "RelEntry", "Shape", "compile_query"]

MAX_OFFSET = 2000  # documented SOQL OFFSET maximum
_BASE62 = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_TYPE_WORD = {
    "boolean": "boolean",
    "int": "integer",
    "double": "double",
    "datetime": "dateTime",
    "date": "date",
    "id": "id",
    "reference": "reference",
}


def _converter(f: Field) -> Callable[[Any], Any] | None:
    """How a stored value becomes a JSON value (None: unchanged)."""
    if f.type == "boolean":
        return bool  # Salesforce booleans are never null: a missing value reads as false
    if f.type == "int":
        return lambda v: None if v is None else int(v)
    if f.type == "double":
        return lambda v: None if v is None else float(v)
    return None


@dataclass
class FieldEntry:
    key: str
    column: int
    convert: Callable[[Any], Any] | None


@dataclass
class RelEntry:
    key: str
    shape: Shape


@dataclass
class Shape:
    """How to build one (possibly nested) record dict from a result row."""

    object_name: str | None  # None: polymorphic, read the type from the Id's key prefix
    id_column: int
    entries: list[FieldEntry | RelEntry] = field(default_factory=list)
    rels: dict[str, Shape] = field(default_factory=dict)


@dataclass
class Compiled:
    """The SQL, its parameters, and how to turn rows into records."""

    sql: str
    params: list[Any]
    kind: str  # "records", "count" (COUNT()), "aggregate" (COUNT(field))
    object_name: str
    fields: list[str]
    shape: Shape | None
    flat_columns: list[tuple[int, Callable[[Any], Any] | None]]  # one per `fields` entry


class _Compiler:
    def __init__(
        self,
        query: ast.Query,
        now: datetime,
        columns: set[str] | None,
        *,
        prefix: str = "t",
        params: list[Any] | None = None,
    ) -> None:
        self.query = query
        self.now = now
        self.resolver = Resolver(query, prefix=prefix)
        self.params: list[Any] = [] if params is None else params
        self.columns = columns
        self._subqueries = 0

    # --- errors ----------------------------------------------------------------------------
    def _fault(self, code: str, path: ast.Path, message: str) -> SfFault:
        return fault_at(code, self.query.text, path.line, path.column, message)

    def _type_error(self, r: Resolved) -> SfFault:
        f = r.field
        if f.type in TEXT_TYPES and f.type not in ("id", "reference"):
            how = "must be of type string and should be enclosed in quotes"
        elif f.type in ("id", "reference"):
            how = "must be of type id and should be enclosed in quotes"
        else:
            how = f"must be of type {_TYPE_WORD.get(f.type, f.type)} and should not be enclosed in quotes"
        return self._fault(
            "INVALID_FIELD", r.path, f"value of filter criterion for field '{f.name}' {how}"
        )

    # --- values ----------------------------------------------------------------------------
    def _bind(self, r: Resolved, lit: ast.Literal) -> Any:
        """The stored-form value of ``lit`` for field ``r`` (type-checked like Salesforce)."""
        t = r.field.type
        if t in ("id", "reference"):
            if lit.kind != "string":
                raise self._type_error(r)
            value = str(lit.value)
            if value == "":
                return value
            if len(value) not in (15, 18) or not set(value) <= _BASE62:
                raise self._fault(
                    "INVALID_QUERY_FILTER_OPERATOR", r.path, f"invalid ID field: {value}"
                )
            return to_18(value[:15])
        if t in TEXT_TYPES:
            if lit.kind != "string":
                raise self._type_error(r)
            return lit.value
        if t == "boolean":
            if lit.kind != "boolean":
                raise self._type_error(r)
            return 1 if lit.value else 0
        if t in ("int", "double"):
            if lit.kind != "number":
                raise self._type_error(r)
            return lit.value
        if t == "datetime":
            if lit.kind != "datetime":
                raise self._type_error(r)
            assert isinstance(lit.value, datetime)
            return format_datetime(lit.value)
        if t == "date":
            if lit.kind != "date":
                raise self._type_error(r)
            assert isinstance(lit.value, date)
            return format_date(lit.value)
        raise self._type_error(r)  # pragma: no cover - every schema type is handled above

    def _param(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def _expr(self, r: Resolved) -> str:
        if r.field.type in TEXT_TYPES:
            return f"{r.sql} COLLATE NOCASE"
        if r.field.type == "boolean" and not r.node.key:
            return f"COALESCE({r.sql}, 0)"  # a stored NULL boolean is false
        return r.sql

    @staticmethod
    def _boolean_null(r: Resolved, lit: ast.Literal) -> ast.Literal:
        """Documented: on a boolean field ``= null`` means ``= false``."""
        if r.field.type == "boolean" and lit.kind == "null":
            return replace(lit, kind="boolean", value=False)
        return lit

    def _date_range(self, r: Resolved, lit: ast.Literal) -> tuple[str, str]:
        if r.field.type not in ("datetime", "date"):
            raise self._type_error(r)
        assert isinstance(lit.value, tuple)
        name: str = lit.value[0]
        n: int | None = lit.value[1]
        start, end = date_literal_range(name, n, self.now)
        if r.field.type == "date":
            return format_date(start), format_date(end)
        return (
            format_datetime(datetime.combine(start, time(), timezone.utc)),
            format_datetime(datetime.combine(end, time(), timezone.utc)),
        )

    # --- conditions ------------------------------------------------------------------------
    def condition(self, cond: ast.Condition) -> str:
        if isinstance(cond, ast.And):
            return "(" + " AND ".join(self.condition(c) for c in cond.items) + ")"
        if isinstance(cond, ast.Or):
            return "(" + " OR ".join(self.condition(c) for c in cond.items) + ")"
        if isinstance(cond, ast.Not):
            return f"NOT COALESCE({self.condition(cond.item)}, 0)"
        if isinstance(cond, ast.Compare):
            return self._compare(self.resolver.resolve(cond.path), cond.op, cond.value)
        if isinstance(cond, ast.InList):
            return self._in(cond)
        if isinstance(cond, ast.SemiJoin):
            return self._semi_join(cond)
        return self._like(cond)

    def _compare(self, r: Resolved, op: str, lit: ast.Literal) -> str:
        e = self._expr(r)
        lit = self._boolean_null(r, lit)
        if lit.kind == "null":
            if op == "=":
                return f"{r.sql} IS NULL"
            if op == "!=":
                return f"{r.sql} IS NOT NULL"
            return "0"
        if lit.kind == "date_literal":
            start, end = self._date_range(r, lit)
            if op == "=":
                return f"({e} >= {self._param(start)} AND {e} < {self._param(end)})"
            if op == "!=":
                return f"({e} IS NULL OR {e} < {self._param(start)} OR {e} >= {self._param(end)})"
            bound, sql_op = {
                "<": (start, "<"),
                "<=": (end, "<"),
                ">": (end, ">="),
                ">=": (start, ">="),
            }[op]
            return f"{e} {sql_op} {self._param(bound)}"
        value = self._bind(r, lit)
        if value == "" and r.field.type in TEXT_TYPES and op in ("=", "!="):
            # Salesforce stores no empty strings: '' means "no value", like null
            if op == "=":
                return f"({r.sql} IS NULL OR {e} = {self._param(value)})"
            return f"({r.sql} IS NOT NULL AND {e} != {self._param(value)})"
        if op == "!=":
            return f"{e} IS NOT {self._param(value)}"
        return f"{e} {op} {self._param(value)}"

    def _in(self, cond: ast.InList) -> str:
        r = self.resolver.resolve(cond.path)
        e = self._expr(r)
        values = [self._boolean_null(r, v) for v in cond.values]
        has_null = any(
            v.kind == "null"
            or (v.kind == "string" and v.value == "" and r.field.type in TEXT_TYPES)
            for v in values
        )
        ranges = [v for v in values if v.kind == "date_literal"]
        scalars = [self._bind(r, v) for v in values if v.kind not in ("null", "date_literal")]
        parts = []
        if scalars:
            parts.append(f"{e} IN ({', '.join(self._param(v) for v in scalars)})")
        parts.extend(self._compare(r, "=", v) for v in ranges)
        if has_null:
            parts.append(f"{r.sql} IS NULL")
        matched = "(" + " OR ".join(parts) + ")" if len(parts) > 1 else parts[0]
        if not cond.negated:
            return matched
        return f"NOT COALESCE({matched}, 0)"

    def _semi_join(self, cond: ast.SemiJoin) -> str:
        """``x IN (SELECT y FROM ...)``: a SQL subquery with its own table aliases."""
        r = self.resolver.resolve(cond.path)
        if self.resolver.prefix != "t":
            raise self._fault(
                "MALFORMED_QUERY", cond.path, "Nesting of semi join sub-selects is not supported"
            )
        self._subqueries += 1
        sub_query = replace(cond.query, text=self.query.text)
        sub = _Compiler(
            sub_query, self.now, None, prefix=f"s{self._subqueries}_", params=self.params
        )
        selected = sub_query.select[0]
        assert isinstance(selected, ast.Path)
        inner = sub.resolver.resolve(selected)
        where = sub.condition(sub_query.where) if sub_query.where is not None else "1"
        root = sub.resolver.root.targets[0]
        sql = (
            f"SELECT {inner.sql} FROM {quote_ident(root[1].name)} AS {root[0]}"
            + "".join(" " + j for j in sub.resolver.joins)
            + f" WHERE {inner.sql} IS NOT NULL AND {where}"
        )
        matched = f"{self._expr(r)} IN ({sql})"
        return f"NOT COALESCE({matched}, 0)" if cond.negated else matched

    def _like(self, cond: ast.Like) -> str:
        r = self.resolver.resolve(cond.path)
        if r.field.type not in TEXT_TYPES:
            raise self._fault(
                "INVALID_FIELD",
                cond.path,
                f"invalid operator on field '{r.field.name}': LIKE is only valid on string fields",
            )
        if cond.value.kind != "string":
            raise self._type_error(r)
        return f"{r.sql} LIKE {self._param(cond.value.like)} ESCAPE '\\'"

    # --- SELECT list -----------------------------------------------------------------------
    def _shape_for(self, root: Shape, node: Node, columns: list[str]) -> Shape:
        """The (nested) shape for ``node``, creating relationship entries on first use."""
        if not node.key:
            return root
        parent = self._shape_for_key(root, node.key[:-1], columns)
        key = node.key[-1]
        if key not in parent.rels:
            columns.append(node.id_sql)
            shape = Shape(node.object_name, len(columns) - 1)
            parent.rels[key] = shape
            parent.entries.append(RelEntry(node.name, shape))
        return parent.rels[key]

    def _shape_for_key(self, root: Shape, key: tuple[str, ...], columns: list[str]) -> Shape:
        node = self.resolver.root
        for part in key:
            node = node.children[part]
        return self._shape_for(root, node, columns)

    def _aggregates(
        self, select: tuple[ast.Path | ast.Count, ...]
    ) -> tuple[list[str], list[str], list[tuple[int, Callable[[Any], Any] | None]]]:
        """``COUNT(field)`` columns, named ``expr0``, ``expr1``... as in Salesforce."""
        plain = [s for s in select if isinstance(s, ast.Path)]
        if plain:
            raise self._fault(
                "MALFORMED_QUERY", plain[0], f"Field must be grouped or aggregated: {plain[0].text}"
            )
        columns = []
        for item in select:
            assert isinstance(item, ast.Count) and item.path is not None
            columns.append(f"COUNT({self.resolver.resolve(item.path).sql})")
        fields = [f"expr{i}" for i in range(len(columns))]
        return columns, fields, [(i, None) for i in range(len(columns))]

    def compile(self) -> Compiled:
        q = self.query
        if q.offset is not None and q.offset > MAX_OFFSET:
            raise SfFault(
                "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}"
            )
        root_name = self.resolver.root_object.name
        kind = "records"
        columns = ['t0."Id"']
        shape: Shape | None = Shape(root_name, 0)
        fields: list[str] = []
        flat: list[tuple[int, Callable[[Any], Any] | None]] = []
        seen: set[str] = set()
        if q.is_count:
            kind, shape = "count", None
        elif any(isinstance(s, ast.Count) for s in q.select):
            kind, shape = "aggregate", None
            columns, fields, flat = self._aggregates(q.select)
        else:
            assert shape is not None
            for item in q.select:
                assert isinstance(item, ast.Path)
                r = self.resolver.resolve(item)
                if r.name.lower() in seen:
                    raise self._fault(
                        "MALFORMED_QUERY", item, f"duplicate field selected: {r.name}"
                    )
                seen.add(r.name.lower())
                target = self._shape_for(shape, r.node, columns)
                columns.append(r.sql)
                conv = _converter(r.field)
                target.entries.append(FieldEntry(r.field.name, len(columns) - 1, conv))
                fields.append(r.name)
                flat.append((len(columns) - 1, conv))

        where = [self.condition(q.where)] if q.where is not None else []
        if self.columns is not None and "IsDeleted" in self.columns:
            where.append('COALESCE(t0."IsDeleted", 0) = 0')
        order = []
        for order_item in q.order_by:
            r = self.resolver.resolve(order_item.path)
            text = self._expr(r) + (" DESC" if order_item.descending else " ASC")
            if order_item.nulls_first is not None:
                text += " NULLS FIRST" if order_item.nulls_first else " NULLS LAST"
            order.append(text)
        sql = f"SELECT {', '.join(columns)} FROM {quote_ident(root_name)} AS t0"
        if self.resolver.joins:
            sql += " " + " ".join(self.resolver.joins)
        if where:
            sql += " WHERE " + " AND ".join(where)
        if order and kind == "records":
            sql += " ORDER BY " + ", ".join(order)
        if kind != "aggregate" and (q.limit is not None or q.offset is not None):
            sql += f" LIMIT {self._param(-1 if q.limit is None else q.limit)}"
            sql += f" OFFSET {self._param(q.offset or 0)}"
        if kind == "count":
            sql = f"SELECT COUNT(*) FROM ({sql})"
        return Compiled(sql, self.params, kind, root_name, fields, shape, flat)


def compile_query(query: ast.Query, *, now: datetime, columns: set[str] | None = None) -> Compiled:
    """Compile ``query``; ``columns`` are the root table's actual columns (for IsDeleted)."""
    return _Compiler(query, now, columns).compile()
