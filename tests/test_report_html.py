"""``sfclean report DIR`` / ``sfclean.write_report_html``: one self-contained report.html for a
stage's, a run's, an audit's or a scan's output directory, opened in headless Chromium.

normalize, exclude, load and run directories are real output, written by the stages here.
The audit and scan directories are HAND-MADE (tests/data/reports/, see its README) on the
documented shape of those stages, which are not merged yet: check them against the real
``sfclean audit --out`` / ``sfclean scan --out`` output at merge.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import sfclean
from sfclean.cli import cli
from sfclean.io import write_result
from sfclean.localorg import LocalOrg

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "leads.csv"
FIXTURES = ROOT / "tests" / "data" / "reports"
INJECTED = "<script>alert(1)</script>"


def hand_made(kind: str, tmp_path: Path) -> Path:
    target = tmp_path / kind
    shutil.copytree(FIXTURES / kind, target)
    return target


def normalized_dir(tmp_path: Path) -> Path:
    df = sfclean.read_csv(SAMPLE)
    extra = pd.DataFrame([{c: "" for c in df.columns} | {"LastName": INJECTED, "Email": "x"}])
    result = sfclean.normalize(pd.concat([extra, df], ignore_index=True))  # first: in the sample
    out = tmp_path / "normalize"
    write_result(result, out)
    return out


@pytest.fixture
def run_dir(localorg: LocalOrg, tmp_path: Path) -> Path:
    conn = sfclean.connect(
        instance_url=localorg.instance_url,
        access_token=localorg.access_token,
        ca_bundle=localorg.ca_bundle,
    )
    out = tmp_path / "run"
    sfclean.run(sfclean.read_csv(SAMPLE), conn, object_name="Lead", out_dir=out, api="rest")
    return out


def assert_self_contained(text: str) -> None:
    """No script, no style sheet, font or image from anywhere else: nothing to fetch."""
    assert "<script" not in text.lower()
    assert "<link" not in text.lower() and "@import" not in text
    assert re.findall(r"url\(\s*([^#\s][^)]*)\)", text) == []  # url(#id) is inside the SVG
    for target in re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", text):
        assert target.startswith("#"), f"the page refers to {target}"


def page_text(text: str) -> str:
    """The page's text without tags, unescaped, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def test_normalize_report_has_summary_reasons_chart_and_escaped_samples(tmp_path: Path) -> None:
    out = normalized_dir(tmp_path)
    path = sfclean.write_report_html(out)
    assert path == out / "report.html"
    text = path.read_text(encoding="utf-8")
    assert_self_contained(text)
    assert text.count("<svg") == 2  # reasons and findings, inline
    words = page_text(text)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    counts = (report["rows_in"], report["rows_kept"], report["rows_held_back"])
    assert counts[0] == 204 and counts[1] + counts[2] == 204
    assert "{} rows in, {} kept, {} held back".format(*counts) in words
    invalid = report["reasons"]["invalid-email"]  # the sample's and the extra row's
    assert f"normalize invalid-email {invalid}" in words
    assert f"rejected.csv: invalid-email ({invalid} rows)" in words
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    samples = re.findall(r"rejected\.csv: [a-z-]+ \((\d+) rows\)", words)
    assert len(samples) == 6  # one sample per reason
    body_rows = text.split("Held-back samples")[1].count("<tr>")
    assert body_rows <= 6 * (5 + 1)  # at most 5 rows a reason, plus each header


def test_run_report_has_rows_per_output_reasons_of_every_stage_and_api_calls(
    run_dir: Path,
) -> None:
    text = sfclean.write_report_html(run_dir).read_text(encoding="utf-8")
    assert_self_contained(text)
    words = page_text(text)
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    rows = report["rows"]
    assert f"{rows['in']} rows in; loaded {rows['loaded']}" in words
    assert "Rows per output" in words and "API calls" in words
    invalid = report["stages"]["normalize"]["reasons"]["invalid-email"]
    assert f"normalize invalid-email {invalid}" in words
    assert f"total {report['api_calls']['total']}" in words
    assert "every row accounted for True" in words


def test_audit_report_shows_the_verdict_severities_and_fixes(tmp_path: Path) -> None:
    """Hand-made audit directory (see the module docstring): check again at merge."""
    out = hand_made("audit", tmp_path)
    text = sfclean.write_report_html(out).read_text(encoding="utf-8")
    assert_self_contained(text)
    words = page_text(text)
    assert "Verdict high 2 high, 1 medium, 1 review, 1 ok" in words
    assert "Findings by severity" in words and text.count("<svg") == 1
    high = words.index("rule-allow-silent")
    assert high < words.index("matching-rule-no-email") < words.index("rule-block")
    assert "Set the rule's action on insert to Block" in words
    assert "&lt;b&gt;integration@acme.example&lt;/b&gt;" in text and "<b>" not in text
    assert "Email coverage" in words and "Standard_Lead_Match_Rule_v1_0" in words


