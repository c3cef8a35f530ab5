"""SOQL for localorg: ``parse`` text into an AST, ``execute`` it against the store's SQLite
connection, page through a :class:`QueryCursor` of Salesforce-shaped records.

Modules: ``grammar`` (Lark grammar), ``parser`` (text -> ``ast``), ``strings`` (escapes and
``soql_quote``), ``dates`` (date literals), ``fields`` (paths -> joins), ``compiler`` (AST ->
SQL), ``cursor`` (execution and paging), ``errors`` (Salesforce-style messages).
"""

from __future__ import annotations

from .ast import Query
from .cursor import QueryCursor, execute
from .parser import parse
from .strings import soql_quote

__all__ = ["Query", "QueryCursor", "execute", "parse", "soql_quote"]
