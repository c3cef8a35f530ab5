"""sfclean.run against localorg: the pipeline's outputs, conservation, dry run, budget, and a
rerun after a crash at every journal event (no row lost, no duplicate in the org)."""

from __future__ import annotations

import contextlib
import itertools
import json
import tempfile
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sfclean
from sfclean.errors import BudgetExceeded, ConfigError, InputError
from sfclean.journal import Journal, replay
from sfclean.localorg.ids import IdFactory
from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED
from sfclean.pipeline import run

NO_RULES: dict[str, Any] = {**SMALL_SEED, "duplicateRules": []}
_TAGS = itertools.count()


class Crash(Exception):
    """Stands for the process dying at a journal event."""


class CrashingJournal(Journal):
    """A Journal that dies at its ``nth`` ``event``, before or after writing it."""

    def __init__(self, out_dir: Path, event: str, nth: int = 1, *, after: bool = False) -> None:
        super().__init__(out_dir)
        self.event, self.nth, self.after, self.seen = event, nth, after, 0

    def _at(self, event: str, write: Callable[[], None]) -> None:
        hit = False
        if event == self.event:
            self.seen += 1
            hit = self.seen == self.nth
        if hit and not self.after:
            raise Crash(event)
        write()
        if hit and self.after:
            raise Crash(event)

    def job_started(self, job_id: str, api: str) -> None:
        self._at("job_started", lambda: Journal.job_started(self, job_id, api))

    def batch_posting(self, job_id: str, rows: Any) -> None:
        self._at("batch_posting", lambda: Journal.batch_posting(self, job_id, rows))

    def batch_posted(self, job_id: str, batch_id: str, rows: Any, **kwargs: Any) -> None:
        self._at(
            "batch_posted", lambda: Journal.batch_posted(self, job_id, batch_id, rows, **kwargs)
        )

    def batch_collected(self, job_id: str, batch_id: str, **kwargs: Any) -> None:
        self._at(
            "batch_collected", lambda: Journal.batch_collected(self, job_id, batch_id, **kwargs)
        )

    def job_closed(self, job_id: str) -> None:
        self._at("job_closed", lambda: Journal.job_closed(self, job_id))

    def completed(self) -> None:
        self._at("completed", lambda: Journal.completed(self))


def crashing(out: Path, event: str, nth: int = 1, *, after: bool = False) -> Journal:
    """A journal in ``out`` that dies at the ``nth`` ``event``, before or after writing it."""
    return CrashingJournal(out, event, nth, after=after)


def rerun(source: Path, conn: sfclean.Connection, **options: Any) -> sfclean.RunResult:
    """The rerun after a crash. When the crash came after report.json was written, the
    outputs are complete and the rerun is refused; with overwrite it reports them again."""
    if (Path(options["out_dir"]) / "report.json").exists():
        assert_conserved(Path(options["out_dir"]), pd.read_csv(source).shape[0])
        with pytest.raises(ConfigError, match="holds a finished run"):
            run(source, conn, **options)
        options = {**options, "overwrite": True}
    return run(source, conn, **options)


def connect(org: LocalOrg) -> sfclean.Connection:
    return sfclean.connect(
        instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
    )


def write_input(tmp_path: Path, n: int = 5, *, extra: list[dict[str, str]] | None = None) -> Path:
    rows = [
        {"LastName": f"Last{i}", "Company": f"Co {i}", "Email": f"person{i}@example.com"}
        for i in range(n)
    ]
    rows.extend(extra or [])
    path = tmp_path / "leads.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def lead_emails(conn: sfclean.Connection) -> list[str]:
    return sorted(str(r["Email"]).lower() for r in conn.query_all_iter("SELECT Email FROM Lead"))


def outputs(out: Path) -> dict[str, pd.DataFrame]:
    names = ("rejected", "excluded", "loaded", "failed", "clean")
    return {n: pd.read_csv(out / f"{n}.csv", dtype=str, keep_default_na=False) for n in names}


