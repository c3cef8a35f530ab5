"""sfclean.load against localorg through the real clients (salesforce-bulk subclass, sf.bulk2,
sObject Collections): the duplicate-rule header, per-row outcomes, faults, API-call cost."""

from __future__ import annotations

import ast
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sfclean
import sfclean.salesforce
from sfclean.errors import AuthError, ConfigError, LoadTimeout
from sfclean.journal import JournalBatch, JournalJob
from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED
from sfclean.salesforce import chunk_records
from sfclean.stages.load import LoadResult, estimate_load_calls, load
from sfclean.stages.loaders import estimate_collect_calls

APIS = ["bulk", "bulk2", "rest"]
HEADER = "Sforce-Duplicate-Rule-Header"
NO_RULES: dict[str, Any] = {**SMALL_SEED, "duplicateRules": []}
_unique = itertools.count()


def connect(org: LocalOrg) -> sfclean.Connection:
    return sfclean.connect(
        instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
    )


def leads(n: int, *, prefix: str = "new", **extra: list[str]) -> pd.DataFrame:
    """``n`` valid new Leads with unique emails."""
    tag = next(_unique)
    frame = pd.DataFrame(
        {
            "LastName": [f"Last{i}" for i in range(n)],
            "Company": [f"Co {i}" for i in range(n)],
            "Email": [f"{prefix}{tag}.{i}@example.com" for i in range(n)],
        }
    )
    for column, values in extra.items():
        frame[column] = values
    return frame


def org_emails(conn: sfclean.Connection, object_name: str = "Lead") -> list[str]:
    return [
        str(r["Email"]).lower() for r in conn.query_all_iter(f"SELECT Email FROM {object_name}")
    ]


def is_insert_request(path: str) -> bool:
    return (
        path.startswith("/services/async/")
        or "/jobs/ingest" in path
        or path.endswith("/composite/sobjects")
    )


def check_conservation(df: pd.DataFrame, result: LoadResult) -> None:
    rows = sorted([*result.kept["sfclean_row"], *result.held_back["sfclean_row"]])
    assert rows == list(range(2, len(df) + 2))


# --- the header, outcomes and rules ----------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_header_is_on_every_insert_request(localorg: LocalOrg, api: str) -> None:
    conn = connect(localorg)
    localorg.faults.slow_bulk(0.1)  # several polls per batch
    result = load(leads(5), conn, object_name="Lead", api=api, batch_size=2)
    sent = [r for r in localorg.requests if is_insert_request(r.path)]
    assert len(result.kept) == 5
    assert len(sent) >= (1 if api == "rest" else 4)
    assert {r.header(HEADER) for r in sent} == {"allowSave=false"}
    if api == "bulk":
        kinds = {(r.method, r.path.rsplit("/", 1)[-1]) for r in sent}
        assert {("POST", "job"), ("POST", "batch"), ("GET", "batch"), ("GET", "result")} <= kinds


@pytest.mark.parametrize("api", APIS)
def test_block_rule_row_fails_as_rejected_by_duplicate_rule(localorg: LocalOrg, api: str) -> None:
    conn = connect(localorg)
    df = leads(2)
    df.loc[1, "Email"] = "MARIE@example.com"  # an existing Lead; the Lead rule blocks
    result = load(df, conn, object_name="Lead", api=api)
    check_conservation(df, result)
    assert list(result.kept["sfclean_row"]) == [2]
    failed = result.held_back.iloc[0]
    assert failed["sfclean_row"] == 3
    assert failed["sfclean_reason"] == "rejected-by-duplicate-rule"
    assert failed["sfclean_code"] == "DUPLICATES_DETECTED"
    assert failed["sfclean_message"] == "This lead already exists."
    assert org_emails(conn).count("marie@example.com") == 1
    new_id = result.kept.set_index("sfclean_row").loc[2, "Id"]
    assert [r["Id"] for r in conn.query_all_iter(f"SELECT Id FROM Lead WHERE Id = '{new_id}'")]


@pytest.mark.parametrize("api", ["bulk", "bulk2"])
def test_allow_with_alert_rule_fails_rows_on_bulk(localorg: LocalOrg, api: str) -> None:
    conn = connect(localorg)
    df = pd.DataFrame({"LastName": ["Byron", "New"], "Email": ["ada@example.com", "x@y.org"]})
    result = load(df, conn, object_name="Contact", api=api)
    assert result.held_back["sfclean_reason"].tolist() == ["rejected-by-duplicate-rule"]
    assert result.held_back["sfclean_message"].tolist() == ["Use one of these records?"]
    assert org_emails(conn, "Contact").count("ada@example.com") == 1


@pytest.mark.parametrize("api", APIS)
def test_load_alone_lets_same_batch_duplicates_in(localorg: LocalOrg, api: str) -> None:
    conn = connect(localorg)
    df = leads(2)
    df.loc[1, "Email"] = df.loc[0, "Email"]
    result = load(df, conn, object_name="Lead", api=api)
    assert len(result.kept) == 2  # Salesforce does not compare records of one batch
    assert org_emails(conn).count(df.loc[0, "Email"]) == 2


