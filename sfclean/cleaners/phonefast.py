"""Fast path for the common phone shapes, decided from phonenumbers' own metadata.

A full ``phonenumbers.parse`` + ``is_valid_number`` costs ~50 microseconds (for +1 numbers
validation walks ~25 NANPA regions). Most cells in a CRM export are plainer than what parse is
built for: ASCII digits with spaces, dots, dashes or parentheses, optionally after a ``+``.
For those this module repeats the exact steps phonenumbers would take, using the same metadata
(country-code table, international and national prefixes, number-type patterns and lengths),
but with each region's patterns compiled once into a single expression.

It answers "valid, and here is the E.164 form" (a str), "certainly invalid" (False) or "not
sure" (None). Whenever a step of phonenumbers' parse could branch (an international or
national prefix that might be stripped, digits that start with the region's own country code,
``00``/``011`` that the caller retries as ``+``, a non-geographic country code), it answers
None and the caller uses phonenumbers itself. ``tests/test_cleaners_phonefast.py`` proves with
hypothesis that every answer matches ``phonenumbers.parse`` + ``is_valid_number`` +
``format_number(E164)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, SUPPORTED_REGIONS, PhoneMetadata

__all__ = [
    "SEPARATOR_BYTES",
    "country_code_prefix",
    "fast_phone",
    "idd_literal",
    "international_prefixed",
    "international_table",
    "national_direct",
    "national_prefixed",
]

#: Shapes handled here: ASCII digits and ``space ( ) . - /``, optionally one ``+`` before them.
SEPARATOR_BYTES = b" ().-/+"

_TYPE_DESCS = (
    "fixed_line",
    "mobile",
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


def _desc_pattern(desc: object) -> tuple[str, frozenset[int] | None] | None:
    """One desc as (pattern, allowed lengths or None for any), or None if it never matches."""
    if desc is None:
        return None
    pattern = getattr(desc, "national_number_pattern", None)
    if not pattern:
        return None
    declared = getattr(desc, "possible_length", None) or ()
    lengths = frozenset(n for n in declared if n > 0)
    if declared and not lengths:
        return None  # possible_length == (-1,): the type does not exist in this region
    return pattern, (lengths or None)


class _ByLength:
    """A regex per string length: phonenumbers checks each desc's possible lengths before its
    pattern, so splitting by length keeps each compiled expression small and fast."""

    __slots__ = ("patterns",)

    def __init__(self, patterns: dict[int, re.Pattern[str]]) -> None:
        self.patterns = patterns

    def fullmatch(self, text: str) -> re.Match[str] | None:
        pattern = self.patterns.get(len(text))
        return pattern.fullmatch(text) if pattern is not None else None

    def prefixed(self, prefix: str) -> _ByLength:
        """The same per-length expressions behind a prefix of lookaheads."""
        return _ByLength({n: re.compile(prefix + p.pattern) for n, p in self.patterns.items()})


@dataclass(frozen=True)
class _RegionSpec:
    region: str
    country_code: int
    leading_digits: re.Pattern[str] | None
    valid: _ByLength | None  # fullmatch <=> number type is not UNKNOWN
    idd: re.Pattern[str] | None
    national_prefix: re.Pattern[str] | None


def _valid_by_length(meta: object) -> _ByLength | None:
    general = _desc_pattern(getattr(meta, "general_desc", None))
    if general is None:
        return None
    types = [d for d in (_desc_pattern(getattr(meta, name)) for name in _TYPE_DESCS) if d]
    patterns: dict[int, re.Pattern[str]] = {}
    for length in range(1, 18):
        if general[1] is not None and length not in general[1]:
            continue
        # Order and duplicates do not change *whether* some type matches.
        alternatives = list(dict.fromkeys(p for p, ls in types if ls is None or length in ls))
        if alternatives:
            body = "|".join(f"(?:{p})" for p in alternatives)
            patterns[length] = re.compile(rf"(?=(?:{general[0]})\Z)(?:{body})")
    return _ByLength(patterns) if patterns else None


@cache
def _spec(region: str) -> _RegionSpec | None:
    meta = PhoneMetadata.metadata_for_region(region, None)
    if meta is None or meta.country_code is None:
        return None
    return _RegionSpec(
        region=region,
        country_code=meta.country_code,
        leading_digits=re.compile(meta.leading_digits) if meta.leading_digits else None,
        valid=_valid_by_length(meta),
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


@cache
def _claim_plan(country_code: int) -> tuple[tuple[re.Pattern[str] | None, _RegionSpec], ...]:
    """phonenumbers' region_code_for_number loop for a shared country code, precompiled.

    The loop walks the regions in order: a region with leading digits claims the number when
    they match; a region without claims it when the number's type is known there. Each run
    of consecutive leading-digit regions becomes one regex of named alternatives in the same
    order (``match().lastgroup`` names the claimer); a step ``(None, spec)`` is a type check.
    """
    specs = _country_specs(country_code) or ()
    plan: list[tuple[re.Pattern[str] | None, _RegionSpec]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            plan.append((re.compile("|".join(run)), specs[0]))
            run.clear()

    for i, spec in enumerate(specs):
        if spec.leading_digits is None:
            close()
            plan.append((None, spec))
        else:
            run.append(f"(?P<r{i}>{spec.leading_digits.pattern})")
    close()
    return tuple(plan)


def _is_valid(country_code: int, nsn: str, first_failed: bool = False) -> bool:
    """phonenumbers.is_valid_number for (country_code, nsn), by the same steps.

    ``first_failed``: the caller already knows the first region (which has no leading
    digits) does not know the number's type, so that check is skipped.
    """
    specs = _country_specs(country_code)
    if specs is None:
        return False
    if len(specs) == 1:
        return not first_failed and _type_known(nsn, specs[0])
    for claim, spec in _claim_plan(country_code):
        if claim is None:
            if first_failed and spec is specs[0]:
                continue
            if _type_known(nsn, spec):
                return True
            continue
        match = claim.match(nsn)
        if match is not None and match.lastgroup is not None:
            return _type_known(nsn, specs[int(match.lastgroup[1:])])
    return False


@dataclass(frozen=True)
class _Route:
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
    quick: _ByLength | None
    direct: _ByLength | None  # guard, no cc prefix, no national prefix, and quick


def _route(
    country_code: int, guard: str, retry: str, prefix_region: str, cc_prefix: str | None
) -> _Route | None:
    specs = _country_specs(country_code)
    prefix_spec = _spec(prefix_region)
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
    return _Route(
        country_code=country_code,
        guard=re.compile(guard) if guard else None,
        retry=re.compile(retry) if retry else None,
        cc_prefix=cc_prefix,
        general=re.compile(general) if general else None,
        general_lengths=_lengths(meta.general_desc if meta else None),
        national_prefix=prefix_spec.national_prefix,
        main_national_prefix=first.national_prefix,
        strip_ok=not getattr(meta, "national_prefix_transform_rule", None),
        quick=quick,
        direct=direct,
    )


def _lengths(desc: object) -> frozenset[int] | None:
    """A desc's possible lengths (None when it declares none: any length)."""
    declared = [n for n in getattr(desc, "possible_length", None) or () if n > 0]
    return frozenset(declared) if declared else None


