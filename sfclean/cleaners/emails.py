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
strict shape check (:func:`fast_email_ok`) decides "valid" without calling
email-validator; anything else, and every address the expression does not accept, goes to
email-validator. ``tests/test_cleaners_emails.py`` proves with hypothesis that every address
the fast path accepts is accepted by email-validator with the same normalized form.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, NamedTuple

import email_validator
import pandas as pd

from sfclean.cleaners.text import TRIM_CHARS, remove_zero_width

__all__ = [
    "DOMAIN_CHARS",
    "LOCAL_CHARS",
    "EmailResult",
    "clean_email",
    "clean_emails",
    "fast_email_ok",
]

EmailStatus = Literal["ok", "missing", "invalid"]

#: Characters of an unquoted local part (RFC 5322 atext, lowercase) plus the dot.
LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-."
#: Characters of an ASCII host name (letters, digits, hyphen) plus the dot.
DOMAIN_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-."
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SPECIAL_USE = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)

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

    The shape: ``local@label.label.tld`` where the local part is dot-separated RFC 5322 atoms
    (at most 64 characters), each label is letters/digits/hyphens not starting or ending with
    a hyphen (at most 63 characters), the TLD is 2-63 letters and not a special-use name
    (``test``, ``localhost``, ...), and the whole address is at most 254 characters. Labels
    that look like IDNA (``--``) are left to email-validator. Written with ``str`` methods
    rather than one regular expression because it runs once per distinct address.
    """
    local, at, domain = address.partition("@")
    if (
        not at
        or not 0 < len(local) <= 64
        or len(address) > 254
        or local.strip(LOCAL_CHARS)
        or domain.strip(DOMAIN_CHARS)
        or local[0] == "."
        or local[-1] == "."
        or ".." in local
        or "--" in domain
    ):
        return False
    labels = domain.split(".")
    if len(labels) < 2:
        return False
    for label in labels:
        if not 0 < len(label) <= 63 or label[0] == "-" or label[-1] == "-":
            return False
    tld = labels[-1]
    return len(tld) >= 2 and not tld.strip(_LETTERS) and tld not in _SPECIAL_USE


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


def clean_email(raw: str, *, check_deliverability: bool = False) -> EmailResult:
    """Clean and validate one email cell (see the module docstring for the steps)."""
    changes: list[str] = []
    value = raw if raw.isascii() else remove_zero_width(raw)
    value = value.strip(TRIM_CHARS)
    if value != raw:
        changes.append("whitespace-trimmed")
    if not value:
        return EmailResult("", "missing", tuple(changes))
    unwrapped = _unwrap(value)
    if unwrapped != value:
        changes.append("email-unwrapped")
        value = unwrapped
        if not value:
            return EmailResult("", "missing", tuple(changes))
    lowered = value.lower()
    if lowered != value:
        changes.append("email-lowercased")
        value = lowered
    if not check_deliverability and value.isascii() and fast_email_ok(value):
        return EmailResult(value, "ok", tuple(changes))
    try:
        info = email_validator.validate_email(value, check_deliverability=check_deliverability)
    except email_validator.EmailNotValidError as exc:
        return EmailResult(value, "invalid", tuple(changes), str(exc))
    normalized = unicodedata.normalize("NFC", info.normalized).lower()
    if normalized != value:
        changes.append("email-normalized")
    return EmailResult(normalized, "ok", tuple(changes))


def clean_emails(values: pd.Series, *, check_deliverability: bool = False) -> pd.Series:
    """Clean every cell of a Series of strings; returns a Series of :class:`EmailResult`.

    Each distinct raw value is cleaned once, so repeated addresses cost nothing extra.
    """
    uniques = pd.unique(values)
    results = {raw: clean_email(raw, check_deliverability=check_deliverability) for raw in uniques}
    return values.map(results)
