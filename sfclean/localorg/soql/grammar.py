"""The SOQL subset localorg understands, as a Lark LALR grammar.

Function calls in the SELECT list (``COUNT()``, ``COUNT(Id)``, ``COUNT_DISTINCT``, ``MIN``,
``MAX``, ``SUM``, ``AVG``, ``FIELDS(STANDARD)``, ``toLabel(Status)``) share one rule; the parser
checks the names. A field or call may carry an alias; child relationship subqueries
(``(SELECT Id FROM Contacts)``) sit in the SELECT list; ``WITH SECURITY_ENFORCED``, ``GROUP BY``
and ``HAVING`` (over aggregates) follow WHERE.

Keywords are case-insensitive and reserved (a field cannot be called ``FROM``), as in SOQL.
AND and OR cannot be mixed at one level without parentheses (``a AND b OR c`` is a
MALFORMED_QUERY in Salesforce too). ``field IN (SELECT field FROM Object WHERE ...)`` semi-joins
(and anti-joins with NOT IN) are supported, one level deep. Relative date literals (``TODAY``, ``LAST_N_DAYS:7``) are
plain names here; the parser checks them against the known list.
"""

from __future__ import annotations

GRAMMAR = r"""
start: SELECT select_list FROM NAME where_clause? with_clause? group_clause? having_clause? order_clause? limit_clause? offset_clause?

select_list: select_item ("," select_item)*
?select_item: field_item
            | call_item
            | child_query
field_item: path NAME?
call_item: func_call NAME?
func_call: NAME "(" path? ")"
child_query: "(" SELECT select_list FROM NAME where_clause? order_clause? limit_clause? ")"
path: NAME ("." NAME)*
?operand: path
        | func_call

where_clause: WHERE condition
?condition: unary
          | and_cond
          | or_cond
and_cond: unary (AND unary)+
or_cond: unary (OR unary)+
?unary: not_cond
      | "(" condition ")"
      | comparison
not_cond: NOT unary

comparison: operand COMP_OP value             -> compare
          | operand LIKE value                -> like
          | operand IN "(" value_list ")"     -> in_list
          | operand NOT IN "(" value_list ")" -> not_in_list
          | operand IN "(" subquery ")"       -> in_subquery
          | operand NOT IN "(" subquery ")"   -> not_in_subquery
subquery: SELECT path FROM NAME where_clause?
value_list: value ("," value)*
?value: STRING      -> string
      | NUMBER      -> number
      | NULL        -> null
      | TRUE        -> true
      | FALSE       -> false
      | DATETIME    -> datetime
      | DATE        -> date
      | NAME (":" NUMBER)? -> date_literal

with_clause: WITH NAME
group_clause: GROUP BY path ("," path)*
having_clause: HAVING condition
order_clause: ORDER BY order_item ("," order_item)*
order_item: operand direction? nulls?
direction: ASC | DESC
nulls: NULLS (FIRST | LAST)
limit_clause: LIMIT NUMBER
offset_clause: OFFSET NUMBER

SELECT: "select"i
FROM: "from"i
WHERE: "where"i
AND: "and"i
OR: "or"i
NOT: "not"i
IN: "in"i
LIKE: "like"i
NULL: "null"i
TRUE: "true"i
FALSE: "false"i
ORDER: "order"i
WITH: "with"i
GROUP: "group"i
HAVING: "having"i
BY: "by"i
ASC: "asc"i
DESC: "desc"i
NULLS: "nulls"i
FIRST: "first"i
LAST: "last"i
LIMIT: "limit"i
OFFSET: "offset"i

COMP_OP: "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
NAME: /[a-z][a-z0-9_]*/i
STRING: /'(?:[^'\\]|\\.)*'/s
DATETIME.3: /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,3})?(?:Z|[+-][0-9]{2}:?[0-9]{2})/i
DATE.2: /[0-9]{4}-[0-9]{2}-[0-9]{2}/
NUMBER: /[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)/

%import common.WS
%ignore WS
"""
