"""The phone fast path agrees with phonenumbers on every answer it gives."""

from __future__ import annotations

import re

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


def _with_retry(value: str, region: str) -> str | None:
    """What clean_phone's slow path makes of ``value``: :func:`_library`, then (when that
    finds no valid number and the digits start with ``00`` or ``011`` before a digit other
    than 0) the same with ``+`` in place of that prefix."""
    first = _library(value, region)
    compact = re.sub(r"[\s().\-/]+", "", value)
    if first is None and re.match(r"(?:00|011)(?=[1-9])", compact):
        return _library("+" + re.sub(r"^(?:00|011)", "", compact), region)
    return first


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
    if fast is False:  # and clean_phone's retry as "+" finds nothing either
        assert _with_retry(text, region) is None


def _same_code_forms(region: str) -> list[str]:
    """Example numbers of every region that shares ``region``'s country code, written as
    people in ``region`` type them: with a trunk 0, after the code without ``+``, after the
    region's own international prefix, after a 1, after ``+code (0)``; and near misses."""
    code = phonenumbers.country_code_for_region(region)
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    idd = meta.international_prefix if meta and (meta.international_prefix or "").isdigit() else ""
    out = []
    for other in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ()):
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            number = phonenumbers.example_number_for_type(other, kind)
            if number is None:
                continue
            nsn = phonenumbers.national_significant_number(number)
            for digits in (nsn, nsn[:-1], nsn + "0", "9" + nsn[1:]):
                out += [
                    digits,
                    f"0{digits}",
                    f"{code}{digits}",
                    f"{code} 0{digits}",
                    f"1 {digits}",
                    f"{idd} {code} {digits}",
                    f"{idd}{code}0{digits}",
                    f"+{code} (0){digits}",
                    f"00 {code} {digits}",
                    f"011 {code} {digits}",
                ]
    return out


@pytest.mark.parametrize("region", _REGIONS)
def test_same_code_examples_agree(region: str) -> None:
    # regions that share a country code (AU / CC / CX, GB / JE, US / CA) read each other's
    # numbers through branches of parse that random examples seldom reach
    for text in dict.fromkeys(_same_code_forms(region)):
        fast = fast_phone(text, region)
        if fast is not None:
            assert (fast or None) == _library(text, region), (text, region)
        if fast is False:
            assert _with_retry(text, region) is None, (text, region)


def test_fast_path_covers_the_common_shapes() -> None:
    """The fast path must actually answer for plain national and + numbers."""
    assert fast_phone("(415) 555-0123", "US") == "+14155550123"
    assert fast_phone("+44 20 7946 0958", "US") == "+442079460958"
    assert fast_phone("+14155550123", "GB") == "+14155550123"
    assert fast_phone("555", "US") is False
    assert fast_phone("0044 20 7946 0958", "US") is None  # retried as + by the caller
    # issue 13, second round: answered here, no longer by phonenumbers
    assert fast_phone("0044 20 7946 0958", "GB") == "+442079460958"  # GB's own prefix
    assert fast_phone("0117 496 0000", "GB") == "+441174960000"  # 011 is not GB's prefix
    assert fast_phone("1-902-702-2858", "CA") == "+19027022858"  # leading 1, Canadian
    assert fast_phone("07509 742694", "GB") == "+447509742694"  # Jersey, under +44
    assert fast_phone("04 05 44 63 25", "FR") is False  # trunk 0, invalid either way
    assert fast_phone("+33 (0)4 04 97 78 69", "FR") is False
    assert fast_phone("0033 4 05 56 11 55", "FR") is False
    assert fast_phone("010 44 20 7946 0958", "JP") == "+442079460958"  # JP: 010
    assert fast_phone("61212345678", "CC") is None  # parse keeps the 61: invalid in CC


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", max_size=12))
def test_by_length_compiles_on_first_use_and_matches_like_re(digits: str) -> None:
    from sfclean.cleaners.phonemeta import ByLength

    sources = {3: "[2-9][0-9]{2}", 10: "(?=1)[0-9]+|4[0-9]*"}
    table = ByLength(sources).prefixed("(?!99)")
    source = table.sources.get(len(digits))
    expected = source is not None and re.fullmatch(source, digits) is not None
    assert (table.fullmatch(digits) is not None) == expected
    assert (table.fullmatch(digits) is not None) == expected  # and again, compiled
