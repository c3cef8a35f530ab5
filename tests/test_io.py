"""sfclean.io: reading CSV files as text, .sdl mappings, and atomic output sets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.errors import ConfigError, InputError
from sfclean.io import (
    columns_for_fields,
    read_csv,
    read_sdl_mapping,
    write_outputs,
)


def _file(tmp_path: Path, data: bytes | str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- reading: good files ------------------------------------------------------------------

GOOD = [
    # (label, bytes, expected encoding, expected delimiter)
    ("utf-8", "Email,Name\na@x.example,José\n".encode(), "utf-8", ","),
    ("utf-8 BOM", b"\xef\xbb\xbfEmail,Name\r\na@x.example,Jos\xc3\xa9\r\n", "utf-8-sig", ","),
    ("cp1252", b"Email;Name\na@x.example;Jos\xe9 \x93Q\x94\n", "cp1252", ";"),
    ("latin-1 only", b"Email\tName\na@x.example\tJos\xe9\x81\n", "latin-1", "\t"),
    ("utf-16", "Email\tName\na@x.example\tJosé\n".encode("utf-16"), "utf-16", "\t"),
    ("CR only", b"Email,Name\ra@x.example,Jose\r", "utf-8", ","),
]


@pytest.mark.parametrize(("label", "data", "encoding", "delimiter"), GOOD)
def test_encodings_and_delimiters_are_detected(
    tmp_path: Path, label: str, data: bytes, encoding: str, delimiter: str
) -> None:
    df = read_csv(_file(tmp_path, data))
    assert list(df.columns) == ["Email", "Name"], label
    assert df.loc[0, "Email"] == "a@x.example"
    assert df.loc[0, "Name"].startswith("Jos")
    assert df.attrs["sfclean"] == {
        "path": str(tmp_path / "in.csv"),
        "encoding": encoding,
        "delimiter": delimiter,
        "skip_rows": 0,
    }


def test_cp1252_characters_decode_to_the_right_text(tmp_path: Path) -> None:
    df = read_csv(_file(tmp_path, b"Name\nJos\xe9 \x93Q\x94 \x80\n"))
    assert df.loc[0, "Name"] == "José “Q” €"


def test_every_cell_stays_text(tmp_path: Path) -> None:
    text = (
        "Id,PostalCode,Phone,Title,State,Empty,Num\n"
        "00Q5g00000AbCdE,02134,4.15555E+09,NA,Null,,1.0\n"
        "00Q5g00000AbCdF,00501,'0207 946 0000,N/A,NaN,,007\n"
    )
    df = read_csv(_file(tmp_path, text))
    assert df.to_dict("records") == [
        {
            "Id": "00Q5g00000AbCdE",
            "PostalCode": "02134",
            "Phone": "4.15555E+09",
            "Title": "NA",
            "State": "Null",
            "Empty": "",
            "Num": "1.0",
        },
        {
            "Id": "00Q5g00000AbCdF",
            "PostalCode": "00501",
            "Phone": "'0207 946 0000",
            "Title": "N/A",
            "State": "NaN",
            "Empty": "",
            "Num": "007",
        },
    ]
    assert all(pd.api.types.is_string_dtype(t) for t in df.dtypes)


def test_quoted_newlines_commas_and_quotes(tmp_path: Path) -> None:
    text = 'Email,Notes,Company\na@x.example,"line one,\nline two ""quoted""","Smith, Jones & Co"\n'
    df = read_csv(_file(tmp_path, text))
    assert df.loc[0, "Notes"] == 'line one,\nline two "quoted"'
    assert df.loc[0, "Company"] == "Smith, Jones & Co"


def test_header_is_kept_exactly_and_blank_lines_keep_their_row(tmp_path: Path) -> None:
    """A blank line between rows is a row of empty cells (Excel numbers it); the end's go."""
    df = read_csv(_file(tmp_path, " E-mail ,Phone\n\na@x.example,1\n\n\n"))
    assert list(df.columns) == [" E-mail ", "Phone"]
    assert df.to_dict("records") == [
        {" E-mail ": "", "Phone": ""},
        {" E-mail ": "a@x.example", "Phone": "1"},
    ]


