"""Issue 12 points 3 to 7: full disks, finished runs, retrying failed batches, leftovers of a
killed run, dropped GETs, oversized cells. Each against a local org over HTTPS, through the
CLI where the user would see the message."""

from __future__ import annotations

import errno
import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

import sfclean
import sfclean.journal
from sfclean.cli import cli
from sfclean.errors import WriteError
from sfclean.journal import JOURNAL_FILE
from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED
from sfclean.salesforce import Bulk1Client

NO_RULES: dict[str, Any] = {**SMALL_SEED, "duplicateRules": []}
REAL_WRITE = sfclean.journal._write_file


@pytest.fixture
def org(localorg_factory: Any) -> LocalOrg:
    return localorg_factory(NO_RULES)  # type: ignore[no-any-return]


def connect(org: LocalOrg) -> sfclean.Connection:
    return sfclean.connect(
        instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
    )


def write_input(tmp_path: Path, n: int = 5, prefix: str = "rel") -> Path:
    rows = [
        {"LastName": f"L{i}", "Company": "Co", "Email": f"{prefix}{i}@example.com"}
        for i in range(n)
    ]
    path = tmp_path / "in.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def invoke(org: LocalOrg, source: Path, out: Path, *args: str) -> Result:
    login = ["--instance-url", org.instance_url, "--access-token", org.access_token]
    login += ["--ca-bundle", str(org.ca_bundle)]
    command = ["run", str(source), "--object", "Lead", "--out", str(out), *login, *args]
    return CliRunner().invoke(cli, command)


def one_error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def emails_in_org(org: LocalOrg, prefix: str = "rel") -> list[str]:
    found = connect(org).query_all_iter("SELECT Email FROM Lead")
    return [str(r["Email"]) for r in found if str(r["Email"]).startswith(prefix)]


def rows_of(out: Path, name: str) -> list[int]:
    frame = pd.read_csv(out / name, dtype=str, keep_default_na=False)
    return [int(r) for r in frame["sfclean_row"]]


def assert_complete(out: Path, n: int) -> None:
    """Every input row in exactly one output; nothing of the run's own reported as existing."""
    found = [
        r
        for f in ("rejected.csv", "excluded.csv", "loaded.csv", "failed.csv")
        for r in rows_of(out, f)
    ]
    assert sorted(found) == list(range(2, n + 2))
    assert rows_of(out, "excluded.csv") == []
    assert json.loads((out / "report.json").read_text())["conservation"]["ok"] is True


def job_states(org: LocalOrg) -> dict[str, str]:
    """State of every Bulk 1.0 / 2.0 job the org saw created."""
    conn = connect(org)
    states: dict[str, str] = {}
    for request in list(org.requests):
        bulk1 = re.search(r"/services/async/[\d.]+/job/(\w{18})", request.path)
        bulk2 = re.search(r"/jobs/ingest/(\w{18})", request.path)
        if bulk1:
            states[bulk1.group(1)] = str(Bulk1Client(conn).job_status(bulk1.group(1))["state"])
        elif bulk2:
            answer = conn.request("GET", f"jobs/ingest/{bulk2.group(1)}").json()
            states[bulk2.group(1)] = str(answer["state"])
    return states


# --- point 3: a journal or output write that fails ------------------------------------------


def failing_writes(monkeypatch: pytest.MonkeyPatch, nth: int, code: int) -> None:
    """From its ``nth`` write on, the journal's disk is full (or read-only, or forbidden)."""
    calls = {"n": 0}
    real = sfclean.journal._write_file

    def write(fd: int, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] < nth:
            return real(fd, data)
        os.close(fd)
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(sfclean.journal, "_write_file", write)


@pytest.mark.parametrize(
    ("api", "nth", "code"),
    [
        ("bulk", 1, errno.ENOSPC),  # job_started: the job is aborted
        ("bulk", 3, errno.ENOSPC),  # batch_posted of the first batch: the job is closed
        ("bulk", 4, errno.EROFS),  # posting of the second batch
        ("bulk2", 2, errno.ENOSPC),  # batch_posted after the upload: the job is aborted
        ("bulk2", 4, errno.ENOSPC),  # the second job's job_started
        ("rest", 2, errno.EACCES),  # before the first call
        ("rest", 3, errno.ENOSPC),  # after the first call: its outcomes are lost
    ],
)
def test_a_journal_write_that_fails_leaves_no_open_job_and_the_rerun_resumes(
    org: LocalOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: str, nth: int, code: int
) -> None:
    conn, source, out = connect(org), write_input(tmp_path, 5), tmp_path / "out"
    options: dict[str, Any] = {"object_name": "Lead", "out_dir": out, "api": api, "batch_size": 2}
    failing_writes(monkeypatch, nth, code)
    with pytest.raises(WriteError) as caught:
        sfclean.run(source, conn, **options)
    assert str(caught.value).startswith(f"cannot write the journal {out / JOURNAL_FILE}")
    assert os.strerror(code) in str(caught.value)
    assert not (out / "report.json").exists()
    states = job_states(org)
    assert bool(states) is (api != "rest")
    assert all(s in ("Closed", "Aborted", "JobComplete") for s in states.values()), states
    monkeypatch.setattr(sfclean.journal, "_write_file", REAL_WRITE)
    result = sfclean.run(source, conn, **options)
    assert result.report.conservation.ok
    assert_complete(out, 5)
    assert sorted(emails_in_org(org)) == sorted(f"rel{i}@example.com" for i in range(5))


