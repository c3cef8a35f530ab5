"""The pre-flight stage: check every row against the object's describe before anything is
written, so the load sends only rows the org can take.

Checks, per field the :class:`~sfclean.stages.sendplan.SendPlan` sends (one column at a time,
vectorised; a constant is checked once):

- ``missing-required-field``: a required field (describe: createable, not nillable, not
  defaulted on create) is blank, or no column or constant fills it;
- ``invalid-value``: not a number for a number field (``int``, ``double``, ``currency``,
  ``percent``; ``12``, ``-1.5``, ``1e3``, no grouping; an ``int`` is 32 bits), not ``YYYY-MM-DD`` for a date, not
  ``YYYY-MM-DDThh:mm[:ss[.fff]]`` (``Z`` or an offset) for a datetime, not true/false/1/0/
  yes/no/y/n/on/off for a checkbox;
- ``value-too-long``: more characters than a text field's ``length``;
- ``invalid-picklist-value``: a value outside a restricted picklist's active values
  (compared exactly; whether a real org accepts another letter case is unconfirmed, so
  sfclean holds such a value back rather than guess).

Blank means empty, spaces only, or ``#N/A`` (Data Loader's null, which the Bulk APIs read as
"no value"). A row with several problems is held back once: ``sfclean_reason`` is the first code of the
list above that applies, ``sfclean_detail`` names every field and limit (``Company is
required and blank; Title has 130 characters, the field takes 128``). No API call: the
describe is the one the load needs anyway. Not checked (the org still decides): email
syntax (normalize checks it), references and Ids, validation rules, triggers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from sfclean.codes import (
    INVALID_PICKLIST_VALUE,
    INVALID_VALUE,
    MISSING_REQUIRED_FIELD,
    VALUE_TOO_LONG,
)
from sfclean.report import (
    REASON,
    ROW,
    StageResult,
    Summary,
    empty_findings,
    row_numbers,
    with_row_column,
)
from sfclean.stages.sendplan import SendPlan, plan_fields

__all__ = [
    "DETAIL",
    "PREFLIGHT_REASONS",
    "PreflightResult",
    "PreflightSummary",
    "preflight",
    "required_fields",
]

DETAIL = "sfclean_detail"
#: The reasons, in the order that picks a row's ``sfclean_reason``.
PREFLIGHT_REASONS = (MISSING_REQUIRED_FIELD, INVALID_VALUE, VALUE_TOO_LONG, INVALID_PICKLIST_VALUE)

_TEXT = frozenset(
    {"string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "combobox"}
    | {"encryptedstring"}
)
_NUMBER_TYPES = frozenset({"int", "long", "double", "currency", "percent"})
_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DATETIME = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?"
)
_BOOLEANS = frozenset({"true", "false", "1", "0", "yes", "no", "y", "n", "on", "off"})


@dataclass(frozen=True)
class PreflightSummary(Summary):
    """:class:`~sfclean.report.Summary` plus the columns sent (``fields``), the constants and
    the columns not sent, with why (``not_sent``)."""

    fields: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    not_sent: Mapping[str, str] = field(default_factory=dict)


@dataclass(repr=False, eq=False)
class PreflightResult(StageResult):
    """What :func:`preflight` returns (the protocol of :mod:`sfclean.report`).

    ``kept``: the rows the org can take. ``held_back``: the others, with ``sfclean_reason``
    and ``sfclean_detail``. ``plan``: the columns sent and those not sent, and why.
    """

    stage: ClassVar[str] = "preflight"
    kept: pd.DataFrame
    held_back: pd.DataFrame
    plan: SendPlan
    findings: pd.DataFrame = field(default_factory=empty_findings)

    def summary(self) -> PreflightSummary:
        """Rows in / kept / held back per reason, and what is sent where."""
        return PreflightSummary(
            **self._base_counts(),
            fields=self.plan.fields_text(),
            constants=dict(self.plan.constants),
            not_sent=dict(self.plan.not_sent),
        )

    def outputs(self) -> dict[str, pd.DataFrame]:
        """``checked.csv`` (the rows that pass) and ``rejected.csv`` (held back)."""
        return {"checked.csv": self.kept, "rejected.csv": self.held_back}


def required_fields(describe: Mapping[str, Any]) -> list[str]:
    """Fields the org requires on create: createable, not nillable, not defaulted on create."""
    return [
        str(f["name"])
        for f in describe.get("fields", [])
        if f.get("createable") and not f.get("nillable") and not f.get("defaultedOnCreate")
    ]


def _valid_datetime(text: str) -> bool:
    if not re.fullmatch(_DATETIME, text):
        return False
    raw = text[:-1] + "+00:00" if text[-1] in "Zz" else text
    if re.search(r"[+-][0-9]{4}$", raw):
        raw = raw[:-2] + ":" + raw[-2:]
    try:
        datetime.fromisoformat(raw)
    except ValueError:
        return False
    return True


def _valid_date(text: str) -> bool:
    if not re.fullmatch(_DATE, text):
        return _valid_datetime(text)
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _bad_type(values: pd.Series, kind: str) -> pd.Series:
    """True where a non-blank value is not of the field's type (``values`` are stripped)."""
    if kind in _NUMBER_TYPES:
        shaped = values.str.fullmatch(_NUMBER)
        numbers = pd.to_numeric(values.where(shaped), errors="coerce")
        ok = shaped & np.isfinite(numbers.fillna(np.inf))
        if kind in ("int", "long"):
            ok &= numbers.fillna(0.5).mod(1).eq(0)
        if kind == "int":  # xsd:int, 32 bits
            ok &= numbers.fillna(0).between(-(2**31), 2**31 - 1)
        return ~ok
    if kind in ("date", "datetime"):
        check = _valid_date if kind == "date" else _valid_datetime
        uniques = {v: check(v) for v in values.unique()}
        return ~values.map(uniques).astype(bool)
    if kind == "boolean":
        return ~values.str.lower().isin(_BOOLEANS)
    return pd.Series(False, index=values.index)


