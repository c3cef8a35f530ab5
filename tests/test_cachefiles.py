"""sfclean.cachefiles: tables kept as files answer what the tables in memory answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.cachefiles import (
    SortedLines,
    read_bytes,
    read_json,
    writable,
    write_bytes,
    write_json,
)

_TEXT = st.text(st.characters(blacklist_characters="\t\n", blacklist_categories=["Cs"]))


@settings(max_examples=300, deadline=None)
@given(table=st.dictionaries(_TEXT.filter(bool), _TEXT, max_size=40), probes=st.lists(_TEXT))
def test_sorted_lines_find_what_the_dict_holds(table: dict[str, str], probes: list[str]) -> None:
    lines = SortedLines.of(table)
    for key in [*table, *probes]:
        assert lines.find(key) == table.get(key)


def test_sorted_lines_refuse_what_a_line_cannot_hold() -> None:
    for table in ({"a\tb": "x"}, {"a": "x\ny"}, {"": "x"}):
        with pytest.raises(ValueError, match="tab or line feed"):
            SortedLines.of(table)


def test_a_damaged_table_answers_nothing_rather_than_wrongly(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    write_bytes(path, SortedLines.of({"allemagne": "DE", "kanada": "CA"}).data)
    assert SortedLines.read(path) is not None
    path.write_bytes(b"allemagne\tDE\nkana")  # cut short
    assert SortedLines.read(path) is None
    path.write_bytes(b"allemagne DE\nkanada CA\n")  # lines without a tab
    damaged = SortedLines.read(path)
    assert damaged is not None and damaged.find("kanada") is None
    path.write_bytes(b"allemagne\tD\xc3\nkanada\tCA\n")  # a value not UTF-8
    damaged = SortedLines.read(path)
    assert damaged is not None and damaged.find("allemagne") is None
    assert damaged.find("kanada") == "CA"
    assert SortedLines.read(tmp_path / "missing.txt") is None


def test_json_and_bytes_round_trip_and_failures_are_quiet(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "t.json"
    write_json(path, {"ü": [1, None]})
    assert read_json(path) == {"ü": [1, None]}
    path.write_bytes(b"\xff{")
    assert read_json(path) is None  # not UTF-8
    blocked = tmp_path / "file"
    blocked.write_text("not a directory", encoding="utf-8")
    write_bytes(blocked / "t.txt", b"x")  # cannot be written: ignored
    assert read_bytes(blocked / "t.txt") is None
    assert list(tmp_path.glob("sub/.t-*")) == []  # no temporary file left


def test_writable_tells_whether_a_file_can_be_made(tmp_path: Path) -> None:
    assert writable(tmp_path / "new" / "dir") and (tmp_path / "new" / "dir").is_dir()
    assert list((tmp_path / "new" / "dir").iterdir()) == []  # its trial file is gone
    blocked = tmp_path / "file"
    blocked.write_text("not a directory", encoding="utf-8")
    assert not writable(blocked / "dir")