@pytest.mark.parametrize(
    ("text", "emails"),
    [
        ("Email\na@x.example\n\nb@x.example\n", ["a@x.example", "", "b@x.example"]),
        (
            "Email,N\r\na@x.example,1\r\n\r\n\r\nb@x.example,2\r\n\r\n",
            ["a@x.example", "", "", "b@x.example"],
        ),
        ("Email,N\na@x.example,1\n   \nb@x.example,2\n", ["a@x.example", "   ", "b@x.example"]),
        ('Email,N\n"a@x.example","x\n\ny"\n\nb@x.example,2\n', ["a@x.example", "", "b@x.example"]),
    ],
)
def test_blank_lines_between_rows_are_rows(tmp_path: Path, text: str, emails: list[str]) -> None:
    assert read_csv(_file(tmp_path, text))["Email"].tolist() == emails


def test_ragged_rows_are_numbered_like_the_spreadsheet_after_blank_lines(tmp_path: Path) -> None:
    path = _file(tmp_path, "Email,N\na@x.example,1\n\n\nb@x.example\n")
    with pytest.raises(InputError, match=r": row 5 has 1 field, the header has 2;"):
        read_csv(path)


def test_delimiter_detection_ignores_commas_inside_a_semicolon_file(tmp_path: Path) -> None:
    text = "Name, full;Email;Phone\nLee, Ann;a@x.example;1\nOk, Bo;b@x.example;2\n"
    df = read_csv(_file(tmp_path, text))
    assert list(df.columns) == ["Name, full", "Email", "Phone"]
    assert df.attrs["sfclean"]["delimiter"] == ";"


def test_forced_encoding_and_delimiter(tmp_path: Path) -> None:
    path = _file(tmp_path, "A|B\nJos\u00e9|1\n".encode("cp1252"))
    df = read_csv(path, encoding="windows-1252", delimiter="|")
    assert df.to_dict("records") == [{"A": "José", "B": "1"}]
    assert df.attrs["sfclean"]["encoding"] == "cp1252"


def test_single_column_file(tmp_path: Path) -> None:
    df = read_csv(_file(tmp_path, "Email\na@x.example\nb@x.example\n"))
    assert df["Email"].tolist() == ["a@x.example", "b@x.example"]


def test_sample_data_reads_cleanly() -> None:
    df = read_csv(Path(__file__).parent.parent / "sample_data" / "leads.csv")
    assert len(df) >= 200
    assert "Email" in df.columns
    assert df["PostalCode"].str.startswith("0").any()
    assert df["Street"].str.contains("\n").any()


# --- reading: bad files -------------------------------------------------------------------

BAD = [
    # (label, bytes, kwargs, exact message after the path)
    ("empty", b"", {}, " is empty; expected a CSV file with a header row"),
    ("whitespace only", b"  \n\n", {}, " is empty; expected a CSV file with a header row"),
    ("BOM only", b"\xef\xbb\xbf", {}, " is empty; expected a CSV file with a header row"),
    ("header only", b"Email,Phone\n", {}, " has a header but no rows"),
    ("header and blank lines", b"Email,Phone\n\n\n", {}, " has a header but no rows"),
    (
        "blank line before the header",
        b"\nEmail,Phone\na@x.example,1\n",
        {},
        " has 1 blank line(s) before the header; delete them, or pass --skip-rows 1 "
        "(skip_rows=1), so the header is row 2 (row numbers follow the spreadsheet)",
    ),
    (
        "forced utf-8 on cp1252",
        b"Email,Name\na@x.example,Jos\xe9\n",
        {"encoding": "utf-8"},
        " is not UTF-8 at byte 26 (line 2); try --encoding cp1252",
    ),
    (
        "mostly UTF-8 with a stray cp1252 byte",
        "Email,Name\na@x.example,Jos\u00e9\nb@x.example,Zo\u00eb\n".encode()
        + b"c@x.example,O\x92Brien\n",
        {},
        " mixes encodings: line 2 is UTF-8 but byte 59 (line 4) is not; fix line 4 and save "
        "the file again as CSV UTF-8, or pass --encoding cp1252 if the file is cp1252",
    ),
    (
        "BOM then bad bytes",
        b"\xef\xbb\xbfEmail\n\xe9\n",
        {},
        " starts with a UTF-8 mark but is not UTF-8 at byte 9 (line 2); fix that line, or "
        "try --encoding cp1252",
    ),
    (
        "unterminated quote",
        b'Email,Name\na@x.example,Ann\nb@x.example,"Bob\nc@x.example,Cy\n',
        {},
        " has broken quoting in row 3 (line 3): a quote is opened and never closed; "
        "close it or remove it",
    ),
    (
        "text after closing quote",
        b'Email,Name\n"a@x.example"x,Ann\n',
        {},
        " has broken quoting in row 2 (line 2): text follows a closing quote; "
        "quote the whole field or remove the quote",
    ),
    (
        "duplicate header",
        b"Email,Phone,Email\na,b,c\n",
        {},
        " has duplicate column names ('Email') in its header; rename or remove them",
    ),
    (
        "no header row",
        b"ann@example.com,Ann\nbo@example.com,Bo\n",
        {},
        " has no header row (row 1 holds an email address); "
        "add a header row such as Email,FirstName,LastName",
    ),
    (
        "xlsx",
        b"PK\x03\x04\x14\x00\x06\x00",
        {},
        " is a binary file (an Excel workbook?), not CSV; save it as CSV UTF-8",
    ),
]


