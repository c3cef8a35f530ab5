"""``sfclean run`` through click's CliRunner against a local org over HTTPS.

The org holds one Lead and one Contact whose emails the input repeats (in other case and
padding), and a Block rule on Lead phones that exclude cannot know about; the input also has
an in-file duplicate, a role mailbox and a Lead without a Company. Each row must end in the
right file, whichever API loads them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from sfclean.cli import cli
from sfclean.localorg import LocalOrg
from sfclean.progress import TqdmProgress

SEED: dict[str, Any] = {
    "org": {"name": "Run Test Org", "dailyApiLimit": 15000},
    "matchingRules": [
        {
            "developerName": "Lead_Phone",
            "sobjectType": "Lead",
            "matchingRuleItems": [{"fieldName": "Phone", "matchingMethod": "Exact"}],
        }
    ],
    "duplicateRules": [
        {
            "developerName": "Lead_Phone_Block",
            "sobjectType": "Lead",
            "isActive": True,
            "actionOnInsert": "Block",
            "actionOnUpdate": "Block",
            "alertText": "A lead with this phone exists.",
            "securityOption": "BypassSharingRules",
            "duplicateRuleMatchRules": [
                {"matchRuleSObjectType": "Lead", "matchingRule": "Lead_Phone"}
            ],
        }
    ],
    "records": {
        "Lead": [
            {
                "LastName": "Old",
                "Company": "Acme",
                "Email": "old@example.com",
                "Phone": "+14155550100",
            }
        ],
        "Contact": [{"LastName": "Known", "Email": "Known@Example.org"}],
    },
}

INPUT = (
    "Email,LastName,Company,Phone\n"
    "new1@example.com,One,Acme,\n"  # row 2: loaded
    "KNOWN@example.org,Two,Acme,\n"  # row 3: excluded (Contact)
    "  old@example.com ,Three,Acme,\n"  # row 4: excluded (Lead)
    "new2@example.com,Four,Acme,(415) 555-0100\n"  # row 5: failed, the org's Block rule
    "New1@example.com,Dup,Acme,\n"  # row 6: rejected, duplicate-in-file
    "info@example.com,Role,Acme,\n"  # row 7: rejected, role-mailbox
    "new3@example.com,Five,,\n"  # row 8: rejected by pre-flight, missing-required-field
)
OUTCOMES = {
    "loaded.csv": [2],
    "excluded.csv": [3, 4],
    "failed.csv": [5],
    "rejected.csv": [6, 7, 8],
}


@pytest.fixture
def org(localorg_factory: Callable[..., LocalOrg]) -> LocalOrg:
    return localorg_factory(SEED)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(INPUT, encoding="utf-8")
    return path


def invoke(org: LocalOrg, *args: str | Path, env: dict[str, str] | None = None) -> Result:
    env = env if env is not None else {"SF_ACCESS_TOKEN": org.access_token}
    login = ["--instance-url", org.instance_url, "--ca-bundle", org.ca_bundle]
    return CliRunner().invoke(
        cli, ["run", *map(str, args), *login], env=env, catch_exceptions=False
    )


def _read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype=str, keep_default_na=False)


def _leads(org: LocalOrg) -> int:
    return org.engine.store.count("Lead")


@pytest.mark.parametrize("api", ["bulk", "bulk2", "rest"])
def test_every_row_ends_in_the_right_file(
    org: LocalOrg, source: Path, tmp_path: Path, api: str
) -> None:
    out = tmp_path / "out"
    result = invoke(org, source, "--object", "Lead", "--out", out, "--api", api)
    assert result.exit_code == 0, result.output
    for name, rows in OUTCOMES.items():
        assert sorted(int(r) for r in _read(out, name)["sfclean_row"]) == rows, name
    failed = _read(out, "failed.csv").set_index("sfclean_row")
    assert failed.loc["5", "sfclean_reason"] == "rejected-by-duplicate-rule"
    assert failed.loc["5", "sfclean_code"] == "DUPLICATES_DETECTED"
    rejected = _read(out, "rejected.csv").set_index("sfclean_row")
    assert rejected.loc["8", "sfclean_reason"] == "missing-required-field"
    assert rejected.loc["8", "sfclean_detail"] == "Company is required and blank"
    assert _leads(org) == 2  # the seeded one and row 2
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["rows"] == {"in": 7, "rejected": 3, "excluded": 2, "loaded": 1, "failed": 1}
    assert "run: 7 rows in; rejected 3, excluded 2, loaded 1, failed 1\n" in result.stderr
    assert "pre-flight held back: missing-required-field 1" in result.stderr
    assert "failed codes: " in result.stderr


def test_every_insert_request_carries_the_duplicate_rule_header(
    org: LocalOrg, source: Path, tmp_path: Path
) -> None:
    org.clear_requests()
    result = invoke(org, source, "--object", "Lead", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    posts = [r for r in org.requests if r.method == "POST" and "/async/" in r.path]
    assert posts  # job, batch, close
    for request in posts:
        assert request.header("Sforce-Duplicate-Rule-Header") == "allowSave=false"


def test_dry_run_writes_nothing_to_the_org(org: LocalOrg, source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(org, source, "--object", "Lead", "--out", out, "--dry-run")
    assert result.exit_code == 0, result.output
    assert _leads(org) == 1
    would_load = _read(out, "clean.csv")["Email"]  # rows 2 and 5 (8 lacks a Company)
    assert sorted(would_load) == ["new1@example.com", "new2@example.com"]
    assert "dry run: nothing was written to the org; loading would take about" in result.stderr
    assert not (out / "run.jsonl").exists()


def test_no_load_is_the_same_as_dry_run(org: LocalOrg, source: Path, tmp_path: Path) -> None:
    result = invoke(org, source, "--object", "Lead", "--out", tmp_path / "o", "--no-load", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["dry_run"] is True
    assert _leads(org) == 1


def test_json_prints_report_json_on_stdout(org: LocalOrg, source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(org, source, "--object", "Lead", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads((out / "report.json").read_text("utf-8"))
    assert "run:" not in result.stdout


def test_a_rerun_inserts_nothing_twice(org: LocalOrg, source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = invoke(org, source, "--object", "Lead", "--out", out, "--json")
    refused = invoke(org, source, "--object", "Lead", "--out", out, "--json")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        f"Error: {out} holds a finished run (report.json); choose a new --out directory, or "
        "pass --overwrite to replace its outputs"
    )
    second = invoke(org, source, "--object", "Lead", "--out", out, "--json", "--overwrite")
    assert first.exit_code == second.exit_code == 0, second.output
    assert _leads(org) == 2
    assert json.loads(second.stdout)["rows"] == json.loads(first.stdout)["rows"]


def test_the_api_reserve_refuses_a_run_before_it_writes(
    localorg_factory: Callable[..., LocalOrg], source: Path, tmp_path: Path
) -> None:
    org = localorg_factory({**SEED, "org": {"name": "Tight Org", "dailyApiLimit": 20}})
    out = tmp_path / "out"
    result = invoke(org, source, "--object", "Lead", "--out", out, "--api-reserve", "0.9")
    assert result.exit_code == 1
    assert result.output.startswith("Error: this run needs about ")
    assert result.output.endswith("or lower the reserve (--api-reserve)\n")
    assert result.output.count("\n") == 1
    assert _leads(org) == 1
    assert not (out / "report.json").exists()
    # the same run fits the default 10 % reserve
    assert invoke(org, source, "--object", "Lead", "--out", out).exit_code == 0


def test_normalize_options_apply(org: LocalOrg, source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(
        org, source, "--object", "Lead", "--out", out, "--keep", "role-mailbox", "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]["rejected"] == 2  # row 6, and row 8 (pre-flight)
    assert "info@example.com" in set(_read(out, "loaded.csv")["Email"])


def test_credentials_from_the_environment_only(org: LocalOrg, source: Path, tmp_path: Path) -> None:
    env = {"SF_INSTANCE_URL": org.instance_url, "SF_ACCESS_TOKEN": org.access_token}
    args = ["run", source, "--object", "Lead", "--out", tmp_path / "o", "--ca-bundle"]
    result = CliRunner().invoke(cli, [*map(str, args), org.ca_bundle], env=env)
    assert result.exit_code == 0, result.output


def test_no_credentials_is_one_error_line(source: Path, tmp_path: Path) -> None:
    args = ["run", str(source), "--object", "Lead", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, args, env={})
    assert result.exit_code == 1
    assert result.output.startswith("Error: no Salesforce credentials given; ")
    assert result.output.count("\n") == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--out", "o"],  # no --object
        ["--object", "Lead"],  # no --out
        ["--object", "Lead", "--out", "o", "--api", "soap"],
        ["--object", "Lead", "--out", "o", "--strategy", "guess"],
        ["--object", "Lead", "--out", "o", "--api-reserve", "1"],
        ["--object", "Lead", "--out", "o", "--api-reserve", "-0.1"],
    ],
)
def test_usage_errors_exit_2(source: Path, args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["run", str(source), *args], env={})
    assert result.exit_code == 2, result.output


def test_a_bad_token_is_exit_1_without_echoing_it(
    org: LocalOrg, source: Path, tmp_path: Path
) -> None:
    token = "00Dxx!not-a-real-session-value"
    result = invoke(
        org, source, "--object", "Lead", "--out", tmp_path / "o", env={"SF_ACCESS_TOKEN": token}
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "not-a-real-session-value" not in result.output


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_only() -> None:
    pipe = io.StringIO()
    with TqdmProgress(file=pipe, disable=None) as bars:  # the CLI's setting (progress_bars)
        bars("load", 10_000, 25_000)
    assert pipe.getvalue() == ""
    terminal = _Terminal()
    with TqdmProgress(file=terminal, disable=None) as bars:
        bars("load", 10_000, 25_000)
        bars("load", 25_000, 25_000)
    assert "load" in terminal.getvalue()
    assert "25000/25000" in terminal.getvalue()


@pytest.mark.parametrize(
    ("object_name", "message"),
    [
        (
            "Leed",
            "Error: the org has no object 'Leed'; did you mean Lead? --object takes an API "
            "name (Lead, Contact)\n",
        ),
        (
            "Account",
            "Error: Account has no email field, and sfclean run finds existing records and "
            "duplicates by email, so it loads Lead or Contact (or another object with an Email "
            "field). To insert Account rows with the pre-flight checks and the duplicate-rule "
            "header, use sfclean load --object Account\n",
        ),
    ],
)
def test_a_wrong_object_is_refused_before_the_org_is_searched(
    org: LocalOrg, source: Path, tmp_path: Path, object_name: str, message: str
) -> None:
    org.clear_requests()
    out = tmp_path / "out"
    result = invoke(org, source, "--object", object_name, "--out", out)
    assert result.exit_code == 1
    assert result.stderr == message
    paths = [r.path for r in org.requests]
    assert not [p for p in paths if "/query" in p or "/composite" in p or "/async/" in p]
    assert not [p for p in paths if "limits" in p]  # not even the budget's reads
    assert not out.exists()


def test_match_phone_batch_size_and_exclude_object(
    org: LocalOrg, source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["--match-phone", "--api", "bulk2", "--batch-size", "1", "--keep", "role-mailbox"]
    result = invoke(org, source, "--object", "Lead", "--out", out, *args, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # row 5's phone is the seeded Lead's: found by phone, so the Block rule never sees it
    excluded = _read(out, "excluded.csv").set_index("sfclean_row")
    assert sorted(excluded.index) == ["3", "4", "5"]
    assert excluded.loc["5", "sfclean_matched_object"] == "Lead"
    assert report["strategy"] == "extract"
    assert sorted(_read(out, "loaded.csv")["sfclean_row"]) == ["2", "7"]
    assert len(report["stages"]["load"]["jobs"]) == 2  # one Bulk 2.0 job per row
    assert _read(out, "failed.csv").empty


def test_exclude_object_chooses_what_is_searched(
    org: LocalOrg, source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = invoke(org, source, "--object", "Lead", "--out", out, "--exclude-object", "Contact")
    assert result.exit_code == 0, result.output
    assert _read(out, "excluded.csv")["sfclean_row"].tolist() == ["3"]  # the Contact only
    assert "4" in set(_read(out, "loaded.csv")["sfclean_row"])  # the Lead was not searched


def test_a_misspelt_exclude_object_is_refused_before_the_org_is_searched(
    org: LocalOrg, source: Path, tmp_path: Path
) -> None:
    org.clear_requests()
    args = ["--exclude-object", "Contact", "--exclude-object", "Lead_"]
    result = invoke(org, source, "--object", "Lead", "--out", tmp_path / "o", *args)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the org has no object 'Lead_'; did you mean Lead? --exclude-object takes an "
        "API name (Lead, Contact)\n"
    )
    assert not [r for r in org.requests if "/query" in r.path or "/composite" in r.path]


def test_match_phone_cannot_use_the_query_strategy(
    org: LocalOrg, source: Path, tmp_path: Path
) -> None:
    args = ["--match-phone", "--strategy", "query"]
    result = invoke(org, source, "--object", "Lead", "--out", tmp_path / "o", *args)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --strategy 'query' cannot match phones")
    assert not (tmp_path / "o").exists()


def test_skip_rows_keeps_the_spreadsheet_rows_through_every_stage(
    org: LocalOrg, tmp_path: Path
) -> None:
    source = tmp_path / "export.csv"
    source.write_text('Exported 2026-12-06\n"by, someone"\n' + INPUT, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(org, source, "--object", "Lead", "--out", out, "--skip-rows", "2")
    assert result.exit_code == 0, result.output
    for name, rows in OUTCOMES.items():  # the header is row 3, so every row is 2 further on
        assert sorted(int(r) for r in _read(out, name)["sfclean_row"]) == [r + 2 for r in rows]
    rejected = _read(out, "rejected.csv").set_index("sfclean_row")
    assert rejected.loc["8", "sfclean_detail"] == "duplicate of row 4"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["input"]["skip_rows"] == 2