@pytest.mark.parametrize(
    ("df", "expected"),
    [
        (pd.DataFrame({"lastname": ["A"], "COMPANY": ["C"], "Notes": ["n"]}), ["Notes"]),
        (pd.DataFrame({"LastName": ["A"], "Company": ["C"], "IsDeleted": ["x"]}), ["IsDeleted"]),
    ],
)
def test_only_createable_fields_are_sent(
    localorg: LocalOrg, df: pd.DataFrame, expected: list[str]
) -> None:
    result = load(df, connect(localorg), object_name="Lead", api="rest")
    assert result.summary().not_loaded == expected
    assert len(result.kept) == 1


def test_no_createable_column_is_a_config_error(localorg: LocalOrg) -> None:
    with pytest.raises(ConfigError, match="no column of the table is a createable field"):
        load(pd.DataFrame({"Foo": ["x"]}), connect(localorg), object_name="Lead")


def test_empty_table_costs_nothing(localorg: LocalOrg) -> None:
    conn = connect(localorg)
    before = localorg.api_calls
    result = load(leads(0), conn, object_name="Lead")
    assert (len(result.kept), len(result.held_back), result.api_calls) == (0, 0, 0)
    assert localorg.api_calls == before


# --- faults --------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["bulk", "bulk2"])
def test_failed_batch_fails_every_row_in_it(localorg: LocalOrg, api: str) -> None:
    conn = connect(localorg)
    localorg.faults.fail_next_batch("InvalidBatch : injected")
    df = leads(4)
    result = load(df, conn, object_name="Lead", api=api, batch_size=2)
    check_conservation(df, result)
    assert result.held_back["sfclean_row"].tolist() == [2, 3]
    assert set(result.held_back["sfclean_code"]) == {"BATCH_FAILED"}
    assert set(result.held_back["sfclean_reason"]) == {"load-failed"}
    assert set(result.held_back["sfclean_message"]) == {"InvalidBatch : injected"}
    assert list(result.kept["sfclean_row"]) == [4, 5]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_dropped_connection_on_bulk1_is_recovered(localorg: LocalOrg, method: str) -> None:
    conn = connect(localorg)
    localorg.faults.slow_bulk(0.2)
    localorg.faults.drop(path=r"/batch$", method=method, times=1)
    df = leads(3)
    result = load(df, conn, object_name="Lead")
    assert any(r.status is None for r in localorg.requests)  # the drop happened
    assert len(result.kept) == 3
    emails = org_emails(conn)
    assert all(emails.count(e) == 1 for e in df["Email"])  # posted exactly once


@pytest.mark.parametrize("api", APIS)
def test_expired_session_is_renewed_in_the_middle_of_a_load(localorg: LocalOrg, api: str) -> None:
    conn = sfclean.connect(
        username="loader@example.com",
        password="localorg",
        domain=localorg.instance_url,
        ca_bundle=localorg.ca_bundle,
    )
    localorg.faults.expire_sessions_after(1)  # the call after describe gets 401
    old = conn.session_id
    result = load(leads(3), conn, object_name="Lead", api=api)
    assert len(result.kept) == 3
    assert conn.session_id != old
    assert any(r.status == 401 for r in localorg.requests)


def test_expired_token_stops_a_bulk_load_with_an_auth_error(localorg: LocalOrg) -> None:
    conn = connect(localorg)
    localorg.faults.expire_sessions_after(1)
    with pytest.raises(AuthError, match="expired") as info:
        load(leads(1), conn, object_name="Lead")
    assert localorg.access_token not in str(info.value)


def test_dropped_connection_while_polling_bulk2_is_retried(localorg: LocalOrg) -> None:
    conn = connect(localorg)
    localorg.faults.slow_bulk(0.2)
    localorg.faults.drop(path=r"/jobs/ingest/[^/]+$", method="GET", times=1)
    result = load(leads(3), conn, object_name="Lead", api="bulk2")
    assert any(r.status is None and r.method == "GET" for r in localorg.requests)
    assert len(result.kept) == 3


def test_overall_timeout_raises_a_clear_error(localorg: LocalOrg) -> None:
    localorg.faults.hold_bulk()  # the batch never finishes, however slow the machine is
    with pytest.raises(LoadTimeout, match="still has 1 batch") as info:
        load(leads(1), connect(localorg), object_name="Lead", timeout=0.2)
    assert info.value.job_ids


def test_serial_job_is_created_serial(localorg: LocalOrg) -> None:
    result = load(leads(2), connect(localorg), object_name="Lead", serial=True)
    job = localorg.bulk.jobs1[result.jobs[0].job_id]
    assert job.concurrency == "Serial"


# --- cost ----------------------------------------------------------------------------------


