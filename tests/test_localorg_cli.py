"""``sfclean localorg serve`` in a real subprocess: prints URL, token and CA file, answers
requests with them, keeps data in --db across runs, stops cleanly on SIGINT."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests
import yaml
from click.testing import CliRunner

from sfclean.cli import cli


def _serve(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", "from sfclean.cli import main; main()", "localorg", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    info: dict[str, str] = {}
    for line in process.stdout:
        if line.startswith("localorg serving "):
            info["url"] = line.split()[-1]
        elif ":" in line and line.startswith("  "):
            key, _, value = line.strip().partition(":")
            info[key] = value.strip()
        if line.startswith("Press Ctrl-C"):
            break
    return process, info


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "localorg stopped." in out


def _api(info: dict[str, str], method: str, path: str, **kwargs: Any) -> requests.Response:
    """A REST request to the served org with the token and CA file it printed."""
    return requests.request(
        method,
        info["url"] + "/services/data/v62.0/" + path,
        headers={"Authorization": f"Bearer {info['access token']}"},
        verify=info["CA bundle"],
        timeout=10,
        **kwargs,
    )


def _count(info: dict[str, str]) -> int:
    response = _api(info, "GET", "query", params={"q": "SELECT COUNT() FROM Contact"})
    assert response.status_code == 200
    return int(response.json()["totalSize"])


def test_serve_prints_credentials_and_keeps_data_in_db(tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    seed.mkdir()
    (seed / "org.yaml").write_text(yaml.safe_dump({"org": {"name": "CLI Org"}}), encoding="utf-8")
    (seed / "Contact.csv").write_text("LastName,Email\nOne,one@example.com\n", encoding="utf-8")
    db = tmp_path / "org.db"
    process, info = _serve("--seed", str(seed), "--db", str(db))
    try:
        assert info["url"].startswith("https://127.0.0.1:")
        assert info["access token"].startswith("00D")
        assert Path(info["CA bundle"]).is_file()
        assert _count(info) == 1
        _api(info, "POST", "sobjects/Contact", json={"LastName": "Two"}).raise_for_status()
    finally:
        _stop(process)
    process, info = _serve("--db", str(db))  # the stored org, no seed: nothing is re-seeded
    try:
        assert _count(info) == 2
        created = _api(info, "POST", "sobjects/Contact", json={"LastName": "Three"})
        assert created.status_code == 201  # a new Id that collides with no stored one
        assert _count(info) == 3
    finally:
        _stop(process)


def test_serve_reports_a_bad_seed_as_an_error() -> None:
    result = CliRunner().invoke(cli, ["localorg", "serve", "--seed", "/nonexistent/seed"])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_serve_reports_an_invalid_seed_config_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "org.yaml").write_text("bogusKey: 1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["localorg", "serve", "--seed", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "bogusKey" in result.output
