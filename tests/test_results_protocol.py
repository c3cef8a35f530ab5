"""Every stage's result follows one protocol (sfclean.report): the same table names, the row
number always a column, a typed summary with to_dict(), to_text(), a one-line repr, and the
files it writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import sfclean
from sfclean.io import write_result
from sfclean.localorg import LocalOrg
from sfclean.report import FINDINGS_COLUMNS, StageResult, Summary

ROWS = pd.DataFrame(
    {
        "LastName": ["One", "Role", "Dup", "Two"],
        "Company": ["Acme", "Acme", "Acme", ""],
        "Email": ["one@example.com", "info@example.com", "ONE@example.com", "two@example.com"],
        "Phone": ["(415) 555-0123", "", "", "n/a"],
    }
)


def _results(org: LocalOrg, tmp_path: Path) -> dict[str, StageResult]:
    conn = sfclean.connect(
        instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
    )
    normalized = sfclean.normalize(ROWS)
    excluded = sfclean.exclude(normalized.kept, conn)
    loaded = sfclean.load(excluded.kept, conn, object_name="Lead", api="rest")
    ran = sfclean.run(ROWS, conn, object_name="Lead", out_dir=tmp_path / "run", api="rest")
    scanned = sfclean.scan(conn)
    return {
        "normalize": normalized,
        "exclude": excluded,
        "load": loaded,
        "run": ran,
        "scan": scanned,
    }


@pytest.fixture
def results(localorg: LocalOrg, tmp_path: Path) -> dict[str, StageResult]:
    return _results(localorg, tmp_path)


def test_every_result_has_the_three_tables_with_sfclean_row_as_a_column(
    results: dict[str, StageResult],
) -> None:
    for stage, result in results.items():
        assert isinstance(result, StageResult) and result.stage == stage
        for name in ("kept", "held_back"):
            table = getattr(result, name)
            assert isinstance(table, pd.DataFrame), (stage, name)
            assert "sfclean_row" in table.columns, (stage, name)
            assert table["sfclean_row"].dtype == "int64", (stage, name)
            assert isinstance(table.index, pd.RangeIndex), (stage, name)
            assert table.index.name is None, (stage, name)
        assert "sfclean_reason" in result.held_back.columns, stage
        assert tuple(result.findings.columns) == FINDINGS_COLUMNS, stage
        assert result.rows_in == result.rows_kept + result.rows_held_back, stage


def test_every_stage_numbers_rows_like_the_input_file(results: dict[str, StageResult]) -> None:
    normalized, excluded, loaded, ran = (
        results[s] for s in ("normalize", "exclude", "load", "run")
    )
    assert normalized.kept["sfclean_row"].tolist() == [2, 5]
    assert normalized.held_back["sfclean_row"].tolist() == [3, 4]
    assert excluded.kept["sfclean_row"].tolist() == [2, 5]  # nothing of these in the org
    assert sorted([*loaded.kept["sfclean_row"], *loaded.held_back["sfclean_row"]]) == [2, 5]
    assert sorted([*ran.kept["sfclean_row"], *ran.held_back["sfclean_row"]]) == [2, 3, 4, 5]


def test_every_summary_is_a_frozen_dataclass_with_a_json_ready_dict(
    results: dict[str, StageResult],
) -> None:
    for stage, result in results.items():
        summary = result.summary()
        assert isinstance(summary, Summary), stage
        with pytest.raises(AttributeError):
            summary.rows_in = 0  # type: ignore[misc]
        data = json.loads(json.dumps(summary.to_dict()))
        assert data["stage"] == stage
        assert data["rows_in"] == result.rows_in
        assert (data["rows_kept"], data["rows_held_back"]) == (
            result.rows_kept,
            result.rows_held_back,
        )
        assert sum(data["reasons"].values()) == result.rows_held_back, stage


def test_every_repr_is_one_line_and_to_text_starts_with_the_stage(
    results: dict[str, StageResult],
) -> None:
    for stage, result in results.items():
        text = repr(result)
        assert "\n" not in text and len(text) < 120, stage
        assert text.startswith(f"<{type(result).__name__} [{stage}: {result.rows_in} in, "), stage
        assert result.to_text().startswith(f"{stage}: "), stage


@pytest.mark.parametrize(
    ("stage", "files"),
    [
        ("normalize", ["clean.csv", "rejected.csv", "findings.csv"]),
        ("exclude", ["excluded.csv", "excluded_updates.csv", "kept.csv"]),
        ("load", ["loaded.csv", "failed.csv", "rejected.csv"]),
        (
            "scan",
            [
                "clusters.csv",
                "by_creator.csv",
                "merge_plan.csv",
                "convert_plan.csv",
                "findings.csv",
                "watermark.csv",
            ],
        ),
    ],
)
def test_one_writer_writes_every_stage_report_last(
    results: dict[str, StageResult], tmp_path: Path, stage: str, files: list[str]
) -> None:
    result = results[stage]
    assert list(result.outputs()) == files
    written = write_result(result, tmp_path / stage)
    assert list(written) == [*files, "report.json"]
    report = json.loads(written["report.json"].read_text(encoding="utf-8"))
    assert report["files"] == [*files, "report.json"]
    assert report["stage"] == stage
    for name in files:
        table = pd.read_csv(written[name], dtype=str, keep_default_na=False)
        assert len(table) == len(result.outputs()[name])
    assert sorted(p.name for p in (tmp_path / stage).iterdir()) == sorted(written)