@pytest.mark.parametrize(("label", "data", "kwargs", "message"), BAD)
def test_bad_files_raise_one_clear_input_error(
    tmp_path: Path, label: str, data: bytes, kwargs: dict[str, str], message: str
) -> None:
    path = _file(tmp_path, data)
    with pytest.raises(InputError) as info:
        read_csv(path, **kwargs)
    assert str(info.value) == f"{path}{message}", label
    assert info.value.path == str(path)
    assert "\n" not in str(info.value)


RAGGED = [
    # rows of the body after the header "a,b,c" -> expected message tail
    (["1,2,3", "1,2", "1,2,3"], "row 3 has 2 fields, the header has 3"),
    (["1,2,3,4", "1,2,3"], "row 2 has 4 fields, the header has 3"),
    (
        ["1,2,3", "1,2,3", "1,2,3", "1,2,3", "1,2,3", "1,2,3,4", "1,2,3", "1,2,3", "1,2,3", "1"],
        "row 11 has 1 field; row 7 has 4 fields, the header has 3",
    ),
    (
        ["1,2", "1,2,3", "1,2", "x"] + ["1,2"] * 6,
        "row 5 has 1 field; rows 2, 4, 6, 7, 8 and 3 more have 2 fields, the header has 3",
    ),
]


@pytest.mark.parametrize(("body", "expected"), RAGGED)
def test_ragged_rows_are_named_like_a_spreadsheet(
    tmp_path: Path, body: list[str], expected: str
) -> None:
    path = _file(tmp_path, "a,b,c\n" + "\n".join(body) + "\n")
    with pytest.raises(InputError) as info:
        read_csv(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert message == f"{path}: {expected}; check the delimiter and quoting of those rows"


def test_ragged_row_numbers_count_quoted_newlines_as_one_row(tmp_path: Path) -> None:
    path = _file(tmp_path, 'a,b\n"multi\nline",1\n"x",1,2\n')
    with pytest.raises(InputError, match=r": row 3 has 3 fields, the header has 2"):
        read_csv(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.csv", "{p} does not exist; check the path"),
        (lambda p: p, "{p} is a directory, not a CSV file"),
    ],
)
def test_unreadable_paths(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    with pytest.raises(InputError) as info:
        read_csv(path)
    assert str(info.value) == message.format(p=path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"encoding": "klingon"}, "unknown encoding 'klingon'; use utf-8, cp1252 or latin-1"),
        ({"delimiter": ",,"}, "delimiter must be one character such as ',' ';' or tab, not ',,'"),
    ],
)
def test_bad_options_are_config_errors(
    tmp_path: Path, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        read_csv(_file(tmp_path, "a\n1\n"), **kwargs)
    assert str(info.value) == message


text_cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(text_cells, text_cells, text_cells), min_size=1, max_size=8))
def test_write_then_read_round_trips_any_text(rows: list[tuple[str, str, str]]) -> None:
    import tempfile

    df = pd.DataFrame(rows, columns=["Email", "Phone", "Notes"], dtype=str)
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(tmp, {"data.csv": df, "manifest.json": {"ok": True}})
        back = read_csv(Path(tmp) / "data.csv")
    assert back.to_dict("records") == df.to_dict("records")


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from([",", ";", "\t"]),
    st.lists(st.tuples(text_cells, text_cells, text_cells), min_size=1, max_size=8),
)
def test_any_delimiter_is_detected_and_cells_survive(
    delimiter: str, rows: list[tuple[str, str, str]]
) -> None:
    import csv
    import io
    import tempfile

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["Email", "Phone", "Notes"])
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_bytes(buffer.getvalue().encode("utf-8"))
        df = read_csv(path)
    assert df.attrs["sfclean"]["delimiter"] == delimiter
    assert [tuple(r) for r in df.itertuples(index=False)] == rows


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=12))
def test_ragged_rows_are_found_whatever_their_lengths(lengths: list[int]) -> None:
    import tempfile

    body = [",".join(["x"] * n) for n in lengths]
    bad_rows = [i + 2 for i, n in enumerate(lengths) if n != 3]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_text("a,b,c\n" + "\n".join(body) + "\n", encoding="utf-8")
        if not bad_rows:
            assert len(read_csv(path)) == len(lengths)
            return
        with pytest.raises(InputError) as info:
            read_csv(path)
    message = str(info.value).split(", the header has")[0]
    named = [int(n) for n in re.findall(r"(?:rows?|,) (\d+)", message)]
    more = sum(int(n) for n in re.findall(r"and (\d+) more", message))
    assert set(named) <= set(bad_rows)
    assert len(named) + more == len(bad_rows)


