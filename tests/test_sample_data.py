"""sample_data/leads.csv is exactly what sample_data/make_leads.py generates."""

from __future__ import annotations

import importlib.util
import types
from pathlib import Path

import pytest

SAMPLE_DIR = Path(__file__).parent.parent / "sample_data"


def test_leads_csv_is_reproducible(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_leads", SAMPLE_DIR / "make_leads.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "leads.csv"
    module.write(out, module.build_rows())
    assert out.read_bytes() == (SAMPLE_DIR / "leads.csv").read_bytes()


def _module(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, SAMPLE_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_outlook_and_linkedin_exports_are_reproducible(tmp_path: Path) -> None:
    paths = _module("make_exports").write(tmp_path)
    for path in paths:
        assert path.read_bytes() == (SAMPLE_DIR / path.name).read_bytes(), path.name


def test_the_outlook_export_is_shaped_like_outlooks() -> None:
    import sfclean

    data = (SAMPLE_DIR / "outlook_contacts.csv").read_bytes()
    assert data.startswith(b'"Title","First Name","Middle Name","Last Name",')
    assert b"\r\n" in data and "Zoë".encode("cp1252") in data
    df = sfclean.read_csv(SAMPLE_DIR / "outlook_contacts.csv")
    assert df.attrs["sfclean"]["encoding"] == "cp1252"
    assert len(df.columns) == 92
    for column in ("E-mail Address", "Business Phone", "Mobile Phone", "Business Country/Region"):
        assert column in df.columns
    assert "Zoë" in df["First Name"].tolist()
    assert df["Notes"].str.contains("\r\n").any()  # a multi-line note is one cell


def test_the_linkedin_export_needs_skip_rows_and_keeps_spreadsheet_rows() -> None:
    import sfclean
    from sfclean.errors import InputError

    path = SAMPLE_DIR / "linkedin_connections.csv"
    assert path.read_bytes().startswith(b"Notes:\n")
    with pytest.raises(InputError, match="pass --skip-rows 3"):
        sfclean.read_csv(path)
    df = sfclean.read_csv(path, skip_rows=3)
    assert list(df.columns) == [
        "First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On",
    ]  # fmt: skip
    result = sfclean.normalize(df)
    rows = dict(zip(result.kept["First Name"], result.kept["sfclean_row"], strict=True))
    assert rows["Ann"] == 5  # header = row 4


def test_the_readme_shows_the_real_output_for_both_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re
    import shlex

    from click.testing import CliRunner

    from sfclean.cli import cli

    readme = (SAMPLE_DIR.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(
        r"^    \$ sfclean (normalize sample_data/(?:outlook|linkedin)\S+ .*)\n((?:    .+\n)+)",
        readme,
        flags=re.MULTILINE,
    )
    assert len(blocks) == 2
    monkeypatch.chdir(tmp_path)
    for command, block in blocks:
        args = shlex.split(command.replace("sample_data/", f"{SAMPLE_DIR}/", 1))
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        shown = "".join(line.removeprefix("    ") + "\n" for line in block.splitlines())
        assert result.stderr == shown, command
