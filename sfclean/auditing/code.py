"""Check 5: code that saves duplicates on purpose, in the org and in local repositories.

Unmanaged ApexClass / ApexTrigger bodies come from the Tooling API (with ManageableState;
audit-scan-facts.md section 3.12) and files under ``sources`` from disk; both go through
:mod:`sfclean.auditing.codescan`. Managed code whose body reads ``(hidden)`` is grouped into one
``managed-code-hidden`` finding per namespace (a blind spot), naming the package's known
switch where there is one (NPSP: Respect_Duplicate_Rule_Settings__c).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sfclean.auditing.base import Reader, finding
from sfclean.auditing.codescan import Finding, scan_apex_record, scan_paths
from sfclean.codes import MANAGED_CODE_HIDDEN
from sfclean.errors import InputError
from sfclean.salesforce import Connection

__all__ = ["KNOWN_SWITCHES", "check_sources", "read_org_code"]

#: namespace -> what to check in that package's settings
KNOWN_SWITCHES = {
    "npsp": "NPSP saves duplicates when Error Settings 'Respect Duplicate Rule Settings' "
    "(Respect_Duplicate_Rule_Settings__c) is off: check NPSP Settings > System Tools",
}
_TOOLING = "the Tooling API (API Enabled and View Setup and Configuration; UNCONFIRMED which else)"


def _row(found: Finding, obj: str) -> dict[str, str]:
    row = finding(
        found.code,
        "code",
        object=obj,
        subject=found.subject,
        where=found.where,
        message=found.message,
    )
    if found.snippet:
        row["message"] += f" (line: {found.snippet})"
    return row


def _hidden(records: Sequence[tuple[str, dict[str, Any]]]) -> list[dict[str, str]]:
    by_ns: dict[str, list[str]] = {}
    for kind, record in records:
        by_ns.setdefault(str(record.get("NamespacePrefix") or "?"), []).append(
            f"{kind} {record.get('Name')}"
        )
    rows = []
    for ns, names in sorted(by_ns.items()):
        detail = f"namespace {ns}: {len(names)} hidden ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''})"
        if ns.lower() in KNOWN_SWITCHES:
            detail += f"; {KNOWN_SWITCHES[ns.lower()]}"
        rows.append(
            finding(
                MANAGED_CODE_HIDDEN,
                "code",
                object="Apex",
                subject=ns,
                where=f"namespace {ns}",
                detail=detail,
            )
        )
    return rows


def _tooling(conn: Connection, soql: str) -> Callable[[], list[dict[str, Any]]]:
    return lambda: list(conn.tooling_query_all(soql))


def read_org_code(conn: Connection, reader: Reader) -> list[dict[str, str]]:
    """Findings in the org's ApexClass and ApexTrigger bodies (Tooling API)."""
    rows: list[dict[str, str]] = []
    hidden: list[tuple[str, dict[str, Any]]] = []
    for kind in ("ApexClass", "ApexTrigger"):
        soql = f"SELECT Id, Name, NamespacePrefix, ManageableState, Body FROM {kind}"
        records = reader.read(f"{kind} (Tooling API)", _TOOLING, _tooling(conn, soql))
        for record in records or []:
            found = scan_apex_record(record)
            if any(f.code == MANAGED_CODE_HIDDEN for f in found):
                hidden.append((kind, record))
                continue
            rows += [_row(f, kind) for f in found]
    return rows + _hidden(hidden)


def check_sources(sources: Iterable[str | Path]) -> list[dict[str, str]]:
    """Findings in the files under ``sources`` (InputError for a path that does not exist)."""
    paths = [Path(p) for p in sources]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise InputError(
            f"sources= {missing[0]} does not exist; give a file or a directory of code"
        )
    return [_row(f, "file") for f in scan_paths(paths)]
