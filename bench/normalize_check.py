"""Check that a change to normalize changes no output: every frame of every result, before
and after, on the realistic generator (bench/realistic.py).

Usage (the "before" side runs another checkout's sfclean through PYTHONPATH; run from a
directory that holds no ``sfclean`` package, so the current directory does not shadow it)::

    git archive main sfclean | tar -x -C /tmp/main_src
    cd /tmp
    PYTHONPATH=/tmp/main_src python /path/to/bench/normalize_check.py save 200000 before.pkl
    python /path/to/bench/normalize_check.py save 200000 after.pkl
    python /path/to/bench/normalize_check.py compare before.pkl after.pkl

``--string-storage python|pyarrow`` (on ``save``) sets pandas' ``str`` storage first.

``save`` normalizes N rows with each option set of :data:`OPTIONS` (the defaults, the other
``invalid_phone`` modes, provider keys with filled blanks, another default region) and
pickles the ``kept``, ``held_back`` and ``findings`` frames; ``compare`` says which frames
differ and shows the first differing rows. Exit code 1 when anything differs.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from typing import Any

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import realistic

#: Option sets normalize runs with (their names key the saved results).
OPTIONS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "clear": {"invalid_phone": "clear"},
    "reject-provider-fill": {
        "invalid_phone": "reject",
        "match_key": "provider",
        "fill_blanks": True,
    },
    "region-gb": {"default_region": "GB"},
}


def save(rows: int, path: str, seed: int) -> None:
    import sfclean

    df = realistic.generate(rows, seed)
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for name, options in OPTIONS.items():
        started = time.process_time()
        result = sfclean.normalize(df, **options)
        out[name] = {
            "kept": result.kept,
            "held_back": result.held_back,
            "findings": result.findings,
        }
        print(f"{name}: {time.process_time() - started:.2f} s CPU ({sfclean.__file__})")
    with open(path, "wb") as handle:
        pickle.dump({"rows": rows, "seed": seed, "results": out}, handle)


def compare(before_path: str, after_path: str) -> int:
    with open(before_path, "rb") as handle:
        before = pickle.load(handle)
    with open(after_path, "rb") as handle:
        after = pickle.load(handle)
    if (before["rows"], before["seed"]) != (after["rows"], after["seed"]):
        print("the two files hold different inputs")
        return 1
    differ = 0
    for name, frames in before["results"].items():
        for frame_name, old in frames.items():
            new = after["results"][name][frame_name]
            if _same(old, new):
                print(f"{name} {frame_name}: identical ({len(old):,} rows)")
                continue
            differ += 1
            print(f"{name} {frame_name}: DIFFERENT")
            _show(old, new)
    return 1 if differ else 0


def _same(old: pd.DataFrame, new: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(old, new, check_exact=True)
    except AssertionError:
        return False
    return True


def _show(old: pd.DataFrame, new: pd.DataFrame) -> None:
    if old.shape != new.shape or list(old.columns) != list(new.columns):
        print(
            f"  shape {old.shape} -> {new.shape}; columns {list(old.columns)} -> {list(new.columns)}"
        )
        return
    if list(old.dtypes) != list(new.dtypes):
        print(f"  dtypes {list(old.dtypes)} -> {list(new.dtypes)}")
    unequal = (old.astype(str).to_numpy() != new.astype(str).to_numpy()).any(axis=1)
    print(f"  {int(unequal.sum()):,} rows differ; the first:")
    print(pd.concat({"before": old[unequal].head(5), "after": new[unequal].head(5)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    saving = sub.add_parser("save")
    saving.add_argument("rows", type=int)
    saving.add_argument("path")
    saving.add_argument("--seed", type=int, default=7)
    saving.add_argument(
        "--string-storage", choices=("python", "pyarrow"), help="pandas' str storage"
    )
    comparing = sub.add_parser("compare")
    comparing.add_argument("before")
    comparing.add_argument("after")
    args = parser.parse_args()
    if args.command == "save":
        if args.string_storage:
            pd.set_option("mode.string_storage", args.string_storage)
        save(args.rows, args.path, args.seed)
        return
    sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