def test_scan_report_shows_duplicates_by_creator_over_time_and_the_plans(tmp_path: Path) -> None:
    """Hand-made scan directory (see the module docstring): check again at merge."""
    out = hand_made("scan", tmp_path)
    text = sfclean.write_report_html(out).read_text(encoding="utf-8")
    assert_self_contained(text)
    words = page_text(text)
    assert "Duplicates by creator over time" in words
    assert text.count("<svg") == 2  # the timeline and the per-creator bars
    assert "2026-01" in text and "2026-03" in text  # months on the timeline's axis
    assert "Merge plan (2 rows in merge_plan.csv)" in words
    assert "Why the duplicates got in" in words and "records.Lead 14" in words
    assert "&lt;i&gt;creates&lt;/i&gt;" in text and "<i>" not in text
    assert INJECTED not in text  # the creator's name, escaped in tables and charts


def test_the_page_is_the_same_when_written_twice(tmp_path: Path) -> None:
    out = hand_made("scan", tmp_path)
    first = sfclean.write_report_html(out).read_bytes()
    assert sfclean.write_report_html(out).read_bytes() == first


def test_cli_report_writes_the_page(tmp_path: Path) -> None:
    out = normalized_dir(tmp_path)
    result = CliRunner().invoke(cli, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {out / 'report.html'}\n"
    assert (out / "report.html").stat().st_size > 10_000


def test_writing_the_outputs_again_removes_the_page_of_the_old_ones(tmp_path: Path) -> None:
    out = normalized_dir(tmp_path)
    sfclean.write_report_html(out)
    result = CliRunner().invoke(cli, ["normalize", str(SAMPLE), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "report.json").is_file()
    assert not (out / "report.html").exists()  # it counted the old rows


def test_a_new_run_removes_the_page_of_the_last_one(run_dir: Path, localorg: LocalOrg) -> None:
    sfclean.write_report_html(run_dir)
    conn = sfclean.connect(
        instance_url=localorg.instance_url,
        access_token=localorg.access_token,
        ca_bundle=localorg.ca_bundle,
    )
    other = run_dir.parent / "other.csv"
    other.write_text("LastName,Company,Email\nNew,Acme,new.person@example.com\n", encoding="utf-8")
    sfclean.run(other, conn, object_name="Lead", out_dir=run_dir, api="rest", overwrite=True)
    assert not (run_dir / "report.html").exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "has no report.json; give the --out directory"),
        (lambda d: (d / "report.json").write_text("{nope", encoding="utf-8"), "is not valid JSON"),
        (
            lambda d: (d / "report.json").write_text('{"stage": "teleport"}', encoding="utf-8"),
            "from a stage sfclean cannot draw (teleport)",
        ),
    ],
    ids=["missing", "broken", "unknown-stage"],
)
def test_cli_report_refuses_a_directory_without_a_usable_report(
    tmp_path: Path, setup: object, message: str
) -> None:
    setup(tmp_path)  # type: ignore[operator]
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "report.html").exists()


def test_without_matplotlib_the_error_says_which_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = hand_made("audit", tmp_path)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(sfclean.ConfigError, match=r"sfclean\[reports\]"):
        sfclean.write_report_html(out)
    assert not (out / "report.html").exists()


# --- in a real browser -------------------------------------------------------------------


def chromium() -> str:
    """The Chromium binary; under CI=true a missing one fails the test (.ci/run installs
    Debian's chromium package), elsewhere it skips with the reason."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
    pytest.skip("chromium is not installed (apt-get install chromium); CI runs this test")


def browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1200,2000",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("kind", ["run", "audit", "scan"])
def test_report_renders_in_headless_chromium(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    out = request.getfixturevalue("run_dir") if kind == "run" else hand_made(kind, tmp_path)
    page = sfclean.write_report_html(out)
    shot = tmp_path / "shot.png"
    result = browse(page, tmp_path / "profile", f"--screenshot={shot}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 40_000  # a drawn page, not a blank one
    dom = browse(page, tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    expected = {
        "run": ["sfclean run into Lead", "Rows per output", "Held-back samples"],
        "audit": ["sfclean audit", "Findings by severity", "Findings, with what to do"],
        "scan": ["sfclean scan", "Duplicates by creator over time", "Convert plan"],
    }[kind]
    for text in expected:
        assert text in dom.stdout, text
    assert dom.stdout.count("<svg") >= 1
    assert "<script>alert" not in dom.stdout
