"""Benchmark: a very wide header (issue 10: a 100,000-column header took 248 s).

Usage::

    .venv/bin/python bench/wide_header.py               # 100,000 columns, 3 rows
    .venv/bin/python bench/wide_header.py 20000 --json

Writes a CSV with ``Email`` and N more columns and three rows, then times (wall and CPU)
:func:`sfclean.read_csv`, :func:`sfclean.normalize` and :func:`sfclean.io.write_result`.
Every step must be linear in the number of columns; the figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import sfclean
from sfclean.io import write_result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("columns", nargs="?", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    n = args.columns
    figures: dict[str, object] = {"columns": n + 1, "rows": 3}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wide.csv"
        header = ",".join(["Email", *(f"Col{i}" for i in range(n))])
        rows = [",".join([f"r{r}@x.example", *("x" for _ in range(n))]) for r in range(3)]
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        steps = {
            "read_csv": lambda: sfclean.read_csv(path),
            "normalize": lambda: sfclean.normalize(results["read_csv"]),
            "write_result": lambda: write_result(results["normalize"], Path(tmp) / "out"),
        }
        results: dict[str, object] = {}
        for name, step in steps.items():
            wall, cpu = time.perf_counter(), time.process_time()
            results[name] = step()
            figures[name] = {
                "wall_s": round(time.perf_counter() - wall, 2),
                "cpu_s": round(time.process_time() - cpu, 2),
            }
    figures["machine"] = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    figures["load_average"] = round(os.getloadavg()[0], 1)
    if args.json:
        print(json.dumps(figures))
        return
    for name in steps:
        f = figures[name]
        assert isinstance(f, dict)
        print(f"{name:13} {f['wall_s']:7.2f} s wall  {f['cpu_s']:7.2f} s CPU")
    print(f"{n + 1} columns, 3 rows; {figures['machine']}, load {figures['load_average']}")


if __name__ == "__main__":
    main()
