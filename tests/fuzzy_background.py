"""Generated people (no duplicates) that the fuzzy tests' local orgs hold besides their own
records: enough for splink's training."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pandas as pd

BENCH = Path(__file__).resolve().parents[1] / "bench" / "fuzzy_data.py"
CONTACT_FIELDS = ["FirstName", "LastName", "Email", "Phone", "MobilePhone", "MailingCity"]
LEAD_FIELDS = ["FirstName", "LastName", "Company", "Email", "Phone", "City", "Country"]


def _generated() -> pd.DataFrame:
    """400 people from bench/fuzzy_data.py, no duplicates."""
    spec = importlib.util.spec_from_file_location("fuzzy_data", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(400, seed=5, duplicate_share=0.0, hard_share=0.2)


def background() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(Contact records, Lead records) for a seed; a Lead without a company gets "Unknown"."""
    people = _generated()
    contacts = people[people["object"] == "Contact"]
    leads = people[people["object"] == "Lead"]
    lead_rows = leads[LEAD_FIELDS].assign(Company=leads["Company"].replace("", "Unknown"))
    return contacts[CONTACT_FIELDS].to_dict("records"), lead_rows.to_dict("records")
