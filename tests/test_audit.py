"""sfclean.audit() against local orgs: every finding code from a seed (tests/data/audit/),
a well-configured org with nothing above ok, least privilege (cannot-read) and baselines;
matching rules that are not Active and MatchBlanks items both from seeds and on the check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import sfclean
from sfclean.auditing.matching import check_matching
from sfclean.auditing.rulesread import MatchRule, Rule
from sfclean.errors import ConfigError, InputError
from sfclean.localorg import LocalOrg
from sfclean.localorg.testing import salesforce_client
from sfclean.salesforce import Connection, connect
from sfclean.stages.audit import AuditResult

DATA = Path(__file__).parent / "data" / "audit"
ETL = "etl@leaky.example.com"


def _connect(org: LocalOrg, user: str | None = None) -> Connection:
    token = org.access_token if user is None else org.new_token(user)
    return connect(instance_url=org.instance_url, access_token=token, ca_bundle=org.ca_bundle)


@pytest.fixture(scope="module")
def leaky_org() -> Iterator[LocalOrg]:
    with LocalOrg(seed=DATA / "leaky.yaml") as org:
        yield org


@pytest.fixture(scope="module")
def leaky(leaky_org: LocalOrg) -> AuditResult:
    with _connect(leaky_org) as conn:
        return sfclean.audit(conn)


def _rows(result: AuditResult, code: str) -> pd.DataFrame:
    return result.findings[result.findings["code"] == code]


def _one(result: AuditResult, code: str, subject: str | None = None) -> dict[str, Any]:
    rows = _rows(result, code)
    if subject is not None:
        rows = rows[rows["subject"] == subject]
    assert len(rows) == 1, result.to_text()
    return dict(rows.iloc[0])


# --- the result's shape ------------------------------------------------------------------


def test_findings_table_has_the_issue_columns_and_registry_severities(leaky: AuditResult) -> None:
    from sfclean.codes import CODES

    assert list(leaky.findings.columns) == [
        "code", "severity", "check", "object", "subject", "where", "message", "fix", "source",
    ]  # fmt: skip
    for row in leaky.findings.itertuples():
        declared = CODES.get(row.code, "finding")
        assert (row.severity, row.fix, row.source) == (
            declared.severity,
            declared.fix,
            declared.source,
        )
    assert leaky.kept.empty and leaky.held_back.empty
    assert leaky.verdict == "high"
    assert repr(leaky).startswith("<AuditResult [audit: verdict high, ")
    summary = leaky.summary().to_dict()
    assert summary["verdict"] == "high" and summary["severities"]["high"] == 5
    assert sum(summary["severities"].values()) == len(leaky.findings)


def test_findings_are_ordered_most_severe_first(leaky: AuditResult) -> None:
    order = ["high", "medium", "low", "review", "ok", "info"]
    ranks = [order.index(s) for s in leaky.findings["severity"]]
    assert ranks == sorted(ranks)


# --- check 1: rules by API outcome -----------------------------------------------------


def test_allow_without_alert_is_silent_on_both_operations(leaky: AuditResult) -> None:
    row = _one(leaky, "rule-allow-silent")
    assert (row["object"], row["subject"], row["where"]) == (
        "Lead",
        "Lead_Silent",
        "Lead.Lead_Silent",
    )
    assert row["message"].endswith("on insert and update") and row["severity"] == "high"


def test_allow_with_alert_says_bulk_is_unconfirmed_and_quotes_the_alert(leaky: AuditResult) -> None:
    row = _one(leaky, "rule-allow-alert")
    assert row["subject"] == "Lead_Alert" and "UNCONFIRMED" in row["message"]
    assert "'Maybe a duplicate'" in row["message"]  # alertText: from the Metadata API


def test_inactive_rule_names_who_changed_it(leaky: AuditResult) -> None:
    row = _one(leaky, "rule-inactive")
    assert row["subject"] == "Lead_Off" and "by admin@localorg.example.com" in row["message"]


def test_object_without_active_rule_and_no_cross_object_rule(leaky: AuditResult) -> None:
    assert _one(leaky, "no-active-rule")["object"] == "Contact"
    cross = _one(leaky, "no-cross-object-rule")
    assert "exist but are inactive: Lead.Lead_Off" in cross["message"]


# --- check 2: conditions ---------------------------------------------------------------


def test_user_condition_names_the_api_user_it_lets_through(leaky: AuditResult) -> None:
    row = _one(leaky, "rule-excludes-users")
    assert row["subject"] == "Lead_Silent"
    assert "Profile.Name ≠ Integration" in row["message"]
    assert (
        "etl@leaky.example.com (12 API logins (Remote Access 2.0; app Fivetran))" in row["message"]
    )
    assert "rep@leaky.example.com" not in row["message"]  # the Sales profile runs the rule


def test_record_condition_in_plain_words(leaky: AuditResult) -> None:
    row = _one(leaky, "rule-excludes-records")
    assert "it runs only when LeadSource ≠ Partner | Import" in row["message"]


def test_enforce_sharing_rules_names_api_writers_without_view_all_data(leaky: AuditResult) -> None:
    row = _one(leaky, "rule-hides-invisible-duplicates")
    assert row["subject"] == "Lead_Alert"  # the seed's default securityOption
    assert "rep@leaky.example.com" in row["message"] and ETL not in row["message"]


# --- check 3: matching -----------------------------------------------------------------


def test_rule_without_email_lists_what_it_compares(leaky: AuditResult) -> None:
    row = _one(leaky, "matching-rule-no-email")
    assert row["subject"] == "Lead_Alert" and "Lead.LastName, Lead.Company" in row["message"]


def test_coverage_matrix(leaky: AuditResult) -> None:
    got = leaky.coverage.set_index("rule")
    assert got.loc["Lead_Silent", "email_field"] == "Email"
    assert got.loc["Lead_Silent", "blanks"] == "NullNotAllowed"
    assert got.loc["Lead_Silent", "email_alone"] == "yes"
    assert got.loc["Lead_Alert", "email_field"] == "none"
    assert got.loc["Lead_Off", "matches"] == "Contact" and got.loc["Lead_Off", "active"] == "false"
    assert set(got["status"]) == {"Active"}


def _seed(name: str, **changes: Any) -> dict[str, Any]:
    """tests/data/audit/``name``.yaml with matching rule ``changes`` applied:
    ``{developer name: {key: value}}``, an item key applying to every item."""
    seed = yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))
    for rule in seed["matchingRules"]:
        for key, value in changes.get(rule["developerName"], {}).items():
            if key == "blankValueBehavior":
                for item in rule["matchingRuleItems"]:
                    item[key] = value
            else:
                rule[key] = value
    return seed


def _audit(localorg_factory: Callable[..., LocalOrg], seed: Path | dict[str, Any]) -> AuditResult:
    with _connect(localorg_factory(seed)) as conn:
        return sfclean.audit(conn)


def test_a_matching_rule_seeded_inactive_is_found_under_its_active_rule(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(DATA / "matching_inactive.yaml")
    with _connect(org) as conn:
        result = sfclean.audit(conn)
    sf = salesforce_client(org)
    for name in ("A", "B"):
        sf.Lead.create({"LastName": name, "Company": "C", "Email": "ann@example.com"})
    row = _one(result, "matching-rule-inactive")
    assert (row["severity"], row["check"], row["object"], row["subject"], row["where"]) == (
        "high",
        "matching",
        "Lead",
        "Lead_Block",
        "Lead.Lead_Block → Lead_Email",
    )
    assert row["message"].endswith("; Lead_Email is Inactive")
    assert result.verdict == "high"
    coverage = result.coverage.set_index("rule")
    assert tuple(coverage.loc["Lead_Block", ["matching_rule", "status"]]) == (
        "Lead_Email",
        "Inactive",
    )
    assert coverage.loc["Contact_Block", "status"] == "Active"
    # the Block rule's own row says it may compare nothing, instead of a plain "ok"
    block = result.findings[result.findings["code"] == "rule-block"].set_index("subject")
    assert (
        "none of its matching rules is Active (Lead_Email (Inactive))"
        in (block.loc["Lead_Block", "message"])
    )
    assert "UNCONFIRMED" in block.loc["Lead_Block", "message"]
    assert "matching rules" not in block.loc["Contact_Block", "message"]
    # what the finding warns about: the Block rule let the second Lead with that email in
    assert sf.query("SELECT COUNT() FROM Lead WHERE Email = 'ann@example.com'")["totalSize"] == 2


@pytest.mark.parametrize("status", ["ActivationFailed", "Deactivating"])
def test_every_status_that_is_not_active_is_named(
    localorg_factory: Callable[..., LocalOrg], status: str
) -> None:
    result = _audit(localorg_factory, _seed("matching_inactive", Lead_Email={"ruleStatus": status}))
    assert _one(result, "matching-rule-inactive")["message"].endswith(f"; Lead_Email is {status}")


def test_an_active_matching_rule_gives_no_inactive_finding(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    result = _audit(
        localorg_factory, _seed("matching_inactive", Lead_Email={"ruleStatus": "Active"})
    )
    assert _rows(result, "matching-rule-inactive").empty
    assert result.verdict == "ok", result.to_text()


def test_an_inactive_matching_rule_under_an_inactive_rule_is_no_finding(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    seed = _seed("matching_inactive")
    next(r for r in seed["duplicateRules"] if r["developerName"] == "Lead_Block")["isActive"] = (
        False
    )
    result = _audit(localorg_factory, seed)
    assert _rows(result, "matching-rule-inactive").empty
    assert _one(result, "rule-inactive")["subject"] == "Lead_Block"


def test_match_blanks_seeded_on_an_email_item_is_found_per_rule(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(DATA / "matching_blanks.yaml")
    with _connect(org) as conn:
        result = sfclean.audit(conn)
    rows = _rows(result, "matching-rule-matches-blanks")
    assert sorted(zip(rows["object"], rows["subject"], rows["where"], strict=True)) == [
        ("Contact", "Contact_Block", "Contact_Email.Email"),
        ("Lead", "Lead_vs_Contacts", "Contact_Email.Email"),
    ]
    assert set(rows["severity"]) == {"low"} and set(rows["check"]) == {"matching"}
    assert result.verdict == "low"
    blanks = result.coverage.set_index("rule")["blanks"].to_dict()
    assert blanks == {
        "Lead_Block": "NullNotAllowed",
        "Lead_vs_Contacts": "MatchBlanks",
        "Contact_Block": "MatchBlanks",
    }


def test_null_not_allowed_gives_no_blanks_finding(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    seed = _seed("matching_blanks", Contact_Email={"blankValueBehavior": "NullNotAllowed"})
    result = _audit(localorg_factory, seed)
    assert _rows(result, "matching-rule-matches-blanks").empty
    assert set(result.coverage["blanks"]) == {"NullNotAllowed"}
    assert result.verdict == "ok", result.to_text()


@pytest.mark.parametrize(
    ("status", "blanks", "codes"),
    [
        ("Inactive", "NullNotAllowed", ["matching-rule-inactive"]),
        ("Active", "MatchBlanks", ["matching-rule-matches-blanks"]),
        ("Active", "NullNotAllowed", []),
    ],
)
def test_matching_checks_on_the_check_itself(status: str, blanks: str, codes: list[str]) -> None:
    rule = Rule(name="Lead_R", object="Lead", active=True, match_rules=[("M", "Lead")])
    matching = {"m": MatchRule("M", "Lead", status, (("Email", "Exact", blanks),))}
    assert [r["code"] for r in check_matching([rule], matching)] == codes
    rule.active = False
    assert check_matching([rule], matching) == []


# --- check 4: API writers --------------------------------------------------------------


def test_api_writers_and_what_grants_their_permissions(leaky: AuditResult) -> None:
    mad = _rows(leaky, "api-user-modify-all-data")
    assert sorted(zip(mad["subject"], mad["where"], strict=True)) == [
        ("etl@leaky.example.com", "profile Integration"),
        ("sync@leaky.example.com", "profile System Administrator"),
    ]
    assert set(mad["severity"]) == {"review"} and mad["message"].str.contains("UNCONFIRMED").all()
    assert _one(leaky, "api-user-admin-profile")["subject"] == "sync@leaky.example.com"
    bypass = _one(leaky, "api-user-bypass-permission")
    assert bypass["subject"] == ETL and "Skip_Dupe_Check" in bypass["message"]
    assert _one(leaky, "user-can-set-audit-fields")["where"] == "profile Integration"


def test_integration_user_option_makes_a_browser_user_an_api_writer(leaky_org: LocalOrg) -> None:
    with _connect(leaky_org) as conn:
        result = sfclean.audit(conn, integration_users=["Local Admin", "nobody@x.example"])
    admins = _rows(result, "api-user-modify-all-data")
    assert "admin@localorg.example.com" in set(admins["subject"])
    missing = _one(result, "cannot-read", "nobody@x.example")
    assert "no active user" in missing["message"]


# --- check 5: code ---------------------------------------------------------------------


def test_org_code_findings_with_class_and_line(leaky: AuditResult) -> None:
    code = leaky.findings[leaky.findings["check"] == "code"]
    assert sorted(zip(code["code"], code["where"], strict=True)) == [
        ("code-acknowledged", "LeadImport:9"),
        ("code-allowsave-true", "LeadImport:4"),
        ("code-allowsave-variable", "LeadImport:7"),
        ("code-header-allowsave-true", "LeadCallout:3"),
        ("code-package-switch", "DmlHelper:4"),
        ("code-runascurrentuser-false", "LeadImport:5"),
        ("managed-code-hidden", "namespace npsp"),
    ]
    hidden = _one(leaky, "managed-code-hidden")
    assert "Respect_Duplicate_Rule_Settings__c" in hidden["message"]


def test_sources_alone_scan_offline(tmp_path: Path) -> None:
    (tmp_path / "load.py").write_text(
        'HEADERS = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}\n', encoding="utf-8"
    )
    (tmp_path / "ok.py").write_text("allowSave = True  # not the header\n", encoding="utf-8")
    result = sfclean.audit(sources=[tmp_path])
    assert list(zip(result.findings["code"], result.findings["where"], strict=True)) == [
        ("code-header-allowsave-true", f"{tmp_path / 'load.py'}:1")
    ]
    assert result.org is None and result.verdict == "high"
    assert "offline; code under" in result.to_text().splitlines()[0]


def test_bad_arguments_are_errors() -> None:
    with pytest.raises(ConfigError, match="needs a connection"):
        sfclean.audit()
    with pytest.raises(InputError, match="does not exist"):
        sfclean.audit(sources=["/no/such/dir"])
    with pytest.raises(ConfigError, match="need a connection"):
        sfclean.audit(sources=["."], baseline={"rules": []})


# --- check 6: changes ------------------------------------------------------------------


def test_rule_changed_against_a_baseline(leaky_org: LocalOrg, leaky: AuditResult) -> None:
    report = leaky.to_report()
    states = {r["name"]: r for r in report["rules"]}
    states["Lead_Off"]["active"] = True  # it was on at the previous audit
    states["Lead_Silent"]["actions"]["insert"] = "Block"
    report["rules"].append({"object": "Lead", "name": "Gone_Rule", "active": True})
    with _connect(leaky_org) as conn:
        result = sfclean.audit(conn, baseline=report)
    changed = _rows(result, "rule-changed").set_index("subject")["message"]
    assert changed["Lead_Off"].startswith("changed since the previous audit; deactivated")
    assert (
        "Setup Audit Trail 2024-05-30T18:00:00.000+0000: Deactivated duplicate rule Lead_Off"
        in changed["Lead_Off"]
    )
    assert "insert action Block → Allow" in changed["Lead_Silent"]
    assert "no longer exists" in changed["Gone_Rule"]
    assert "Lead_Alert" not in changed


def test_unchanged_baseline_gives_no_rule_changed(
    leaky_org: LocalOrg, leaky: AuditResult, tmp_path: Path
) -> None:
    path = tmp_path / "report.json"
    sfclean.stages.audit.write_audit(leaky, tmp_path)
    with _connect(leaky_org) as conn:
        result = sfclean.audit(conn, baseline=path)
    assert _rows(result, "rule-changed").empty


def test_baseline_that_is_not_a_report(tmp_path: Path, leaky_org: LocalOrg) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with _connect(leaky_org) as conn, pytest.raises(InputError, match="no 'rules' list"):
        sfclean.audit(conn, baseline=bad)


# --- check 7: least privilege ----------------------------------------------------------


def test_without_metadata_permission_the_audit_goes_on_from_the_ui_api(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(DATA / "leaky.yaml")
    with _connect(org, "rep@leaky.example.com") as conn:
        result = sfclean.audit(conn)
    note = _one(result, "cannot-read")
    assert note["subject"] == "DuplicateRule metadata (readMetadata)"
    assert "neither Modify All Data nor Modify Metadata" in note["message"]
    assert _one(result, "rule-allow-silent")["subject"] == "Lead_Silent"  # from the UI API
    users = _one(result, "rule-excludes-users")["message"]
    assert "condition table not read" in users and "etl@leaky.example.com" in users
    assert _rows(result, "rule-hides-invisible-duplicates").empty  # securityOption unknown
    assert not [r for r in org.requests if r.path.startswith("/services/Soap/m/")]


def test_a_refused_api_is_cannot_read_and_the_rest_is_audited(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(DATA / "leaky.yaml")
    org.faults.fail(403, path="/tooling/query", times=None)
    with _connect(org) as conn:
        result = sfclean.audit(conn)
    refused = result.findings[result.findings["code"] == "cannot-read"]
    assert set(refused["subject"]) == {"ApexClass (Tooling API)", "ApexTrigger (Tooling API)"}
    assert refused["message"].str.contains("needs the Tooling API (API Enabled", regex=False).all()
    assert result.findings[result.findings["check"] == "code"].empty
    assert not _rows(result, "rule-allow-silent").empty


# --- the well-configured org -----------------------------------------------------------


def test_well_configured_org_has_nothing_above_ok(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(DATA / "well_configured.yaml")
    with _connect(org) as conn:
        result = sfclean.audit(conn)
    assert result.verdict == "ok", result.to_text()
    assert set(result.findings["severity"]) == {"ok"}
    assert sorted(result.findings["subject"]) == ["Contact_Block", "Lead_Block", "Lead_vs_Contacts"]
    assert not result.fails("review")
