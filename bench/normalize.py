"""Benchmark: sfclean.normalize against a per-row baseline, in the same run.

Usage::

    .venv/bin/python bench/normalize.py 1000000            # full run, both measured fully
    .venv/bin/python bench/normalize.py 100000 --json      # machine-readable result

What it does:

1. generates N synthetic rows (``Email``, ``Phone``, ``MobilePhone``, ``Country``) with about
   30 % repeated values and some junk (see :func:`generate`), and pickles them to a temp file;
2. runs, each in a fresh subprocess so peak memory is measured per contender:

   - **baseline**: ``Series.map`` of ``email_validator.validate_email(check_deliverability=False)``
     on every email cell, and ``phonenumbers.parse`` + ``format_number(E164)`` on every phone
     cell (the obvious per-row approach; it does less than sfclean: no junk checks, no
     validity check, no dedupe, no findings);
   - **sfclean**: ``sfclean.normalize(df)`` with default options;

3. prints wall time (``time.perf_counter``) and CPU time (``time.process_time``; both
   contenders are single-threaded, so CPU time is the fair measure on a shared, busy machine)
   around the call only, the speed-ups, and peak resident memory of each subprocess
   (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, which includes the loaded input frame and
   the Python interpreter).

Speed and memory targets are checked here, never in unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

FIRST = ["sara", "joe", "ana", "li", "omar", "eva", "raj", "mia", "tom", "zoe", "ines", "kofi"]
LAST = ["lee", "smith", "garcia", "chen", "khan", "novak", "okafor", "rossi", "meyer", "silva"]
DOMAINS = ["acme.com", "example.org", "globex.io", "initech.co.uk", "umbrella.de", "gmail.com"]
JUNK = ["info@acme.com", "noreply@globex.io", "sales@initech.co.uk", "x@mailinator.com"]
BAD = ["n/a", "sara@", "joe at acme.com", "", "  "]
COUNTRIES = [("US", "US"), ("USA", "US"), ("United States", "US"), ("", "US"), ("UK", "GB")]
COUNTRIES += [("Germany", "DE"), ("DE", "DE"), ("France", "FR")]
#: Real US area codes, so that "junk" phones are the deliberate 5 %, not random area codes.
AREA_CODES = [212, 310, 312, 415, 512, 617, 206, 303, 404, 305, 702, 503, 646, 718, 213, 408]


def _phone(rng: np.random.Generator, region: str) -> str:
    """One phone cell in a format people type for ``region`` (some invalid / damaged)."""
    roll = rng.random()
    if roll < 0.03:
        return ""
    if roll < 0.04:
        return "4.15555E+09"
    if roll < 0.05:
        return "12345"
    if region == "US":
        area = AREA_CODES[rng.integers(0, len(AREA_CODES))]
        mid, end = rng.integers(200, 999), rng.integers(0, 9999)
        style = rng.integers(0, 4)
        if style == 0:
            return f"({area}) {mid}-{end:04d}"
        if style == 1:
            return f"+1 {area}-{mid}-{end:04d}"
        if style == 2:
            return f"{area}.{mid}.{end:04d}"
        return f"{area}{mid}{end:04d}"
    if region == "GB":
        return f"+44 20 7{rng.integers(0, 999):03d} {rng.integers(0, 9999):04d}"
    if region == "DE":
        return f"+49 30 {rng.integers(1000000, 9999999)}"
    return f"+33 1 {rng.integers(10, 99)} {rng.integers(10, 99)} {rng.integers(10, 99)} 00"


def generate(n: int, seed: int = 7) -> pd.DataFrame:
    """N rows; ~70 % of rows are fresh, ~30 % repeat an earlier row's values."""
    rng = np.random.default_rng(seed)
    fresh = max(1, int(n * 0.7))
    emails, phones, mobiles, countries = [], [], [], []
    for i in range(fresh):
        label, region = COUNTRIES[rng.integers(0, len(COUNTRIES))]
        roll = rng.random()
        if roll < 0.02:
            email = JUNK[rng.integers(0, len(JUNK))]
        elif roll < 0.03:
            email = BAD[rng.integers(0, len(BAD))]
        else:
            first, last = FIRST[rng.integers(0, len(FIRST))], LAST[rng.integers(0, len(LAST))]
            email = f"{first}.{last}{i}@{DOMAINS[rng.integers(0, len(DOMAINS))]}"
            if roll < 0.10:
                email = email.title()
            elif roll < 0.13:
                email = f" {email}\u00a0"
        emails.append(email)
        phones.append(_phone(rng, region))
        mobiles.append(_phone(rng, region))
        countries.append(label)
    repeat = rng.integers(0, fresh, size=n - fresh)
    order = np.concatenate([np.arange(fresh), repeat])
    rng.shuffle(order[1:])
    frame = pd.DataFrame(
        {"Email": emails, "Phone": phones, "MobilePhone": mobiles, "Country": countries},
        dtype="str",
    )
    return frame.iloc[order].reset_index(drop=True)


