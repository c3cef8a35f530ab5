"""Finding the email, phone and country columns of a table.

Columns are recognised by Salesforce API name (Data Loader headers) or a common label,
ignoring case, spaces and the punctuation ``- _ . / '``: ``Email``, ``E-mail`` and
``Email Address`` are the same; so are ``MobilePhone`` and ``Mobile Phone``. A column can
always be named explicitly instead, and an explicit name that does not exist is an error (a
typo must not silently fall back to a guess). One column plays one part: the email column is
never a phone or the country column, and the country column is never a phone column.

The names cover the exports people have: Data Loader (API names, often upper-case:
``EMAIL``, ``MOBILEPHONE``, ``MAILINGCOUNTRY``), Outlook (``E-mail Address``, ``Business
Phone``, ``Business Country/Region``), Google Contacts (``E-mail 1 - Value``, ``Phone 1 -
Value``, ``Address 1 - Country``), LinkedIn (``Email Address``), HubSpot (``Phone Number``,
``Mobile Phone Number``, ``Country/Region``), Apollo (``Work Direct Phone``, ``Corporate
Phone``) and ZoomInfo (``Direct Phone Number``, ``Company HQ Phone``). When a file has several
email columns (Outlook's ``E-mail Address``, ``E-mail 2 Address``, ``E-mail 3 Address``), the
primary one (first in :data:`EMAIL_NAMES`) is the email column; the others are plain text
columns, trimmed but not validated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sfclean.errors import ColumnNotFoundError, ConfigError

__all__ = ["COUNTRY_NAMES", "EMAIL_NAMES", "PHONE_NAMES", "ColumnMap", "find_columns"]

#: Email column names, best first (compared after :func:`_key` folding).
EMAIL_NAMES: tuple[str, ...] = (
    "email",
    "emailaddress",
    "mail",
    "emailid",
    "primaryemail",
    "workemail",
    "businessemail",
    "contactemail",
    "email1value",  # Google Contacts: "E-mail 1 - Value"
)

#: Phone column names; every column that matches is cleaned, in table order.
PHONE_NAMES: frozenset[str] = frozenset(
    {
        "phone",
        "phonenumber",
        "telephone",
        "tel",
        "mobilephone",
        "mobile",
        "mobilenumber",
        "cell",
        "cellphone",
        "homephone",
        "otherphone",
        "assistantphone",
        "asstphone",
        "businessphone",
        "workphone",
        "directphone",
        "directdial",
        "companyphone",
        "fax",
        "faxnumber",
        # Outlook
        "businessphone2",
        "homephone2",
        "carphone",
        "primaryphone",
        "companymainphone",
        "assistantsphone",
        "businessfax",
        "homefax",
        "otherfax",
        # Google Contacts
        "phone1value",
        "phone2value",
        "phone3value",
        # HubSpot, Apollo, ZoomInfo
        "mobilephonenumber",
        "workdirectphone",
        "corporatephone",
        "directphonenumber",
        "companyhqphone",
    }
)

#: Country column names, best first.
COUNTRY_NAMES: tuple[str, ...] = (
    "country",
    "countrycode",
    "mailingcountry",
    "mailingcountrycode",
    "countryname",
    "countryregion",
    "billingcountry",
    "billingcountrycode",
    "othercountry",
    "othercountrycode",
    "shippingcountry",
    "shippingcountrycode",
    # Outlook (newer exports say Country/Region), then Google Contacts
    "businesscountryregion",
    "businesscountry",
    "homecountryregion",
    "homecountry",
    "othercountryregion",
    "address1country",
)

_FOLD_RE = re.compile(r"[\s\-_./'’]+")


def _key(name: str) -> str:
    return _FOLD_RE.sub("", str(name)).lower()


@dataclass(frozen=True)
class ColumnMap:
    """Which columns hold the email, the phones (possibly none) and the country (or None)."""

    email: str
    phones: tuple[str, ...]
    country: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: ``{"email": ..., "phones": [...], "country": ...}``."""
        return {"email": self.email, "phones": list(self.phones), "country": self.country}


def _listing(columns: Sequence[str]) -> str:
    shown = ", ".join(str(c) for c in columns[:30])
    return shown + (f", ... ({len(columns)} columns)" if len(columns) > 30 else "")


def _explicit(name: str, columns: Sequence[str], flag: str) -> str:
    if name in columns:
        return name
    folded = [c for c in columns if _key(c) == _key(name)]
    if len(folded) == 1:
        return folded[0]
    raise ColumnNotFoundError(
        f"column '{name}' named by {flag} not found (columns: {_listing(columns)})",
        columns=[str(c) for c in columns],
    )


def _best(columns: Sequence[str], names: Sequence[str]) -> str | None:
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(_key(column), column)
    for name in names:
        if name in by_key:
            return by_key[name]
    return None


def find_columns(
    columns: Sequence[str],
    *,
    email_column: str | None = None,
    phone_columns: Sequence[str] | None = None,
    country_column: str | None = None,
) -> ColumnMap:
    """Find the email, phone and country columns among ``columns``.

    Explicit names win (exact, else a unique case-insensitive match); otherwise the known
    names above are looked for. ``phone_columns=[]`` means "no phone columns". A missing
    email column raises :class:`~sfclean.errors.ColumnNotFoundError` listing the columns;
    naming one column for two parts (email and phone, email and country, country and phone)
    raises :class:`~sfclean.errors.ConfigError`. Found phone columns skip the email and
    country columns.
    """
    columns = [str(c) for c in columns]
    if email_column is not None:
        email = _explicit(email_column, columns, "email_column=")
    else:
        found = _best(columns, EMAIL_NAMES)
        if found is None:
            raise ColumnNotFoundError(
                f"no email column found (columns: {_listing(columns)}); name it with email_column=",
                columns=columns,
            )
        email = found
    if country_column is not None:
        country: str | None = _explicit(country_column, columns, "country_column=")
        if country == email:
            raise ConfigError(
                f"column '{email}' is the email column; it cannot also be the country column "
                "(country_column=)"
            )
    else:
        country = _best([c for c in columns if c != email], COUNTRY_NAMES)
    if phone_columns is not None:
        phones = tuple(
            dict.fromkeys(_explicit(p, columns, "phone_columns=") for p in phone_columns)
        )
        for part, column in (("email", email), ("country", country)):
            if column in phones:
                raise ConfigError(
                    f"column '{column}' is the {part} column; it cannot also be a phone column "
                    "(phone_columns=)"
                )
    else:
        phones = tuple(c for c in columns if _key(c) in PHONE_NAMES and c not in (email, country))
    return ColumnMap(email=email, phones=phones, country=country)
