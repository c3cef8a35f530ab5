"""The features fuzzy matching compares, cleaned with sfclean's own cleaners.

One row per record, from the record's Salesforce fields (API names):

==================  ======================================================================
feature             from
==================  ======================================================================
``first_name``      ``FirstName`` through :func:`sfclean.cleaners.names.name_key`
``first_names``     ``FirstName`` and the full names it is a nickname of
                    (:func:`~sfclean.cleaners.names.first_name_forms`)
``last_name``       ``LastName`` through ``name_key``
``company``         ``Company`` (Lead), else ``AccountName`` / ``Account.Name`` (Contact),
                    through :func:`~sfclean.cleaners.names.company_key`
``phone``           the first of ``Phone``, ``MobilePhone`` that is a phone, as E.164, read
                    in the record's country (``Country`` / ``MailingCountry``), else
                    ``default_region`` (:func:`sfclean.scanning.keys.phone_keys`, the keys
                    the exact scan uses)
``city``            ``City`` (Lead) or ``MailingCity`` (Contact) through ``name_key``
``email``           the email key of the exact scan (:func:`sfclean.scanning.keys.email_keys`)
``email_local``     its part before ``@``; ``email_domain`` its part after
==================  ======================================================================

Blank cells become None (splink's nulls: a missing value neither agrees nor disagrees).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfclean.cleaners.names import company_key, first_name_forms, name_key
from sfclean.scanning.keys import PHONE_COLUMNS, email_keys, phone_keys
from sfclean.scanning.records import text_column
from sfclean.stages.lookup import COUNTRY_FIELD, per_unique, phone_regions

__all__ = ["COMPANY_COLUMNS", "FEATURES", "features"]

#: Feature columns, in the order ``agreed`` lists them.
FEATURES = ("first_name", "last_name", "company", "phone", "city", "email")
#: Where a record's company is read, the first present and filled one wins.
COMPANY_COLUMNS = ("Company", "AccountName", "Account.Name")
CITY_FIELD = {"Lead": "City", "Contact": "MailingCity"}


def _per_object(records: pd.DataFrame, objects: np.ndarray, fields: dict[str, str]) -> np.ndarray:
    """Per record, the field ``fields`` names for its object (Lead's ``City``, Contact's
    ``MailingCity``...); an object not listed reads the first field present."""
    out = np.full(len(records), "", dtype=object)
    for object_name, field in fields.items():
        rows = objects == object_name
        if rows.any():
            out[rows] = text_column(records, field)[rows]
    others = ~np.isin(objects, list(fields))
    for field in dict.fromkeys(fields.values()):
        if others.any():
            values = text_column(records, field)
            fill = others & (out == "")
            out[fill] = values[fill]
    return out


def _first_filled(records: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    out = np.full(len(records), "", dtype=object)
    for name in names:
        values = text_column(records, name)
        fill = out == ""
        out[fill] = values[fill]
    return out


def _phones(records: pd.DataFrame, objects: np.ndarray, default_region: str) -> np.ndarray:
    countries = _per_object(records, objects, COUNTRY_FIELD)
    regions = phone_regions(countries, len(records), default_region)
    out = np.full(len(records), "", dtype=object)
    for name in PHONE_COLUMNS:
        keys = phone_keys(text_column(records, name), regions)
        fill = out == ""
        out[fill] = keys[fill]
    return out


def _nulls(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Blank as null, in an Arrow string column: no Python object per cell, so the table
    stays small at millions of records and splink's backends take it without a copy."""
    import pyarrow as pa  # a dependency of splink (the fuzzy extra)

    out = values.astype(object)
    out[out == ""] = None
    return pd.arrays.ArrowExtensionArray(pa.array(out, type=pa.string()))


def _lists(forms: np.ndarray) -> pd.api.extensions.ExtensionArray:
    import pyarrow as pa

    lists = pa.array([list(f) if f else None for f in forms], type=pa.list_(pa.string()))
    return pd.arrays.ArrowExtensionArray(lists)


def features(records: pd.DataFrame, *, default_region: str = "US") -> pd.DataFrame:
    """The feature table of ``records`` (never modified), ``unique_id`` = row position."""
    objects = text_column(records, "object")
    email = email_keys(text_column(records, "Email"))
    local = per_unique(email, lambda e: e.rsplit("@", 1)[0] if e else "")
    domain = per_unique(email, lambda e: e.rsplit("@", 1)[1] if e else "")
    first = text_column(records, "FirstName")
    forms = per_unique(first, first_name_forms)
    frame = pd.DataFrame(
        {
            "unique_id": np.arange(len(records), dtype=np.int64),
            "first_name": _nulls(per_unique(first, name_key)),
            "first_names": _lists(forms),
            "last_name": _nulls(per_unique(text_column(records, "LastName"), name_key)),
            "company": _nulls(per_unique(_first_filled(records, COMPANY_COLUMNS), company_key)),
            "phone": _nulls(_phones(records, objects, default_region)),
            "city": _nulls(per_unique(_per_object(records, objects, CITY_FIELD), name_key)),
            "email": _nulls(email),
            "email_local": _nulls(local),
            "email_domain": _nulls(domain),
        }
    )
    return frame
