"""Source text to tokens and comments, for the code scanner: code is matched on tokens, so
comments, docstrings and the inside of strings never look like code.

Two lexers, one output shape (:class:`Lexed`):

- Python goes through the standard library's :mod:`tokenize`. A string that forms a statement
  by itself (a docstring, or a bare string used as a comment) is left out; f-strings are one
  ``string`` token marked ``dynamic`` when they hold a ``{...}`` placeholder (Python 3.11's
  single STRING token and 3.12's FSTRING_START..FSTRING_END alike). Text that ``tokenize``
  cannot read (a syntax error) falls back to the C-like lexer with ``#`` comments.
- Apex, Java, JavaScript and TypeScript go through a small lexer of our own (no maintained,
  light Python package lexes Apex): ``//`` and ``/* */`` comments; ``'...'``, ``"..."``,
  Java/Python ``\"\"\"...\"\"\"`` text blocks and JS template literals (``dynamic`` when they
  hold ``${``) as strings; a ``/`` that starts a JS regular-expression literal (after an
  operator, a bracket or a keyword such as ``return``) is skipped as a regex, so quotes and
  slashes inside it do not derail the lexer.

A string token's ``value`` is its raw text between the quotes (escapes not decoded), so line
numbers inside multi-line strings can be counted from it.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

__all__ = ["Comment", "Lexed", "Token", "lex", "lex_c_like", "lex_python"]


@dataclass(frozen=True)
class Token:
    """``kind`` is ``name``, ``string``, ``number``, ``op`` or ``regex``; ``line`` is 1-based."""

    kind: str
    value: str
    line: int
    dynamic: bool = False  # a string with an interpolation (f-string, template literal)

    @property
    def lower(self) -> str:
        return self.value.lower()


@dataclass(frozen=True)
class Comment:
    text: str
    line: int  # first line
    end_line: int  # last line


@dataclass
class Lexed:
    tokens: list[Token] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


def lex(text: str, language: str) -> Lexed:
    """Tokens and comments of ``text`` in ``language`` (``python``, ``apex``, ``java``,
    ``javascript``, ``typescript``)."""
    if language == "python":
        return lex_python(text)
    return lex_c_like(text)


# --- Python ------------------------------------------------------------------------------

_SKIP = {tokenize.NL, tokenize.COMMENT, tokenize.ENCODING}
_STATEMENT_START = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
_PREFIX = re.compile(r"^([a-zA-Z]*)('''|\"\"\"|'|\")", re.DOTALL)
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


def _python_string(raw: str, line: int) -> Token:
    match = _PREFIX.match(raw)
    if not match:
        return Token("string", raw, line)
    prefix, quote = match.groups()
    body = raw[match.end() : len(raw) - len(quote)] if raw.endswith(quote) else raw[match.end() :]
    dynamic = "f" in prefix.lower() and "{" in body
    return Token("string", body, line, dynamic)


def lex_python(text: str) -> Lexed:
    out = Lexed()
    try:
        raw_tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return lex_c_like(text, hash_comments=True)
    pending: list[tuple[Token, bool]] = []  # (token, starts a statement)
    previous: int | None = None  # type of the last significant token
    i = 0
    while i < len(raw_tokens):
        tok = raw_tokens[i]
        if tok.type == tokenize.COMMENT:
            out.comments.append(Comment(tok.string.lstrip("#"), tok.start[0], tok.start[0]))
        if tok.type in _SKIP or tok.type == tokenize.ENDMARKER:
            i += 1
            continue
        starts = previous is None or previous in _STATEMENT_START
        if _FSTRING_START is not None and tok.type == _FSTRING_START:
            j, depth = i + 1, 1
            while j < len(raw_tokens) and depth:
                depth += raw_tokens[j].type == _FSTRING_START
                depth -= raw_tokens[j].type == _FSTRING_END
                j += 1
            raw = text_between(text, tok.start, raw_tokens[j - 1].end)
            pending.append((_python_string(raw, tok.start[0]), starts))
            previous, i = tokenize.STRING, j
            continue
        if tok.type == tokenize.STRING:
            pending.append((_python_string(tok.string, tok.start[0]), starts))
        elif tok.type == tokenize.NAME:
            pending.append((Token("name", tok.string, tok.start[0]), False))
        elif tok.type == tokenize.NUMBER:
            pending.append((Token("number", tok.string, tok.start[0]), False))
        elif tok.type == tokenize.OP:
            pending.append((Token("op", tok.string, tok.start[0]), False))
        elif tok.type == tokenize.NEWLINE:
            out.tokens.extend(_drop_bare_strings(pending))
            pending = []
        previous = tok.type
        i += 1
    out.tokens.extend(_drop_bare_strings(pending))
    return out


def text_between(text: str, start: tuple[int, int], end: tuple[int, int]) -> str:
    """The source text from ``start`` to ``end`` (tokenize's (line, column) positions)."""
    lines = text.splitlines(keepends=True)
    if start[0] == end[0]:
        return lines[start[0] - 1][start[1] : end[1]]
    parts = [lines[start[0] - 1][start[1] :], *lines[start[0] : end[0] - 1]]
    return "".join(parts) + lines[end[0] - 1][: end[1]]


def _drop_bare_strings(statement: list[tuple[Token, bool]]) -> list[Token]:
    """A logical line made only of strings (a docstring, or adjacent string literals alone)
    is documentation, not code."""
    if statement and statement[0][1] and all(t.kind == "string" for t, _ in statement):
        return []
    return [t for t, _ in statement]


# --- Apex / Java / JavaScript / TypeScript -------------------------------------------------

_NAME = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"\d[\w.]*")
_OPS = ("===", "!==", "=>", "==", "!=", "<=", ">=", "&&", "||", "?.", "??", "++", "--", "+=")
_REGEX_AFTER_NAMES = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete"}