def assert_conserved(out: Path, n_in: int) -> list[int]:
    """The row numbers found across rejected / excluded / loaded / failed; report says ok."""
    files = outputs(out)
    rows: list[int] = []
    for name in ("rejected", "excluded", "loaded", "failed"):
        rows.extend(int(r) for r in files[name]["sfclean_row"])
    report = json.loads((out / "report.json").read_text())
    assert report["conservation"]["ok"] is True
    assert report["rows"]["in"] == n_in
    return rows


def inserts(requests: list[Any]) -> list[Any]:
    """Requests that can create records: Bulk 1.0 / 2.0 ingest and sObject Collections."""
    return [
        r
        for r in requests
        if r.path.startswith("/services/async/")
        or "/jobs/ingest" in r.path
        or r.path.endswith("/composite/sobjects")
    ]


# --- the pipeline --------------------------------------------------------------------------------


def test_run_chains_the_stages_and_accounts_for_every_row(
    localorg: LocalOrg, tmp_path: Path
) -> None:
    extra = [
        {"LastName": "Dup", "Company": "X", "Email": "PERSON0@example.com"},  # in-file duplicate
        {"LastName": "Curie", "Company": "R", "Email": "marie@example.com"},  # exists in org
        {"LastName": "Bad", "Company": "X", "Email": "not-an-email"},
        {"LastName": "NoCo", "Company": "", "Email": "noco@example.com"},  # held by pre-flight
    ]
    conn = connect(localorg)
    out = tmp_path / "out"
    result = run(write_input(tmp_path, 3, extra=extra), conn, object_name="Lead", out_dir=out)
    rows = assert_conserved(out, 7)
    assert sorted(rows) == list(range(2, 9))
    assert result.report.rows.to_dict() == {
        "in": 7,
        "rejected": 3,
        "excluded": 1,
        "loaded": 3,
        "failed": 0,
    }
    assert set(result.tables["rejected.csv"]["sfclean_reason"]) == {
        "duplicate-in-file",
        "invalid-email",
        "missing-required-field",
    }
    assert result.tables["excluded.csv"]["sfclean_reason"].tolist() == ["exists-in-org"]
    assert result.tables["failed.csv"].empty  # the org refuses nothing pre-flight could tell
    loaded = pd.read_csv(out / "loaded.csv", dtype=str)
    assert loaded.columns.tolist() == ["Id", "LastName", "Company", "Email", "sfclean_row"]
    assert result.kept["sfclean_row"].tolist() == loaded["sfclean_row"].astype(int).tolist()
    held = result.held_back
    assert held["sfclean_row"].is_monotonic_increasing  # every row not loaded, by row number
    assert held["sfclean_reason"].value_counts().to_dict() == {
        "duplicate-in-file": 1,
        "invalid-email": 1,
        "exists-in-org": 1,
        "missing-required-field": 1,
    }
    assert lead_emails(conn).count("person0@example.com") == 1
    assert (out / "run.jsonl").exists()
    assert replay(out / "run.jsonl").status == "completed"  # type: ignore[union-attr]
    report = result.report
    assert report.api_calls["load"] == report.stages.load["api_calls"] > 0
    assert set(report.timings) == {"collect", "normalize", "exclude", "preflight", "load"}
    assert json.loads((out / "report.json").read_text()) == json.loads(json.dumps(report.to_dict()))


def test_dry_run_writes_nothing_to_the_org(localorg: LocalOrg, tmp_path: Path) -> None:
    conn = connect(localorg)
    out = tmp_path / "out"
    before = len(localorg.requests)
    result = run(write_input(tmp_path, 4), conn, object_name="Lead", out_dir=out, dry_run=True)
    assert not inserts(localorg.requests[before:])
    assert len(pd.read_csv(out / "clean.csv")) == 4
    assert result.report.rows.clean == 4
    assert result.report.load_estimate == 1 + 3 + 2
    assert not (out / "run.jsonl").exists()
    assert "person0@example.com" not in lead_emails(conn)


