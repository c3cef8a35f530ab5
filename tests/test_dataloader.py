"""Data Loader's own files as sfclean's input and output, against a local org.

The fixtures in tests/data/dataloader/ are made here after Data Loader's documented formats
(Data Loader Guide: "Review Output Files", "Map Columns"): an extract (UTF-8 with a BOM,
quoted upper-case headers, ``ID`` first), a success file (``ID`` first, ``STATUS`` last), an
error file (``ERROR`` last), and ``.sdl`` mappings with the variants Data Loader writes or
accepts: fields left unmapped (``=SYSTEMMODSTAMP``), constants (``"Purchased List"=LeadSource``,
``""=Industry``), spaces around ``=``, an escaped space in a column name, and one column
mapped to two fields (``State=BillingState, ShippingState``); and a property: whatever
mapping javaproperties writes (escaped spaces, ``=``, ``:``, non-ASCII names) reads back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import javaproperties
import pandas as pd
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.cli import cli
from sfclean.io import read_csv
from sfclean.localorg import LocalOrg
from sfclean.sdl import read_sdl

DATA = Path(__file__).parent / "data" / "dataloader"
SEED: dict[str, Any] = {"org": {"name": "Data Loader Org", "dailyApiLimit": 15000}}


@pytest.fixture
def org(localorg_factory: Callable[..., LocalOrg]) -> LocalOrg:
    return localorg_factory(SEED)


def invoke(command: str, org: LocalOrg, *args: str | Path) -> Result:
    login = ["--instance-url", org.instance_url, "--ca-bundle", org.ca_bundle]
    return CliRunner().invoke(
        cli,
        [command, *map(str, args), *login],
        env={"SF_ACCESS_TOKEN": org.access_token},
        catch_exceptions=False,
    )


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _no_case_twins(path: Path) -> None:
    header = list(_read(path).columns)
    assert len({h.casefold() for h in header}) == len(header), header


def test_the_extract_reads_with_its_bom_and_upper_case_headers() -> None:
    df = read_csv(DATA / "extract_leads.csv")
    assert df.columns[0] == "ID"  # no BOM left on the first header
    assert df.attrs["sfclean"]["encoding"].startswith("utf-8")
    assert df.loc[0, "FIRSTNAME"] == "Zoë"
    assert df.loc[2, "NUMBEROFEMPLOYEES"] == "1,200"


def test_an_extract_loads_into_another_org_with_pre_flight(org: LocalOrg, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", org, DATA / "extract_leads.csv", "--object", "Lead", "--out", out)
    assert result.exit_code == 0, result.output
    loaded = _read(out / "loaded.csv")
    assert loaded.columns[0] == "Id" and "ID (input)" in loaded.columns  # the old org's Id
    assert loaded["sfclean_row"].tolist() == ["2"]
    assert loaded["Id"].str.startswith("00Q").all()
    rejected = _read(out / "rejected.csv").set_index("sfclean_row")
    assert rejected.loc["3", "sfclean_reason"] == "invalid-picklist-value"  # Rating Tepid
    assert rejected.loc["4", "sfclean_reason"] == "missing-required-field"
    assert rejected.loc["4", "sfclean_detail"] == (
        "Company is required and blank; NumberOfEmployees '1,200' is not a whole number (32-bit)"
    )
    assert _read(out / "failed.csv").empty
    for name in ("loaded.csv", "rejected.csv", "failed.csv", "clean.csv"):
        _no_case_twins(out / name)
    (record,) = org.engine.store.select("Lead", ["FirstName", "Rating", "NumberOfEmployees"])
    assert record == {"FirstName": "Zoë", "Rating": "Hot", "NumberOfEmployees": 120}


def test_a_success_file_s_status_never_reaches_lead_status(org: LocalOrg, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", org, DATA / "success_leads.csv", "--object", "Lead", "--out", out)
    assert result.exit_code == 0, result.output
    assert "ID, STATUS (Data Loader's success-file column (not a value to load))" in result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["stages"]["load"]["not_sent"] == {
        "ID": "Data Loader's success-file column (not a value to load)",
        "STATUS": "Data Loader's success-file column (not a value to load)",
    }
    statuses = {r["Status"] for r in org.engine.store.select("Lead", ["Status"])}
    assert statuses == {"Open - Not Contacted"}  # the default, not "Item Created"
    _no_case_twins(out / "loaded.csv")


def test_an_error_file_fixed_by_hand_loads_without_its_error_column(
    org: LocalOrg, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = invoke("load", org, DATA / "error_leads.csv", "--object", "Lead", "--out", out)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["not_sent"] == {"ERROR": "Data Loader's error-file column (not a value to load)"}
    assert _read(out / "loaded.csv")["sfclean_row"].tolist() == ["2"]
    assert _read(out / "rejected.csv")["sfclean_row"].tolist() == ["3"]  # still no Company
    descriptions = {r["Description"] for r in org.engine.store.select("Lead", ["Description"])}
    assert descriptions == {None}


def test_the_mapping_variants_read_as_data_loader_means_them() -> None:
    lead = read_sdl(DATA / "lead_insert.sdl")
    assert lead.columns == {
        "FIRSTNAME": ("FirstName",),
        "LASTNAME": ("LastName",),
        "COMPANY": ("Company",),
        "EMAIL": ("Email",),
        "Mobile Phone": ("MobilePhone",),
    }
    assert lead.constants == {"Industry": "", "LeadSource": "Purchased List"}
    assert lead.unmapped == ("SYSTEMMODSTAMP", "CREATEDDATE")
    account = read_sdl(DATA / "account_insert.sdl")
    assert account.columns == {"NAME": ("Name",), "State": ("BillingState", "ShippingState")}
    assert account.constants == {"Industry": "Retail"}


def test_in_run_the_mapping_decides_what_is_loaded(org: LocalOrg, tmp_path: Path) -> None:
    out = tmp_path / "out"
    mapping = DATA / "lead_insert.sdl"
    source = DATA / "leads_for_mapping.csv"
    result = invoke("run", org, source, "--object", "Lead", "--out", out, "--mapping", mapping)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    load = report["stages"]["load"]
    assert load["not_sent"] == {"Notes": "not in the mapping"}
    assert load["constants"] == {"Industry": "", "LeadSource": "Purchased List"}
    assert "not sent: Notes (not in the mapping)" in result.stderr
    (lead,) = org.engine.store.select("Lead", ["LastName", "LeadSource", "Industry", "MobilePhone"])
    assert lead == {
        "LastName": "Holm",
        "LeadSource": "Purchased List",
        "Industry": None,
        "MobilePhone": "+46701234567",
    }
    rejected = _read(out / "rejected.csv")
    assert rejected["sfclean_reason"].tolist() == ["missing-required-field"]  # Omar, no Company


def test_one_column_goes_to_two_fields_and_constants_are_set(org: LocalOrg, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(
        "load",
        org,
        DATA / "accounts.csv",
        "--object",
        "Account",
        "--out",
        out,
        "--mapping",
        DATA / "account_insert.sdl",
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["fields"] == {"NAME": "Name", "State": "BillingState, ShippingState"}
    assert report["not_sent"] == {"Notes": "not in the mapping"}
    rows = org.engine.store.select("Account", ["Name", "BillingState", "ShippingState", "Industry"])
    assert sorted(rows, key=lambda r: r["Name"]) == [
        {"Name": "Contoso", "BillingState": "WA", "ShippingState": "WA", "Industry": "Retail"},
        {"Name": "Fabrikam", "BillingState": "CA", "ShippingState": "CA", "Industry": "Retail"},
    ]


def test_no_output_has_two_headers_equal_ignoring_case(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    known = {"LastName": "Raman", "Company": "Northwind", "Email": "priya.raman@northwind.example"}
    org = localorg_factory({**SEED, "records": {"Lead": [known]}})
    out = tmp_path / "out"
    result = invoke("run", org, DATA / "success_leads.csv", "--object", "Lead", "--out", out)
    assert result.exit_code == 0, result.output
    updates = _read(out / "excluded_updates.csv")
    assert updates.columns[0] == "Id" and updates["Id"].str.startswith("00Q").all()
    assert updates["Id"].tolist() != ["00Q5g00000XyZaAEAV"]  # the org's Id, not the file's
    files = ("clean.csv", "rejected.csv", "excluded.csv", "excluded_updates.csv", "loaded.csv")
    for name in (*files, "failed.csv"):
        _no_case_twins(out / name)


COLUMNS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12
).filter(lambda k: k == k.strip() and not k.startswith('"') and k.isprintable())
FIELDS = st.from_regex(r"[A-Z][A-Za-z0-9_]{0,10}", fullmatch=True)


@given(mapping=st.dictionaries(COLUMNS, st.lists(FIELDS, min_size=1, max_size=2), min_size=1))
@settings(max_examples=100, deadline=None)
def test_any_mapping_javaproperties_writes_reads_back(
    mapping: dict[str, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("sdl") / "map.sdl"
    text = javaproperties.dumps({k: ", ".join(v) for k, v in mapping.items()})
    path.write_text(text, encoding="latin-1", errors="strict")
    assert read_sdl(path).columns == {k: tuple(v) for k, v in mapping.items()}
