"""Cleaning one phone cell into E.164 with phonenumbers.

Output form: the E.164 number, then any extension in RFC 3966 style, e.g.
``+14155550123`` or ``+14155550123;ext=12``. phonenumbers parses that form back to the same
number and extension, so cleaning a cleaned file changes nothing.

Steps for each cell:

1. delete zero-width characters, trim Unicode whitespace (finding ``whitespace-trimmed``);
2. remove a leading apostrophe (Excel's "store as text" marker; finding ``apostrophe-removed``);
3. recognise spreadsheet damage: scientific notation (``4.15555E+09``) or a trailing ``.0``
   (``4155550123.0``) mean a spreadsheet stored the number as a float and digits may be gone.
   Such a value is never "repaired": it is treated as invalid (finding ``phone-damaged``);
4. parse with the row's region (``tel:`` URIs and the region's own international prefix are
   understood by phonenumbers); if that gives no valid number and the digits start with ``00``
   or ``011`` (the two common international prefixes), parse again as ``+`` and the rest;
5. keep the number only if phonenumbers says it is valid (finding ``invalid-phone`` otherwise);
   a rewritten value gets the finding ``phone-formatted``.

Speed: :mod:`sfclean.cleaners.phonefast` decides the common shapes (plain national digits,
``+`` and digits) from phonenumbers' own metadata without a full parse; anything it is not sure
about goes through ``phonenumbers.parse`` here. :mod:`sfclean.cleaners.phonecolumn` runs the
common case for many cells at once; tests prove both agree with phonenumbers and each other.
"""

from __future__ import annotations

import re
import traceback
from typing import Literal, NamedTuple

import phonenumbers

from sfclean.cleaners.phonefast import fast_phone
from sfclean.cleaners.text import TRIM_CHARS, trim_cell
from sfclean.codes import APOSTROPHE_REMOVED, PHONE_FORMATTED, WHITESPACE_TRIMMED

__all__ = ["PhoneResult", "clean_phone", "float_damaged", "format_e164", "invalid_phone_message"]

PhoneStatus = Literal["blank", "ok", "invalid", "damaged"]

_SCIENTIFIC_RE = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")
_FLOAT_TAIL_RE = re.compile(r"\+?\d+\.0+")
_SEPARATORS_RE = re.compile(r"[\s().\-/]+")
_INTL_PREFIX_RE = re.compile(r"(?:00|011)(?=[1-9])")


class PhoneResult(NamedTuple):
    """The outcome for one phone cell.

    ``value`` is the E.164 form (with ``;ext=N`` when there is an extension) for ``ok``, else
    the trimmed input; ``status`` is ``blank``, ``ok``, ``invalid`` or ``damaged``; ``changes``
    lists finding codes for what was changed; ``message`` explains an invalid or damaged value.
    """

    value: str
    status: PhoneStatus
    changes: tuple[str, ...] = ()
    message: str = ""


def format_e164(number: phonenumbers.PhoneNumber) -> str:
    """E.164, plus ``;ext=N`` when the number has an extension."""
    text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        text += f";ext={number.extension}"
    return text


def invalid_phone_message(region: str) -> str:
    """The message of an invalid phone cell read in ``region``."""
    return f"not a valid phone number (region {region})"


def float_damaged(value: str) -> bool:
    """Is the trimmed cell ``value`` how a spreadsheet writes a number it stored as a float
    (``4.15555E+09``, ``4155550123.0``)? Its digits may be lost (step 3 above)."""
    return ("." in value or "e" in value or "E" in value) and bool(
        _SCIENTIFIC_RE.fullmatch(value) or _FLOAT_TAIL_RE.fullmatch(value)
    )


def _parse_valid(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        # parse keeps the exception it retries after in a local (sys.exc_info()), a cycle
        # through its frame that would hold every caller's frame until the collector runs
        traceback.clear_frames(exc.__traceback__)
        return None
    return number if phonenumbers.is_valid_number(number) else None


def clean_phone(raw: str, region: str) -> PhoneResult:
    """Clean one phone cell, reading national numbers in ``region`` (ISO alpha-2)."""
    changes: list[str] = []
    value = trim_cell(raw)
    if value != raw:
        changes.append(WHITESPACE_TRIMMED)
    if not value:
        return PhoneResult("", "blank", tuple(changes))
    if value.startswith("'"):
        value = value.lstrip("'").strip(TRIM_CHARS)
        changes.append(APOSTROPHE_REMOVED)
        if not value:
            return PhoneResult("", "blank", tuple(changes))
    if float_damaged(value):
        return PhoneResult(
            value,
            "damaged",
            tuple(changes),
            "a spreadsheet stored this number as a float, so digits may be lost; "
            "re-export the column as text",
        )
    fast = fast_phone(value, region)
    if fast is False:
        return PhoneResult(value, "invalid", tuple(changes), invalid_phone_message(region))
    if isinstance(fast, str):
        number_text = fast
    else:
        number = _parse_valid(value, region)
        if number is None:
            compact = _SEPARATORS_RE.sub("", value)
            if _INTL_PREFIX_RE.match(compact):
                number = _parse_valid("+" + _INTL_PREFIX_RE.sub("", compact, count=1), region)
        if number is None:
            return PhoneResult(value, "invalid", tuple(changes), invalid_phone_message(region))
        number_text = format_e164(number)
    if number_text != value:
        changes.append(PHONE_FORMATTED)
    return PhoneResult(number_text, "ok", tuple(changes))
