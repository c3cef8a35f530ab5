"""Benchmark: sfclean.preflight on N rows of a Lead file, against localorg's Lead describe.

Usage::

    .venv/bin/python bench/preflight.py 1000000          # --json for machines

The rows carry the Lead fields a typical upload has (names, Company, Title, Email,
phones, address, Rating, NumberOfEmployees, AnnualRevenue, HasOptedOutOfEmail), with about
7.5 % of the rows failing one check (a blank Company, a long Title, a Rating outside the
picklist, a non-numeric NumberOfEmployees). Prints wall and CPU time around the call only.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import pandas as pd

from sfclean.localorg.describe import describe_object
from sfclean.localorg.schema import SCHEMA
from sfclean.stages.preflight import preflight


def generate(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    roll = rng.random(n)

    def pick(values: list[str]) -> np.ndarray:
        return np.asarray(values, dtype=object)[rng.integers(0, len(values), n)]

    df = pd.DataFrame(
        {
            "FirstName": pick(["Sara", "Joe", "Zoë", "Kofi"]),
            "LastName": pick(["Lee", "García", "Okafor", "Novak"]),
            "Company": np.where(roll < 0.0125, "", pick(["Acme", "Globex", "Initech"])),
            "Title": np.where((roll >= 0.0125) & (roll < 0.025), "x" * 200, pick(["CTO", "VP"])),
            "Email": pick(["a@acme.com", "b@globex.io"]),
            "Phone": pick(["+14155550100", "+442071234567", ""]),
            "City": pick(["Boston", "Zürich", ""]),
            "PostalCode": pick(["02134", "8001", ""]),
            "Rating": np.where((roll >= 0.025) & (roll < 0.0375), "Tepid", pick(["Hot", ""])),
            "NumberOfEmployees": np.where(roll >= 0.9625, "1,200", pick(["12", "8000", ""])),
            "AnnualRevenue": pick(["1500000", "2.5e6", ""]),
            "HasOptedOutOfEmail": pick(["true", "false", ""]),
        }
    )
    return df


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    df = generate(args.rows)
    describe = describe_object(SCHEMA["Lead"])
    wall, cpu = time.perf_counter(), time.process_time()
    result = preflight(df, describe)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    out = {
        "rows": args.rows,
        "held_back": result.rows_held_back,
        "reasons": result.summary().reasons,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "python": platform.python_version(),
    }
    if args.json:
        print(json.dumps(out))
    else:
        print(
            f"preflight: {args.rows:,} rows, {result.rows_held_back:,} held back "
            f"{out['reasons']}; {wall:.2f} s wall, {cpu:.2f} s CPU"
        )


if __name__ == "__main__":
    main()
