"""Salesforce Ids: the case-safe 18-character suffix, validation and unique minting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.localorg.ids import IdFactory, is_valid_id, to_18

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize(
    ("id15", "id18"),
    [
        ("001A0000006Vm9r", "001A0000006Vm9rIAC"),  # the example Salesforce help articles use
        ("003000000000000", "003000000000000AAA"),
        ("00QABCDEABCDEAB", "00QABCDEABCDEAB255"),  # Q,A,B then all upper: bits 28, 31, 31
    ],
)
def test_to_18_appends_the_case_suffix(id15: str, id18: str) -> None:
    assert to_18(id15) == id18
    assert to_18(id18) == id18
    assert is_valid_id(id15) and is_valid_id(id18)


@pytest.mark.parametrize("bad", ["", "003", "001A0000006Vm9rIAD", "001A0000006Vm9!", "0" * 16])
def test_malformed_ids_are_not_valid(bad: str) -> None:
    assert not is_valid_id(bad)


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=BASE62, min_size=15, max_size=15))
def test_ids_differing_only_in_case_stay_distinct_case_insensitively(id15: str) -> None:
    swapped = id15.swapcase()
    if swapped != id15:
        assert to_18(id15).lower() != to_18(swapped).lower()


def test_factory_mints_unique_valid_ids_with_the_key_prefix() -> None:
    ids = IdFactory()
    minted = [ids.new("00Q") for _ in range(1000)]
    assert len(set(minted)) == 1000
    assert all(len(i) == 18 and i.startswith("00Q5g") and is_valid_id(i) for i in minted)


def test_skip_past_moves_the_counter_forward_only() -> None:
    ids = IdFactory()
    ids.skip_past(62**8)  # instant, however far
    assert ids.from_counter("003", 62**8 + 1) == ids.new("003")
    ids.skip_past(5)
    assert ids.new("003") == ids.from_counter("003", 62**8 + 2)


def test_two_orgs_get_different_organization_ids() -> None:
    from sfclean.localorg.server import LocalOrg

    with LocalOrg() as first, LocalOrg() as second:
        assert first.org_id != second.org_id
        assert first.org_id.startswith("00D") and is_valid_id(first.org_id)
