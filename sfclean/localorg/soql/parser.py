"""``parse(text) -> Query``: SOQL text to the AST in :mod:`.ast`, with Salesforce's
MALFORMED_QUERY errors (``unexpected token: 'FORM'``, ``unexpected token: <EOF>``).

The grammar lives in :mod:`.grammar`; Lark (LALR, basic lexer) does the tokenising and
parsing, and the transformer below builds the AST and checks what the grammar cannot: string
escapes, date/dateTime validity, known date literals, COUNT() usage, LIMIT/OFFSET values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.exceptions import VisitError

from ..types import SfFault
from . import ast
from .dates import DATE_LITERALS, N_DATE_LITERALS, parse_date, parse_datetime
from .errors import fault_at
from .grammar import GRAMMAR
from .strings import InvalidEscape, decode_string

__all__ = ["parse"]

MAX_QUERY_LENGTH = 100_000  # documented SOQL statement limit


class _Malformed(Exception):
    """Raised inside the transformer; turned into an SfFault with the query's position."""

    def __init__(self, token: Token, message: str) -> None:
        super().__init__(message)
        self.token = token
        self.message = message


def _unexpected(tok: Token) -> _Malformed:
    return _Malformed(tok, f"unexpected token: '{tok}'")


def _lit(kind: str, value: object, tok: Token, like: str | None = None) -> ast.Literal:
    return ast.Literal(kind, value, str(tok), tok.line or 1, tok.column or 1, like)


def _path(tokens: list[Token]) -> ast.Path:
    return ast.Path(tuple(str(t) for t in tokens), tokens[0].line or 1, tokens[0].column or 1)


def _non_negative_int(tok: Token) -> int:
    text = str(tok)
    if not text.isdigit():
        raise _unexpected(tok)
    return int(text)


@dataclass(frozen=True)
class _Call:
    """``NAME(path)`` before the parser knows where it stands."""

    name: Token
    path: ast.Path | None


def _aggregate(call: _Call) -> ast.Aggregate:
    func = str(call.name).upper()
    if func not in ast.AGGREGATES:
        raise _unexpected(call.name)
    if call.path is None and func != "COUNT":
        raise _Malformed(call.name, "unexpected token: ')'")
    return ast.Aggregate(call.path, call.name.line or 1, call.name.column or 1, func)


def _select_call(call: _Call) -> ast.Path | ast.Aggregate | ast.Fields:
    """A call in the SELECT list: an aggregate, ``FIELDS(...)`` or ``toLabel(field)``."""
    func = str(call.name).upper()
    if func == "FIELDS":
        kind = call.path.text.upper() if call.path is not None else ""
        if kind not in ("STANDARD", "ALL", "CUSTOM"):
            raise _unexpected(call.name)
        return ast.Fields(kind, call.name.line or 1, call.name.column or 1)
    return _operand(call)


def _path_only(value: ast.Path | _Call) -> ast.Path:
    """LIKE, IN and semi-joins take a field (or ``toLabel(field)``), never an aggregate."""
    operand = _operand(value)
    if isinstance(operand, ast.Aggregate):
        raise _Malformed(
            Token("NAME", operand.func, line=operand.line, column=operand.column),
            f"unexpected token: '{operand.func}'",
        )
    return operand


def _operand(value: ast.Path | _Call) -> ast.Path | ast.Aggregate:
    """The left side of a comparison or an ORDER BY item: a field, ``toLabel(field)`` (the
    value itself here: localorg has no translations) or an aggregate (HAVING)."""
    if isinstance(value, ast.Path):
        return value
    if str(value.name).upper() == "TOLABEL":
        if value.path is None:
            raise _Malformed(value.name, "unexpected token: ')'")
        return value.path
    return _aggregate(value)


