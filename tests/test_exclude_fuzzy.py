"""``exclude(..., fuzzy=True)``, ``sfclean exclude --fuzzy`` and ``run(fuzzy=True)`` against
a local org: the same person under another email is held back as probable-match-in-org."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from fuzzy_background import background

import sfclean
from sfclean.cli import cli
from sfclean.localorg import LocalOrg


def _seed() -> dict[str, Any]:
    contacts, leads = background()
    return {
        "org": {"name": "Fuzzy Exclude Test"},
        "records": {
            "Account": [{"Name": "Acme"}],
            "Contact": [
                {
                    "FirstName": "Jon",
                    "LastName": "Smith",
                    "AccountId": "@Acme",
                    "Email": "jon@acme.com",
                    "Phone": "+1 415 555 0100",
                    "MailingCity": "San Francisco",
                    "MailingCountry": "United States",
                },
                *contacts,
            ],
            "Lead": leads,
        },
    }


#: Row 2: Jon Smith under another email; row 3: an email in the org; row 4: someone new.
UPLOAD = pd.DataFrame(
    {
        "FirstName": ["Jonathan", "Any", "Zebedee"],
        "LastName": ["Smith", "Body", "Quxworthy"],
        "Company": ["ACME Inc.", "Whoever", "Nowhere Ltd"],
        "Email": ["jsmith@gmail.com", "jon@acme.com", "zeb@nowhere.example"],
        "Phone": ["(415) 555-0100", "", "+44 20 7946 0018"],
        "City": ["San Francisco", "", "London"],
    },
    dtype="str",
)


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg(_seed()) as local:
        yield local


@pytest.fixture
def conn(org: LocalOrg) -> Iterator[sfclean.Connection]:
    connection = sfclean.connect(
        instance_url=org.instance_url, access_token=org.new_token(), ca_bundle=org.ca_bundle
    )
    yield connection
    connection.close()


def _jon_id(org: LocalOrg) -> str:
    with sfclean.connect(
        instance_url=org.instance_url, access_token=org.new_token(), ca_bundle=org.ca_bundle
    ) as connection:
        frame = sfclean.salesforce.bulk_query(
            connection, "SELECT Id FROM Contact WHERE Email = 'jon@acme.com'"
        )
    return str(frame["Id"].iloc[0])


def test_the_same_person_under_another_email_is_a_probable_match(
    conn: sfclean.Connection, org: LocalOrg
) -> None:
    result = sfclean.exclude(UPLOAD, conn, fuzzy=True)
    held = result.held_back.set_index("sfclean_row")
    assert held.loc[3, "sfclean_reason"] == "exists-in-org"
    assert held.loc[2, "sfclean_reason"] == "probable-match-in-org"
    assert list(result.kept["sfclean_row"]) == [4]
    assert sorted([*result.kept["sfclean_row"], *result.held_back["sfclean_row"]]) == [2, 3, 4]
    assert result.probable is not None
    probable = result.probable.iloc[0]
    assert probable["sfclean_matched_id"] == _jon_id(org)
    assert probable["sfclean_matched_object"] == "Contact"
    assert probable["sfclean_probability"] >= 0.95
    assert {"last_name", "company", "phone"} <= set(probable["sfclean_agreed"].split(";"))
    outputs = result.outputs()
    assert list(outputs) == [
        "excluded.csv",
        "excluded_updates.csv",
        "kept.csv",
        "probable_matches.csv",
    ]
    assert list(outputs["excluded.csv"]["sfclean_row"]) == [3]
    assert "sfclean_probability" not in outputs["excluded.csv"].columns
    assert list(outputs["probable_matches.csv"]["sfclean_row"]) == [2]
    assert result.summary().reasons == {"exists-in-org": 1, "probable-match-in-org": 1}


def test_without_fuzzy_the_probable_row_is_kept(conn: sfclean.Connection) -> None:
    result = sfclean.exclude(UPLOAD, conn)
    assert list(result.kept["sfclean_row"]) == [2, 4]
    assert result.probable is None
    assert list(result.outputs()) == ["excluded.csv", "excluded_updates.csv", "kept.csv"]


def test_cli_exclude_fuzzy_writes_probable_matches(org: LocalOrg, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    UPLOAD.to_csv(source, index=False)
    out = tmp_path / "x"
    login = ["--instance-url", org.instance_url, "--ca-bundle", org.ca_bundle]
    result = CliRunner().invoke(
        cli,
        ["exclude", str(source), "--out", str(out), "--fuzzy", *login],
        env={"SF_ACCESS_TOKEN": org.access_token},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    probable = pd.read_csv(out / "probable_matches.csv", dtype=str, keep_default_na=False)
    assert probable["sfclean_row"].tolist() == ["2"]
    assert probable["sfclean_reason"].tolist() == ["probable-match-in-org"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["reasons"] == {"exists-in-org": 1, "probable-match-in-org": 1}
    assert "probable_matches.csv" in report["files"]


def test_run_fuzzy_holds_the_probable_row_back_in_excluded_csv(
    conn: sfclean.Connection, tmp_path: Path
) -> None:
    sfclean.run(
        UPLOAD, conn, object_name="Lead", out_dir=tmp_path / "run", dry_run=True, fuzzy=True
    )
    excluded = pd.read_csv(tmp_path / "run" / "excluded.csv", dtype=str, keep_default_na=False)
    reasons = dict(zip(excluded["sfclean_row"], excluded["sfclean_reason"], strict=True))
    assert reasons == {"2": "probable-match-in-org", "3": "exists-in-org"}
    clean = pd.read_csv(tmp_path / "run" / "clean.csv", dtype=str, keep_default_na=False)
    assert clean["sfclean_row"].tolist() == ["4"]


def test_cli_without_the_extra_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    for name in [m for m in sys.modules if m == "splink" or m.startswith("splink.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "splink", None)  # import splink raises ImportError
    source = tmp_path / "in.csv"
    UPLOAD.to_csv(source, index=False)
    result = CliRunner().invoke(
        cli, ["exclude", str(source), "--out", str(tmp_path / "x"), "--fuzzy"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: fuzzy matching needs splink, which is not installed")
    assert "install sfclean[fuzzy]" in result.stderr
    assert not (tmp_path / "x").exists()


def test_fuzzy_with_every_row_found_exactly_reads_nothing_more(
    conn: sfclean.Connection, org: LocalOrg
) -> None:
    before = org.api_calls
    result = sfclean.exclude(UPLOAD.iloc[[1]], conn, fuzzy=True, strategy="query")
    assert result.kept.empty and list(result.held_back["sfclean_reason"]) == ["exists-in-org"]
    assert result.probable is not None and result.probable.empty
    assert org.api_calls - before == result.api_calls == 1  # one Composite call, no extract
