"""``exclude(..., fuzzy=True)``: hold back rows that probably are a person already in the org.

After the exact lookup, the rows still kept are compared with every org record of
``objects`` by :func:`sfclean.scanning.fuzzy.probable_matches` (splink, ``link_only``). The
org side is read with the ``extract`` strategy: one Bulk API 2.0 query per object of the
fields the model compares (:data:`PERSON_FIELDS`), a few API calls per object whatever the
number of rows. A row whose match probability reaches the threshold is held back with the
reason ``probable-match-in-org``, the record's object and Id, ``sfclean_probability`` and
``sfclean_agreed`` (the fields that agreed); nothing is merged or updated.

The file's columns are read under their API names (``FirstName``, ``LastName``,
``Company``, ``City`` / ``MailingCity``), the email, phone and country columns where
:func:`sfclean.columns.find_columns` found them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfclean.codes import PROBABLE_MATCH_IN_ORG
from sfclean.columns import ColumnMap
from sfclean.salesforce import Connection, bulk_query
from sfclean.scanning.fuzzy import PROBABLE_MATCH_COLUMNS, probable_matches

__all__ = ["PERSON_FIELDS", "PROBABLE_COLUMNS", "extract_people", "hold_back_probable"]

#: Fields read per object for fuzzy matching.
PERSON_FIELDS: dict[str, tuple[str, ...]] = {
    "Lead": (
        "FirstName",
        "LastName",
        "Company",
        "Email",
        "Phone",
        "MobilePhone",
        "City",
        "Country",
    ),
    "Contact": (
        "FirstName",
        "LastName",
        "Account.Name",
        "Email",
        "Phone",
        "MobilePhone",
        "MailingCity",
        "MailingCountry",
    ),
}
#: Columns the probable rows get after the input's columns and ``sfclean_row``.
PROBABLE_COLUMNS = (
    "sfclean_reason",
    "sfclean_detail",
    "sfclean_matched_object",
    "sfclean_matched_id",
    "sfclean_probability",
    "sfclean_agreed",
)
_FILE_NAMES = ("FirstName", "LastName", "Company", "City", "MailingCity")


def extract_people(conn: Connection, objects: tuple[str, ...]) -> pd.DataFrame:
    """Every record of ``objects`` with :data:`PERSON_FIELDS` (Bulk API 2.0), one table with
    an ``object`` column; other objects read ``Id, FirstName, LastName, Email, Phone``."""
    frames = []
    for name in objects:
        fields = PERSON_FIELDS.get(name, ("FirstName", "LastName", "Email", "Phone"))
        frame = bulk_query(conn, f"SELECT Id, {', '.join(fields)} FROM {name}")
        if not frame.empty:
            frames.append(frame.assign(object=name))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _file_records(kept: pd.DataFrame, cmap: ColumnMap) -> pd.DataFrame:
    """The kept rows under the feature columns' API names."""
    columns: dict[str, pd.Series] = {
        name: kept[name] for name in _FILE_NAMES if name in kept.columns
    }
    columns["Email"] = kept[cmap.email]
    for target, source in zip(("Phone", "MobilePhone"), cmap.phones, strict=False):
        columns[target] = kept[source]
    if cmap.country is not None:
        columns["Country"] = kept[cmap.country]
    return pd.DataFrame(columns).reset_index(drop=True)


def hold_back_probable(
    conn: Connection,
    kept: pd.DataFrame,
    cmap: ColumnMap,
    objects: tuple[str, ...],
    *,
    threshold: float,
    default_region: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows still kept, probable rows) of ``kept`` (the exact lookup's kept rows, with
    ``sfclean_row``), the probable rows with :data:`PROBABLE_COLUMNS`."""
    org = extract_people(conn, objects) if len(kept) else pd.DataFrame()
    if org.empty:  # nothing to compare (no row left, or an empty org)
        matches = pd.DataFrame({c: pd.Series(dtype=object) for c in PROBABLE_MATCH_COLUMNS})
        matches["row"] = matches["row"].astype("int64")
        matches["probability"] = matches["probability"].astype(float)
    else:
        matches = probable_matches(
            _file_records(kept, cmap), org, threshold=threshold, default_region=default_region
        )
    hit = np.zeros(len(kept), dtype=bool)
    hit[matches["row"].to_numpy(dtype=np.int64)] = True
    probable = kept.loc[hit].reset_index(drop=True)
    probable["sfclean_reason"] = pd.Series(PROBABLE_MATCH_IN_ORG, index=probable.index, dtype="str")
    detail = [
        f"{o} {i} (probability {p:.3f}; agreed: {a or 'none'})"
        for o, i, p, a in zip(
            matches["object"], matches["Id"], matches["probability"], matches["agreed"], strict=True
        )
    ]
    for name, values in (
        ("sfclean_detail", detail),
        ("sfclean_matched_object", list(matches["object"])),
        ("sfclean_matched_id", list(matches["Id"])),
        ("sfclean_agreed", list(matches["agreed"])),
    ):
        probable[name] = pd.Series(values, index=probable.index, dtype="str")
    probable.insert(
        len(probable.columns) - 1,
        "sfclean_probability",
        matches["probability"].round(6).to_numpy(dtype=float),
    )
    return kept.loc[~hit].reset_index(drop=True), probable[[*kept.columns, *PROBABLE_COLUMNS]]
