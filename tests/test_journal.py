"""run.json: events are written atomically, a rerun resumes, other runs are protected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfclean.errors import ConfigError
from sfclean.journal import JOURNAL_FILE, Journal


def _open(out: Path, sha: str = "a" * 64, object_name: str = "Lead") -> Journal:
    return Journal.open(out, input_sha256=sha, object_name=object_name, api="bulk")


def test_every_event_is_on_disk_at_once(tmp_path: Path) -> None:
    journal = _open(tmp_path)
    journal.job_started("750A", "bulk")
    journal.batch_posted("750A", "751A", [2, 3])
    on_disk = json.loads((tmp_path / JOURNAL_FILE).read_text())
    assert on_disk["jobs"] == [
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
    assert json.loads((tmp_path / JOURNAL_FILE).read_text())["jobs"][0]["closed"] is True
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
    assert [b["batch_id"] for b in again.pending_jobs()[0]["batches"] if not b["collected"]] == [
        "751B"
    ]
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
    assert journal.outcomes() == {2: [2, "00Q9", "", "", ""]}
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
    assert len(journal.data["jobs"]) == (1 if outcome == "resumed" else 0)


def test_a_damaged_journal_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / JOURNAL_FILE).write_text("{not json")
    with pytest.raises(ConfigError, match="not a valid sfclean journal"):
        _open(tmp_path)