def test_the_cli_says_what_to_do_when_the_disk_is_full(
    org: LocalOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, out = write_input(tmp_path, 5), tmp_path / "out"
    failing_writes(monkeypatch, 3, errno.ENOSPC)
    line = one_error_line(invoke(org, source, out))
    assert line == (
        f"Error: cannot write the journal {out / JOURNAL_FILE} (No space left on device); free "
        f"space on that disk or make {out} writable, then rerun the same command: it resumes "
        "from the journal, and no row is sent twice"
    )
    monkeypatch.setattr(sfclean.journal, "_write_file", REAL_WRITE)
    again = invoke(org, source, out)
    assert again.exit_code == 0, again.output
    assert_complete(out, 5)


def test_an_output_write_that_fails_is_one_error_line_and_the_rerun_writes_them(
    org: LocalOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, out = write_input(tmp_path, 5), tmp_path / "out"
    real = Path.open

    def read_only(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if str(out) in str(self) and self.suffix == ".csv" and "w" in mode:  # an output CSV
            raise OSError(errno.EROFS, "Read-only file system")
        return real(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", read_only)
    line = one_error_line(invoke(org, source, out))
    assert "Read-only file system" in line and "rerun the same command" in line
    assert not (out / "report.json").exists()
    assert not list(out.glob(".sfclean-tmp-*"))
    monkeypatch.setattr(Path, "open", real)
    before = len(org.requests)
    again = invoke(org, source, out)
    assert again.exit_code == 0, again.output
    assert_complete(out, 5)
    assert rows_of(out, "loaded.csv") == [2, 3, 4, 5, 6]
    assert not [r for r in org.requests[before:] if r.method == "POST"]  # nothing sent again


# --- point 6: --retry-failed --------------------------------------------------------------------


def test_retry_failed_sends_again_only_the_rows_of_a_failed_batch(
    org: LocalOrg, tmp_path: Path
) -> None:
    conn, out = connect(org), tmp_path / "out"
    rows = [
        {"LastName": f"L{i}", "Company": "Co", "Email": f"rel{i}@example.com"} for i in range(4)
    ]
    rows.append({"LastName": "NoCo", "Company": "", "Email": "rel4@example.com"})  # pre-flight
    source = tmp_path / "in.csv"
    pd.DataFrame(rows).to_csv(source, index=False)
    options: dict[str, Any] = {"object_name": "Lead", "out_dir": out, "batch_size": 2}
    org.faults.fail_next_batch()  # the first batch (rows 2, 3) fails as a whole
    first = sfclean.run(source, conn, **options)
    failed = first.tables["failed.csv"].set_index("sfclean_row")["sfclean_code"].to_dict()
    assert failed == {2: "BATCH_FAILED", 3: "BATCH_FAILED"}
    rejected = first.tables["rejected.csv"].set_index("sfclean_row")["sfclean_reason"].to_dict()
    assert rejected == {6: "missing-required-field"}  # its own reason: never sent, nor retried
    assert sorted(emails_in_org(org)) == ["rel2@example.com", "rel3@example.com"]

    before = len(org.requests)
    again = invoke(org, source, out, "--retry-failed")  # the batch size does not matter now
    assert again.exit_code == 0, again.output
    sent = [r for r in org.requests[before:] if r.method == "POST" and r.path.endswith("/batch")]
    assert len(sent) == 1  # one batch: rows 2 and 3 only
    assert_complete(out, 5)
    assert rows_of(out, "loaded.csv") == [2, 3, 4, 5]
    assert rows_of(out, "failed.csv") == []
    assert rows_of(out, "rejected.csv") == [6]
    assert sorted(emails_in_org(org)) == sorted(f"rel{i}@example.com" for i in range(4))
    # without --retry-failed nothing is sent again (and the finished run is not replaced)
    assert invoke(org, source, out).exit_code == 1


def test_retry_failed_keeps_the_outcome_of_rows_that_failed_for_their_own_reason() -> None:
    from sfclean.runsteps import RunSteps

    class Held:  # the outcomes a journal holds: (row, id, reason, code, message)
        def outcomes(self) -> dict[int, tuple[int, str, str, str, str]]:
            return {
                2: (2, "", "load-failed", "BATCH_FAILED", "the batch failed"),
                3: (3, "", "load-failed", "NOT_PROCESSED", "never processed"),
                4: (4, "", "load-failed", "REQUIRED_FIELD_MISSING", "Company"),
                5: (5, "", "rejected-by-duplicate-rule", "DUPLICATES_DETECTED", "dup"),
                6: (6, "00Q000000000001AAA", "", "", ""),
            }

    def held(retry_failed: bool) -> list[int]:
        options: dict[str, Any] = {"options": {}, "progress": None, "journal": Held()}
        steps = RunSteps(
            None,  # type: ignore[arg-type]  # not used: the journal is read, not the org
            "Lead", "out", False, "bulk", "auto", 0.1, batch_size=2, serial=False,
            timeout=60.0, objects=("Lead",), retry_failed=retry_failed, **options,
        )  # fmt: skip
        return sorted(steps._journal_outcomes())

    assert held(False) == [2, 3, 4, 5, 6]
    assert held(True) == [4, 5, 6]  # only the whole-batch failures are sent again


# --- point 7: leftovers, dropped GETs, oversized cells ------------------------------------------


def test_the_temporary_files_of_a_killed_run_are_removed_by_the_next(
    org: LocalOrg, tmp_path: Path
) -> None:
    source, out = write_input(tmp_path, 3), tmp_path / "out"
    (out / ".sfclean-tmp-k1ll3d").mkdir(parents=True)
    (out / ".sfclean-tmp-k1ll3d" / "loaded.csv").write_text("half,a,file")
    (out / ".run-abc123.jsonl").write_text('{"e": "state"')
    (out / ".run-old.json").write_text("{")  # the journal's temporary file before issue 12
    (out / "notes.txt").write_text("mine")  # not ours: kept
    result = sfclean.run(source, connect(org), object_name="Lead", out_dir=out)
    assert result.report.rows.loaded == 3
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    assert hidden == []
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("path", ["/services/oauth2/userinfo", "/query"])
def test_a_dropped_rest_get_is_sent_again(org: LocalOrg, tmp_path: Path, path: str) -> None:
    conn = connect(org)
    org.faults.drop(path=path, method="GET", times=2)
    if path.endswith("userinfo"):
        assert conn.identify()["organization_id"] == org.org_id
    else:
        assert len(list(conn.query_all_iter("SELECT Id FROM Lead"))) >= 1
    assert not [r for r in org.faults._rules if r.kind == "drop" and r.times]  # both dropped


def test_a_dropped_write_is_not_sent_again(org: LocalOrg) -> None:
    conn = connect(org)
    org.faults.drop(path="/composite/sobjects", method="POST", times=1)
    before = len(emails_in_org(org, "drop"))
    with pytest.raises(sfclean.ConnectionFailed):
        conn.request(
            "POST",
            "composite/sobjects",
            json={
                "allOrNone": False,
                "records": [
                    {
                        "attributes": {"type": "Lead"},
                        "LastName": "D",
                        "Company": "C",
                        "Email": "drop@example.com",
                    }
                ],
            },
        )
    assert len(emails_in_org(org, "drop")) == before  # dropped before it was saved, not resent


@pytest.mark.parametrize("quoted", [False, True])
def test_an_oversized_cell_is_named_by_row_and_column(tmp_path: Path, quoted: bool) -> None:
    cell = "x" * 200_000
    path = tmp_path / "big.csv"
    body = f'"{cell}"' if quoted else cell
    path.write_text(f"Email,Description\na@example.com,short\nb@example.com,{body}\n")
    with pytest.raises(sfclean.InputError) as caught:
        sfclean.read_csv(path)
    assert str(caught.value) == (
        f"{path}: row 3, column 'Description' holds 200,000 characters, more than any "
        "Salesforce field takes (131,072); shorten it or leave that column out"
    )
    assert "quote" not in str(caught.value)


def test_an_unclosed_quote_that_swallows_the_file_is_still_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    rows = "".join(f"p{i}@example.com,row {i}\n" for i in range(20_000))
    path.write_text(f'Email,Description\na@example.com,"never closed\n{rows}')
    with pytest.raises(sfclean.InputError, match=r"row 2 .*a quote is opened and never closed"):
        sfclean.read_csv(path)
