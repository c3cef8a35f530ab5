"""Finding the email, phone and country columns."""

from __future__ import annotations

import pytest

from sfclean.columns import ColumnMap, find_columns
from sfclean.errors import ColumnNotFoundError, ConfigError


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["Email"], ColumnMap("Email", (), None)),
        (["email"], ColumnMap("email", (), None)),
        (["E-mail"], ColumnMap("E-mail", (), None)),
        (["Email Address", "Name"], ColumnMap("Email Address", (), None)),
        (["EMAIL_ADDRESS"], ColumnMap("EMAIL_ADDRESS", (), None)),
        (
            ["FirstName", "Email", "Phone", "MobilePhone", "MailingCountry"],
            ColumnMap("Email", ("Phone", "MobilePhone"), "MailingCountry"),
        ),
        (
            ["Email", "Mobile", "Home Phone", "OtherPhone", "Fax", "Country Code"],
            ColumnMap("Email", ("Mobile", "Home Phone", "OtherPhone", "Fax"), "Country Code"),
        ),
        (["Secondary Email", "Email"], ColumnMap("Email", (), None)),
        (["MailingCountry", "Country", "Email"], ColumnMap("Email", (), "Country")),
    ],
)
def test_found_by_name(columns: list[str], expected: ColumnMap) -> None:
    assert find_columns(columns) == expected


def test_missing_email_column_lists_columns_and_flag() -> None:
    with pytest.raises(ColumnNotFoundError) as info:
        find_columns(["A", "B", "C"])
    assert str(info.value) == "no email column found (columns: A, B, C); name it with email_column="
    assert info.value.columns == ["A", "B", "C"]


def test_explicit_names_win() -> None:
    found = find_columns(
        ["Work", "Tel1", "Tel2", "Land", "Email"],
        email_column="Work",
        phone_columns=["Tel1", "Tel2"],
        country_column="Land",
    )
    assert found == ColumnMap("Work", ("Tel1", "Tel2"), "Land")


def test_explicit_name_is_case_insensitive_when_unique() -> None:
    assert find_columns(["Work Email"], email_column="work email").email == "Work Email"


def test_empty_phone_list_means_no_phones() -> None:
    assert find_columns(["Email", "Phone"], phone_columns=[]).phones == ()


@pytest.mark.parametrize(
    "kwargs",
    [{"email_column": "Mail"}, {"phone_columns": ["Tel"]}, {"country_column": "Land"}],
)
def test_explicit_name_that_does_not_exist(kwargs: dict[str, object]) -> None:
    with pytest.raises(ColumnNotFoundError) as info:
        find_columns(["Email", "Phone"], **kwargs)  # type: ignore[arg-type]
    assert "(columns: Email, Phone)" in str(info.value)
    assert info.value.columns == ["Email", "Phone"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"phone_columns": ["Email"]},
            "column 'Email' is the email column; it cannot also be a phone column (phone_columns=)",
        ),
        (
            {"phone_columns": ["Phone", "country"]},
            "column 'Country' is the country column; it cannot also be a phone column "
            "(phone_columns=)",
        ),
        (
            {"country_column": "EMAIL"},
            "column 'Email' is the email column; it cannot also be the country column "
            "(country_column=)",
        ),
    ],
)
def test_one_column_plays_one_part(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        find_columns(["Email", "Phone", "Country"], **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_found_phones_skip_the_chosen_country_and_email_columns() -> None:
    columns = ["Phone", "Mobile", "Tel"]
    assert find_columns(columns, email_column="Tel", country_column="Phone") == ColumnMap(
        "Tel", ("Mobile",), "Phone"
    )