def test_budget_refuses_before_any_write(localorg: LocalOrg, tmp_path: Path) -> None:
    conn = connect(localorg)
    localorg.faults.set_api_limit(localorg.api_calls + 10)
    before = len(localorg.requests)
    with pytest.raises(BudgetExceeded, match="API calls"):
        run(
            write_input(tmp_path, 4),
            conn,
            object_name="Lead",
            out_dir=tmp_path / "out",
            api_reserve=0.5,
        )
    assert not inserts(localorg.requests[before:])


def lookups(requests: list[Any]) -> list[Any]:
    """Requests that search the org's records: queries, Composite calls, Bulk query jobs."""
    return [
        r
        for r in requests
        if "/query" in r.path or r.path.endswith("/composite") or "/jobs/query" in r.path
    ]


@pytest.mark.parametrize("strategy", ["auto", "query", "extract"])
def test_the_budget_is_checked_before_the_org_is_searched(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path, strategy: str
) -> None:
    org = localorg_factory(NO_RULES)
    conn = connect(org)
    # 8 calls left: the record counts and limits/ reads take 2; the lookup and the load of
    # 4 rows (describe, job, 1 batch, close, poll, results = 6) need more than the other 6
    org.faults.set_api_limit(org.api_calls + 8)
    before = len(org.requests)
    with pytest.raises(BudgetExceeded, match="API calls"):
        run(
            write_input(tmp_path, 4),
            conn,
            object_name="Lead",
            out_dir=tmp_path / "out",
            strategy=strategy,
            api_reserve=0.0,
        )
    seen = org.requests[before:]
    assert not lookups(seen)
    assert not inserts(seen)
    paths = [r.path.rstrip("/").rsplit("/", 1)[-1] for r in seen]
    assert paths == ["describe", "recordCount", "limits"]  # the load's describe comes first


def test_the_report_sets_the_estimate_beside_the_calls_spent(
    localorg: LocalOrg, tmp_path: Path
) -> None:
    conn = connect(localorg)
    result = run(write_input(tmp_path, 4), conn, object_name="Lead", out_dir=tmp_path / "out")
    estimate, spent = result.report.estimate, result.report.api_calls
    assert estimate.to_dict() == {"collect": 0, "exclude": 2, "load": 6, "total": 8}
    # the load's describe (in its estimate) is made first, to check the object
    assert (spent["describe"], spent["exclude"], spent["load"], spent["budget"]) == (1, 2, 5, 2)
    budget = result.report.stages.budget
    assert budget.estimate == 8 and budget.available is not None and budget.available >= 8


