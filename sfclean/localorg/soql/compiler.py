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
from datetime import UTC, date, datetime, time
from typing import Any

from ..ids import to_18
from ..schema import TEXT_TYPES, Field
from ..types import SfFault
from . import ast
from .dates import date_literal_range, format_date, format_datetime
from .errors import fault_at
from .fields import Node, Resolved, Resolver, quote_ident

__all__ = [
    "MAX_OFFSET",
    "ChildEntry",
    "ChildPlan",
    "Compiled",
    "FieldEntry",
    "RelEntry",
    "SelectInfo",
    "Shape",
    "compile_query",
]

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
class ChildEntry:
    """A child subquery's result (``Contacts``): ``index`` into ``Compiled.children``."""

    key: str
    index: int


@dataclass
class Shape:
    """How to build one (possibly nested) record dict from a result row."""

    object_name: str | None  # None: polymorphic, read the type from the Id's key prefix
    id_column: int
    entries: list[FieldEntry | RelEntry | ChildEntry] = field(default_factory=list)
    rels: dict[str, Shape] = field(default_factory=dict)


@dataclass(frozen=True)
class SelectInfo:
    """One selected column as the ``columns=true`` metadata describes it: ``kind`` is
    "field", "aggregate" or "child"; ``parts`` the canonical path; ``display`` the text
    (``COUNT(Id)``); ``child`` the subquery's Compiled."""

    kind: str
    key: str
    display: str
    parts: tuple[str, ...] = ()
    field: Field | None = None
    child: Compiled | None = None


@dataclass
class ChildPlan:
    """A child relationship subquery: its own statement, run once for all parent records.

    The statement's last column is the parent's Id; ``params[link_param]`` is to be set to
    the JSON list of parent Ids; ``limit`` applies per parent."""

    key: str
    compiled: Compiled
    link_param: int
    limit: int | None


@dataclass
class Compiled:
    """The SQL, its parameters, and how to turn rows into records."""

    sql: str
    params: list[Any]
    kind: str  # "records", "count" (COUNT()), "aggregate" (GROUP BY / aggregate functions)
    object_name: str
    fields: list[str]
    shape: Shape | None
    flat_columns: list[tuple[int, Callable[[Any], Any] | None]]  # one per `fields` entry
    select: list[SelectInfo] = field(default_factory=list)
    children: list[ChildPlan] = field(default_factory=list)
    link_param: int | None = None
    group_by: bool = False  # a GROUP BY query


class _Compiler:
    def __init__(
        self,
        query: ast.Query,
        now: datetime,
        *,
        include_deleted: bool = False,
        prefix: str = "t",
        params: list[Any] | None = None,
        link: str | None = None,
    ) -> None:
        self.query = query
        self.now = now
        self.resolver = Resolver(query, prefix=prefix)
        self.params: list[Any] = [] if params is None else params
        self.include_deleted = include_deleted
        self.link = link  # a child subquery's reference to its parent
        self.aggregates_allowed = False  # True while compiling HAVING / aggregate ORDER BY
        self._subqueries = 0

    # --- errors ----------------------------------------------------------------------------
    def _fault(self, code: str, path: ast.Path | ast.Aggregate, message: str) -> SfFault:
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
            format_datetime(datetime.combine(start, time(), UTC)),
            format_datetime(datetime.combine(end, time(), UTC)),
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
            return self._compare(self.operand(cond.path), cond.op, cond.value)
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

    def operand(self, item: ast.Path | ast.Aggregate) -> Resolved:
        """A field, or (in HAVING and aggregate ORDER BY) an aggregate function."""
        if isinstance(item, ast.Path):
            return self.resolver.resolve(item)
        if not self.aggregates_allowed:
            raise self._fault(
                "MALFORMED_QUERY",
                item,
                f"Aggregate functions such as {item.func} are only valid in the SELECT list, "
                "HAVING and ORDER BY of an aggregate query",
            )
        from .aggregate import aggregate_operand  # imports this module

        return aggregate_operand(self, item)

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
            sub_query,
            self.now,
            include_deleted=self.include_deleted,
            prefix=f"s{self._subqueries}_",
            params=self.params,
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
            + ("" if self.include_deleted else f' AND COALESCE({root[0]}."IsDeleted", 0) = 0')
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

    def compile(self) -> Compiled:
        q = self.query
        if q.offset is not None and q.offset > MAX_OFFSET:
            raise SfFault(
                "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}"
            )
        root_name = self.resolver.root_object.name
        self.children: list[ChildPlan] = []
        shape: Shape | None = None
        info: list[SelectInfo] = []
        group = having = ""
        if q.is_count:
            kind, columns, fields, flat = "count", ['t0."Id"'], [], []
        elif q.is_aggregate:
            from .aggregate import compile_aggregate  # imports this module

            kind = "aggregate"
            part = compile_aggregate(self)
            columns, fields, flat, info = part.columns, part.fields, part.flat, part.info
            group = part.group_by
        else:
            kind = "records"
            from .select import compile_records  # imports this module

            columns, shape, fields, flat, info = compile_records(self)

        where = [self.condition(q.where)] if q.where is not None else []
        if not self.include_deleted:
            where.append('COALESCE(t0."IsDeleted", 0) = 0')
        link_param = None
        if self.link is not None:
            columns.append(f"t0.{quote_ident(self.link)}")
            where.append(f"t0.{quote_ident(self.link)} IN (SELECT value FROM json_each(?))")
            link_param = len(self.params)
            self.params.append("[]")
        if kind == "aggregate":
            self.aggregates_allowed = True
            if q.having is not None:
                having = self.condition(q.having)
        elif q.having is not None:
            raise SfFault("MALFORMED_QUERY", "HAVING needs an aggregate query (GROUP BY)")
        order = []
        for order_item in q.order_by:
            r = self.operand(order_item.path)
            text = self._expr(r) + (" DESC" if order_item.descending else " ASC")
            if order_item.nulls_first is not None:
                text += " NULLS FIRST" if order_item.nulls_first else " NULLS LAST"
            order.append(text)
        sql = f"SELECT {', '.join(columns)} FROM {quote_ident(root_name)} AS t0"
        if self.resolver.joins:
            sql += " " + " ".join(self.resolver.joins)
        if where:
            sql += " WHERE " + " AND ".join(where)
        if group:
            sql += f" GROUP BY {group}"
        if having:
            sql += f" HAVING {having}"
        if order and kind != "count":
            sql += " ORDER BY " + ", ".join(order)
        if q.limit is not None or q.offset is not None:
            sql += f" LIMIT {self._param(-1 if q.limit is None else q.limit)}"
            sql += f" OFFSET {self._param(q.offset or 0)}"
        if kind == "count":
            sql = f"SELECT COUNT(*) FROM ({sql})"
        return Compiled(
            sql,
            self.params,
            kind,
            root_name,
            fields,
            shape,
            flat,
            info,
            self.children,
            link_param,
            bool(q.group_by),
        )


def compile_query(query: ast.Query, *, now: datetime, include_deleted: bool = False) -> Compiled:
    """Compile ``query``; deleted records are left out unless ``include_deleted`` (queryAll)."""
    return _Compiler(query, now, include_deleted=include_deleted).compile()
