"""normalize(workers=N): the distinct values cleaned on N processes give the same result."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sfclean
from sfclean.cleaners.lines import CellColumn
from sfclean.errors import ConfigError
from sfclean.stages import normalize_workers
from sfclean.stages.normalize_workers import ValuePool, resolve_workers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import realistic  # bench/realistic.py: the formats people type per country


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a few hundred values, so a small table goes to the workers."""
    monkeypatch.setattr(normalize_workers, "MIN_PER_WORKER", 200)


@pytest.mark.parametrize(
    "options",
    [{}, {"invalid_phone": "reject", "match_key": "provider", "fill_blanks": True}],
)
def test_any_number_of_workers_gives_the_same_result(
    small_chunks: None, options: dict[str, object]
) -> None:
    df = realistic.generate(4000, seed=13)
    one = sfclean.normalize(df, **options)
    for workers in (2, 3):
        many = sfclean.normalize(df, workers=workers, **options)
        for name in ("kept", "held_back", "findings"):
            pd.testing.assert_frame_equal(getattr(one, name), getattr(many, name), check_exact=True)


def test_the_pool_really_cuts_the_work(small_chunks: None) -> None:
    # the chunks go to other processes, and come back in order
    from sfclean.cleaners.emails import clean_email_column

    values = [f"Person{i}@Example.COM " if i % 3 else f"bad{i}" for i in range(1000)]
    with ValuePool(3) as pool:
        col = pool.map_column(clean_email_column, values)
        assert pool._executor is not None  # it did start processes
    alone = clean_email_column(values)
    assert col.value.tolist() == alone.value.tolist()
    assert col.status.tolist() == alone.status.tolist()
    assert [col.kinds[i] for i in col.change_id] == [alone.kinds[i] for i in alone.change_id]
    # the chunks' pyarrow values come back joined, for the junk step
    assert col.cells is not None and col.cells.to_pylist() == alone.cells.to_pylist()


def test_short_lists_stay_in_this_process() -> None:
    from sfclean.cleaners.emails import clean_email_column

    with ValuePool(4) as pool:
        pool.map_column(clean_email_column, ["a@example.com"] * 10)
        assert pool._executor is None


def test_concat_joins_change_tuples() -> None:
    def part(kinds: list[tuple[str, ...]], ids: list[int]) -> CellColumn:
        col = CellColumn.start(len(ids), kinds)
        col.change_id[:] = ids
        col.value[:] = [f"v{i}" for i in ids]
        return col

    joined = CellColumn.concat([part([(), ("a",)], [1, 0]), part([("b",), ("a",)], [0, 1, 1])])
    assert joined.kinds == [(), ("a",), ("b",)]
    assert [joined.kinds[i] for i in joined.change_id] == [("a",), (), ("b",), ("a",), ("a",)]
    assert joined.value.tolist() == ["v1", "v0", "v0", "v1", "v1"]
    assert joined.change_id.dtype == np.int64


def test_workers_option() -> None:
    assert resolve_workers(1) == 1
    assert resolve_workers(3) == 3
    assert resolve_workers(0) >= 1 and resolve_workers(None) == resolve_workers(0)
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(ConfigError, match="workers="):
            resolve_workers(bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="workers="):
        sfclean.normalize(pd.DataFrame({"Email": ["a@example.com"]}), workers=-2)
