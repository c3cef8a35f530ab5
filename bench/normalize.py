"""Benchmark: sfclean.normalize against per-row baselines, and end to end, in the same run.

Usage::

    .venv/bin/python bench/normalize.py 1000000            # realistic rows (bench/realistic.py)
    .venv/bin/python bench/normalize.py 100000 --json      # machine-readable result
    .venv/bin/python bench/normalize.py 1000000 --generator legacy   # the old, easy generator
    .venv/bin/python bench/normalize.py 1000000 --profile prof.out   # cProfile of sfclean
    .venv/bin/python bench/normalize.py 1000000 --only sfclean --workers 2   # two processes

What it does:

1. generates N rows (``--generator realistic``, the default: :mod:`realistic`, the formats
   people type per country; ``legacy``: :func:`generate` below, kept only to compare with the
   history in bench/README.md) and pickles them, and writes the same rows as a UTF-8 CSV;
2. runs each contender in a fresh subprocess (so peak memory is per contender):

   - **baseline**: ``Series.map`` of ``email_validator.validate_email(check_deliverability=False)``
     on every email cell, and ``phonenumbers.parse(value, region)`` + ``format_number(E164)``
     on every phone cell, the region from the row's country cell (a dict of the generator's
     spellings); it does less than sfclean: no junk checks, no validity check, no dedupe, no
     findings;
   - **dedupe-first**: what a competent pandas user writes: ``drop_duplicates`` on the
     stripped, lowercased email, then the baseline's per-row cleaning on the rows left;
   - **sfclean**: ``sfclean.normalize(df)`` with default options;
   - **e2e-pandas**: ``pd.read_csv(dtype=str, keep_default_na=False)`` + ``to_csv`` of the CSV;
   - **e2e-sfclean**: ``sfclean normalize FILE --out DIR`` (the click command, in process);

3. prints wall time (``time.perf_counter``) and CPU time (``time.process_time``; every
   contender is single-threaded unless ``--workers`` gives sfclean processes, whose CPU time
   is printed apart) around the work only (imports excluded), and the peak
   resident memory of each subprocess (``VmHWM`` in ``/proc/self/status``: it includes the
   interpreter, the libraries and the input frame), beside the input frame's
   ``memory_usage(deep=True)``.

Speed and memory targets are checked here, never in unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import realistic

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


_REGION = {label: code for code, labels in realistic.COUNTRY_REGION.items() for label in labels}
_REGION.update({label: code for label, code in COUNTRIES})


def _per_row(df: pd.DataFrame) -> None:
    import email_validator
    import phonenumbers

    def email(value: str) -> str | None:
        try:
            return email_validator.validate_email(value, check_deliverability=False).normalized
        except email_validator.EmailNotValidError:
            return None

    def phone(value: str, region: str) -> str | None:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    regions = [_REGION.get(c, "US") for c in df["Country"]]
    df["Email"].map(email)
    for name in ("Phone", "MobilePhone"):
        [phone(v, r) for v, r in zip(df[name], regions, strict=True)]


def _dedupe_first(df: pd.DataFrame) -> None:
    key = df["Email"].str.strip().str.lower()
    _per_row(df[~key.duplicated()])


def _sfclean(df: pd.DataFrame) -> None:
    import sfclean

    workers = int(os.environ.get("BENCH_WORKERS", "1"))
    sfclean.normalize(df, **({"workers": workers} if workers != 1 else {}))  # older versions


def _e2e_pandas(csv: str, out: str) -> dict[str, float]:
    start = time.process_time()
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    read = time.process_time() - start
    frame.to_csv(os.path.join(out, "copy.csv"), index=False)
    return {"read": read, "write": time.process_time() - start - read}


def _e2e_sfclean(csv: str, out: str) -> dict[str, float]:
    from sfclean.cli.group import cli

    chunks = os.environ.get("SFCLEAN_BENCH_CHUNK_ROWS")
    extra = ["--chunk-rows", chunks] if chunks else []
    cli.main(["normalize", csv, "--out", out, "--quiet", *extra], standalone_mode=False)
    return {}


def _e2e_phases(csv: str, out: str) -> dict[str, float]:
    """What ``sfclean normalize`` does for a file read as one chunk, phase by phase (CPU):
    the checks, the parse (pyarrow's for a plain UTF-8 file, as the CLI reads it),
    normalize (clean_work with the in-file duplicates, tables), writing; with the memory
    settings the CLI gives its own process (sfclean.allocator)."""
    from sfclean import allocator
    from sfclean.io import OutputDir, check_csv
    from sfclean.stages.normalize import tables
    from sfclean.stages.normalize_file import FILES, _normalize_chunk

    if hasattr(allocator, "tune_this_process"):  # older versions: none
        allocator.tune_this_process()
    phases, last = {}, time.process_time()

    def lap(name: str) -> None:
        nonlocal last
        now = time.process_time()
        phases[name], last = now - last, now

    checked = check_csv(csv)
    lap("check")
    [frame] = checked.chunks(None, dtype=str if checked.arrow_reads(str) else object)
    lap("parse")
    work, _ = _normalize_chunk(frame, {}, None, fill_blanks=False)  # the CLI's one chunk
    found = tables(work)
    lap("normalize")
    with OutputDir(out) as files:
        for name, table in zip(FILES, found, strict=True):
            files.csv(name, table.names).write(table.columns)
        files.json("report.json", {})
        files.publish()
    lap("write")
    return phases


MODES = {"baseline": _per_row, "dedupe-first": _dedupe_first, "sfclean": _sfclean}
FILE_MODES = {"e2e-pandas": _e2e_pandas, "e2e-sfclean": _e2e_sfclean, "e2e-phases": _e2e_phases}


def _child(mode: str, path: str, profile: str | None) -> None:
    """Run one contender; print JSON with seconds, CPU seconds and peak RSS."""
    import email_validator  # noqa: F401  (import cost is not part of the timing)
    import phonenumbers  # noqa: F401

    import sfclean
    import sfclean.cli.group
    import sfclean.cli.normalize

    # sfclean imports its stages on first use; import them here, outside the timing
    sfclean.normalize  # noqa: B018

    _set_storage()
    if mode in FILE_MODES:
        out = tempfile.mkdtemp(dir=os.environ.get("SFCLEAN_BENCH_OUT") or os.path.dirname(path))
        args: tuple[object, ...] = (path.replace(".pkl", ".csv"), out)
        func = FILE_MODES[mode]
    else:
        with open(path, "rb") as handle:
            args = (pickle.load(handle),)
        func = MODES[mode]
    start, start_cpu = time.perf_counter(), time.process_time()
    if profile:
        import cProfile

        cProfile.runctx("func(*args)", globals(), {"func": func, "args": args}, profile)
        phases = None
    else:
        phases = func(*args)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    if mode in FILE_MODES:
        shutil.rmtree(args[1], ignore_errors=True)  # type: ignore[arg-type]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers= processes, ended
    got = {"mode": mode, "seconds": seconds, "cpu": cpu, "peak_mib": _peak_mib()}
    got["cpu_children"] = children.ru_utime + children.ru_stime
    print(json.dumps({**got, **({"phases": phases} if phases else {})}))


def _set_storage() -> None:
    """pandas' ``str`` storage for this process (``--string-storage``; default: pandas')."""
    storage = os.environ.get("SFCLEAN_BENCH_STORAGE")
    if storage:
        pd.set_option("mode.string_storage", storage)


def _peak_mib() -> float:
    """This process's peak resident memory: VmHWM, not ru_maxrss (on Linux ru_maxrss keeps
    the parent's peak across fork + exec, so every child would report at least the
    generating parent's size)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(mode: str, path: str, profile: str | None = None) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, path]
    out = subprocess.run(
        command + (["--profile", profile] if profile else []),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--generator", choices=("realistic", "legacy"), default="realistic")
    parser.add_argument("--only", help="comma-separated contenders (default: all)")
    parser.add_argument(
        "--profile", help="write a cProfile of the sfclean (or e2e-sfclean) contender here"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--workers", type=int, default=1, help="sfclean's workers= (0: one per CPU; default 1)"
    )
    parser.add_argument(
        "--csv", help="an existing CSV for the e2e contenders (no rows are generated for them)"
    )
    parser.add_argument(
        "--chunk-rows", help="pass --chunk-rows N to sfclean normalize (e2e-sfclean)"
    )
    parser.add_argument(
        "--string-storage",
        choices=("python", "pyarrow"),
        help="pandas' str storage in every process (default: pandas' own: pyarrow if installed)",
    )
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child, args.profile)
        return
    os.environ["BENCH_WORKERS"] = str(args.workers)  # read by the sfclean child
    if args.string_storage:
        os.environ["SFCLEAN_BENCH_STORAGE"] = args.string_storage
        _set_storage()
    if args.chunk_rows:
        os.environ["SFCLEAN_BENCH_CHUNK_ROWS"] = args.chunk_rows
    modes = args.only.split(",") if args.only else [*MODES, *FILE_MODES]
    if args.csv:
        _file_only(args, modes)
        return
    started = time.perf_counter()
    make = realistic.generate if args.generator == "realistic" else generate
    df = make(args.rows, args.seed)
    generated = time.perf_counter() - started
    result: dict[str, object] = {
        "rows": args.rows,
        "generator": args.generator,
        "distinct_email_share": round(df["Email"].nunique() / max(len(df), 1), 3),
        "frame_mib": round(df.memory_usage(deep=True).sum() / 2**20),
        "generate_seconds": round(generated, 1),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "workers": args.workers,
        "string_storage": pd.options.mode.string_storage,
        "frame_storage": getattr(df.dtypes.iloc[0], "storage", None),
        "load_before": _load(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "frame.pkl")
        with open(path, "wb") as handle:
            pickle.dump(df, handle, protocol=pickle.HIGHEST_PROTOCOL)
        if any(m in FILE_MODES for m in modes):
            df.to_csv(path.replace(".pkl", ".csv"), index=False)
            result["csv_mib"] = round(os.path.getsize(path.replace(".pkl", ".csv")) / 2**20)
        del df
        _run_modes(result, modes, path, args.profile)
    _report(result, args.json)


def _run_modes(result: dict, modes: list[str], path: str, profile: str | None) -> None:
    for mode in modes:
        got = _run(mode, path, profile if mode in ("sfclean", "e2e-sfclean") else None)
        keys = ("seconds", "cpu", "cpu_children", "peak_mib")
        result[mode] = {k: round(got[k], 2) for k in keys if k in got}
        if "phases" in got:
            result[mode]["phases"] = {k: round(v, 2) for k, v in got["phases"].items()}
        result[mode]["load"] = _load()


def _file_only(args: argparse.Namespace, modes: list[str]) -> None:
    """The e2e contenders on an existing CSV (``--csv``): a 2 GB file is not generated here."""
    unknown = [m for m in modes if m not in FILE_MODES]
    if unknown:
        raise SystemExit(f"--csv runs only the e2e contenders, not {', '.join(unknown)}")
    result: dict[str, object] = {
        "csv": args.csv,
        "csv_mib": round(os.path.getsize(args.csv) / 2**20),
        "chunk_rows": args.chunk_rows,
        "python": platform.python_version(),
        "string_storage": pd.options.mode.string_storage,
        "load_before": _load(),
    }
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(args.csv))) as tmp:
        os.environ["SFCLEAN_BENCH_OUT"] = tmp
        _run_modes(result, modes, args.csv.removesuffix(".csv") + ".pkl", args.profile)
    _report(result, args.json)


