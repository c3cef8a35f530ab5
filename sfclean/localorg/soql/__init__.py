"""SOQL for localorg: ``parse`` text into an AST, ``execute`` it against the store's SQLite
connection, page through a :class:`QueryCursor` of Salesforce-shaped records.

Public API::

    parse(text) -> Query                      # SfFault MALFORMED_QUERY on bad syntax
    execute(conn, text_or_query, *, api_version="62.0", include_deleted=False, now=None)
        -> QueryCursor                        # SfFault INVALID_FIELD / INVALID_TYPE / ...
    QueryCursor.total_size, .done, .fields, .object_name, .fetch(n), .fetch_rows(n)
    soql_quote(value, *, like=False) -> str   # a safe SOQL string literal

The subset: field lists with relationship paths (``CreatedBy.Profile.Name``; polymorphic
``Record.Name``), ``FIELDS(STANDARD|ALL|CUSTOM)``, ``toLabel(field)`` (the value: no
translations here), child relationship subqueries (``(SELECT Id FROM Contacts)``), aggregate
functions ``COUNT()``/``COUNT(field)``/``COUNT_DISTINCT``/``MIN``/``MAX``/``SUM``/``AVG`` with
aliases, ``GROUP BY`` and ``HAVING``, WHERE with ``= != <> < > <= >= IN NOT IN LIKE``,
semi-/anti-joins (``Id IN (SELECT ...)``), AND/OR/NOT and parentheses, null, TRUE/FALSE,
numbers, escaped strings, dateTime/date literals and relative date literals, ``WITH
SECURITY_ENFORCED`` (accepted: every user sees every field here), ORDER BY (ASC/DESC, NULLS
FIRST/LAST, aggregates in aggregate queries), LIMIT, OFFSET (at most 2,000). Not supported:
TYPEOF, GROUP BY ROLLUP/CUBE, USING SCOPE, FOR VIEW/UPDATE, date functions.

Modules: ``grammar`` (Lark grammar), ``parser`` (text -> ``ast``), ``strings`` (escapes and
``soql_quote``), ``dates`` (date literals), ``fields`` (paths -> joins), ``compiler`` (AST ->
SQL, with the SOQL-vs-SQL semantics documented there), ``cursor`` (execution and paging),
``errors`` (Salesforce-style messages), ``aggregate`` (GROUP BY / HAVING), ``select``
(records' SELECT lists and child subqueries), ``columns`` (``columns=true`` metadata).
"""

from __future__ import annotations

from .ast import Query
from .cursor import QueryCursor, execute
from .parser import parse
from .strings import soql_quote

__all__ = ["Query", "QueryCursor", "execute", "parse", "soql_quote"]