def _regex_allowed(tokens: list[Token]) -> bool:
    if not tokens:
        return True
    last = tokens[-1]
    if last.kind == "op":
        return last.value not in (")", "]", "}")
    return last.kind == "name" and last.value in _REGEX_AFTER_NAMES


def _skip_regex(text: str, i: int) -> int:
    """The index after a JS regex literal starting at ``text[i] == '/'`` (or ``i + 1`` when
    it does not close on its line: then it was a division after all)."""
    j, in_class = i + 1, False
    while j < len(text) and text[j] != "\n":
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            j += 1
            while j < len(text) and (text[j].isalpha()):
                j += 1
            return j
        j += 1
    return i + 1


def _string_end(text: str, i: int, quote: str) -> int:
    """The index after the string whose opening quote(s) end just before ``i``."""
    if len(quote) == 3:
        end = text.find(quote, i)
        return len(text) if end < 0 else end + 3
    j = i
    while j < len(text):
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == quote:
            return j + 1
        if ch == "\n" and quote != "`":
            return j  # unterminated: stop at the line end
        j += 1
    return len(text)


def lex_c_like(text: str, *, hash_comments: bool = False) -> Lexed:
    out = Lexed()
    i, line, n = 0, 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch.isspace():
            i += 1
        elif text.startswith("//", i) or (hash_comments and ch == "#"):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.comments.append(Comment(text[i:end].lstrip("/#"), line, line))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            body = text[i:end]
            out.comments.append(Comment(body[2:-2], line, line + body.count("\n")))
            line += body.count("\n")
            i = end
        elif ch in "'\"`":
            quote = text[i : i + 3] if text.startswith(ch * 3, i) and ch != "`" else ch
            start = i + len(quote)
            end = _string_end(text, start, quote)
            body = text[start : max(start, end - len(quote))]
            dynamic = quote == "`" and "${" in body
            out.tokens.append(Token("string", body, line, dynamic))
            line += text.count("\n", i, end)
            i = end
        elif ch == "/" and not hash_comments and _regex_allowed(out.tokens):
            end = _skip_regex(text, i)
            out.tokens.append(Token("regex" if end > i + 1 else "op", text[i:end], line))
            i = end
        else:
            match = _NAME.match(text, i) or _NUMBER.match(text, i)
            if match:
                kind = "name" if match.re is _NAME else "number"
                out.tokens.append(Token(kind, match.group(), line))
                i = match.end()
                continue
            op = next((o for o in _OPS if text.startswith(o, i)), ch)
            out.tokens.append(Token("op", op, line))
            i += len(op)
    return out
