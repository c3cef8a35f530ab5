"""normalize_file (``sfclean normalize FILE --out DIR``): a file normalized in chunks gives
byte for byte the files, and the summary, of one normalize call on the whole file; a failure
midway leaves no output that looks complete; fill_blanks refuses chunks."""

from __future__ import annotations

import csv
import errno
import importlib.util
import io
import math
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import sfclean
from sfclean.cli import cli
from sfclean.errors import ConfigError
from sfclean.io import _read, read_csv, write_result
from sfclean.stages import normalize_file as nf

BENCH = Path(__file__).resolve().parents[1] / "bench"
FILES = ("clean.csv", "rejected.csv", "findings.csv", "report.json")


def _realistic() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realistic", BENCH / "realistic.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


realistic = _realistic()

#: Cells realistic.generate does not write, mixed in: formulas, padding, blanks, odd bytes.
EXTRA_ROWS = [
    ['=HYPERLINK("x")', "Smith", "eve@acme.com", "+1 415 555 0123", "", "US"],
    ["José", " padded ", " EVE@ACME.COM ", "020 7946 0958", "", "UK"],
    ["", "", "", "", "", ""],
    ["Zoë", "Müller", "info@umbrella.de", "0049 30 1234567", "+49 171 1234567", "Deutschland"],
    ["Ana", "Peña", "ana@@empresa.es", "912 345 678", "", "España"],
    ["Li", "Chen", "li.chen@globex.com", "@SUM(1)", "-", ""],
]


def _write_file(path: Path, rows: list[list[str] | None], preamble: bool) -> None:
    out = io.StringIO()
    if preamble:
        out.write("Exported from a CRM\r\n")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["FirstName", "LastName", "Email", "Phone", "MobilePhone", "Country"])
    for row in rows:
        if row is None:
            out.write("\r\n")  # a blank line between rows: a row of its own
        else:
            writer.writerow(row)
    path.write_bytes(out.getvalue().encode("utf-8"))


def _one_shot(path: Path, out: Path, skip_rows: int, **options: object) -> sfclean.Summary:
    """What ``sfclean normalize`` wrote before it read in chunks: read_csv -> normalize ->
    write_result, read by pandas' C parser (not pyarrow: ``_read._scan`` proves nothing)."""
    with mock.patch.object(_read, "_scan", return_value=None):
        frame = read_csv(path, skip_rows=skip_rows)
    result = sfclean.normalize(frame, **options)  # type: ignore[arg-type]
    write_result(result, out)
    return result.summary()


def _same_files(a: Path, b: Path) -> None:
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert sorted(p.name for p in b.iterdir()) == sorted(FILES)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=300),
    seed=st.integers(min_value=0, max_value=10**6),
    extras=st.lists(
        st.tuples(st.integers(min_value=0), st.sampled_from([None, *EXTRA_ROWS])), max_size=6
    ),
    chunk=st.integers(min_value=1, max_value=120),
    preamble=st.booleans(),
    options=st.fixed_dictionaries(
        {
            "match_key": st.sampled_from(["email", "provider"]),
            "invalid_phone": st.sampled_from(["keep", "clear", "reject"]),
        }
    ),
)
def test_chunks_give_the_files_and_summary_of_one_normalize(
    n: int,
    seed: int,
    extras: list[tuple[int, list[str] | None]],
    chunk: int,
    preamble: bool,
    options: dict[str, str],
) -> None:
    frame = realistic.generate(n, seed)  # ~30 % repeat an earlier person: across chunks too
    rows: list[list[str] | None] = [list(r) for r in frame.itertuples(index=False)]
    for at, row in extras:
        rows.insert(at % len(rows), row)
    with tempfile.TemporaryDirectory() as tmp:
        path, whole, chunked = Path(tmp) / "in.csv", Path(tmp) / "whole", Path(tmp) / "chunked"
        _write_file(path, rows, preamble)
        skip = int(preamble)
        expected = _one_shot(path, whole, skip, **options)
        got = sfclean.normalize_file(path, chunked, chunk_rows=chunk, skip_rows=skip, **options)
        _same_files(whole, chunked)
    assert got.summary == expected
    assert got.chunks == math.ceil(len(rows) / chunk)


