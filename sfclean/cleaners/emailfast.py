"""The fast path of the email cleaner: the plain ASCII addresses accepted without calling
email-validator, one at a time (:func:`fast_email_ok`) or a whole column at once
(:func:`scan_emails`).

Why: most real addresses have the plain shape ``local@label.label.tld``, and email-validator
costs ~20 microseconds an address. :data:`FAST_EMAIL_RE` is a strict regular expression for
that shape; every address it does not accept goes to email-validator
(:mod:`sfclean.cleaners.emails`). For a column, even one Python regex call per cell is the
larger part of the cost at a million cells, so :func:`scan_emails` runs one expression over
the whole column in Arrow's kernels and reads the few cells it leaves with one multi-line
scan (:data:`FAST_EMAIL_LINE_RE`). Its Arrow buffers come from the system allocator, as
every Arrow buffer sfclean makes: pyarrow's default pool keeps what is freed for itself, which
raised normalize's peak by ~110 MiB at 1,000,000 rows (bench/README.md, fourth round).

``tests/test_cleaners_emails.py`` proves with hypothesis that every address the fast path
accepts is accepted by ``clean_email`` unchanged, that the column scan accepts exactly what
:func:`fast_email_ok` accepts, and that the column-wise results equal ``clean_email`` cell by
cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import email_validator
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sfclean.cleaners.domains import known_tld
from sfclean.cleaners.text import TRIM_CHARS, trim_cell

__all__ = [
    "COMMON_TLDS",
    "DOCUMENTATION_TLDS",
    "EMAIL_FIELD_LENGTH",
    "FAST_EMAIL_LINE_RE",
    "FAST_EMAIL_RE",
    "EmailScan",
    "fast_email_ok",
    "put_cells",
    "scan_emails",
    "tld_ok",
]

#: The length of the standard Email field (Lead.Email, Contact.Email).
EMAIL_FIELD_LENGTH = 80

#: TLDs reserved for documentation (RFC 2606) that pass the TLD check although no one owns them.
DOCUMENTATION_TLDS: frozenset[str] = frozenset({"example"})

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]++"
_LABEL = r"(?=[a-z0-9-]{1,63}+\.)[a-z0-9]++(?:-[a-z0-9]++)*+"
_SPECIAL = "|".join(sorted(email_validator.SPECIAL_USE_DOMAIN_NAMES))

#: The plain ASCII shape accepted without calling email-validator (input already lowercased):
#: at most 80 characters, no leading apostrophe (Excel's marker, removed by the slow path).
FAST_EMAIL_RE = re.compile(
    rf"(?=.{{1,{EMAIL_FIELD_LENGTH}}}\Z)(?=[^@]{{1,64}}+@)(?!'){_ATOM}(?:\.{_ATOM})*+@"
    rf"(?:{_LABEL}\.)++(?!(?:{_SPECIAL})\Z)[a-z]{{2,63}}+"
)

_LINE_TRIM = re.escape("".join(c for c in TRIM_CHARS if c.isascii() and c != "\n"))

#: The shape of :data:`FAST_EMAIL_RE` for each line of a multi-line text, around ASCII trim
#: characters, without its length limits and special-use check (they cost a third of the
#: scan; :func:`_line_scan` and :func:`_known_tlds` apply them): group 1 is the address's
#: TLD when the line has the shape (else the line matches, group empty); the address is the
#: line without the trim characters around it.
FAST_EMAIL_LINE_RE = re.compile(
    rf"(?m)^(?:[{_LINE_TRIM}]*+(?!'){_ATOM}(?:\.{_ATOM})*+@(?:[a-z0-9]++(?:-[a-z0-9]++)*+\.)++"
    rf"([a-z]{{2,63}}+)[{_LINE_TRIM}]*+$|[^\n]*$)"
)
#: A line this long or shorter is within every length limit of :data:`FAST_EMAIL_RE`
#: (a local part of 64, a label of 63, an address of 80 characters).
_SHORT_LINE = 64
#: The ASCII trim characters the line expression allows around an address.
_LINE_TRIM_CHARS = "".join(c for c in TRIM_CHARS if c.isascii() and c != "\n")


def fast_email_ok(address: str) -> bool:
    """True when ``address`` (lowercase) has the plain shape that is always accepted.

    The shape (:data:`FAST_EMAIL_RE`): ``local@label.label.tld`` where the local part is
    dot-separated RFC 5322 atoms of at most 64 characters in all, not starting with an
    apostrophe, each domain label is 1-63 letters/digits with single inner hyphens (so no
    IDNA-looking ``--``), the TLD is 2-63 letters, not a special-use name (``test``,
    ``localhost``, ...) and on the Public Suffix List, and the whole address is at most 80
    characters. Possessive quantifiers keep the match linear.
    """
    return FAST_EMAIL_RE.fullmatch(address) is not None and tld_ok(address.rsplit(".", 1)[1])


def tld_ok(tld: str) -> bool:
    """True when ``tld`` is on the Public Suffix List or in :data:`DOCUMENTATION_TLDS`."""
    return tld in DOCUMENTATION_TLDS or known_tld(tld)


class EmailScan(NamedTuple):
    """What :func:`scan_emails` finds, per cell."""

    #: :func:`fast_email_ok` accepts the cell trimmed and lowercased
    fast: np.ndarray
    #: the cell has padding (finding ``whitespace-trimmed``), and its case changes by
    #: lowercasing (``email-lowercased``); read where ``fast`` only
    trimmed: np.ndarray
    cased: np.ndarray
    #: each cell trimmed and lowercased: the address where ``fast``
    address: pa.Array


def scan_emails(values: Sequence[str], cells: pa.Array | None = None) -> EmailScan | None:
    """The cells :func:`fast_email_ok` accepts once trimmed and lowercased, found in Arrow's
    kernels over one string array, not by Python once per cell (the costly part of the
    column at a million addresses). ``cells``: ``values`` already as that array (the
    input's distinct values, as reading gave them), else they are converted.

    Arrow's regular expressions (RE2) run :data:`_COMMON_SHAPE` over every cell: the plain
    shape with one of :data:`COMMON_TLDS`, on a cell of at most :data:`_SHORT_LINE`
    characters (so within every length limit). The few others (another TLD, a longer cell,
    no plain shape) are read by :func:`_line_scan`. None when Arrow cannot hold the column
    (a lone surrogate): every cell then goes through ``clean_email``.
    """
    pool = pa.system_memory_pool()  # see the module docstring
    try:
        cells = pa.array(values, pa.string(), memory_pool=pool) if cells is None else cells
    except UnicodeEncodeError:
        return None
    cells, padded = _ascii_cells(values, cells)
    lowered = pc.ascii_lower(cells, memory_pool=pool)
    address = pc.ascii_trim(lowered, _LINE_TRIM_CHARS, memory_pool=pool)
    common = _numpy(pc.match_substring_regex(lowered, _common_shape(), memory_pool=pool))
    fast = common & (_numpy(pc.binary_length(cells, memory_pool=pool)) <= _SHORT_LINE)
    rest = np.flatnonzero(~fast)
    fast[rest] = _line_scan(pc.take(address, rest, memory_pool=pool).to_pylist())
    trimmed = _numpy(pc.not_equal(address, lowered, memory_pool=pool)) | padded
    cased = _numpy(pc.not_equal(cells, lowered, memory_pool=pool))
    return EmailScan(fast, trimmed, cased, address)


def _ascii_cells(values: Sequence[str], cells: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The cells as ASCII lines for the scan: a cell that is ASCII once trimmed (``trim_cell``:
    a non-breaking space or a zero-width character around or in it) as its trimmed form, and
    which cells were (their finding: ``whitespace-trimmed``); a cell that is not ASCII even
    so, or holds a newline, as a line the scan does not accept (``\\``). Returns (the
    lines, padded)."""
    padded = np.zeros(len(values), dtype=bool)
    pool = pa.system_memory_pool()
    odd = ~_numpy(pc.string_is_ascii(cells, memory_pool=pool))
    if not odd.any():
        return cells, padded
    lines = []
    for i in np.flatnonzero(odd).tolist():
        line = "\\" if "\n" in values[i] else _trim_cell(values[i])
        padded[i] = line.isascii() and line != "\\"
        lines.append(line if padded[i] else "\\")
    return put_cells(cells, odd, lines), padded


def put_cells(cells: pa.Array, where: np.ndarray, values: list[str]) -> pa.Array:
    """``cells`` with ``values`` in place of the cells where the mask ``where`` is true (as
    many values as true places); UnicodeEncodeError for a value UTF-8 cannot hold."""
    pool = pa.system_memory_pool()
    put = pa.array(values, cells.type, memory_pool=pool)
    return pc.replace_with_mask(cells, pa.array(where), put, memory_pool=pool)


def _trim_cell(value: str) -> str:
    """``trim_cell(value)``, faster for a cell that is ASCII once its ends are trimmed (the
    usual non-ASCII email cell: a non-breaking space around it): such a cell has no
    zero-width character left inside for ``trim_cell`` to delete."""
    trimmed = value.strip(TRIM_CHARS)
    return trimmed if trimmed.isascii() else trim_cell(value)


def _numpy(mask: pa.Array) -> np.ndarray:
    """An Arrow array without nulls as numpy's."""
    return mask.to_numpy(zero_copy_only=False)


#: TLDs most addresses have (by registrations; the scan's fast case): only those on the
#: Public Suffix List and not special-use are used, so the list decides speed, never results.
COMMON_TLDS: tuple[str, ...] = (
    "com", "net", "org", "info", "biz", "edu", "gov", "io", "co", "me", "eu", "us", "uk",
    "de", "fr", "it", "es", "nl", "be", "ch", "at", "se", "no", "dk", "fi", "pl", "pt",
    "ie", "cz", "gr", "hu", "ro", "ru", "ua", "tr", "br", "ar", "mx", "ca", "au", "nz",
    "jp", "cn", "kr", "in", "sg", "za", "il", "ae",
)  # fmt: skip

#: The characters of an RFC 5322 atom (as :data:`_ATOM`), for RE2 character classes.
_ATEXT = "a-z0-9!#$%&'*+/=?^_`{|}~-"
#: ... but the first: no leading apostrophe (Excel's marker, removed by the slow path).
_ATEXT_FIRST = _ATEXT.replace("'", "")


@lru_cache(maxsize=1)
def _common_shape() -> str:
    """The RE2 expression for a cell (lowercased) that is :data:`FAST_EMAIL_RE`'s shape with
    one of :data:`COMMON_TLDS`, around ASCII trim characters, without the length limits.
    Built on first use: checking the TLDs loads the Public Suffix List."""
    trim = "".join(f"\\x{ord(c):02x}" for c in _LINE_TRIM_CHARS)
    tlds = "|".join(t for t in COMMON_TLDS if t not in _SPECIAL_USE and tld_ok(t))
    return (
        rf"^[{trim}]*[{_ATEXT_FIRST}][{_ATEXT}]*(?:\.[{_ATEXT}]+)*@"
        rf"(?:[a-z0-9]+(?:-[a-z0-9]+)*\.)+(?:{tlds})[{trim}]*$"
    )


def _line_scan(lines: list[str]) -> np.ndarray:
    """:func:`fast_email_ok` for each of ``lines`` (ASCII, lowercase), by one
    :data:`FAST_EMAIL_LINE_RE` scan over them joined by newlines; the TLD is checked once
    per distinct TLD and the few lines longer than :data:`_SHORT_LINE` are checked against
    the length limits one by one."""
    if not lines:
        return np.zeros(0, dtype=bool)
    lines = [line if "\n" not in line else "\\" for line in lines]
    fast = _known_tlds(FAST_EMAIL_LINE_RE.findall("\n".join(lines)))
    long = np.flatnonzero(fast & (np.fromiter(map(len, lines), np.int64, len(lines)) > _SHORT_LINE))
    fast[long] = [_limits_kept(lines[i]) for i in long.tolist()]
    return fast


def _limits_kept(line: str) -> bool:
    return FAST_EMAIL_RE.fullmatch(line.strip(_LINE_TRIM_CHARS).lower()) is not None


def _known_tlds(tlds: list[str]) -> np.ndarray:
    """Per line of the scan: did it find an address (a TLD) whose TLD is known and not a
    special-use name (``test``, ``localhost``...: email-validator refuses those)? The others
    go to the slow path, which explains them."""
    found = np.array(tlds, dtype=object)
    known = {t: bool(t) and t not in _SPECIAL_USE and tld_ok(t) for t in set(tlds)}
    if all(known.values()):
        return found != ""
    return np.fromiter(map(known.__getitem__, tlds), dtype=bool, count=len(tlds))


_SPECIAL_USE = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)