class _Build(Transformer):  # type: ignore[type-arg]
    """Parse tree -> ast nodes. Methods are named after grammar rules and aliases."""

    def path(self, items: list[Token]) -> ast.Path:
        return _path(items)

    def func_call(self, items: list) -> _Call:
        return _Call(items[0], items[1] if len(items) > 1 else None)

    def field_item(self, items: list) -> ast.Path:
        path: ast.Path = items[0]
        return replace(path, alias=str(items[1])) if len(items) > 1 else path

    def call_item(self, items: list) -> ast.Path | ast.Aggregate | ast.Fields:
        item = _select_call(items[0])
        if len(items) > 1:
            if isinstance(item, ast.Fields):
                raise _unexpected(items[1])
            item = replace(item, alias=str(items[1]))
        return item

    def child_query(self, items: list) -> ast.ChildQuery:
        obj: Token = items[3]
        clauses = dict(items[4:])
        query = ast.Query(
            select=items[1],
            object_name=str(obj),
            object_line=obj.line or 1,
            object_column=obj.column or 1,
            where=clauses.get("where"),  # type: ignore[arg-type]
            order_by=clauses.get("order", ()),  # type: ignore[arg-type]
            limit=clauses.get("limit"),  # type: ignore[arg-type]
            offset=None,
            text="",
        )
        return ast.ChildQuery(query, items[0].line or 1, items[0].column or 1)

    def select_list(self, items: list) -> tuple:
        counts = [i for i in items if isinstance(i, ast.Aggregate) and i.path is None]
        if counts and len(items) > 1:
            c = counts[0]
            raise _Malformed(
                Token("NAME", "COUNT", line=c.line, column=c.column),
                "COUNT() can only be used alone in the SELECT list",
            )
        return tuple(items)

    # --- values ---------------------------------------------------------------------------
    def string(self, items: list[Token]) -> ast.Literal:
        tok = items[0]
        try:
            value, like = decode_string(str(tok)[1:-1])
        except InvalidEscape as exc:
            raise _Malformed(
                tok,
                f"Invalid string literal '{str(tok)[1:-1]}'. Illegal character sequence "
                f"'{exc.sequence}' in string literal.",
            ) from None
        return _lit("string", value, tok, like)

    def number(self, items: list[Token]) -> ast.Literal:
        text = str(items[0])
        is_int = text.lstrip("+-").isdigit()
        return _lit("number", int(text) if is_int else float(text), items[0])

    def null(self, items: list[Token]) -> ast.Literal:
        return _lit("null", None, items[0])

    def true(self, items: list[Token]) -> ast.Literal:
        return _lit("boolean", True, items[0])

    def false(self, items: list[Token]) -> ast.Literal:
        return _lit("boolean", False, items[0])

    def datetime(self, items: list[Token]) -> ast.Literal:
        try:
            return _lit("datetime", parse_datetime(str(items[0])), items[0])
        except ValueError:
            raise _unexpected(items[0]) from None

    def date(self, items: list[Token]) -> ast.Literal:
        try:
            return _lit("date", parse_date(str(items[0])), items[0])
        except ValueError:
            raise _unexpected(items[0]) from None

    def date_literal(self, items: list[Token]) -> ast.Literal:
        name = items[0]
        upper = str(name).upper()
        if len(items) == 1:
            if upper not in DATE_LITERALS:
                raise _unexpected(name)
            return _lit("date_literal", (upper, None), name)
        if upper not in N_DATE_LITERALS:
            raise _unexpected(name)
        n = _non_negative_int(items[1])
        return _lit("date_literal", (upper, n), name)

    def value_list(self, items: list[ast.Literal]) -> tuple[ast.Literal, ...]:
        return tuple(items)

    # --- conditions -----------------------------------------------------------------------
    def compare(self, items: list) -> ast.Compare:
        path, op, value = items
        return ast.Compare(_operand(path), "!=" if str(op) == "<>" else str(op), value)

    def like(self, items: list) -> ast.Like:
        return ast.Like(_path_only(items[0]), items[2])

    def in_list(self, items: list) -> ast.InList:
        return ast.InList(_path_only(items[0]), items[2], negated=False)

    def not_in_list(self, items: list) -> ast.InList:
        return ast.InList(_path_only(items[0]), items[3], negated=True)

    def subquery(self, items: list) -> ast.Query:
        obj: Token = items[3]
        where = items[4][1] if len(items) > 4 else None
        return ast.Query(
            select=(items[1],),
            object_name=str(obj),
            object_line=obj.line or 1,
            object_column=obj.column or 1,
            where=where,
            order_by=(),
            limit=None,
            offset=None,
            text="",
        )

    def in_subquery(self, items: list) -> ast.SemiJoin:
        return ast.SemiJoin(_path_only(items[0]), items[2], negated=False)

    def not_in_subquery(self, items: list) -> ast.SemiJoin:
        return ast.SemiJoin(_path_only(items[0]), items[3], negated=True)

    def and_cond(self, items: list) -> ast.And:
        return ast.And(tuple(i for i in items if not isinstance(i, Token)))

    def or_cond(self, items: list) -> ast.Or:
        return ast.Or(tuple(i for i in items if not isinstance(i, Token)))

    def not_cond(self, items: list) -> ast.Not:
        return ast.Not(items[1])

    def where_clause(self, items: list) -> tuple[str, object]:
        return ("where", items[1])

    # --- ORDER BY / LIMIT / OFFSET --------------------------------------------------------
    def direction(self, items: list[Token]) -> tuple[str, bool]:
        return ("dir", str(items[0]).upper() == "DESC")

    def nulls(self, items: list[Token]) -> tuple[str, bool]:
        return ("nulls", str(items[1]).upper() == "FIRST")

    def order_item(self, items: list) -> ast.OrderItem:
        opts = dict(items[1:])
        return ast.OrderItem(_operand(items[0]), bool(opts.get("dir", False)), opts.get("nulls"))

    def with_clause(self, items: list[Token]) -> tuple[str, object]:
        mode = str(items[1]).upper()
        if mode not in ("SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"):
            raise _unexpected(items[1])
        return ("with", mode)

    def group_clause(self, items: list) -> tuple[str, object]:
        return ("group", tuple(items[2:]))

    def having_clause(self, items: list) -> tuple[str, object]:
        return ("having", items[1])

    def order_clause(self, items: list) -> tuple[str, object]:
        return ("order", tuple(items[2:]))

    def limit_clause(self, items: list[Token]) -> tuple[str, object]:
        return ("limit", _non_negative_int(items[1]))

    def offset_clause(self, items: list[Token]) -> tuple[str, object]:
        return ("offset", _non_negative_int(items[1]))

    def start(self, items: list) -> ast.Query:
        obj: Token = items[3]
        clauses = dict(items[4:])
        return ast.Query(
            select=items[1],
            object_name=str(obj),
            object_line=obj.line or 1,
            object_column=obj.column or 1,
            where=clauses.get("where"),  # type: ignore[arg-type]
            order_by=clauses.get("order", ()),  # type: ignore[arg-type]
            limit=clauses.get("limit"),  # type: ignore[arg-type]
            offset=clauses.get("offset"),  # type: ignore[arg-type]
            text="",  # filled in by parse()
            group_by=clauses.get("group", ()),  # type: ignore[arg-type]
            having=clauses.get("having"),  # type: ignore[arg-type]
            with_=clauses.get("with"),  # type: ignore[arg-type]
        )


