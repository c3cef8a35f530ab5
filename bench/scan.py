"""Benchmark: the scan engine's clustering over 2,000,000 extracted records.

Usage::

    .venv/bin/python bench/scan.py                       # 2,000,000 records, both configs
    .venv/bin/python bench/scan.py 200000 --json         # smaller, machine-readable

What it does:

1. :func:`scan_generator.generate` builds N records (80 % Contacts, 20 % Leads, 5 % in
   planted clusters, dirty spellings, converted leads / merge victims / deleted records
   that must be left out) and pickles them to a temp file;
2. for each configuration (``email``: the default keys; ``provider+phone``:
   ``match_key="provider", match_phone=True``), a fresh subprocess loads the pickle and
   times :func:`sfclean.scanning.engine.cluster_records` alone: wall time
   (``time.perf_counter``), CPU time (``time.process_time``), and the peak resident memory
   of the process during the call (``VmHWM`` after resetting it through
   ``/proc/self/clear_refs`` once the input is loaded, so unpickling's own peak does not
   count), split into the resident memory before the call (interpreter + input frame) and
   the call's own share;
3. checks the result against the planted answer: clusters found, records clustered, and
   that no left-out record (converted, merge victim, deleted) is in a cluster.

The whole stage over localorg (seeding, extraction through the API, API calls) is
``bench/scan_org.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from memory import reset_peak, status_mib
from scan_generator import MIGRATION_USER, generate

CONFIGS = {
    "email": {"match_key": "email", "match_phone": False},
    "provider+phone": {"match_key": "provider", "match_phone": True},
}


def _child(config: str, path: str) -> None:
    """Run in the subprocess: load, time cluster_records, print one JSON line."""
    import numpy as np

    from sfclean.scanning.engine import cluster_records

    with open(path, "rb") as handle:
        records = pickle.load(handle)
    gc.collect()
    load_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reset = reset_peak()
    before = status_mib("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    tables = cluster_records(records, audit_field_users={MIGRATION_USER}, **CONFIGS[config])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = status_mib("VmHWM") if reset else float("nan")
    clustered = set(tables.clusters["Id"])
    left_out = records.loc[records["link"] == "left-out", "Id"]
    planted = records[records["planted"] >= 0]
    if config == "email":
        planted = planted[planted["link"] == "email"]
    sizes = planted.groupby("planted").size()
    expected_clusters = int((sizes >= 2).sum())
    counts = tables.counts
    print(
        json.dumps(
            {
                "config": config,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "peak_mib": round(peak),
                "rss_before_mib": round(before),
                "call_mib": round(peak - before),
                "load_peak_mib": round(load_peak),
                "clusters": counts["clusters"],
                "expected_clusters_at_least": expected_clusters,
                "clustered_records": counts["clustered_records"],
                "left_out_in_clusters": int(np.isin(left_out, list(clustered)).sum()),
                "excluded": counts["excluded"],
                "duplicates": counts["duplicates"],
                "merge_rows": counts["merge_rows"],
                "convert_rows": counts["convert_rows"],
                "by_object": counts["by_object"],
                "top_creator": tables.by_creator.head(1).to_dict("records"),
            },
            default=str,
        )
    )


def _run(config: str, path: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", config, path],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=2_000_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--config", choices=sorted(CONFIGS), action="append")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    started = time.perf_counter()
    records = generate(args.n)
    generated = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "records.pkl")
        with open(path, "wb") as handle:
            pickle.dump(records, handle, protocol=pickle.HIGHEST_PROTOCOL)
        del records
        results = [_run(config, path) for config in args.config or list(CONFIGS)]
    report = {
        "n": args.n,
        "generate_s": round(generated, 1),
        "machine": f"{os.cpu_count()} CPU, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "results": results,
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"{args.n:,} records generated in {generated:.1f} s; {report['machine']}")
    print(f"load average now: {report['load_average']}")
    for r in results:
        print(
            f"{r['config']:>15}: {r['wall_s']} s wall, {r['cpu_s']} s CPU; peak during the call "
            f"{r['peak_mib']} MiB = {r['rss_before_mib']} MiB before it (interpreter + input) + "
            f"{r['call_mib']} MiB for the call (unpickling peaked at {r['load_peak_mib']} MiB); "
            f"{r['clusters']:,} clusters "
            f"(planted: at least {r['expected_clusters_at_least']:,}), "
            f"{r['clustered_records']:,} records, {r['duplicates']:,} newer duplicates, "
            f"left-out records in clusters: {r['left_out_in_clusters']}; "
            f"excluded {r['excluded']}; merge rows {r['merge_rows']:,}, "
            f"convert rows {r['convert_rows']:,}"
        )


if __name__ == "__main__":
    main()
