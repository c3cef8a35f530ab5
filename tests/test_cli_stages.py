"""``sfclean codes``, ``sfclean exclude`` and ``sfclean load`` through click's CliRunner.

exclude and load run against a local org over HTTPS, one stage at a time on the files the
stage before wrote (normalize's clean.csv -> exclude's kept.csv -> load), as a Data Loader user
would; the original file's row numbers survive every step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from sfclean.cli import cli
from sfclean.codes import CODES
from sfclean.localorg import LocalOrg

SEED: dict[str, Any] = {
    "org": {"name": "Stage Test Org", "dailyApiLimit": 15000},
    "records": {
        "Lead": [{"LastName": "Old", "Company": "Acme", "Email": "old@example.com"}],
        "Contact": [{"LastName": "Known", "Email": "Known@Example.org"}],
    },
}

INPUT = (
    "Email,LastName,Company,Nickname\n"
    "new1@example.com,One,Acme,Al\n"  # row 2: kept, loaded
    "info@example.com,Role,Acme,\n"  # row 3: normalize holds it back (role-mailbox)
    "KNOWN@example.org,Two,Acme,\n"  # row 4: excluded (Contact)
    "  old@example.com ,Three,Acme,\n"  # row 5: excluded (Lead)
    "new2@example.com,Four,,\n"  # row 6: kept, fails on insert (no Company)
)


@pytest.fixture
def org(localorg_factory: Callable[..., LocalOrg]) -> LocalOrg:
    return localorg_factory(SEED)


def invoke(*args: str | Path, org: LocalOrg | None = None) -> Result:
    login: list[str] = []
    env = {}
    if org is not None:
        login = ["--instance-url", org.instance_url, "--ca-bundle", org.ca_bundle]
        env = {"SF_ACCESS_TOKEN": org.access_token}
    return CliRunner().invoke(cli, [*map(str, args), *login], env=env, catch_exceptions=False)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _clean_csv(tmp_path: Path) -> Path:
    source = tmp_path / "in.csv"
    source.write_text(INPUT, encoding="utf-8")
    result = invoke("normalize", source, "--out", tmp_path / "n")
    assert result.exit_code == 0, result.output
    return tmp_path / "n" / "clean.csv"


# --- codes ---------------------------------------------------------------------------------


def test_codes_prints_every_code() -> None:
    result = invoke("codes")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["code", "kind", "stage", "file", "title"]
    assert [line.split()[0] for line in lines[1:]] == [c.name for c in CODES]


def test_codes_explains_one_code_and_both_kinds_of_a_shared_name() -> None:
    result = invoke("codes", "disposable-domain")
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "disposable-domain (normalize reason, in rejected.csv): a disposable-mail provider's"
    )
    assert "--keep disposable-domain" in result.stdout
    both = invoke("codes", "invalid-phone", "--json")
    assert [c["kind"] for c in json.loads(both.stdout)] == ["reason", "finding"]


def test_an_unknown_code_is_one_error_line_with_a_suggestion() -> None:
    result = invoke("codes", "disposable-domian")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: unknown code 'disposable-domian'; did you mean disposable-domain? "
        "`sfclean codes` lists every code\n"
    )


# --- exclude, then load, on the files of the stage before ----------------------------------


def test_exclude_then_load_keep_the_original_row_numbers(org: LocalOrg, tmp_path: Path) -> None:
    clean = _clean_csv(tmp_path)
    out = tmp_path / "x"
    result = invoke("exclude", clean, "--out", out, org=org)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "excluded.csv",
        "excluded_updates.csv",
        "kept.csv",
        "report.json",
    ]
    excluded = _read(out / "excluded.csv")
    assert excluded["sfclean_row"].tolist() == ["4", "5"]
    assert set(excluded["sfclean_reason"]) == {"exists-in-org"}
    assert excluded["sfclean_matched_object"].tolist() == ["Contact", "Lead"]
    updates = _read(out / "excluded_updates.csv")
    assert updates.columns[0] == "Id" and updates["sfclean_row"].tolist() == ["4", "5"]
    assert _read(out / "kept.csv")["sfclean_row"].tolist() == ["2", "6"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (report["stage"], report["rows_in"], report["rows_held_back"]) == ("exclude", 4, 2)
    assert report["input"]["path"] == str(clean)
    assert result.stderr.startswith("exclude: 4 rows in, 2 kept, 2 held back\n")
    assert result.stderr.endswith(
        f"Wrote excluded.csv, excluded_updates.csv, kept.csv, report.json to {out}\n"
    )

    loaded_dir = tmp_path / "l"
    result = invoke("load", out / "kept.csv", "--object", "Lead", "--out", loaded_dir, org=org)
    assert result.exit_code == 0, result.output
    loaded, failed = _read(loaded_dir / "loaded.csv"), _read(loaded_dir / "failed.csv")
    assert loaded["sfclean_row"].tolist() == ["2"] and loaded["Id"].str.len().tolist() == [18]
    assert loaded.columns[0] == "Id"  # Data Loader's success-file shape
    assert failed.empty  # row 6 has no Company: pre-flight holds it back, nothing is sent
    rejected = _read(loaded_dir / "rejected.csv")
    assert rejected["sfclean_row"].tolist() == ["6"]
    assert rejected["sfclean_reason"].tolist() == ["missing-required-field"]
    report = json.loads((loaded_dir / "report.json").read_text(encoding="utf-8"))
    assert (report["rows_kept"], report["rows_held_back"]) == (1, 1)
    assert report["not_loaded"] == ["Nickname"]  # no such Lead field; sfclean_row is never sent
    assert report["files"] == ["loaded.csv", "failed.csv", "rejected.csv", "report.json"]
    assert "held back: missing-required-field 1" in result.stderr
    assert org.engine.store.count("Lead") == 2


def test_load_with_a_mapping_sends_only_the_mapped_columns(org: LocalOrg, tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("Surname,Firm,Mail\nLee,Acme,lee@example.com\n", encoding="utf-8")
    mapping = tmp_path / "lead.sdl"
    mapping.write_text("Surname=LastName\nFirm=Company\n", encoding="utf-8")
    out = tmp_path / "o"
    result = invoke(
        "load", source, "--object", "Lead", "--out", out, "--mapping", mapping, "--json", org=org
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["fields"] == {"Surname": "LastName", "Firm": "Company"}
    assert report["not_loaded"] == ["Mail"]
    assert _read(out / "loaded.csv")["sfclean_row"].tolist() == ["2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch-size", "0"], "Error: batch_size must be 1 to 10,000 for --api bulk, got 0\n"),
        (["--api", "rest", "--mapping", "missing.sdl"], "Error: mapping file missing.sdl cannot"),
    ],
)
def test_load_refuses_bad_options_before_the_org(
    org: LocalOrg, tmp_path: Path, args: list[str], message: str
) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("LastName,Company\nLee,Acme\n", encoding="utf-8")
    before = org.api_calls
    out = tmp_path / "o"
    result = invoke("load", source, "--object", "Lead", "--out", out, *args, org=org)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert org.api_calls == before and not out.exists()


def test_exclude_names_the_flag_of_a_bad_column(org: LocalOrg, tmp_path: Path) -> None:
    clean = _clean_csv(tmp_path)
    result = invoke("exclude", clean, "--out", tmp_path / "x", "--email-column", "Mail", org=org)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: column 'Mail' named by --email-column not found")


@pytest.mark.parametrize("command", ["codes", "exclude", "load"])
def test_help_works_and_the_readme_shows_the_command(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0 and "Usage: " in result.stdout
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"sfclean {command}" in readme


def test_load_into_a_misspelt_object_says_which_was_meant(org: LocalOrg, tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("LastName,Company\nLee,Acme\n", encoding="utf-8")
    result = invoke("load", source, "--object", "contact", "--out", tmp_path / "ok", org=org)
    assert result.exit_code == 0, result.output  # API names in any case are fine
    result = invoke("load", source, "--object", "Contcat", "--out", tmp_path / "o", org=org)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the org has no object 'Contcat'; did you mean Contact?")
    assert not (tmp_path / "o").exists()


def test_exclude_from_a_misspelt_object_says_which_was_meant(org: LocalOrg, tmp_path: Path) -> None:
    clean = _clean_csv(tmp_path)
    before = org.api_calls
    result = invoke("exclude", clean, "--out", tmp_path / "x", "--object", "Contcat", org=org)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the org has no object 'Contcat'; did you mean Contact? --object takes an API "
        "name (Lead, Contact)\n"
    )
    assert org.api_calls - before == 1  # the org's object list, nothing searched
