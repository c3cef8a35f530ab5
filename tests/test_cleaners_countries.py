"""Country cells to phone regions."""

from __future__ import annotations

import pytest

from sfclean.cleaners.countries import region_for_country


@pytest.mark.parametrize(
    ("value", "region"),
    [
        ("US", "US"),
        ("us", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("UK", "GB"),
        ("GB", "GB"),
        ("GBR", "GB"),
        ("United Kingdom", "GB"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("Germany", "DE"),
        ("DEU", "DE"),
        ("Deutschland", "DE"),
        ("france", "FR"),
        ("The Netherlands", "NL"),
        ("Côte d’Ivoire", "CI"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("South Korea", "KR"),
        ("Korea, Republic of", "KR"),
        ("  Canada ", "CA"),
        ("", None),
        ("Atlantis", None),
        ("NA", "NA"),  # Namibia: the ISO code, as a country cell
        ("AQ", None),  # Antarctica has no phone region
    ],
)
def test_region_for_country(value: str, region: str | None) -> None:
    assert region_for_country(value) == region
