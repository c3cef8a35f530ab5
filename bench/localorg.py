"""Benchmark: localorg's two speed targets from issue 3.

Usage::

    .venv/bin/python bench/localorg.py                  # 5 startups, 100,000 Contacts
    .venv/bin/python bench/localorg.py --contacts 1000000 --startups 10 --json

- startup: ``LocalOrg(seed=SMALL_SEED)`` from construction to the first answered request
  (``GET /services/data`` over HTTPS with the org's CA): once in a fresh interpreter
  (``cold_startup_s``, imports included) and the median and worst of ``--startups`` runs in
  this process. Target: under 2 s.
- seeding: a seed directory holding ``Contact.csv`` with N rows (FirstName, LastName, Email,
  Phone, HasOptedOutOfEmail, CreatedDate) loaded by ``load_seed`` into a file-backed Store
  (as ``sfclean localorg serve --db`` does), CSV writing excluded. Target: 100,000 under 30 s.

Timing lives here, not in the unit tests, so a busy machine cannot make the suite flaky; the
tests keep the correctness side (every row loads, the first request is answered).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sfclean.localorg.ids import IdFactory
from sfclean.localorg.seed import load_seed
from sfclean.localorg.server import LocalOrg
from sfclean.localorg.store import Store
from sfclean.localorg.testing import SMALL_SEED


def startup_seconds() -> float:
    started = time.perf_counter()
    with LocalOrg(seed=SMALL_SEED) as org:
        response = org.session().get(org.instance_url + "/services/data", timeout=10)
        elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed


_COLD = """
from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED
with LocalOrg(seed=SMALL_SEED) as org:
    org.session().get(org.instance_url + "/services/data", timeout=10).raise_for_status()
"""


def cold_startup_seconds() -> float:
    """A fresh interpreter: imports, seeding, certificate, server, first request."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", _COLD], check=True)
    return time.perf_counter() - started


def write_contacts(directory: Path, n: int) -> None:
    with (directory / "Contact.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["FirstName", "LastName", "Email", "Phone", "HasOptedOutOfEmail", "CreatedDate"]
        )
        for i in range(n):
            out.writerow(
                [f"F{i}", f"L{i}", f"user{i}@example.com", f"+1 555 {i:07d}", "false", "2024-01-02"]
            )


def seed_seconds(n: int) -> float:
    with tempfile.TemporaryDirectory(prefix="sfclean-bench-") as tmp:
        seed_dir = Path(tmp) / "seed"
        seed_dir.mkdir()
        write_contacts(seed_dir, n)
        store = Store(str(Path(tmp) / "org.db"))
        started = time.perf_counter()
        load_seed(seed_dir, store, IdFactory())
        elapsed = time.perf_counter() - started
        assert store.count("Contact") == n
        store.close()
    return elapsed


def run(contacts: int, startups: int) -> dict[str, float]:
    times = [startup_seconds() for _ in range(startups)]
    return {
        "cold_startup_s": cold_startup_seconds(),
        "startup_median_s": statistics.median(times),
        "startup_max_s": max(times),
        "contacts": contacts,
        "seed_s": seed_seconds(contacts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--startups", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.contacts, args.startups)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>18}: {value:,.2f}" if isinstance(value, float) else f"{key:>18}: {value:,}")


if __name__ == "__main__":
    main()
