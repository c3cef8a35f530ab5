"""Cleaning many distinct phone cells of one region at once, column-wise.

:func:`clean_phone_column` gives the same answers as :func:`sfclean.cleaners.phones.clean_phone`
for every cell, as parallel arrays. Why: at a million rows the per-cell Python work of even the
fast path (:mod:`sfclean.cleaners.phonefast`) dominated the normalize stage. Here the common
case costs a regular-expression scan over cells joined by newlines:

1. separators (``space ( ) . - /``) are deleted from all cells in one ``bytes.translate``;
2. the cells are grouped by length; per length, one multi-line expression (built from the
   same per-length patterns the fast path uses: :func:`~sfclean.cleaners.phonefast.national_direct`
   and :func:`~sfclean.cleaners.phonefast.international_table`, for the country codes present)
   reads, per line, the national digits or ``+`` and the international digits the fast path
   accepts, or nothing; ``re.findall`` returns one answer per cell without a Python loop;
   A region's own plain international prefix (``00``, ``011``) before a digit other than
   ``0`` becomes ``+`` first (parse reads it so), and trunk prefixes (``020 ...``,
   ``+44 (0)20 ...``) and a leading own country code (``1 212 ...``) are read as the fast
   path's ``_decide`` reads them;
3. every cell the expression does not accept, or that may be spreadsheet damage (a ``.`` and a
   trailing ``0``), goes through ``clean_phone`` one by one.

``tests/test_cleaners_phones.py`` proves with hypothesis that the result equals ``clean_phone``
cell by cell (which ``tests/test_cleaners_phonefast.py`` proves equal to phonenumbers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

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
_INTL_START = re.compile(r"(?m)^\+(\d{1,3})")
_UNSAFE = re.compile(r"\\[0-9]|\(\?P|\(\?<|\^")  # back-references, named groups, lookbehind, ^
_CAPTURE = re.compile(r"\((?!\?)")

#: The change-code tuples of the inline case, in id order 0-3.
_FAST_KINDS: tuple[tuple[str, ...], ...] = (
    (),
    (PHONE_FORMATTED,),
    (WHITESPACE_TRIMMED,),
    (WHITESPACE_TRIMMED, PHONE_FORMATTED),
)


def _line_pattern(pattern: str) -> str | None:
    """A fullmatch expression rewritten to match one line of a multi-line text, or None."""
    if _UNSAFE.search(pattern):
        return None
    return _CAPTURE.sub("(?:", pattern).replace(r"\Z", "$")


def _of_length(patterns: dict[int, re.Pattern[str]], length: int) -> str | None:
    compiled = patterns.get(length)
    return _line_pattern(compiled.pattern) if compiled is not None else None


@lru_cache(maxsize=256)
def _scanner(region: str, codes: frozenset[str], length: int) -> re.Pattern[str] | None:
    """The expression for lines of ``length`` characters (separators removed), or None.

    Per line its group 1 is the line when it is national digits the direct route accepts or
    ``+`` and digits the international route accepts; the later groups, joined, give the
    number when a prefix parse strips stands in front (a trunk prefix after ``+<code>`` or in
    national digits, or the region's own country code in national digits: the prefix is
    outside the groups); else every group is empty. Lines are grouped by length first, so
    each expression holds one length's patterns (no per-length branching per line).
    """
    national = national_direct(region)
    national_body = _of_length(national[1].patterns, length) if national is not None else None
    international = []
    for code in sorted(codes):
        body = _of_length(international_table(code), length - 1 - len(code))
        if body is not None:
            international.append(f"{code}(?:{body})")
    prefixed = []  # a prefix parse strips, outside the groups: groups 2, 3, ... (joined)
    for code in sorted(codes):  # "+<code>" and a trunk prefix: "+44(0)20..."
        for lead, consumed, table in international_prefixed(code):
            rest = length - 1 - len(code) - consumed
            body, lead_line = _of_length(table.patterns, rest), _line_pattern(lead)
            if body is not None and lead_line is not None:
                prefixed.append(f"(\\+{code}){lead_line}({body})$|")
    for lead, consumed, table in national_prefixed(region):
        body, lead_line = _of_length(table.patterns, length - consumed), _line_pattern(lead)
        if body is not None and lead_line is not None:
            prefixed.append(f"{lead_line}({body})$|")
    if national_body is None and not international and not prefixed:
        return None
    first = f"(?:{national_body})" if national_body else "(?!)"
    second = f"\\+(?:{'|'.join(international)})" if international else "(?!)"
    return re.compile(f"(?m)^(?:({first}|{second})$|{''.join(prefixed)}[^\\n]*$)")


_SPACE = byte_table(" ")
_DIGITS = byte_table("0123456789")
_ZERO = byte_table("0")


def _scan(lines: Lines, region: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Per line: (E.164 text or "", accepted?), or None when the lines cannot be scanned."""
    compact = lines.text.encode("ascii").translate(None, _SEPARATORS).decode("ascii")
    idd = idd_literal(region)
    if idd is not None:  # parse reads "0044..." as "+44..." (see idd_literal)
        compact = re.sub(f"(?m)^{idd}(?=[1-9])", "+", compact)
    cells = np.array(compact.split("\n"), dtype=object)
    n = len(lines.start)
    if len(cells) != n:
        return None
    codes = frozenset(
        c for c in map(country_code_prefix, set(_INTL_START.findall(compact))) if c is not None
    )
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=n)
    by_length = np.argsort(lengths, kind="stable")
    sorted_lengths = lengths[by_length]
    bounds = np.flatnonzero(np.diff(sorted_lengths)) + 1
    text = np.full(n, "", dtype=object)
    for group in np.split(by_length, bounds):
        if not len(group):
            continue
        pattern = _scanner(region, codes, int(lengths[group[0]]))
        if pattern is None:
            continue
        found = pattern.findall("\n".join(cells[group].tolist()))
        if pattern.groups > 1:  # one non-empty group per accepted line
            found = ["".join(parts) for parts in found]
        if len(found) != len(group):
            return None
        text[group] = found
    accepted = text != ""
    # accepted national lines start with a digit, international ones with "+"
    found_lines = join_lines(text.tolist())
    national = found_lines.first_in(found_lines.bytes_of(), _DIGITS)
    prefix = national_direct(region)
    if national.any() and prefix is not None:
        text[national] = prefix[0] + text[national]
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
        # a "." and a trailing "0" may be spreadsheet damage: clean_phone decides
        damaged = lines.last_in(buf, _ZERO) & lines.containing(np.flatnonzero(buf == 46))
        slow = np.flatnonzero(~accepted | damaged)
        col.value[:] = text
        # Accepted cells hold only digits, "+" and " ().-/", so a space is the only trim.
        trimmed = lines.first_in(buf, _SPACE) | lines.last_in(buf, _SPACE)
        stripped = np.array(values, dtype=object)
        where = np.flatnonzero(trimmed)
        stripped[where] = [values[i].strip(" ") for i in where.tolist()]
        col.change_id[:] = np.where(trimmed, 2, 0) + (text != stripped)
    col.fill_slow(slow, lambda i: clean_phone(values[i], region))
    return col
