"""Provider-aware dedupe keys."""

from __future__ import annotations

import pytest

from sfclean.cleaners.keys import provider_key


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("sara.lee@gmail.com", "saralee@gmail.com"),
        ("s.a.r.a.lee+news@gmail.com", "saralee@gmail.com"),
        ("saralee@googlemail.com", "saralee@gmail.com"),
        ("sara+x@outlook.com", "sara@outlook.com"),
        ("sara+x@hotmail.com", "sara@hotmail.com"),
        ("sara+x@icloud.com", "sara@icloud.com"),
        ("sara+x@fastmail.com", "sara@fastmail.com"),
        ("sara+x@proton.me", "sara@proton.me"),
        ("sara.lee+x@outlook.com", "sara.lee@outlook.com"),  # dots matter outside Gmail
        ("base-shopping@yahoo.com", "base@yahoo.com"),
        ("sara+x@acme.com", "sara+x@acme.com"),  # unknown provider: untouched
        ("sara.lee@acme.com", "sara.lee@acme.com"),
    ],
)
def test_provider_key(address: str, key: str) -> None:
    assert provider_key(address) == key