@cache
def _national_route(region: str) -> _Route | None:
    spec = _spec(region)
    if spec is None:
        return None
    return _route(spec.country_code, _idd_guard(region), _RETRY, region, str(spec.country_code))


#: Digits the caller retries as ``+`` and the rest when the first parse finds nothing valid.
_RETRY = "(?!00|011)"


def _idd_guard(region: str) -> str:
    """A lookahead that fails where parse reads the region's own international prefix."""
    spec = _spec(region)
    return f"(?!{spec.idd.pattern})" if spec is not None and spec.idd is not None else ""


@cache
def _international_route(country_code: int) -> _Route | None:
    specs = _country_specs(country_code)
    return _route(country_code, "", "", specs[0].region, None) if specs else None


_COUNTRY_CODES = frozenset(str(code) for code in COUNTRY_CODE_TO_REGION_CODE)


def _first_code(prefix: str) -> str | None:
    for i in (1, 2, 3):
        if len(prefix) >= i and prefix[:i] in _COUNTRY_CODES:
            return prefix[:i]
    return None


#: Every 1-3 digit string -> the country code phonenumbers reads at its start (or absent).
_CODE_BY_PREFIX: dict[str, str] = {
    p: c
    for p in (f"{n:0{w}d}" for w in (1, 2, 3) for n in range(10**w))
    if p[0] != "0" and (c := _first_code(p)) is not None
}


def _split_country_code(digits: str) -> tuple[int, str] | None:
    """phonenumbers' _extract_country_code: the first 1-3 digit prefix that is a known code."""
    code = _CODE_BY_PREFIX.get(digits[:3])
    if code is None:
        return None
    return int(code), digits[len(code) :]


def _decide(route: _Route, nsn: str) -> str | bool | None:
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
            if may_retry or _is_valid(code, stripped) or _is_valid(code, nsn):
                return None
            return False
    # Here the guard passed and no prefix applies, so ``direct`` failing means ``quick`` failed.
    if 2 <= len(nsn) <= 17 and _is_valid(code, nsn, first_failed=route.direct is not None):
        return f"+{code}{nsn}"
    return None if may_retry else False


