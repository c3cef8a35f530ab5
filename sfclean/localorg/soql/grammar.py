"""The SOQL subset localorg understands, as a Lark LALR grammar.

Keywords are case-insensitive and reserved (a field cannot be called ``FROM``), as in SOQL.
AND and OR cannot be mixed at one level without parentheses (``a AND b OR c`` is a
MALFORMED_QUERY in Salesforce too). ``field IN (SELECT field FROM Object WHERE ...)`` semi-joins
(and anti-joins with NOT IN) are supported, one level deep. Relative date literals (``TODAY``, ``LAST_N_DAYS:7``) are
plain names here; the parser checks them against the known list.
"""

from __future__ import annotations

GRAMMAR = r"""
start: SELECT select_list FROM NAME where_clause? order_clause? limit_clause? offset_clause?

select_list: select_item ("," select_item)*
?select_item: path
            | count_call
count_call: NAME "(" path? ")"
path: NAME ("." NAME)*

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

comparison: path COMP_OP value             -> compare
          | path LIKE value                -> like
          | path IN "(" value_list ")"     -> in_list
          | path NOT IN "(" value_list ")" -> not_in_list
          | path IN "(" subquery ")"       -> in_subquery
          | path NOT IN "(" subquery ")"   -> not_in_subquery
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

order_clause: ORDER BY order_item ("," order_item)*
order_item: path direction? nulls?
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