# --- .sdl mappings ------------------------------------------------------------------------

SDL = r"""#Mapping values
#Fri Nov 27 10:00:00 UTC 2026
! another comment style
FirstName=FirstName
Mobile\ Phone=MobilePhone
E\:mail : Email
"Web"=LeadSource
Street=Street\
    Address
Country\u00e9=Country
Unmapped=
   Email Address   =   Email
"""


def test_read_sdl_mapping_follows_properties_rules(tmp_path: Path) -> None:
    mapping = read_sdl_mapping(_file(tmp_path, SDL, "map.sdl"))
    assert mapping == {
        "FirstName": "FirstName",
        "Mobile Phone": "MobilePhone",
        "E:mail": "Email",
        '"Web"': "LeadSource",
        "Street": "StreetAddress",
        "Countryé": "Country",
        "Unmapped": "",
        "Email Address": "Email",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Email,Phone\n",
            "line 1 is not csvColumn=SalesforceField; is it a Data Loader .sdl file?",
        ),
        ("# only comments\n\n", "has no mappings; expected lines like Email=Email"),
        ("Email=Email\nEmail=Phone\n", "maps 'Email' twice (line 2); keep one of them"),
        ("=Email\n", "has no mappings; expected lines like Email=Email"),  # a field, no column
        ("A\\u12=B\n", "line 1 has a bad \\u escape"),
    ],
)
def test_bad_sdl_files(tmp_path: Path, text: str, message: str) -> None:
    path = _file(tmp_path, text, "map.sdl")
    with pytest.raises(ConfigError) as info:
        read_sdl_mapping(path)
    assert str(info.value).endswith(message)
    assert str(path) in str(info.value)


def test_missing_sdl_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"mapping file .*nope.sdl cannot be read"):
        read_sdl_mapping(tmp_path / "nope.sdl")


@pytest.mark.parametrize(
    ("mapping", "fields", "expected"),
    [
        ({"E-mail": "Email", "Tel": "Phone"}, ["Email"], ["E-mail"]),
        ({"e-MAIL": "email"}, ["Email"], ["E-mail"]),  # case-insensitive both sides
        ({"Email": "E-mail", "Phone": "tel"}, ["email"], ["E-mail"]),  # extract direction
        ({"Tel": "Phone", "Cell": "MobilePhone"}, ["Phone", "MobilePhone"], ["Cell", "Tel"]),
        ({"Tel": "Phone, OtherPhone"}, ["OtherPhone"], ["Tel"]),
        ({'"Email"': "Email"}, ["Email"], []),  # a constant, not a column
        ({"Nope": "Email"}, ["Email"], []),
    ],
)
def test_columns_for_fields(
    mapping: dict[str, str], fields: list[str], expected: list[str]
) -> None:
    columns = ["Cell", "E-mail", "Tel"]
    assert columns_for_fields(mapping, columns, fields) == expected


# --- atomic output sets -------------------------------------------------------------------


