"""The phone fast path agrees with phonenumbers on every answer it gives."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sfclean.cleaners.phonefast import fast_phone

_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


def _library(value: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or number.extension:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _example_numbers() -> list[str]:
    """Real example numbers of every type for every region, as national and E.164 text."""
    found: list[str] = []
    for region in _REGIONS:
        for kind in (
            phonenumbers.PhoneNumberType.FIXED_LINE,
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.TOLL_FREE,
            phonenumbers.PhoneNumberType.VOIP,
        ):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                e164 = phonenumbers.format_number(number, 0)
                national = phonenumbers.format_number(number, 2)
                nsn = phonenumbers.national_significant_number(number)
                found.append(e164)
                found.append(nsn)
                found.append(national)
                found.append(e164[1:])  # country code without the plus
                found.append("00" + e164[1:])
                found.append("011 " + e164[1:])
                found.append(f"+{number.country_code} ({national})")  # +44 (020) ...
                found.append(f"{number.country_code} {national}")
    return found


_EXAMPLES = _example_numbers()
_separators = st.sampled_from(["", " ", "-", ".", "(", ")", "/"])


def _decorate(digits: str, seps: list[str]) -> str:
    return "".join(d + s for d, s in zip(digits, seps + [""] * len(digits), strict=False))


_digits = st.text(alphabet="0123456789", min_size=1, max_size=16)
_shaped = st.builds(
    lambda plus, digits, seps: plus + _decorate(digits, seps),
    st.sampled_from(["", "+"]),
    _digits,
    st.lists(_separators, max_size=16),
)
_mutated_example = st.builds(
    lambda text, i, d: text[:i] + d + text[i + 1 :],
    st.sampled_from(_EXAMPLES),
    st.integers(0, 20),
    st.sampled_from(list("0123456789")),
)


@pytest.mark.parametrize("region", ["US", "GB", "DE", "FR", "IT", "IN", "BR", "AU", "JP", "CA"])
def test_example_numbers_agree(region: str) -> None:
    for text in _EXAMPLES:
        fast = fast_phone(text, region)
        if fast is not None:
            assert (fast or None) == _library(text, region), (text, region)


@settings(max_examples=800, deadline=None)
@given(
    st.sampled_from(_EXAMPLES) | _mutated_example | _shaped,
    st.sampled_from(_REGIONS),
)
@example("(415) 555-0123", "US")
@example("+1 268 464 1234", "US")
@example("+39 06 1234 5678", "US")
@example("06 1234 5678", "IT")
@example("+7 912 345 6789", "US")
@example("8 912 345 6789", "RU")
def test_fast_path_agrees_with_phonenumbers(text: str, region: str) -> None:
    """A str answer is phonenumbers' E.164; a False answer means phonenumbers finds no valid
    number (parse error or invalid); None means the caller asks phonenumbers itself."""
    fast = fast_phone(text, region)
    if fast is not None:
        assert (fast or None) == _library(text, region)


def test_fast_path_covers_the_common_shapes() -> None:
    """The fast path must actually answer for plain national and + numbers."""
    assert fast_phone("(415) 555-0123", "US") == "+14155550123"
    assert fast_phone("+44 20 7946 0958", "US") == "+442079460958"
    assert fast_phone("+14155550123", "GB") == "+14155550123"
    assert fast_phone("555", "US") is False
    assert fast_phone("0044 20 7946 0958", "US") is None  # retried as + by the caller
