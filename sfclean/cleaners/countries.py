"""Country cell -> ISO 3166 alpha-2 region code, for choosing a phone number's region.

Names and codes come from ``pycountry`` (the ISO 3166-1 database: alpha-2, alpha-3, short,
official and common English names), so the table is complete and maintained upstream rather
than typed in by hand. :data:`ALIASES` adds the everyday spellings ISO does not list (UK, USA,
"United States", Holland, ...). Matching ignores case, accents, punctuation and a leading
"the"; it never guesses beyond exact names, so an unknown country means "use the default
region", not a wrong one.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
import pycountry

__all__ = ["ALIASES", "region_for_country"]

#: Common names that are not ISO names, mapped to alpha-2 codes.
ALIASES: dict[str, str] = {
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "us": "US",
    "america": "US",
    "united states": "US",
    "united states of america": "US",
    "holland": "NL",
    "the netherlands": "NL",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "czech republic": "CZ",
    "czechia": "CZ",
    "ivory coast": "CI",
    "vatican": "VA",
    "vatican city": "VA",
    "uae": "AE",
    "u.a.e.": "AE",
    "emirates": "AE",
    "deutschland": "DE",
    "espana": "ES",
    "brasil": "BR",
    "macedonia": "MK",
    "swaziland": "SZ",
    "burma": "MM",
    "kosovo": "XK",
}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _key(value: str) -> str:
    """Fold case and accents, drop punctuation and a leading 'the'."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    key = _NON_ALNUM.sub(" ", folded).strip()
    if key.startswith("the "):
        key = key[4:]
    return key


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for name in (
            country.alpha_2,
            country.alpha_3,
            country.name,
            getattr(country, "official_name", None),
            getattr(country, "common_name", None),
        ):
            if name:
                table.setdefault(_key(name), code)
    for region in phonenumbers.SUPPORTED_REGIONS:  # AC, TA, XK: phone regions, not in ISO
        table.setdefault(_key(region), region)
    for alias, code in ALIASES.items():
        table[_key(alias)] = code
    return table


@lru_cache(maxsize=4096)
def region_for_country(value: str) -> str | None:
    """The alpha-2 region for a country cell ('GB' for 'UK', 'gbr', 'United Kingdom'), or None.

    Only regions phonenumbers knows are returned, since the answer picks a phone region.
    """
    key = _key(value)
    if not key:
        return None
    code = _table().get(key)
    if code is None or code not in phonenumbers.SUPPORTED_REGIONS:
        return None
    return code
