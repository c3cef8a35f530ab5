"""Does an email domain end in a top-level domain that exists? With a hint when it does not.

The answer comes from the Public Suffix List as bundled by the ``publicsuffixlist`` package
(MPL-2.0, https://github.com/ko-zu/psl; a new package version ships each new list, and it
never downloads anything at run time). A TLD is known when the list has it as a suffix, in
ASCII (``xn--p1ai``) or Unicode (``рф``) form. Lookups are cached per TLD, so a column of a
million addresses costs one lookup per distinct TLD.

Loading the list costs every process ~30 ms (the package encodes each of its ~10,000 rules),
so the ASCII TLDs it knows are kept in the user's cache directory (``known-tlds-<key>.json``,
:mod:`sfclean.cachefiles`), keyed by the list file's contents, the package's version and this
module's source; a process reads them in about a millisecond. A Unicode TLD still asks the
loaded list (``tests/test_cleaners_emails.py`` proves both answers the list's own).

The hint for an unknown TLD is the first of :data:`COMMON_TLDS` one typing slip away (one
letter changed, added or dropped, or two neighbours swapped): ``con`` and ``cmo`` give
``com``. A typo that lands on another real TLD (``.co`` for ``.com``, ``.cm`` for Cameroon)
cannot be seen here and passes.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata
from pathlib import Path

import publicsuffixlist
from publicsuffixlist import PublicSuffixList

from sfclean.cachefiles import cache_file, digest, read_json, write_json

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


def _listed(tld: str) -> bool:
    """The list's own answer: is ``tld`` a top-level domain on it (a rule, or the root a
    wildcard rule such as ``*.jm`` implies)? Asked of ``tld`` itself, not of a name under
    it: the list also has ``x.se`` and ``x.bg``, and ``x.<tld>`` under ``*.jm`` is a suffix."""
    return _psl().publicsuffix(tld, accept_unknown=False) == tld


@lru_cache(maxsize=1)
def _ascii_tlds() -> frozenset[str]:
    """The ASCII TLDs the list knows, from their cache file, else from the list (then
    written there)."""
    with open(publicsuffixlist.PSLFILE, "rb") as handle:
        rules = handle.read()
    key = (digest(rules), metadata.version("publicsuffixlist"), digest(Path(__file__).read_bytes()))
    path = cache_file("known-tlds", *key)
    data = read_json(path)
    if isinstance(data, list) and all(isinstance(tld, str) for tld in data):
        return frozenset(data)
    tlds = frozenset(tld for tld in _ascii_labels(rules) if _listed(tld))
    write_json(path, sorted(tlds))
    return tlds


def _ascii_labels(rules: bytes) -> set[str]:
    """Every ASCII label of the list's rules, as written and IDNA-encoded: a TLD on the list
    is the last label of one of its rules, so these hold every ASCII one."""
    labels: set[str] = set()
    for line in rules.decode("utf-8", "surrogateescape").lower().splitlines():
        rule = line.split(" ")[0].strip().lstrip("!")
        if not rule or rule.startswith("//"):
            continue
        labels.update(part for form in _forms(rule) for part in form.split("."))
    return {label for label in labels if label.isascii()}


def _forms(rule: str) -> tuple[str, ...]:
    """A rule as written and IDNA-encoded (a rule the codec refuses, as some private ones
    might, which the list does not read with only_icann, as written only)."""
    if rule.isascii():
        return (rule,)
    try:
        return rule, rule.encode("idna").decode("ascii")
    except UnicodeError:
        return (rule,)


@lru_cache(maxsize=8192)
def known_tld(tld: str) -> bool:
    """True when ``tld`` (one label, lowercase, no dot) is a top-level domain on the list."""
    if not tld or "." in tld:
        return False
    return tld in _ascii_tlds() if tld.isascii() else _listed(tld)


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
