"""Cleaning and validating one email address.

Order of work for each cell (the same order the findings report):

1. delete zero-width characters anywhere and trim Unicode whitespace from both ends
   (finding ``whitespace-trimmed``);
2. unwrap a display-name wrapper ``Sara Lee <sara@x.com>``, angle brackets ``<sara@x.com>`` and a
   ``mailto:`` prefix (finding ``email-unwrapped``);
3. lowercase the whole address (finding ``email-lowercased``); Salesforce matches emails
   case-insensitively, and a lowercase file dedupes and diffs cleanly;
4. validate the syntax with email-validator (no DNS unless ``check_deliverability=True``).

Speed: most real addresses have the plain ASCII shape ``local@label.label.tld``. For those a
strict regular expression (:data:`FAST_EMAIL_RE`, :func:`fast_email_ok`) decides "valid"
without calling email-validator; every address it does not accept goes to email-validator.
:func:`clean_email_column` finds that common case for many cells in one multi-line scan
(:data:`FAST_EMAIL_LINE_RE`). ``tests/test_cleaners_emails.py`` proves with hypothesis that
every address the fast path accepts is accepted by email-validator with the same normalized
form, and that the column-wise results equal :func:`clean_email` cell by cell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Literal, NamedTuple

import email_validator
import numpy as np

from sfclean.cleaners.lines import CellColumn, byte_table, join_lines
from sfclean.cleaners.text import TRIM_CHARS, trim_cell
from sfclean.codes import EMAIL_LOWERCASED, EMAIL_NORMALIZED, EMAIL_UNWRAPPED, WHITESPACE_TRIMMED

__all__ = [
    "FAST_EMAIL_RE",
    "EmailResult",
    "clean_email",
    "clean_email_batch",
    "clean_email_column",
    "dns_answers",
    "fast_email_ok",
]

EmailStatus = Literal["ok", "missing", "invalid"]

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]++"
_LABEL = r"(?=[a-z0-9-]{1,63}+\.)[a-z0-9]++(?:-[a-z0-9]++)*+"
_SPECIAL = "|".join(sorted(email_validator.SPECIAL_USE_DOMAIN_NAMES))

#: The plain ASCII shape accepted without calling email-validator (input already lowercased).
FAST_EMAIL_RE = re.compile(
    rf"(?=.{{1,254}}\Z)(?=[^@]{{1,64}}+@){_ATOM}(?:\.{_ATOM})*+@(?:{_LABEL}\.)++"
    rf"(?!(?:{_SPECIAL})\Z)[a-z]{{2,63}}+"
)

_LINE_TRIM = re.escape("".join(c for c in TRIM_CHARS if c.isascii() and c != "\n"))

#: :data:`FAST_EMAIL_RE` for each line of a multi-line text, around ASCII trim characters:
#: group 1 is the trimmed address when the line is one (else the line matches, group empty).
FAST_EMAIL_LINE_RE = re.compile(
    rf"(?m)^(?:[{_LINE_TRIM}]*+((?=[^\n]{{1,254}}+[{_LINE_TRIM}]*+$)(?=[^@\n]{{1,64}}+@)"
    rf"{_ATOM}(?:\.{_ATOM})*+@(?:{_LABEL}\.)++"
    rf"(?!(?:{_SPECIAL})[{_LINE_TRIM}]*+$)[a-z]{{2,63}}+)[{_LINE_TRIM}]*+$|[^\n]*$)"
)

_WRAPPED_RE = re.compile(r"(?s)^(?P<name>[^<>]*)<(?P<addr>[^<>]*)>$")


class EmailResult(NamedTuple):
    """The outcome for one email cell.

    ``value`` is the normalized address ("" when missing); ``status`` is ``ok``, ``missing`` or
    ``invalid``; ``changes`` lists the finding codes for what was changed; ``message`` says why
    an address is invalid.
    """

    value: str
    status: EmailStatus
    changes: tuple[str, ...] = ()
    message: str = ""


def fast_email_ok(address: str) -> bool:
    """True when ``address`` (lowercase) has the plain shape that email-validator always accepts.

    The shape (:data:`FAST_EMAIL_RE`): ``local@label.label.tld`` where the local part is
    dot-separated RFC 5322 atoms of at most 64 characters in all, each domain label is 1-63
    letters/digits with single inner hyphens (so no IDNA-looking ``--``), the TLD is 2-63
    letters and not a special-use name (``test``, ``localhost``, ...), and the whole address
    is at most 254 characters. Possessive quantifiers keep the match linear.
    """
    return FAST_EMAIL_RE.fullmatch(address) is not None


def _unwrap(value: str) -> str:
    """Strip a display-name wrapper and a ``mailto:`` prefix; return the bare address."""
    match = _WRAPPED_RE.match(value) if value.endswith(">") else None
    if match is not None:
        value = match.group("addr").strip(TRIM_CHARS)
    if value[:7].lower() == "mailto:":
        value = value[len("mailto:") :].strip(TRIM_CHARS)
        # A mailto URL may carry ?subject=...; the address ends there.
        value = value.split("?", 1)[0]
    return value


#: A domain that always accepts mail; if DNS cannot confirm it, deliverability checks are void.
DNS_PROBE_ADDRESS = "postmaster@gmail.com"


def dns_answers() -> bool:
    """True when DNS lookups work here, so that ``check_deliverability`` means something.

    Without working DNS, email-validator reports every domain as nonexistent, which would hold
    back every row as ``invalid-email``; callers refuse to run instead.
    """
    try:
        email_validator.validate_email(DNS_PROBE_ADDRESS, check_deliverability=True)
    except email_validator.EmailNotValidError:
        return False
    return True


def clean_email(raw: str, *, check_deliverability: bool = False) -> EmailResult:
    """Clean and validate one email cell (see the module docstring for the steps)."""
    changes: list[str] = []
    value = trim_cell(raw)
    if value != raw:
        changes.append(WHITESPACE_TRIMMED)
    if not value:
        return EmailResult("", "missing", tuple(changes))
    unwrapped = _unwrap(value)
    if unwrapped != value:
        changes.append(EMAIL_UNWRAPPED)
        value = unwrapped
        if not value:
            return EmailResult("", "missing", tuple(changes))
    lowered = value.lower()
    if lowered != value:
        changes.append(EMAIL_LOWERCASED)
        value = lowered
    if not check_deliverability and value.isascii() and fast_email_ok(value):
        return EmailResult(value, "ok", tuple(changes))
    try:
        info = email_validator.validate_email(value, check_deliverability=check_deliverability)
    except email_validator.EmailNotValidError as exc:
        return EmailResult(value, "invalid", tuple(changes), str(exc))
    normalized = unicodedata.normalize("NFC", info.normalized).lower()
    if normalized != value:
        changes.append(EMAIL_NORMALIZED)
    return EmailResult(normalized, "ok", tuple(changes))


_ASCII_TRIM = "".join(c for c in TRIM_CHARS if c.isascii())
_TRIMMED = (WHITESPACE_TRIMMED,)
_LOWERED = (EMAIL_LOWERCASED,)
_TRIMMED_LOWERED = (WHITESPACE_TRIMMED, EMAIL_LOWERCASED)


_FAST_KINDS: tuple[tuple[str, ...], ...] = ((), _LOWERED, _TRIMMED, _TRIMMED_LOWERED)
_TRIM_TABLE = byte_table(_ASCII_TRIM)


def clean_email_column(values: Sequence[str], *, check_deliverability: bool = False) -> CellColumn:
    """:func:`clean_email` for every cell, as a :class:`~sfclean.cleaners.lines.CellColumn`.

    Computed column-wise: the common case (ASCII, maybe padded or in capitals, plain shape)
    is found by one :data:`FAST_EMAIL_LINE_RE` scan over all cells joined by newlines
    (lowercased in one call); every other cell goes through :func:`clean_email`. A test checks
    the two agree.
    """
    n = len(values)
    col = CellColumn.start(n, _FAST_KINDS)
    found = None
    if n and not check_deliverability:
        lines = join_lines(values)
        lowered = lines.text.lower()
        found = FAST_EMAIL_LINE_RE.findall(lowered)
    if found is None or len(found) != n:
        slow = np.arange(n)
    else:
        col.value[:] = found
        buf, lower_buf = lines.bytes_of(), lines.bytes_of(lowered)
        trimmed = lines.first_in(buf, _TRIM_TABLE) | lines.last_in(buf, _TRIM_TABLE)
        cased = lines.containing(np.flatnonzero(buf != lower_buf))
        col.change_id[:] = np.where(trimmed, 2, 0) + cased
        slow = np.flatnonzero(col.value == "")
    col.fill_slow(slow, lambda i: clean_email(values[i], check_deliverability=check_deliverability))
    return col


def clean_email_batch(
    values: Sequence[str], *, check_deliverability: bool = False
) -> list[EmailResult]:
    """:func:`clean_email` for many cells, computed column-wise by :func:`clean_email_column`."""
    col = clean_email_column(values, check_deliverability=check_deliverability)
    return [
        EmailResult(v, s, col.kinds[c], m)
        for v, s, c, m in zip(
            col.value, col.status, col.change_id.tolist(), col.message, strict=True
        )
    ]
