"""Seed records: Data Loader CSV rows (or config rows) turned into typed store rows.

Split from :mod:`sfclean.localorg.seed` (whose docstring documents the CSV conventions): value
conversion per field type, Id checks and minting, ``@name`` references, defaults and audit
fields. Every problem raises SeedError naming the file, the row (header = row 1) and field.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sfclean.localorg.errors import SeedError
from sfclean.localorg.ids import IdFactory, is_valid_id, to_18
from sfclean.localorg.schema import Field, SObjectType
from sfclean.localorg.validate import sf_datetime as format_sf_datetime

_PLAIN_TEXT = frozenset({"string", "email", "phone", "textarea", "picklist", "url"})

__all__ = ["NameIndex", "RecordConverter", "parse_bool", "read_csv", "sf_datetime"]


def parse_bool(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "y"):
        return True
    if text in ("false", "0", "no", "n", ""):
        return False
    raise SeedError(f"{where}: {value!r} is not a boolean; use true or false")


def read_csv(path: Path) -> list[dict[str, Any]]:
    """The rows of a Data Loader CSV as header -> cell dicts (blank lines skipped); read in
    full so the file is closed before any row is converted."""
    rows: list[dict[str, Any]] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header:
                return rows
            for line in reader:
                if not any(line):
                    continue
                if len(line) != len(header):
                    raise SeedError(
                        f"{path}: row {reader.line_num} has {len(line)} cells, the header has {len(header)}"
                    )
                rows.append(dict(zip(header, line, strict=True)))
    except UnicodeDecodeError:
        raise SeedError(f"{path}: not UTF-8; export it from Data Loader as UTF-8") from None
    except csv.Error as exc:
        raise SeedError(f"{path}: not valid CSV ({exc})") from None
    return rows


class NameIndex:
    """Resolves ``@name`` references: usernames for User, Name/DeveloperName otherwise."""

    def __init__(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        self.by_object: dict[str, dict[str, str]] = {}
        for name, object_rows in rows.items():
            self.add(name, object_rows)

    def add(self, object_name: str, rows: list[dict[str, Any]]) -> None:
        index = self.by_object.setdefault(object_name, {})
        for row in rows:
            key = (
                row.get("Username")
                if object_name == "User"
                else row.get("Name") or row.get("DeveloperName")
            )
            if key:
                index.setdefault(str(key).lower(), row["Id"])

    def resolve(self, targets: tuple[str, ...], key: str) -> str | None:
        for target in targets:
            found = self.by_object.get(target, {}).get(key.lower())
            if found:
                return found
        return None


class RecordConverter:
    """Turns one CSV/config row into a store row: typed values, Ids, defaults, audit fields."""

    def __init__(
        self,
        obj: SObjectType,
        where: str,
        *,
        ids: IdFactory,
        names: NameIndex,
        audit: Callable[[dict[str, Any]], None],
    ) -> None:
        self.obj, self.where, self.ids, self.names, self.audit = obj, where, ids, names, audit
        self._fields: dict[str, Field | None] = {}
        self._defaults = [(f.name, f.default) for f in obj.fields if f.default is not None]
        self._required = [f.name for f in obj.fields if f.required]
        name = obj.field("Name")
        self._full_name = (
            name is not None and not name.createable and obj.field("LastName") is not None
        )
        self._owned = obj.field("OwnerId") is not None

    def field(self, column: str) -> Field:
        if column not in self._fields:
            self._fields[column] = self.obj.field(column.strip())
        f = self._fields[column]
        if f is None:
            raise SeedError(
                f"{self.where}: column {column!r} is not a field of {self.obj.name}; remove it or fix the header"
            )
        return f

    def convert(self, raw: dict[str, Any], line: int) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for column, value in raw.items():
            f = self._fields.get(column) or self.field(str(column))
            if value.__class__ is str and f.type in _PLAIN_TEXT and f.length >= len(value):
                row[f.name] = value if value and not value.isspace() else None  # fast path
            else:
                row[f.name] = self.value(f, value, line)
        rid = row.get("Id")
        if not rid:
            row["Id"] = self.ids.new(self.obj.key_prefix)
        elif not is_valid_id(rid) or not rid.startswith(self.obj.key_prefix):
            raise SeedError(
                f"{self.where}: row {line} Id {rid!r} is not a valid {self.obj.name} Id (prefix {self.obj.key_prefix})"
            )
        else:
            row["Id"] = to_18(rid)
        for name, default in self._defaults:
            if row.get(name) is None:
                row[name] = default
        for name in self._required:
            if row.get(name) is None:
                raise SeedError(
                    f"{self.where}: row {line} has no {name}, which {self.obj.name} requires"
                )
        if self._full_name:
            row["Name"] = " ".join(str(p) for p in (row.get("FirstName"), row["LastName"]) if p)
        self.audit(row)
        if self._owned and row.get("OwnerId") is None:
            row["OwnerId"] = row["CreatedById"]
        return row

    def value(self, f: Field, value: Any, line: int) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            return value
        if f.type in _PLAIN_TEXT:
            if f.length and len(value) > f.length:
                raise SeedError(
                    f"{self.where}: row {line} {f.name}: value is longer than {f.length} characters"
                )
            return value
        where = f"{self.where}: row {line} {f.name}"
        if f.type == "boolean":
            return parse_bool(value, where)
        if f.type in ("int", "double"):
            try:
                return int(value) if f.type == "int" else float(value)
            except ValueError:
                raise SeedError(f"{where}: {value!r} is not a number") from None
        if f.type == "datetime":
            return sf_datetime(value, where)
        if f.type == "date":
            try:
                return datetime.strptime(value.strip()[:10], "%Y-%m-%d").date().isoformat()
            except ValueError:
                raise SeedError(f"{where}: {value!r} is not a date like 2024-01-31") from None
        if f.type == "reference":
            return self.reference(f, value.strip(), where)
        if f.length and len(value) > f.length:
            raise SeedError(f"{where}: value is longer than {f.length} characters")
        return value

    def reference(self, f: Field, value: str, where: str) -> str:
        if value.startswith("@"):
            found = self.names.resolve(f.reference_to, value[1:])
            if found is None:
                raise SeedError(f"{where}: {value!r} names no seeded {'/'.join(f.reference_to)}")
            return found
        if not is_valid_id(value):
            raise SeedError(f"{where}: {value!r} is neither an Id nor an @name reference")
        return to_18(value)


def sf_datetime(value: str, where: str) -> str:
    text = value.strip().replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]  # +0000 -> +00:00 for fromisoformat
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise SeedError(
            f"{where}: {value!r} is not a date-time like 2024-01-31T09:30:00Z"
        ) from None
    return format_sf_datetime(parsed)
