"""Phone cells to E.164, spreadsheet damage, extensions, international prefixes."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.cleaners.lines import join_lines
from sfclean.cleaners.phonecolumn import _scan
from sfclean.cleaners.phones import clean_phone


@pytest.mark.parametrize(
    ("raw", "region", "value", "status"),
    [
        ("(415) 555-0123", "US", "+14155550123", "ok"),
        ("415.555.0123", "US", "+14155550123", "ok"),
        ("415-555-0123", "US", "+14155550123", "ok"),
        ("1 415 555 0123", "US", "+14155550123", "ok"),
        ("+1 (415) 555-0123", "GB", "+14155550123", "ok"),
        ("+14155550123", "US", "+14155550123", "ok"),
        ("020 7946 0958", "GB", "+442079460958", "ok"),
        ("07400 123456", "GB", "+447400123456", "ok"),
        ("030 1234567", "DE", "+49301234567", "ok"),
        ("+44 (0)20 7946 0958", "US", "+442079460958", "ok"),
        # international prefixes
        ("011 44 20 7946 0958", "US", "+442079460958", "ok"),
        ("0044 20 7946 0958", "US", "+442079460958", "ok"),
        ("00 1 415 555 0123", "GB", "+14155550123", "ok"),
        ("0113 496 0000", "GB", "+441134960000", "ok"),  # national 011x, not a prefix
        # tel: URIs
        ("tel:+1-415-555-0123", "US", "+14155550123", "ok"),
        ("TEL:+14155550123", "US", "+14155550123", "ok"),
        # spreadsheet damage
        ("'+14155550123", "US", "+14155550123", "ok"),
        ("'(415) 555-0123", "US", "+14155550123", "ok"),
        ("4.15555E+09", "US", "4.15555E+09", "damaged"),
        ("4.155550123e9", "US", "4.155550123e9", "damaged"),
        ("1.4155550123E+10", "US", "1.4155550123E+10", "damaged"),
        ("4155550123.0", "US", "4155550123.0", "damaged"),
        ("+14155550123.0", "US", "+14155550123.0", "damaged"),
        # extensions: one form, RFC 3966
        ("(415) 555-0123 x12", "US", "+14155550123;ext=12", "ok"),
        ("415-555-0123 ext. 12", "US", "+14155550123;ext=12", "ok"),
        ("+1 415 555 0123 #12", "US", "+14155550123;ext=12", "ok"),
        ("tel:+1-415-555-0123;ext=12", "US", "+14155550123;ext=12", "ok"),
        ("+14155550123;ext=12", "US", "+14155550123;ext=12", "ok"),
        # whitespace
        ("\u00a0415 555 0123\u200b", "US", "+14155550123", "ok"),
        ("", "US", "", "blank"),
        ("  ", "US", "", "blank"),
        ("'", "US", "", "blank"),
        # invalid
        ("123", "US", "123", "invalid"),
        ("555-0123", "US", "555-0123", "invalid"),
        ("(000) 000-0000", "US", "(000) 000-0000", "invalid"),
        ("call me", "US", "call me", "invalid"),
        ("+999 123 456", "US", "+999 123 456", "invalid"),
        ("N/A", "US", "N/A", "invalid"),
    ],
)
def test_clean_phone(raw: str, region: str, value: str, status: str) -> None:
    result = clean_phone(raw, region)
    assert (result.value, result.status) == (value, status)
    if status in ("invalid", "damaged"):
        assert result.message


@pytest.mark.parametrize(
    ("raw", "changes"),
    [
        ("+14155550123", ()),
        ("(415) 555-0123", ("phone-formatted",)),
        ("'+14155550123", ("apostrophe-removed",)),
        ("'(415) 555-0123", ("apostrophe-removed", "phone-formatted")),
    ],
)
def test_phone_changes(raw: str, changes: tuple[str, ...]) -> None:
    assert clean_phone(raw, "US").changes == changes


def test_damaged_value_is_never_repaired() -> None:
    result = clean_phone("4.15555E+09", "US")
    assert result.status == "damaged"
    assert "+1" not in result.value
    assert "float" in result.message


_REGIONS = st.sampled_from(["US", "GB", "DE", "FR", "IN", "AU", "BR", "JP", "CA", "IT"])


@pytest.fixture(autouse=True)
def _scan_every_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """The column scan skips small groups of cells (cheaper one by one); the tests here
    prove the scan itself, so it scans every group."""
    from sfclean.cleaners import phonecolumn

    monkeypatch.setattr(phonecolumn, "_SCAN_FROM", 1)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789 +-().x#'eE", max_size=22), _REGIONS)
def test_clean_phone_is_idempotent(raw: str, region: str) -> None:
    first = clean_phone(raw, region)
    if first.status == "ok":
        again = clean_phone(first.value, region)
        assert (again.value, again.status, again.changes) == (first.value, "ok", ())
        # and the E.164 part means the same number to phonenumbers in any region
        assert phonenumbers.is_valid_number(phonenumbers.parse(first.value, "ZZ"))


#: Numbers the column scan takes, to put extensions behind.
_NUMBERS = st.sampled_from(
    [
        "(415) 555-0123",
        "+1 415 555 0123",
        "1-604-555-0123",
        "020 7946 0958",
        "0044 20 7946 0958",
        "+44 (0)20 7946 0958",
        "030/1234567",
        "+33 1 23 45 67 89",
        "12",
        "+1",
        "",
    ]
)
#: Extensions in every alternative of phonenumbers' grammar, near misses, and what parse
#: cuts first (a second number after "/ x", trailing punctuation).
_EXTENSIONS = st.sampled_from(
    [
        " x12",
        "x12",
        " X 12",
        " ext. 204",
        " Ext.80",
        " ext 5",
        " extension 7",
        " extn: 33",
        " EXT- 9",
        " #3",
        "#3",
        " x12#",
        " ~4",
        " int 3",
        " anexo 11",
        ";ext=5",
        ";ext=012345678901234567890",
        " x1234567890",
        " - 503#",
        " 503#",
        "-1234567#",
        ",,12",
        ";12",
        " ; 7",
        ",12",
        ",,,9",
        "\tx12",
        ", x12",
        " / x12",
        "/x12",
        "\\x12",
        " x12 x34",
        " x12.",
        " x12 ",
        " x",
        " ext",
        " x.0",
        " x 00",
        " ext. 10",
    ]
)

_BATCH_VALUES = (
    st.sampled_from(
        [
            "(415) 555-0123",
            " (415) 555-0123 ",
            "+14155550123",
            " +14155550123",
            "+1 (415) 555-0123",
            "+44 20 7946 0958",
            "(+44) 20 7946 0958",
            "020 7946 0958",
            "1 415 555 0123",
            "4155550123.0",
            "'4155550123",
            "+1 211 555 0123",
            "(211) 555-0123",
            "+49 30 1234567",
            "+33 1 23 45 67 00",
            "0033 1 23 45 67 00",
            "030 1234567",
            "(089) 1234567",
            "06 12 34 56 78",
            "0161 496 0000",
            "1-212-555-0123",
            "1 (415) 555-0123",
            "4420 7946 0958",
            "+44 (0)20 7946 0958",
            "+44 020 7946 0958",
            "0044 20 7946 0958",
            "0044 020 7946 0958",
            "00 0 44 20 7946 0958",
            "011 44 20 7946 0958",
            "+49 (0)30 1234567",
            "030/1234567",
            "(416) 555-0199",
            "+1 604 555 0123",
            "1-604-555-0123",
            "+1 (268) 464 1234",
            "\u00a0415 555 0123",
            "415 555 0123\n",
            "+1 415 555 0120.0",
            "",
            # shapes the column scan answers since issue 13's second round
            "1-902-702-2858",
            "1 (416) 555-0199",
            "1 416 123 4567",
            "0117 496 0000",
            "01 16 59 45 70",
            "+44 (0)7509 808027",
            "07509 742694",
            "+44 07937 140382",
            "04 05 44 63 25",
            "+33 (0)4 04 97 78 69",
            "0033 4 05 56 11 55",
            "0034 752468052",
            "(415) 555-0123 x12",
            "+14155550123;ext=12",
            "+1.702.251.1598 Ext.80",
            "415 555 0123 / x12",
            "415 555 0123 - 503#",
            "1.0 ",  # damage behind padding (hypothesis found it)
            " 30123456.0  ",
            # a "." and a last "0" that are not damage: the scan answers them itself
            "415.555.0120",
            " +1.415.555.0120 ",
            "01.23.45.67.80",
            "+4155550120.0",
            "4155550120.00 ",
            "(415) 555.0120",
        ]
    )
    | st.builds(lambda number, ext: number + ext, _NUMBERS, _EXTENSIONS)
    | st.text(alphabet="0123456789 +-()./", max_size=16)
    | st.text(alphabet="0123456789 +-()./\t\n'x\u00a0\u200b", max_size=16)
    | st.text(alphabet="0123456789 +-()./x#;,:eEtT\t", max_size=22)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_BATCH_VALUES, max_size=12), _REGIONS)
def test_column_agrees_with_single(values: list[str], region: str) -> None:
    from sfclean.cleaners.phonecolumn import clean_phone_column

    col = clean_phone_column(values, region)
    got = [
        (col.value[i], col.status[i], col.kinds[col.change_id[i]], col.message[i])
        for i in range(len(values))
    ]
    assert got == [tuple(clean_phone(v, region)) for v in values]
    assert not values or _scan(join_lines(values), region) is not None  # one answer per cell


def _region_samples(region: str) -> list[str]:
    """Example numbers of a region, nationally and with +code, plus near misses, with and
    without an extension."""
    out = []
    for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
        number = phonenumbers.example_number_for_type(region, kind)
        if number is None:
            continue
        nsn = phonenumbers.national_significant_number(number)
        code = number.country_code
        for digits in (nsn, nsn[:-1], nsn + "1", nsn[:-1] + str((int(nsn[-1]) + 5) % 10)):
            out += [
                digits,
                f"0{digits}",
                f"+{code} {digits}",
                f"+{code}{digits}",  # E.164 as typed: no phone-formatted finding
                f"  +{code}{digits} ",
                f"{code}{digits}",
                f"00{code}{digits}",
                f"00{code}0{digits}",
                f"011{code}{digits}",
                f"+{code} (0){digits}",
                f"+{code}0{digits}",
                f"1 {digits}",
            ]
        out += [
            f"{nsn} x12",
            f"0{nsn} ext. 204",
            f"+{code} {nsn} #3",
            f"+{code} (0){nsn};ext=5",
            f"00{code} {nsn} Ext.80",
            f"{code}{nsn} x7",
        ]
    return out


def _same_code_regions(region: str) -> list[str]:
    """The region and up to four other regions that share its country code."""
    code = phonenumbers.country_code_for_region(region)
    others = [r for r in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ()) if r != region]
    return [region, *others[:4]]


@pytest.mark.parametrize("region", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_column_agrees_with_single_in_every_region(region: str) -> None:
    # the column scanner rewrites every region's patterns for multi-line matching
    from sfclean.cleaners.phonecolumn import clean_phone_column

    samples = [s for r in [*_same_code_regions(region), "US"] for s in _region_samples(r)]
    values = list(dict.fromkeys(samples))
    col = clean_phone_column(values, region)
    got = [
        (col.value[i], col.status[i], col.kinds[col.change_id[i]], col.message[i])
        for i in range(len(values))
    ]
    assert got == [tuple(clean_phone(v, region)) for v in values]
    assert not values or _scan(join_lines(values), region) is not None  # one answer per cell


@pytest.mark.parametrize(
    ("region", "raw", "e164"),
    [
        ("GB", "020 7946 0958", "+442079460958"),
        ("GB", "0161 496 0000", "+441614960000"),
        ("DE", "030 1234567", "+49301234567"),
        ("DE", "(089) 1234567", "+49891234567"),
        ("FR", "06 12 34 56 78", "+33612345678"),
        ("US", "1-212-555-0123", "+12125550123"),
        ("US", "1 (415) 555-0123", "+14155550123"),
        ("DE", "030/1234567", "+49301234567"),
        ("GB", "0044 20 7946 0958", "+442079460958"),
        ("GB", "+44 (0)20 7946 0958", "+442079460958"),
        ("DE", "+49 (0)30 1234567", "+49301234567"),
        ("FR", "0033 1 23 45 67 89", "+33123456789"),
        ("US", "011 44 20 7946 0958", "+442079460958"),
        ("CA", "(416) 555-0199", "+14165550199"),
        ("CA", "+1 604 555 0123", "+16045550123"),
        ("US", "+1 514 555 0123", "+15145550123"),
        ("CA", "1-902-702-2858", "+19027022858"),
        ("US", "1 (416) 555-0199", "+14165550199"),
        ("GB", "0117 496 0000", "+441174960000"),
        ("FR", "01 16 59 45 70", "+33116594570"),
        ("GB", "+44 (0)7509 808027", "+447509808027"),
        ("GB", "07509 742694", "+447509742694"),
        ("US", "(415) 555-0123 x12", "+14155550123;ext=12"),
        ("US", "+1.702.251.1598 Ext.80", "+17022511598;ext=80"),
        ("CA", "1 (905) 876-9467 #570", "+19058769467;ext=570"),
        ("GB", "0044 20 3123 6927 Ext.187", "+442031236927;ext=187"),
        ("GB", "020 7946 7139 ext. 75", "+442079467139;ext=75"),
        ("DE", "030 1234567 x12", "+49301234567;ext=12"),
        ("US", "+14155550123;ext=12", "+14155550123;ext=12"),
    ],
)
def test_scan_takes_prefixes_parse_strips(region: str, raw: str, e164: str) -> None:
    # these shapes are answered by the column scan, not one by one (issue 13)
    text, accepted, _ = _scan(join_lines([raw]), region)
    assert (text[0], bool(accepted[0])) == (e164, True)
    assert clean_phone(raw, region).value == e164


_TAILS = ("1", "12#", "xt1", "xt. 12", "XT:1", "nt 3", "nexo 4", ",12", "12", " 1#", "=1", "t1")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["", "415 555 0123", "+1 (415) 555-0123", "020/7946-0958", "x", "1 "]),
    st.text(alphabet="".join(map(chr, range(32, 127))) + "\t\xa0", max_size=3),
    st.sampled_from(_TAILS),
)
def test_extension_lookahead_changes_no_split(number: str, middle: str, tail: str) -> None:
    # the lookahead of _EXTENSION_LINE only spares work: every split is the plain grammar's
    from sfclean.cleaners.phonecolumn import _EXTENSION_LINE, _EXTN

    assert _EXTENSION_LINE is not None and _EXTN is not None
    plain = re.compile(rf"(?m)^(?:([0-9 ().\-/+]*?)(?:{_EXTN})$|[^\n]*+$)", re.IGNORECASE)
    text = "\n".join([number + middle + tail, middle + tail, number + tail])
    assert _EXTENSION_LINE.findall(text) == plain.findall(text)


def test_extension_lookahead_admits_every_first_character() -> None:
    from sfclean.cleaners.phonecolumn import _EXTENSION_LINE, _EXTN

    assert _EXTENSION_LINE is not None and _EXTN is not None
    plain = re.compile(rf"(?m)^(?:([0-9 ().\-/+]*?)(?:{_EXTN})$|[^\n]*+$)", re.IGNORECASE)
    # ASCII (cells reach the scan as ASCII), Latin, Cyrillic, the full-width forms
    for code in [*range(0x3000), *range(0xFF00, 0xFFF0)]:
        for tail in _TAILS:
            text = f"415 555 0123{chr(code)}{tail}"
            assert _EXTENSION_LINE.findall(text) == plain.findall(text), text


def test_small_groups_go_one_by_one_with_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    from sfclean.cleaners import phonecolumn

    values = ["(415) 555-0123", "+44 20 7946 0958", "12345", "1-604-555-0123 x5"]
    monkeypatch.setattr(phonecolumn, "_SCAN_FROM", 32)
    scanned = phonecolumn._scan(join_lines(values), "US")
    assert scanned is not None and not scanned[1].any()  # every group is too small
    col = phonecolumn.clean_phone_column(values, "US")
    assert list(col.value) == [clean_phone(v, "US").value for v in values]


@pytest.mark.parametrize("copies", [1, 12])
def test_other_nanp_regions_after_a_canadian_trunk_one(
    monkeypatch: pytest.MonkeyPatch, copies: int
) -> None:
    # 1 + ten digits in Canada: the Caribbean numbers are valid only through the +1 code's
    # other regions; too few of them in a group go one by one, enough are scanned, and the
    # answers are clean_phone's either way
    from sfclean.cleaners import phonecolumn

    monkeypatch.setattr(phonecolumn, "_SCAN_FROM", 32)
    caribbean = ["1 268 464 1234", "1 876 512 3456", "1-242-359-1234"]  # AG, JM, BS
    values = [f"1 1{n:02d} 555 0123" for n in range(40)] + caribbean * copies
    col = phonecolumn.clean_phone_column(values, "CA")
    got = [
        (col.value[i], col.status[i], col.kinds[col.change_id[i]], col.message[i])
        for i in range(len(values))
    ]
    assert got == [tuple(clean_phone(v, "CA")) for v in values]
    assert col.value[-1] == "+12423591234"


@pytest.mark.parametrize(
    ("region", "raw", "proven"),
    [
        ("DE", "47143", True),  # too short for any German number
        ("FR", "04 05 44 63 25", True),  # invalid with and without the trunk 0
        ("ES", "38356", True),
        ("GB", " 12345 ", True),
        ("US", "555-0123", True),
        ("US", "12345", False),  # starts with the own country code: parse may split it off
        # the region's own 011 / 00 is read as "+" (clean_phone's retry reads it the same)
        ("US", "011 44 20 7946 095", True),
        ("GB", "00 44 20 7946 095", True),
        ("GB", "+44 (0)20 7946 095", True),  # invalid with and without the trunk 0
        ("JP", "010 44 20 7946 095", False),  # the retry would read "+1044...": another number
        ("GB", "011 44 20 7946 095", False),  # not GB's prefix, retried as "+44..."
        ("DE", "47143 x12", False),  # an extension: left to parse
        # the digits are invalid, but clean_phone_column sees the damage first
        ("US", "4155550123.0", True),
        ("US", "(415) 555-0123", False),  # valid
    ],
)
def test_scan_proves_invalid_numbers(region: str, raw: str, proven: bool) -> None:
    from sfclean.cleaners.phonecolumn import clean_phone_column

    values = [raw, "030 1234567"]
    scanned = _scan(join_lines(values), region)
    assert scanned is not None and bool(scanned[2][0]) is proven
    col = clean_phone_column(values, region)
    expected = clean_phone(raw, region)
    assert (col.value[0], col.status[0], col.kinds[col.change_id[0]], col.message[0]) == (
        tuple(expected)
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0 1.\t\n\u00a0", max_size=6), max_size=10))
def test_ends_in_zero_reads_the_last_character_before_spaces(values: list[str]) -> None:
    from sfclean.cleaners.phonecolumn import _ends_in_zero

    lines = join_lines(values)
    cells = lines.text.split("\n") if values else []
    got = _ends_in_zero(lines, lines.bytes_of()).tolist()
    assert got == [cell.rstrip(" ").endswith("0") for cell in cells]


_EXTENDED = [
    "(415) 555-0123 x12",
    "+1 604 555 0123 ext. 204",
    "415.555.0199;ext=5",
    "0114420794609 #3",
]
_PLAIN = [
    "(415) 555-0124",
    "+1 604 555 0125",
    "011 44 20 7946 0958",
    "4155550126.0",
    " 415 555 0127 ",
]


@pytest.mark.parametrize(
    "values",
    [
        [""],
        ["", "", ""],
        ["(415) 555-0123"],
        ["(415) 555-0123 x12"],
        _EXTENDED,  # every cell has an extension
        [v for pair in zip(_EXTENDED, _PLAIN, strict=False) for v in pair] + _PLAIN[4:],
        ["", *_EXTENDED, "", *_PLAIN, ""],  # empty cells between and around
        ["415 555 0123\u00a0x12", "(415) 555-0124", "+1 415 555 0125 é", "415 555 0126"],
        ["415\u00a0555\u00a00123", "", "415 555 0124 x5", "0044 20 7946 0958"],
        ["x12", "ext. 5", "#3", "415 555 0123 x", "12 x3", "+ x4"],  # extensions of nothing
    ],
)
@pytest.mark.parametrize("region", ["US", "GB", "DE"])
def test_column_agrees_with_single_on_mixed_cells(values: list[str], region: str) -> None:
    # cells with an extension next to cells without, empty, non-ASCII and single cells: the
    # compact byte buffer must keep every cell on its own line with its own extension
    from sfclean.cleaners.phonecolumn import clean_phone_column

    for cells in (values, values * 40):  # and in groups large enough to be scanned
        col = clean_phone_column(cells, region)
        got = [
            (col.value[i], col.status[i], col.kinds[col.change_id[i]], col.message[i])
            for i in range(len(cells))
        ]
        assert got == [tuple(clean_phone(v, region)) for v in cells]
        assert _scan(join_lines(cells), region) is not None
