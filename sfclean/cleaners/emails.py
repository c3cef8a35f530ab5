"""Cleaning and validating one email address, to what a Salesforce org accepts.

Order of work for each cell (the same order the findings report):

1. delete zero-width characters anywhere and trim Unicode whitespace from both ends
   (finding ``whitespace-trimmed``);
2. remove Excel's leading apostrophe, its "store as text" marker (``'ann@x.com``; finding
   ``apostrophe-removed``), as the phone cleaner does;
3. a spreadsheet's placeholder for "no address" (:data:`MISSING_PLACEHOLDERS`: ``N/A``, ``-``,
   ``none``, ``null``, ``#N/A``, ...) counts as a blank cell (reason ``missing-email``);
4. unwrap a display-name wrapper ``Sara Lee <sara@x.com>``, angle brackets ``<sara@x.com>`` and a
   ``mailto:`` prefix (finding ``email-unwrapped``);
5. a stray ``;`` or ``,`` at either end is trimmed (finding ``email-separator-trimmed``); a cell
   with several addresses (``a@x.com; b@y.com``, ``a@x.com, b@y.com``, ``a@x.com / b@y.com``)
   keeps the first (finding ``email-first-of-several``, naming how many there were);
6. lowercase the whole address (finding ``email-lowercased``); Salesforce stores emails in
   lower case and matches them case-insensitively;
7. validate the syntax with email-validator (no DNS unless ``check_deliverability=True``) and
   hold back what a standard org refuses (below).

What a standard org accepts (Salesforce Help, "Salesforce Email Address Format Technical
Standards Validation", article 000384328, and "How does Salesforce qualify an email address?",
000001145): a local part of ``a-z 0-9 . ! # $ % & ' * / = ? ^ _ + - ` { | } ~`` (no quotes,
no spaces), a domain of letters, digits, dashes and dots, at most 80 characters (the length of
the standard Email field). So:

- a non-ASCII local part (``jürgen@x.de``) is refused by the org with INVALID_EMAIL_ADDRESS
  unless Email Address Internationalization (EAI, Setup, API 49.0+) is on: reason
  ``email-not-ascii`` (it is a real address: the row is held back, not "invalid"). With
  ``internationalized=True`` (for orgs with EAI on) such addresses pass, in NFC; an ASCII
  address gets the same result with or without the option;
- an internationalized domain (``ann@bücher.de``) is CONVERTED, not held back: the domain part
  accepts letters, digits and dashes only, and the IDNA "xn--" form (``ann@xn--bcher-kva.de``,
  email-validator's ``ascii_email``) is the same domain in exactly those characters, the form
  DNS and mail servers use (finding ``email-domain-punycoded``). With ``internationalized=True``
  the same happens when the local part is ASCII, so ``ann@bücher.de`` and
  ``ann@xn--bcher-kva.de`` stay one person in the in-file dedupe and in exclude; only an
  address with a non-ASCII local part (which has no ASCII form) is kept in Unicode, NFC;
- longer than 80 characters (counted on the form that is stored): reason ``email-too-long``;
  whether an EAI org counts characters or bytes is UNCONFIRMED (no Salesforce page says), so
  the check counts characters;
- a quoted local part (``"ann lee"@x.com``) and an IP-literal domain (``ann@[10.0.0.1]``) are
  refused by email-validator's defaults, and the org's character lists have neither: reason
  ``invalid-email``;
- a top-level domain that does not exist (``acme-corp.con``, ``gmail.cmo``), checked against
  the Public Suffix List (:mod:`~sfclean.cleaners.domains`): reason ``unknown-tld``, with a
  hint (``did you mean .com?``). The org itself takes such an address, but no mail reaches it
  and a typo in the domain makes a duplicate that no matching rule catches. The one exception
  is ``.example`` (:data:`DOCUMENTATION_TLDS`), reserved by RFC 2606 for documentation and
  used by sfclean's own sample data and tests; email-validator accepts it too.

Known, deliberate difference: the org also takes two dots in a row inside a local part
(``a..b@x.jp``, requested by Japanese carriers) and comments (``john@(c)x.com``);
email-validator refuses both, so such rows are held back as ``invalid-email``.

Speed: most real addresses have the plain ASCII shape ``local@label.label.tld``. For those a
strict regular expression (:data:`FAST_EMAIL_RE`, :func:`fast_email_ok`) decides "valid"
without calling email-validator; every address it does not accept goes to email-validator.
:func:`clean_email_column` finds that common case for a whole column at once
(:func:`~sfclean.cleaners.emailfast.scan_emails`). :mod:`sfclean.cleaners.emailfast` holds
that fast path and says how ``tests/test_cleaners_emails.py`` proves it equal to this
module's results.

Its reason and finding codes are declared in :mod:`sfclean.codes`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal, NamedTuple

import email_validator
import numpy as np
import pyarrow as pa

from sfclean.cleaners.domains import tld_hint
from sfclean.cleaners.emailfast import (
    DOCUMENTATION_TLDS,
    EMAIL_FIELD_LENGTH,
    FAST_EMAIL_RE,
    fast_email_ok,
    put_cells,
    scan_emails,
    tld_ok,
)
from sfclean.cleaners.lines import CellColumn
from sfclean.cleaners.text import TRIM_CHARS, trim_cell
from sfclean.codes import (
    APOSTROPHE_REMOVED,
    EMAIL_DOMAIN_PUNYCODED,
    EMAIL_FIRST_OF_SEVERAL,
    EMAIL_LOWERCASED,
    EMAIL_NORMALIZED,
    EMAIL_NOT_ASCII,
    EMAIL_SEPARATOR_TRIMMED,
    EMAIL_TOO_LONG,
    EMAIL_UNWRAPPED,
    INVALID_EMAIL,
    MISSING_EMAIL,
    UNKNOWN_TLD,
    WHITESPACE_TRIMMED,
)

__all__ = [
    "DOCUMENTATION_TLDS",
    "EMAIL_FIELD_LENGTH",
    "FAST_EMAIL_RE",
    "MISSING_PLACEHOLDERS",
    "EmailResult",
    "clean_email",
    "clean_email_batch",
    "clean_email_column",
    "dns_answers",
    "fast_email_ok",
    "tld_ok",
]

EmailStatus = Literal["ok", "missing", "invalid"]

#: Cells that mean "no address" (compared case-insensitively, after trimming).
MISSING_PLACEHOLDERS: frozenset[str] = frozenset(
    {"n/a", "na", "n.a.", "#n/a", "-", "--", "none", "null", "nil", "(none)", "(blank)"}
)

_WRAPPED_RE = re.compile(r"(?s)^(?P<name>[^<>]*)<(?P<addr>[^<>]*)>$")
#: Where a cell may hold several addresses: ``;`` ``,`` `` / `` or spaces between them.
_SEPARATOR_RE = re.compile(r"\s*[;,]\s*|\s+/\s+|\s+")
_MAY_SEPARATE_RE = re.compile(r"[;,\s]")


class EmailResult(NamedTuple):
    """The outcome for one email cell.

    ``value`` is the normalized address ("" when missing); ``status`` is ``ok``, ``missing`` or
    ``invalid``; ``changes`` lists the finding codes for what was changed; ``message`` says why
    an address is held back (or, for the several-addresses finding, how many there were);
    ``reason`` is the reason code of a held-back address (``missing-email``, ``invalid-email``,
    ``email-not-ascii``, ``email-too-long``, ``unknown-tld``), "" when ``ok``.
    """

    value: str
    status: EmailStatus
    changes: tuple[str, ...] = ()
    message: str = ""
    reason: str = ""


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


def _first_address(value: str) -> tuple[str, str, int]:
    """(address, finding code or "", how many addresses) for a cell that may hold several.

    Split on ``;``, ``,``, `` / `` and spaces: one piece left means a stray separator was
    trimmed; two or more pieces with an ``@`` mean several addresses, the first is kept.
    Anything else (``sara lee@x.com``) is left as it is, for validation to refuse.
    """
    if _MAY_SEPARATE_RE.search(value) is None:
        return value, "", 1
    pieces = [p for p in _SEPARATOR_RE.split(value) if p]
    if len(pieces) == 1:
        return _unwrap(pieces[0]), EMAIL_SEPARATOR_TRIMMED, 1
    addresses = [a for a in map(_unwrap, pieces) if "@" in a]
    if len(addresses) >= 2:
        return addresses[0], EMAIL_FIRST_OF_SEVERAL, len(addresses)
    return value, "", 1


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


def _prepare(raw: str) -> tuple[str, list[str], str]:
    """Steps 1-6 of the module docstring: (address or "" when missing, changes, message)."""
    changes: list[str] = []
    value = trim_cell(raw)
    if value != raw:
        changes.append(WHITESPACE_TRIMMED)
    if value.startswith("'"):
        value = value.lstrip("'").strip(TRIM_CHARS)
        changes.append(APOSTROPHE_REMOVED)
    if value.lower() in MISSING_PLACEHOLDERS:
        return "", changes, f"'{value}' stands for no address"
    unwrapped = _unwrap(value)
    if unwrapped != value:
        changes.append(EMAIL_UNWRAPPED)
        value = unwrapped
    value, split, count = _first_address(value)
    if split:
        changes.append(split)
    lowered = value.lower()
    if lowered != value:
        changes.append(EMAIL_LOWERCASED)
        value = lowered
    message = f"{count} addresses in the cell; the first is kept" if count > 1 else ""
    return value, changes, message


def clean_email(
    raw: str, *, check_deliverability: bool = False, internationalized: bool = False
) -> EmailResult:
    """Clean and validate one email cell (see the module docstring for the steps).

    ``internationalized=True`` is for orgs with Email Address Internationalization on: a
    non-ASCII local part passes (in Unicode, NFC). Any address with an ASCII local part gets
    exactly the result it gets without the option (a Unicode domain becomes its "xn--" form),
    so one mailbox has one form whichever way it was typed.
    """
    value, changes, note = _prepare(raw)
    if not value:
        return EmailResult("", "missing", tuple(changes), note, MISSING_EMAIL)
    internationalized = internationalized and not value.isascii()
    if not check_deliverability and value.isascii() and fast_email_ok(value):
        return EmailResult(value, "ok", tuple(changes), note)
    utf8_refused = False
    if not internationalized and not value.rpartition("@")[0].isascii():
        # ask with SMTPUTF8 first: an address valid only with it is refused without (its
        # local part needs it), so one call answers what the call without it and
        # _refused's call with it would (the usual non-ASCII local part: email-not-ascii)
        answer = _utf8_only(value, check_deliverability)
        if answer is None:
            return EmailResult(value, "invalid", tuple(changes), _NOT_ASCII, EMAIL_NOT_ASCII)
        utf8_refused = answer
    try:
        info = email_validator.validate_email(
            value, check_deliverability=check_deliverability, allow_smtputf8=internationalized
        )
    except email_validator.EmailNotValidError as exc:
        return _refused(value, changes, str(exc), check_deliverability, utf8_refused)
    if info.ascii_email is None:  # a non-ASCII local part (only with internationalized)
        normalized = unicodedata.normalize("NFC", info.normalized).lower()
    else:
        normalized = info.ascii_email.lower()
        if not value.rpartition("@")[2].isascii():
            changes.append(EMAIL_DOMAIN_PUNYCODED)
    if normalized != value and EMAIL_DOMAIN_PUNYCODED not in changes:
        changes.append(EMAIL_NORMALIZED)
    tld = info.ascii_domain.rsplit(".", 1)[-1].lower()
    if not tld_ok(tld):
        hint = tld_hint(tld)
        tip = f"; did you mean .{hint}?" if hint else ""
        message = f"'.{tld}' is not a top-level domain{tip}"
        return EmailResult(normalized, "invalid", tuple(changes), message, UNKNOWN_TLD)
    if len(normalized) > EMAIL_FIELD_LENGTH:
        message = (
            f"{len(normalized)} characters; the Email field holds {EMAIL_FIELD_LENGTH}, so the "
            "org refuses it"
        )
        return EmailResult(normalized, "invalid", tuple(changes), message, EMAIL_TOO_LONG)
    return EmailResult(normalized, "ok", tuple(changes), note)


_NOT_ASCII = (
    "the part before the @ has non-ASCII characters, which a standard org refuses "
    "(INVALID_EMAIL_ADDRESS); orgs with Email Address Internationalization accept it"
)


def _utf8_only(value: str, deliverability: bool) -> bool | None:
    """None when email-validator accepts ``value`` only with SMTPUTF8 (its local part needs
    it); True when it refuses it even so; False otherwise (valid with an ASCII local part)."""
    try:
        info = email_validator.validate_email(
            value, check_deliverability=deliverability, allow_smtputf8=True
        )
    except email_validator.EmailNotValidError:
        return True
    return None if info.ascii_email is None else False


def _refused(
    value: str, changes: list[str], message: str, deliverability: bool, utf8_refused: bool = False
) -> EmailResult:
    """The result for an address email-validator refused: ``email-not-ascii`` when the only
    trouble is a non-ASCII local part, else ``invalid-email`` (``utf8_refused``: it is
    known to be refused with SMTPUTF8 too)."""
    local = value.rpartition("@")[0]
    if local and not local.isascii() and not utf8_refused:
        try:
            email_validator.validate_email(
                value, check_deliverability=deliverability, allow_smtputf8=True
            )
        except email_validator.EmailNotValidError:
            pass
        else:
            return EmailResult(value, "invalid", tuple(changes), _NOT_ASCII, EMAIL_NOT_ASCII)
    return EmailResult(value, "invalid", tuple(changes), message, INVALID_EMAIL)


_TRIMMED = (WHITESPACE_TRIMMED,)
_LOWERED = (EMAIL_LOWERCASED,)
_TRIMMED_LOWERED = (WHITESPACE_TRIMMED, EMAIL_LOWERCASED)


_FAST_KINDS: tuple[tuple[str, ...], ...] = ((), _LOWERED, _TRIMMED, _TRIMMED_LOWERED)


def clean_email_column(
    values: Sequence[str],
    *,
    check_deliverability: bool = False,
    internationalized: bool = False,
    cells: pa.Array | None = None,
) -> CellColumn:
    """:func:`clean_email` for every cell, as a :class:`~sfclean.cleaners.lines.CellColumn`
    (its ``reason`` array holds each held-back cell's reason code; its ``cells`` the values
    as one pyarrow array, when the scan ran). ``cells``: ``values`` as one pyarrow string
    array, when the caller has it.

    Computed column-wise: the common case (ASCII, maybe padded or in capitals, plain shape)
    is found by :func:`~sfclean.cleaners.emailfast.scan_emails` over all cells at once; every other cell goes through
    :func:`clean_email`. A cell the scan accepts as it is (no padding, no capitals) is its
    own value, the same str object, so a column of clean addresses costs no new strings. A
    test checks the two agree.
    """
    n = len(values)
    col = CellColumn.start(n, _FAST_KINDS)
    scan = scan_emails(values, cells) if n and not check_deliverability else None
    if scan is None:
        slow = np.arange(n)
    else:
        changed = scan.trimmed | scan.cased
        col.change_id[:] = np.where(scan.trimmed, 2, 0) + scan.cased
        same = scan.fast & ~changed
        col.value[same] = np.asarray(values, dtype=object)[same]
        changed = np.flatnonzero(scan.fast & changed)
        col.value[changed] = scan.address.take(changed).to_pylist()
        slow = np.flatnonzero(~scan.fast)
    col.fill_slow(
        slow,
        lambda i: clean_email(
            values[i],
            check_deliverability=check_deliverability,
            internationalized=internationalized,
        ),
    )
    return col if scan is None else replace(col, cells=_value_cells(scan.address, col, slow))


def _value_cells(address: pa.Array, col: CellColumn, slow: np.ndarray) -> pa.Array | None:
    """The column's values as one pyarrow array: the scan's addresses (a value the scan
    accepts is its address), the cells cleaned one by one put in; None when pyarrow cannot
    hold one of them (a lone surrogate)."""
    if not len(slow):
        return address
    where = np.zeros(len(col.value), dtype=bool)
    where[slow] = True
    try:
        return put_cells(address, where, col.value[slow].tolist())
    except UnicodeEncodeError:
        return None


def clean_email_batch(
    values: Sequence[str], *, check_deliverability: bool = False, internationalized: bool = False
) -> list[EmailResult]:
    """:func:`clean_email` for many cells, computed column-wise by :func:`clean_email_column`."""
    col = clean_email_column(
        values, check_deliverability=check_deliverability, internationalized=internationalized
    )
    return [
        EmailResult(v, s, col.kinds[c], m, r)
        for v, s, c, m, r in zip(
            col.value, col.status, col.change_id.tolist(), col.message, col.reason, strict=True
        )
    ]