def _type_name(kind: str) -> str:
    return {
        "date": "a date (YYYY-MM-DD)",
        "datetime": "a date and time (YYYY-MM-DDThh:mm:ssZ)",
        "boolean": "a checkbox (true or false)",
        "int": "a whole number (32-bit)",
        "long": "a whole number",
    }.get(kind, "a number")


def _where(mask: pd.Series, text: str) -> pd.Series:
    """``text`` where ``mask`` holds, else ``""`` (object dtype)."""
    return pd.Series(np.where(mask, text, ""), index=mask.index, dtype=object)


def _quoting(mask: pd.Series, values: pd.Series, before: str, after: str) -> pd.Series:
    """``before 'value' after`` where ``mask`` holds (values cut at 40 characters), else ``""``;
    only the rows that fail are formatted."""
    out = pd.Series("", index=mask.index, dtype=object)
    if mask.any():
        out[mask] = before + values[mask].str.slice(0, 40).map(repr) + after
    return out


def _field_problems(
    raw: pd.Series, spec: Mapping[str, Any], required: bool
) -> list[tuple[str, pd.Series]]:
    """``[(code, message per row or "")]`` for one field's values (text, NaN for none)."""
    name, kind = str(spec["name"]), str(spec.get("type", "string"))
    text = raw.fillna("").astype(str)
    stripped = text.str.strip()
    blank = stripped.eq("") | stripped.eq("#N/A")  # Data Loader's null, on the Bulk APIs
    out: list[tuple[str, pd.Series]] = []
    if required:
        out.append((MISSING_REQUIRED_FIELD, _where(blank, f"{name} is required and blank")))
    if kind in _NUMBER_TYPES or kind in ("date", "datetime", "boolean"):
        bad = ~blank & _bad_type(stripped, kind)
        out.append((INVALID_VALUE, _quoting(bad, text, f"{name} ", f" is not {_type_name(kind)}")))
    length = int(spec.get("length") or 0)
    if kind in _TEXT and length:
        sizes = text.str.len()
        long_ = ~blank & sizes.gt(length)
        msg = pd.Series("", index=raw.index, dtype=object)
        if long_.any():
            limit = f" characters, the field takes {length}"
            msg[long_] = f"{name} has " + sizes[long_].astype(str) + limit
        out.append((VALUE_TOO_LONG, msg))
    if spec.get("restrictedPicklist"):
        allowed = [str(p["value"]) for p in spec.get("picklistValues", []) if p.get("active")]
        outside = ~blank & ~text.isin(allowed)
        after = f" is not a value of its picklist ({', '.join(allowed)})"
        out.append((INVALID_PICKLIST_VALUE, _quoting(outside, text, f"{name} ", after)))
    return out


