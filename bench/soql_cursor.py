"""Benchmark: a localorg SOQL cursor over many single-field rows (the Bulk query extraction case).

Usage::

    .venv/bin/python bench/soql_cursor.py 1200000          # the target size
    .venv/bin/python bench/soql_cursor.py 100000 --json    # machine-readable result

It fills an in-memory Store with N Contacts (Id, LastName, Email), then times
``execute(conn, "SELECT Email FROM Contact")`` (the statement runs and every row is
materialised as a tuple), paging through it with ``fetch(2000)`` (REST pages of JSON dicts), and
a second cursor read with ``fetch_rows(10000)`` (flat tuples for Bulk CSV). Peak resident
memory (``ru_maxrss``) is printed after loading and after the cursors, so the difference is what
the query costs. Target: 1,200,000 rows within a few seconds and well under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from sfclean.localorg.soql import execute
from sfclean.localorg.store import Store


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n: int) -> dict[str, float]:
    store = Store()
    started = time.perf_counter()
    with store.transaction() as conn:
        conn.executemany(
            'INSERT INTO "Contact" ("Id", "LastName", "Email") VALUES (?, ?, ?)',
            ((f"003000{i:09d}AAA", "x", f"person{i}@example.com") for i in range(n)),
        )
    result = {"rows": n, "load_s": time.perf_counter() - started, "rss_after_load_mb": _rss_mb()}
    started = time.perf_counter()
    cursor = execute(store.conn, "SELECT Email FROM Contact")
    result["execute_s"] = time.perf_counter() - started
    started = time.perf_counter()
    fetched = 0
    while not cursor.done:
        fetched += len(cursor.fetch(2000))
    result["fetch_2000_s"] = time.perf_counter() - started
    assert fetched == cursor.total_size == n
    flat = execute(store.conn, "SELECT Email FROM Contact")
    started = time.perf_counter()
    while not flat.done:
        flat.fetch_rows(10_000)
    result["fetch_rows_s"] = time.perf_counter() - started
    result["rss_peak_mb"] = _rss_mb()
    store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=1_200_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.rows)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>20}: {value:,.2f}" if isinstance(value, float) else f"{key:>20}: {value:,}")


if __name__ == "__main__":
    main()
