"""sfclean.scan against a local org seeded with known clusters (tests/scan_seed.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from scan_seed import EXPECTED, MIGRATE, SEED, SYNC, cid, lid

import sfclean
from sfclean.errors import ConfigError
from sfclean.io import write_result
from sfclean.localorg import LocalOrg
from sfclean.report import FINDINGS_COLUMNS
from sfclean.stages.scan_causes import _passes
from sfclean.stages.scan_extract import choose_api, extract_records


def _connect(org: LocalOrg) -> sfclean.Connection:
    return sfclean.connect(
        instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
    )


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg(SEED) as local:
        yield local


@pytest.fixture(scope="module")
def result(org: LocalOrg) -> sfclean.ScanResult:
    with _connect(org) as conn:
        return sfclean.scan(conn)


def _groups(table: pd.DataFrame) -> list[set[str]]:
    return sorted(({*g["Id"]} for _, g in table.groupby("cluster")), key=sorted)


def _cluster_of(result: sfclean.ScanResult, record_id: str) -> pd.DataFrame:
    clusters = result.kept
    (cluster,) = clusters.loc[clusters["Id"] == record_id, "cluster"]
    return clusters[clusters["cluster"] == cluster]


def test_the_known_clusters_are_found_across_lead_and_contact(result: sfclean.ScanResult) -> None:
    assert _groups(result.kept) == sorted(EXPECTED.values(), key=sorted)
    assert result.counts["clusters"] == len(EXPECTED) == result.new_clusters


def test_dirty_stored_emails_meet_and_keep_their_stored_value(result: sfclean.ScanResult) -> None:
    ann = _cluster_of(result, cid(1)).set_index("Id")
    assert ann.loc[cid(2), "Email"] == " Ann.Lee@Example.COM "
    assert ann.loc[lid(1), "Email"] == '"Ann Lee" <ann.lee@example.com>'
    assert ann.loc[cid(1), "survivor"] and not ann.loc[cid(2), "survivor"]


def test_converted_merged_deleted_and_role_mailbox_records_form_no_cluster(
    result: sfclean.ScanResult,
) -> None:
    ids = set(result.kept["Id"])
    left_out = {cid(7), lid(2), cid(8), cid(9), cid(15), lid(3), lid(4), lid(5), cid(13), cid(14)}
    assert not ids & left_out
    summary = result.summary()
    # query leaves deleted records (the merge victim, the deleted Lead) out at the source
    assert summary.records == {"Lead": 5, "Contact": 16}
    assert summary.excluded == {"merged": 1, "deleted": 0, "converted": 1, "repeated_ids": 0}
    assert summary.junk_emails == 2


def test_bursts_from_one_integration_user_are_attributed_to_it(
    result: sfclean.ScanResult,
) -> None:
    creators = result.by_creator.set_index("created_by")
    sync = creators.loc[SYNC]
    assert (sync["duplicates"], sync["bursts"], sync["in_bursts"]) == (5, 1, 5)
    assert sync["profile"] == "Integration User"
    assert result.by_creator["created_by"].iloc[0] == SYNC
    top = result.summary().top_creators[0]
    assert top["created_by"] == SYNC and top["duplicates"] == 5


def test_a_creator_with_set_audit_fields_is_claimed(result: sfclean.ScanResult) -> None:
    creators = result.by_creator.set_index("created_by")
    assert creators.loc[MIGRATE, "attribution"] == "claimed"
    assert creators.loc[SYNC, "attribution"] == "recorded"
    ivy = _cluster_of(result, cid(10))
    assert ivy["cause"].iloc[0] == "cause-claimed-creator"


def test_clusters_name_the_rule_state_that_let_them_in(result: sfclean.ScanResult) -> None:
    by_id = result.kept.drop_duplicates("cluster").set_index("Id")["cause"]
    assert by_id[cid(1)] == "cause-silent-rule;cause-excluded-creator"  # Lead silent, sync excluded
    assert by_id[cid(3)] == "cause-excluded-creator"
    assert by_id[cid(12)] == "cause-no-cross-object-rule"  # Contact rule compares Contacts only
    findings = result.findings
    assert tuple(findings.columns) == FINDINGS_COLUMNS
    excluded = findings[(findings["code"] == "cause-excluded-creator")]
    assert set(excluded["original"]) == {cid(2), cid(4), cid(6), cid(17)}
    assert all("Contact_Block" in m and SYNC in m for m in excluded["message"])
    # the row points at the record's row in clusters.csv (header = row 1)
    row = excluded.iloc[0]
    assert result.kept.loc[row["row"] - 2, "Id"] == row["original"]


def test_the_report_lists_the_rules_read_with_the_one_switched_off(
    result: sfclean.ScanResult,
) -> None:
    rules = {r["name"]: r for r in result.summary().rules}
    assert rules["Contact_Old"]["active"] is False
    assert rules["Lead_Silent"]["action_on_insert"] == "Allow"
    assert rules["Contact_Block"]["conditions"] == ["Profile.Name notEqual Integration User"]
    assert result.summary().problems == ()


def test_plans_merge_contacts_and_convert_the_lead_into_the_contact(
    result: sfclean.ScanResult,
) -> None:
    converts = result.convert_plan.set_index("lead_id")
    assert converts.loc[lid(1), "contact_id"] == cid(1)
    assert converts.loc[lid(6), "contact_id"] == cid(12)
    merges = result.merge_plan.set_index("master_id")
    assert merges.loc[cid(1), "duplicate_ids"] == cid(2)


def test_the_writer_writes_every_file_with_report_last(
    result: sfclean.ScanResult, tmp_path: Path
) -> None:
    paths = write_result(result, tmp_path)
    assert list(paths) == [
        "clusters.csv",
        "by_creator.csv",
        "merge_plan.csv",
        "convert_plan.csv",
        "findings.csv",
        "watermark.csv",
        "report.json",
    ]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["clusters"] == 6 and report["duplicates"] == 7
    assert report["records"] == {"Lead": 5, "Contact": 16}
    assert report["api_calls"] == result.api_calls > 0
    assert report["causes"]["cause-excluded-creator"]["clusters"] == 4
    assert report["causes"]["cause-excluded-creator"]["audit"] == ["rule-excludes-users"]
    assert report["causes"]["cause-silent-rule"]["audit"] == ["rule-allow-silent"]
    assert report["files"][-1] == "report.json" and "input" not in report
    clusters = pd.read_csv(tmp_path / "clusters.csv", dtype=str, keep_default_na=False)
    assert len(clusters) == len(result.kept) and "sfclean_row" not in clusters
    assert "C-" in repr(clusters["cluster"].iloc[0]) and "\n" not in repr(result)


def test_a_formula_like_stored_value_is_neutralised_in_the_csv(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    seed: dict[str, Any] = {
        "records": {
            "Contact": [
                {"LastName": "=HYPERLINK(1)", "Email": "x@example.com"},
                {"LastName": "Plain", "Email": "X@example.com"},
            ]
        }
    }
    with _connect(localorg_factory(seed)) as conn:
        result = sfclean.scan(conn)
    assert "=HYPERLINK(1)" in set(result.kept["LastName"])  # the library keeps the value
    write_result(result, tmp_path)
    clusters = pd.read_csv(tmp_path / "clusters.csv", dtype=str, keep_default_na=False)
    assert "'=HYPERLINK(1)" in set(clusters["LastName"])


def test_incremental_reports_only_clusters_with_a_record_since_the_watermark(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(SEED)
    with _connect(org) as conn:
        first = sfclean.scan(conn, incremental_dir=tmp_path)
        assert first.new_clusters == 6  # no watermark yet: a full scan
        assert first.summary().extracted == {"Lead": 5, "Contact": 16}
        write_result(first, tmp_path)
        assert (tmp_path / "key_index.csv.gz").exists()
        quiet = sfclean.scan(conn, incremental_dir=tmp_path)
        assert quiet.new_clusters == 0 and quiet.kept.empty
        # only the changes are read: the newest record again (its second), nothing else
        assert quiet.summary().extracted == {"Lead": 0, "Contact": 1}
        assert quiet.summary().records == {"Lead": 5, "Contact": 16}
        write_result(quiet, tmp_path)
        conn.sf.Lead.create({"LastName": "Bob", "Company": "Acme", "Email": "bob@example.com"})
        conn.sf.Contact.delete(cid(6))  # carol's newer copy: carol is no cluster any more
        again = sfclean.scan(conn, incremental_dir=tmp_path)
        write_result(again, tmp_path)
        full = sfclean.scan(conn)
    assert again.new_clusters == 1
    assert set(again.kept["Id"]) > EXPECTED["bob"]
    assert again.kept["is_new"].all()
    assert again.summary().extracted["Lead"] == 1
    assert again.summary().excluded["deleted"] == 1  # the delete arrived through queryAll
    # the index with the changes compares what a full extraction compares
    assert _groups(full.kept) == sorted(
        [*(ids for name, ids in EXPECTED.items() if name not in ("bob", "carol")),
         set(again.kept["Id"])],
        key=sorted,
    )  # fmt: skip


def test_since_a_date_keeps_only_the_clusters_touched_after_it(org: LocalOrg) -> None:
    with _connect(org) as conn:
        result = sfclean.scan(conn, since="2024-04-15")
    assert _groups(result.kept) == sorted([EXPECTED["ivy"], EXPECTED["jo"]], key=sorted)


def test_record_sets_are_written_once(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(SEED)
    with _connect(org) as conn:
        first = sfclean.scan(conn, write_record_sets=True)
        second = sfclean.scan(conn, write_record_sets=True)
        items = list(
            conn.query_all_iter("SELECT DuplicateRecordSetId, RecordId FROM DuplicateRecordItem")
        )
        sets = list(conn.query_all_iter("SELECT Id, DuplicateRuleId FROM DuplicateRecordSet"))
    assert first.record_sets is not None and second.record_sets is not None
    assert (first.record_sets.created, first.record_sets.items_created) == (6, 13)
    assert (second.record_sets.created, second.record_sets.skipped) == (0, 6)
    assert len(sets) == 6 and len(items) == 13
    grouped: dict[str, set[str]] = {}
    for item in items:
        grouped.setdefault(item["DuplicateRecordSetId"], set()).add(item["RecordId"])
    assert sorted(grouped.values(), key=sorted) == sorted(EXPECTED.values(), key=sorted)
    rules = {r["name"]: r["id"] for r in first.summary().rules}
    assert {s["DuplicateRuleId"] for s in sets} == {rules["Contact_Block"]}


def test_a_grown_cluster_extends_its_record_set(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(SEED)
    with _connect(org) as conn:
        sfclean.scan(conn, write_record_sets=True)
        conn.sf.Lead.create({"LastName": "Bob", "Company": "Acme", "Email": "BOB@example.com"})
        grown = sfclean.scan(conn, write_record_sets=True)
    assert grown.record_sets is not None
    assert (grown.record_sets.created, grown.record_sets.extended) == (0, 1)
    assert grown.record_sets.items_created == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"match_key": "fuzzy"}, "match_key must be email or provider"),
        ({"objects": ()}, "objects= needs at least one object"),
        ({"objects": ("Lead", "Account")}, "scan reads Lead and Contact, not Account"),
        ({"since": "yesterday-ish"}, "since= must be a date"),
        ({"burst_seconds": -1}, "burst_seconds must be 0 or more"),
        ({"since": "2024-01-01", "incremental_dir": "x"}, "not both"),
    ],
)
def test_bad_options_fail_before_any_api_call(
    org: LocalOrg, options: dict[str, Any], message: str
) -> None:
    with _connect(org) as conn:
        before = conn.api_calls
        with pytest.raises(ConfigError, match=message):
            sfclean.scan(conn, **options)
        assert conn.api_calls == before


@pytest.mark.parametrize(
    ("count", "api"),
    [(0, "rest"), (7_999, "rest"), (8_000, "rest"), (8_001, "bulk"), (2_000_000, "bulk")],
)
def test_rest_or_bulk_is_chosen_by_record_count(count: int, api: str) -> None:
    assert choose_api(count)[0] == api


def test_bulk_and_rest_extractions_read_the_same_lean_records(org: LocalOrg) -> None:
    with _connect(org) as conn:
        rest = extract_records(conn, ("Lead", "Contact"), api="rest")
        bulk = extract_records(conn, ("Lead", "Contact"), api="bulk")
    assert (dict(rest.apis), dict(bulk.apis)) == (
        {"Lead": "rest", "Contact": "rest"},
        {"Lead": "bulk", "Contact": "bulk"},
    )
    key = ["object", "Id"]
    a = rest.records.astype(object).sort_values(key).reset_index(drop=True)
    b = bulk.records.astype(object).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b[a.columns])
    assert isinstance(rest.records["CreatedById"].dtype, pd.CategoricalDtype)
    assert set(rest.records["created_by"]) == {"rep@acme.example.com", SYNC, MIGRATE}
    (converted,) = rest.records.loc[rest.records["IsConverted"] == "true", "Id"]
    assert converted == lid(2)


def test_a_switched_off_rule_is_named_as_the_cause(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    seed = {
        **SEED,
        "duplicateRules": [
            {**rule, "isActive": False} if rule["sobjectType"] == "Lead" else rule
            for rule in SEED["duplicateRules"]
        ],
    }
    with _connect(localorg_factory(seed)) as conn:
        result = sfclean.scan(conn)
    ann = result.findings[result.findings["original"] == lid(1)]
    assert list(ann["code"]) == ["cause-rule-off"]
    assert "Lead_Silent (off; last changed by admin@localorg.example.com" in ann["message"].iloc[0]


def test_a_rule_whose_matching_rule_is_not_active_is_named_as_the_cause(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    seed = {
        **SEED,
        "matchingRules": [
            {**rule, "ruleStatus": "Inactive"} if rule["sobjectType"] == "Lead" else rule
            for rule in SEED["matchingRules"]
        ],
    }
    with _connect(localorg_factory(seed)) as conn:
        result = sfclean.scan(conn)
    ann = result.findings[result.findings["original"] == lid(1)]
    assert list(ann["code"]) == ["cause-rule-off"]
    message = ann["message"].iloc[0]
    assert "active, but its matching rules are not Active: Lead_Email Inactive" in message
    assert "UNCONFIRMED" in message


CREATOR = {
    "created_by": "etl@acme.example.com",
    "profile": "Integration User",
    "user_type": "Standard",
    "CreatedById": "005",
}


@pytest.mark.parametrize(
    ("item", "passes"),
    [
        (("Profile.Name", "notEqual", "Integration User"), False),
        (("Profile.Name", "equals", "Sales User, Integration User"), True),
        (("$User.Username", "notContain", "etl"), False),
        (("User.Username", "startsWith", "etl@"), True),
        (("Username", "contains", "marketo"), False),
        (("UserType", "equals", "standard"), True),  # values compare case-insensitively
        (("LeadSource", "notEqual", "Web"), None),  # a record field: not about the user
        (("Username", "lessThan", "x"), None),  # an operation not evaluated
    ],
)
def test_user_conditions_are_evaluated_for_the_creator(
    item: tuple[str, str, str], passes: bool | None
) -> None:
    assert _passes(item, CREATOR) is passes


def test_a_refused_ui_api_read_is_a_note_and_the_soql_facts_still_count(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(SEED)
    org.faults.fail(403, times=None, path="/ui-api/duplicates/")
    with _connect(org) as conn:
        result = sfclean.scan(conn)
    problems = result.summary().problems
    assert len(problems) == 2 and all("could not be read" in p for p in problems)
    assert "ui-api/duplicates/Lead" in problems[0]
    # without the rules' actions no silent or excluded-creator cause is claimed
    assert set(result.findings["code"]) == {"cause-claimed-creator"}
    assert result.counts["clusters"] == len(EXPECTED)
    assert "note: ui-api/duplicates/Lead could not be read" in result.to_text()


@pytest.mark.parametrize("api", ["rest", "bulk"])
def test_changes_since_a_time_include_deleted_records(
    localorg_factory: Callable[..., LocalOrg], api: str
) -> None:
    org = localorg_factory(SEED)
    with _connect(org) as conn:
        conn.sf.Contact.delete(cid(3))
        changes = extract_records(
            conn, ("Lead", "Contact"), since="2024-05-01T00:00:00Z", api=api, creators=False
        )
    records = changes.records.set_index("Id")
    assert records.loc[cid(3), "IsDeleted"] == "true"
    # changed since: ivy's newer copy, jo's Contact, and the deletion
    assert set(records.index) == {cid(3), cid(11), cid(12)}
    assert "created_by" not in records


def test_progress_reports_records_read_and_true_is_refused(org: LocalOrg) -> None:
    calls: list[tuple[int, int]] = []
    with _connect(org) as conn:
        sfclean.scan(conn, progress=lambda done, total: calls.append((done, total)))
        with pytest.raises(ConfigError, match="progress="):
            sfclean.scan(conn, progress=True)  # type: ignore[arg-type]
    assert calls == [(5, 21), (21, 21)]  # Lead, then Contact; recordCount counts the live ones


def test_the_report_page_draws_a_real_scan_directory(
    result: sfclean.ScanResult, tmp_path: Path
) -> None:
    write_result(result, tmp_path)
    page = sfclean.write_report_html(tmp_path).read_text(encoding="utf-8")
    assert "sfclean scan" in page and "Why the duplicates got in" in page
    assert "cause-excluded-creator" in page and SYNC in page