def _report(result: dict, as_json: bool) -> None:
    _ratios(result)
    if as_json:
        print(json.dumps(result))
        return
    _print(result)


def _ratios(result: dict) -> None:
    def ratio(a: str, b: str) -> None:
        if a in result and b in result:
            result[f"{a}/{b}_cpu"] = round(result[a]["cpu"] / result[b]["cpu"], 2)
            result[f"{a}/{b}_wall"] = round(result[a]["seconds"] / result[b]["seconds"], 2)

    ratio("baseline", "sfclean")
    ratio("dedupe-first", "sfclean")
    ratio("e2e-sfclean", "e2e-pandas")
    if "e2e-phases" in result and "e2e-pandas" in result:
        phases = result["e2e-phases"]["phases"]
        mine = sum(v for k, v in phases.items() if k != "normalize")
        result["e2e-phases_io/e2e-pandas_cpu"] = round(mine / result["e2e-pandas"]["cpu"], 2)
    if "sfclean" in result and "frame_mib" in result:
        result["sfclean_peak_over_frame"] = round(
            result["sfclean"]["peak_mib"] / result["frame_mib"], 2
        )


def _print(result: dict) -> None:
    if "rows" in result:
        print(
            f"{result['rows']:,} rows ({result['generator']}), "
            f"{result['distinct_email_share']:.0%} distinct emails, "
            f"input frame {result['frame_mib']} MiB ({result['frame_storage']} str), "
            f"load before {result['load_before']}"
        )
    else:
        print(f"{result['csv']} ({result['csv_mib']} MiB), load before {result['load_before']}")
    print("                   wall        cpu  (workers' cpu)    peak   load after")
    for mode in [*MODES, *FILE_MODES]:
        if mode in result:
            got = result[mode]
            print(
                f"  {mode:14} {got['seconds']:8.2f} s {got['cpu']:8.2f} s "
                f"{got['cpu_children']:8.2f} s {got['peak_mib']:8.0f} MiB  {got['load']}"
            )
            if "phases" in got:
                print("      cpu: " + ", ".join(f"{k} {v:.2f} s" for k, v in got["phases"].items()))
    for key, value in result.items():
        if key.endswith(("_cpu", "_wall", "_frame")):
            print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
