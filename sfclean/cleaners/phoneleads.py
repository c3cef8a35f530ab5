"""What the column scan (:mod:`sfclean.cleaners.phonecolumn`) reads, per region or country
code and per length: the expressions of :mod:`sfclean.cleaners.phonefast`'s routes for the
shapes it answers without phonenumbers (plain national digits, ``+`` and digits, the
prefixes parse strips), each one proven equal to ``fast_phone`` and phonenumbers by
``tests/test_cleaners_phones.py``.
"""

from __future__ import annotations

import re
from functools import cache

from sfclean.cleaners.phonefast import RETRY, Route, idd_guard, international_route, national_route
from sfclean.cleaners.phonemeta import ByLength, code_valid, shared_code_valid

__all__ = [
    "international_invalid",
    "international_prefixed",
    "international_table",
    "national_direct",
    "national_invalid",
    "national_prefixed",
]


@cache
def national_direct(region: str) -> tuple[str, ByLength] | None:
    """("+<country code>", regex) for a region's plain national digits, or None.

    The regex fullmatches exactly the digit strings that phonenumbers parses in ``region`` to
    a valid number with those digits as national significant number (the common case).
    """
    route = national_route(region)
    if route is None or route.direct is None:
        return None
    return f"+{route.country_code}", route.direct


_LITERALS = re.compile(r"\d+(?:\|\d+)*")


def _trunk_leads(route: Route, guard: str) -> list[tuple[str, int, ByLength]]:
    """Leads for a national prefix that parse strips (see :func:`national_prefixed`)."""
    np_pattern = route.national_prefix.pattern if route.national_prefix is not None else None
    if route.quick is None or not np_pattern or not route.strip_ok:
        return []
    if not _LITERALS.fullmatch(np_pattern):
        return []
    not_cc = f"(?!{route.cc_prefix})" if route.cc_prefix else ""
    out: list[tuple[str, int, ByLength]] = []
    earlier: list[str] = []
    shared = _shared_after_trunk(route)
    for literal in np_pattern.split("|"):
        not_earlier = f"(?!{'|'.join(earlier)})" if earlier else ""
        earlier.append(literal)
        if route.cc_prefix and literal.startswith(route.cc_prefix):
            continue  # (?!cc) then a literal that starts with cc: matches nothing (US, CA: 1)
        lead = f"{guard}{not_cc}{not_earlier}{literal}"
        out.append((lead, len(literal), route.quick))
        if shared is not None:
            out.append((lead, len(literal), shared))
    return out


def _shared_after_trunk(route: Route) -> ByLength | None:
    """phonefast's ``_other_region_after_trunk`` as per-length expressions (None: no shared
    code)."""
    shared = shared_code_valid(route.country_code)
    if shared is None or route.general is None:
        return None
    fits = f"(?=(?:{route.general.pattern})\\Z)"
    lengths = route.general_lengths
    return ByLength(
        {n: fits + p for n, p in shared.sources.items() if lengths is None or n in lengths}
    )


def _shared_lead(route: Route, lead: str) -> list[tuple[str, int, ByLength]]:
    """The fallback to ``is_valid`` for a shared country code (Canadian numbers: the first
    region, the US, does not know them), behind the lookaheads that lead phonefast's ``_decide`` there.
    Only for routes with a ``direct`` regex: then ``_decide`` reaches ``is_valid`` with
    ``first_failed``."""
    shared = shared_code_valid(route.country_code)
    if shared is None or route.direct is None:
        return []
    np_pattern = route.national_prefix.pattern if route.national_prefix is not None else None
    not_np = f"(?!{np_pattern})" if np_pattern else ""
    return [(f"{lead}{not_np}", 0, shared)]


