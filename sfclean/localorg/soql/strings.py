"""SOQL string literals: decoding escapes, and quoting Python strings safely.

Documented escapes (SOQL "Quoted String Escape Sequences"): ``\\'`` ``\\"`` ``\\\\`` ``\\n``
``\\r`` ``\\t`` ``\\b`` ``\\f`` ``\\uXXXX``, plus ``\\%`` and ``\\_`` which make LIKE match a
literal percent sign or underscore. Any other backslash sequence is a MALFORMED_QUERY.

Outside LIKE, ``\\%`` and ``\\_`` keep their backslash (``Name = 'a\\_b'`` compares with the
four characters ``a\\_b``); this follows the documentation, which gives them meaning only in
LIKE.

Quoting is the client's job: :func:`soql_quote` (for tests and notebooks writing queries to
this org) is the product's :func:`sfclean.stages.lookup.soql_literal` plus LIKE escapes, so the
parser here checks the one escaping table sfclean sends to Salesforce.
"""

from __future__ import annotations

__all__ = ["InvalidEscape", "decode_string", "soql_quote"]

_SIMPLE = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_HEX = frozenset("0123456789abcdefABCDEF")


class InvalidEscape(ValueError):
    """A backslash sequence SOQL does not define; ``sequence`` is the offending text."""

    def __init__(self, sequence: str) -> None:
        super().__init__(sequence)
        self.sequence = sequence


def _like_literal(ch: str) -> str:
    """``ch`` as a literal character in a SQLite LIKE pattern with ``ESCAPE '\\'``."""
    return "\\" + ch if ch in "%_\\" else ch


def decode_string(body: str) -> tuple[str, str]:
    """Decode the inside of a quoted literal; return ``(value, like_pattern)``.

    ``like_pattern`` is the SQLite LIKE pattern (escape character backslash) that the literal
    means when it is the right-hand side of LIKE: unescaped ``%``/``_`` are wildcards, every
    other character (escaped ``\\%``/``\\_`` included) matches itself.
    """
    value: list[str] = []
    like: list[str] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            value.append(ch)
            like.append(ch if ch in "%_" else _like_literal(ch))
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < n else ""
        if nxt in _SIMPLE and nxt:
            decoded = _SIMPLE[nxt]
            value.append(decoded)
            like.append(_like_literal(decoded))
            i += 2
        elif nxt in ("%", "_"):
            value.append("\\" + nxt)
            like.append("\\" + nxt)
            i += 2
        elif nxt == "u" and len(body) >= i + 6 and all(c in _HEX for c in body[i + 2 : i + 6]):
            decoded = chr(int(body[i + 2 : i + 6], 16))
            value.append(decoded)
            like.append(_like_literal(decoded))
            i += 6
        else:
            raise InvalidEscape(body[i : i + 2])
    return "".join(value), "".join(like)


def soql_quote(value: str, *, like: bool = False) -> str:
    """``value`` as a SOQL string literal, quotes included: ``O'Brien`` -> ``'O\\'Brien'``.

    With ``like=True`` the result matches ``value`` literally in a LIKE pattern (``%`` and
    ``_`` are escaped); add your own unescaped ``%`` around it for contains/starts-with.
    """
    # Imported here: sfclean.lookup brings pandas and the Salesforce clients, which the
    # server (it imports this module to parse queries) must not load at startup.
    from sfclean.stages.lookup import soql_literal

    quoted = soql_literal(value)
    # The escapes soql_literal writes never contain % or _, so these are the value's own.
    return quoted.replace("%", "\\%").replace("_", "\\_") if like else quoted
