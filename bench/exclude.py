"""Benchmark: API calls of sfclean's exclude lookup against two baselines, and of a Bulk 1.0 load.

Usage::

    .venv/bin/python bench/exclude.py                          # 1,000,000 Contacts, 200,000 Leads
    .venv/bin/python bench/exclude.py --contacts 100000 --leads 20000 --json

A local org (sfclean.localorg, HTTPS on loopback, the real wire protocols) holds the Contacts
and Leads; the SQLite file is cached under bench/results/ (``--db``), so only the first run
pays for seeding. The upload has ``--rows`` rows of which ``--present`` (a fraction) already
exist in the org, half as Contacts and half as Leads, some in other letter case.

Measured in one run, each as the org's own API-call counter (``LocalOrg.api_calls``):

- ``sfclean auto``: ``sfclean.exclude(df, conn)`` (record counts + the cheaper strategy);
- ``sfclean extract``: the same with ``strategy="extract"`` (Bulk API 2.0 query);
- ``baseline query_all``: reading every email of both objects with REST query paging;
- ``baseline IN over GET``: ``Email IN (...)`` queries over REST GET, URIs <= 2,000 characters;
- ``load bulk``: ``sfclean.load`` of ``--load-rows`` new Leads with Bulk API 1.0 (polls
  included); the loaded records are deleted from the store afterwards so reruns match.

Targets: the lookup costs at most 2 API calls + 1 per 2,000 matches; a 10,000-row Bulk 1.0
load at most 6.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

import sfclean
from sfclean.localorg import LocalOrg
from sfclean.stages.load import load as load_rows
from sfclean.stages.lookup import soql_literal

RESULTS = Path(__file__).resolve().parent / "results"
URI_LIMIT = 2_000
_ID_RE = re.compile(r"(?<=/)(?:[0-9A-Za-z]{15,18}|01g[0-9A-Za-z]+-\d+)(?=/|$)")

ORG_CONFIG: dict[str, Any] = {
    "org": {"name": "Exclude Bench", "dailyApiLimit": 5_000_000},
    "matchingRules": [
        {
            "developerName": f"{obj}_Email",
            "sobjectType": obj,
            "ruleStatus": "Active",
            "matchingRuleItems": [{"fieldName": "Email", "matchingMethod": "Exact"}],
        }
        for obj in ("Lead", "Contact")
    ],
    "duplicateRules": [
        {
            "developerName": "Lead_Report_Only",
            "sobjectType": "Lead",
            "isActive": True,
            "actionOnInsert": "Allow",
            "actionOnUpdate": "Allow",
            "operationsOnInsert": ["Report"],
            "operationsOnUpdate": [],
            "securityOption": "BypassSharingRules",
            "duplicateRuleMatchRules": [
                {"matchRuleSObjectType": "Lead", "matchingRule": "Lead_Email"}
            ],
        }
    ],
}


def contact_email(i: int) -> str:
    return f"contact{i}@company{i % 5000}.example.com"


def lead_email(i: int) -> str:
    return f"lead{i}@prospect{i % 3000}.example.net"


def seed(contacts: int, leads: int) -> dict[str, Any]:
    return {
        **ORG_CONFIG,
        "records": {
            "Contact": [
                {"LastName": f"Contact {i}", "Email": contact_email(i)} for i in range(contacts)
            ],
            "Lead": [
                {"LastName": f"Lead {i}", "Company": "Prospect Inc", "Email": lead_email(i)}
                for i in range(leads)
            ],
        },
    }


def upload(rows: int, present: float, contacts: int, leads: int) -> pd.DataFrame:
    """``rows`` rows; ``present`` of them exist in the org (half Contacts, half Leads)."""
    existing = round(rows * present)
    emails = []
    for j in range(existing):
        pick = contact_email if j % 2 == 0 else lead_email
        email = pick((j * 7919) % (contacts if j % 2 == 0 else leads))
        emails.append(email.upper() if j % 10 == 0 else email)
    emails += [f"new{j}@upload.example.org" for j in range(rows - existing)]
    return pd.DataFrame(
        {
            "FirstName": [f"F{j}" for j in range(rows)],
            "LastName": [f"L{j}" for j in range(rows)],
            "Company": ["Upload Co"] * rows,
            "Email": emails,
        },
        dtype="str",
    )


def start_org(db: Path | None, contacts: int, leads: int) -> tuple[LocalOrg, float, bool]:
    reuse = db is not None and db.exists()
    print("opening the cached org ..." if reuse else "seeding ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    config = ORG_CONFIG if reuse else seed(contacts, leads)
    org = LocalOrg(config, db=str(db) if db else None).start()
    counts = {n: org.engine.store.count(n) for n in ("Contact", "Lead")}
    if counts != {"Contact": contacts, "Lead": leads}:
        org.stop()
        raise SystemExit(f"{db} holds {counts}; delete it or pass other --contacts/--leads")
    return org, time.perf_counter() - started, reuse


def measure(org: LocalOrg, label: str, func: Any) -> dict[str, Any]:
    print(f"measuring {label} ...", file=sys.stderr, flush=True)
    before = org.api_calls
    org.clear_requests()
    started = time.perf_counter()
    extra = func() or {}
    seconds = round(time.perf_counter() - started, 2)
    calls = Counter(
        f"{r.method} {_ID_RE.sub('<id>', r.path.split('/services/', 1)[-1])}"
        for r in org.requests
        if r.api_call
    )
    return {
        "label": label,
        "api_calls": org.api_calls - before,
        "seconds": seconds,
        **extra,
        "requests": dict(calls),
    }


def baseline_query_all(conn: sfclean.Connection) -> dict[str, Any]:
    emails = 0
    for obj in ("Lead", "Contact"):
        for _ in conn.query_all_iter(f"SELECT Email FROM {obj} WHERE Email != null"):
            emails += 1
    return {"records_read": emails}


def uri_queries(api_version: str, obj: str, keys: list[str]) -> list[str]:
    """``Email IN`` statements whose GET URI stays within URI_LIMIT characters."""
    prefix = f"/services/data/v{api_version}/query?q="
    head = f"SELECT Id, Email FROM {obj} WHERE Email IN ("
    queries: list[str] = []
    current: list[str] = []
    for key in keys:
        trial = head + ",".join([*current, soql_literal(key)]) + ")"
        if current and len(prefix) + len(quote(trial, safe="")) > URI_LIMIT:
            queries.append(head + ",".join(current) + ")")
            current = []
        current.append(soql_literal(key))
    if current:
        queries.append(head + ",".join(current) + ")")
    return queries


def baseline_in_over_get(conn: sfclean.Connection, keys: list[str]) -> dict[str, Any]:
    queries = [q for obj in ("Lead", "Contact") for q in uri_queries(conn.api_version, obj, keys)]
    found = sum(1 for soql in queries for _ in conn.query_all_iter(soql))
    return {"queries": len(queries), "matches": found}


def run(args: argparse.Namespace) -> dict[str, Any]:
    db = None if args.no_cache else Path(args.db)
    if db is not None:
        db.parent.mkdir(parents=True, exist_ok=True)
    org, seed_s, reused = start_org(db, args.contacts, args.leads)
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()} {platform.system()} {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, pandas {pd.__version__}",
        "org": {"contacts": args.contacts, "leads": args.leads},
        "upload_rows": args.rows,
        "present": args.present,
        "start_org_s": round(seed_s, 1),
        "db_reused": reused,
        "results": [],
    }
    try:
        df = upload(args.rows, args.present, args.contacts, args.leads)
        keys = sorted(set(sfclean.normalize(df).kept["Email"]))
        conn = sfclean.connect(
            instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
        )
        results = report["results"]
        holder: dict[str, Any] = {}

        def auto() -> dict[str, Any]:
            result = sfclean.exclude(df, conn)
            holder["auto"] = result
            return {
                "strategy": result.strategy,
                "estimate": result.estimate.to_dict(),
                "matches": result.matches,
                "excluded": len(result.held_back),
                "target": 2 + math.ceil(result.matches / 2000),
            }

        results.append(measure(org, "sfclean auto", auto))
        if not args.skip_extract:

            def extract() -> dict[str, Any]:
                result = sfclean.exclude(df, conn, strategy="extract")
                return {"strategy": result.strategy, "excluded": len(result.held_back)}

            results.append(measure(org, "sfclean extract", extract))
        results.append(measure(org, "baseline query_all", lambda: baseline_query_all(conn)))
        results.append(
            measure(org, "baseline IN over GET", lambda: baseline_in_over_get(conn, keys))
        )
        if args.load_rows:
            new = upload(args.load_rows, 0.0, 1, 1)
            new["Email"] = [f"load{j}-{time.time_ns()}@bench.example.org" for j in range(len(new))]
            holder_ids: list[str] = []

            def load() -> dict[str, Any]:
                result = load_rows(new, conn, object_name="Lead", api="bulk")
                holder_ids.extend(result.kept["Id"])
                return {"loaded": len(result.kept), "failed": len(result.held_back)}

            results.append(measure(org, f"load bulk {args.load_rows} rows", load))
            with org.engine.store.lock:
                org.engine.store.delete("Lead", holder_ids)
        conn.close()
    finally:
        org.stop()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--present", type=float, default=0.10)
    parser.add_argument("--load-rows", type=int, default=10_000)
    parser.add_argument("--db", default=None, help="SQLite cache (default under bench/results/)")
    parser.add_argument("--no-cache", action="store_true", help="seed a temporary org")
    parser.add_argument("--skip-extract", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.db is None:
        args.db = str(RESULTS / f"exclude-org-{args.contacts}-{args.leads}.sqlite")
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['date']}  {report['machine']}")
    print(
        f"org: {args.contacts:,} Contacts, {args.leads:,} Leads "
        f"(started in {report['start_org_s']} s, cache {'reused' if report['db_reused'] else 'new'})"
    )
    print(f"upload: {args.rows:,} rows, {args.present:.0%} already in the org")
    print(f"{'measure':<26}{'API calls':>10}{'seconds':>10}  notes")
    for item in report["results"]:
        notes = {k: v for k, v in item.items() if k not in ("label", "api_calls", "seconds")}
        print(f"{item['label']:<26}{item['api_calls']:>10,}{item['seconds']:>10}  {notes}")


if __name__ == "__main__":
    main()