@cache
def national_prefixed(region: str) -> tuple[tuple[str, int, ByLength], ...]:
    """(lead, prefix length, regex) triples for national digits that start with a prefix
    parse strips.

    Each lead is a regular expression that consumes a prefix at the start of the digits; the
    regex fullmatches the rest exactly when
    :func:`~sfclean.cleaners.phonefast.fast_phone` answers ``"+<code>" + rest``
    through that prefix, by the same steps as phonefast's ``_decide``:

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
    route = national_route(region)
    if route is None or route.quick is None:
        return ()
    guard = idd_guard(region)
    out: list[tuple[str, int, ByLength]] = []
    not_np = _not(route.national_prefix)
    if route.cc_prefix is not None and route.general is not None:
        general = route.general.pattern
        lead = f"{guard}(?!(?:{general})\\Z){route.cc_prefix}"
        lead += f"(?=(?:{general})\\Z){not_np}{_not(route.main_national_prefix)}"
        out.append((lead, len(route.cc_prefix), route.quick))
        shared = shared_code_valid(route.country_code)
        if shared is not None:
            out.append((lead, len(route.cc_prefix), shared))
    not_cc = f"(?!{route.cc_prefix})" if route.cc_prefix else ""
    return tuple(out + _trunk_leads(route, guard) + _shared_lead(route, f"{guard}{not_cc}"))


def _not(pattern: re.Pattern[str] | None) -> str:
    """A lookahead that fails where ``pattern`` matches (empty for no pattern)."""
    return f"(?!{pattern.pattern})" if pattern is not None and pattern.pattern else ""


@cache
def international_prefixed(code: str) -> tuple[tuple[str, int, ByLength], ...]:
    """Like :func:`national_prefixed`, for the national part after ``+<code>``: a trunk
    prefix written after the country code (``+44 (0)20 7946 0958``), which parse strips,
    and numbers of a shared code's other regions (``+1 416 ...``)."""
    route = international_route(int(code))
    if route is None:
        return ()
    return tuple(_trunk_leads(route, "") + _shared_lead(route, ""))


@cache
def international_table(code: str) -> dict[int, str]:
    """Per-length expressions that fullmatch the national part after ``+<code>`` exactly when
    the direct route accepts it (empty when there is no direct route for the code)."""
    route = international_route(int(code))
    if route is None or route.direct is None:
        return {}
    return route.direct.sources


def _trunk_literals(route: Route) -> tuple[tuple[str, int], ...]:
    """(lead, length) per literal of a national prefix parse strips (each lead excludes the
    earlier literals, as re.match picks the first); none when the prefix is not a list of
    digit literals or has a transform rule."""
    np_pattern = route.national_prefix.pattern if route.national_prefix is not None else ""
    if not (np_pattern and route.strip_ok and _LITERALS.fullmatch(np_pattern)):
        return ()
    leads: list[tuple[str, int]] = []
    earlier: list[str] = []
    for literal in np_pattern.split("|"):
        not_earlier = f"(?!{'|'.join(earlier)})" if earlier else ""
        leads.append((f"{not_earlier}{literal}", len(literal)))
        earlier.append(literal)
    return tuple(leads)


@cache
def international_invalid(
    code: str,
) -> tuple[tuple[tuple[str, int], ...], str, dict[int, str]] | None:
    """Like :func:`national_invalid` for the national part after ``+<code>`` (no head:
    parse reads the code, and clean_phone retries nothing after a ``+``): (leads,
    no-prefix lookahead, validity by length), or None."""
    route = international_route(int(code))
    valid = code_valid(route.country_code) if route is not None else None
    if route is None or valid is None:
        return None
    return _trunk_literals(route), _not(route.national_prefix), valid


@cache
def national_invalid(
    region: str,
) -> tuple[str, tuple[tuple[str, int], ...], str, dict[int, str]] | None:
    """What proves national digits invalid in ``region`` without parse: (head, leads,
    no-prefix lookahead, validity by length), or None.

    clean_phone finds digits invalid, as fast_phone's ``_decide`` does, when every reading
    parse can make is invalid: the digits themselves and, after a trunk prefix parse strips
    (each lead consumes one literal of the region's national prefix, as re.match picks it),
    the rest. ``head`` holds the lookaheads that keep out what parse reads otherwise (the
    region's own international prefix, its country code in front) and what clean_phone
    retries as ``+`` (``00``, ``011``). Digits that start with a national prefix that is not
    a list of literals, or that has a transform rule, are kept out too (the lookahead).
    ``validity[n]`` matches exactly the valid national numbers of ``n`` digits
    (:func:`~sfclean.cleaners.phonemeta.code_valid`).
    """
    route = national_route(region)
    valid = code_valid(route.country_code) if route is not None else None
    if route is None or valid is None:
        return None
    not_cc = f"(?!{route.cc_prefix})" if route.cc_prefix else ""
    head = f"{idd_guard(region)}{RETRY}{not_cc}"
    return head, _trunk_literals(route), _not(route.national_prefix), valid
