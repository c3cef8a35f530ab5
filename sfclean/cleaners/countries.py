"""Country cell -> ISO 3166 alpha-2 region code, for choosing a phone number's region.

Every name comes from a maintained source, in two tiers:

1. English and codes, from ``pycountry`` (ISO 3166-1: alpha-2, alpha-3, short, official and
   common names; ISO 3166-3 former countries whose code moved to a current one, such as
   "East Timor"; the nations of the United Kingdom, which ISO 3166-2 lists as countries) and
   babel's English territory names (CLDR: "Cape Verde", "Myanmar (Burma)", "Russia").
   Salesforce's country picklist labels are ISO names ("Korea, Republic of", "Iran, Islamic
   Republic of"), so they are in this tier too.
2. The territory names of every language CLDR has, through babel (``Schweiz``, ``Suisse``,
   ``Svizzera``, ``Österreich``, ``España``, ``Polska``, ``Česko``...). Only consulted for a
   name tier 1 does not know.

Building tier 2 reads every babel locale (about a second), and tier 1 costs ~40 ms (loading
pycountry's and babel's data), paid by every process that reads a country, however small
its file. So each table built is kept in the user's cache directory as sorted lines
(``country-names-<tier>-<key>.txt``, :class:`sfclean.cachefiles.SortedLines`: looked up in
the file's bytes, so a process that reads a few country cells does not make tier 2's 30,000
strings), keyed by the versions of babel, pycountry and phonenumbers and by this module's
source: later processes read it in well under a millisecond, and a new library or sfclean
builds it afresh. A cache that cannot be read or written is ignored (the table is built in
memory).

Derived keys: a name with a parenthesis also answers to each part ("Myanmar (Burma)" ->
"burma"), and an inverted ISO name to its head ("Palestine, State of" -> "palestine").
Matching ignores case, accents, punctuation, dots between initials ("U.S.A.") and a leading
"the". A key that two countries share in a tier ("Congo", "Korea", "Kongo" in some
languages) is ambiguous and answers None: the caller uses its default region instead of a
guess. Lookups are cached per distinct cell.

:data:`ALIASES` holds only what neither library has, each with its reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import phonenumbers
import pycountry

from sfclean.cachefiles import SortedLines, cache_file, digest, write_bytes

__all__ = ["ALIASES", "region_for_country"]

#: Names no library lists (CLDR keeps some of them only as "variant" names that babel does not
#: expose), mapped to alpha-2 codes.
ALIASES: dict[str, str] = {
    # CLDR's English variants (babel gives only the default "Türkiye", "Côte d’Ivoire", ...)
    "turkey": "TR",
    "ivory coast": "CI",
    "swaziland": "SZ",  # ISO's name until 2018
    "macedonia": "MK",  # ISO's short name until 2019
    # still in Salesforce's country picklist; ISO's name until 2019
    "macedonia the former yugoslav republic of": "MK",
    # Salesforce's picklist label for TW (ISO says "Taiwan, Province of China")
    "taiwan republic of china": "TW",
    # everyday names that are not names of the state in any standard
    "uk": "GB",  # ISO reserves UK for GB; not an assigned code
    "great britain": "GB",
    "britain": "GB",
    "northern ireland": "GB",  # ISO 3166-2 lists it as a province, the others as countries
    "holland": "NL",
    "america": "US",
    "uae": "AE",
}

_NON_ALNUM = re.compile(r"[\W_]+")  # Unicode-aware: "日本" and "Россия" keep their letters
_INITIALS = re.compile(r"(?:[a-z]\.\s?){2,}[a-z]?\.?")


def _key(value: str) -> str:
    """Fold case and accents, drop punctuation and a leading 'the'; "u.s.a." -> "usa"."""
    decomposed = unicodedata.normalize("NFKD", value.strip().lower())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    if _INITIALS.fullmatch(folded):
        folded = folded.replace(".", "").replace(" ", "")
    key = _NON_ALNUM.sub(" ", folded).strip()
    if key.startswith("the "):
        key = key[4:]
    return key


def _variants(name: str) -> Iterator[tuple[str, bool]]:
    """(key, derived) pairs for a name: the whole name, then its derived keys."""
    yield _key(name), False
    if "(" in name:
        head, _, rest = name.partition("(")
        yield _key(head), True
        yield _key(rest.rstrip(")")), True
    if "," in name:
        yield _key(name.split(",", 1)[0]), True
    if "[" in name:  # pycountry: "Wales [Cymru GB-CYM]"
        yield _key(name.split("[", 1)[0]), True


def _build(pairs: Iterable[tuple[str, str]]) -> dict[str, str | None]:
    """Key -> code; a key two codes share becomes None (ambiguous). Whole names win over
    derived keys."""
    whole: dict[str, set[str]] = {}
    derived: dict[str, set[str]] = {}
    for name, code in pairs:
        for key, is_derived in _variants(name):
            if key:
                (derived if is_derived else whole).setdefault(key, set()).add(code)
    table: dict[str, str | None] = {k: _one(v) for k, v in derived.items()}
    table.update({k: _one(v) for k, v in whole.items()})
    return table


def _one(codes: set[str]) -> str | None:
    return next(iter(codes)) if len(codes) == 1 else None


def _english() -> Iterator[tuple[str, str]]:
    current = {c.alpha_2 for c in pycountry.countries}
    for country in pycountry.countries:
        for attribute in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                yield name, country.alpha_2
    for former in pycountry.historic_countries:  # "East Timor" TPTL -> TL, "Zaire" ZRCD -> CD
        moved_to = getattr(former, "alpha_4", "")[2:]
        if moved_to in current:
            yield former.name, moved_to
    for nation in pycountry.subdivisions.get(country_code="GB") or ():
        if nation.type == "Country":
            yield nation.name, "GB"
    yield from ((name, code) for code, name in _babel_names("en") if code in current)


def _babel_names(locale: str) -> Iterator[tuple[str, str]]:
    from babel import Locale  # imported on first use: keeps `import sfclean` fast

    for code, name in Locale.parse(locale).territories.items():
        if len(code) == 2 and code.isalpha():
            yield code, name


@lru_cache(maxsize=1)
def _tier1() -> SortedLines:
    return _cached("en", _build_tier1)


def _build_tier1() -> dict[str, str | None]:
    table = _build(_english())
    for region in phonenumbers.SUPPORTED_REGIONS:  # AC, TA, XK: phone regions, not in ISO
        table.setdefault(_key(region), region)
    table.update({_key(alias): code for alias, code in ALIASES.items()})
    return table


@lru_cache(maxsize=1)
def _tier2() -> SortedLines:
    return _cached("all", _build_tier2)


def _cached(tier: str, build: Callable[[], dict[str, str | None]]) -> SortedLines:
    """The table of ``tier`` from its cache file, else ``build()`` (then written there);
    an ambiguous key's code is ""."""
    path = _cache_path(tier)
    table = SortedLines.read(path)
    if table is None:
        table = SortedLines.of({key: code or "" for key, code in build().items()})
        write_bytes(path, table.data)
    return table


