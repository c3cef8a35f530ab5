"""``sfclean normalize`` through click's CliRunner: exit codes, messages and output files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sfclean.cli import cli
from sfclean.report import FINDINGS_COLUMNS

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "sample_data" / "leads.csv"
OUTPUT_FILES = ["clean.csv", "findings.csv", "rejected.csv", "report.json"]
GOOD_CSV = (
    "FirstName,Email,Phone,Country,PostalCode\n"
    "Ann,Ann@Example.com ,(415) 555-0123,US,02134\n"
    "Bo,info@example.com,020 7946 0958,UK,NA\n"
    "Cy,ann@example.com,,US,\n"
)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["normalize", *map(str, args)])


def _write(tmp_path: Path, data: bytes | str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _header(path: Path) -> str:
    return path.read_bytes().decode("utf-8").splitlines()[0]


# --- inputs that stop the run: one line, exit 1, nothing written --------------------------

BAD_INPUTS = [
    # (label, file bytes or None for "no file", extra args, expected stderr with {p} = path)
    ("empty", b"", [], "Error: {p} is empty; expected a CSV file with a header row"),
    ("header only", b"Email,Phone\r\n", [], "Error: {p} has a header but no rows"),
    (
        "no email column",
        b"Name,Phone\nAnn,1\n",
        [],
        "Error: no email column found (columns: Name, Phone); name it with --email-column",
    ),
    (
        "ragged rows",
        b"Email,Name,Phone\na@x.example,A,1\nb@x.example,B\nc@x.example,C,3,4\n",
        [],
        "Error: {p}: row 3 has 2 fields; row 4 has 4 fields, the header has 3; "
        "check the delimiter and quoting of those rows",
    ),
    (
        "forced wrong encoding",
        b"Email,Name\na@x.example,Jos\xe9\n",
        ["--encoding", "utf-8"],
        "Error: {p} is not UTF-8 at byte 26 (line 2); try --encoding cp1252",
    ),
    (
        "unknown encoding",
        b"Email\na@x.example\n",
        ["--encoding", "ebcdic-klingon"],
        "Error: unknown encoding 'ebcdic-klingon'; use utf-8, cp1252 or latin-1",
    ),
    (
        "broken quoting",
        b'Email,Name\na@x.example,"Ann\n',
        [],
        "Error: {p} has broken quoting in row 2 (line 2): a quote is opened and never closed; "
        "close it or remove it",
    ),
    ("missing file", None, [], "Error: {p} does not exist; check the path"),
    (
        "explicit column typo",
        b"Email,Phone\na@x.example,1\n",
        ["--email-column", "Emial"],
        "Error: column 'Emial' named by --email-column not found (columns: Email, Phone)",
    ),
]


@pytest.mark.parametrize(("label", "data", "extra", "expected"), BAD_INPUTS)
def test_bad_input_is_one_error_line_exit_1_and_no_files(
    tmp_path: Path, label: str, data: bytes | None, extra: list[str], expected: str
) -> None:
    path = tmp_path / "in.csv" if data is None else _write(tmp_path, data)
    out = tmp_path / "out"
    result = run(path, "--out", out, *extra)
    assert result.exit_code == 1, label
    assert result.stderr == expected.format(p=path) + "\n"
    assert result.stdout == ""
    assert not out.exists() or not any(out.iterdir())


def test_an_unreadable_input_path_is_exit_1(tmp_path: Path) -> None:
    result = run(tmp_path, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path} is a directory, not a CSV file\n"


def test_a_bad_mapping_file_is_exit_1(tmp_path: Path) -> None:
    mapping = _write(tmp_path, "this is not a mapping\n", "map.sdl")
    result = run(_write(tmp_path, GOOD_CSV), "--out", tmp_path / "out", "--mapping", mapping)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: mapping file {mapping} line 1 is not csvColumn=SalesforceField; "
        "is it a Data Loader .sdl file?\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args",
    [
        [],  # no input, no --out
        ["in.csv"],  # no --out
        ["in.csv", "--out", "o", "--invalid-phone", "drop"],
        ["in.csv", "--out", "o", "--match-key", "phone"],
        ["in.csv", "--out", "o", "--add", "info"],
        ["in.csv", "--out", "o", "--add", "spam-mailbox=x"],
        ["in.csv", "--out", "o", "--add", "role-mailbox="],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Usage: " in result.stderr


# --- inputs that work ---------------------------------------------------------------------

GOOD_INPUTS = [
    ("utf-8", GOOD_CSV.encode()),
    ("utf-8 BOM", b"\xef\xbb\xbf" + GOOD_CSV.encode()),
    ("cp1252", GOOD_CSV.replace("Bo,", "Zoë,").encode("cp1252")),
    ("semicolon", GOOD_CSV.replace(",", ";").encode()),
    ("tab", GOOD_CSV.replace(",", "\t").encode()),
    ("CRLF", GOOD_CSV.replace("\n", "\r\n").encode()),
    ("quoted newline", GOOD_CSV.replace("Cy,", '"Cy\nwith, comma",').encode()),
]


@pytest.mark.parametrize(("label", "data"), GOOD_INPUTS)
def test_good_inputs_write_the_four_files(tmp_path: Path, label: str, data: bytes) -> None:
    out = tmp_path / "out"
    result = run(_write(tmp_path, data), "--out", out)
    assert result.exit_code == 0, (label, result.stderr)
    assert sorted(p.name for p in out.iterdir()) == OUTPUT_FILES
    assert _header(out / "clean.csv") == "FirstName,Email,Phone,Country,PostalCode,sfclean_row"
    clean = (out / "clean.csv").read_bytes().decode("utf-8")
    assert "ann@example.com" in clean
    assert ",02134" in clean  # leading zero kept
    assert "+14155550123" in clean
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["rows_in"] == 3
    assert report["reasons"] == {"duplicate-in-file": 1, "role-mailbox": 1}
    assert report["input"]["delimiter"] == {"semicolon": ";", "tab": "\t"}.get(label, ",")


def test_output_headers_and_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(SAMPLE, "--out", out)
    assert result.exit_code == 0, result.stderr
    header = _header(SAMPLE)
    assert _header(out / "clean.csv") == header + ",sfclean_row"
    # the files for people start with a BOM (Excel then reads them as UTF-8); clean.csv not
    rejected = "\ufeff" + header + ",sfclean_row,sfclean_reason,sfclean_detail"
    assert _header(out / "rejected.csv") == rejected
    assert _header(out / "findings.csv") == "\ufeff" + ",".join(FINDINGS_COLUMNS)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["input"] == {
        "path": str(SAMPLE),
        "encoding": "utf-8",
        "delimiter": ",",
        "skip_rows": 0,
    }
    assert report["rows_in"] == report["rows_kept"] + report["rows_held_back"]
    assert set(report["reasons"]) == {
        "missing-email",
        "invalid-email",
        "noreply-mailbox",
        "role-mailbox",
        "disposable-domain",
        "duplicate-in-file",
    }
    assert report["columns"] == {
        "email": "Email",
        "phones": ["Phone", "MobilePhone"],
        "country": "Country",
    }
    # The short summary goes to stderr, nothing to stdout.
    assert result.stdout == ""
    assert result.stderr.startswith(f"normalize: {report['rows_in']} rows in, ")
    assert result.stderr.endswith(
        f"Wrote clean.csv, rejected.csv, findings.csv, report.json to {out}\n"
    )


def test_json_prints_the_report_on_stdout(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(SAMPLE, "--out", out, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == json.loads((out / "report.json").read_text("utf-8"))
    assert result.stderr == ""


def test_a_rerun_replaces_the_previous_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(SAMPLE, "--out", out).exit_code == 0
    path = _write(tmp_path, GOOD_CSV)
    assert run(path, "--out", out).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == OUTPUT_FILES
    assert json.loads((out / "report.json").read_text("utf-8"))["rows_in"] == 3


def test_mapping_finds_columns_that_names_alone_would_not(tmp_path: Path) -> None:
    data = "Who,Addr,Landline,Land\nAnn,ann@example.com,(415) 555-0123,US\n"
    mapping = _write(
        tmp_path,
        "#Mapping values\nWho=LastName\nAddr=Email\nLandline=Phone\nLand=Country\n",
        "m.sdl",
    )
    out = tmp_path / "out"
    result = run(_write(tmp_path, data), "--out", out, "--mapping", mapping, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["columns"] == {
        "email": "Addr",
        "phones": ["Landline"],
        "country": "Land",
    }


def test_sample_mapping_matches_the_sample(tmp_path: Path) -> None:
    result = run(
        SAMPLE, "--out", tmp_path / "o", "--mapping", ROOT / "sample_data" / "leads.sdl", "--json"
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["columns"]["email"] == "Email"


def test_invalid_phone_reject_holds_rows_back(tmp_path: Path) -> None:
    data = "Email,Phone\na@example.com,123\nb@example.com,(415) 555-0123\n"
    result = run(
        _write(tmp_path, data), "--out", tmp_path / "o", "--invalid-phone", "reject", "--json"
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["reasons"] == {"invalid-phone": 1}
    assert report["rows_kept"] == 1


# --- documentation ------------------------------------------------------------------------


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    mentioned = set(re.findall(r"\bsfclean ([a-z][a-z-]*)", readme))
    missing = sorted(set(cli.commands) - mentioned)
    assert not missing, f"commands not shown in README.md: {missing}"


def test_readme_quick_start_shows_the_real_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "    $ sfclean normalize sample_data/leads.csv --out out/\n"
    assert command in readme
    block = readme.split(command, 1)[1].split("\n\n", 1)[0]
    shown = "\n".join(line.removeprefix("    ") for line in block.splitlines()) + "\n"
    monkeypatch.chdir(tmp_path)
    result = run(SAMPLE, "--out", "out/")
    assert result.exit_code == 0
    assert result.stderr == shown


JUNK_CSV = (
    "Email,Phone\n"
    "info@example.com,\n"
    "noreply@example.com,\n"
    "x@mailinator.com,\n"
    "support@example.org,\n"
    "ann@example.com,\n"
)


@pytest.mark.parametrize(
    ("args", "reasons"),
    [
        (
            [],
            {"role-mailbox": 2, "noreply-mailbox": 1, "disposable-domain": 1},
        ),
        (["--keep", "role-mailbox"], {"noreply-mailbox": 1, "disposable-domain": 1}),
        (["--keep", "role-mailbox", "--keep", "disposable-domain"], {"noreply-mailbox": 1}),
        (["--allow", "info"], {"role-mailbox": 1, "noreply-mailbox": 1, "disposable-domain": 1}),
        (
            ["--allow", "mailinator.com", "--allow", "noreply@example.com"],
            {"role-mailbox": 2},
        ),
        (
            ["--add", "role-mailbox=ann", "--add", "disposable-domain=example.org"],
            {"role-mailbox": 3, "noreply-mailbox": 1, "disposable-domain": 1},
        ),
        (
            ["--keep", "role-mailbox", "--add", "disposable-domain=example.org"],
            {"noreply-mailbox": 1, "disposable-domain": 2},
        ),
        (
            ["--add", "noreply-mailbox=ann@example.com", "--allow", "info@example.com"],
            {"role-mailbox": 1, "noreply-mailbox": 2, "disposable-domain": 1},
        ),
    ],
)
def test_junk_switches(tmp_path: Path, args: list[str], reasons: dict[str, int]) -> None:
    result = run(_write(tmp_path, JUNK_CSV), "--out", tmp_path / "o", "--json", *args)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["reasons"] == reasons


@pytest.mark.parametrize(("flag", "sep"), [("|", "|"), ("\\t", "\t"), ("tab", "\t")])
def test_forced_delimiter(tmp_path: Path, flag: str, sep: str) -> None:
    data = f"Email{sep}Phone\na@example.com{sep}1\n"
    result = run(_write(tmp_path, data), "--out", tmp_path / "o", "--delimiter", flag, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["input"]["delimiter"] == sep


def test_bad_region_is_exit_1_names_the_flag_and_writes_nothing(tmp_path: Path) -> None:
    result = run(_write(tmp_path, GOOD_CSV), "--out", tmp_path / "o", "--region", "XX")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --region 'XX' is not a known country; use an ISO 3166 code such as US or GB\n"
    )
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("region", ["gb", "UK", "United Kingdom", "GBR"])
def test_region_accepts_codes_and_names(tmp_path: Path, region: str) -> None:
    data = "Email,Phone\na@example.com,020 7946 0958\n"
    result = run(_write(tmp_path, data), "--out", tmp_path / "o", "--region", region)
    assert result.exit_code == 0, result.stderr
    assert "+442079460958" in (tmp_path / "o" / "clean.csv").read_text(encoding="utf-8")


def test_rows_keep_their_spreadsheet_number_across_blank_lines(tmp_path: Path) -> None:
    """A blank line is a row in Excel: it is held back as missing-email, numbers do not drift."""
    data = "Email,Name\na@example.com,A\n\nbad,B\n,\na@example.com,C\n\n"
    out = tmp_path / "o"
    result = run(_write(tmp_path, data), "--out", out, "--json")
    assert result.exit_code == 0, result.stderr
    rejected = (out / "rejected.csv").read_text(encoding="utf-8").splitlines()
    rows = [line.split(",")[2:4] for line in rejected[1:]]
    assert rows == [
        ["3", "missing-email"],
        ["4", "invalid-email"],
        ["5", "missing-email"],
        ["6", "duplicate-in-file"],
    ]
    assert json.loads(result.stdout)["rows_in"] == 5
