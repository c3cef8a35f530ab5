"""run.jsonl: events are appended whole, a rerun resumes, other runs are protected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sfclean.errors import ConfigError
from sfclean.journal import JOURNAL_FILE, LEGACY_FILE, Journal, JournalState, replay


def on_disk(out: Path) -> dict[str, Any]:
    """The state the journal file in ``out`` holds, replayed as a rerun would."""
    state = replay(out / JOURNAL_FILE)
    assert state is not None
    return state.to_dict()


ORG_A = ("00D5g0000000001EAA", "https://a.my.salesforce.com")


def _open(
    out: Path,
    sha: str = "a" * 64,
    object_name: str = "Lead",
    org: tuple[str | None, str | None] = ORG_A,
) -> Journal:
    return Journal(out).open(
        input_sha256=sha,
        object_name=object_name,
        api="bulk",
        org_id=org[0],
        instance_url=org[1],
    )


def test_every_event_is_on_disk_at_once(tmp_path: Path) -> None:
    journal = _open(tmp_path)
    journal.job_started("750A", "bulk")
    journal.batch_posted("750A", "751A", [2, 3])
    found = on_disk(tmp_path)
    assert found["jobs"] == [
        {
            "job_id": "750A",
            "api": "bulk",
            "closed": False,
            "batches": [{"batch_id": "751A", "rows": [2, 3], "collected": False, "outcomes": []}],
        }
    ]
    journal.batch_collected(
        "750A", "751A", outcomes=[[2, "00Q1", "", "", ""], [3, None, "x", "C", "m"]]
    )
    journal.job_closed("750A")
    assert on_disk(tmp_path)["jobs"][0]["closed"] is True
    assert [p.name for p in tmp_path.iterdir()] == [JOURNAL_FILE]  # no temporary file left


def test_reopening_the_same_input_resumes(tmp_path: Path) -> None:
    first = _open(tmp_path)
    first.job_started("750A", "bulk")
    first.batch_posted("750A", "751A", [2, 3])
    first.batch_posted("750A", "751B", [4])
    first.batch_collected(
        "750A", "751A", outcomes=[[2, "00Q1", "", "", ""], [3, "00Q2", "", "", ""]]
    )
    again = _open(tmp_path)
    assert again.resumed is True
    assert [b.batch_id for b in again.pending_jobs()[0].open_batches] == ["751B"]
    assert sorted(again.outcomes()) == [2, 3]


def test_later_outcomes_of_a_row_win(tmp_path: Path) -> None:
    journal = _open(tmp_path)
    journal.job_started("rest-1", "rest")
    journal.batch_posted("rest-1", "call-1", [2])
    journal.batch_collected("rest-1", "call-1", outcomes=[])  # never answered: row open again
    journal.job_closed("rest-1")
    journal.job_started("rest-2", "rest")
    journal.batch_posted("rest-2", "call-1", [2])
    journal.batch_collected("rest-2", "call-1", outcomes=[[2, "00Q9", "", "", ""]])
    journal.job_closed("rest-2")
    assert journal.outcomes() == {2: (2, "00Q9", "", "", "")}
    assert journal.pending_jobs() == []


@pytest.mark.parametrize(
    ("sha", "object_name", "finished", "outcome"),
    [
        ("b" * 64, "Lead", False, "refused"),
        ("a" * 64, "Contact", False, "refused"),
        ("b" * 64, "Lead", True, "fresh"),
        ("a" * 64, "Lead", False, "resumed"),
    ],
)
def test_another_inputs_unfinished_journal_is_protected(
    tmp_path: Path, sha: str, object_name: str, finished: bool, outcome: str
) -> None:
    old = _open(tmp_path)
    old.job_started("750A", "bulk")
    if finished:
        old.completed()
    if outcome == "refused":
        with pytest.raises(ConfigError, match="unfinished run of another input or object"):
            _open(tmp_path, sha, object_name)
        return
    journal = _open(tmp_path, sha, object_name)
    assert journal.resumed is (outcome == "resumed")
    assert len(journal.state.jobs) == (1 if outcome == "resumed" else 0)


def test_a_damaged_journal_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / JOURNAL_FILE).write_text("{not json")
    with pytest.raises(ConfigError, match="not a valid sfclean journal"):
        _open(tmp_path)


@pytest.mark.parametrize(
    ("old_org", "new_org", "finished", "outcome"),
    [
        (ORG_A, ORG_A, False, "resumed"),
        (ORG_A, ("00D5g0000000001", "https://a.my.salesforce.com"), False, "resumed"),
        (ORG_A, ("00D5g0000000001EAA", "https://na1.salesforce.com"), False, "resumed"),
        (ORG_A, ("00D5g0000000002EAA", "https://a.my.salesforce.com"), False, "refused"),
        (ORG_A, ("00D5g0000000002EAA", "https://b.my.salesforce.com"), False, "refused"),
        (ORG_A, ("00D5g0000000002EAA", "https://b.my.salesforce.com"), True, "fresh"),
        (ORG_A, (None, "https://A.my.salesforce.com/"), False, "resumed"),
        (ORG_A, (None, "https://b.my.salesforce.com"), False, "refused"),
        ((None, "https://a.my.salesforce.com"), ORG_A, False, "resumed"),
        (ORG_A, (None, None), False, "refused"),
        ((None, None), ORG_A, False, "refused"),
        ((None, None), (None, None), False, "resumed"),
    ],
)
def test_a_journal_of_another_org_is_never_resumed(
    tmp_path: Path,
    old_org: tuple[str | None, str | None],
    new_org: tuple[str | None, str | None],
    finished: bool,
    outcome: str,
) -> None:
    old = _open(tmp_path, org=old_org)
    old.job_started("750A", "bulk")
    old.batch_posted("750A", "751A", [2])
    old.batch_collected("750A", "751A", outcomes=[[2, "00Q1", "", "", ""]])
    if finished:
        old.completed()
    if outcome == "refused":
        with pytest.raises(ConfigError) as caught:
            _open(tmp_path, org=new_org)
        message = str(caught.value)
        assert message.startswith(f"{tmp_path} holds an unfinished run against another org (")
        assert message.endswith("); use a new --out or finish that run")
        assert "\n" not in message
        assert on_disk(tmp_path) == old.to_dict()  # untouched
        return
    journal = _open(tmp_path, org=new_org)
    assert journal.resumed is (outcome == "resumed")
    assert journal.outcomes() == ({2: (2, "00Q1", "", "", "")} if outcome == "resumed" else {})
    if outcome == "fresh":
        assert on_disk(tmp_path) == old.to_dict()  # until an event
        journal.job_started("750B", "bulk")
        found = on_disk(tmp_path)
        assert found["org"] == {"id": new_org[0], "instance_url": new_org[1]}
        assert [j["job_id"] for j in found["jobs"]] == ["750B"]


def test_the_refusal_names_the_journals_org(tmp_path: Path) -> None:
    old = _open(tmp_path)
    old.job_started("750A", "bulk")
    with pytest.raises(ConfigError, match=r"\(org 00D5g0000000001EAA at https://a\.my\."):
        _open(tmp_path, org=("00D5g0000000009EAA", "https://a.my.salesforce.com"))


def test_a_resumed_completed_journal_is_running_until_completed_again(tmp_path: Path) -> None:
    first = _open(tmp_path)
    first.job_started("750A", "bulk")
    first.completed()
    again = _open(tmp_path)
    assert on_disk(tmp_path) == first.to_dict()  # until an event
    again.job_started("750B", "bulk")  # a crash now must leave an unfinished journal
    found = on_disk(tmp_path)
    assert (found["status"], "finished" in found, found["resumed"]) == ("running", False, 1)
    with pytest.raises(ConfigError, match="unfinished run of another input"):
        _open(tmp_path, "b" * 64)
    again.completed()
    assert on_disk(tmp_path)["status"] == "completed"


def test_an_unfinished_journal_of_another_version_is_not_overwritten(tmp_path: Path) -> None:
    old = _open(tmp_path)
    old.job_started("750A", "bulk")
    data = on_disk(tmp_path)
    data["version"] = 99
    (tmp_path / JOURNAL_FILE).unlink()
    (tmp_path / LEGACY_FILE).write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="unfinished journal of another sfclean version"):
        _open(tmp_path)
    data["status"] = "completed"
    (tmp_path / LEGACY_FILE).write_text(json.dumps(data))
    assert _open(tmp_path).state.version == 2


def test_the_file_round_trips_through_the_typed_state(tmp_path: Path) -> None:
    journal = _open(tmp_path)
    journal.job_started("750A", "bulk2")
    journal.batch_posted("750A", "750A", [2, 5], columns=["Email"], keys=["k1", "k2"])
    journal.batch_collected("750A", "750A", outcomes=[(2, "00Q1", "", "", "")])
    journal.job_closed("750A")
    journal.completed()
    found = on_disk(tmp_path)
    assert found["jobs"][0]["batches"][0] == {
        "batch_id": "750A",
        "rows": [2, 5],
        "collected": True,
        "outcomes": [[2, "00Q1", "", "", ""]],
        "columns": ["Email"],
        "keys": ["k1", "k2"],
    }
    assert list(found) == [
        "version",
        "input_sha256",
        "object",
        "api",
        "org",
        "status",
        "started",
        "resumed",
        "jobs",
        "finished",
    ]
    assert JournalState.from_dict(found).to_dict() == found
    assert [j.to_dict() for j in journal.jobs()] == [
        {"job_id": "750A", "api": "bulk2", "batches": 1, "rows": 2}
    ]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (LEGACY_FILE, json.dumps({"version": 1, "jobs": [{"job_id": "x"}]})),
        (JOURNAL_FILE, '{"e": "job", "job": "750A", "api": "bulk"}\n'),  # no state first
        (JOURNAL_FILE, '{"e": "state", "state": {"version": 2}}\n'),
    ],
)
def test_a_journal_of_the_wrong_shape_is_a_config_error(
    tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError, match="not a valid sfclean journal"):
        _open(tmp_path)


def test_the_journal_is_appended_to_never_rewritten(tmp_path: Path) -> None:
    journal = _open(tmp_path)
    journal.job_started("750A", "bulk")
    before = (tmp_path / JOURNAL_FILE).read_bytes()
    journal.batch_posting("750A", [2, 3])
    journal.batch_posted("750A", "751A", [2, 3])
    after = (tmp_path / JOURNAL_FILE).read_bytes()
    assert after.startswith(before)
    lines = [json.loads(line) for line in after.splitlines()]
    assert [line["e"] for line in lines] == ["state", "job", "posting", "posted"]


def test_a_torn_last_line_is_an_event_that_did_not_happen(tmp_path: Path) -> None:
    journal = _open(tmp_path)
    journal.job_started("750A", "bulk")
    journal.batch_posted("750A", "751A", [2, 3])
    whole = (tmp_path / JOURNAL_FILE).read_bytes()
    with (tmp_path / JOURNAL_FILE).open("ab") as handle:  # the process died inside a write
        handle.write(b'{"e":"collected","job":"750A","batch":"751A","outc')
    again = _open(tmp_path)
    assert again.resumed and again.pending_jobs()[0].open_batches[0].batch_id == "751A"
    again.job_closed("750A")
    text = (tmp_path / JOURNAL_FILE).read_bytes()
    assert text.startswith(whole) and b"outc" not in text
    assert [json.loads(line)["e"] for line in text.splitlines()][-2:] == ["resumed", "closed"]
    assert on_disk(tmp_path)["jobs"][0]["closed"] is True


def test_a_journal_of_the_earlier_format_is_resumed_then_replaced(tmp_path: Path) -> None:
    old = _open(tmp_path)
    old.job_started("750A", "bulk")
    old.batch_posted("750A", "751A", [2, 3])
    legacy = {**on_disk(tmp_path), "version": 1}
    (tmp_path / JOURNAL_FILE).unlink()
    (tmp_path / LEGACY_FILE).write_text(json.dumps(legacy))
    again = _open(tmp_path)
    assert again.resumed and [j.job_id for j in again.pending_jobs()] == ["750A"]
    assert (tmp_path / LEGACY_FILE).exists()  # untouched until an event
    again.job_closed("750A")
    assert not (tmp_path / LEGACY_FILE).exists()
    found = on_disk(tmp_path)
    assert (found["version"], found["resumed"], found["jobs"][0]["closed"]) == (2, 1, True)
