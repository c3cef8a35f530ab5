"""The parsed form of a SOQL query: plain frozen dataclasses, no schema knowledge yet.

Positions (``line``, ``column``, both 1-based) point into the query text so that the compiler
can report INVALID_FIELD / INVALID_TYPE errors at the right place, as Salesforce does.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Aggregate",
    "And",
    "ChildQuery",
    "Compare",
    "Condition",
    "Count",
    "Fields",
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
    alias: str | None = None  # ``SELECT Email e ...`` (aggregate queries only)

    @property
    def text(self) -> str:
        return ".".join(self.parts)


#: aggregate functions, upper case
AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "MIN", "MAX", "SUM", "AVG"})


@dataclass(frozen=True)
class Aggregate:
    """``COUNT()`` (path None), ``COUNT(field)``, ``COUNT_DISTINCT``, ``MIN``, ``MAX``, ``SUM``,
    ``AVG``; ``func`` is upper case; ``alias`` as written (``COUNT(Id) n``), else None."""

    path: Path | None
    line: int
    column: int
    func: str = "COUNT"
    alias: str | None = None

    @property
    def text(self) -> str:
        return f"{self.func}({self.path.text if self.path else ''})"


Count = Aggregate  # the name of the COUNT-only node this replaced


@dataclass(frozen=True)
class Fields:
    """``FIELDS(STANDARD)`` / ``FIELDS(ALL)``: ``kind`` upper case."""

    kind: str
    line: int
    column: int


@dataclass(frozen=True)
class ChildQuery:
    """A child relationship subquery in the SELECT list: ``(SELECT Id FROM Contacts)``;
    ``query.object_name`` is the relationship name."""

    query: Query
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
    path: Path | Aggregate  # an Aggregate only in HAVING
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
    path: Path | Aggregate
    descending: bool = False
    nulls_first: bool | None = None  # None: Salesforce's default (first for ASC, last for DESC)


@dataclass(frozen=True)
class Query:
    """A whole ``SELECT ... FROM ...`` statement; ``text`` is the source, for error messages."""

    select: tuple[Path | Aggregate | Fields | ChildQuery, ...]
    object_name: str
    object_line: int
    object_column: int
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    text: str
    group_by: tuple[Path, ...] = ()
    having: Condition | None = None
    with_: str | None = None  # WITH SECURITY_ENFORCED / USER_MODE / SYSTEM_MODE (accepted)

    @property
    def is_count(self) -> bool:
        """True for ``SELECT COUNT() FROM ...`` (total size only, no records)."""
        return (
            len(self.select) == 1
            and isinstance(self.select[0], Aggregate)
            and self.select[0].path is None
            and not self.group_by
        )

    @property
    def is_aggregate(self) -> bool:
        """True for GROUP BY queries and aggregate functions (AggregateResult rows)."""
        return not self.is_count and (
            bool(self.group_by) or any(isinstance(s, Aggregate) for s in self.select)
        )
