"""Cleaning many distinct phone cells of one region at once, column-wise.

:func:`clean_phone_column` gives the same answers as :func:`sfclean.cleaners.phones.clean_phone`
for every cell, as parallel arrays. Why: at a million rows the per-cell Python work of even the
fast path (:mod:`sfclean.cleaners.phonefast`) dominated the normalize stage. Here the common
case costs a regular-expression scan over cells joined by newlines:

1. an extension (``x12``, ``ext. 204``, ``#3``, ``;ext=5``) is split off with phonenumbers'
   own extension grammar, exactly where parse splits it (:func:`_split_extensions`), and put
   back after the number as ``;ext=N``;
2. separators (``space ( ) . - /``) are deleted from all cells in one ``bytes.translate``;
   a region's own plain international prefix (``00``, ``011``) before a digit other than
   ``0`` becomes ``+`` (parse reads it so);
3. the cells are grouped by their start (national digits, or ``+`` and one country code) and
   length; per group, one multi-line expression (built from the same per-length patterns
   the fast path uses: :func:`~sfclean.cleaners.phonefast.national_direct`,
   :func:`~sfclean.cleaners.phonefast.international_table` and the prefixes parse strips,
   :func:`~sfclean.cleaners.phonefast.national_prefixed` and
   :func:`~sfclean.cleaners.phonefast.international_prefixed`) reads, per line, the number
   the fast path accepts, or nothing; ``re.findall`` returns one answer per cell without a
   Python loop. The expressions depend only on (region, length) or (country code, length),
   so each is compiled once per process, whatever the column holds;
4. every cell the expression does not accept, or that may be spreadsheet damage (a ``.`` and a
   trailing ``0``), goes through ``clean_phone`` one by one.

``tests/test_cleaners_phones.py`` proves with hypothesis that the result equals ``clean_phone``
cell by cell (which ``tests/test_cleaners_phonefast.py`` proves equal to phonenumbers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from phonenumbers import phonenumberutil

from sfclean.cleaners.lines import CellColumn, Lines, byte_table, join_lines
from sfclean.cleaners.phonefast import (
    country_code_prefix,
    idd_literal,
    international_prefixed,
    international_table,
    national_direct,
    national_prefixed,
)
from sfclean.cleaners.phones import clean_phone
from sfclean.codes import PHONE_FORMATTED, WHITESPACE_TRIMMED

__all__ = ["clean_phone_column"]

#: Separators deleted before matching (``+`` is kept: it marks the international form).
_SEPARATORS = b" ().-/"
_UNSAFE = re.compile(r"\\[0-9]|\(\?P|\(\?<|\^")  # back-references, named groups, lookbehind, ^
_CAPTURE = re.compile(r"\((?!\?)")

#: The change-code tuples of the inline case, in id order 0-3.
_FAST_KINDS: tuple[tuple[str, ...], ...] = (
    (),
    (PHONE_FORMATTED,),
    (WHITESPACE_TRIMMED,),
    (WHITESPACE_TRIMMED, PHONE_FORMATTED),
)

#: phonenumbers' grammar of extensions as parse reads them (its groups hold the digits), or
#: None if a phonenumbers release renames it: then every extension goes through parse.
_EXTN = getattr(phonenumberutil, "_EXTN_PATTERNS_FOR_PARSING", None)

#: Per line: the text before the extension and the extension's digits (in one of the
#: grammar's groups), split where parse splits it, or (line, "", ...) for no extension.
#: parse searches for the leftmost place where the grammar matches to the end; the lazy
#: ``[^\n]*?`` finds the same place. Left to parse: lines longer than 100 characters (parse
#: refuses over 250), and lines where ``/ x`` or ``\ x`` starts a second number, which parse
#: cuts off first.
_EXTENSION_LINE = (
    re.compile(
        rf"(?m)^(?:(?![^\n]*[\\/] *x)(?=[^\n]{{0,100}}$)([^\n]*?)(?:{_EXTN})$|[^\n]*$)",
        re.IGNORECASE,
    )
    if _EXTN
    else None
)

#: Number parts taken with an extension: only digits, separators and one leading ``+``, with
#: at least three digits, so parse finds it viable and sees no other extension in it.
_NUMBER_PART = re.compile(r"[ ().\-/]*\+?(?:[ ().\-/]*[0-9]){3}[0-9 ().\-/]*")

_NUMBER_CHARS = byte_table("0123456789 ().-/+\n")
_SPACE = byte_table(" ")
_ZERO = byte_table("0")


def _line_pattern(pattern: str) -> str | None:
    """A fullmatch expression rewritten to match one line of a multi-line text, or None."""
    if _UNSAFE.search(pattern):
        return None
    return _CAPTURE.sub("(?:", pattern).replace(r"\Z", "$")


def _of_length(patterns: dict[int, re.Pattern[str]], length: int) -> str | None:
    compiled = patterns.get(length)
    return _line_pattern(compiled.pattern) if compiled is not None else None


def _leads(triples: Sequence[tuple[str, int, Any]], length: int, before: str) -> list[str]:
    """Alternatives ``before`` + lead + ``(rest)$|`` for the prefixes parse strips."""
    out = []
    for lead, consumed, table in triples:
        body = _of_length(table.patterns, length - consumed)
        lead_line = _line_pattern(lead)
        if body is not None and lead_line is not None:
            out.append(f"{before}{lead_line}({body})$|")
    return out


def _compile(direct: str | None, prefixed: list[str]) -> re.Pattern[str] | None:
    if direct is None and not prefixed:
        return None
    first = f"(?:{direct})" if direct else "(?!)"
    return re.compile(f"(?m)^(?:({first})$|{''.join(prefixed)}[^\\n]*$)")


@lru_cache(maxsize=512)
def _national_scanner(region: str, length: int) -> re.Pattern[str] | None:
    """The expression for national lines of ``length`` digits, or None.

    Per line its group 1 is the line when the direct route accepts the digits; the later
    groups, joined, give the national number when a prefix parse strips stands in front (a
    trunk prefix or the region's own country code: the prefix is outside the groups); else
    every group is empty. The answer is ``+<code>`` and that text.
    """
    national = national_direct(region)
    direct = _of_length(national[1].patterns, length) if national is not None else None
    return _compile(direct, _leads(national_prefixed(region), length, ""))


@lru_cache(maxsize=512)
def _international_scanner(code: str, length: int) -> re.Pattern[str] | None:
    """The expression for lines of ``length`` characters that are ``+<code>`` and digits.

    Group 1 is the line when the direct route accepts it; else the groups ``(+<code>)`` and
    the national number, joined, give the answer when a prefix parse strips follows the code
    (``+44(0)20...``) or the number belongs to another region of a shared code.
    """
    rest = length - 1 - len(code)
    body = _of_length(international_table(code), rest)
    direct = f"\\+{code}(?:{body})" if body is not None else None
    return _compile(direct, _leads(international_prefixed(code), rest, f"(\\+{code})"))


def _split_extensions(lines: Lines) -> tuple[list[str], np.ndarray | None]:
    """The lines with an extension cut off where parse cuts it, and each line's extension
    digits ("" for none); None for the digits when no line has one.

    Only lines with a character other than digits, separators and ``+`` are looked at.
    """
    cells = lines.text.split("\n")
    buf = lines.bytes_of()
    other = np.flatnonzero(~_NUMBER_CHARS[buf])
    if _EXTENSION_LINE is None or not len(other) or len(cells) != len(lines.start):
        return cells, None
    candidates = np.flatnonzero(lines.containing(other)).tolist()
    found = _EXTENSION_LINE.findall("\n".join([cells[i] for i in candidates]))
    if len(found) != len(candidates):
        return cells, None
    extensions = np.full(len(cells), "", dtype=object)
    for i, (number, *digits) in zip(candidates, found, strict=True):
        extension = "".join(digits)
        if extension and _NUMBER_PART.fullmatch(number):
            cells[i] = number
            extensions[i] = extension
    return cells, extensions


def _groups(cells: list[str]) -> list[tuple[str, np.ndarray]]:
    """Cells grouped by start and length: (``""`` for national digits or the country code
    after ``+``, positions), each group of one length."""
    n = len(cells)
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=n)
    plus = np.flatnonzero(np.array([c[:1] == "+" for c in cells], dtype=bool))
    codes: dict[str | None, int] = {"": 0}
    kind = np.zeros(n, dtype=np.int64)
    if len(plus):
        found = [country_code_prefix(cells[i][1:4]) for i in plus.tolist()]
        kind[plus] = [codes.setdefault(c, len(codes)) for c in found]
    names = list(codes)
    key = kind * (int(lengths.max(initial=0)) + 1) + lengths
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    return [
        (names[int(kind[group[0]])] or "", group)
        for group in np.split(order, bounds)
        if len(group) and names[int(kind[group[0]])] is not None
    ]


def _scan(lines: Lines, region: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Per line: (E.164 text or "", accepted?), or None when the lines cannot be scanned."""
    cells, extensions = _split_extensions(lines)
    n = len(lines.start)
    compact = "\n".join(cells).encode("ascii").translate(None, _SEPARATORS).decode("ascii")
    idd = idd_literal(region)
    if idd is not None:  # parse reads "0044..." as "+44..." (see idd_literal)
        compact = re.sub(f"(?m)^{idd}(?=[1-9])", "+", compact)
    cells = compact.split("\n")
    if len(cells) != n:
        return None
    national = national_direct(region)
    text = np.full(n, "", dtype=object)
    for code, group in _groups(cells):
        length = len(cells[int(group[0])])
        if code:
            pattern = _international_scanner(code, length)
        else:
            pattern = _national_scanner(region, length) if national is not None else None
        if pattern is None:
            continue
        found = pattern.findall("\n".join([cells[i] for i in group.tolist()]))
        if len(found) != len(group):
            return None
        if pattern.groups > 1:  # one non-empty group (or run of groups) per accepted line
            found = ["".join(parts) for parts in found]
        answers = np.array(found, dtype=object)
        if not code and national is not None:  # national digits: the answer is +<code> and them
            taken = answers != ""
            answers[taken] = national[0] + answers[taken]
        text[group] = answers
    accepted = text != ""
    if extensions is not None:
        with_extension = accepted & (extensions != "")
        text[with_extension] = text[with_extension] + ";ext=" + extensions[with_extension]
    return text, accepted


def clean_phone_column(values: Sequence[str], region: str) -> CellColumn:
    """``clean_phone(v, region)`` for every ``v`` in ``values``, as a
    :class:`~sfclean.cleaners.lines.CellColumn`."""
    n = len(values)
    col = CellColumn.start(n, _FAST_KINDS)
    lines = join_lines(values) if n else None
    scanned = _scan(lines, region) if lines is not None else None
    if lines is None or scanned is None:
        slow = np.arange(n)
    else:
        text, accepted = scanned
        buf = lines.bytes_of()
        # a "." and a trailing "0" may be spreadsheet damage: clean_phone decides, unless the
        # cell has an extension (no damaged shape has the label of one)
        damaged = lines.last_in(buf, _ZERO) & lines.containing(np.flatnonzero(buf == 46))
        for i in np.flatnonzero(damaged & accepted).tolist():
            damaged[i] = ";ext=" not in text[i]
        slow = np.flatnonzero(~accepted | damaged)
        col.value[:] = text
        # Accepted cells start with a digit, "+" or " ().-/" and end with a digit or "#", so
        # a space is the only trim.
        trimmed = lines.first_in(buf, _SPACE) | lines.last_in(buf, _SPACE)
        stripped = np.array(values, dtype=object)
        where = np.flatnonzero(trimmed)
        stripped[where] = [values[i].strip(" ") for i in where.tolist()]
        col.change_id[:] = np.where(trimmed, 2, 0) + (text != stripped)
    col.fill_slow(slow, lambda i: clean_phone(values[i], region))
    return col
