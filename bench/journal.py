"""Benchmark: the run journal's cost for a 1,000,000-row load (issue 12 point 4).

Usage::

    .venv/bin/python bench/journal.py                    # 1,000,000 rows, 100 batches
    .venv/bin/python bench/journal.py 100000 --batches 10 --json

What it does: opens a :class:`sfclean.journal.Journal` in a temporary directory and records
the events a Bulk 1.0 load of N rows in B batches writes (job_started; per batch
batch_posting and batch_posted; job_closed; per batch batch_collected with one outcome per
row, an 18-character Id each; completed), exactly as the loaders call them, then replays the
file as a rerun would (``Journal.open`` of the same input). It prints the wall and CPU time
of the events (encoding, appending, one fsync per event) and of the replay, the file size and
the number of fsyncs.

Target: under 5 s of journal cost for 1,000,000 rows (the earlier whole-file rewrite per
event cost about 190 s). Speed targets are checked here, never in unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from sfclean.journal import JOURNAL_FILE, Journal


def record(out: Path, n_rows: int, n_batches: int) -> Journal:
    journal = Journal(out).open(input_sha256="a" * 64, object_name="Lead", api="bulk")
    size = -(-n_rows // n_batches)
    batches = [
        (f"751{i:015d}", list(range(2 + i * size, 2 + min(n_rows, (i + 1) * size))))
        for i in range(n_batches)
    ]
    job = "750000000000000AAA"
    journal.job_started(job, "bulk")
    for batch_id, rows in batches:
        journal.batch_posting(job, rows)
        journal.batch_posted(job, batch_id, rows)
    journal.job_closed(job)
    for batch_id, rows in batches:
        outcomes = [(r, f"00Q{r:015d}", "", "", "") for r in rows]
        journal.batch_collected(job, batch_id, outcomes=outcomes)
    journal.completed()
    return journal


def measure(n_rows: int, n_batches: int) -> dict[str, float | int | str]:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        out = Path(tmp)
        wall, cpu = time.perf_counter(), time.process_time()
        record(out, n_rows, n_batches)
        events_wall, events_cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = (out / JOURNAL_FILE).stat().st_size
        wall, cpu = time.perf_counter(), time.process_time()
        again = Journal(out).open(input_sha256="a" * 64, object_name="Lead", api="bulk")
        replayed = len(again.outcomes())
        replay_wall, replay_cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert replayed == n_rows, replayed
    return {
        "rows": n_rows,
        "batches": n_batches,
        "events": 3 + 3 * n_batches,
        "fsyncs": 3 + 3 * n_batches,
        "file_mb": round(size / 1e6, 1),
        "events_wall_s": round(events_wall, 2),
        "events_cpu_s": round(events_cpu, 2),
        "replay_wall_s": round(replay_wall, 2),
        "replay_cpu_s": round(replay_cpu, 2),
        "python": platform.python_version(),
        "machine": f"{os.cpu_count()} CPU {platform.machine()} {platform.system()}",
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.rows, args.batches)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return
    print(f"journal of {result['rows']:,} rows in {result['batches']} batches:")
    print(
        f"  events:  {result['events_wall_s']} s wall, {result['events_cpu_s']} s CPU "
        f"({result['events']} events, {result['fsyncs']} fsyncs, {result['file_mb']} MB)"
    )
    print(f"  replay:  {result['replay_wall_s']} s wall, {result['replay_cpu_s']} s CPU")
    print(
        f"  machine: {result['machine']}, Python {result['python']}, "
        f"load average {result['load_average']}"
    )


if __name__ == "__main__":
    main()
