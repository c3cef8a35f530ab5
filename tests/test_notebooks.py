"""The notebooks in notebooks/: committed clean (valid nbformat 4, no outputs), listed in the
README, and they run. Running is a plain ``exec`` of every code cell, in order, in one
namespace, with the working directory Jupyter would use (no jupyter or nbclient needed); the
tests then assert facts about what the cells produced."""

from __future__ import annotations

import json
import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NORMALIZE = NOTEBOOKS / "01_normalize_a_lead_file.ipynb"
REHEARSE = NOTEBOOKS / "02_rehearse_a_load_on_localorg.ipynb"
AUDIT_SCAN = NOTEBOOKS / "03_audit_and_scan_an_org.ipynb"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))
CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # nbformat 4.5 schema
HEADER = "Sforce-Duplicate-Rule-Header"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def run_notebook(
    path: Path,
    cwd: Path,
    monkeypatch: pytest.MonkeyPatch,
    namespace: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Execute the code cells of ``path`` in order in ``namespace`` (filled as the cells run,
    so a caller can clean up after a failing cell), from ``cwd``; returns the namespace."""
    monkeypatch.chdir(cwd)
    namespace = {} if namespace is None else namespace
    namespace["__name__"] = "__main__"
    for number, cell in enumerate(load(path)["cells"], start=1):
        if cell["cell_type"] == "code":
            code = compile(source(cell), f"{path.name}, cell {number}", "exec")
            exec(code, namespace)
    return namespace


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def cleanup() -> Iterator[list[Path]]:
    """Directories a notebook made (temporary output folders), removed after the test."""
    made: list[Path] = []
    yield made
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)


# --- committed clean ---------------------------------------------------------------------


def test_every_notebook_has_a_test_that_runs_it() -> None:
    assert ALL == [NORMALIZE, REHEARSE, AUDIT_SCAN], "a new notebook needs a test that runs it"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_notebook_is_valid_nbformat_4_with_outputs_cleared(path: Path) -> None:
    nb = load(path)
    assert set(nb) == {"cells", "metadata", "nbformat", "nbformat_minor"}
    assert nb["nbformat"] == 4
    assert nb["nbformat_minor"] >= 5  # cell ids are required from 4.5 on
    assert nb["metadata"]["kernelspec"]["language"] == "python"
    ids = [cell["id"] for cell in nb["cells"]]
    assert len(ids) == len(set(ids))
    for cell in nb["cells"]:
        assert CELL_ID.match(cell["id"]), cell["id"]
        assert isinstance(cell["metadata"], dict)
        assert isinstance(cell["source"], (str, list))
        if cell["cell_type"] == "code":
            assert set(cell) == {
                "cell_type",
                "execution_count",
                "id",
                "metadata",
                "outputs",
                "source",
            }
            assert cell["outputs"] == []
            assert cell["execution_count"] is None
        else:
            assert cell["cell_type"] == "markdown"
            assert set(cell) == {"cell_type", "id", "metadata", "source"}
    kinds = {cell["cell_type"] for cell in nb["cells"]}
    assert kinds == {"code", "markdown"}


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_code_cells_are_plain_python(path: Path) -> None:
    """No IPython magics or shell escapes: the cells must run with a plain ``exec``."""
    for cell in load(path)["cells"]:
        if cell["cell_type"] == "code":
            text = source(cell)
            compile(text, path.name, "exec")
            assert not re.search(r"^\s*[%!]", text, re.MULTILINE), text


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_readme_links_every_notebook(path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"(notebooks/{path.name})" in readme


# --- they run ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cwd", [NOTEBOOKS, ROOT, ROOT / "sample_data"], ids=["notebooks", "root", "sub"]
)
def test_normalize_notebook_runs(
    cwd: Path, monkeypatch: pytest.MonkeyPatch, cleanup: list[Path]
) -> None:
    ns = run_notebook(NORMALIZE, cwd, monkeypatch)
    cleanup.append(ns["OUT"])
    assert ns["ROOT"] == ROOT
    result = ns["result"]
    assert (result.rows_in, result.rows_kept, result.rows_held_back) == (203, 158, 45)
    assert result.held_back["sfclean_reason"].value_counts()["invalid-email"] == 7
    problems = ns["phone_problems"]
    assert problems["code"].value_counts().to_dict() == {"invalid-phone": 6, "phone-damaged": 4}
    # rows kept; an invalid phone as it was typed (the default), a damaged one cleared
    by_row = result.kept.set_index("sfclean_row")
    kept = [by_row.loc[r, c] for r, c in zip(problems["row"], problems["column"], strict=True)]
    assert kept == problems["normalized"].tolist()
    invalid = (problems["code"] == "invalid-phone").tolist()
    assert all(v != "" for v, bad in zip(kept, invalid, strict=True) if bad)
    assert all(v == "" for v, bad in zip(kept, invalid, strict=True) if not bad)
    assert sorted(p.name for p in ns["OUT"].iterdir()) == [
        "clean.csv",
        "findings.csv",
        "rejected.csv",
        "report.html",
        "report.json",
    ]
    assert ns["report"]["rows_in"] == 203
    assert f"{result.rows_kept} kept, {result.rows_held_back} held back" in result._repr_html_()
    page = ns["report_html"].read_text(encoding="utf-8")
    assert "<svg" in page and "invalid-email" in page
    assert ns["df"].loc[0, "PostalCode"] == "02134"
    # the Outlook export: its own column names found without options, every row accounted for
    outlook = ns["outlook"]
    assert outlook.columns.email == "E-mail Address"
    assert outlook.columns.country == "Business Country/Region"
    assert outlook.rows_kept + outlook.rows_held_back == outlook.rows_in == len(ns["contacts"])
    assert set(outlook.held_back["sfclean_reason"]) >= {"missing-email", "role-mailbox"}
    assert len(ns["phones"]) > 0 and ns["phones"]["normalized"].str.startswith("+").all()


def test_rehearse_notebook_runs_and_stops_the_org(
    monkeypatch: pytest.MonkeyPatch, cleanup: list[Path]
) -> None:
    ns: dict[str, Any] = {}
    still_listening = None
    try:
        run_notebook(REHEARSE, NOTEBOOKS, monkeypatch, ns)
    finally:  # the notebook's last cell stops the orgs; this covers a cell that failed
        for name in ("org", "crash_org"):
            if name in ns:
                still_listening = bool(still_listening) or listening(ns[name].port)
                ns[name].stop()
        for name in ("rerun_dir", "crash_dir"):
            if name in ns:
                cleanup.append(ns[name])
    org = ns["org"]
    assert ns["exclusion"].summary().rows_held_back == 10
    assert set(ns["exclusion"].held_back["sfclean_reason"]) == {"exists-in-org"}
    assert ns["exclusion"].held_back["sfclean_matched_id"].str.len().min() >= 18
    load_summary = ns["load_summary"]
    assert (load_summary["rows_kept"], load_summary["rows_held_back"]) == (141, 7)
    assert set(ns["load_result"].rejected["sfclean_reason"]) == {"missing-required-field"}
    assert ns["load_result"].failed.empty  # the pre-flight held back the rows without a Company

    # every Bulk request the org received carried allowSave=false
    inserts = [r for r in org.requests if ns["is_insert_request"](r.path)]
    assert any(r.method == "POST" and r.path.endswith("/job") for r in inserts)
    assert [r.header(HEADER) for r in inserts] == ["allowSave=false"] * len(inserts)
    assert ns["without_header"].empty

    # the API-call counts the notebook shows agree with the org's
    calls = ns["calls"]
    assert calls["connection total"] == calls["org counted"] > 0
    assert calls["exclude"] + calls["load"] <= calls["connection total"]

    # the dry rerun finds the loaded rows in the org; the pre-flight holds back the 7 again
    rows = ns["rerun"].report.rows
    assert rows.excluded == 151  # 141 loaded + 10 that were in the org already
    assert (rows.rejected, rows.clean) == (45 + 7, 0)  # the 7 without a Company: pre-flight

    # the crash left the journal only, nothing that looks finished; the rerun resumed,
    # collected the journaled job, and loaded nobody twice
    assert ns["left_behind"] == ["run.jsonl"]
    resumed = ns["resumed"]
    assert resumed.report.resumed is True and resumed.report.collected_jobs >= 1
    assert resumed.report.conservation.ok
    # as many as the uninterrupted run (141): the rerun recognises its own records (issue 12)
    assert resumed.report.rows.loaded == 141 and resumed.report.rows.excluded == 10
    assert len(ns["loaded_emails"]) == 141 and int((ns["copies"] > 1).sum()) == 0
    assert "sfclean run into Lead" in ns["crash_page"].read_text(encoding="utf-8")

    # the last cell stopped both orgs: nothing listened on their ports any more
    assert still_listening is False


def test_audit_and_scan_notebook_runs_and_stops_the_org(
    monkeypatch: pytest.MonkeyPatch, cleanup: list[Path]
) -> None:
    namespace: dict[str, Any] = {}
    try:
        ns = run_notebook(AUDIT_SCAN, NOTEBOOKS, monkeypatch, namespace)
    finally:
        if "org" in namespace:
            namespace["org"].stop()
    cleanup.append(ns["OUT"])
    # the demo org leaks: Report-only Lead rules, a condition that skips the integration
    # user's profile, no Contact rule
    audit = ns["audit"]
    assert audit.verdict == "high"
    codes = set(audit.findings["code"])
    assert {"rule-allow-silent", "rule-excludes-users", "no-active-rule"} <= codes
    assert audit.findings["fix"].str.len().gt(0).all()
    # and the scan finds what got in that way, attributed to the integration user
    scan = ns["scan"]
    clusters = scan.kept
    assert clusters["cluster"].nunique() == scan.summary().to_dict()["clusters"] > 0
    assert (clusters.groupby("cluster")["survivor"].sum() == 1).all()
    newer = clusters[~clusters["survivor"]]
    assert set(newer["created_by"]) == {"etl@sample-org.example"}
    assert set(newer["cause"]) == {"cause-silent-rule"}
    assert set(ns["by_creator"]["created_by"]) == {"etl@sample-org.example"}
    for page, words in ((ns["audit_page"], "rule-allow-silent"), (ns["scan_page"], "etl@")):
        assert words in page.read_text(encoding="utf-8")
    assert (ns["OUT"] / "scan" / "clusters.csv").is_file()
    # the last cell stopped the org
    port = int(ns["org"].instance_url.rsplit(":", 1)[1])
    assert not listening(port)
