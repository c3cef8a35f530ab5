"""Fast path for the common phone shapes, decided from phonenumbers' own metadata.

A full ``phonenumbers.parse`` + ``is_valid_number`` costs ~50 microseconds (for +1 numbers
validation walks ~25 NANPA regions). Most cells in a CRM export are plainer than what parse is
built for: ASCII digits with spaces, dots, dashes or parentheses, optionally after a ``+``.
For those this module repeats the exact steps phonenumbers would take, using the same metadata
(country-code table, international and national prefixes, number-type patterns and lengths),
but with each region's patterns compiled once into a single expression.

It answers "valid, and here is the E.164 form" (a str), "certainly invalid" (False) or "not
sure" (None). It follows the branches of parse that the metadata decides: a trunk prefix
parse strips (``020 7946 0958``; when neither reading is valid, the number is invalid), the
region's own country code written in front (``1 416 555 0199``), the region's own plain
international prefix (``0044 20 ...`` read as ``+44 20 ...``). Where parse could go another
way it answers None and the caller uses phonenumbers itself: a national prefix with a
transform rule, a non-geographic country code, and no "invalid" answer for digits that start
with ``00``/``011``, which the caller retries as ``+``. ``tests/test_cleaners_phonefast.py``
proves with hypothesis that every answer matches ``phonenumbers.parse`` + ``is_valid_number``
+ ``format_number(E164)`` (and the caller's retry for "invalid").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from phonenumbers import PhoneMetadata

from sfclean.cleaners.phonemeta import (
    ByLength,
    country_specs,
    idd_literal,
    is_valid,
    possible_lengths,
    region_spec,
    split_country_code,
)
from sfclean.regexcache import compile_kept

__all__ = [
    "RETRY",
    "SEPARATOR_BYTES",
    "Route",
    "fast_phone",
    "idd_guard",
    "international_route",
    "national_route",
]

#: Shapes handled here: ASCII digits and ``space ( ) . - /``, optionally one ``+`` before them.
SEPARATOR_BYTES = b" ().-/+"


@dataclass(frozen=True)
class Route:
    """Compiled checks for one way in: national digits of a region, or + and a country code.

    ``guard`` matches (empty) at the start of the digits unless phonenumbers' parse could
    read the region's own international prefix there; then the answer is "not sure".
    ``retry`` matches unless the digits start with ``00``/``011``, which the caller retries as
    ``+`` when the first parse finds no valid number: such digits get no "invalid" answer (a
    valid answer is the first parse's, so the retry never happens). National digits that start with the
    region's own country code (``cc_prefix``) are read as parse does: the code is split off
    only when the whole digits do not fit the region's general pattern and the rest is valid.
    ``national_prefix`` is the region's
    national_prefix_for_parsing; when it matches, parse strips it, and the fast path follows
    only when there is no transform rule (``strip_ok``). ``quick`` fullmatches numbers the
    first region of the country code claims as valid, so the common case costs one regex.
    """

    country_code: int
    guard: re.Pattern[str] | None
    retry: re.Pattern[str] | None
    cc_prefix: str | None
    general: re.Pattern[str] | None
    general_lengths: frozenset[int] | None  # None: any
    national_prefix: re.Pattern[str] | None
    main_national_prefix: re.Pattern[str] | None  # of the code's first region (see _decide)
    strip_ok: bool
    quick: ByLength | None
    direct: ByLength | None  # guard, no cc prefix, no national prefix, and quick


def _route(
    country_code: int, guard: str, retry: str, prefix_region: str, cc_prefix: str | None
) -> Route | None:
    specs = country_specs(country_code)
    prefix_spec = region_spec(prefix_region)
    if specs is None or prefix_spec is None:
        return None
    meta = PhoneMetadata.metadata_for_region(prefix_region, None)
    first = specs[0]
    quick = first.valid if first.valid is not None and first.leading_digits is None else None
    general = getattr(meta.general_desc, "national_number_pattern", None) if meta else None
    direct = None
    if quick is not None:
        not_cc = f"(?!{cc_prefix})" if cc_prefix else ""
        np_spec = prefix_spec.national_prefix
        not_np = f"(?!{np_spec.pattern})" if np_spec is not None else ""
        direct = quick.prefixed(f"{guard}{not_cc}{not_np}")
    return Route(
        country_code=country_code,
        guard=compile_kept(guard) if guard else None,
        retry=compile_kept(retry) if retry else None,
        cc_prefix=cc_prefix,
        general=compile_kept(general) if general else None,
        general_lengths=possible_lengths(meta.general_desc if meta else None),
        national_prefix=prefix_spec.national_prefix,
        main_national_prefix=first.national_prefix,
        strip_ok=not getattr(meta, "national_prefix_transform_rule", None),
        quick=quick,
        direct=direct,
    )


@cache
def national_route(region: str) -> Route | None:
    spec = region_spec(region)
    if spec is None:
        return None
    return _route(spec.country_code, idd_guard(region), RETRY, region, str(spec.country_code))


#: Digits the caller retries as ``+`` and the rest when the first parse finds nothing valid.
RETRY = "(?!00|011)"


def idd_guard(region: str) -> str:
    """A lookahead that fails where parse reads the region's own international prefix."""
    spec = region_spec(region)
    return f"(?!{spec.idd.pattern})" if spec is not None and spec.idd is not None else ""


@cache
def international_route(country_code: int) -> Route | None:
    specs = country_specs(country_code)
    return _route(country_code, "", "", specs[0].region, None) if specs else None


def _decide(route: Route, nsn: str) -> str | bool | None:
    code = route.country_code
    if route.direct is not None and route.direct.fullmatch(nsn):
        return f"+{code}{nsn}"
    if route.guard is not None and not route.guard.match(nsn):
        return None
    if route.cc_prefix is not None and nsn.startswith(route.cc_prefix):
        return _decide_own_code(route, nsn)
    # From here a "valid" answer is the first parse's; an "invalid" one needs no retry.
    may_retry = route.retry is not None and not route.retry.match(nsn)
    if route.national_prefix is not None:
        match = route.national_prefix.match(nsn)
        if match:
            if not route.strip_ok:
                return None
            stripped = nsn[match.end() :]
            if route.quick is not None and (
                route.quick.fullmatch(stripped) or _other_region_after_trunk(route, stripped)
            ):
                return f"+{code}{stripped}"
            # parse keeps one of the two readings; when neither is valid, the number is not
            if may_retry or is_valid(code, stripped) or is_valid(code, nsn):
                return None
            return False
    # Here the guard passed and no prefix applies, so ``direct`` failing means ``quick`` failed.
    if 2 <= len(nsn) <= 17 and is_valid(code, nsn, first_failed=route.direct is not None):
        return f"+{code}{nsn}"
    return None if may_retry else False


def _other_region_after_trunk(route: Route, stripped: str) -> bool:
    """After a trunk prefix, digits the first region does not know (``quick`` failed) but
    another region of a shared code does (``07509 ...``: Jersey, under +44). parse keeps the
    stripped digits when they fit the general pattern and a possible length of the region."""
    return (
        route.general is not None
        and route.general.fullmatch(stripped) is not None
        and (route.general_lengths is None or len(stripped) in route.general_lengths)
        and is_valid(route.country_code, stripped, first_failed=True)
    )


def _decide_own_code(route: Route, nsn: str) -> str | None:
    """National digits that start with the region's own country code (``1 415 555 0123``).

    parse splits the code off when the whole digits do not fit the region's general pattern
    and the rest (after a national prefix, here required absent) does; then it reads the rest
    with the metadata of the code's first region (its national prefix, also required absent).
    """
    cc, general, quick = route.cc_prefix or "", route.general, route.quick
    rest = nsn[len(cc) :]
    main_np = route.main_national_prefix
    if (
        general is None
        or quick is None
        or general.fullmatch(nsn)
        or not general.fullmatch(rest)
        or (route.national_prefix is not None and route.national_prefix.match(rest))
        or (main_np is not None and main_np.match(rest))
    ):
        return None
    if quick.fullmatch(rest) or is_valid(route.country_code, rest, first_failed=True):
        return f"+{route.country_code}{rest}"
    return None


def fast_phone(value: str, region: str) -> str | bool | None:
    """E.164 text when ``value`` is certainly valid, False when certainly invalid, else None.

    ``value`` is a trimmed cell; ``region`` the ISO alpha-2 region for national numbers.
    """
    if not value.isascii():
        return None
    raw_digits = value.encode("ascii").translate(None, SEPARATOR_BYTES)
    if not raw_digits.isdigit():
        return None
    digits = raw_digits.decode("ascii")
    plus = value.count("+")
    if plus == 0:
        after = _after_idd(digits, region)
        if after is None:
            route = national_route(region)
            return None if route is None else _decide(route, digits)
        answer = _international(after)
        # clean_phone retries an invalid "00..." / "011..." as "+" and the rest: the same
        # number when that is the region's prefix, another one for "010" (JP) or "810" (RU)
        if answer is False and idd_literal(region) not in ("00", "011"):
            return None
        return answer
    if plus == 1 and value.lstrip(" ().-/").startswith("+"):
        return _international(digits)
    return None


def _after_idd(digits: str, region: str) -> str | None:
    """The digits after the region's own plain international prefix, when parse reads one
    (a digit other than ``0`` follows; see
    :func:`~sfclean.cleaners.phonemeta.idd_literal`), else None."""
    idd = idd_literal(region)
    if idd is None or not digits.startswith(idd) or digits[len(idd) : len(idd) + 1] in ("", "0"):
        return None
    return digits[len(idd) :]


def _international(digits: str) -> str | bool | None:
    """The answer for ``+`` and ``digits``."""
    split = split_country_code(digits)
    if split is None:
        return False if digits[0] != "0" else None
    route = international_route(split[0])
    return None if route is None else _decide(route, split[1])
