"""Progress: every long step reports through a ``progress=`` callback (the library draws
nothing), and sfclean.tqdm_progress / the CLI draw it with tqdm on stderr, switchable off
(``progress=False`` / ``None``, ``--quiet``)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import sfclean
from sfclean.cli import cli
from sfclean.localorg import LocalOrg
from sfclean.salesforce import bulk_query

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "leads.csv"


class Calls(list[tuple[int, int]]):
    def __call__(self, done: int, total: int) -> None:
        self.append((done, total))


class StageCalls(list[tuple[str, int, int]]):
    def __call__(self, stage: str, done: int, total: int) -> None:
        self.append((stage, done, total))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def assert_runs_to_the_end(calls: list[tuple[int, int]]) -> None:
    assert calls, "no progress reported"
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert calls[-1][0] == calls[-1][1] > 0
    assert all(d <= t for d, t in calls if t)


def test_read_csv_reports_its_four_steps() -> None:
    calls = Calls()
    sfclean.read_csv(SAMPLE, progress=calls)
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_normalize_reports_each_column_step() -> None:
    df = sfclean.read_csv(SAMPLE)
    calls = Calls()
    result = sfclean.normalize(df, progress=calls)
    steps = 3 + len(result.columns.phones)  # text, email, each phone, in-file duplicates
    assert calls == [(n, steps) for n in range(1, steps + 1)]


@pytest.mark.parametrize("off", [None, False])
def test_progress_none_or_false_is_off(off: bool | None) -> None:
    df = sfclean.read_csv(SAMPLE, progress=off)
    assert sfclean.normalize(df, progress=off).rows_in == len(df)


def test_progress_true_is_a_config_error_saying_what_to_pass() -> None:
    with pytest.raises(sfclean.ConfigError, match="tqdm_progress"):
        sfclean.normalize(pd.DataFrame({"Email": ["a@example.com"]}), progress=True)


def _conn(org: LocalOrg) -> sfclean.Connection:
    return sfclean.connect(
        instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
    )


@pytest.mark.parametrize("strategy", ["query", "extract"])
def test_the_exclude_lookup_reports_its_calls_or_records(localorg: LocalOrg, strategy: str) -> None:
    conn = _conn(localorg)
    rows = pd.DataFrame(
        {"LastName": ["A", "B"], "Company": "Acme", "Email": ["a@example.com", "b@example.com"]}
    )
    assert sfclean.load(rows.head(1), conn, object_name="Lead", api="rest").rows_kept == 1
    calls = Calls()
    result = sfclean.exclude(rows, conn, strategy=strategy, progress=calls)
    assert result.rows_held_back == 1
    assert_runs_to_the_end(calls)
    if strategy == "query":
        assert calls[-1][0] == result.api_calls  # one call per Composite request
    else:
        assert calls[-1][0] >= 1  # records read from the Bulk extracts


def test_bulk_extraction_reports_records_read_of_the_jobs_total(localorg: LocalOrg) -> None:
    conn = _conn(localorg)
    rows = pd.DataFrame(
        {"LastName": list("ABCDE"), "Company": "Acme", "Email": [f"{c}@x.example" for c in "abcde"]}
    )
    assert sfclean.load(rows, conn, object_name="Lead", api="rest").rows_kept == 5
    calls = Calls()
    frame = bulk_query(conn, "SELECT Id, Email FROM Lead", max_records=2, progress=calls)
    assert len(frame) >= 5
    assert_runs_to_the_end(calls)
    assert calls[-1] == (len(frame), len(frame))
    assert len(calls) >= 3  # one report per page


def test_run_reports_normalize_exclude_and_load(localorg: LocalOrg, tmp_path: Path) -> None:
    conn = _conn(localorg)
    calls = StageCalls()
    sfclean.run(
        sfclean.read_csv(SAMPLE),
        conn,
        object_name="Lead",
        out_dir=tmp_path,
        api="rest",
        progress=calls,
    )
    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    assert stages == ["normalize", "exclude", "load"]
    for stage in stages:
        assert_runs_to_the_end([(d, t) for s, d, t in calls if s == stage])


def test_tqdm_progress_draws_one_bar_per_stage_and_quiet_draws_nothing() -> None:
    out = io.StringIO()
    with sfclean.tqdm_progress(file=out) as bars:
        bars("normalize", 1, 3)
        bars("normalize", 3, 3)
        bars.stage("load")(5, 10)
    text = out.getvalue()
    assert "normalize" in text and "3/3" in text
    assert "load" in text and "5/10" in text
    quiet = io.StringIO()
    with sfclean.tqdm_progress(quiet=True, file=quiet) as bars:
        bars("load", 5, 10)
    assert quiet.getvalue() == ""


def test_unknown_totals_draw_a_counter() -> None:
    out = io.StringIO()
    with sfclean.tqdm_progress(file=out) as bars:
        bars("extract", 2000, 0)
    assert "2000" in out.getvalue() and "record" in out.getvalue()


def test_cli_bars_only_on_a_terminal() -> None:
    from sfclean.cli._progress import progress_bars

    assert progress_bars(quiet=False).disable is None  # tqdm: off unless a terminal
    assert progress_bars(quiet=True).disable is True
    terminal = _Terminal()
    with sfclean.TqdmProgress(file=terminal, disable=None) as bars:
        bars("read", 4, 4)
    assert "read" in terminal.getvalue()


@pytest.mark.parametrize("command", ["normalize", "exclude", "load", "run", "demo"])
def test_every_long_command_takes_quiet(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "--quiet" in result.output


def test_normalize_quiet_prints_the_report_only(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["normalize", str(SAMPLE), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("normalize: 203 rows in")
    assert "step/s" not in result.output and "%|" not in result.output
