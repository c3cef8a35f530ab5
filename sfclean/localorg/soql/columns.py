"""``query?q=...&columns=true``: the column metadata of a query instead of its records.

The Salesforce CLI (``sf data query``) asks for it to lay out its table and CSV output; the
endpoint is not in the REST API reference, so the shape follows what the CLI reads
(``@salesforce/plugin-data``, ``retrieveColumns``): ``columnMetadata[]`` entries with
``columnName``, ``displayName``, ``aggregate`` and nested ``joinColumns`` for relationship
paths (``Account.Name`` -> ``Account`` joining ``Name``) and for child subqueries (aggregate
true, ``joinColumns`` the subquery's columns), plus the entry keys a real org sends
(``apexType``, ``booleanType``, ``custom``, ``foreignKeyName``, ``insertable``,
``numberType``, ``textType``, ``updatable``) and ``entityName``, ``groupBy``,
``idSelected``, ``keyPrefix`` at the top.
"""

from __future__ import annotations

from typing import Any

from ..schema import Field, object_type
from .compiler import Compiled, SelectInfo

__all__ = ["column_metadata"]

_APEX_TYPES = {
    "id": "Id",
    "reference": "Id",
    "boolean": "Boolean",
    "datetime": "Datetime",
    "date": "Date",
    "int": "Integer",
    "double": "Double",
}


def _entry(name: str, display: str, f: Field | None, *, aggregate: bool) -> dict[str, Any]:
    ftype = f.type if f is not None else ""
    return {
        "aggregate": aggregate,
        "apexType": _APEX_TYPES.get(ftype, "String") if f is not None else None,
        "booleanType": ftype == "boolean",
        "columnName": name,
        "custom": False,
        "displayName": display,
        "foreignKeyName": None,
        "insertable": bool(f is not None and f.createable and not aggregate),
        "joinColumns": [],
        "numberType": ftype in ("int", "double"),
        "textType": f is not None and _APEX_TYPES.get(ftype) is None,
        "updatable": bool(f is not None and f.updateable and not aggregate),
    }


def _add_path(columns: list[dict[str, Any]], info: SelectInfo) -> None:
    """Add a field, nesting relationship steps as ``joinColumns`` (one entry per step)."""
    level = columns
    for step in info.parts[:-1]:
        found = next((c for c in level if c["columnName"] == step and c["joinColumns"]), None)
        if found is None:
            found = _entry(step, step, None, aggregate=False)
            found["apexType"] = step
            level.append(found)
        level = found["joinColumns"]
    last = info.parts[-1] if info.parts else info.key
    level.append(_entry(last, last, info.field, aggregate=False))


def _columns(compiled: Compiled) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for info in compiled.select:
        if info.kind == "child":
            assert info.child is not None
            entry = _entry(info.key, info.key, None, aggregate=True)
            entry["joinColumns"] = _columns(info.child)
            out.append(entry)
        elif info.kind == "aggregate":
            out.append(_entry(info.key, info.display, info.field, aggregate=True))
        elif compiled.kind == "aggregate":
            out.append(_entry(info.key, info.display, info.field, aggregate=False))
        else:
            _add_path(out, info)
    return out


def column_metadata(compiled: Compiled) -> dict[str, Any]:
    """The ``columns=true`` body for a compiled query."""
    obj = object_type(compiled.object_name)
    return {
        "columnMetadata": _columns(compiled),
        "entityName": compiled.object_name,
        "groupBy": compiled.kind == "aggregate" and bool(compiled.group_by),
        "idSelected": any(i.kind == "field" and i.parts == ("Id",) for i in compiled.select),
        "keyPrefix": obj.key_prefix if obj is not None else None,
    }
