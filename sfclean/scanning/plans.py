"""Merge-ready plans: SOAP ``merge`` rows and ``convertLead`` rows. Nothing is executed here.

Facts (audit-scan-facts.md §3.7): ``merge()`` takes Lead, Contact or Account records of one
object, at most 3 per request including the master; a Lead and a Contact cannot be merged: a
Lead whose person exists as a Contact is **converted** into that contact (``convertLead``
with ``contactId`` and ``accountId``; only the contact's empty fields are filled).

Every record of a cluster except its survivor appears in exactly one row of one plan:

- **convert_plan** (``lead_id, contact_id, account_id, cluster``): every Lead of a cluster
  that holds a Contact, converted into the cluster's survivor (its oldest Contact) and that
  contact's AccountId ("" for a contact without an account; convertLead then needs one).
  Those Leads are not merged among themselves: each conversion stands alone.
- **merge_plan** (``object, master_id, duplicate_ids, cluster``): per cluster and object
  (Contacts; Leads only of clusters without a Contact; Accounts), when it holds two or more
  records: the master is the survivor when it is of that object, else the oldest record of
  that object (oldest = smallest CreatedDate, ties by Id, which makes the two the same);
  the others, oldest first, two a row (``duplicate_ids`` joined by ``;``); bigger clusters
  chain rows with the same master.

Records of other objects are in neither plan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CONVERT_COLUMNS", "MERGEABLE", "MERGE_COLUMNS", "convert_plan", "merge_plan"]

#: Objects the SOAP merge call accepts.
MERGEABLE = frozenset({"Lead", "Contact", "Account"})
#: Records per merge request besides the master.
MAX_DUPLICATES = 2
MERGE_COLUMNS = ["object", "master_id", "duplicate_ids", "cluster"]
CONVERT_COLUMNS = ["lead_id", "contact_id", "account_id", "cluster"]


def _with_contact(members: pd.DataFrame) -> pd.Series:
    """Per record: its cluster holds a Contact."""
    is_contact = members["object"] == "Contact"
    return is_contact.groupby(members["cluster"]).transform("any")


def convert_plan(members: pd.DataFrame) -> pd.DataFrame:
    """Lead conversion rows (see the module docstring). ``members``: the cluster rows with
    ``cluster, object, Id, AccountId, created, survivor``."""
    if members.empty:
        return pd.DataFrame({c: [] for c in CONVERT_COLUMNS}, dtype=object)
    with_contact = _with_contact(members).to_numpy(dtype=bool)
    leads = members[with_contact & (members["object"] == "Lead").to_numpy()]
    survivors = members[members["survivor"].to_numpy(dtype=bool)].set_index("cluster")
    leads = leads.sort_values(["cluster", "created", "Id"], na_position="last", kind="stable")
    plan = pd.DataFrame(
        {
            "lead_id": leads["Id"].to_numpy(dtype=object),
            "contact_id": leads["cluster"].map(survivors["Id"]).to_numpy(dtype=object),
            "account_id": leads["cluster"].map(survivors["AccountId"]).to_numpy(dtype=object),
            "cluster": leads["cluster"].to_numpy(dtype=object),
        }
    )
    return plan[CONVERT_COLUMNS]


def merge_plan(members: pd.DataFrame) -> pd.DataFrame:
    """Merge rows (see the module docstring). ``members``: the cluster rows with
    ``cluster, object, Id, created``."""
    if members.empty:
        return pd.DataFrame({c: [] for c in MERGE_COLUMNS}, dtype=object)
    with_contact = _with_contact(members).to_numpy(dtype=bool)
    objects = members["object"].to_numpy(dtype=object)
    mergeable = np.isin(objects, list(MERGEABLE)) & ~(with_contact & (objects == "Lead"))
    rows = members[mergeable].sort_values(
        ["cluster", "object", "created", "Id"], na_position="last", kind="stable"
    )
    position = rows.groupby(["cluster", "object"]).cumcount().to_numpy()
    master = rows["Id"].where(position == 0).ffill().to_numpy(dtype=object)
    rest = rows.assign(master_id=master, chunk=(position - 1) // MAX_DUPLICATES)[position > 0]
    if rest.empty:
        return pd.DataFrame({c: [] for c in MERGE_COLUMNS}, dtype=object)
    grouped = rest.groupby(["cluster", "object", "chunk"], sort=True)
    plan = grouped.agg(master_id=("master_id", "first"), duplicate_ids=("Id", ";".join))
    return plan.reset_index()[MERGE_COLUMNS]
