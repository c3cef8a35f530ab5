"""The parsed form of a SOQL query: plain frozen dataclasses, no schema knowledge yet.

Positions (``line``, ``column``, both 1-based) point into the query text so that the compiler
can report INVALID_FIELD / INVALID_TYPE errors at the right place, as Salesforce does.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "And",
    "Compare",
    "Condition",
    "Count",
    "InList",
    "Like",
    "Literal",
    "Not",
    "Or",
    "OrderItem",
    "Path",
    "Query",
    "SemiJoin",
]


@dataclass(frozen=True)
class Path:
    """A field path as written: ``("CreatedBy", "Name")``."""

    parts: tuple[str, ...]
    line: int
    column: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Count:
    """``COUNT()`` (path None) or ``COUNT(field)``."""

    path: Path | None
    line: int
    column: int


@dataclass(frozen=True)
class Literal:
    """A value in a WHERE clause.

    ``kind`` is one of ``string``, ``number``, ``null``, ``boolean``, ``datetime``, ``date``,
    ``date_literal``. ``value`` is the decoded Python value (str, int/float, None, bool, an aware
    ``datetime``, a ``date``, or ``(NAME, n)`` for date literals such as ``LAST_N_DAYS:7``).
    ``like`` is, for strings, the SQLite LIKE pattern (``ESCAPE '\\'``) the literal stands for.
    """

    kind: str
    value: object
    raw: str
    line: int
    column: int
    like: str | None = None


@dataclass(frozen=True)
class Compare:
    path: Path
    op: str  # = != < > <= >=  ("<>" is normalised to "!=")
    value: Literal


@dataclass(frozen=True)
class InList:
    path: Path
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class SemiJoin:
    """``path [NOT] IN (SELECT field FROM Object [WHERE ...])``."""

    path: Path
    query: Query
    negated: bool


@dataclass(frozen=True)
class Like:
    path: Path
    value: Literal


@dataclass(frozen=True)
class And:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Compare | InList | SemiJoin | Like | And | Or | Not


@dataclass(frozen=True)
class OrderItem:
    path: Path
    descending: bool = False
    nulls_first: bool | None = None  # None: Salesforce's default (first for ASC, last for DESC)


@dataclass(frozen=True)
class Query:
    """A whole ``SELECT ... FROM ...`` statement; ``text`` is the source, for error messages."""

    select: tuple[Path | Count, ...]
    object_name: str
    object_line: int
    object_column: int
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    text: str

    @property
    def is_count(self) -> bool:
        """True for ``SELECT COUNT() FROM ...`` (total size only, no records)."""
        return (
            len(self.select) == 1
            and isinstance(self.select[0], Count)
            and self.select[0].path is None
        )
