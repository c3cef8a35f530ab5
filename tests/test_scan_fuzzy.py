"""``sfclean.scan(conn, fuzzy=True)`` and ``sfclean scan --fuzzy`` against a local org: the
same person stored twice under different emails is a ``match: fuzzy`` cluster in
clusters.csv, for review, never in a plan."""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from fuzzy_background import background

import sfclean
from sfclean.cli import cli
from sfclean.errors import ConfigError
from sfclean.localorg import LocalOrg
from sfclean.scanning import DEFAULT_THRESHOLD

JON = {
    "FirstName": "Jon",
    "LastName": "Smith",
    "AccountId": "@Acme Inc.",
    "Email": "jon@acme.com",
    "Phone": "+1 415 555 0100",
    "MailingCity": "San Francisco",
    "MailingCountry": "United States",
}
JONATHAN = {
    "FirstName": "Jonathan",
    "LastName": "Smith",
    "Company": "ACME",
    "Email": "jsmith@gmail.com",
    "Phone": "(415) 555-0100",
    "City": "San Francisco",
}
#: An exact pair (same email) that fuzzy matching finds too: it stays an exact cluster only.
MARY = {
    "FirstName": "Mary",
    "LastName": "Quenneville",
    "AccountId": "@Acme Inc.",
    "Email": "mary.q@acme.com",
    "Phone": "+1 415 555 0177",
    "MailingCity": "Oakland",
}


def _seed() -> dict[str, Any]:
    contacts, leads = background()
    return {
        "org": {"name": "Fuzzy Scan Test"},
        "records": {
            "Account": [{"Name": "Acme Inc."}],
            "Contact": [
                JON,
                MARY,
                {**MARY, "Email": "Mary.Q@acme.com"},
                *contacts,
            ],
            "Lead": [
                JONATHAN,
                *leads,
            ],
        },
    }


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg(_seed()) as local:
        yield local


def _connect(org: LocalOrg) -> sfclean.Connection:
    return sfclean.connect(
        instance_url=org.instance_url, access_token=org.new_token(), ca_bundle=org.ca_bundle
    )


def _ids(org: LocalOrg) -> dict[str, str]:
    with _connect(org) as conn:
        contacts = sfclean.salesforce.bulk_query(conn, "SELECT Id, Email FROM Contact")
        leads = sfclean.salesforce.bulk_query(conn, "SELECT Id, Email FROM Lead")
    emails = pd.concat([contacts, leads]).set_index("Email")["Id"]
    return {
        "jon": emails["jon@acme.com"],
        "jonathan": emails["jsmith@gmail.com"],
        "mary": emails["mary.q@acme.com"],
    }


@pytest.fixture(scope="module")
def exact(org: LocalOrg) -> sfclean.ScanResult:
    with _connect(org) as conn:
        return sfclean.scan(conn)


@pytest.fixture(scope="module")
def fuzzy(org: LocalOrg) -> sfclean.ScanResult:
    with _connect(org) as conn:
        return sfclean.scan(conn, fuzzy=True)


def test_the_same_person_under_another_email_is_a_fuzzy_cluster(
    org: LocalOrg, fuzzy: sfclean.ScanResult
) -> None:
    ids = _ids(org)
    clusters = fuzzy.outputs()["clusters.csv"]
    jon = clusters[clusters["Id"].isin([ids["jon"], ids["jonathan"]])].set_index("Id")
    assert len(jon) == 2 and jon["cluster"].nunique() == 1
    assert jon["cluster"].iloc[0].startswith("F-")
    assert set(jon["match"]) == {"fuzzy"}
    assert (jon["probability"] >= 0.95).all()
    assert {"last_name", "company", "phone", "city"} <= set(jon["agreed"].iloc[0].split(";"))
    # the other columns are filled from the records, as for exact rows
    assert jon.loc[ids["jon"], "Email"] == "jon@acme.com"
    assert jon.loc[ids["jonathan"], "object"] == "Lead"
    assert jon.loc[ids["jonathan"], "Company"] == "ACME"
    assert not jon["survivor"].any() and jon["is_new"].all()
    assert list(clusters.columns[-2:]) == ["probability", "agreed"]


