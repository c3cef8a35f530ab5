"""bench/fuzzy.py's ``--cache``: records read back from it are the generator's, exactly."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pandas as pd

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_fuzzy", BENCH / "fuzzy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


def test_cached_records_equal_a_fresh_generation(tmp_path: Path) -> None:
    fresh = bench.fuzzy_data.generate(600, seed=5)
    written = bench.records_for(600, 5, tmp_path)
    (path,) = tmp_path.iterdir()
    assert path.name.startswith("fuzzy_records_600_5_") and path.suffix == ".parquet"
    read = bench.records_for(600, 5, tmp_path)
    assert list(tmp_path.iterdir()) == [path]
    for frame in (written, read):
        pd.testing.assert_frame_equal(frame, fresh, check_exact=True)
        assert all(frame[c].dtype == object for c in frame.columns)
        assert {type(v) for c in frame.columns for v in frame[c]} == {str}
    assert (fresh == "").any().any()  # blank cells come back as the generator's ""


def test_another_size_or_seed_is_not_read_from_the_cache(tmp_path: Path) -> None:
    bench.records_for(300, 5, tmp_path)
    other = bench.records_for(300, 6, tmp_path)
    pd.testing.assert_frame_equal(other, bench.fuzzy_data.generate(300, seed=6))
    assert len(list(tmp_path.iterdir())) == 2
