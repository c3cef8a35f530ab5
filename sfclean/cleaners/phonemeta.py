"""phonenumbers' metadata as compiled expressions, per region and per string length.

What the fast path (:mod:`sfclean.cleaners.phonefast`) and the column scan
(:mod:`sfclean.cleaners.phonecolumn`, through :mod:`sfclean.cleaners.phoneleads`) share:
each region's number-type patterns as one expression per length (phonenumbers checks a
type's possible lengths before its pattern), the claim loop that picks a region among those
sharing a country code (:func:`is_valid`, :func:`shared_code_valid`), and the country code
parse reads at the start of digits after a ``+`` (:func:`country_code_prefix`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, SUPPORTED_REGIONS, PhoneMetadata

from sfclean.regexcache import compile_kept

__all__ = [
    "ByLength",
    "RegionSpec",
    "code_valid",
    "country_code_prefix",
    "country_specs",
    "idd_literal",
    "is_valid",
    "possible_lengths",
    "region_spec",
    "shared_code_valid",
    "split_country_code",
    "type_known",
]

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


class ByLength:
    """A regex per string length: phonenumbers checks each desc's possible lengths before its
    pattern, so splitting by length keeps each compiled expression small and fast.

    ``sources`` holds each length's expression as text; it is compiled the first time a
    string of that length is matched. Why: most are only ever read as text, to build the
    column scan's expressions (:mod:`sfclean.cleaners.phonecolumn`), and Python's regex
    compiler costs milliseconds for the large ones (+1 has 25 regions, 17 lengths each).
    """

    __slots__ = ("_compiled", "sources")

    def __init__(self, sources: dict[int, str]) -> None:
        self.sources = sources
        self._compiled: dict[int, re.Pattern[str]] = {}

    def fullmatch(self, text: str) -> re.Match[str] | None:
        length = len(text)
        pattern = self._compiled.get(length)
        if pattern is None:
            source = self.sources.get(length)
            if source is None:
                return None
            pattern = self._compiled[length] = compile_kept(source)
        return pattern.fullmatch(text)

    def prefixed(self, prefix: str) -> ByLength:
        """The same per-length expressions behind a prefix of lookaheads."""
        return ByLength({n: prefix + p for n, p in self.sources.items()})


@dataclass(frozen=True)
class RegionSpec:
    region: str
    country_code: int
    leading_digits: re.Pattern[str] | None
    valid: ByLength | None  # fullmatch <=> number type is not UNKNOWN
    idd: re.Pattern[str] | None
    national_prefix: re.Pattern[str] | None


def _valid_by_length(meta: object) -> ByLength | None:
    general = _desc_pattern(getattr(meta, "general_desc", None))
    if general is None:
        return None
    types = [d for d in (_desc_pattern(getattr(meta, name)) for name in _TYPE_DESCS) if d]
    patterns: dict[int, str] = {}
    for length in range(1, 18):
        if general[1] is not None and length not in general[1]:
            continue
        # Order and duplicates do not change *whether* some type matches.
        alternatives = list(dict.fromkeys(p for p, ls in types if ls is None or length in ls))
        if alternatives:
            body = "|".join(f"(?:{p})" for p in alternatives)
            patterns[length] = rf"(?=(?:{general[0]})\Z)(?:{body})"
    return ByLength(patterns) if patterns else None


@cache
def region_spec(region: str) -> RegionSpec | None:
    meta = PhoneMetadata.metadata_for_region(region, None)
    if meta is None or meta.country_code is None:
        return None
    return RegionSpec(
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


def type_known(nsn: str, spec: RegionSpec) -> bool:
    return spec.valid is not None and spec.valid.fullmatch(nsn) is not None


@cache
def country_specs(country_code: int) -> tuple[RegionSpec, ...] | None:
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions or any(r not in SUPPORTED_REGIONS for r in regions):
        return None  # non-geographic codes ("001") and unknown codes: leave to phonenumbers
    specs = tuple(s for s in (region_spec(r) for r in regions) if s is not None)
    return specs if len(specs) == len(regions) else None


@cache
def _claim_plan(country_code: int) -> tuple[tuple[re.Pattern[str] | None, RegionSpec], ...]:
    """phonenumbers' region_code_for_number loop for a shared country code, precompiled.

    The loop walks the regions in order: a region with leading digits claims the number when
    they match; a region without claims it when the number's type is known there. Each run
    of consecutive leading-digit regions becomes one regex of named alternatives in the same
    order (``match().lastgroup`` names the claimer); a step ``(None, spec)`` is a type check.
    """
    specs = country_specs(country_code) or ()
    plan: list[tuple[re.Pattern[str] | None, RegionSpec]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            plan.append((compile_kept("|".join(run)), specs[0]))
            run.clear()

    for i, spec in enumerate(specs):
        if spec.leading_digits is None:
            close()
            plan.append((None, spec))
        else:
            run.append(f"(?P<r{i}>{spec.leading_digits.pattern})")
    close()
    return tuple(plan)


def is_valid(country_code: int, nsn: str, first_failed: bool = False) -> bool:
    """phonenumbers.is_valid_number for (country_code, nsn), by the same steps.

    ``first_failed``: the caller already knows the first region (which has no leading
    digits) does not know the number's type, so that check is skipped.
    """
    specs = country_specs(country_code)
    if specs is None:
        return False
    if len(specs) == 1:
        return not first_failed and type_known(nsn, specs[0])
    for claim, spec in _claim_plan(country_code):
        if claim is None:
            if first_failed and spec is specs[0]:
                continue
            if type_known(nsn, spec):
                return True
            continue
        match = claim.match(nsn)
        if match is not None and match.lastgroup is not None:
            return type_known(nsn, specs[int(match.lastgroup[1:])])
    return False


def possible_lengths(desc: object) -> frozenset[int] | None:
    """A desc's possible lengths (None when it declares none: any length)."""
    declared = [n for n in getattr(desc, "possible_length", None) or () if n > 0]
    return frozenset(declared) if declared else None


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