def _other_region_after_trunk(route: _Route, stripped: str) -> bool:
    """After a trunk prefix, digits the first region does not know (``quick`` failed) but
    another region of a shared code does (``07509 ...``: Jersey, under +44). parse keeps the
    stripped digits when they fit the general pattern and a possible length of the region."""
    return (
        route.general is not None
        and route.general.fullmatch(stripped) is not None
        and (route.general_lengths is None or len(stripped) in route.general_lengths)
        and _is_valid(route.country_code, stripped, first_failed=True)
    )


def _decide_own_code(route: _Route, nsn: str) -> str | None:
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
    if quick.fullmatch(rest) or _is_valid(route.country_code, rest, first_failed=True):
        return f"+{route.country_code}{rest}"
    return None


@cache
def national_direct(region: str) -> tuple[str, _ByLength] | None:
    """("+<country code>", regex) for a region's plain national digits, or None.

    The regex fullmatches exactly the digit strings that phonenumbers parses in ``region`` to
    a valid number with those digits as national significant number (the common case).
    """
    route = _national_route(region)
    if route is None or route.direct is None:
        return None
    return f"+{route.country_code}", route.direct


_LITERALS = re.compile(r"\d+(?:\|\d+)*")


def _trunk_leads(route: _Route, guard: str) -> list[tuple[str, int, _ByLength]]:
    """Leads for a national prefix that parse strips (see :func:`national_prefixed`)."""
    np_pattern = route.national_prefix.pattern if route.national_prefix is not None else None
    if route.quick is None or not np_pattern or not route.strip_ok:
        return []
    if not _LITERALS.fullmatch(np_pattern):
        return []
    not_cc = f"(?!{route.cc_prefix})" if route.cc_prefix else ""
    out: list[tuple[str, int, _ByLength]] = []
    earlier: list[str] = []
    shared = _shared_after_trunk(route)
    for literal in np_pattern.split("|"):
        not_earlier = f"(?!{'|'.join(earlier)})" if earlier else ""
        lead = f"{guard}{not_cc}{not_earlier}{literal}"
        out.append((lead, len(literal), route.quick))
        if shared is not None:
            out.append((lead, len(literal), shared))
        earlier.append(literal)
    return out


def _shared_after_trunk(route: _Route) -> _ByLength | None:
    """:func:`_other_region_after_trunk` as per-length expressions (None: no shared code)."""
    shared = _shared_code_valid(route.country_code)
    if shared is None or route.general is None:
        return None
    fits = f"(?=(?:{route.general.pattern})\\Z)"
    lengths = route.general_lengths
    return _ByLength(
        {
            n: re.compile(fits + p.pattern)
            for n, p in shared.patterns.items()
            if lengths is None or n in lengths
        }
    )


@cache
def _shared_code_valid(country_code: int) -> _ByLength | None:
    """Per length, ``_is_valid(country_code, nsn)`` as one expression, for a country code
    shared by several regions (+1: the US, Canada and the Caribbean).

    The claim loop, right to left: a region without leading digits accepts when its type is
    known, else the rest decides; a region with leading digits that match decides alone
    (its type known or not); if they do not match, the rest decides.
    """
    specs = _country_specs(country_code)
    if specs is None or len(specs) < 2:
        return None
    patterns: dict[int, re.Pattern[str]] = {}
    # Only reached when the first region (no leading digits: the US) does not know the type
    # (``_is_valid(first_failed=True)``), so its check is left out.
    later = specs[1:] if specs[0].leading_digits is None else specs
    for length in range(2, 18):
        rest = "(?!)"
        for spec in reversed(later):
            valid = spec.valid.patterns.get(length) if spec.valid is not None else None
            body = f"(?:{valid.pattern})\\Z" if valid is not None else "(?!)"
            if spec.leading_digits is None:
                rest = f"(?:{body}|{rest})" if valid is not None else rest
            else:
                ld = spec.leading_digits.pattern
                rest = f"(?:(?={ld}){body}|(?!{ld}){rest})"
        if rest != "(?!)":
            patterns[length] = re.compile(rest)
    return _ByLength(patterns) if patterns else None


def _shared_lead(route: _Route, lead: str) -> list[tuple[str, int, _ByLength]]:
    """The fallback to ``_is_valid`` for a shared country code (Canadian numbers: the first
    region, the US, does not know them), behind the lookaheads that lead ``_decide`` there.
    Only for routes with a ``direct`` regex: then ``_decide`` reaches ``_is_valid`` with
    ``first_failed``."""
    shared = _shared_code_valid(route.country_code)
    if shared is None or route.direct is None:
        return []
    np_pattern = route.national_prefix.pattern if route.national_prefix is not None else None
    not_np = f"(?!{np_pattern})" if np_pattern else ""
    return [(f"{lead}{not_np}", 0, shared)]


