"""SOQL parser: the grammar, MALFORMED_QUERY errors, string escapes, date literal ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.localorg.soql import ast, parse, soql_quote
from sfclean.localorg.soql.dates import date_literal_range, format_datetime, parse_datetime
from sfclean.localorg.soql.strings import InvalidEscape, decode_string
from sfclean.localorg.types import SfFault


def _where_value(text: str) -> ast.Literal:
    where = parse(text).where
    assert isinstance(where, (ast.Compare, ast.Like))
    return where.value


# --- valid queries ----------------------------------------------------------------------------


def test_full_query_shape() -> None:
    q = parse(
        "select Id, CreatedBy.Name FROM lead where (Email = 'a' or Email like 'b%') "
        "and not IsConverted = true order by Name desc nulls last, Id limit 10 offset 5"
    )
    assert [p.parts for p in q.select if isinstance(p, ast.Path)] == [
        ("Id",),
        ("CreatedBy", "Name"),
    ]
    assert q.object_name == "lead"
    assert isinstance(q.where, ast.And)
    first, second = q.where.items
    assert isinstance(first, ast.Or) and len(first.items) == 2
    assert isinstance(second, ast.Not) and isinstance(second.item, ast.Compare)
    assert q.order_by == (
        ast.OrderItem(q.order_by[0].path, descending=True, nulls_first=False),
        ast.OrderItem(q.order_by[1].path, descending=False, nulls_first=None),
    )
    assert (q.limit, q.offset) == (10, 5)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("SELECT Id FROM Lead WHERE Name = 'x'", "string", "x"),
        ("SELECT Id FROM Lead WHERE Name = ''", "string", ""),
        ("SELECT Id FROM Lead WHERE N = 42", "number", 42),
        ("SELECT Id FROM Lead WHERE N = -1.5", "number", -1.5),
        ("SELECT Id FROM Lead WHERE N = null", "null", None),
        ("SELECT Id FROM Lead WHERE N = NULL", "null", None),
        ("SELECT Id FROM Lead WHERE B = TRUE", "boolean", True),
        ("SELECT Id FROM Lead WHERE B = false", "boolean", False),
        ("SELECT Id FROM Lead WHERE D = 2024-01-31", "date", date(2024, 1, 31)),
        (
            "SELECT Id FROM Lead WHERE D > 2024-01-31T00:00:00Z",
            "datetime",
            datetime(2024, 1, 31, tzinfo=UTC),
        ),
        (
            "SELECT Id FROM Lead WHERE D > 2024-01-31T01:30:00+01:30",
            "datetime",
            datetime(2024, 1, 31, tzinfo=UTC),
        ),
        (
            "SELECT Id FROM Lead WHERE D > 2024-01-30T16:00:00-08:00",
            "datetime",
            datetime(2024, 1, 31, tzinfo=UTC),
        ),
        ("SELECT Id FROM Lead WHERE D = today", "date_literal", ("TODAY", None)),
        ("SELECT Id FROM Lead WHERE D = LAST_N_DAYS:30", "date_literal", ("LAST_N_DAYS", 30)),
        ("SELECT Id FROM Lead WHERE D = n_days_ago:3", "date_literal", ("N_DAYS_AGO", 3)),
    ],
)
def test_literals(text: str, kind: str, value: object) -> None:
    lit = _where_value(text)
    assert (lit.kind, lit.value) == (kind, value)


@pytest.mark.parametrize(
    ("text", "op"),
    [("=", "="), ("!=", "!="), ("<>", "!="), ("<", "<"), (">", ">"), ("<=", "<="), (">=", ">=")],
)
def test_comparison_operators(text: str, op: str) -> None:
    where = parse(f"SELECT Id FROM Lead WHERE Name {text} 'x'").where
    assert isinstance(where, ast.Compare) and where.op == op


def test_in_and_not_in_lists() -> None:
    where = parse("SELECT Id FROM Lead WHERE Email NOT IN ('a', 'b', null)").where
    assert isinstance(where, ast.InList) and where.negated
    assert [v.value for v in where.values] == ["a", "b", None]
    values = ", ".join(soql_quote(f"user{i}@example.com") for i in range(1000))
    big = parse(f"SELECT Id FROM Lead WHERE Email IN ({values})").where
    assert isinstance(big, ast.InList) and not big.negated and len(big.values) == 1000


def test_count_forms_and_positions() -> None:
    q = parse("SELECT COUNT() FROM Lead")
    assert q.is_count
    q2 = parse("SELECT count(Id) FROM Lead")
    assert not q2.is_count and isinstance(q2.select[0], ast.Count)
    q3 = parse("SELECT Id,\n  Email FROM Lead")
    assert [(p.line, p.column) for p in q3.select] == [(1, 8), (2, 3)]


def test_semi_join_subquery() -> None:
    where = parse(
        "SELECT Id FROM User WHERE Id NOT IN (SELECT AssigneeId FROM PermissionSetAssignment "
        "WHERE PermissionSet.Name = 'x')"
    ).where
    assert isinstance(where, ast.SemiJoin) and where.negated
    assert where.query.object_name == "PermissionSetAssignment"
    assert isinstance(where.query.where, ast.Compare)


def test_nested_parentheses() -> None:
    where = parse("SELECT Id FROM Lead WHERE ((A = 1 AND (B = 2 OR C = 3)) OR NOT (D = 4))").where
    assert isinstance(where, ast.Or)
    assert isinstance(where.items[0], ast.And) and isinstance(where.items[1], ast.Not)


# --- malformed queries --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT Id FORM Lead", "unexpected token: 'FORM'"),
        ("SELECT Id FROM", "unexpected token: <EOF>"),
        ("", "unexpected token: <EOF>"),
        ("SELECT FROM Lead", "unexpected token: 'FROM'"),
        ("SELECT Id, FROM Lead", "unexpected token: 'FROM'"),
        ("SELECT Id FROM Lead WHERE", "unexpected token: <EOF>"),
        ("SELECT Id FROM Lead WHERE Name", "unexpected token: <EOF>"),
        ("SELECT Id FROM Lead WHERE Name = ", "unexpected token: <EOF>"),
        ("SELECT Id FROM Lead WHERE Name == 'x'", "unexpected token: '='"),
        ("SELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3", "unexpected token: 'OR'"),
        ("SELECT Id FROM Lead WHERE A = 1 OR B = 2 AND C = 3", "unexpected token: 'AND'"),
        ("SELECT Id FROM Lead WHERE (A = 1", "unexpected token: <EOF>"),
        ("SELECT Id FROM Lead WHERE A IN ()", "unexpected token: ')'"),
        ("SELECT Id FROM Lead WHERE A = 'x", "mismatched character '<EOF>' expecting '''"),
        ("SELECT Id FROM Lead WHERE A = 'a\\q'", "Illegal character sequence '\\q'"),
        ("SELECT Id FROM Lead WHERE A = 'a\\u12'", "Illegal character sequence '\\u'"),
        ("SELECT Id FROM Lead WHERE D = FOO", "unexpected token: 'FOO'"),
        ("SELECT Id FROM Lead WHERE D = LAST_N_DAYS", "unexpected token: 'LAST_N_DAYS'"),
        ("SELECT Id FROM Lead WHERE D = TODAY:3", "unexpected token: 'TODAY'"),
        ("SELECT Id FROM Lead WHERE D = LAST_N_DAYS:1.5", "unexpected token: '1.5'"),
        ("SELECT Id FROM Lead WHERE D = 2024-02-30", "unexpected token: '2024-02-30'"),
        ("SELECT Id FROM Lead WHERE D = 2024-01-01T25:00:00Z", "unexpected token: '2024-01-01T25"),
        ("SELECT Id FROM Lead LIMIT -1", "unexpected token: '-1'"),
        ("SELECT Id FROM Lead LIMIT 1.5", "unexpected token: '1.5'"),
        ("SELECT Id FROM Lead LIMIT", "unexpected token: <EOF>"),
        ("SELECT Id FROM Lead LIMIT \u0661", "unexpected token: '\u0661'"),
        ("SELECT Id FROM Lead OFFSET 5 LIMIT 1", "unexpected token: 'LIMIT'"),
        ("SELECT Id FROM Lead ORDER Name", "unexpected token: 'Name'"),
        ("SELECT Id FROM Lead ORDER BY Name NULLS", "unexpected token: <EOF>"),
        ("SELECT COUNT(), Id FROM Lead", "COUNT() can only be used alone"),
        ("SELECT MAXX(Id) FROM Lead", "unexpected token: 'MAXX'"),
        ("SELECT MAX() FROM Lead", "unexpected token: ')'"),
        ("SELECT FIELDS(NONE) FROM Lead", "unexpected token: 'FIELDS'"),
        ("SELECT Id FROM Lead WITH NOTHING", "unexpected token: 'NOTHING'"),
        ("SELECT Id FROM Lead WHERE COUNT(Id) LIKE 'x'", "unexpected token: 'COUNT'"),
        ("SELECT Id FROM Lead WHERE Name = 'x' garbage", "unexpected token: 'garbage'"),
        ("SELECT Id FROM Lead WHERE Name = 'x' #", "unexpected token: '#'"),
        ("SELECT Id FROM Lead.Foo", "unexpected token: '.'"),
        ("SELECT Id. FROM Lead", "unexpected token: 'FROM'"),
        ("SELECT Id FROM User WHERE Id IN (SELECT Id, Name FROM User)", "unexpected token: ','"),
        (
            "SELECT Id FROM User WHERE Id IN (SELECT Id FROM User LIMIT 1)",
            "unexpected token: 'LIMIT'",
        ),
    ],
)
def test_malformed_queries(text: str, message: str) -> None:
    with pytest.raises(SfFault) as info:
        parse(text)
    assert info.value.status_code == "MALFORMED_QUERY"
    assert info.value.http_status == 400
    assert message in info.value.message


def test_malformed_message_points_at_the_token() -> None:
    with pytest.raises(SfFault) as info:
        parse("SELECT Id FORM Lead")
    assert info.value.message == (
        "\nSELECT Id FORM Lead\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FORM'"
    )
    with pytest.raises(SfFault) as info:
        parse("SELECT Id\nFROM Lead\nWHERE Name = 'x' LIMT 5")
    assert "ERROR at Row:3:Column:18\n" in info.value.message
    assert info.value.message.startswith("\nWHERE Name = 'x' LIMT 5\n                 ^\n")


def test_query_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(SfFault) as info:
        parse("SELECT Id FROM Lead WHERE Name = '" + "x" * 100_000 + "'")
    assert info.value.status_code == "MALFORMED_QUERY"


# --- strings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "value", "like"),
    [
        ("plain", "plain", "plain"),
        ("o\\'brien", "o'brien", "o'brien"),
        ('say \\"hi\\"', 'say "hi"', 'say "hi"'),
        ("back\\\\slash", "back\\slash", "back\\\\slash"),
        ("a\\nb\\rc\\td\\be\\ff", "a\nb\rc\td\be\ff", "a\nb\rc\td\be\ff"),
        ("\\u00e9t\\u00E9", "été", "été"),
        ("50%_off", "50%_off", "50%_off"),
        ("50\\%\\_off", "50\\%\\_off", "50\\%\\_off"),
        ("\\u0025", "%", "\\%"),
        ("raw\nnewline", "raw\nnewline", "raw\nnewline"),
    ],
)
def test_decode_string(body: str, value: str, like: str) -> None:
    assert decode_string(body) == (value, like)


@pytest.mark.parametrize("body", ["\\q", "\\", "abc\\", "\\u12", "\\uZZZZ", "\\x41"])
def test_decode_string_rejects_unknown_escapes(body: str) -> None:
    with pytest.raises(InvalidEscape):
        decode_string(body)


@pytest.mark.parametrize(
    ("value", "like", "quoted"),
    [
        ("o'brien@x.com", False, "'o\\'brien@x.com'"),
        ("a\\b", False, "'a\\\\b'"),
        ('q"\n\t', False, "'q\\\"\\n\\t'"),
        ("50%_off", False, "'50%_off'"),
        ("50%_off", True, "'50\\%\\_off'"),
    ],
)
def test_soql_quote(value: str, like: bool, quoted: str) -> None:
    assert soql_quote(value, like=like) == quoted


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_string_survives_quoting(value: str) -> None:
    lit = _where_value(f"SELECT Id FROM Lead WHERE Email = {soql_quote(value)}")
    assert lit.kind == "string" and lit.value == value


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_like_quoting_matches_literally(value: str) -> None:
    lit = _where_value(f"SELECT Id FROM Lead WHERE Email LIKE {soql_quote(value, like=True)}")
    # the pattern has no unescaped wildcard: every % and _ is preceded by the escape character
    pattern = lit.like or ""
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        assert pattern[i] not in "%_"
        i += 1


# --- dates ------------------------------------------------------------------------------------------

NOW = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)  # a Thursday


@pytest.mark.parametrize(
    ("name", "n", "start", "end"),
    [
        ("TODAY", None, date(2024, 2, 1), date(2024, 2, 2)),
        ("YESTERDAY", None, date(2024, 1, 31), date(2024, 2, 1)),
        ("TOMORROW", None, date(2024, 2, 2), date(2024, 2, 3)),
        ("THIS_WEEK", None, date(2024, 1, 28), date(2024, 2, 4)),
        ("LAST_WEEK", None, date(2024, 1, 21), date(2024, 1, 28)),
        ("NEXT_WEEK", None, date(2024, 2, 4), date(2024, 2, 11)),
        ("THIS_MONTH", None, date(2024, 2, 1), date(2024, 3, 1)),
        ("LAST_MONTH", None, date(2024, 1, 1), date(2024, 2, 1)),
        ("NEXT_MONTH", None, date(2024, 3, 1), date(2024, 4, 1)),
        ("THIS_QUARTER", None, date(2024, 1, 1), date(2024, 4, 1)),
        ("LAST_QUARTER", None, date(2023, 10, 1), date(2024, 1, 1)),
        ("THIS_YEAR", None, date(2024, 1, 1), date(2025, 1, 1)),
        ("LAST_YEAR", None, date(2023, 1, 1), date(2024, 1, 1)),
        ("LAST_90_DAYS", None, date(2023, 11, 3), date(2024, 2, 2)),
        ("NEXT_90_DAYS", None, date(2024, 2, 2), date(2024, 5, 2)),
        ("LAST_N_DAYS", 1, date(2024, 1, 31), date(2024, 2, 2)),
        ("LAST_N_DAYS", 30, date(2024, 1, 2), date(2024, 2, 2)),
        ("NEXT_N_DAYS", 2, date(2024, 2, 2), date(2024, 2, 4)),
        ("N_DAYS_AGO", 3, date(2024, 1, 29), date(2024, 1, 30)),
        ("LAST_N_WEEKS", 2, date(2024, 1, 14), date(2024, 1, 28)),
        ("N_WEEKS_AGO", 1, date(2024, 1, 21), date(2024, 1, 28)),
        ("LAST_N_MONTHS", 2, date(2023, 12, 1), date(2024, 2, 1)),
        ("NEXT_N_MONTHS", 1, date(2024, 3, 1), date(2024, 4, 1)),
        ("N_MONTHS_AGO", 2, date(2023, 12, 1), date(2024, 1, 1)),
        ("LAST_N_YEARS", 1, date(2023, 1, 1), date(2024, 1, 1)),
        ("N_YEARS_AGO", 2, date(2022, 1, 1), date(2023, 1, 1)),
    ],
)
def test_date_literal_ranges(name: str, n: int | None, start: date, end: date) -> None:
    assert date_literal_range(name, n, NOW) == (start, end)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2024-01-31T09:30:00Z", "2024-01-31T09:30:00.000+0000"),
        ("2024-01-31T09:30:00.5Z", "2024-01-31T09:30:00.500+0000"),
        ("2024-01-31T00:30:00+01:00", "2024-01-30T23:30:00.000+0000"),
        ("2024-12-31T23:30:00-0100", "2025-01-01T00:30:00.000+0000"),
    ],
)
def test_datetime_literals_in_store_format(text: str, stored: str) -> None:
    assert format_datetime(parse_datetime(text)) == stored


def test_parse_is_thread_safe() -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [
        f"SELECT Id, Email FROM Lead WHERE Email IN ({', '.join(soql_quote(f'u{i}.{j}@x.com') for j in range(50))})"
        for i in range(16)
    ]
    expected = [parse(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(parse, texts * 4)) == expected * 4