def test_fuzzy_clusters_stay_out_of_the_plans_and_the_creator_table(
    org: LocalOrg, exact: sfclean.ScanResult, fuzzy: sfclean.ScanResult
) -> None:
    ids = _ids(org)
    plans = pd.concat([fuzzy.merge_plan.astype(str), fuzzy.convert_plan.astype(str)])
    assert not plans.apply(lambda c: c.str.contains(ids["jonathan"])).any().any()
    assert not plans["cluster"].str.startswith("F-").any()
    pd.testing.assert_frame_equal(fuzzy.merge_plan, exact.merge_plan)
    pd.testing.assert_frame_equal(fuzzy.convert_plan, exact.convert_plan)
    pd.testing.assert_frame_equal(fuzzy.by_creator, exact.by_creator)
    pd.testing.assert_frame_equal(fuzzy.findings, exact.findings)


def test_exact_rows_come_first_unchanged_with_blank_fuzzy_columns(
    org: LocalOrg, exact: sfclean.ScanResult, fuzzy: sfclean.ScanResult
) -> None:
    ids = _ids(org)
    head = fuzzy.kept.iloc[: len(exact.kept)]
    pd.testing.assert_frame_equal(
        head.drop(columns=["probability", "agreed"]), exact.kept, check_dtype=False
    )
    assert head["probability"].isna().all() and (head["agreed"] == "").all()
    assert list(fuzzy.kept["sfclean_row"]) == list(range(2, len(fuzzy.kept) + 2))
    # Mary's two records are one exact cluster: the fuzzy pair inside it is dropped
    mary = fuzzy.kept[fuzzy.kept["Email"].str.lower() == "mary.q@acme.com"]
    assert len(mary) == 2 and mary["cluster"].nunique() == 1
    assert ids["mary"] in set(mary["Id"]) and "fuzzy" not in set(mary["match"])


def test_the_report_counts_fuzzy_clusters_apart(fuzzy: sfclean.ScanResult) -> None:
    summary = fuzzy.summary()
    table = fuzzy.kept
    rows = table[table["match"] == "fuzzy"]
    assert summary.fuzzy_threshold == DEFAULT_THRESHOLD
    assert summary.fuzzy_clusters == rows["cluster"].nunique() >= 1
    assert summary.fuzzy_records == len(rows)
    assert summary.clusters == table.loc[table["match"] != "fuzzy", "cluster"].nunique()
    assert summary.merge_rows == len(fuzzy.merge_plan)
    assert "for review, never merged" in fuzzy.to_text()


def test_without_fuzzy_the_pair_is_in_no_cluster(org: LocalOrg, exact: sfclean.ScanResult) -> None:
    ids = _ids(org)
    assert not exact.kept["Id"].isin([ids["jon"], ids["jonathan"]]).any()
    assert "probability" not in exact.kept and "fuzzy" not in set(exact.kept["match"])
    summary = exact.summary()
    assert (summary.fuzzy_threshold, summary.fuzzy_clusters) == (None, 0)


def test_a_bad_threshold_fails_before_any_api_call(org: LocalOrg) -> None:
    with _connect(org) as conn:
        before = conn.api_calls
        with pytest.raises(ConfigError, match="fuzzy_threshold"):
            sfclean.scan(conn, fuzzy=True, fuzzy_threshold=0)
        assert conn.api_calls == before


def invoke(*args: str | Path, org: LocalOrg | None = None) -> Result:
    login: list[str] = []
    env = {}
    if org is not None:
        login = ["--instance-url", org.instance_url, "--ca-bundle", org.ca_bundle]
        env = {"SF_ACCESS_TOKEN": org.new_token()}
    return CliRunner().invoke(cli, ["scan", *map(str, args), *login], env=env)


