"""``sfclean audit`` through click's CliRunner: text grouped by check with the verdict first,
--json, --out (audit.md and report.json), --fail-on exit codes, offline --source, --baseline,
--demo, and exit 3 when the audit cannot run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sfclean.cli import cli
from sfclean.localorg import LocalOrg

DATA = Path(__file__).parent / "data" / "audit"


def invoke(*args: str | Path, org: LocalOrg | None = None) -> Result:
    login: list[str] = []
    env = {}
    if org is not None:
        login = ["--instance-url", org.instance_url, "--ca-bundle", org.ca_bundle]
        env = {"SF_ACCESS_TOKEN": org.access_token}
    return CliRunner().invoke(
        cli, ["audit", *map(str, args), *login], env=env, catch_exceptions=False
    )


@pytest.fixture
def leaky(localorg_factory: Callable[..., LocalOrg]) -> LocalOrg:
    return localorg_factory(DATA / "leaky.yaml")


def test_text_output_starts_with_the_verdict_and_groups_by_check(leaky: LocalOrg) -> None:
    result = invoke(org=leaky)
    assert result.exit_code == 1  # high findings, --fail-on high by default
    lines = result.stdout.splitlines()
    assert lines[0].startswith("audit verdict: high (5 high, 7 medium, 2 low, 6 review, 1 info)")
    headings = [line for line in lines if line and not line.startswith(" ")][1:]
    assert headings == [
        "Duplicate rules: what an API save gets:",
        "Rule conditions: who and what skips a rule:",
        "Matching rules: is the email compared:",
        "API writers: who could get past the rules:",
        "Code: allowSave and the duplicate-rule header:",
    ]
    assert "  high    rule-allow-silent  Lead.Lead_Silent: Allow without Alert" in result.stdout


def test_json_has_verdict_findings_and_rules(leaky: LocalOrg) -> None:
    result = invoke("--json", "--fail-on", "never", org=leaky)
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["verdict"] == "high"
    assert {f["code"] for f in report["findings"]} >= {"rule-allow-silent", "code-allowsave-true"}
    assert set(report["findings"][0]) == {
        "code", "severity", "check", "object", "subject", "where", "message", "fix", "source",
    }  # fmt: skip
    assert {r["name"] for r in report["rules"]} == {"Lead_Silent", "Lead_Alert", "Lead_Off"}


@pytest.mark.parametrize(("fail_on", "code"), [("high", 1), ("review", 1), ("never", 0)])
def test_fail_on_sets_the_exit_code(leaky: LocalOrg, fail_on: str, code: int) -> None:
    assert invoke("--fail-on", fail_on, org=leaky).exit_code == code


def test_well_configured_org_exits_0_even_at_review(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(DATA / "well_configured.yaml")
    result = invoke("--fail-on", "review", org=org)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("audit verdict: ok (3 ok)")


@pytest.mark.parametrize(
    ("seed", "exit_code", "first", "line"),
    [
        (
            "matching_inactive",
            1,
            "audit verdict: high (1 high, 3 ok)",
            "  high    matching-rule-inactive  Lead.Lead_Block → Lead_Email: uses a matching rule "
            "that is not active: it matches nothing; Lead_Email is Inactive",
        ),
        (
            "matching_blanks",
            0,
            "audit verdict: low (2 low, 3 ok)",
            "  low     matching-rule-matches-blanks  Contact_Block (Contact_Email.Email): blank "
            "values match (MatchBlanks): records without an email match each other",
        ),
    ],
)
def test_matching_rule_states_seeded_in_localorg_reach_the_cli(
    localorg_factory: Callable[..., LocalOrg], seed: str, exit_code: int, first: str, line: str
) -> None:
    result = invoke(org=localorg_factory(DATA / f"{seed}.yaml"))
    assert result.exit_code == exit_code, result.output  # --fail-on high by default
    lines = result.stdout.splitlines()
    assert lines[0].startswith(first)
    assert line in lines


def test_out_writes_audit_md_and_report_json(leaky: LocalOrg, tmp_path: Path) -> None:
    result = invoke("--out", tmp_path, "--fail-on", "never", org=leaky)
    assert result.exit_code == 0
    assert f"Wrote audit.md, report.json to {tmp_path}" in result.stderr
    md = (tmp_path / "audit.md").read_text(encoding="utf-8")
    assert md.startswith("# sfclean audit\n\naudit verdict: high")
    assert "## Email coverage" in md and "## Code: allowSave and the duplicate-rule header" in md
    assert "LeadSource ≠ Partner \\| Import" in md  # | escaped in a table cell
    row = next(line for line in md.splitlines() if "rule-excludes-records" in line)
    assert row.count(" | ") == 5  # six cells, none split by the value's |
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["files"] == ["audit.md", "report.json"] and report["verdict"] == "high"


def test_baseline_reports_rule_changes(leaky: LocalOrg, tmp_path: Path) -> None:
    invoke("--out", tmp_path, org=leaky)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    for rule in report["rules"]:
        if rule["name"] == "Lead_Off":
            rule["active"] = True
    baseline = tmp_path / "previous.json"
    baseline.write_text(json.dumps(report), encoding="utf-8")
    result = invoke("--baseline", baseline, org=leaky)
    assert "Changes since the baseline:" in result.stdout
    assert (
        "rule-changed  Lead.Lead_Off: changed since the previous audit; deactivated"
        in result.stdout
    )


def test_source_without_login_scans_code_offline(tmp_path: Path) -> None:
    (tmp_path / "Loader.cls").write_text(
        "public class Loader {\n  void go() { dml.duplicateRuleHeader.ALLOWSAVE=TRUE; }\n}\n",
        encoding="utf-8",
    )
    result = invoke("--source", tmp_path)
    assert result.exit_code == 1
    assert (
        result.stdout.splitlines()[0]
        == f"audit verdict: high (1 high) - offline; code under {tmp_path}"
    )
    assert f"code-allowsave-true  {tmp_path / 'Loader.cls'}:2:" in result.stdout
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.py").write_text("print('hi')\n", encoding="utf-8")
    ok = invoke("--source", clean)
    assert ok.exit_code == 0 and ok.stdout.startswith("audit verdict: ok (no findings)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Error: "),
        (("--source", "/no/such/path"), "Error: --source /no/such/path does not exist"),
        (
            ("--object", "Lead;DROP", "--source", "."),
            "Error: --object 'Lead;DROP' is not an object API name",
        ),
        (
            ("--integration-user", "x", "--source", "."),
            "Error: --baseline and --integration-user need a connection",
        ),
    ],
)
def test_could_not_run_is_one_error_line_and_exit_3(
    args: tuple[str, ...], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SF_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_USERNAME", "SF_TARGET_ORG"):
        monkeypatch.delenv(name, raising=False)
    result = invoke(*args)
    assert result.exit_code == 3
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_unreachable_org_exits_3(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["audit", "--instance-url", "https://127.0.0.1:9", "--access-token", "x"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 3 and result.stderr.startswith(
        "Error: cannot reach https://127.0.0.1:9"
    )


def test_demo_audits_the_sample_org() -> None:
    result = invoke("--demo", "--fail-on", "never")
    assert result.exit_code == 0
    assert result.stdout.startswith("audit verdict: high (5 high)")
    assert (
        "etl@sample-org.example (30 API logins (Remote Access 2.0; app Nightly ETL))"
        in result.stdout
    )


def test_readme_shows_the_real_demo_output() -> None:
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    command = "    $ sfclean audit --demo\n"
    assert command in readme
    block = readme.split(command, 1)[1].split("\n\nSee [Audit]", 1)[0]
    shown = "\n".join(line.removeprefix("    ") for line in block.splitlines()) + "\n"
    result = invoke("--demo")
    assert result.exit_code == 1
    port = re.compile(r"127\.0\.0\.1:\d+")
    assert port.sub("PORT", result.stderr + result.stdout) == port.sub("PORT", shown)
