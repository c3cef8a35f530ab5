"""localorg's SOQL string literals, against Salesforce's escape table and the product's quoting.

localorg decodes literals with its own code, written from the "Quoted String Escape
Sequences" page; these tests pin that table, then check that what sfclean itself sends
(``sfclean.stages.lookup.soql_literal``) decodes to the string it meant, so the stand-in checks
the product's escaping instead of repeating it.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.localorg.soql import ast, parse, soql_quote
from sfclean.localorg.soql.strings import ESCAPES, InvalidEscape, decode_string
from sfclean.localorg.types import SfFault
from sfclean.stages.lookup import soql_literal

# The documentation's table: sequence as written in a query -> the character it stands for.
DOCUMENTED = [
    ("\\n", "\n"),
    ("\\N", "\n"),
    ("\\r", "\r"),
    ("\\R", "\r"),
    ("\\t", "\t"),
    ("\\T", "\t"),
    ("\\b", "\b"),
    ("\\B", "\b"),
    ("\\f", "\f"),
    ("\\F", "\f"),
    ('\\"', '"'),
    ("\\'", "'"),
    ("\\\\", "\\"),
    ("\\u00e9", "é"),
    ("\\u00E9", "é"),
    ("\\u0041", "A"),
]


@pytest.mark.parametrize(("sequence", "char"), DOCUMENTED)
def test_every_documented_escape_decodes(sequence: str, char: str) -> None:
    like = "\\\\" if char == "\\" else char  # in a LIKE pattern a backslash is escaped
    assert decode_string(f"a{sequence}z") == (f"a{char}z", f"a{like}z")


def test_the_table_is_exactly_the_documented_single_character_escapes() -> None:
    assert {f"\\{seq}": char for seq, char in ESCAPES.items()} == {
        seq: char for seq, char in DOCUMENTED if not seq.startswith("\\u")
    }


@pytest.mark.parametrize(
    ("body", "value", "like"),
    [
        ("Ter%", "Ter%", "Ter%"),  # the page's examples: a wildcard,
        ("Ter\\%", "Ter\\%", "Ter\\%"),  # a literal percent sign,
        ("Ter\\%%", "Ter\\%%", "Ter\\%%"),  # a literal percent sign then a wildcard
        ("a\\_b", "a\\_b", "a\\_b"),  # outside LIKE the backslash stays
        ("\\u005f", "_", "\\_"),  # an underscore written as \u005f is not a wildcard
    ],
)
def test_like_escapes(body: str, value: str, like: str) -> None:
    assert decode_string(body) == (value, like)


@pytest.mark.parametrize(
    "body", ["\\a", "\\x41", "\\0", "\\u", "\\u00", "\\u00G1", "\\U00e9", "end\\", "\\\n", "\\ "]
)
def test_any_other_backslash_is_an_error(body: str) -> None:
    with pytest.raises(InvalidEscape) as info:
        decode_string(body)
    assert info.value.sequence.startswith("\\")


def test_a_bad_escape_is_a_malformed_query_naming_the_sequence() -> None:
    with pytest.raises(SfFault) as info:
        parse("SELECT Id FROM Lead WHERE Email = 'a\\qb'")
    assert info.value.status_code == "MALFORMED_QUERY"
    assert "'\\q'" in info.value.message


@pytest.mark.parametrize(
    ("value", "like", "quoted"),
    [
        ("O'Brien", False, "'O\\'Brien'"),
        ('a"b\\c', False, "'a\\\"b\\\\c'"),
        ("\n\r\t\b\f", False, "'\\n\\r\\t\\b\\f'"),
        ("50%_off", False, "'50%_off'"),
        ("50%_off", True, "'50\\%\\_off'"),
        ("é\x07", False, "'é\x07'"),  # not in the table: written as itself
    ],
)
def test_soql_quote(value: str, like: bool, quoted: str) -> None:
    assert soql_quote(value, like=like) == quoted


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_the_products_soql_literal_round_trips_through_localorgs_parser(value: str) -> None:
    literal = soql_literal(value)
    assert literal[0] == literal[-1] == "'"
    assert decode_string(literal[1:-1])[0] == value
    # and through the whole query parser, as the org receives it
    where = parse(f"SELECT Id FROM Lead WHERE Email = {literal}").where
    assert isinstance(where, ast.Compare) and where.value.value == value


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_soql_quote_round_trips(value: str) -> None:
    assert decode_string(soql_quote(value)[1:-1])[0] == value


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00")),
    st.sampled_from(["", "x"]),
)
def test_a_like_quoted_value_matches_only_itself(value: str, suffix: str) -> None:
    _, pattern = decode_string(soql_quote(value, like=True)[1:-1])
    conn = sqlite3.connect(":memory:")
    try:
        (matched,) = conn.execute(
            "SELECT ? LIKE ? ESCAPE '\\'", (value + suffix, pattern)
        ).fetchone()
    finally:
        conn.close()
    assert matched == (suffix == "")