def test_cli_scan_fuzzy_writes_fuzzy_rows_and_counts_them(org: LocalOrg, tmp_path: Path) -> None:
    ids = _ids(org)
    result = invoke("--out", tmp_path, "--fuzzy", "--fuzzy-threshold", "0.9", org=org)
    assert result.exit_code == 0, result.output
    assert "probable clusters of" in result.stderr and ">= 0.9)" in result.stderr
    clusters = pd.read_csv(tmp_path / "clusters.csv", dtype=str, keep_default_na=False)
    jon = clusters[clusters["Id"].isin([ids["jon"], ids["jonathan"]])]
    assert list(jon["match"]) == ["fuzzy", "fuzzy"] and jon["cluster"].nunique() == 1
    assert all(float(p) >= 0.9 for p in jon["probability"])
    merge = (tmp_path / "merge_plan.csv").read_text(encoding="utf-8-sig")
    assert ids["jonathan"] not in merge and ids["jon"] not in merge
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["fuzzy_threshold"] == 0.9
    assert report["fuzzy_clusters"] >= 1 and report["fuzzy_records"] >= 2


def test_cli_scan_fuzzy_without_the_extra_is_one_error_line_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "splink" or m.startswith("splink.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "splink", None)  # import splink raises ImportError
    # no org is needed: the extra is checked before any login
    result = invoke("--out", tmp_path / "x", "--fuzzy", "--instance-url", "https://127.0.0.1:9")
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: fuzzy matching needs splink, which is not installed")
    assert "install sfclean[fuzzy]" in lines[0]
    assert not (tmp_path / "x").exists()


def test_only_fuzzy_clusters_inside_one_exact_cluster_are_dropped() -> None:
    from sfclean.stages.scan_fuzzy import _inside_exact

    exact = pd.DataFrame({"cluster": ["C-1", "C-1", "C-2"], "Id": ["a", "b", "d"]})
    fuzzy = pd.DataFrame(
        {
            "cluster": ["F-1", "F-1", "F-2", "F-2", "F-2", "F-3", "F-3", "F-4", "F-4"],
            "Id": ["a", "b", "a", "b", "c", "b", "d", "e", "f"],
        }
    )
    # F-1 repeats C-1; F-2 adds c to it; F-3 joins two exact clusters; F-4 is all new
    assert list(_inside_exact(fuzzy, exact)) == [True, True, *[False] * 7]


def test_an_incremental_fuzzy_scan_reports_a_fuzzy_cluster_only_while_it_is_new(
    org: LocalOrg, tmp_path: Path
) -> None:
    from sfclean.io import write_result

    with _connect(org) as conn:
        first = sfclean.scan(conn, fuzzy=True, incremental_dir=tmp_path)
        write_result(first, tmp_path)
        again = sfclean.scan(conn, fuzzy=True, incremental_dir=tmp_path)
    assert first.counts["fuzzy_clusters"] >= 1  # a first run reports everything
    assert first.index is not None
    assert {"City", "MailingCity", "Account.Name"} <= set(first.index.columns)
    assert again.counts["fuzzy_clusters"] == 0 and "fuzzy" not in set(again.kept["match"])


def test_every_fuzzy_threshold_default_is_the_one_constant() -> None:
    from sfclean.scanning.fuzzy import fuzzy_clusters, fuzzy_pairs, probable_matches

    defaults = {
        "fuzzy_pairs": inspect.signature(fuzzy_pairs).parameters["threshold"].default,
        "fuzzy_clusters": inspect.signature(fuzzy_clusters).parameters["threshold"].default,
        "probable_matches": inspect.signature(probable_matches).parameters["threshold"].default,
        "scan": inspect.signature(sfclean.scan).parameters["fuzzy_threshold"].default,
        "exclude": inspect.signature(sfclean.exclude).parameters["fuzzy_threshold"].default,
    }
    for name in ("scan", "exclude"):  # run --fuzzy uses exclude's default
        (option,) = [p for p in cli.commands[name].params if p.name == "fuzzy_threshold"]
        defaults[f"sfclean {name}"] = option.default
    assert defaults == dict.fromkeys(defaults, DEFAULT_THRESHOLD)
    assert DEFAULT_THRESHOLD == 0.9
