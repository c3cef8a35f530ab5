"""``sfclean scan`` through click's CliRunner against a local org with known clusters."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from scan_seed import EXPECTED, SEED

import sfclean
from sfclean.cli import cli
from sfclean.localorg import LocalOrg


@pytest.fixture
def org(localorg_factory: Callable[..., LocalOrg]) -> LocalOrg:
    return localorg_factory(SEED)


def invoke(*args: str | Path, org: LocalOrg | None = None) -> Result:
    login: list[str] = []
    env = {}
    if org is not None:
        login = ["--instance-url", org.instance_url, "--ca-bundle", org.ca_bundle]
        env = {"SF_ACCESS_TOKEN": org.access_token}
    return CliRunner().invoke(cli, ["scan", *map(str, args), *login], env=env)


def test_scan_writes_every_file_and_a_summary(org: LocalOrg, tmp_path: Path) -> None:
    result = invoke("--out", tmp_path / "scan", org=org)
    assert result.exit_code == 0, result.output
    assert "6 clusters (6 new), 7 newer duplicates" in result.stderr
    assert "sync@acme.example.com: 5 duplicates, 1 bursts (recorded)" in result.stderr
    files = sorted(p.name for p in (tmp_path / "scan").iterdir())
    assert files == sorted(
        [
            "by_creator.csv",
            "clusters.csv",
            "convert_plan.csv",
            "findings.csv",
            "merge_plan.csv",
            "report.json",
            "watermark.csv",
        ]
    )
    clusters = pd.read_csv(tmp_path / "scan" / "clusters.csv", dtype=str, keep_default_na=False)
    groups = {frozenset(g["Id"]) for _, g in clusters.groupby("cluster")}
    assert groups == {frozenset(ids) for ids in EXPECTED.values()}


def test_json_prints_the_report(org: LocalOrg, tmp_path: Path) -> None:
    result = invoke("--out", tmp_path, "--json", "--object", "Contact", org=org)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["stage"] == "scan" and report["objects"] == ["Contact"]
    assert report["records"] == {"Contact": 16}
    assert report["clusters"] == 5  # ann's Lead is not read: still a Contact pair


def test_incremental_with_fail_on_duplicates_exits_1_only_for_a_new_cluster(
    org: LocalOrg, tmp_path: Path
) -> None:
    out = tmp_path / "nightly"
    first = invoke("--out", out, "--incremental", "--fail-on-duplicates", org=org)
    assert first.exit_code == 1  # the first run scans everything: 6 clusters are new
    assert "6 new duplicate cluster(s) found" in first.stderr
    quiet = invoke("--out", out, "--incremental", "--fail-on-duplicates", org=org)
    assert quiet.exit_code == 0, quiet.output
    assert "0 new" in quiet.stderr
    conn = sfclean.connect(
        instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
    )
    with conn:
        conn.sf.Lead.create({"LastName": "Carol", "Company": "Acme", "Email": "carol@example.com"})
    again = invoke("--out", out, "--incremental", "--fail-on-duplicates", org=org)
    assert again.exit_code == 1
    assert "1 new duplicate cluster(s) found" in again.stderr
    clusters = pd.read_csv(out / "clusters.csv", dtype=str, keep_default_na=False)
    assert set(clusters["Id"]) > EXPECTED["carol"]
    # without --fail-on-duplicates the same finding exits 0
    assert invoke("--out", tmp_path / "other", org=org).exit_code == 0


def test_a_scan_that_cannot_run_exits_3_with_one_error_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "scan",
            "--out",
            str(tmp_path),
            "--instance-url",
            "https://127.0.0.1:9",
            "--access-token",
            "x",
        ],
    )
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert not (tmp_path / "report.json").exists()


def test_since_and_incremental_together_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("--out", tmp_path, "--since", "2024-01-01", "--incremental")
    assert result.exit_code == 2
    assert "give --since or --incremental, not both" in result.stderr


def test_write_record_sets_reports_what_it_created(org: LocalOrg, tmp_path: Path) -> None:
    result = invoke("--out", tmp_path, "--write-record-sets", "--json", org=org)
    assert result.exit_code == 0, result.output
    sets = json.loads(result.stdout)["record_sets"]
    assert (sets["created"], sets["items_created"], sets["skipped"]) == (6, 13, 0)
    again = json.loads(invoke("--out", tmp_path, "--write-record-sets", "--json", org=org).stdout)
    assert (again["record_sets"]["created"], again["record_sets"]["skipped"]) == (0, 6)


def test_help_works_and_the_readme_shows_the_command() -> None:
    result = invoke("--help")
    assert result.exit_code == 0 and "--fail-on-duplicates" in result.stdout
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "sfclean scan" in readme and "--fail-on-duplicates" in readme