def test_bulk1_costs_at_most_6_calls_per_10000_rows(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(NO_RULES)
    conn = connect(org)
    before = org.api_calls
    result = load(leads(10_000), conn, object_name="Lead")
    assert len(result.kept) == 10_000
    assert org.api_calls - before == result.api_calls <= 6
    assert result.api_calls == estimate_load_calls(10_000, api="bulk")


@pytest.mark.parametrize(
    ("api", "rows", "batch_size"), [("bulk", 5, 2), ("bulk2", 5, 2), ("rest", 450, 10_000)]
)
def test_estimate_matches_calls_when_batches_finish_quickly(
    localorg: LocalOrg, api: str, rows: int, batch_size: int
) -> None:
    conn = connect(localorg)
    before = localorg.api_calls
    result = load(leads(rows), conn, object_name="Lead", api=api, batch_size=batch_size)
    assert localorg.api_calls - before == result.api_calls
    assert result.api_calls == estimate_load_calls(rows, api=api, batch_size=batch_size)


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=300), max_size=60),
    max_records=st.integers(min_value=1, max_value=20),
    max_bytes=st.integers(min_value=50, max_value=3_000),
)
@settings(max_examples=50, deadline=None)
def test_chunks_cover_every_record_within_limits(
    sizes: list[int], max_records: int, max_bytes: int
) -> None:
    records = [{"Description": "x" * n} for n in sizes]
    chunks = list(chunk_records(records, max_records=max_records, max_bytes=max_bytes))
    assert [i for a, b in chunks for i in range(a, b)] == list(range(len(records)))
    for a, b in chunks:
        body = "[" + ",".join(json.dumps(r, ensure_ascii=False) for r in records[a:b]) + "]"
        assert b - a <= max_records
        assert b - a == 1 or len(body.encode()) <= max_bytes


# --- conservation ------------------------------------------------------------------------------

ROW_KINDS = st.sampled_from(["new", "existing", "no-company", "same-as-previous"])


@given(kinds=st.lists(ROW_KINDS, min_size=1, max_size=12), api=st.sampled_from(APIS))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_row_gets_exactly_one_outcome(localorg: LocalOrg, kinds: list[str], api: str) -> None:
    conn = connect(localorg)
    df = leads(len(kinds))
    for i, kind in enumerate(kinds):
        if kind == "existing":
            df.loc[i, "Email"] = "emmy@example.com"
        elif kind == "no-company":
            df.loc[i, "Company"] = ""
        elif kind == "same-as-previous" and i:
            df.loc[i, "Email"] = df.loc[i - 1, "Email"]
    result = load(df, conn, object_name="Lead", api=api, batch_size=5)
    check_conservation(df, result)
    assert (result.kept["Id"].str.len() == 18).all()
    for i, kind in enumerate(kinds):
        if kind == "existing":
            assert i + 2 in set(result.held_back["sfclean_row"])
        if kind == "new":
            assert i + 2 in set(result.kept["sfclean_row"])


# --- the Salesforce boundary ---------------------------------------------------------------------

STAGE_MODULES = [
    "stages/load.py",
    "stages/loadjobs.py",
    "stages/loaders.py",
    "stages/budget.py",
    "pipeline.py",
    "journal.py",
]


@pytest.mark.parametrize("module", STAGE_MODULES)
def test_stages_import_salesforce_names_from_the_package_only(module: str) -> None:
    source = Path(sfclean.__file__).parent / module
    tree = ast.parse(source.read_text(encoding="utf-8"))
    private = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("sfclean.salesforce._")
    ]
    private += [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.startswith("sfclean.salesforce._")
    ]
    assert private == []


def test_the_salesforce_package_exports_what_the_stages_use() -> None:
    exported = sfclean.salesforce.__all__
    assert len(set(exported)) == len(exported)
    for name in exported:
        assert getattr(sfclean.salesforce, name) is not None
        assert name in (sfclean.salesforce.__doc__ or ""), f"{name} is not documented"


def _job(api: str, closed: bool, *collected: bool) -> JournalJob:
    batches = tuple(JournalBatch(f"b{i}", (i,), c) for i, c in enumerate(collected))
    return JournalJob("j", api, closed, batches)


@pytest.mark.parametrize(
    ("jobs", "calls"),
    [
        ([], 0),
        ([_job("bulk", False)], 2),  # poll, close
        ([_job("bulk", False, False, False)], 4),  # poll, close, 2 results
        ([_job("bulk", True, True, False)], 2),  # poll, 1 result
        ([_job("bulk2", False, False)], 4),  # status, poll, 2 result files
        ([_job("bulk2", False)], 2),  # status, abort
        ([_job("rest", False, False)], 0),  # an unanswered call is not read again
        ([_job("bulk", True, False), _job("bulk2", True, False)], 2 + 4),
    ],
)
def test_collect_estimate(jobs: list[JournalJob], calls: int) -> None:
    assert estimate_collect_calls(jobs) == calls
