"""Country cells to phone regions.

The spellings are the ones real exports carry: English names ISO no longer uses, each
country's own name (CLDR, through babel), Salesforce's country picklist labels (ISO 3166
names such as "Korea, Republic of" and "Iran, Islamic Republic of"; "Taiwan, Republic Of
China" and "Macedonia, the former Yugoslav Republic of" are labels orgs still have), ISO
alpha-3 codes and the usual abbreviations.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.cleaners.countries import ALIASES, region_for_country

_CASES = [
    # codes and abbreviations
    ("US", "US"),
    ("us", "US"),
    ("USA", "US"),
    ("U.S.A.", "US"),
    ("U.S.", "US"),
    ("United States", "US"),
    ("United States of America", "US"),
    ("UK", "GB"),
    ("U.K.", "GB"),
    ("GB", "GB"),
    ("GBR", "GB"),
    ("UAE", "AE"),
    ("U.A.E.", "AE"),
    ("DEU", "DE"),
    ("CHE", "CH"),
    ("NA", "NA"),  # Namibia: the ISO code, as a country cell
    # English names, current and former
    ("United Kingdom", "GB"),
    ("Great Britain", "GB"),
    ("England", "GB"),
    ("Scotland", "GB"),
    ("Wales", "GB"),
    ("Northern Ireland", "GB"),
    ("Germany", "DE"),
    ("france", "FR"),
    ("The Netherlands", "NL"),
    ("Holland", "NL"),
    ("Turkey", "TR"),
    ("Türkiye", "TR"),
    ("Cape Verde", "CV"),
    ("Cabo Verde", "CV"),
    ("East Timor", "TL"),
    ("Timor-Leste", "TL"),
    ("Palestine", "PS"),
    ("Macedonia", "MK"),
    ("North Macedonia", "MK"),
    ("Swaziland", "SZ"),
    ("Eswatini", "SZ"),
    ("Czech Republic", "CZ"),
    ("Czechia", "CZ"),
    ("Ivory Coast", "CI"),
    ("Côte d’Ivoire", "CI"),
    ("Cote d'Ivoire", "CI"),
    ("Burma", "MM"),
    ("Myanmar", "MM"),
    ("Viet Nam", "VN"),
    ("Vietnam", "VN"),
    ("South Korea", "KR"),
    ("Russia", "RU"),
    ("Kosovo", "XK"),
    ("  Canada ", "CA"),
    # Salesforce picklist labels (ISO names)
    ("Korea, Republic of", "KR"),
    ("Korea, Democratic People's Republic of", "KP"),
    ("Taiwan, Republic Of China", "TW"),
    ("Russian Federation", "RU"),
    ("Iran, Islamic Republic of", "IR"),
    ("Macedonia, the former Yugoslav Republic of", "MK"),
    ("Moldova, Republic of", "MD"),
    ("Bolivia, Plurinational State of", "BO"),
    ("Tanzania, United Republic of", "TZ"),
    ("Congo, the Democratic Republic of the", "CD"),
    ("Holy See (Vatican City State)", "VA"),
    ("Virgin Islands, British", "VG"),
    ("Lao People's Democratic Republic", "LA"),
    # countries in their own languages
    ("Deutschland", "DE"),
    ("Schweiz", "CH"),
    ("Suisse", "CH"),
    ("Svizzera", "CH"),
    ("Italia", "IT"),
    ("Nederland", "NL"),
    ("Österreich", "AT"),
    ("Osterreich", "AT"),
    ("España", "ES"),
    ("Espana", "ES"),
    ("Sverige", "SE"),
    ("Norge", "NO"),
    ("Danmark", "DK"),
    ("Suomi", "FI"),
    ("Polska", "PL"),
    ("Česko", "CZ"),
    ("Česká republika", "CZ"),
    ("Magyarország", "HU"),
    ("România", "RO"),
    ("Hrvatska", "HR"),
    ("België", "BE"),
    ("Belgique", "BE"),
    ("Éire", "IE"),
    ("Brasil", "BR"),
    ("México", "MX"),
    ("日本", "JP"),
    ("中国", "CN"),
    ("Россия", "RU"),
    ("Ελλάδα", "GR"),
    # ... and in each other's
    ("Vereinigtes Königreich", "GB"),
    ("Royaume-Uni", "GB"),
    ("Estados Unidos", "US"),
    ("États-Unis", "US"),
    ("Türkei", "TR"),
    # unknown, ambiguous, or no phone region: None (the default region is used)
    ("", None),
    ("Atlantis", None),
    ("Korea", None),  # KR or KP
    ("Kongo", None),  # CD or CG in the languages that use it
    ("Nihon", None),  # a romanisation no source lists
    ("AQ", None),  # Antarctica has no phone region
]


@pytest.mark.parametrize(("value", "region"), _CASES)
def test_region_for_country(value: str, region: str | None) -> None:
    assert region_for_country(value) == region


def test_the_table_is_long_enough_to_mean_something() -> None:
    assert len([c for c in _CASES if c[1] is not None]) >= 40


def test_aliases_are_few_and_none_is_already_known_otherwise() -> None:
    """Each alias is needed: without it, the libraries give no answer or another one."""
    import sfclean.cleaners.countries as countries

    assert len(ALIASES) <= 15
    tier1 = countries._build(countries._english())
    for alias, code in ALIASES.items():
        key = countries._key(alias)
        assert tier1.get(key) != code, f"{alias!r} is known without the alias"


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([c for c in _CASES if c[1] is not None]), st.sampled_from(["", " ", "\u00a0"])
)
def test_case_and_padding_do_not_matter(case: tuple[str, str], pad: str) -> None:
    value, region = case
    assert region_for_country(pad + value.upper() + pad) == region
    assert region_for_country(value.lower()) == region


@pytest.mark.parametrize(
    ("tier", "samples"),
    [
        # babel's names in every language, about a second to build
        ("all", {"allemagne": "DE", "kanada": "CA"}),
        # the English names and codes, ~40 ms to build
        ("en", {"united kingdom": "GB", "uk": "GB", "xk": "XK"}),
    ],
)
def test_a_tier_of_names_comes_back_from_its_cache(
    tier: str, samples: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each tier is kept on disk in a file of its own; the table read back is the one the
    # libraries give, and a damaged file is built again
    from sfclean.cleaners import countries

    cached, build_name = {
        "all": (countries._tier2, "_build_tier2"),
        "en": (countries._tier1, "_build_tier1"),
    }[tier]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cached.cache_clear()
    path = countries._cache_path(tier)
    assert str(path).startswith(str(tmp_path)) and not path.exists()
    assert countries._cache_path("en") != countries._cache_path("all")
    want = getattr(countries, build_name)()
    assert all(want[key] == code for key, code in samples.items())

    def same_as_built() -> None:
        table = cached()
        assert all(table.find(key) == (code or "") for key, code in want.items())
        assert table.find("no such country") is None

    same_as_built()
    assert path.exists()
    path.write_bytes(path.read_bytes()[:-1])  # cut short: not whole lines
    cached.cache_clear()
    same_as_built()  # built again
    assert path.read_bytes().endswith(b"\n")  # and written again

    def no_build() -> dict[str, str | None]:
        raise AssertionError("the tier was built again instead of read from its file")

    monkeypatch.setattr(countries, build_name, no_build)
    cached.cache_clear()
    same_as_built()  # read from the file
    cached.cache_clear()


@pytest.mark.parametrize("library", ["babel", "pycountry", "phonenumbers"])
def test_the_cache_key_follows_the_libraries_and_this_code(
    library: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sfclean.cleaners import countries

    before = countries._cache_path("all")
    real = countries.metadata.version
    monkeypatch.setattr(
        countries.metadata, "version", lambda name: "0" if name == library else real(name)
    )
    assert countries._cache_path("all") != before


def test_an_unwritable_cache_still_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sfclean.cleaners import countries

    blocked = tmp_path / "file"
    blocked.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    countries._tier2.cache_clear()
    countries.region_for_country.cache_clear()
    assert countries.region_for_country("Allemagne") == "DE"
    countries._tier2.cache_clear()
    countries.region_for_country.cache_clear()


def test_every_key_answers_what_the_tiers_as_dicts_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the lookup before the tiers were sorted lines (74431d6): tier 1 wins, even when its
    # key is ambiguous (None); a key of one tier that is a prefix of another's is its own
    import phonenumbers

    from sfclean.cleaners import countries

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tier1, tier2 = countries._build_tier1(), countries._build_tier2()

    def as_dicts(key: str) -> str | None:
        code = tier1[key] if key in tier1 else tier2.get(key)
        return code if code in phonenumbers.SUPPORTED_REGIONS else None

    probes = {*tier1, *tier2} | {key.rsplit(" ", 1)[0] for key in tier2} | {"congo"}
    for cached in (countries._tier1, countries._tier2, countries.region_for_country):
        cached.cache_clear()
    try:
        assert {k: region_for_country(k) for k in probes} == {k: as_dicts(k) for k in probes}
    finally:
        for cached in (countries._tier1, countries._tier2, countries.region_for_country):
            cached.cache_clear()