def _cache_path(tier: str) -> Path:
    """The cache file of ``tier`` for the installed babel, pycountry and phonenumbers and
    this module."""
    versions = [metadata.version(name) for name in ("babel", "pycountry", "phonenumbers")]
    source = digest(Path(__file__).read_bytes())
    return cache_file(f"country-names-{tier}", *versions, source, suffix=".txt")


def _build_tier2() -> dict[str, str | None]:
    from babel.localedata import clear_caches, locale_identifiers

    current = {c.alpha_2 for c in pycountry.countries} | {"XK"}
    pairs = (
        (name, code)
        for locale in locale_identifiers()
        if "_" not in locale  # each language once; regional variants repeat its names
        for code, name in _babel_names(locale)
        if code in current
    )
    table = _build(pairs)
    # babel keeps every locale it loaded (~100 MiB for all of them); only the names are
    # needed, and babel loads a locale again if anything asks for it
    clear_caches()
    return table


@lru_cache(maxsize=4096)
def region_for_country(value: str) -> str | None:
    """The alpha-2 region for a country cell ('GB' for 'UK', 'gbr', 'United Kingdom',
    'Vereinigtes Königreich'), or None when unknown or ambiguous.

    Only regions phonenumbers knows are returned, since the answer picks a phone region.
    """
    key = _key(value)
    if not key:
        return None
    found = _tier1().find(key)
    code = _tier2().find(key) if found is None else found  # "": ambiguous in tier 1
    if not code or code not in phonenumbers.SUPPORTED_REGIONS:
        return None
    return code
