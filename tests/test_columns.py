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


# Real export headers, as the tools write them:
# - Outlook: Microsoft's "Create or edit .csv files to import into Outlook" column list
#   (support.microsoft.com, article 4518d70d-...) and the Outlook CSV schema in
#   michalbe/csv2vcard's README (older exports say "Business Country", newer ones
#   "Business Country/Region").
# - Google Contacts: the google.csv export ("E-mail 1 - Value", "Phone 1 - Value",
#   "Address 1 - Country").
# - LinkedIn: Connections.csv ("First Name", "Last Name", "URL", "Email Address", "Company",
#   "Position", "Connected On").
# - HubSpot contact export, Apollo people export, ZoomInfo contact export: their documented
#   default columns.
# - Data Loader: API names, upper-case in an extract.
_OUTLOOK = [
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department",
    "Job Title", "Business Street", "Business City", "Business State", "Business Postal Code",
    "Business Country/Region", "Home Street", "Home City", "Home State", "Home Postal Code",
    "Home Country/Region", "Other Street", "Other City", "Other State", "Other Postal Code",
    "Other Country/Region", "Assistant's Phone", "Business Fax", "Business Phone",
    "Business Phone 2", "Callback", "Car Phone", "Company Main Phone", "Home Fax",
    "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone", "Other Fax", "Other Phone", "Pager",
    "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex", "E-mail Address", "E-mail Type",
    "E-mail Display Name", "E-mail 2 Address", "E-mail 2 Type", "E-mail 3 Address", "Notes",
]  # fmt: skip
_OUTLOOK_PHONES = (
    "Assistant's Phone", "Business Fax", "Business Phone", "Business Phone 2", "Car Phone",
    "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "Mobile Phone",
    "Other Fax", "Other Phone", "Primary Phone",
)  # fmt: skip
_OUTLOOK_OLD = [
    "First Name", "Last Name", "Home Country", "Business Country", "Business Phone",
    "Mobile Phone", "E-mail Address", "E-mail 2 Address",
]  # fmt: skip
_GOOGLE = [
    "Name", "Given Name", "Family Name", "Organization 1 - Name", "E-mail 1 - Type",
    "E-mail 1 - Value", "E-mail 2 - Type", "E-mail 2 - Value", "Phone 1 - Type",
    "Phone 1 - Value", "Phone 2 - Type", "Phone 2 - Value", "Address 1 - Type",
    "Address 1 - Formatted", "Address 1 - City", "Address 1 - Country",
]  # fmt: skip
_LINKEDIN = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
             "Connected On"]  # fmt: skip
_HUBSPOT = ["Record ID", "First Name", "Last Name", "Email", "Phone Number",
            "Mobile Phone Number", "Country/Region", "Company Name"]  # fmt: skip
_APOLLO = ["First Name", "Last Name", "Title", "Company", "Email", "Email Status",
           "Work Direct Phone", "Home Phone", "Mobile Phone", "Corporate Phone", "Other Phone",
           "City", "State", "Country", "Company Country"]  # fmt: skip
_ZOOMINFO = ["ZoomInfo Contact ID", "First Name", "Last Name", "Job Title", "Email Address",
             "Direct Phone Number", "Mobile phone", "Company Name", "Company HQ Phone",
             "Country"]  # fmt: skip
_DATALOADER = ["ID", "FIRSTNAME", "LASTNAME", "EMAIL", "PHONE", "MOBILEPHONE",
               "MAILINGCOUNTRY"]  # fmt: skip
_DATALOADER_LEAD = ["ID", "LASTNAME", "COMPANY", "EMAIL", "PHONE", "MOBILEPHONE",
                    "COUNTRY"]  # fmt: skip


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (_OUTLOOK, ColumnMap("E-mail Address", _OUTLOOK_PHONES, "Business Country/Region")),
        (
            _OUTLOOK_OLD,
            ColumnMap("E-mail Address", ("Business Phone", "Mobile Phone"), "Business Country"),
        ),
        (_GOOGLE, ColumnMap("E-mail 1 - Value", ("Phone 1 - Value", "Phone 2 - Value"),
                            "Address 1 - Country")),
        (_LINKEDIN, ColumnMap("Email Address", (), None)),
        (_HUBSPOT, ColumnMap("Email", ("Phone Number", "Mobile Phone Number"), "Country/Region")),
        (
            _APOLLO,
            ColumnMap(
                "Email",
                ("Work Direct Phone", "Home Phone", "Mobile Phone", "Corporate Phone",
                 "Other Phone"),
                "Country",
            ),
        ),
        (
            _ZOOMINFO,
            ColumnMap(
                "Email Address",
                ("Direct Phone Number", "Mobile phone", "Company HQ Phone"),
                "Country",
            ),
        ),
        (_DATALOADER, ColumnMap("EMAIL", ("PHONE", "MOBILEPHONE"), "MAILINGCOUNTRY")),
        (_DATALOADER_LEAD, ColumnMap("EMAIL", ("PHONE", "MOBILEPHONE"), "COUNTRY")),
    ],
    ids=["outlook", "outlook-old", "google", "linkedin", "hubspot", "apollo", "zoominfo",
         "dataloader-contact", "dataloader-lead"],
)  # fmt: skip
def test_real_export_headers_are_found_without_flags(
    columns: list[str], expected: ColumnMap
) -> None:
    """The primary email column wins; the other email columns (Outlook's E-mail 2/3, Google's
    E-mail 2) are plain text columns, not validated."""
    assert find_columns(columns) == expected
