"""Benchmark: the whole ``sfclean.scan`` stage against localorg (extraction included).

Usage::

    .venv/bin/python bench/scan_org.py                   # 200,000 records
    .venv/bin/python bench/scan_org.py 50000 --json

What it does:

1. :func:`scan_generator.generate` builds N records (the shape and planted clusters of
   ``bench/scan.py``) and writes them as a localorg seed: ``User.csv`` (the creators, with
   their Ids), ``Contact.csv``, ``Lead.csv`` (converted leads, merge victims and deleted
   records included, with ``IsConverted`` / ``MasterRecordId`` / ``IsDeleted``);
2. seeds a file-backed local org from it (timed: ``seed_s``), starts it;
3. runs ``sfclean.scan(conn, incremental_dir=...)`` once over HTTPS as a user would (timed:
   ``scan_s``, wall: the first run reads everything), with the API calls it cost, the API
   each object was read with (REST or Bulk API 2.0, by record count) and the process's peak
   resident memory (``ru_maxrss``), which **includes the local org's own server threads,
   store and result buffers**: an upper bound for the scan alone; writes the result
   (``write_s``: the key index included), creates one duplicate Lead and times the nightly
   incremental run (``nightly_*``: it reads only the changes);
4. checks the answer: clusters found against the planted clusters the email keys must find
   (as ``bench/scan.py`` counts them).

The local org is not Salesforce: its Bulk API 2.0 query answers from SQLite on the same two
cores, so ``scan_s`` says how the stage's own work scales, not how long a real org takes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pandas as pd
from scan_generator import generate

import sfclean
from sfclean.io import write_result
from sfclean.localorg.server import LocalOrg

_LEAD = ["Id", "Email", "Phone", "MobilePhone", "FirstName", "LastName", "Company", "LeadSource",
         "Country", "CreatedById", "CreatedDate", "IsConverted", "ConvertedContactId",
         "MasterRecordId", "IsDeleted"]  # fmt: skip
_CONTACT = ["Id", "Email", "Phone", "MobilePhone", "FirstName", "LastName", "LeadSource",
            "MailingCountry", "CreatedById", "CreatedDate", "MasterRecordId", "IsDeleted"]  # fmt: skip


def _write(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    frame[columns].to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, encoding="utf-8")


_ID_COLUMNS = ("Id", "CreatedById", "ConvertedContactId", "MasterRecordId")


def write_seed(records: pd.DataFrame, directory: Path) -> None:
    """The generated records as a localorg seed directory (Ids cut to their 15-character
    form: the generator's suffixes are not the checksums localorg checks)."""
    records = records.assign(**{c: records[c].str[:15] for c in _ID_COLUMNS})
    users = records.drop_duplicates("CreatedById")
    pd.DataFrame(
        {
            "Id": users["CreatedById"],
            "Username": users["created_by"],
            "LastName": users["created_by"].str.split("@").str[0],
            "Email": users["created_by"],
            "UserType": users["user_type"],
        }
    ).to_csv(directory / "User.csv", index=False)
    _write(directory / "Contact.csv", records[records["object"] == "Contact"], _CONTACT)
    _write(directory / "Lead.csv", records[records["object"] == "Lead"], _LEAD)
    (directory / "org.yaml").write_text("org: {name: Scan Bench, dailyApiLimit: 1000000}\n")


def _first_email(seed: Path) -> str:
    """The email of the first seeded Contact that has one: the nightly run's new duplicate."""
    contacts = pd.read_csv(seed / "Contact.csv", dtype=str, keep_default_na=False, nrows=100)
    plain = contacts["Email"].str.fullmatch(r"[a-z0-9.]+@[a-z0-9.-]+")
    return str(contacts.loc[plain, "Email"].iloc[0])


def run(n: int) -> dict[str, object]:
    records = generate(n)
    # clusters the default (email) keys must find: planted members linked by email
    linked = records[(records["planted"] >= 0) & (records["link"] == "email")]
    planted = int((linked.groupby("planted").size() >= 2).sum())
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed"
        seed.mkdir()
        write_seed(records, seed)
        del records
        started = time.perf_counter()
        org = LocalOrg(seed=str(seed), db=str(Path(tmp) / "org.db"))
        org.start()
        seed_s = time.perf_counter() - started
        try:
            conn = sfclean.connect(
                instance_url=org.instance_url,
                access_token=org.access_token,
                ca_bundle=org.ca_bundle,
            )
            out = Path(tmp) / "nightly"
            started = time.perf_counter()
            result = sfclean.scan(conn, incremental_dir=out)
            scan_s = time.perf_counter() - started
            started = time.perf_counter()
            write_result(result, out)
            write_s = time.perf_counter() - started
            conn.sf.Lead.create({"LastName": "New", "Company": "Acme", "Email": _first_email(seed)})
            started = time.perf_counter()
            nightly = sfclean.scan(conn, incremental_dir=out)
            nightly_s = time.perf_counter() - started
        finally:
            org.stop()
    summary = result.summary()
    return {
        "records": n,
        "seed_s": round(seed_s, 1),
        "scan_s": round(scan_s, 1),
        "api_calls": result.api_calls,
        "apis": dict(summary.apis),
        "read": dict(summary.records),
        "write_s (incl. key_index.csv.gz)": round(write_s, 1),
        "nightly_incremental_s": round(nightly_s, 1),
        "nightly_api_calls": nightly.api_calls,
        "nightly_extracted": dict(nightly.summary().extracted),
        "nightly_new_clusters": nightly.new_clusters,
        "clusters": summary.clusters,
        "expected_clusters_at_least": planted,
        "peak_rss_mib_incl_localorg": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=200_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.n)
    print(json.dumps(figures, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