def test_write_outputs_writes_csv_and_json(tmp_path: Path) -> None:
    df = pd.DataFrame({"Zip": ["02134"], "Note": ["a,\nb"]}, index=[2])
    paths = write_outputs(tmp_path / "new" / "out", {"x.csv": df, "run.json": {"n": 1, "é": "ü"}})
    out = tmp_path / "new" / "out"
    assert paths == {"x.csv": out / "x.csv", "run.json": out / "run.json"}
    assert (out / "x.csv").read_bytes().decode("utf-8") == 'Zip,Note\r\n02134,"a,\nb"\r\n'
    assert json.loads((out / "run.json").read_text(encoding="utf-8")) == {"n": 1, "é": "ü"}
    assert sorted(p.name for p in out.iterdir()) == ["run.json", "x.csv"]


def test_a_failed_write_leaves_no_manifest_and_no_temp_files(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": ["1"]})
    write_outputs(tmp_path, {"clean.csv": df, "rejected.csv": df, "report.json": {"run": 1}})
    # A directory squatting on one of the names makes the second move fail half-way.
    (tmp_path / "rejected.csv").unlink()
    (tmp_path / "rejected.csv").mkdir()
    with pytest.raises(InputError, match=r"^cannot write to .*; choose another --out directory$"):
        write_outputs(tmp_path, {"clean.csv": df, "rejected.csv": df, "report.json": {"run": 2}})
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["clean.csv", "rejected.csv"]  # the old report.json is gone, no temp dir


def test_write_outputs_reports_an_unwritable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match=r"^cannot write to .*file"):
        write_outputs(blocker, {"a.json": {}})


def test_write_result_names_the_input_read_by_read_csv(tmp_path: Path) -> None:
    """The source recorded by read_csv reaches report.json without being passed again."""
    from sfclean import normalize
    from sfclean.io import write_result

    path = _file(tmp_path, "Email;Name\r\nJos\u00e9@x.example;Jos\u00e9\r\n".encode("cp1252"))
    df = read_csv(path)
    result = normalize(df)
    assert result.source == {
        "path": str(path),
        "encoding": "cp1252",
        "delimiter": ";",
        "skip_rows": 0,
    }
    write_result(result, tmp_path / "out")
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["input"] == {
        "path": str(path),
        "encoding": "cp1252",
        "delimiter": ";",
        "skip_rows": 0,
    }
    # a frame built in memory has no source; an explicit one still wins
    plain = normalize(pd.DataFrame({"Email": ["a@x.example"]}))
    assert plain.source == {}
    write_result(plain, tmp_path / "o2", source={"path": "mem"})
    report = json.loads((tmp_path / "o2" / "report.json").read_text(encoding="utf-8"))
    assert report["input"] == {
        "path": "mem",
        "encoding": None,
        "delimiter": None,
        "skip_rows": None,
    }


@pytest.mark.parametrize("first", ["sep=;\n", "sep=;\r\n", "\ufeffsep=;\r\n"])
def test_excel_sep_line_sets_the_delimiter_and_is_not_a_row(tmp_path: Path, first: str) -> None:
    df = read_csv(_file(tmp_path, first + "Email;Name, full\na@x.example;Lee, Ann\n"))
    assert df.to_dict("records") == [{"Email": "a@x.example", "Name, full": "Lee, Ann"}]
    assert df.attrs["sfclean"]["delimiter"] == ";"


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.none() | st.tuples(text_cells, text_cells).filter(lambda r: r != ("", "")),
        min_size=1,
        max_size=10,
    ).filter(lambda rows: any(r is not None for r in rows))
)
def test_every_record_keeps_its_spreadsheet_row(rows: list[tuple[str, str] | None]) -> None:
    """Row i of the frame is spreadsheet row i + 2, blank lines included (None = blank line)."""
    import csv
    import io
    import tempfile

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["Email", "Notes"])
    for row in rows:
        if row is None:
            buffer.write("\n")
        else:
            writer.writerow(row)
    last = max(i for i, row in enumerate(rows) if row is not None)
    expected = [
        {"Email": "", "Notes": ""} if r is None else {"Email": r[0], "Notes": r[1]}
        for r in rows[: last + 1]
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        assert read_csv(path).to_dict("records") == expected


def test_cp1252_text_whose_bytes_happen_to_look_like_utf8_is_still_cp1252(tmp_path: Path) -> None:
    text = "Email,Street\na@x.example,\u201eStra\u00dfe\u201c M\u00fcller\u00e4\n"
    df = read_csv(_file(tmp_path, text.encode("cp1252")))  # ß“ is also a valid UTF-8 pair
    assert df.attrs["sfclean"]["encoding"] == "cp1252"
    assert df["Street"].tolist() == ["\u201eStra\u00dfe\u201c M\u00fcller\u00e4"]