def _baseline(df: pd.DataFrame) -> None:
    import email_validator
    import phonenumbers

    def email(value: str) -> str | None:
        try:
            return email_validator.validate_email(value, check_deliverability=False).normalized
        except email_validator.EmailNotValidError:
            return None

    def phone(value: str) -> str | None:
        try:
            number = phonenumbers.parse(value, "US")
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    df["Email"].map(email)
    df["Phone"].map(phone)
    df["MobilePhone"].map(phone)


def _sfclean(df: pd.DataFrame) -> None:
    import sfclean

    sfclean.normalize(df)


def _child(mode: str, path: str) -> None:
    """Run one contender on the pickled frame; print JSON with seconds and peak RSS."""
    import sfclean  # noqa: F401  (import cost is not part of the timing)

    with open(path, "rb") as handle:
        df = pickle.load(handle)
    func = _baseline if mode == "baseline" else _sfclean
    start, start_cpu = time.perf_counter(), time.process_time()
    func(df)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"mode": mode, "seconds": seconds, "cpu": cpu, "peak_mib": peak_kib / 1024}))


def _run(mode: str, path: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, path],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    started = time.perf_counter()
    df = generate(args.rows, args.seed)
    generated = time.perf_counter() - started
    repeated = 1 - df["Email"].nunique() / max(len(df), 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "frame.pkl")
        with open(path, "wb") as handle:
            pickle.dump(df, handle, protocol=pickle.HIGHEST_PROTOCOL)
        del df
        sfc = _run("sfclean", path)
        base = _run("baseline", path)
    result = {
        "rows": args.rows,
        "repeated_email_share": round(repeated, 3),
        "generate_seconds": round(generated, 1),
        "sfclean_seconds": round(sfc["seconds"], 2),
        "baseline_seconds": round(base["seconds"], 2),
        "speedup": round(base["seconds"] / sfc["seconds"], 1),
        "sfclean_cpu_seconds": round(sfc["cpu"], 2),
        "baseline_cpu_seconds": round(base["cpu"], 2),
        "speedup_cpu": round(base["cpu"] / sfc["cpu"], 1),
        "sfclean_peak_mib": round(sfc["peak_mib"]),
        "baseline_peak_mib": round(base["peak_mib"]),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{result['rows']:,} rows ({result['repeated_email_share']:.0%} repeated emails)\n"
        f"            wall        cpu         peak\n"
        f"  baseline  {result['baseline_seconds']:8.2f} s  {result['baseline_cpu_seconds']:8.2f} s"
        f"  {result['baseline_peak_mib']:6} MiB\n"
        f"  sfclean   {result['sfclean_seconds']:8.2f} s  {result['sfclean_cpu_seconds']:8.2f} s"
        f"  {result['sfclean_peak_mib']:6} MiB\n"
        f"  speed-up  {result['speedup']:8.1f}x  {result['speedup_cpu']:8.1f}x"
    )


if __name__ == "__main__":
    main()
