"""Which column goes to which field: the :class:`SendPlan` the load and the pre-flight share.

Built once from the object's describe (:func:`plan_fields`), in one of two ways:

- by name (no ``fields=``): every column named like a createable field of the object (names
  compared case-insensitively, the first column wins for a field) goes to that field. The
  status columns of Data Loader's own files are never sent: a success file (``ID`` first,
  ``STATUS`` last) or an error file (``ERROR`` last) read back as input keeps them out of
  ``Lead.Status`` and every other field.
- explicitly (``fields={"column": "Field"}`` or several fields, ``"BillingState,
  ShippingState"``; ``constants={"Field": "value"}``), as a Data Loader ``.sdl`` mapping
  decides (:func:`sfclean.sdl.insert_mapping`): mapped columns go to their fields, the other
  columns are not sent, constants are set on every row.

``not_sent`` says, for each column left out, why. A field named in ``fields=`` or
``constants=`` that the object does not have, or cannot create, is a ConfigError: every row
would fail.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sfclean.errors import ColumnNotFoundError, ConfigError

__all__ = ["SendPlan", "dataloader_status_columns", "plan_fields", "split_fields"]

Describe = Mapping[str, Any]


def split_fields(target: str | Sequence[str]) -> tuple[str, ...]:
    """``"BillingState, ShippingState"`` (or a sequence) as a tuple of field names."""
    parts = target.split(",") if isinstance(target, str) else list(target)
    return tuple(p.strip() for p in parts if p.strip())


def dataloader_status_columns(columns: Sequence[str]) -> dict[str, str]:
    """``{column: why}`` for the status columns of a Data Loader success file (``ID`` first,
    ``STATUS`` last) or error file (``ERROR`` last), compared ignoring case."""
    names = [str(c).strip() for c in columns]
    if len(names) < 2:
        return {}
    out: dict[str, str] = {}
    if names[0].upper() == "ID" and names[-1].upper() == "STATUS":
        why = "Data Loader's success-file column (not a value to load)"
        out = {str(columns[0]): why, str(columns[-1]): why}
    elif names[-1].upper() == "ERROR":
        out = {str(columns[-1]): "Data Loader's error-file column (not a value to load)"}
        if names[0].upper() == "ID":
            out[str(columns[0])] = "Data Loader's error-file column (not a value to load)"
    return out


@dataclass(frozen=True)
class SendPlan:
    """``fields``: ``{column: (Field, ...)}`` sent; ``constants``: ``{Field: value}`` set on
    every row; ``not_sent``: ``{column: why}`` for every other column."""

    fields: Mapping[str, tuple[str, ...]]
    constants: Mapping[str, str] = field(default_factory=dict)
    not_sent: Mapping[str, str] = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        """Every field sent (the Bulk 2.0 CSV header), in column order, then the constants
        that set a value."""
        names = [f for fields in self.fields.values() for f in fields]
        fixed = [f for f, value in self.constants.items() if value != ""]  # "" sets nothing
        return list(dict.fromkeys([*names, *fixed]))

    def source_of(self, field_name: str) -> str | None:
        """The column that fills ``field_name`` (None for a constant or an unsent field)."""
        for column, fields in self.fields.items():
            if field_name in fields:
                return column
        return None

    def not_sent_text(self) -> str:
        """``A, B (why); C (why)``: the columns not sent, grouped by reason."""
        groups: dict[str, list[str]] = {}
        for column, why in self.not_sent.items():
            groups.setdefault(why, []).append(column)
        return "; ".join(f"{', '.join(cols)} ({why})" for why, cols in groups.items())

    def fields_text(self) -> dict[str, str]:
        """``{column: "Field"}`` (several fields joined with ``, ``), for the report."""
        return {c: ", ".join(fs) for c, fs in self.fields.items()}

    def records(self, df: pd.DataFrame) -> list[dict[str, Any]]:
        """One dict per row of the fields to send; empty and missing cells are left out."""
        columns = list(self.fields)
        constants = {k: v for k, v in self.constants.items() if v != ""}
        out = []
        for values in df[columns].itertuples(index=False, name=None):
            record = dict(constants)
            for column, value in zip(columns, values, strict=True):
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    continue
                text = str(value)
                if text != "":
                    for name in self.fields[column]:
                        record[name] = text
            out.append(record)
        return out


def _createable(describe: Describe) -> dict[str, str]:
    """``{lowercase name: Field}`` of the object's createable fields."""
    return {
        str(f["name"]).lower(): str(f["name"])
        for f in describe.get("fields", [])
        if f.get("createable")
    }


def _by_name(columns: Sequence[str], createable: Mapping[str, str], object_name: str) -> SendPlan:
    status = dataloader_status_columns(columns)
    chosen: dict[str, tuple[str, ...]] = {}
    not_sent: dict[str, str] = {}
    taken: dict[str, str] = {}
    for column in columns:
        name = createable.get(column.strip().lower())
        if column in status:
            not_sent[column] = status[column]
        elif name is None:
            not_sent[column] = f"no such createable {object_name} field"
        elif name in taken:
            not_sent[column] = f"{name} is already sent from column {taken[name]}"
        else:
            chosen[column] = (name,)
            taken[name] = column
    return SendPlan(chosen, {}, not_sent)


def _resolve(name: str, createable: Mapping[str, str], object_name: str, where: str) -> str:
    found = createable.get(name.strip().lower())
    if found is None:
        raise ConfigError(
            f"{where} sends a value to {name}, which is not a createable field of "
            f"{object_name}; fix the field name or leave that line out"
        )
    return found


def _explicit(
    columns: Sequence[str],
    fields: Mapping[str, str | Sequence[str]],
    constants: Mapping[str, str],
    createable: Mapping[str, str],
    object_name: str,
) -> SendPlan:
    missing = [c for c in fields if c not in columns]
    if missing:
        raise ColumnNotFoundError(
            f"fields= names columns the table does not have: {', '.join(missing)}",
            columns=list(columns),
        )
    chosen = {
        column: tuple(
            _resolve(f, createable, object_name, f"the mapping of column {column}")
            for f in split_fields(target)
        )
        for column, target in fields.items()
    }
    chosen = {c: fs for c, fs in chosen.items() if fs}
    fixed = {
        _resolve(f, createable, object_name, "a constant"): str(v) for f, v in constants.items()
    }
    status = dataloader_status_columns(columns)
    not_sent = {c: status.get(c, "not in the mapping") for c in columns if c not in chosen}
    return SendPlan(chosen, fixed, not_sent)


def plan_fields(
    describe: Describe,
    columns: Sequence[str],
    *,
    object_name: str = "",
    fields: Mapping[str, str | Sequence[str]] | None = None,
    constants: Mapping[str, str] | None = None,
) -> SendPlan:
    """The :class:`SendPlan` for a table with ``columns`` (see the module docstring).

    Raises ConfigError when nothing would be sent, or a mapped field is not createable;
    ColumnNotFoundError when ``fields=`` names a column the table does not have.
    """
    name = object_name or str(describe.get("name", "the object"))
    createable = _createable(describe)
    names = [str(c) for c in columns]
    if fields is None and not constants:
        plan = _by_name(names, createable, name)
    else:
        plan = _explicit(names, fields or {}, constants or {}, createable, name)
    if not plan.fields and not any(plan.constants.values()):
        raise ConfigError(
            f"no column of the table is a createable field of {name}; name the "
            "columns with the fields' API names (LastName, Email, ...) or pass a mapping"
        )
    return plan
