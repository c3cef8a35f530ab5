"""Does an email domain end in a top-level domain that exists? With a hint when it does not.

The answer comes from the Public Suffix List as bundled by the ``publicsuffixlist`` package
(MPL-2.0, https://github.com/ko-zu/psl; a new package version ships each new list, and it
never downloads anything at run time). A TLD is known when the list has it as a suffix, in
ASCII (``xn--p1ai``) or Unicode (``рф``) form. Lookups are cached per TLD, so a column of a
million addresses costs one lookup per distinct TLD.

The hint for an unknown TLD is the first of :data:`COMMON_TLDS` one typing slip away (one
letter changed, added or dropped, or two neighbours swapped): ``con`` and ``cmo`` give
``com``. A typo that lands on another real TLD (``.co`` for ``.com``, ``.cm`` for Cameroon)
cannot be seen here and passes.
"""

from __future__ import annotations

from functools import lru_cache

from publicsuffixlist import PublicSuffixList

__all__ = ["COMMON_TLDS", "known_tld", "tld_hint"]

#: TLDs offered as hints, most used first (a slip of one of these is the usual typo).
COMMON_TLDS: tuple[str, ...] = (
    "com",
    "net",
    "org",
    "de",
    "uk",
    "fr",
    "nl",
    "it",
    "es",
    "ch",
    "at",
    "be",
    "se",
    "dk",
    "no",
    "pl",
    "pt",
    "ie",
    "us",
    "ca",
    "au",
    "io",
    "info",
    "biz",
    "edu",
    "gov",
)


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


@lru_cache(maxsize=8192)
def known_tld(tld: str) -> bool:
    """True when ``tld`` (one label, lowercase, no dot) is a top-level domain on the list."""
    if not tld or "." in tld:
        return False
    return _psl().publicsuffix(f"x.{tld}", accept_unknown=False) == tld


def _one_slip(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one edit or one swap of neighbours."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(long) - len(short) != 1:
        return False
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@lru_cache(maxsize=1024)
def tld_hint(tld: str) -> str | None:
    """A known TLD ``tld`` was probably meant to be (``com`` for ``con``), or None."""
    return next((t for t in COMMON_TLDS if _one_slip(tld, t)), None)