def _sample(tmp_path: Path, n: int = 200, seed: int = 3) -> Path:
    path = tmp_path / "in.csv"
    realistic.generate(n, seed).to_csv(path, index=False)
    return path


def test_large_files_are_read_in_chunks_by_default(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    expected = _one_shot(path, tmp_path / "whole", 0)
    with mock.patch.object(nf, "AUTO_CHUNK_BYTES", 1), mock.patch.object(nf, "CHUNK_ROWS", 7):
        got = sfclean.normalize_file(path, tmp_path / "auto")
        whole = sfclean.normalize_file(path, tmp_path / "zero", chunk_rows=0)
    assert (got.chunks, whole.chunks) == (math.ceil(200 / 7), 1)
    assert got.summary == whole.summary == expected
    _same_files(tmp_path / "whole", tmp_path / "auto")
    _same_files(tmp_path / "whole", tmp_path / "zero")


def test_a_failure_midway_leaves_no_output_that_looks_complete(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    out = tmp_path / "out"

    def stop_at_the_third_chunk(stage: str, done: int, total: int) -> None:
        if stage == "normalize" and done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sfclean.normalize_file(path, out, chunk_rows=20, progress=stop_at_the_third_chunk)
    assert list(out.iterdir()) == []  # no clean.csv, no report.json, no staging directory

    sfclean.normalize_file(path, out, chunk_rows=20)  # a finished run, then a failed one
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(KeyboardInterrupt):
        sfclean.normalize_file(path, out, chunk_rows=20, progress=stop_at_the_third_chunk)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_fill_blanks_reads_the_file_whole_and_refuses_chunks(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    with pytest.raises(ConfigError, match=r"cannot be combined with chunk_rows \(--chunk-rows\)"):
        sfclean.normalize_file(path, tmp_path / "out", chunk_rows=10, fill_blanks=True)
    assert not (tmp_path / "out").exists()
    expected = _one_shot(path, tmp_path / "whole", 0, fill_blanks=True)
    assert expected.findings.get("filled-from-duplicate")  # the sample has blanks to fill
    with mock.patch.object(nf, "AUTO_CHUNK_BYTES", 1):  # large: still one chunk
        got = sfclean.normalize_file(path, tmp_path / "filled", fill_blanks=True)
    assert got.chunks == 1 and got.summary == expected
    _same_files(tmp_path / "whole", tmp_path / "filled")


@pytest.mark.parametrize("bad", [-1, 2.5, True])
def test_chunk_rows_must_be_a_whole_number(tmp_path: Path, bad: object) -> None:
    with pytest.raises(ConfigError, match="chunk_rows must be a whole number"):
        sfclean.normalize_file(_sample(tmp_path), tmp_path / "out", chunk_rows=bad)  # type: ignore[arg-type]


def test_an_unknown_option_is_a_type_error_before_the_file_is_read(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'email_colum'"):
        sfclean.normalize_file(tmp_path / "missing.csv", tmp_path / "out", email_colum="E")


def test_the_cli_reads_in_chunks_with_the_same_outputs(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    runner = CliRunner()
    whole = runner.invoke(cli, ["normalize", str(path), "--out", str(tmp_path / "a")])
    chunked = runner.invoke(
        cli, ["normalize", str(path), "--out", str(tmp_path / "b"), "--chunk-rows", "9"]
    )
    assert whole.exit_code == chunked.exit_code == 0, chunked.output
    assert chunked.stderr == whole.stderr.replace(str(tmp_path / "a"), str(tmp_path / "b"))
    _same_files(tmp_path / "a", tmp_path / "b")


def test_the_cli_refuses_fill_blanks_with_chunk_rows(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    args = ["normalize", str(path), "--out", str(tmp_path / "o"), "--chunk-rows", "9"]
    result = CliRunner().invoke(cli, [*args, "--fill-blanks"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: fill_blanks (--fill-blanks) fills a kept row")
    bad = CliRunner().invoke(cli, [*args[:-1], "-1"])
    assert bad.exit_code == 2 and "--chunk-rows" in bad.stderr


def test_seen_keys_answer_the_first_row_of_each_key() -> None:
    import numpy as np

    seen = nf.SeenKeys()
    high, low = seen.digests(np.array(["a@x.example", "b@x.example"], dtype=object))
    assert len(set(zip(high.tolist(), low.tolist(), strict=True))) == 2
    seen.add(high, low, np.array([7, 3]))
    again = seen.digests(np.array(["b@x.example", "c@x.example", "a@x.example"], dtype=object))
    assert seen.first_rows(*again).tolist() == [3, -1, 7]
    assert len(seen) == 2


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=12, unique=True),
        max_size=5,
    )
)
def test_seen_keys_tell_digests_apart_that_share_a_first_half(
    batches: list[list[tuple[int, int]]],
) -> None:
    # digests drawn from a few values, so first halves are shared: against a dict
    import numpy as np

    seen, model, row = nf.SeenKeys(), {}, 0
    for batch in batches:
        high = np.array([h for h, _ in batch], dtype=np.uint64)
        low = np.array([lo for _, lo in batch], dtype=np.uint64)
        assert seen.first_rows(high, low).tolist() == [model.get(d, -1) for d in batch]
        new = np.array([d not in model for d in batch], dtype=bool)
        rows = np.arange(row, row + len(batch), dtype=np.int64)
        seen.add(high[new], low[new], rows[new])
        model.update({d: r for d, r, n in zip(batch, rows.tolist(), new, strict=True) if n})
        row += len(batch)
    assert len(seen) == len(model)


TRICKY_FILE = (
    "FirstName,LastName,Email,Phone,Notes\r\n"
    '"Jos\u00e9","O\'Brien, Jr.",jose@acme.com,"+44 (0)20 7946 0958","two\r\nlines"\r\n'
    '=HYPERLINK("x"),,EVE@ACME.COM ,@SUM(1),"say ""hi"""\r\n'
    "\r\n"
    'Zo\u00eb,M\u00fcller,eve@acme.com,030/1234567,"lf\nonly"\r\n'
    ",,,,\r\n"
    "Ana,Pe\u00f1a,ana@empresa.es,-,+cmd\r\n"
    "\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
@pytest.mark.parametrize("chunk", ["0", "1", "2"])
def test_the_cli_writes_what_it_wrote_before_on_a_tricky_file(
    tmp_path: Path, encoding: str, chunk: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(TRICKY_FILE.encode(encoding))
    _one_shot(path, tmp_path / "before", 0)
    args = ["normalize", str(path), "--out", str(tmp_path / "now"), "--chunk-rows", chunk]
    assert CliRunner().invoke(cli, args).exit_code == 0
    _same_files(tmp_path / "before", tmp_path / "now")
    now = {name: (tmp_path / "now" / name).read_bytes() for name in FILES}
    assert now["rejected.csv"].startswith(b"\xef\xbb\xbfFirstName,")  # for people: a BOM
    assert b'"\'=HYPERLINK(""x"")"' in now["findings.csv"]  # ... and formulas neutralised
    assert now["clean.csv"].startswith(b"FirstName,")  # for the org: no BOM, cells as they are
    assert b'\r\n"=HYPERLINK(""x"")",' in now["clean.csv"]


def test_progress_reports_the_checks_then_each_chunk(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    sfclean.normalize_file(
        _sample(tmp_path), tmp_path / "out", chunk_rows=80, progress=lambda *a: calls.append(a)
    )
    assert calls == [("read", 1, 3), ("read", 2, 3), ("read", 3, 3)] + [
        ("normalize", n, 3) for n in (1, 2, 3)
    ]


def test_a_full_disk_midway_is_one_error_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, out = _sample(tmp_path), tmp_path / "out"
    real = Path.open

    class FillsUp:  # clean.csv's file: the disk is full from its sixth write (chunk 2)
        def __init__(self, handle: Any) -> None:
            self.handle, self.writes = handle, 0

        def write(self, text: str) -> int:
            self.writes += 1
            if self.writes > 5:
                raise OSError(errno.ENOSPC, "No space left on device")
            return int(self.handle.write(text))

        def close(self) -> None:
            self.handle.close()

    def opening(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real(self, mode, *args, **kwargs)
        return FillsUp(handle) if self.name == "clean.csv" and str(out) in str(self) else handle

    monkeypatch.setattr(Path, "open", opening)
    args = ["normalize", str(path), "--out", str(out), "--chunk-rows", "20"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write to {out} (No space left on device); choose another --out directory\n"
    )
    assert list(out.iterdir()) == []


def test_a_chunks_work_is_freed_when_dropped_with_the_collector_paused() -> None:
    """normalize pauses the cycle collector (sfclean.gcpause), so a reference cycle through a
    chunk's Work would keep every chunk's arrays until the end of the file (it did: 200 MiB
    more at 1M rows). The work, once used, must go by reference counting alone."""
    import gc
    import weakref

    import numpy as np
    import pandas as pd

    from sfclean.stages.normalize_columns import Work

    arrow_str = pd.StringDtype("pyarrow", na_value=np.nan)
    df = pd.DataFrame(
        {"Email": ["a@x.com", "b@x.com", "a@x.com"], "Phone": ["020 7946 0958", "", "1"]},
        dtype=arrow_str,
    )
    was_on = gc.isenabled()
    gc.disable()
    try:
        work = Work.of(df, ["Email", "Phone"])
        assert set(work.arrow) == {"Email", "Phone"}  # the lazy path: pyarrow's columns
        work.factorize_arrow("Email")
        work.factorize_rows("Phone", np.array([0, 2]))
        assert work.original["Phone"].tolist() == ["020 7946 0958", "", "1"]
        gone = weakref.ref(work)
        del work
        assert gone() is None
    finally:
        if was_on:
            gc.enable()


def test_a_column_pyarrow_cannot_encode_is_factorized_from_its_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np
    import pandas as pd

    from sfclean.stages import normalize_columns

    df = pd.DataFrame(
        {
            "Email": ["A@x.com", "b@x.com", "a@x.com", "no-reply@x.com"],
            "Phone": ["020 7946 0958", "", "+44 20 7946 0958", "x"],
            "Country": ["UK", "UK", "GB", "UK"],
        },
        dtype=pd.StringDtype("pyarrow", na_value=np.nan),
    )
    expected = sfclean.normalize(df)
    monkeypatch.setattr(normalize_columns, "encode_arrow", lambda arrow: None)
    got = sfclean.normalize(df)
    for name in ("kept", "held_back", "findings"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))


@pytest.mark.parametrize("options", [{}, {"invalid_phone": "reject"}, {"fill_blanks": True}])
def test_a_pyarrow_frame_under_python_str_gives_the_python_frames_results(
    options: dict[str, Any],
) -> None:
    """pandas' str stored by Python (``mode.string_storage``) with a frame pyarrow holds:
    the frames equal those of the same cells held by Python (the held-back phones are taken
    from pyarrow's cells, the rest from the distinct values)."""
    import numpy as np
    import pandas as pd

    cells = {
        "Email": ["A@x.com", "a@x.com ", "b@x.com", "", "no-reply@x.com", "c@x.com"],
        "Phone": ["020 7946 0958", "(415) 555-0123", "+44 20 7946 0958", "1", "", "x12"],
        "Country": ["UK", "UK", "GB", "US", "UK", "Deutschland"],
    }
    with pd.option_context("mode.string_storage", "python"):
        arrow = pd.DataFrame(cells, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
        plain = pd.DataFrame(cells, dtype=pd.StringDtype("python", na_value=np.nan))
        got, expected = sfclean.normalize(arrow, **options), sfclean.normalize(plain, **options)
    assert len(got.held_back) > 0
    for name in ("kept", "held_back", "findings"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
