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
strict regular expression (:data:`FAST_EMAIL_RE`) decides "valid" without calling
email-validator; anything else, and every address the expression does not accept, goes to
email-validator. ``tests/test_cleaners_emails.py`` proves with hypothesis that every address
the fast path accepts is accepted by email-validator with the same normalized form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import email_validator
import pandas as pd

from sfclean.cleaners.text import TRIM_CHARS, remove_zero_width

__all__ = ["FAST_EMAIL_RE", "EmailResult", "clean_email", "clean_emails", "fast_email_ok"]

EmailStatus = Literal["ok", "missing", "invalid"]

_ATEXT = r"a-z0-9!#$%&'*+/=?^_`{|}~-"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"

#: The plain ASCII shape accepted without calling email-validator (input already lowercased).
FAST_EMAIL_RE = re.compile(
    rf"(?P<local>[{_ATEXT}]{{1,64}}(?:\.[{_ATEXT}]+)*)@(?P<domain>(?:{_LABEL}\.)+[a-z]{{2,63}})"
)
_SPECIAL_USE = tuple(email_validator.SPECIAL_USE_DOMAIN_NAMES)

_WRAPPED_RE = re.compile(r"(?s)^(?P<name>[^<>]*)<(?P<addr>[^<>]*)>$")
_MAILTO_RE = re.compile(r"(?i)^mailto:")


@dataclass(frozen=True)
class EmailResult:
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

    Conservative on purpose: IDNA-looking labels (``--``), special-use domains (``.test``,
    ``localhost``, ...) and anything over the length limits are left to email-validator.
    """
    if len(address) > 254 or "--" in address:
        return False
    match = FAST_EMAIL_RE.fullmatch(address)
    if match is None:
        return False
    local = match.group("local")
    domain = match.group("domain")
    if len(local) > 64 or len(domain) > 253:
        return False
    tld = domain.rsplit(".", 1)[-1]
    return not any(domain == s or domain.endswith("." + s) or tld == s for s in _SPECIAL_USE)


def _unwrap(value: str) -> str:
    """Strip a display-name wrapper and a ``mailto:`` prefix; return the bare address."""
    match = _WRAPPED_RE.match(value)
    if match is not None:
        value = match.group("addr").strip(TRIM_CHARS)
    if _MAILTO_RE.match(value):
        value = value[len("mailto:") :].strip(TRIM_CHARS)
        # A mailto URL may carry ?subject=...; the address ends there.
        value = value.split("?", 1)[0]
    return value


def clean_email(raw: str, *, check_deliverability: bool = False) -> EmailResult:
    """Clean and validate one email cell (see the module docstring for the steps)."""
    changes: list[str] = []
    value = remove_zero_width(raw).strip(TRIM_CHARS)
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
