"""``sfclean demo``: the whole pipeline against a local org seeded from sample_data/org/.

One demo run (module fixture) is checked from every side: exit code, the printed report
against report.json, report.json against the files, and conservation of the 203 input rows
across rejected / excluded / loaded / failed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from click.testing import CliRunner, Result

from sfclean.cli import cli

ROOT = Path(__file__).resolve().parents[1]
OUTCOME_FILES = ("rejected.csv", "excluded.csv", "loaded.csv", "failed.csv")


def _demo(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["demo", *map(str, args)], catch_exceptions=False)


def _read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("demo") / "out"
    return _demo("--out", out), out


@pytest.fixture(scope="module")
def report(demo: tuple[Result, Path]) -> dict[str, Any]:
    return json.loads((demo[1] / "report.json").read_text(encoding="utf-8"))


def test_the_demo_runs(demo: tuple[Result, Path]) -> None:
    result, out = demo
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    for name in (*OUTCOME_FILES, "clean.csv", "findings.csv", "excluded_updates.csv"):
        assert (out / name).is_file()


def test_report_numbers_match_the_files(demo: tuple[Result, Path], report: dict[str, Any]) -> None:
    out = demo[1]
    rows = report["rows"]
    assert rows["in"] == len(_read(ROOT / "sample_data", "leads.csv"))
    for name in OUTCOME_FILES:
        assert rows[name.removesuffix(".csv")] == len(_read(out, name)), name
    assert len(_read(out, "excluded_updates.csv")) == rows["excluded"]
    checked = report["stages"]["preflight"]["rows_held_back"]
    assert checked == 7
    assert len(_read(out, "clean.csv")) == (
        rows["excluded"] + checked + rows["loaded"] + rows["failed"]
    )
    assert report["conservation"] == {"ok": True, "accounted": rows["in"]}


def test_every_input_row_is_in_exactly_one_outcome_file(demo: tuple[Result, Path]) -> None:
    out = demo[1]
    seen: list[int] = []
    for name in OUTCOME_FILES:
        seen += [int(r) for r in _read(out, name)["sfclean_row"]]
    n = len(_read(ROOT / "sample_data", "leads.csv"))
    assert sorted(seen) == list(range(2, n + 2))  # spreadsheet rows, header = row 1


def test_the_printed_report_matches_report_json(
    demo: tuple[Result, Path], report: dict[str, Any]
) -> None:
    rows = report["rows"]
    printed = demo[0].stderr
    assert (
        f"run: {rows['in']} rows in; rejected {rows['rejected']}, excluded {rows['excluded']}, "
        f"loaded {rows['loaded']}, failed {rows['failed']}\n"
    ) in printed
    assert f"API calls: {report['api_calls']['total']} (" in printed
    assert "not sent: Enrichment_Id__c (no such createable Lead field)" in printed
    assert "pre-flight held back: missing-required-field 7 (rejected.csv names" in printed
    assert "failed codes:" not in printed  # the load fails nothing
    assert f"the {rows['excluded']} excluded people again without a word" in printed


def test_the_readme_shows_what_the_demo_prints(demo: tuple[Result, Path]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("It ends with", 1)[1].split("\n\n")[1]
    lines = [line[4:] for line in block.splitlines()]
    assert lines[0].startswith("run: 203 rows in")
    printed = demo[0].stderr.splitlines()
    start = printed.index(lines[0])
    assert printed[start : start + len(lines)] == lines


def test_the_story_existing_people_are_held_back_new_ones_loaded(
    demo: tuple[Result, Path], report: dict[str, Any]
) -> None:
    out = demo[1]
    excluded = _read(out, "excluded.csv")
    assert set(excluded["sfclean_reason"]) == {"exists-in-org"}
    assert set(excluded["sfclean_matched_object"]) >= {"Lead", "Contact"}
    assert report["rows"]["excluded"] == 10
    updates = _read(out, "excluded_updates.csv")
    assert updates.columns[0] == "Id"
    assert all(i.startswith(("00Q", "003")) for i in updates["Id"])
    loaded = _read(out, "loaded.csv")
    assert loaded["Id"].str.startswith("00Q").all()
    assert loaded["Id"].is_unique
    # nothing that was excluded was loaded
    assert not set(loaded["Email"]) & set(excluded["Email"])
    # Leads need a Company: pre-flight holds those rows back, so the load fails nothing
    assert report["rows"]["failed"] == 0
    assert len(_read(out, "failed.csv")) == 0
    rejected = _read(out, "rejected.csv")
    checked = rejected[rejected["sfclean_reason"] == "missing-required-field"]
    assert len(checked) == 7
    assert (checked["Company"] == "").all()
    assert set(checked["sfclean_detail"]) == {"Company is required and blank"}
    # one describe, made before the org is searched; the load does not describe again
    assert report["api_calls"] == {"describe": 1, "budget": 2, "exclude": 2, "load": 5, "total": 10}
    assert report["stages"]["load"]["not_loaded"] == ["Enrichment_Id__c"]


def test_a_second_demo_into_the_same_directory_starts_afresh(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _demo("--out", out, "--json")
    second = _demo("--out", out, "--json")
    assert first.exit_code == second.exit_code == 0
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert two["resumed"] is False
    assert two["rows"] == one["rows"]
    assert two == json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_keep_running_leaves_the_loaded_org_up_until_interrupted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # Ctrl-C as a terminal gives it, even when the suite runs with SIGINT ignored (a shell's
    # background job without job control, as `nohup ... &` starts it): the child would
    # inherit the ignoring and Python would install no KeyboardInterrupt handler
    command = (
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from sfclean.cli import main; main()"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", command, "demo", "--out", str(out), "--keep-running"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    info: dict[str, str] = {}
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("The demo org keeps running at "):
                info["url"] = line.split()[6]
            elif line.startswith("  ") and ":" in line:
                key, _, value = line.strip().partition(":")
                info[key] = value.strip()
            if line.startswith("  CA bundle:"):
                break
        answer = requests.get(
            info["url"] + "/services/data/v62.0/query",
            params={"q": "SELECT Email FROM Lead"},
            headers={"Authorization": f"Bearer {info['access token']}"},
            verify=info["CA bundle"],
            timeout=10,
        )
        assert answer.status_code == 200
        emails = [r["Email"].lower() for r in answer.json()["records"]]
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert err.endswith("Demo org stopped.\n")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    seeded = list(_read(ROOT / "sample_data" / "org", "Lead.csv")["Email"].str.lower())
    assert len(emails) == len(seeded) + report["rows"]["loaded"]
    assert set(_read(out, "loaded.csv")["Email"]) <= set(emails)
    for email in _read(out, "excluded.csv")["Email"]:  # held back: no new Lead for them
        assert emails.count(email) == seeded.count(email)


def test_a_broken_demo_seed_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # localorg raises its own SeedError (not an SfcleanError); the CLI still prints one line
    data = tmp_path / "sample_data"
    (data / "org").mkdir(parents=True)
    (data / "leads.csv").write_bytes((ROOT / "sample_data" / "leads.csv").read_bytes())
    (data / "org" / "org.yaml").write_text("org: {name: Demo}\nbogusKey: 1\n", encoding="utf-8")
    monkeypatch.setattr("sfclean.cli.demo.sample_data_dir", lambda: data)
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "bogusKey" in result.stderr
    assert "Traceback" not in result.output
