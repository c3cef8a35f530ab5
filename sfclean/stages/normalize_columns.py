"""The normalize stage's steps, one per column kind: text, email, phone.

Each step reads the original cells from a :class:`Work` (the table being normalized, as one
object array of text per column), writes the cleaned cells back, adds findings, and marks
held-back rows with a reason (an index into :data:`REASON_CODES`; 0 means the row goes on).
Every rule runs once per distinct value (per distinct value and region for phones); results
are spread back to rows with numpy indexing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sfclean.cleaners.countries import region_for_country
from sfclean.cleaners.emails import clean_email_column
from sfclean.cleaners.junk import JunkPolicy, classify_junk_column
from sfclean.cleaners.keys import provider_key
from sfclean.cleaners.phonecolumn import clean_phone_column
from sfclean.cleaners.text import clean_text
from sfclean.codes import (
    CODES,
    INVALID_EMAIL,
    INVALID_PHONE,
    MISSING_EMAIL,
    PHONE_DAMAGED,
)
from sfclean.report import first_data_row
from sfclean.stages.normalize_findings import (
    Change,
    FindingsTable,
    arrow_str,
    arrow_text,
    as_text,
    encode_arrow,
    take_text,
    text_changes,
    with_messages,
)
from sfclean.stages.normalize_workers import ValuePool

__all__ = [
    "FINDING_CODES",
    "NONE",
    "REASON_CODES",
    "REASON_INDEX",
    "Keys",
    "Regions",
    "Work",
    "clean_email_cells",
    "clean_phone_cells",
    "clean_text_cells",
    "row_regions",
]

#: Reason codes, in the order they are checked (the registry's order).
REASON_CODES: tuple[str, ...] = CODES.names(kind="reason", stage="normalize")
#: Finding codes.
FINDING_CODES: tuple[str, ...] = CODES.names(kind="finding", stage="normalize")

NONE = 0  # reason index meaning "row goes on"
REASON_INDEX = {code: i + 1 for i, code in enumerate(REASON_CODES)}

#: (region index per row, region codes)
Regions = tuple[np.ndarray, list[str]]


@dataclass(frozen=True)
class Keys:
    """The in-file dedupe key of every row: ``row[i]`` is row i's key id, ``values[id]`` the
    key (the cleaned email, or its provider key with ``match_key="provider"``)."""

    row: np.ndarray
    values: np.ndarray


class Cells(dict[str, np.ndarray]):
    """Each input column's cells as an object array of str. A column pyarrow holds is built
    only when it is asked for, from its (codes, distinct values) in ``encoded`` (encoding it
    there first): the findings and the held-back rows take the input's pyarrow cells
    instead, so most runs never ask."""

    def __init__(
        self,
        built: dict[str, np.ndarray],
        arrows: dict[str, Any],
        encoded: dict[str, tuple[np.ndarray, np.ndarray]],
        rows: int,
    ):
        super().__init__(built)
        self.arrows, self.encoded, self.rows = arrows, encoded, rows

    def __missing__(self, name: str) -> np.ndarray:
        if name not in self.arrows:
            raise KeyError(name)
        if name not in self.encoded and encode_into(self.encoded, self.arrows, name) is None:
            cells = self[name] = self.arrows[name].to_numpy(zero_copy_only=False)  # a str each
            return cells
        codes, uniques = self.encoded[name]
        cells = self[name] = uniques[codes]
        return cells


def encode_into(
    encoded: dict[str, tuple[np.ndarray, np.ndarray]], arrows: dict[str, Any], name: str
) -> tuple[np.ndarray, np.ndarray, Any] | None:
    """:func:`encode_arrow` of the pyarrow column ``arrows[name]``, its (codes, distinct
    values) kept in ``encoded`` (they stand for the cells); None when pyarrow cannot."""
    found = encode_arrow(arrows[name])
    if found is not None:
        encoded[name] = found[:2]
    return found


@dataclass
class Work:
    """The table being normalized: original and cleaned cells per column, findings, and the
    reason index and detail of every row."""

    names: list[str]
    original: dict[str, np.ndarray]
    cleaned: dict[str, np.ndarray] = field(default_factory=dict)
    #: the caller's index (kept on every output table) and the first row's spreadsheet number
    index: pd.Index = field(default_factory=lambda: pd.RangeIndex(0))
    first_row: int = 2
    #: per cleaned column: (each row's distinct value, the cleaned distinct values), so
    #: per-value checks (formula-like cells) run once per distinct value
    distinct: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: per cleaned column in ``distinct``: its distinct values as one pyarrow array, when
    #: the cleaner built one (the email's); the tables take that column's cells from it
    distinct_arrow: dict[str, Any] = field(default_factory=dict)
    #: per cleaned column in ``distinct``: which of its distinct values are known not to be
    #: formula-like (a phone in E.164), so that check reads only the others
    not_formulas: dict[str, np.ndarray] = field(default_factory=dict)
    #: per input column pyarrow holds, once encoded over all its rows (``factorize`` or the
    #: original cells asked for): (codes, distinct values); a python-backed column's codes
    #: and an encoding of some rows (``factorize_rows``) are not kept
    encoded: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: per input column that pyarrow stores: its cells as one pyarrow array ("" for NaN),
    #: the input's own buffers, from which the held-back rows' original cells are taken
    arrow: dict[str, Any] = field(default_factory=dict)
    findings: FindingsTable = field(init=False)
    reason: np.ndarray = field(init=False)
    detail: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.n
        self.findings = FindingsTable(order={name: i for i, name in enumerate(self.names)})
        self.reason = np.zeros(n, dtype=np.int8)
        self.detail = np.full(n, "", dtype=object)

    @classmethod
    def of(cls, df: pd.DataFrame, names: list[str]) -> Work:
        """Every cell of ``df`` as text (``df`` itself is not changed), with its index and the
        spreadsheet number of its first row (:func:`~sfclean.report.first_data_row`). A
        column pyarrow stores stays pyarrow's array until a step factorizes it."""
        plain = df.copy(deep=False)  # no attrs: pandas deep-copies them into every column
        plain.attrs = {}
        original, arrows = {}, {}
        for i, name in enumerate(names):
            arrow = arrow_text(plain.iloc[:, i])  # the input's own buffers, no Python str
            if arrow is None:
                original[name] = as_text(plain.iloc[:, i])
            else:
                arrows[name] = arrow
        encoded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        cells = Cells(original, arrows, encoded, len(df))
        return cls(
            names,
            cells,
            index=df.index,
            first_row=first_data_row(df),
            encoded=encoded,
            arrow=arrows,
        )

    def factorize(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``pd.factorize`` of a column's original cells (codes as int64)."""
        return self.factorize_arrow(name)[:2]

    def factorize_arrow(self, name: str) -> tuple[np.ndarray, np.ndarray, Any]:
        """:meth:`factorize`, and the distinct values as pyarrow's array when this call
        encoded them from the input's (else None)."""
        if name in self.encoded:
            return (*self.encoded[name], None)
        found = encode_into(self.encoded, self.arrow, name) if name in self.arrow else None
        if found is None:  # the cells are in ``original``; their codes are not kept
            codes, uniques = pd.factorize(self.original[name])
            return codes.astype(np.int64), uniques, None
        return found

    def factorize_rows(self, name: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`factorize` of the cells at positions ``rows`` only: pyarrow encodes just
        those when the column has not been factorized yet."""
        if name not in self.encoded and name in self.arrow:
            found = encode_arrow(take_text(self.arrow[name], rows))
            if found is not None:
                return found[:2]
        codes, uniques = self.factorize(name)
        local, used = pd.factorize(codes[rows])
        return local.astype(np.int64), uniques[used]

    @property
    def n(self) -> int:
        """Rows."""
        if isinstance(self.original, Cells):
            return self.original.rows
        return len(next(iter(self.original.values()))) if self.original else 0


def clean_text_cells(work: Work, names: list[str], country: str | None) -> Regions | None:
    """Trim and NFC-normalize the plain text columns ``names``.

    Returns the country column's (inverse, cleaned distinct values), for the phones' regions,
    when ``country`` is one of ``names``.
    """
    found = None
    for name in names:
        inverse, uniques = work.factorize(name)
        results = [clean_text(u) for u in uniques]
        if name == country:
            found = (inverse, results)
        cleaned = np.array(results, dtype=object)
        new = cleaned[inverse] if work.n else work.original[name].copy()
        work.cleaned[name] = new
        work.distinct[name] = (inverse, cleaned)
        changes = [text_changes(u, r) for u, r in zip(uniques, results, strict=True)]
        work.findings.add_per_unique(name, inverse, changes, None, None)
    return found


def clean_email_cells(
    work: Work,
    name: str,
    *,
    policy: JunkPolicy,
    match_key: str,
    check_deliverability: bool,
    internationalized: bool = False,
    pool: ValuePool | None = None,
) -> Keys:
    """Clean and validate the email column, classify junk; returns the rows' dedupe keys.

    ``internationalized``: accept what an org with Email Address Internationalization takes.
    ``pool`` cleans the distinct addresses on several processes.
    """
    inverse, uniques, cells = work.factorize_arrow(name)
    emails = (pool or ValuePool(1)).map_column(
        clean_email_column,
        list(uniques),
        cells=cells,
        check_deliverability=check_deliverability,
        internationalized=internationalized,
    )
    values = emails.value
    missing = emails.status == "missing"
    invalid = emails.status == "invalid"
    reason = np.zeros(len(values), dtype=np.int8)
    reason[missing] = REASON_INDEX[MISSING_EMAIL]
    # the cleaner names the reason of each invalid address (invalid-email, email-too-long, ...)
    reason[invalid] = [REASON_INDEX[r or INVALID_EMAIL] for r in emails.reason[invalid]]
    detail = emails.message.copy()
    detail[missing] = [f"{name}: {m}" if m else f"{name} is blank" for m in detail[missing]]
    ok = np.flatnonzero(emails.status == "ok")
    ok_cells = None if emails.cells is None else emails.cells.take(ok)
    junk_at, hits = classify_junk_column(values[ok].tolist(), policy, cells=ok_cells)
    for i, (code, message) in zip(ok[junk_at].tolist(), hits, strict=True):
        reason[i] = REASON_INDEX[code]
        detail[i] = message
    n = work.n
    work.cleaned[name] = values[inverse] if n else work.original[name].copy()
    work.distinct[name] = (inverse, values)
    # normalize's frames take the column from them only when pandas' str is pyarrow's (the
    # file path's tables convert the values again otherwise: that mode is rare)
    if emails.cells is not None and arrow_str():
        work.distinct_arrow[name] = emails.cells
    if n:
        work.reason[:] = reason[inverse]
        work.detail.fill("")  # then only the rows with a detail: a few in a hundred
        rows = np.flatnonzero((detail != "")[inverse])
        work.detail[rows] = detail[inverse[rows]]
    work.findings.add_grouped(
        name, inverse, emails.change_id, with_messages(emails.kinds), None, None
    )
    keys = (
        np.array([provider_key(v) for v in values], dtype=object)
        if match_key == "provider"
        else values
    )
    key_id_by_unique, key_values = pd.factorize(keys)
    row_keys = key_id_by_unique[inverse] if n else np.zeros(0, dtype=np.int64)
    return Keys(row_keys, np.asarray(key_values, dtype=object))


def row_regions(country: Regions | None, n: int, default: str) -> Regions:
    """Each row's phone region: from its cleaned country, else ``default``."""
    if country is None:
        return np.zeros(n, dtype=np.int64), [default]
    inverse, values = country
    regions = [region_for_country(v) for v in values]
    of_country, names = pd.factorize(
        np.array([r or default for r in regions] or [default], dtype=object)
    )
    return of_country.astype(np.int64)[inverse], [str(r) for r in names]


def _phone_answers(
    encoded: tuple[np.ndarray, np.ndarray], regions: Regions, pool: ValuePool
) -> tuple[np.ndarray, tuple]:
    """(inverse, (values, statuses, messages, change_id, kinds)) per distinct (value, region),
    from the column's (codes, distinct values)."""
    region_codes, region_uniques = regions
    value_codes, value_uniques = encoded
    if len(region_uniques) == 1:  # one region: the distinct values are the work list
        col = pool.map_column(clean_phone_column, value_uniques.tolist(), region_uniques[0])
        answers = (col.value, col.status, col.message, col.change_id, col.kinds)
        return value_codes.astype(np.int64), answers
    width = len(region_uniques)
    # np.unique's answer (sorted pairs, each row's pair), by hashing: a third less time
    inverse, pairs = pd.factorize(value_codes.astype(np.int64) * width + region_codes, sort=True)
    value_index, region_index = pairs // width, pairs % width
    values, statuses, messages = (np.empty(len(pairs), dtype=object) for _ in range(3))
    change_id = np.zeros(len(pairs), dtype=np.int64)
    kind_index: dict[tuple[str, ...], int] = {}
    places = [np.flatnonzero(region_index == r) for r in range(width)]
    jobs = [
        (value_uniques[value_index[where]].tolist(), (region,))
        for where, region in zip(places, region_uniques, strict=True)
    ]
    for where, col in zip(places, pool.map_columns(clean_phone_column, jobs), strict=True):
        values[where], statuses[where], messages[where] = col.value, col.status, col.message
        local = np.array([kind_index.setdefault(k, len(kind_index)) for k in col.kinds])
        change_id[where] = local[col.change_id] if len(where) else 0
    return inverse.astype(np.int64), (values, statuses, messages, change_id, list(kind_index))


def clean_phone_cells(
    work: Work, name: str, regions: Regions, invalid_phone: str, pool: ValuePool | None = None
) -> None:
    """Clean one phone column to E.164. An invalid phone is kept as typed (``keep``, the
    default: it may be a real number sfclean cannot place), cleared (``clear``) or holds the
    row back (``reject``); spreadsheet damage (``4.15555E+09``: the digits are lost) is
    cleared in keep mode too, since no reading of it is the number."""
    going = np.flatnonzero(work.reason == NONE)  # a held-back row writes its original cells
    if len(going) < work.n:  # the distinct values of the rows going on only
        encoded = work.factorize_rows(name, going)
        going_regions = (regions[0][going], regions[1])
    else:
        encoded, going_regions = work.factorize(name), regions
    inverse, (values, statuses, messages, change_id, kinds) = _phone_answers(
        encoded, going_regions, pool or ValuePool(1)
    )
    changes = with_messages(kinds)
    if len(going) < work.n:  # the others read one more distinct value: "", no change
        inverse = _spread(inverse, going, work.n, len(values))
        values, statuses, messages = (
            np.append(values, ""),
            np.append(statuses, "blank"),
            np.append(messages, ""),
        )
        change_id = np.append(change_id, len(changes))
        changes.append(())
    count = len(values)
    bad = (statuses != "ok") & (statuses != "blank") if count else np.zeros(0, dtype=bool)
    bad_detail = np.full(count, "", dtype=object)
    change_index: dict[tuple[Change, ...], int] = {}
    for i in np.flatnonzero(bad).tolist():
        status, message = statuses[i], messages[i]
        bad_detail[i] = f"{name}: {message}"
        code = INVALID_PHONE if status == "invalid" else PHONE_DAMAGED
        if invalid_phone == "keep" and status == "invalid":
            change = (*changes[change_id[i]], (code, f"{message}; value kept"))
        else:
            values[i] = ""
            change = ((code, f"{message}; value cleared"),)
        found = change_index.get(change)
        if found is None:
            found = change_index[change] = len(changes)
            changes.append(change)
        change_id[i] = found
    new = values[inverse] if work.n else work.original[name].copy()
    work.cleaned[name] = new
    work.distinct[name] = (inverse, values)
    work.not_formulas[name] = statuses == "ok"  # E.164, maybe ;ext=N: a number, not a formula
    work.findings.add_grouped(name, inverse, change_id, changes, None, None)
    if invalid_phone == "reject" and work.n:
        hit = np.flatnonzero(bad[inverse] & (work.reason == NONE))
        work.reason[hit] = REASON_INDEX[INVALID_PHONE]
        work.detail[hit] = bad_detail[inverse[hit]]


def _spread(inverse: np.ndarray, rows: np.ndarray, n: int, other: int) -> np.ndarray:
    """``inverse`` (per row of ``rows``) for all ``n`` rows, ``other`` for the rest."""
    full = np.full(n, other, dtype=np.int64)
    full[rows] = inverse
    return full