def test_a_budget_that_fits_only_the_lookup_still_allows_a_dry_run(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(NO_RULES)
    conn = connect(org)
    org.faults.set_api_limit(org.api_calls + 6)  # counts + limits + lookup (2) fit; a load not
    result = run(
        write_input(tmp_path, 4),
        conn,
        object_name="Lead",
        out_dir=tmp_path / "out",
        dry_run=True,
        api_reserve=0.0,
    )
    budget = result.report.stages.budget
    assert budget.estimate == 2
    assert budget.exceeded is not None
    assert budget.exceeded.startswith("a real run would need about 8 API calls but only ")
    assert result.report.rows.clean == 4


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_finished_runs_outputs_are_never_replaced_unasked(
    localorg: LocalOrg, tmp_path: Path, dry_run: bool
) -> None:
    conn = connect(localorg)
    source, out = write_input(tmp_path, 4), tmp_path / "out"
    run(source, conn, object_name="Lead", out_dir=out)
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    before = len(localorg.requests)
    with pytest.raises(ConfigError) as caught:
        run(source, conn, object_name="Lead", out_dir=out, dry_run=dry_run)
    assert str(caught.value) == (
        f"{out} holds a finished run (report.json); choose a new --out directory, or pass "
        "overwrite=True to replace its outputs"
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == files
    assert len(localorg.requests) == before  # refused before the org is asked anything


def test_a_completed_run_reruns_without_writing(localorg: LocalOrg, tmp_path: Path) -> None:
    conn = connect(localorg)
    source, out = write_input(tmp_path, 4), tmp_path / "out"
    first = run(source, conn, object_name="Lead", out_dir=out)
    before = len(localorg.requests)
    second = run(source, conn, object_name="Lead", out_dir=out, overwrite=True)
    assert not inserts(localorg.requests[before:])
    assert second.report.rows == first.report.rows
    assert second.kept["Id"].tolist() == first.kept["Id"].tolist()


def test_an_unfinished_run_of_another_input_is_not_overwritten(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(NO_RULES)
    conn, out = connect(org), tmp_path / "out"
    with pytest.raises(Crash):
        run(
            write_input(tmp_path, 3),
            conn,
            object_name="Lead",
            out_dir=out,
            journal=crashing(out, "batch_collected"),
        )
    other = tmp_path / "other.csv"
    pd.DataFrame([{"LastName": "O", "Company": "C", "Email": "o@example.com"}]).to_csv(
        other, index=False
    )
    with pytest.raises(ConfigError, match="unfinished run of another input"):
        run(other, conn, object_name="Lead", out_dir=out)


def second_org(factory: Callable[..., LocalOrg]) -> LocalOrg:
    """Another org. localorg mints the same Organization Id in every fresh org (its Id counter
    starts at 1 each time), which real orgs never share: give this one an Id of its own."""
    org = factory(NO_RULES)
    org.org_id = IdFactory(pod="zz").new("00D")
    return org


def test_a_completed_run_against_another_org_starts_afresh(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org_a, org_b = localorg_factory(NO_RULES), second_org(localorg_factory)
    conn_a, conn_b = connect(org_a), connect(org_b)
    assert conn_a.org_id != conn_b.org_id
    source, out = write_input(tmp_path, 3), tmp_path / "out"
    run(source, conn_a, object_name="Lead", out_dir=out)
    result = run(source, conn_b, object_name="Lead", out_dir=out, overwrite=True)
    assert result.report.resumed is False
    assert result.report.rows.loaded == 3
    expected = [f"person{i}@example.com" for i in range(3)]
    assert [e for e in lead_emails(conn_b) if e.startswith("person")] == expected
    in_b = {str(r["Id"]) for r in conn_b.query_all_iter("SELECT Id FROM Lead")}
    assert set(pd.read_csv(out / "loaded.csv", dtype=str)["Id"]) <= in_b
    journal = replay(out / "run.jsonl").to_dict()  # type: ignore[union-attr]
    assert journal["org"] == {"id": org_b.org_id, "instance_url": org_b.instance_url}
    assert journal["status"] == "completed"


def test_an_unfinished_run_against_another_org_is_refused(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org_a, org_b = localorg_factory(NO_RULES), second_org(localorg_factory)
    conn_a, conn_b = connect(org_a), connect(org_b)
    source, out = write_input(tmp_path, 3), tmp_path / "out"
    options: dict[str, Any] = {"object_name": "Lead", "out_dir": out}
    with pytest.raises(Crash):
        run(source, conn_a, journal=crashing(out, "batch_collected"), **options)
    before = len(org_b.requests)
    with pytest.raises(ConfigError) as caught:
        run(source, conn_b, **options)
    assert str(caught.value) == (
        f"{out} holds an unfinished run against another org (org {org_a.org_id} at "
        f"{org_a.instance_url}); use a new --out or finish that run"
    )
    assert not inserts(org_b.requests[before:])
    assert not [e for e in lead_emails(conn_b) if e.startswith("person")]
    finished = run(source, conn_a, **options)  # the org that started it can finish it
    assert finished.report.resumed is True
    assert finished.report.rows.loaded == 3


@pytest.mark.parametrize(
    ("option", "value", "error", "message"),
    [
        ("api", "bulk3", ConfigError, "api must be one of"),
        ("strategy", "fastest", ConfigError, "strategy must be"),
        ("batch_size", 0, ConfigError, "batch_size must be"),
        ("api_reserve", 1.0, ConfigError, "--api-reserve"),
        ("column", "Id", InputError, "column Id is reserved"),
        ("strategy+provider", "query", ConfigError, "cannot match the provider key"),
    ],
)
def test_bad_options_stop_the_run_before_the_org_is_used(
    localorg: LocalOrg, tmp_path: Path, option: str, value: Any, error: type, message: str
) -> None:
    conn = connect(localorg)
    extra = [{"LastName": "X", "Company": "C", "Email": "x@example.com", "Id": ""}]
    source = write_input(tmp_path, 2, extra=extra if option == "column" else None)
    options: dict[str, Any] = {option: value}
    if option == "column":
        options = {}
    elif option == "strategy+provider":
        options = {"strategy": value, "normalize_options": {"match_key": "provider"}}
    before = len(localorg.requests)
    with pytest.raises(error, match=message):
        run(source, conn, object_name="Lead", out_dir=tmp_path / "out", **options)
    assert localorg.requests[before:] == []
    assert not (tmp_path / "out" / "run.jsonl").exists()


def test_a_journal_kept_elsewhere_than_out_dir_is_refused(
    localorg: LocalOrg, tmp_path: Path
) -> None:
    conn = connect(localorg)
    with pytest.raises(
        ConfigError, match=r"journal= keeps its journal in .*; pass Journal\(out_dir\)"
    ):
        run(
            write_input(tmp_path, 1),
            conn,
            object_name="Lead",
            out_dir=tmp_path / "out",
            journal=Journal(tmp_path / "elsewhere"),
        )
    assert not (tmp_path / "out").exists() and not (tmp_path / "elsewhere").exists()


def test_a_new_run_that_fails_leaves_no_report_of_the_previous_one(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(NO_RULES)
    conn, out = connect(org), tmp_path / "out"
    run(write_input(tmp_path, 2), conn, object_name="Lead", out_dir=out)
    assert (out / "report.json").exists()
    other = tmp_path / "other.csv"
    pd.DataFrame([{"LastName": "O", "Company": "C", "Email": "o@example.com"}]).to_csv(
        other, index=False
    )
    with pytest.raises(Crash):
        run(
            other,
            conn,
            object_name="Lead",
            out_dir=out,
            journal=crashing(out, "job_started"),
            overwrite=True,
        )
    assert not (out / "report.json").exists()  # the old report does not pass for this run
    result = run(other, conn, object_name="Lead", out_dir=out)
    report = json.loads((out / "report.json").read_text())
    assert report["input"]["sha256"] == result.report.input.sha256
    assert report["rows"]["loaded"] == 1


@pytest.mark.parametrize("same_input", [True, False])
def test_a_refused_run_leaves_the_out_directory_as_it_was(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path, same_input: bool
) -> None:
    org = localorg_factory(NO_RULES)
    conn, out = connect(org), tmp_path / "out"
    in_org = {"LastName": "Curie", "Company": "R", "Email": "marie@example.com"}
    source = write_input(tmp_path, 2, extra=[in_org])  # a rerun looks the excluded row up again
    run(source, conn, object_name="Lead", out_dir=out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    other = tmp_path / "other.csv"
    pd.DataFrame([{"LastName": "O", "Company": "C", "Email": "o@example.com"}]).to_csv(
        other, index=False
    )
    org.faults.set_api_limit(org.api_calls + 3)
    with pytest.raises(BudgetExceeded):
        run(
            source if same_input else other,
            conn,
            object_name="Lead",
            out_dir=out,
            api_reserve=0.0,
            overwrite=True,
        )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_run_stops_same_file_duplicates_that_load_alone_lets_in(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(NO_RULES)
    conn = connect(org)
    twin = {"LastName": "Twin", "Company": "T", "Email": "Twin@Example.com "}
    result = run(
        write_input(tmp_path, 1, extra=[twin, twin]),
        conn,
        object_name="Lead",
        out_dir=tmp_path / "out",
    )
    assert result.tables["rejected.csv"]["sfclean_reason"].tolist() == ["duplicate-in-file"]
    assert lead_emails(conn).count("twin@example.com") == 1


KINDS = st.sampled_from(["new", "in-org", "invalid", "twin", "no-company"])


@given(kinds=st.lists(KINDS, min_size=1, max_size=10), api=st.sampled_from(["bulk", "rest"]))
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_input_row_lands_in_exactly_one_output(
    localorg: LocalOrg, kinds: list[str], api: str
) -> None:
    conn = connect(localorg)
    tag = next(_TAGS)
    rows = []
    for i, kind in enumerate(kinds):
        email = {
            "new": f"p{tag}.{i}@example.com",
            "in-org": "emmy@example.com",
            "invalid": "nobody-at-example.com",
            "twin": f"twin{tag}@example.com",
        }.get(kind, f"q{tag}.{i}@example.com")
        company = "" if kind == "no-company" else "Co"
        rows.append({"LastName": f"L{i}", "Company": company, "Email": email})
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.csv"
        pd.DataFrame(rows).to_csv(source, index=False)
        run(source, conn, object_name="Lead", out_dir=Path(tmp) / "out", api=api)
        found = assert_conserved(Path(tmp) / "out", len(kinds))
    assert sorted(found) == list(range(2, len(kinds) + 2))


# --- rerun after a crash -------------------------------------------------------------------------

# (api, event, nth, after): a crash before or after writing that journal event. Whatever the
# org received, the rerun recognises the run's own records (issue 12 point 2): a Bulk 1.0
# batch the journal never recorded is found in the job's batch list (its rows were journaled
# as "posting"), an unanswered REST call's records by creator and time. None ends excluded.
CRASHES = [
    ("bulk", "job_started", 1, False),
    ("bulk", "job_started", 1, True),
    ("bulk", "batch_posting", 1, False),
    ("bulk", "batch_posting", 2, False),
    ("bulk", "batch_posting", 1, True),
    ("bulk", "batch_posted", 1, False),
    ("bulk", "batch_posted", 2, False),
    ("bulk", "batch_posted", 2, True),
    ("bulk", "job_closed", 1, False),
    ("bulk", "job_closed", 1, True),
    ("bulk", "batch_collected", 1, False),
    ("bulk", "batch_collected", 2, True),
    ("bulk", "completed", 1, False),
    ("bulk2", "job_started", 2, False),
    ("bulk2", "batch_posted", 1, False),
    ("bulk2", "batch_posted", 2, True),
    ("bulk2", "job_closed", 2, False),
    ("bulk2", "batch_collected", 1, False),
    ("rest", "job_started", 1, True),
    ("rest", "batch_posted", 1, True),
    ("rest", "batch_collected", 1, False),
    ("rest", "job_closed", 1, False),
]


@pytest.mark.parametrize(("api", "event", "nth", "after"), CRASHES)
def test_rerun_after_a_crash_loses_no_row_and_creates_no_duplicate(
    localorg_factory: Callable[..., LocalOrg],
    tmp_path: Path,
    api: str,
    event: str,
    nth: int,
    after: bool,
) -> None:
    org = localorg_factory(NO_RULES)  # no duplicate rule: only sfclean stands in the way
    conn = connect(org)
    source, out = write_input(tmp_path), tmp_path / "out"
    options: dict[str, Any] = {"object_name": "Lead", "out_dir": out, "api": api, "batch_size": 2}
    with pytest.raises(Crash):
        run(source, conn, journal=crashing(out, event, nth, after=after), **options)
    result = rerun(source, conn, **options)
    rows = assert_conserved(out, 5)
    assert sorted(rows) == [2, 3, 4, 5, 6]
    assert result.tables["failed.csv"].empty
    assert len(result.tables["loaded.csv"]) == 5
    assert result.tables["excluded.csv"].empty  # no own record reported as exists-in-org
    assert result.tables["loaded.csv"]["Id"].str.len().eq(18).all()
    nothing_journaled = (event, nth, after) == ("job_started", 1, False)
    assert result.report.resumed is not nothing_journaled
    expected = sorted(f"person{i}@example.com" for i in range(5))
    assert [e for e in lead_emails(conn) if e.startswith("person")] == expected


EVENTS = st.sampled_from(
    ["job_started", "batch_posting", "batch_posted", "job_closed", "batch_collected"]
)


@given(
    kinds=st.lists(KINDS, min_size=1, max_size=8),
    api=st.sampled_from(["bulk", "bulk2", "rest"]),
    event=EVENTS,
    nth=st.integers(1, 3),
    after=st.booleans(),
)
@settings(max_examples=8, deadline=None)
def test_a_crash_anywhere_then_a_rerun_accounts_for_every_row_once(
    kinds: list[str], api: str, event: str, nth: int, after: bool
) -> None:
    rows = []
    for i, kind in enumerate(kinds):
        email = {
            "new": f"p{i}@example.com",
            "in-org": "emmy@example.com",
            "invalid": "nobody-at-example.com",
            "twin": "twin@example.com",
        }.get(kind, f"q{i}@example.com")
        rows.append({"LastName": f"L{i}", "Company": "" if kind == "no-company" else "Co"})
        rows[-1]["Email"] = email
    with LocalOrg(NO_RULES) as org, tempfile.TemporaryDirectory() as tmp:
        conn = connect(org)
        source, out = Path(tmp) / "in.csv", Path(tmp) / "out"
        pd.DataFrame(rows).to_csv(source, index=False)
        options: dict[str, Any] = {"object_name": "Lead", "out_dir": out, "api": api}
        options["batch_size"] = 2
        with contextlib.suppress(Crash):
            run(source, conn, journal=crashing(out, event, nth, after=after), **options)
        result = rerun(source, conn, **options)
        found = assert_conserved(out, len(kinds))
        emails = [e for e in lead_emails(conn) if e.endswith("@example.com")]
    assert sorted(found) == list(range(2, len(kinds) + 2))
    assert len(emails) == len(set(emails))  # nothing inserted twice
    checked = int(result.report.stages.preflight["rows_held_back"])
    assert len(result.tables["loaded.csv"]) + len(result.tables["failed.csv"]) + len(
        result.tables["excluded.csv"]
    ) + checked == len(result.tables["clean.csv"])


def test_own_records_are_only_those_the_session_user_created_since_the_start(
    localorg: LocalOrg, tmp_path: Path
) -> None:
    from datetime import datetime, timedelta

    from sfclean.stages.loaders import own_records
    from sfclean.stages.loadjobs import OwnRecords

    conn = connect(localorg)
    conn.identify()
    created = conn.sf.Lead.create({"LastName": "Own", "Company": "Co", "Email": "own@example.com"})
    now = datetime.now(UTC)
    emails = {2: "OWN@example.com", 3: "emmy@example.com", 4: "nobody@example.com"}
    found = own_records(conn, "Lead", [2, 3, 4], OwnRecords(emails, conn.user_id, now.isoformat()))
    assert {r: o.id for r, o in found.items()} == {2: created["id"]}  # emmy: seeded before
    later = (now + timedelta(hours=1)).isoformat()
    assert own_records(conn, "Lead", [2], OwnRecords(emails, conn.user_id, later)) == {}
    other_user = "005000000000000AAA"
    assert own_records(conn, "Lead", [2], OwnRecords(emails, other_user, now.isoformat())) == {}
