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
    "new3@example.com,Five,,\n"  # row 8: failed, REQUIRED_FIELD_MISSING
)
OUTCOMES = {
    "loaded.csv": [2],
    "excluded.csv": [3, 4],
    "failed.csv": [5, 8],
    "rejected.csv": [6, 7],
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
    assert failed.loc["8", "sfclean_code"] == "REQUIRED_FIELD_MISSING"
    assert _leads(org) == 2  # the seeded one and row 2
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["rows"] == {"in": 7, "rejected": 2, "excluded": 2, "loaded": 1, "failed": 2}
    assert "run: 7 rows in; rejected 2, excluded 2, loaded 1, failed 2\n" in result.stderr
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
    would_load = _read(out, "clean.csv")["Email"]  # rows 2, 5 and 8
    assert sorted(would_load) == ["new1@example.com", "new2@example.com", "new3@example.com"]
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
    assert json.loads(result.stdout)["rows"]["rejected"] == 1
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