@cache
def national_prefixed(region: str) -> tuple[tuple[str, int, _ByLength], ...]:
    """(lead, prefix length, regex) triples for national digits that start with a prefix
    parse strips.

    Each lead is a regular expression that consumes a prefix at the start of the digits; the
    regex fullmatches the rest exactly when :func:`fast_phone` answers ``"+<code>" + rest``
    through that prefix, by the same steps as ``_decide``:

    - the region's own country code written in front (``1 415 555 0123`` in the US): the
      whole digits must not fit the region's general pattern and the rest must (then parse
      splits the code off), the rest must not start with the region's national prefix nor
      the code's first region's (parse reads the rest with that region's metadata), and the
      rest must be valid in the code's first region or, for a shared code, in another of its
      regions (``1 416 555 0199``: Canada);
    - a national (trunk) prefix (``020 7946 0958``): only when the region's
      national_prefix_for_parsing is a list of digit literals (``0``, ``0|180020``) and there
      is no transform rule; re.match takes the first literal the digits start with, so each
      lead excludes the earlier literals.

    Every lead starts with the region's own international prefix excluded (parse would read
    it as one) and consumes exactly the prefix length; ``00`` / ``011``, which the caller
    retries as ``+``, need no exclusion: every answer here is a valid first parse, so the
    retry never happens. Leads hold no groups. The last triple (prefix length 0) covers the
    other regions of a shared country code: a Canadian number in region CA, which the first
    region (US) does not know.
    """
    route = _national_route(region)
    if route is None or route.quick is None:
        return ()
    guard = _idd_guard(region)
    out: list[tuple[str, int, _ByLength]] = []
    not_np = _not(route.national_prefix)
    if route.cc_prefix is not None and route.general is not None:
        general = route.general.pattern
        lead = f"{guard}(?!(?:{general})\\Z){route.cc_prefix}"
        lead += f"(?=(?:{general})\\Z){not_np}{_not(route.main_national_prefix)}"
        out.append((lead, len(route.cc_prefix), route.quick))
        shared = _shared_code_valid(route.country_code)
        if shared is not None:
            out.append((lead, len(route.cc_prefix), shared))
    not_cc = f"(?!{route.cc_prefix})" if route.cc_prefix else ""
    return tuple(out + _trunk_leads(route, guard) + _shared_lead(route, f"{guard}{not_cc}"))


def _not(pattern: re.Pattern[str] | None) -> str:
    """A lookahead that fails where ``pattern`` matches (empty for no pattern)."""
    return f"(?!{pattern.pattern})" if pattern is not None and pattern.pattern else ""


@cache
def international_prefixed(code: str) -> tuple[tuple[str, int, _ByLength], ...]:
    """Like :func:`national_prefixed`, for the national part after ``+<code>``: a trunk
    prefix written after the country code (``+44 (0)20 7946 0958``), which parse strips,
    and numbers of a shared code's other regions (``+1 416 ...``)."""
    route = _international_route(int(code))
    if route is None:
        return ()
    return tuple(_trunk_leads(route, "") + _shared_lead(route, ""))


@cache
def idd_literal(region: str) -> str | None:
    """The region's international prefix when it is plain digits (``00``, ``011``), else None.

    parse strips it when a digit other than ``0`` follows, and then reads the rest exactly as
    after a ``+`` (phonenumbers' _parse_prefix_as_idd), so ``0044 20 ...`` is ``+44 20 ...``.
    """
    spec = _spec(region)
    pattern = spec.idd.pattern if spec is not None and spec.idd is not None else ""
    return pattern if pattern.isdigit() else None


def country_code_prefix(digits: str) -> str | None:
    """The country code phonenumbers reads at the start of the digits after a ``+``."""
    return _CODE_BY_PREFIX.get(digits[:3])


@cache
def international_table(code: str) -> dict[int, re.Pattern[str]]:
    """Per-length expressions that fullmatch the national part after ``+<code>`` exactly when
    the direct route accepts it (empty when there is no direct route for the code)."""
    route = _international_route(int(code))
    if route is None or route.direct is None:
        return {}
    return route.direct.patterns


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
            route = _national_route(region)
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
    (a digit other than ``0`` follows; see :func:`idd_literal`), else None."""
    idd = idd_literal(region)
    if idd is None or not digits.startswith(idd) or digits[len(idd) : len(idd) + 1] in ("", "0"):
        return None
    return digits[len(idd) :]


def _international(digits: str) -> str | bool | None:
    """The answer for ``+`` and ``digits``."""
    split = _split_country_code(digits)
    if split is None:
        return False if digits[0] != "0" else None
    route = _international_route(split[0])
    return None if route is None else _decide(route, split[1])
