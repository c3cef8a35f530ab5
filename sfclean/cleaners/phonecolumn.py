"""Cleaning many distinct phone cells of one region at once, column-wise.

:func:`clean_phone_column` gives the same answers as :func:`sfclean.cleaners.phones.clean_phone`
for every cell, as parallel arrays. Why: at a million rows the per-cell Python work of even the
fast path (:mod:`sfclean.cleaners.phonefast`) dominated the normalize stage. Here the common
case costs a regular-expression scan over cells joined by newlines:

1. an extension (``x12``, ``ext. 204``, ``#3``, ``;ext=5``) is split off with phonenumbers'
   own extension grammar, exactly where parse splits it (:func:`_split_extensions`), and put
   back after the number as ``;ext=N``;
2. separators (``space ( ) . - /``) are deleted from all cells by one numpy byte mask;
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
   so each is compiled once per machine (:mod:`sfclean.regexcache`), whatever the column holds;
4. every cell the expression does not accept, or that is spreadsheet damage (``4155550123.0``:
   :func:`~sfclean.cleaners.phones.float_damaged`), goes through ``clean_phone`` one by one.

``tests/test_cleaners_phones.py`` proves with hypothesis that the result equals ``clean_phone``
cell by cell (which ``tests/test_cleaners_phonefast.py`` proves equal to phonenumbers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Literal

import numpy as np
from phonenumbers import phonenumberutil

from sfclean.cleaners.lines import CellColumn, Lines, byte_table, join_lines
from sfclean.cleaners.phoneleads import (
    international_invalid,
    international_prefixed,
    international_table,
    national_direct,
    national_invalid,
    national_prefixed,
)
from sfclean.cleaners.phonemeta import country_code_prefix, idd_literal
from sfclean.cleaners.phones import clean_phone, float_damaged, invalid_phone_message
from sfclean.codes import PHONE_FORMATTED, WHITESPACE_TRIMMED
from sfclean.regexcache import compile_kept

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

#: Every character an extension of the grammar can start with (a lookahead that spares
#: trying the whole grammar at every place; a test checks it changes no answer).
_EXTN_START = "[ \xa0\t,;\\-#~\uff03\uff5exeiaд\uff45\uff58\uff49]"

#: Per line: the text before the extension and the extension's digits (in one of the
#: grammar's groups), split where parse splits it, or (line, "", ...) for no extension.
#: parse searches for the leftmost place where the grammar matches to the end; the lazy
#: prefix finds the same place when the text before it holds only digits, separators and
#: ``+`` (the only number parts taken: a place further left would have such a prefix too).
_EXTENSION_LINE = (
    re.compile(rf"(?m)^(?:([0-9 ().\-/+]*?)(?={_EXTN_START})(?:{_EXTN})$|[^\n]*+$)", re.I)
    if _EXTN
    else None
)
#: Where parse cuts off a second number before it looks for an extension (``/ x``).
_SECOND_NUMBER = re.compile(r"[\\/] *x", re.IGNORECASE)

#: Number parts taken with an extension: only digits, separators and one leading ``+``, with
#: at least three digits, so parse finds it viable and sees no other extension in it.
_NUMBER_PART = re.compile(r"[ ().\-/]*\+?(?:[ ().\-/]*[0-9]){3}[0-9 ().\-/]*")

#: Groups of fewer cells go one by one: cheaper than compiling their expressions (about a
#: millisecond each; junk and rare lengths make many small groups). Tests set it to 1.
_SCAN_FROM = 32

_NUMBER_CHARS = byte_table("0123456789 ().-/+\n")
_SPACE = byte_table(" ")
_SEPARATOR_BYTES = byte_table(_SEPARATORS.decode("ascii"))


def _line_pattern(pattern: str) -> str | None:
    """A fullmatch expression rewritten to match one line of a multi-line text, or None."""
    if _UNSAFE.search(pattern):
        return None
    return _CAPTURE.sub("(?:", pattern).replace(r"\Z", "$")


def _of_length(sources: dict[int, str], length: int) -> str | None:
    source = sources.get(length)
    return _line_pattern(source) if source is not None else None


def _leads(triples: Sequence[tuple[str, int, Any]], length: int, before: str) -> list[str]:
    """Alternatives ``before`` + lead + ``(rest)$|`` for the prefixes parse strips."""
    out = []
    for lead, consumed, table in triples:
        body = _of_length(table.sources, length - consumed)
        lead_line = _line_pattern(lead)
        if body is not None and lead_line is not None:
            out.append(f"{before}{lead_line}({body})$|")
    return out


def _compile(alternatives: Sequence[str]) -> re.Pattern[str] | None:
    """One expression for lines: the alternatives (each ending in ``$|``), else nothing."""
    if not alternatives:
        return None
    return compile_kept(f"(?m)^(?:{''.join(alternatives)}[^\n]*+$)")


#: The three expressions of a group of lines, compiled only when lines need them: "direct"
#: (its group is the line when the direct route accepts it), "prefixed" (its groups, joined,
#: give the number when a prefix parse strips stands in front: a trunk prefix, the region's
#: own country code, ``+44(0)``; the prefix is outside the groups), "invalid" (its group is a
#: line proven invalid; national lines only).
Part = Literal["direct", "prefixed", "invalid"]


@lru_cache(maxsize=1024)
def _national_scanner(region: str, length: int, part: Part) -> re.Pattern[str] | None:
    """The ``part`` expression for national lines of ``length`` digits (the answer is
    ``+<code>`` and the text it reads)."""
    national = national_direct(region)
    if national is None:
        return None
    if part == "direct":
        direct = _of_length(national[1].sources, length)
        return _compile([f"({direct})$|"] if direct is not None else [])
    if part == "prefixed":
        return _compile(_leads(national_prefixed(region), length, ""))
    return _invalid_scanner(region, length)


@lru_cache(maxsize=1024)
def _international_scanner(code: str, length: int, part: Part) -> re.Pattern[str] | None:
    """The ``part`` expression for lines of ``length`` characters that are ``+<code>`` and
    digits (the prefixed one's groups are ``(+<code>)`` and the national number)."""
    rest = length - 1 - len(code)
    if part == "direct":
        body = _of_length(international_table(code), rest)
        return _compile([f"(\\+{code}(?:{body}))$|"] if body is not None else [])
    if part == "prefixed":
        return _compile(_leads(international_prefixed(code), rest, f"(\\+{code})"))
    found = international_invalid(code)
    if found is None or rest < 0:
        return None
    leads, not_prefix, validity = found
    return _invalid_expression(f"\\+{code}", leads, not_prefix, validity, rest)


def _invalid_scanner(region: str, length: int) -> re.Pattern[str] | None:
    """The expression whose group is a national line of ``length`` digits that
    :func:`~sfclean.cleaners.phoneleads.national_invalid` proves invalid (else empty)."""
    found = national_invalid(region)
    if found is None or length < 1:
        return None
    head, leads, not_prefix, validity = found
    return _invalid_expression(head, leads, not_prefix, validity, length)


def _invalid_expression(
    head: str,
    leads: Sequence[tuple[str, int]],
    not_prefix: str,
    validity: dict[int, str],
    length: int,
) -> re.Pattern[str] | None:
    """One group: ``head`` (lookaheads, or a prefix it consumes) and ``length`` digits that
    no reading makes valid: not the digits, not what follows a trunk prefix lead."""

    def not_valid(digits: int) -> str | None:  # "" when no number of that length is valid
        body = validity.get(digits)
        return "" if body is None else _line_pattern(f"(?!{body})")

    readings = [not_valid(length - consumed) for _, consumed in leads]
    whole, head_line = not_valid(length), _line_pattern(head)
    branches = [_line_pattern(lead) for lead, _ in leads]
    if whole is None or head_line is None or None in readings or None in branches:
        return None
    alternatives = [f"{b}{r}" for b, r in zip(branches, readings, strict=True)]
    prefix_line = _line_pattern(not_prefix)
    if prefix_line is None:
        return None
    alternatives.append(prefix_line)
    return _compile([f"({head_line}{whole}(?:{'|'.join(alternatives)})[0-9]*)$|"])


def _split_extensions(lines: Lines, buf: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Per line, where its number ends (the line's end, or where parse cuts off an
    extension), and each line's extension digits ("" for none); None for the digits when no
    line has one. ``buf`` is the lines' bytes.

    Only lines with a character other than digits, separators and ``+`` are looked at (and
    only they are taken out of the text as strings).
    """
    ends = lines.end
    other = np.flatnonzero(~_NUMBER_CHARS[buf])
    if _EXTENSION_LINE is None or not len(other):
        return ends, None
    candidates = np.flatnonzero(lines.containing(other)).tolist()
    text, start = lines.text, lines.start
    spans = zip(start[candidates].tolist(), ends[candidates].tolist(), strict=True)
    cells = [text[a:b] for a, b in spans]
    found = _EXTENSION_LINE.findall("\n".join(cells))
    if len(found) != len(candidates):
        return ends, None
    ends = ends.copy()
    extensions = np.full(len(ends), "", dtype=object)
    for i, cell, (number, *digits) in zip(candidates, cells, found, strict=True):
        extension = "".join(digits)
        if (
            extension
            and len(cell) <= 100
            and _NUMBER_PART.fullmatch(number)
            and not _SECOND_NUMBER.search(cell)
        ):
            ends[i] = start[i] + len(number)  # the number is the start of the line
            extensions[i] = extension
    return ends, extensions


@dataclass(frozen=True)
class _Compact:
    """The cells without separators, as the bytes ``buf`` (one padding byte at the end):
    cell ``i`` is ``buf[begin[i] : begin[i] + length[i]]``; ``plus``: the positions of the
    cells that start with "+" (their digits start at ``begin + 1``)."""

    buf: np.ndarray
    begin: np.ndarray
    length: np.ndarray
    plus: np.ndarray
    idd_read: np.ndarray  # which cells started with the international prefix read as "+"

    def rows(self, cells: np.ndarray, length: int) -> np.ndarray:
        """The ``cells`` (all of ``length`` bytes) as rows of a uint8 array, each ending in a
        newline: the rows' bytes are the cells joined by newlines, and one more."""
        rows = self.buf[self.begin[cells][:, None] + np.arange(length + 1)]
        rows[:, length] = 10
        return rows


def _compact(lines: Lines, buf: np.ndarray, ends: np.ndarray, region: str) -> _Compact | None:
    """The cells without separators and after ``ends`` (the extensions); the region's own
    plain international prefix before a digit other than 0 becomes ``+`` (parse reads
    ``0044...`` as ``+44...``, see idd_literal). None if the cells do not stay one a line."""
    keep = ~_SEPARATOR_BYTES[buf]
    cut = np.flatnonzero(ends != lines.end)
    if len(cut):  # drop [ends, end) of the lines with an extension
        step = np.zeros(len(buf) + 1, dtype=np.int8)
        np.add.at(step, ends[cut], 1)
        np.subtract.at(step, lines.end[cut], 1)
        keep &= np.cumsum(step[:-1]) == 0
    out = np.concatenate((buf[keep], np.zeros(4, np.uint8)))
    size = len(out) - 4
    breaks = np.flatnonzero(out[:size] == 10)
    if len(breaks) != len(lines.start) - 1:
        return None
    start = np.concatenate(([0], breaks + 1))
    length = np.concatenate((breaks, [size])) - start
    plus = out[start] == 43
    idd = idd_literal(region)
    hit = np.zeros(len(start), dtype=bool)
    if idd is not None:
        k = len(idd)
        hit = (length > k) & (out[start + k] >= 49) & (out[start + k] <= 57)
        for j, char in enumerate(idd.encode("ascii")):
            hit &= out[start + j] == char
        start = np.where(hit, start + k - 1, start)
        out[start[hit]] = 43  # "+" in the prefix's last place
        length = np.where(hit, length - k + 1, length)
        plus |= hit
    return _Compact(out[: size + 1], start, length, np.flatnonzero(plus), hit)


def _country_table(width: int) -> np.ndarray:
    """Per ``width``-digit number, the country code phonenumbers reads at the start of those
    digits after a ``+`` (0 for none; see country_code_prefix)."""
    return np.array(
        [int(country_code_prefix(f"{n:0{width}d}") or 0) for n in range(10**width)],
        dtype=np.int64,
    )


_COUNTRY_TABLES = [np.zeros(1, dtype=np.int64), *(_country_table(w) for w in (1, 2, 3))]


def _country_codes(compact: _Compact) -> np.ndarray:
    """Per cell that starts with ``+``: the country code of its first 1-3 digits (0: none),
    as country_code_prefix reads it (only 1-3 digits, all of them digits, make a code)."""
    buf = np.concatenate((compact.buf, np.zeros(3, np.uint8)))
    at = compact.begin[compact.plus] + 1
    width = np.minimum(compact.length[compact.plus] - 1, 3)
    codes = np.zeros(len(at), dtype=np.int64)
    number = np.zeros(len(at), dtype=np.int64)
    digits_ok = np.ones(len(at), dtype=bool)
    for j in range(3):
        digit = buf[np.minimum(at + j, len(buf) - 1)].astype(np.int64) - 48
        inside = width > j
        digits_ok &= ~inside | ((digit >= 0) & (digit <= 9))
        number = np.where(inside, number * 10 + np.clip(digit, 0, 9), number)
    for w in (1, 2, 3):
        take = digits_ok & (width == w)
        codes[take] = _COUNTRY_TABLES[w][number[take]]
    return codes


def _group_keys(compact: _Compact) -> tuple[np.ndarray, list[str]]:
    """Per cell a key for its group (start and length), and the start of each kind: ""
    for national digits, else the country code after ``+`` ("-" for no known code)."""
    codes = _country_codes(compact)
    known, kind_of = np.unique(codes, return_inverse=True)
    kind = np.zeros(len(compact.begin), dtype=np.int64)
    kind[compact.plus] = kind_of.ravel() + 1
    kinds = ["", *(str(c) if c else "-" for c in known.tolist())]
    width = int(compact.length.max(initial=0)) + 1
    return kind * width + compact.length, kinds


def _answers(
    rows: np.ndarray, scanner: Callable[[Part], re.Pattern[str] | None], national: str | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Per cell of one group (its ``rows``, see _Compact.rows): the E.164 text the scanners
    read ("" for none) and whether the cell is proven invalid; None when an expression did
    not give one answer per line. The prefixed and invalid expressions read what is left,
    when enough is (see _SCAN_FROM)."""
    answers = np.full(len(rows), "", dtype=object)
    proven = np.zeros(len(rows), dtype=bool)
    left = np.arange(len(rows))
    for part in ("direct", "prefixed", "invalid"):
        pattern = scanner(part) if len(left) >= _SCAN_FROM else None
        if pattern is None:
            continue
        text = (rows if len(left) == len(rows) else rows[left]).tobytes().decode("ascii")
        found = pattern.findall(text, 0, len(text) - 1)  # not the last newline
        if len(found) != len(left):
            return None
        if pattern.groups > 1:
            found = list(map("".join, found))
        taken = np.array(found, dtype=object) != ""
        if part == "invalid":
            proven[left[taken]] = True
        else:
            answers[left] = found
        left = left[~taken]
    if national is not None:  # national digits: the answer is +<code> and them
        read = answers != ""
        answers[read] = national + answers[read]
    return answers, proven


def _scan(lines: Lines, region: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Per line: (E.164 text or "", accepted?, proven invalid?), or None when the lines
    cannot be scanned. A cell with an extension is never "proven invalid" here."""
    buf = lines.bytes_of()
    ends, extensions = _split_extensions(lines, buf)
    compact = _compact(lines, buf, ends, region)
    if compact is None:
        return None
    keys, kinds = _group_keys(compact)
    width = int(compact.length.max(initial=0)) + 1
    order = np.argsort(keys, kind="stable")
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    national = national_direct(region)
    n = len(lines.start)
    text = np.full(n, "", dtype=object)
    invalid = np.zeros(n, dtype=bool)
    for group in np.split(order, bounds):
        if len(group) < _SCAN_FROM:
            continue
        key = int(keys[group[0]])
        kind, length = kinds[key // width], key % width
        if kind == "-":
            continue
        if kind:
            scanner = partial(_international_scanner, kind, length)
            found = _answers(compact.rows(group, length), scanner, None)
        elif national is not None:
            scanner = partial(_national_scanner, region, length)
            found = _answers(compact.rows(group, length), scanner, national[0])
        else:
            continue
        if found is None:
            return None
        text[group], invalid[group] = found
    if idd_literal(region) not in ("00", "011"):
        # clean_phone retries an invalid 00.../011... as "+" and the rest: after another
        # prefix ("010" in JP) that is another number, so no "invalid" answer here
        invalid &= ~compact.idd_read
    accepted = text != ""
    if extensions is not None:
        with_extension = extensions != ""
        invalid &= ~with_extension
        with_extension &= accepted
        text[with_extension] = text[with_extension] + ";ext=" + extensions[with_extension]
    return text, accepted, invalid


def _ends_in_zero(lines: Lines, buf: np.ndarray) -> np.ndarray:
    """Per line: is its last character other than a space a "0"? (The lines a scan answers
    hold no other padding than spaces.)"""
    start = lines.start
    at = np.maximum(lines.end - 1, start)  # the last character (the start of an empty line)
    inside = lines.end > start
    if len(buf):
        padded = np.flatnonzero(inside & (buf[np.minimum(at, len(buf) - 1)] == 32))
        while len(padded):  # step back over trailing spaces: few lines have any
            at[padded] -= 1
            inside[padded] = at[padded] >= start[padded]
            padded = padded[inside[padded]]
            padded = padded[buf[at[padded]] == 32]
    return inside & (buf[np.minimum(at, len(buf) - 1)] == 48) if len(buf) else inside


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
        text, accepted, invalid = scanned
        buf = lines.bytes_of()
        # a "." and a last "0" (before any padding) may be spreadsheet damage. A cell the
        # scan answers holds only digits, separators and "+", and maybe an extension (no
        # damaged shape has the label of one): clean_phone's check is then float_damaged
        # of the cell without its spaces, and only the damaged cells go to clean_phone.
        maybe = _ends_in_zero(lines, buf) & lines.containing(np.flatnonzero(buf == 46))
        damaged = np.zeros(n, dtype=bool)
        for i in np.flatnonzero(maybe & (accepted | invalid)).tolist():
            damaged[i] = ";ext=" not in text[i] and float_damaged(values[i].strip(" "))
        invalid &= ~damaged
        slow = np.flatnonzero(~(accepted | invalid) | damaged)
        # Scanned cells start with a digit, "+" or " ().-/" and end with a digit or "#", so
        # a space is the only trim.
        trimmed = lines.first_in(buf, _SPACE) | lines.last_in(buf, _SPACE)
        stripped = np.array(values, dtype=object)
        where = np.flatnonzero(trimmed)
        stripped[where] = [values[i].strip(" ") for i in where.tolist()]
        col.value[:] = np.where(invalid, stripped, text)
        col.change_id[:] = np.where(trimmed, 2, 0) + (~invalid & (text != stripped))
        col.status[invalid] = "invalid"
        col.message[invalid] = invalid_phone_message(region)
    col.fill_slow(slow, lambda i: clean_phone(values[i], region))
    return col
