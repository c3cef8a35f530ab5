"""The output tables of :func:`sfclean.run` (``rejected.csv`` to ``failed.csv``) from what
its steps found, and the conservation check on them: every row in exactly one output."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sfclean.report import ROW, first_data_row
from sfclean.runreport import Conservation, RowCounts
from sfclean.stages.exclude import ExcludeResult
from sfclean.stages.load import outcome_frames
from sfclean.stages.loadjobs import Outcome
from sfclean.stages.normalize import NormalizeResult
from sfclean.stages.preflight import PreflightResult

__all__ = ["Loaded", "blank_text", "by_row", "concat_rows", "output_tables"]


@dataclass
class Loaded:
    """The load step's outcome: new rows loaded / failed, the stage's summary, the estimate."""

    loaded: pd.DataFrame
    failed: pd.DataFrame
    summary: Mapping[str, Any]
    estimate: int


def _resolved_frames(
    df: pd.DataFrame, clean: pd.DataFrame, outcomes: Mapping[int, Outcome]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(loaded, failed) of rows resolved by the journal, values from ``clean`` (else input)."""
    rows = sorted(outcomes)
    in_clean = [r for r in rows if r in clean.index]
    first = first_data_row(df)
    others = [r for r in rows if r not in clean.index and 0 <= r - first < len(df)]
    frame = clean.loc[in_clean]
    if others:
        extra = df.iloc[[r - first for r in others]].copy()
        extra.index = pd.Index(others, name=ROW, dtype="int64")
        extra[ROW] = others
        frame = pd.concat([frame, extra])
    return outcome_frames(frame, {r: outcomes[r] for r in frame.index})


def concat_rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames as one, in ``sfclean_row`` order, with a RangeIndex."""
    out = pd.concat([f.reset_index(drop=True) for f in frames], ignore_index=True)
    if len(out):
        out = out.sort_values(ROW, kind="stable").reset_index(drop=True)
    return out


def blank_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the cells its text columns lack (a column of only some of the joined
    tables) as ""; numeric columns (``sfclean_row``, a fuzzy match's probability) keep NaN."""
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    return frame.fillna(dict.fromkeys(text, ""))


def by_row(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` indexed by its ``sfclean_row`` column (kept), to look rows up by number."""
    return frame.set_index(ROW, drop=False)


def _conservation(
    nres: NormalizeResult, groups: Mapping[str, pd.Index | pd.Series], n_in: int
) -> Conservation:
    """Whether every row normalize saw is in exactly one output (by row number)."""
    seen: dict[int, int] = {}
    for rows in groups.values():
        for row in rows:
            seen[int(row)] = seen.get(int(row), 0) + 1
    universe = {int(r) for r in nres.kept[ROW]} | {int(r) for r in nres.held_back[ROW]}
    missing = len(universe - set(seen))
    repeated = sum(1 for n in seen.values() if n > 1)
    unknown = len(set(seen) - universe)
    accounted = sum(seen.values())
    ok = not (missing or repeated or unknown) and accounted == n_in
    return Conservation(ok, accounted, missing, repeated, unknown)


def output_tables(
    nres: NormalizeResult,
    df: pd.DataFrame,
    resolved: Mapping[int, Outcome],
    ex: ExcludeResult,
    pre: PreflightResult,
    new: Loaded,
    *,
    dry_run: bool,
) -> tuple[dict[str, pd.DataFrame], RowCounts, Conservation]:
    """Every output table, the row counts, and the conservation check on them.

    ``rejected.csv`` holds normalize's held-back rows (original values) and pre-flight's
    (the values that would have been sent), each with its reason and detail.
    """
    held = nres.held_back
    rejected = held[~held[ROW].isin(list(resolved))].reset_index(drop=True)
    if len(pre.held_back):
        rejected = concat_rows([rejected, pre.held_back])
    old_loaded, old_failed = _resolved_frames(df, by_row(nres.kept), resolved)
    loaded = concat_rows([old_loaded, new.loaded])
    failed = concat_rows([old_failed, new.failed])
    clean_out = pre.kept if dry_run else nres.kept
    groups: dict[str, pd.Index | pd.Series] = {
        "rejected": rejected[ROW],
        "excluded": ex.held_back[ROW],
        "loaded": loaded[ROW],
        "failed": failed[ROW],
    }
    if dry_run:
        groups["clean"] = pre.kept[ROW]
    rows = RowCounts(
        input=int(nres.rows_in),
        rejected=len(rejected),
        excluded=len(ex.held_back),
        loaded=len(loaded),
        failed=len(failed),
        clean=len(pre.kept) if dry_run else None,
    )
    tables = {
        "rejected.csv": rejected,
        "findings.csv": nres.findings,
        "clean.csv": clean_out,
        "excluded.csv": ex.held_back,
        "excluded_updates.csv": ex.updates,
        "loaded.csv": loaded,
        "failed.csv": failed,
    }
    return tables, rows, _conservation(nres, groups, rows.input)
