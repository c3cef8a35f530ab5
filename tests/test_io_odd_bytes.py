"""read_csv on the files people really have: mixed encodings, NUL bytes, case-only duplicate
column names, and a header below a preamble (``skip_rows``)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import sfclean
from sfclean.errors import ConfigError, InputError
from sfclean.io import column_name_problem, read_csv


def _file(tmp_path: Path, data: bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- mixed encodings: decided on the whole file ---------------------------------------------


def test_a_small_file_mixing_utf8_and_cp1252_is_refused_with_the_odd_line(
    tmp_path: Path,
) -> None:
    # one UTF-8 é and one cp1252 é: the old ratio rule read it all as cp1252 (JosÃ©)
    data = "Email,Name\na@x.example,Jos\u00e9\n".encode() + b"b@x.example,Ren\xe9e\n"
    path = _file(tmp_path, data)
    with pytest.raises(InputError) as info:
        read_csv(path)
    assert str(info.value) == (
        f"{path} mixes encodings: line 2 is UTF-8 but byte 44 (line 3) is not; fix line 3 and "
        "save the file again as CSV UTF-8, or pass --encoding cp1252 if the file is cp1252"
    )


def test_an_odd_byte_in_the_last_line_of_a_large_file_is_found(tmp_path: Path) -> None:
    rows = "".join(f"r{i}@x.example,Jos\u00e9\n" for i in range(20_000))  # ~400 KB of UTF-8
    data = ("Email,Name\n" + rows).encode() + b"last@x.example,O\x92Brien\n"
    with pytest.raises(InputError, match=r"byte \d+ \(line 20002\) is not; fix line 20002"):
        read_csv(_file(tmp_path, data))


def test_utf8_text_after_the_odd_byte_counts_too(tmp_path: Path) -> None:
    data = b"Email,Name\na@x.example,O\x92Brien\n" + "b@x.example,Zo\u00eb\n".encode()
    with pytest.raises(InputError, match=r"line 3 is UTF-8 but byte 24 \(line 2\) is not"):
        read_csv(_file(tmp_path, data))


@pytest.mark.parametrize(
    "text",
    [
        "Email,Street\na@x.example,Gro\u00df\u201c M\u00fcller\n",  # ß“ = DF 93, valid UTF-8
        "Email,Name\na@x.example,\u201eM\u00dcLLER \u00d6\u201d\n",  # Ö” = D6 94
        "Email,Name\na@x.example,Jos\u00e9 \u2013 Ren\u00e9e \u20ac5\n",
    ],
)
def test_genuine_cp1252_files_are_still_read_as_cp1252(tmp_path: Path, text: str) -> None:
    df = read_csv(_file(tmp_path, text.encode("cp1252")))
    assert df.attrs["sfclean"]["encoding"] == "cp1252"
    assert df.iloc[0, 1] == text.splitlines()[1].split(",", 1)[1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="abcÀÉÈÎÖÜßàéèîöüçñ€–“”’…", min_size=1, max_size=12), min_size=1))
def test_any_cp1252_text_reads_back_unchanged(names: list[str]) -> None:
    import tempfile

    text = "Email,Name\n" + "".join(f"r{i}@x.example,{n}\n" for i, n in enumerate(names))
    data = text.encode("cp1252")
    # cp1252 bytes that are also valid UTF-8 (such as "É€") are UTF-8 by the rules
    with contextlib.suppress(UnicodeDecodeError):
        assume(data.decode("utf-8") == text)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_bytes(data)
        try:
            df = read_csv(path)
        except InputError as exc:  # refused, never garbled, and only when it looks like UTF-8
            assert "mixes encodings" in str(exc)
            assert data.decode("utf-8", errors="replace") != data.decode("cp1252")
            return
    assert df["Name"].tolist() == names


# --- NUL bytes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"Email,Name\na@x.example,Ann\x00\nb@x.example,Bo\n", 2),
        (b"Email,Name\n" + b"a@x.example,Ann\n" * 2000 + b"z@x.example,Z\x00e\n", 2002),
        ("Email,Name\na@x.example,Ann\nb@x.example,B\u00f6\x00\n".encode("utf-16"), 3),
    ],
    ids=["early", "past the first 8 KB", "utf-16"],
)
def test_a_nul_byte_is_an_error_naming_its_line(tmp_path: Path, data: bytes, line: int) -> None:
    path = _file(tmp_path, data)
    with pytest.raises(InputError) as info:
        read_csv(path)
    assert str(info.value) == (
        f"{path} has a NUL byte (\\0) on line {line}; Salesforce cannot store it: remove it "
        "(or save the file again from a spreadsheet) and try again"
    )


def test_a_file_of_nul_bytes_is_still_a_binary_file(tmp_path: Path) -> None:
    path = _file(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(InputError, match="is a binary file"):
        read_csv(path)


def test_the_cli_names_the_nul_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sfclean.cli import cli

    path = _file(tmp_path, b"Email\na@x.example\nb@x\x00.example\n")
    result = CliRunner().invoke(cli, ["normalize", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path} has a NUL byte (\\0) on line 3;")
    assert not (tmp_path / "o" / "report.json").exists()


# --- column names that differ only by case ---------------------------------------------------


def test_columns_differing_only_by_case_are_an_error_naming_both(tmp_path: Path) -> None:
    path = _file(tmp_path, b"Email,Name,email,NAME,Phone\na,b,c,d,e\n")
    with pytest.raises(InputError) as info:
        read_csv(path)
    assert str(info.value) == (
        f"{path} has column names that differ only by case ('Email' and 'email'; 'Name' and "
        "'NAME') in its header; rename or remove them"
    )


def test_normalize_refuses_a_frame_with_case_only_duplicates() -> None:
    df = pd.DataFrame({"Email": ["a@x.example"], "email": ["b@x.example"]})
    with pytest.raises(InputError, match=r"differ only by case \('Email' and 'email'\)"):
        sfclean.normalize(df)


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["a", "b"], None),
        (["a", "b", "a"], "duplicate column names ('a')"),
        (
            ["Stra\u00dfe", "STRASSE"],
            "column names that differ only by case ('Straße' and 'STRASSE')",
        ),
        (["a", "A", "a"], "duplicate column names ('a')"),
    ],
)
def test_column_name_problem(names: list[str], problem: str | None) -> None:
    assert column_name_problem(names) == problem


def test_a_wide_header_is_read_and_normalized(tmp_path: Path) -> None:
    # the speed is measured in bench/normalize.py (--columns); this checks the wide path works
    names = ["Email", *(f"Col{i}" for i in range(3000))]
    row = ["a@x.example", *("x" for _ in range(3000))]
    path = _file(tmp_path, (",".join(names) + "\n" + ",".join(row) + "\n").encode())
    result = sfclean.normalize(read_csv(path))
    assert list(result.kept.columns) == [*names, "sfclean_row"]
    assert (result.kept.dtypes.iloc[:-1] == "str").all()
    assert list(result.held_back.columns) == [
        *names,
        "sfclean_row",
        "sfclean_reason",
        "sfclean_detail",
    ]


# --- a header below a preamble: skip_rows ----------------------------------------------------

LINKEDIN = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    'are missing."\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Ann,Lee,https://www.linkedin.com/in/annlee,,Acme,CTO,04 Sep 2026\n"
    "Bo,Ray,https://www.linkedin.com/in/bo,bo@ray.example,Ray Ltd,CEO,10 Sep 2026\n"
    "Cy,Day,https://www.linkedin.com/in/cy,BO@ray.example,Ray Ltd,CFO,11 Sep 2026\n"
)


def test_without_skip_rows_a_preamble_error_suggests_it(tmp_path: Path) -> None:
    path = _file(tmp_path, LINKEDIN.encode())
    with pytest.raises(InputError) as info:
        read_csv(path)
    assert str(info.value) == (
        f"{path}: rows 4, 5, 6, 7 have 7 fields, the header has 1; check the delimiter "
        'and quoting of those rows; if the header is row 4 (a preamble such as LinkedIn\'s "Notes:" '
        "comes first), pass --skip-rows 3 (skip_rows=3)"
    )


def test_skip_rows_reads_the_header_and_keeps_spreadsheet_row_numbers(tmp_path: Path) -> None:
    df = read_csv(_file(tmp_path, LINKEDIN.encode()), skip_rows=3)
    assert list(df.columns)[:4] == ["First Name", "Last Name", "URL", "Email Address"]
    assert df["First Name"].tolist() == ["Ann", "Bo", "Cy"]
    assert df.attrs["sfclean"]["skip_rows"] == 3
    result = sfclean.normalize(df, email_column="Email Address")
    assert result.kept["sfclean_row"].tolist() == [6]  # header = row 4, Ann = 5, Bo = 6
    held = result.held_back.set_index("First Name")
    assert held.loc["Ann", "sfclean_row"] == 5
    assert held.loc["Ann", "sfclean_reason"] == "missing-email"
    assert held.loc["Cy", "sfclean_row"] == 7
    assert held.loc["Cy", "sfclean_detail"] == "duplicate of row 6"
    assert set(result.findings["row"]) <= {6}


def test_row_numbers_after_skip_rows_count_quoted_newlines_as_one_row(tmp_path: Path) -> None:
    data = b'Report\n"two\nlines"\nEmail,Name\na@x.example,Ann\nb@x.example\n'
    path = _file(tmp_path, data)
    with pytest.raises(InputError) as info:
        read_csv(path, skip_rows=2)  # rows 1-2 are 3 lines; the header is row 3
    assert (
        str(info.value)
        == f"{path}: row 5 has 1 field, the header has 2; check the delimiter and quoting of those rows"
    )


def test_blank_lines_after_skip_rows_suggest_the_right_count(tmp_path: Path) -> None:
    path = _file(tmp_path, b"Notes:\n\n\nEmail\na@x.example\n")
    with pytest.raises(
        InputError, match=r"pass --skip-rows 3 \(skip_rows=3\), so the header is row 4"
    ):
        read_csv(path, skip_rows=1)


@pytest.mark.parametrize(
    ("skip", "error", "message"),
    [
        (-1, ConfigError, "skip_rows must be a whole number, 0 or more (got -1)"),
        (True, ConfigError, "skip_rows must be a whole number, 0 or more (got True)"),
        (
            9,
            InputError,
            "has fewer than 10 rows, so skip_rows=9 (--skip-rows 9) skips the header too",
        ),
    ],
)
def test_bad_skip_rows(tmp_path: Path, skip: int, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_csv(_file(tmp_path, LINKEDIN.encode()), skip_rows=skip)


def test_the_cli_takes_skip_rows(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from sfclean.cli import cli

    path = _file(tmp_path, LINKEDIN.encode())
    out = tmp_path / "o"
    args = ["normalize", str(path), "--out", str(out), "--email-column", "Email Address"]
    failed = CliRunner().invoke(cli, args)
    assert failed.exit_code == 1
    assert "pass --skip-rows 3" in failed.stderr
    result = CliRunner().invoke(cli, [*args, "--skip-rows", "3", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows_in"] == 3
    assert report["input"]["skip_rows"] == 3
    clean = read_csv(out / "clean.csv")
    assert clean["sfclean_row"].tolist() == ["6"]


def test_other_stages_number_rows_after_skip_rows_too(tmp_path: Path) -> None:
    from sfclean.report import first_data_row, row_numbers

    df = read_csv(_file(tmp_path, LINKEDIN.encode()), skip_rows=3)
    assert first_data_row(df) == 5
    assert row_numbers(df).tolist() == [5, 6, 7]
    assert row_numbers(pd.DataFrame({"a": [1, 2]})).tolist() == [2, 3]