@lru_cache(maxsize=1)
def _lark() -> Lark:
    # The transformer runs inside the LALR parser, so no parse tree is built (4,000-value IN
    # lists stay fast).
    return Lark(
        GRAMMAR, parser="lalr", lexer="basic", maybe_placeholders=False, transformer=_Build()
    )


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def _misplaced_alias(exc: UnexpectedToken) -> Token | None:
    """The word the parser took as an alias when what follows it does not fit: in
    ``SELECT Id FORM Lead`` the mistake is ``FORM``, not ``Lead``."""
    stack = getattr(exc.state, "value_stack", None) or []
    if (
        len(stack) >= 2
        and isinstance(stack[-1], Token)
        and stack[-1].type == "NAME"
        and isinstance(stack[-2], (ast.Path, _Call))
    ):
        return stack[-1]
    return None


def _fault_for(text: str, exc: UnexpectedInput) -> SfFault:
    if isinstance(exc, UnexpectedToken):
        tok = _misplaced_alias(exc) or exc.token
        if tok.type == "$END":
            line, column = _end_position(text)
            return fault_at("MALFORMED_QUERY", text, line, column, "unexpected token: <EOF>")
        return fault_at(
            "MALFORMED_QUERY", text, tok.line or 1, tok.column or 1, f"unexpected token: '{tok}'"
        )
    if isinstance(exc, UnexpectedCharacters):
        if exc.char == "'":  # a string literal that never ends
            line, column = _end_position(text)
            message = "mismatched character '<EOF>' expecting '''"
            return fault_at("MALFORMED_QUERY", text, line, column, message)
        return fault_at(
            "MALFORMED_QUERY",
            text,
            exc.line,
            exc.column,
            f"unexpected token: '{exc.char}'",
        )
    line, column = _end_position(text)
    return fault_at("MALFORMED_QUERY", text, line, column, "unexpected token: <EOF>")


def parse(text: str) -> ast.Query:
    """Parse SOQL ``text``; raise SfFault MALFORMED_QUERY when it is not valid SOQL.

    Only syntax is checked here; object and field names are resolved by the compiler.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise SfFault(
            "MALFORMED_QUERY",
            f"SOQL statements cannot be longer than {MAX_QUERY_LENGTH:,} characters.",
        )
    try:
        query: ast.Query = _lark().parse(text)  # type: ignore[assignment]
    except UnexpectedInput as exc:
        raise _fault_for(text, exc) from None
    except (_Malformed, VisitError) as exc:
        orig = exc.orig_exc if isinstance(exc, VisitError) else exc
        if not isinstance(orig, _Malformed):
            raise
        raise fault_at(
            "MALFORMED_QUERY", text, orig.token.line or 1, orig.token.column or 1, orig.message
        ) from None
    return replace(query, text=text)
