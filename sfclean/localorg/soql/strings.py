"""SOQL string literals: decoding escapes, and quoting Python strings safely.

Written from Salesforce's "Quoted String Escape Sequences" page (SOQL and SOSL Reference),
not from sfclean's own quoting: the stand-in checks the product, so it must not share its
code. The page's table, as :data:`ESCAPES` holds it:

    \\n or \\N   new line            \\"          one double quote
    \\r or \\R   carriage return     \\'          one single quote
    \\t or \\T   tab                 \\\\          one backslash
    \\b or \\B   backspace (*)       \\uXXXX      the character with hex code XXXX
    \\f or \\F   form feed           \\_ and \\%   LIKE only: a literal _ or %

"If you use a backslash character in any other context, an error occurs": any other backslash
sequence is a MALFORMED_QUERY here (:class:`InvalidEscape`).

(*) The English table says "Bell" for ``\\b``; its translations say backspace, as Java (and
every client's escaping) does. localorg decodes ``\\b`` as backspace, U+0008; which one a real
org uses is UNCONFIRMED.

Outside LIKE, ``\\%`` and ``\\_`` keep their backslash (``Name = 'a\\_b'`` compares with the
four characters ``a\\_b``): the page gives them a meaning only in LIKE.

:func:`soql_quote` is the inverse for tests and notebooks writing queries to this org; the
product's own quoting (``sfclean.stages.lookup.soql_literal``) is checked against
:func:`decode_string` by a property test, never called from here.
"""

from __future__ import annotations

import re

__all__ = ["ESCAPES", "InvalidEscape", "decode_string", "soql_quote"]

#: The character after a backslash -> the character the sequence stands for.
ESCAPES: dict[str, str] = {
    "n": "\n",
    "N": "\n",
    "r": "\r",
    "R": "\r",
    "t": "\t",
    "T": "\t",
    "b": "\b",
    "B": "\b",
    "f": "\f",
    "F": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}

#: Escapes that mean a literal wildcard character in LIKE (and keep their backslash elsewhere).
_LIKE_ONLY = frozenset("%_")

# One piece of a literal's body: a \uXXXX escape, any other backslash pair, a lone trailing
# backslash, or a run of plain characters.
_PIECE = re.compile(r"\\u[0-9A-Fa-f]{4}|\\.|\\\Z|[^\\]+", re.DOTALL)

# Quoting: each character that needs an escape -> its lower-case sequence from ESCAPES.
_QUOTED: dict[str, str] = {char: "\\" + seq for seq, char in ESCAPES.items() if not seq.isupper()}
_QUOTE = str.maketrans(_QUOTED)
_QUOTE_LIKE = str.maketrans({**_QUOTED, **{char: "\\" + char for char in _LIKE_ONLY}})


class InvalidEscape(ValueError):
    """A backslash sequence SOQL does not define; ``sequence`` is the offending text."""

    def __init__(self, sequence: str) -> None:
        super().__init__(sequence)
        self.sequence = sequence


def _like_literal(char: str) -> str:
    """``char`` matching only itself in a SQLite LIKE pattern written with ``ESCAPE '\\'``."""
    return "\\" + char if char in "%_\\" else char


def decode_string(body: str) -> tuple[str, str]:
    """Decode the inside of a quoted literal; return ``(value, like_pattern)``.

    ``like_pattern`` is the SQLite LIKE pattern (escape character backslash) that the literal
    means when it is the right-hand side of LIKE: unescaped ``%``/``_`` are wildcards, every
    other character (escaped ``\\%``/``\\_`` included) matches itself. Raises
    :class:`InvalidEscape` for a backslash sequence the documentation does not list.
    """
    value: list[str] = []
    like: list[str] = []
    for match in _PIECE.finditer(body):
        piece = match.group()
        if piece[0] != "\\":  # plain text: has no backslash, so it is its own LIKE pattern
            value.append(piece)
            like.append(piece)
        elif len(piece) == 6:  # \uXXXX
            char = chr(int(piece[2:], 16))
            value.append(char)
            like.append(_like_literal(char))
        elif piece[1:] in ESCAPES:
            char = ESCAPES[piece[1:]]
            value.append(char)
            like.append(_like_literal(char))
        elif piece[1:] in _LIKE_ONLY:
            value.append(piece)
            like.append(piece)
        else:
            raise InvalidEscape(piece)
    return "".join(value), "".join(like)


def soql_quote(value: str, *, like: bool = False) -> str:
    """``value`` as a SOQL string literal, quotes included: ``O'Brien`` -> ``'O\\'Brien'``.

    With ``like=True`` the result matches ``value`` literally in a LIKE pattern (``%`` and
    ``_`` are escaped); add your own unescaped ``%`` around it for contains/starts-with.
    """
    return "'" + value.translate(_QUOTE_LIKE if like else _QUOTE) + "'"
