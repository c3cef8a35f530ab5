"""Fast path for the common phone shapes, decided from phonenumbers' own metadata.

A full ``phonenumbers.parse`` + ``is_valid_number`` costs ~50 microseconds (for +1 numbers
validation walks ~25 NANPA regions). Most cells in a CRM export are plainer than what parse is
built for: ASCII digits with spaces, dots, dashes or parentheses, optionally after a ``+``.
For those this module repeats the exact steps phonenumbers would take, using the same metadata
(country-code table, international and national prefixes, number-type patterns and lengths),
but with each region's patterns compiled once into a single expression.

It only ever answers "valid, and here is the E.164 form" or "not sure" (None). Whenever a
step of phonenumbers' parse could branch (an international or national prefix that might be
stripped, digits that start with the region's own country code, a non-geographic country
code), it answers None and the caller uses phonenumbers itself. Invalid numbers are always
confirmed by phonenumbers. ``tests/test_cleaners_phonefast.py`` proves with hypothesis that
every answer matches ``phonenumbers.parse`` + ``is_valid_number`` + ``format_number(E164)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, SUPPORTED_REGIONS, PhoneMetadata

__all__ = ["fast_phone"]

#: Shapes handled here: ASCII digits and ``space ( ) . -``, optionally one ``+`` before them.
_SHAPE_RE = re.compile(r"[ ().\-]*(\+?)[0-9][0-9 ().\-]*")
_DIGITS_ONLY = str.maketrans("", "", " ().-+")

_TYPE_DESCS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


def _desc_pattern(desc: object) -> str | None:
    """One desc as a regex fragment with its length rule as a lookahead, or None."""
    if desc is None:
        return None
    pattern = getattr(desc, "national_number_pattern", None)
    if not pattern:
        return None
    lengths = [n for n in (getattr(desc, "possible_length", None) or ()) if n > 0]
    if getattr(desc, "possible_length", None) and not lengths:
        return None  # possible_length == (-1,): the type does not exist in this region
    if lengths:
        alternatives = "|".join(rf"[0-9]{{{n}}}" for n in sorted(set(lengths)))
        return rf"(?=(?:{alternatives})\Z)(?:{pattern})"
    return rf"(?:{pattern})"


@dataclass(frozen=True)
class _RegionSpec:
    region: str
    country_code: int
    leading_digits: re.Pattern[str] | None
    valid: re.Pattern[str] | None  # fullmatch <=> number type is not UNKNOWN
    idd: re.Pattern[str] | None
    national_prefix: re.Pattern[str] | None


@cache
def _spec(region: str) -> _RegionSpec | None:
    meta = PhoneMetadata.metadata_for_region(region, None)
    if meta is None:
        return None
    general = _desc_pattern(meta.general_desc)
    types = [p for p in (_desc_pattern(getattr(meta, name)) for name in _TYPE_DESCS) if p]
    valid = None
    if general and types:
        valid = re.compile(rf"(?=(?:{general})\Z)(?:{'|'.join(types)})")
    return _RegionSpec(
        region=region,
        country_code=meta.country_code,
        leading_digits=re.compile(meta.leading_digits) if meta.leading_digits else None,
        valid=valid,
        idd=re.compile(meta.international_prefix) if meta.international_prefix else None,
        national_prefix=(
            re.compile(meta.national_prefix_for_parsing)
            if meta.national_prefix_for_parsing
            else None
        ),
    )


def _type_known(nsn: str, spec: _RegionSpec) -> bool:
    return spec.valid is not None and spec.valid.fullmatch(nsn) is not None


@cache
def _country_specs(country_code: int) -> tuple[_RegionSpec, ...] | None:
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions or any(r not in SUPPORTED_REGIONS for r in regions):
        return None  # non-geographic codes ("001") and unknown codes: leave to phonenumbers
    specs = tuple(s for s in (_spec(r) for r in regions) if s is not None)
    return specs if len(specs) == len(regions) else None


def _is_valid(country_code: int, nsn: str) -> bool:
    """phonenumbers.is_valid_number for (country_code, nsn), by the same steps."""
    specs = _country_specs(country_code)
    if specs is None:
        return False
    if len(specs) == 1:
        return _type_known(nsn, specs[0])
    for spec in specs:  # region_code_for_number: first region claiming the number
        if spec.leading_digits is not None:
            if spec.leading_digits.match(nsn):
                return _type_known(nsn, spec)
        elif _type_known(nsn, spec):
            return True
    return False


def _split_country_code(digits: str) -> tuple[int, str] | None:
    """phonenumbers' _extract_country_code: the first 1-3 digit prefix that is a known code."""
    if not digits or digits[0] == "0":
        return None
    for i in range(1, min(3, len(digits)) + 1):
        code = int(digits[:i])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[i:]
    return None


def fast_phone(value: str, region: str) -> str | None:
    """The E.164 form of ``value`` when it is certainly a valid number, else None (unsure).

    ``value`` is a trimmed cell; ``region`` the ISO alpha-2 region for national numbers.
    """
    shape = _SHAPE_RE.fullmatch(value)
    if shape is None:
        return None
    digits = value.translate(_DIGITS_ONLY)
    if shape.group(1):  # "+" then country code
        split = _split_country_code(digits)
        if split is None:
            return None
        country_code, nsn = split
        specs = _country_specs(country_code)
        if specs is None:
            return None
        main = specs[0]
        if main.national_prefix is not None and main.national_prefix.match(nsn):
            return None
    else:
        spec = _spec(region)
        if spec is None:
            return None
        if spec.idd is not None and spec.idd.match(digits):
            return None
        if digits.startswith(str(spec.country_code)):
            return None
        if spec.national_prefix is not None and spec.national_prefix.match(digits):
            return None
        country_code, nsn = spec.country_code, digits
    if not 2 <= len(nsn) <= 17 or not _is_valid(country_code, nsn):
        return None
    return f"+{country_code}{nsn}"