def split_country_code(digits: str) -> tuple[int, str] | None:
    """phonenumbers' _extract_country_code: the first 1-3 digit prefix that is a known code."""
    code = _CODE_BY_PREFIX.get(digits[:3])
    if code is None:
        return None
    return int(code), digits[len(code) :]


def country_code_prefix(digits: str) -> str | None:
    """The country code phonenumbers reads at the start of the digits after a ``+``."""
    return _CODE_BY_PREFIX.get(digits[:3])


@cache
def shared_code_valid(country_code: int) -> ByLength | None:
    """Per length, ``is_valid(country_code, nsn)`` as one expression, for a country code
    shared by several regions (+1: the US, Canada and the Caribbean).

    The claim loop, right to left: a region without leading digits accepts when its type is
    known, else the rest decides; a region with leading digits that match decides alone
    (its type known or not); if they do not match, the rest decides.
    """
    specs = country_specs(country_code)
    if specs is None or len(specs) < 2:
        return None
    patterns: dict[int, str] = {}
    # Only reached when the first region (no leading digits: the US) does not know the type
    # (``is_valid(first_failed=True)``), so its check is left out.
    later = specs[1:] if specs[0].leading_digits is None else specs
    for length in range(2, 18):
        rest = "(?!)"
        for spec in reversed(later):
            valid = spec.valid.sources.get(length) if spec.valid is not None else None
            body = f"(?:{valid})\\Z" if valid is not None else "(?!)"
            if spec.leading_digits is None:
                rest = f"(?:{body}|{rest})" if valid is not None else rest
            else:
                ld = spec.leading_digits.pattern
                rest = f"(?:(?={ld}){body}|(?!{ld}){rest})"
        if rest != "(?!)":
            patterns[length] = rest
    return ByLength(patterns) if patterns else None


@cache
def code_valid(country_code: int) -> dict[int, str] | None:
    """Per length 2-17, an expression that matches (from the start, to the end) exactly the
    national numbers :func:`is_valid` accepts for ``country_code``; a length without one has
    no valid number (parse reads no number shorter than 2 or longer than 17 digits). None
    for a code :func:`is_valid` does not know."""
    specs = country_specs(country_code)
    if specs is None:
        return None
    first = specs[0]
    shared = shared_code_valid(country_code)
    out: dict[int, str] = {}
    for length in range(2, 18):
        parts = []
        if len(specs) == 1 or first.leading_digits is None:  # the first region's own check
            own = first.valid.sources.get(length) if first.valid is not None else None
            if own is not None:
                parts.append(f"(?:{own})\\Z")
        if shared is not None and length in shared.sources:  # the claim loop of the others
            parts.append(f"(?:{shared.sources[length]})")
        if parts:
            out[length] = "|".join(parts)
    return out


@cache
def idd_literal(region: str) -> str | None:
    """The region's international prefix when it is plain digits (``00``, ``011``), else None.

    parse strips it when a digit other than ``0`` follows, and then reads the rest exactly as
    after a ``+`` (phonenumbers' _parse_prefix_as_idd), so ``0044 20 ...`` is ``+44 20 ...``.
    """
    spec = region_spec(region)
    pattern = spec.idd.pattern if spec is not None and spec.idd is not None else ""
    return pattern if pattern.isdigit() else None
