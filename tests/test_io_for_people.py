"""Files for people (BOM, neutralised formulas) and files for the org (byte-exact), and what
normalize returns to pandas users (the caller's index, documented dtypes)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import sfclean
from sfclean.cli import cli
from sfclean.io import FOR_PEOPLE, write_outputs
from sfclean.spreadsheet import FORMULA_START, formula_like, neutralise_formulas

BOM = b"\xef\xbb\xbf"


def _rows(path: Path, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


# --- which files are for people --------------------------------------------------------------


def test_the_files_for_people_are_the_human_facing_csvs() -> None:
    stages = {"rejected.csv", "findings.csv", "excluded.csv", "failed.csv"}
    scan = {"clusters.csv", "by_creator.csv", "merge_plan.csv", "convert_plan.csv"}
    assert stages | scan == FOR_PEOPLE


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Email": ["ann@x.example", "bo@x.example", "cy@x.example"],
            "Phone": ["+442079460958", "-5", ""],
            "Note": ['=HYPERLINK("http://evil.example","click")', "@SUM(A1)", "Jos\u00e9"],
            "=Header": ["\tcmd", "\rx", "fine"],
            "sfclean_row": np.array([2, 3, 4], dtype="int64"),
        }
    )


@pytest.mark.parametrize("name", sorted(FOR_PEOPLE))
def test_a_file_for_people_has_a_bom_and_neutralised_formulas(tmp_path: Path, name: str) -> None:
    table = _table()
    before = table.copy()
    write_outputs(tmp_path, {name: table, "report.json": {}})
    data = (tmp_path / name).read_bytes()
    assert data.startswith(BOM)
    rows = _rows(tmp_path / name, "utf-8-sig")
    assert rows[0] == ["Email", "Phone", "Note", "'=Header", "sfclean_row"]
    assert rows[1] == [
        "ann@x.example",
        "'+442079460958",  # OWASP's rule covers phones too, in files for people
        '\'=HYPERLINK("http://evil.example","click")',
        "'\tcmd",
        "2",
    ]
    assert rows[2] == ["bo@x.example", "'-5", "'@SUM(A1)", "'\rx", "3"]
    assert rows[3] == ["cy@x.example", "", "Jos\u00e9", "fine", "4"]
    pd.testing.assert_frame_equal(table, before)  # the caller's table is not changed


@pytest.mark.parametrize("name", ["clean.csv", "kept.csv", "excluded_updates.csv", "loaded.csv"])
def test_a_file_for_the_org_is_byte_exact_utf8_without_bom(tmp_path: Path, name: str) -> None:
    write_outputs(tmp_path, {name: _table(), "report.json": {}})
    data = (tmp_path / name).read_bytes()
    assert not data.startswith(BOM)
    assert data.split(b"\r\n")[1] == (
        b'ann@x.example,+442079460958,"=HYPERLINK(""http://evil.example"",""click"")",\tcmd,2'
    )
    assert _rows(tmp_path / name, "utf-8")[0][3] == "=Header"


def test_neutralise_formulas_returns_the_same_frame_when_nothing_starts_like_one() -> None:
    frame = pd.DataFrame({"a": ["x", "y"], "n": [-1, 2]}, index=["p", "q"])
    assert neutralise_formulas(frame) is frame


def test_neutralise_formulas_handles_mixed_object_columns_and_a_repeated_index() -> None:
    frame = pd.DataFrame(
        {"a": ["=1", None, np.nan, 5], "b": [1.5, -2.0, 3.0, 4.0]}, index=[7, 7, 8, 8]
    )
    out = neutralise_formulas(frame)
    assert out["a"].tolist()[0] == "'=1"
    assert out["a"].isna().tolist() == [False, True, True, False]
    assert out["a"].tolist()[3] == 5
    assert out["b"].tolist() == [1.5, -2.0, 3.0, 4.0]  # numbers are not formulas
    assert list(out.index) == [7, 7, 8, 8]


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=6))
def test_every_cell_reads_back_neutralised_for_people_and_exact_for_the_org(
    cells: list[str],
) -> None:
    cells = [c.replace("\x00", "") for c in cells]
    table = pd.DataFrame({"v": pd.Series(cells, dtype="str")})
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        write_outputs(out, {"clean.csv": table, "rejected.csv": table, "report.json": {}})
        exact = [r[0] if r else "" for r in _rows(out / "clean.csv", "utf-8")[1:]]
        people = [r[0] if r else "" for r in _rows(out / "rejected.csv", "utf-8-sig")[1:]]
    assert exact == cells
    assert people == ["'" + c if c.startswith(FORMULA_START) else c for c in cells]


# --- formula-like cells in clean.csv get a finding --------------------------------------------


@pytest.mark.parametrize(
    ("value", "flagged"),
    [
        ("=1+2", True),
        ('=HYPERLINK("http://x","y")', True),
        ("@SUM(A1)", True),
        ("+cmd|' /C calc'!A0", True),
        ("-2+3+cmd|' /C calc'!A0", True),
        ("\tx", True),
        ("+442079460958", False),
        ("+1 (415) 555-0123", False),
        ("+14155550123;ext=12", False),
        ("-5", False),
        ("-1.5", False),
        ("Ann", False),
        ("-", False),
        ("--", False),
        ("- met at the trade show", True),
        ("", False),
    ],
)
def test_formula_like(value: str, flagged: bool) -> None:
    assert formula_like(value) is flagged


def test_normalize_flags_formula_like_cells_and_keeps_them_unchanged() -> None:
    df = pd.DataFrame(
        {
            "Email": ["ann@x.example", "bo@x.example", "cy@x.example"],
            "Phone": ["+44 20 7946 0958", "", "-5"],
            "Company": ['=HYPERLINK("http://evil.example","x")', "Acme", "@SUM(A1)"],
        }
    )
    result = sfclean.normalize(df, default_region="GB", invalid_phone="keep")
    found = result.findings[result.findings["code"] == "formula-like-cell"]
    assert found[["row", "column", "normalized"]].values.tolist() == [
        [2, "Company", '=HYPERLINK("http://evil.example","x")'],
        [4, "Company", "@SUM(A1)"],
    ]
    assert result.kept["Company"].tolist()[0] == '=HYPERLINK("http://evil.example","x")'


def test_the_cli_writes_clean_csv_exact_and_the_files_for_people_neutralised(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "Email,Company\r\nann@x.example,=1+2\r\ninfo@x.example,@SUM(A1)\r\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["normalize", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "formula-like-cell 1" in result.stderr
    assert (
        out / "clean.csv"
    ).read_bytes() == b"Email,Company,sfclean_row\r\nann@x.example,=1+2,2\r\n"
    rejected = _rows(out / "rejected.csv", "utf-8-sig")
    assert rejected[1][:3] == ["info@x.example", "'@SUM(A1)", "3"]
    findings = _rows(out / "findings.csv", "utf-8-sig")
    assert [r[2:5] for r in findings[1:]] == [["formula-like-cell", "'=1+2", "'=1+2"]]


# --- the caller's index and the dtypes normalize returns ----------------------------------------


def test_normalize_keeps_the_callers_index_on_every_table() -> None:
    df = pd.DataFrame(
        {
            "Email": [" Ann@X.example", "info@x.example", "ann@x.example", "cy@x.example"],
            "Phone": ["(415) 555-0123", "", "", "n/a"],
        },
        index=pd.Index(["crm-17", "crm-3", "crm-9", "crm-4"], name="crm_id"),
    )
    result = sfclean.normalize(df)
    assert list(result.kept.index) == ["crm-17", "crm-4"]
    assert list(result.held_back.index) == ["crm-3", "crm-9"]
    assert result.kept.index.name == result.held_back.index.name == "crm_id"
    assert result.kept["sfclean_row"].tolist() == [2, 5]
    # findings: one row per finding, indexed by the label of the row it is about
    assert set(result.findings.index) == {"crm-17", "crm-4"}
    for label, row in zip(result.findings.index, result.findings["row"], strict=True):
        assert df.index.get_loc(label) + 2 == row
    assert df.loc[result.kept.index, "Email"].tolist() == [" Ann@X.example", "cy@x.example"]


def test_normalize_keeps_a_non_unique_or_integer_index_too() -> None:
    df = pd.DataFrame({"Email": ["a@x.example", "b@x.example", ""]}, index=[10, 10, 30])
    result = sfclean.normalize(df)
    assert list(result.kept.index) == [10, 10]
    assert list(result.held_back.index) == [30]
    empty = sfclean.normalize(df.iloc[:0])
    assert len(empty.kept) == len(empty.findings) == 0
    assert empty.findings.index.dtype == df.index.dtype


def test_normalize_returns_the_documented_dtypes() -> None:
    df = pd.DataFrame(
        {
            "Email": ["a@x.example", "b@x.example", None],
            "Employees": [12, 7, 3],
            "Score": [1.5, np.nan, 2.0],
            "Flag": [True, False, None],
        }
    )
    result = sfclean.normalize(df)
    for frame in (result.kept, result.held_back):
        assert {str(frame[c].dtype) for c in df.columns} == {"str"}
        assert frame["sfclean_row"].dtype == "int64"
    assert str(result.held_back["sfclean_reason"].dtype) == "str"
    assert str(result.held_back["sfclean_detail"].dtype) == "str"
    assert result.kept["Employees"].tolist() == ["12", "7"]
    assert result.kept["Score"].tolist() == ["1.5", ""]  # NaN and None become ""
    assert result.held_back["Email"].tolist() == [""]
    assert result.findings["row"].dtype == "int64"
    assert {str(result.findings[c].dtype) for c in result.findings.columns[1:]} == {"str"}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet="=+-@\t\r\n a1(", max_size=6), max_size=8))
def test_formula_start_rows_finds_exactly_the_cells_that_start_like_a_formula(
    cells: list[str],
) -> None:
    from sfclean.spreadsheet import formula_start_rows, starts_like_formula

    rows = formula_start_rows(np.array(cells, dtype=object)).tolist()
    assert rows == [i for i, c in enumerate(cells) if starts_like_formula(c)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="=+-@\t\r() ./;ext0123456789a", max_size=40),
            st.from_regex(r"\+[1-9][0-9]{6,14}(;ext=[0-9]{1,5})?", fullmatch=True),
            # newlines inside cells, non-ASCII (UTF-8 bytes), a lone surrogate
            st.text(alphabet="=+-@\n 1é\u00a0\u0660\ud800", max_size=8),
        ),
        max_size=10,
    )
)
def test_formula_like_rows_is_formula_like_on_every_cell(cells: list[str]) -> None:
    from sfclean.spreadsheet import formula_like_rows

    rows = formula_like_rows(np.array(cells, dtype=object)).tolist()
    assert rows == [i for i, c in enumerate(cells) if formula_like(c)]