def _problems(df: pd.DataFrame, plan: SendPlan, describe: Mapping[str, Any]) -> pd.DataFrame:
    """One column per (field, check): the message where a row fails it, else ``""``."""
    specs = {str(f["name"]): f for f in describe.get("fields", [])}
    required = set(required_fields(describe))
    columns: dict[tuple[str, str], pd.Series] = {}
    for target in plan.targets:
        spec = specs.get(target)
        if spec is None:
            continue
        source = plan.source_of(target)
        if source is not None:
            values = df[source].reset_index(drop=True)
        else:
            values = pd.Series([plan.constants.get(target, "")] * len(df), dtype=object)
        for code, messages in _field_problems(values, spec, target in required):
            columns[(target, code)] = messages
    for name in sorted(required - set(plan.targets), key=list(specs).index):
        note = f"{name} is required and no column is sent to it"
        columns[(name, MISSING_REQUIRED_FIELD)] = pd.Series([note] * len(df), dtype=object)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(df)))


def _reasons(problems: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """(reason per row, "" when none; the detail per row) from :func:`_problems`' table."""
    n = len(problems)
    reason = np.full(n, "", dtype=object)
    for code in reversed(PREFLIGHT_REASONS):  # the first code of the list wins
        picked = [c for c in problems.columns if c[1] == code]
        if picked:
            hit = problems[picked].ne("").any(axis=1).to_numpy()
            reason[hit] = code
    held = reason != ""
    detail = pd.Series("", index=problems.index, dtype=object)
    if held.any():
        rows = problems.loc[held]
        detail.loc[held] = ["; ".join(m for m in row if m) for row in rows.itertuples(index=False)]
    return reason, detail


def preflight(
    df: pd.DataFrame,
    describe: Mapping[str, Any],
    *,
    plan: SendPlan | None = None,
    fields: Mapping[str, str | Sequence[str]] | None = None,
    constants: Mapping[str, str] | None = None,
) -> PreflightResult:
    """Check the rows of ``df`` against ``describe`` (``conn.describe("Lead")``); hold back
    every row the org would refuse for a reason the describe tells (module docstring).

    ``plan`` (else ``fields=`` / ``constants=``, else by column name; see
    :func:`~sfclean.stages.sendplan.plan_fields`) says which column fills which field.
    ``df`` is not modified; its ``sfclean_row`` column numbers the rows (else 2, 3, ...).
    """
    columns = [str(c) for c in df.columns if str(c) != ROW]
    if plan is None:
        plan = plan_fields(describe, columns, fields=fields, constants=constants)
    frame = with_row_column(df, row_numbers(df))
    reason, detail = _reasons(_problems(frame, plan, describe))
    held = reason != ""
    kept = frame.loc[~held].reset_index(drop=True)
    held_back = frame.loc[held].reset_index(drop=True)
    held_back[REASON] = pd.Series(reason[held], dtype=str)
    held_back[DETAIL] = pd.Series(detail[held].to_numpy(), dtype=str)
    return PreflightResult(kept, held_back, plan)
