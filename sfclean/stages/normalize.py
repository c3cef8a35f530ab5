"""The normalize stage: clean every cell, hold back junk, drop in-file duplicates. Offline.

Reasons (``held_back["sfclean_reason"]``; one per held-back row, the first that applies, in
the order of :data:`REASON_CODES`) and findings (``findings["code"]``; changes and warnings
on the rows that go on, :data:`FINDING_CODES`) are declared in :mod:`sfclean.codes`, with
their meaning; ``sfclean codes`` prints them.

Emails are held to what a standard org accepts (:mod:`sfclean.cleaners.emails`). For an org
with Email Address Internationalization turned on, ``internationalized=True`` keeps an
address with a non-ASCII local part (in NFC) instead of holding it back as ``email-not-ascii``
and keeps a Unicode domain in Unicode instead of its ``xn--`` form; an ASCII address gets the
same result either way. :func:`sfclean.check_email_internationalization` asks the org.

Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2.
Every cell is read as text (NaN/None become ""), so Ids, leading zeros, "NA" and "Null"
survive; other text cells are only trimmed and NFC-normalised.

The work is one step per column kind (:mod:`sfclean.stages.normalize_columns`): the plain
text columns, the email column, each phone column; then the in-file duplicates among the rows
still going on. Speed: every rule runs once per distinct value (per distinct value and region
for phones) and results are spread back to rows with numpy indexing; see bench/README.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np
import pandas as pd
import phonenumbers

from sfclean.cleaners.countries import region_for_country
from sfclean.cleaners.emails import dns_answers
from sfclean.cleaners.junk import JunkPolicy
from sfclean.codes import CODES, DUPLICATE_IN_FILE, FILLED_FROM_DUPLICATE, FORMULA_LIKE_CELL
from sfclean.columns import ColumnMap, find_columns
from sfclean.errors import ConfigError, InputError
from sfclean.gcpause import with_gc_paused
from sfclean.io import column_name_problem
from sfclean.report import (
    FINDINGS_COLUMNS,
    REASON,
    ROW,
    StageResult,
    StepProgress,
    Summary,
    progress_callback,
)
from sfclean.spreadsheet import formula_like_rows, formula_start_rows
from sfclean.stages.normalize_columns import (
    FINDING_CODES,
    NONE,
    REASON_CODES,
    REASON_INDEX,
    Keys,
    Work,
    clean_email_cells,
    clean_phone_cells,
    clean_text_cells,
    row_regions,
)
from sfclean.stages.normalize_findings import (
    FindingsTable,
    arrow_cells,
    arrow_take,
    arrow_text,
    as_str_columns,
    str_array,
    take_text,
)
from sfclean.stages.normalize_workers import ValuePool, resolve_workers

__all__ = [
    "FINDING_CODES",
    "REASON_CODES",
    "Cleaned",
    "NormalizeResult",
    "NormalizeSummary",
    "Table",
    "check_normalize_options",
    "clean_work",
    "fill_blank_cells",
    "mark_duplicates",
    "normalize",
    "tables",
]

_RESERVED = ("sfclean_row", "sfclean_reason", "sfclean_detail")


@dataclass(frozen=True)
class NormalizeSummary(Summary):
    """:class:`~sfclean.report.Summary` plus ``columns``: the columns used."""

    columns: Mapping[str, Any] = field(default_factory=dict)

    def to_text(self) -> str:
        """A short human summary (a few lines), as the CLI prints it to stderr."""
        phones = ", ".join(self.columns.get("phones") or ()) or "none"
        return (
            f"{super().to_text()}\n  columns:   email={self.columns.get('email')}; "
            f"phones={phones}; country={self.columns.get('country') or 'none'}"
        )


@dataclass(repr=False, eq=False)
class NormalizeResult(StageResult):
    """What :func:`sfclean.normalize` returns (the protocol of :mod:`sfclean.report`).

    ``kept``: rows that go on, the original columns in their order with normalized values,
    then ``sfclean_row`` (spreadsheet row number, header = row 1). ``held_back``: rows that do
    not, with their original values, then ``sfclean_row``, ``sfclean_reason`` (a reason code)
    and ``sfclean_detail``. ``findings``: one row per change or warning on a kept row: ``row,
    column, code, original, normalized, message``. ``columns``: the columns used.
    ``source``: what :func:`sfclean.read_csv` recorded about the input (``path``,
    ``encoding``, ``delimiter``, ``skip_rows``; copied from ``df.attrs["sfclean"]``, empty for
    other frames), so :func:`sfclean.io.write_result` can name the input in the report.

    Index and dtypes: ``kept`` and ``held_back`` keep the input's index labels (and index
    name) of their rows, so ``df.loc[result.kept.index]`` finds the input rows; ``findings``
    is indexed by the label of the row each finding is about (a label repeats when a row has
    several findings). Every input column comes back as pandas' ``str`` dtype (numbers as
    their text, ``NaN``/``None`` as ``""``); ``sfclean_row`` and ``findings.row`` are
    ``int64``; ``sfclean_reason``, ``sfclean_detail`` and the other findings columns ``str``.
    """

    stage: ClassVar[str] = "normalize"
    kept: pd.DataFrame
    held_back: pd.DataFrame
    findings: pd.DataFrame
    columns: ColumnMap
    source: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> NormalizeSummary:
        """Rows in / kept / held back, per reason, per finding code, and the columns used."""
        return NormalizeSummary(**self._base_counts(), columns=self.columns.to_dict())

    def outputs(self) -> dict[str, pd.DataFrame]:
        """``clean.csv`` (the kept rows), ``rejected.csv`` (held back), ``findings.csv``."""
        return {
            "clean.csv": self.kept,
            "rejected.csv": self.held_back,
            "findings.csv": self.findings,
        }

    def to_report(self, *, source: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The summary, the input (``source``, by default :attr:`source`) and the files."""
        return super().to_report(source=self.source if source is None else source)


def check_normalize_options(
    *, invalid_phone: str = "clear", match_key: str = "email", default_region: str = "US"
) -> str:
    """ConfigError unless the options are usable; returns the region code for
    ``default_region`` (an ISO 3166 code such as ``GB``, or a country name such as ``uk``)."""
    if invalid_phone not in ("keep", "clear", "reject"):
        raise ConfigError(f"invalid_phone= must be keep, clear or reject (got {invalid_phone!r})")
    if match_key not in ("email", "provider"):
        raise ConfigError(f"match_key= must be email or provider (got {match_key!r})")
    region = str(default_region).strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        region = region_for_country(str(default_region)) or ""
    if not region:
        raise ConfigError(
            f"default_region={default_region!r} is not a known country; use an ISO 3166 code "
            "such as US or GB"
        )
    return region


def _check_frame(df: pd.DataFrame) -> list[str]:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"normalize needs a pandas DataFrame (got {type(df).__name__})")
    names = [str(c) for c in df.columns]
    problem = column_name_problem(names)
    if problem:
        raise InputError(f"the table has {problem}; rename or remove them first")
    reserved = [n for n in names if n in _RESERVED]
    if reserved:
        raise InputError(
            f"column {reserved[0]} is reserved for sfclean's own output; rename or drop it"
        )
    return names


@with_gc_paused
def normalize(
    df: pd.DataFrame,
    *,
    email_column: str | None = None,
    phone_columns: Sequence[str] | None = None,
    country_column: str | None = None,
    default_region: str = "US",
    invalid_phone: Literal["keep", "clear", "reject"] = "keep",
    junk: JunkPolicy | None = None,
    match_key: Literal["email", "provider"] = "email",
    fill_blanks: bool = False,
    check_deliverability: bool = False,
    internationalized: bool = False,
    progress: StepProgress = None,
    workers: int | None = 1,
) -> NormalizeResult:
    """Clean a table of contacts/leads and hold back rows that must not go on.

    ``df`` is not modified; every table of the result keeps its index labels, and every
    input column comes back as ``str`` (see :class:`NormalizeResult` for the dtypes). Rows are
    numbered like the spreadsheet: 2, 3, ... (``N + 2`` on for a file read with
    ``skip_rows=N``). Columns are found with :func:`sfclean.find_columns` unless named.
    ``default_region`` reads national phone numbers when the row has no usable country.
    ``invalid_phone``: ``keep`` (default) leaves an invalid phone cell, ``clear`` empties it,
    ``reject`` holds the row back. ``junk`` switches and extends the junk-mailbox checks.
    ``match_key="provider"`` dedupes Gmail dots/+tags and other providers' tags (the stored
    address is unchanged). ``fill_blanks`` fills blank cells of a kept row from its
    duplicates. ``check_deliverability`` asks DNS whether each domain accepts mail (slow, online).
    ``internationalized=True`` keeps non-ASCII emails, for Email Address Internationalization.
    ``progress(done, total)`` is called after each column step (text, email, each phone, the
    in-file duplicates); None or False for none. ``workers``: processes for the distinct emails
    and phones (0/None: one per CPU; default 1), the same result (see normalize_workers).

    Raises :class:`~sfclean.errors.ColumnNotFoundError` when there is no email column,
    :class:`~sfclean.errors.InputError` for an unusable table and
    :class:`~sfclean.errors.ConfigError` for a bad option. Reason and finding codes are in
    :mod:`sfclean.codes`.
    """
    work, cmap, keys = clean_work(
        df,
        email_column=email_column,
        phone_columns=phone_columns,
        country_column=country_column,
        default_region=default_region,
        invalid_phone=invalid_phone,
        junk=junk,
        match_key=match_key,
        check_deliverability=check_deliverability,
        internationalized=internationalized,
        progress=progress,
        workers=workers,
        dedupe=None if fill_blanks else _mark_duplicates,
    )
    if fill_blanks:  # after every phone is cleaned: a duplicate's phones fill the kept row
        dup_rows, first_of = mark_duplicates(work, keys.row)
        if len(dup_rows):
            fill_blank_cells(work, cmap, dup_rows, first_of)
    report = progress_callback(progress)
    if report is not None:
        report(3 + len(cmap.phones), 3 + len(cmap.phones))
    return _result(work, cmap, dict(df.attrs.get("sfclean") or {}))


class Cleaned(NamedTuple):
    """:func:`clean_work`'s answer: the table being normalized, its columns, its keys."""

    work: Work
    cmap: ColumnMap
    keys: Keys


def clean_work(
    df: pd.DataFrame,
    *,
    email_column: str | None = None,
    phone_columns: Sequence[str] | None = None,
    country_column: str | None = None,
    default_region: str = "US",
    invalid_phone: Literal["keep", "clear", "reject"] = "keep",
    junk: JunkPolicy | None = None,
    match_key: Literal["email", "provider"] = "email",
    check_deliverability: bool = False,
    internationalized: bool = False,
    progress: StepProgress = None,
    workers: int | None = 1,
    dedupe: Callable[[Work, Keys], object] | None = None,
) -> Cleaned:
    """:func:`normalize` up to the in-file duplicates: every cell cleaned, findings added,
    rows held back for their email or phone. The options are :func:`normalize`'s.

    ``dedupe(work, keys)`` holds back the in-file duplicates (:func:`mark_duplicates`;
    :func:`sfclean.normalize_file` marks them across chunks itself): called before the
    phones when a phone cannot hold a row back (``invalid_phone`` keep or clear), else
    after them. Only the phones of rows still going on are cleaned (a held-back row's
    cleaned phone is "": it writes its original cells); None: the caller marks the
    duplicates after this, and every row the emails kept has its phones cleaned."""
    region = check_normalize_options(
        invalid_phone=invalid_phone, match_key=match_key, default_region=default_region
    )
    processes = resolve_workers(workers)
    if check_deliverability and not dns_answers():
        raise ConfigError(
            "the deliverability check needs working DNS, and DNS lookups fail here "
            "(gmail.com does not resolve); run without check_deliverability="
        )
    names = _check_frame(df)
    cmap = find_columns(
        names, email_column=email_column, phone_columns=phone_columns, country_column=country_column
    )
    report = progress_callback(progress)
    steps = 3 + len(cmap.phones)
    work = Work.of(df, names)
    # find_columns keeps the country column apart from the email and phones, so it is one of
    # the text columns; its distinct cleaned values give the phones' regions.
    text = [name for name in names if name != cmap.email and name not in cmap.phones]
    country = clean_text_cells(work, text, cmap.country)
    if report is not None:
        report(1, steps)
    with ValuePool(processes) as pool:
        policy = junk if junk is not None else JunkPolicy()
        keys = clean_email_cells(
            work, cmap.email, policy=policy, match_key=match_key, pool=pool,
            check_deliverability=check_deliverability, internationalized=internationalized,
        )  # fmt: skip
        # a row the duplicates hold back shows its original cells: its phones need no work
        early = invalid_phone != "reject"
        if early and dedupe is not None:
            dedupe(work, keys)
        regions = row_regions(country, work.n, region)
        for done, name in enumerate(cmap.phones, start=2):
            if report is not None:
                report(done, steps)
            clean_phone_cells(work, name, regions, invalid_phone, pool)
    if dedupe is not None and not early:
        dedupe(work, keys)
    if report is not None:
        report(steps - 1, steps)
    _flag_formula_cells(work)
    return Cleaned(work, cmap, keys)


def _flag_formula_cells(work: Work) -> None:
    """A ``formula-like-cell`` finding on every cleaned cell a spreadsheet would run as a
    formula (phones and signed numbers excepted); the cell itself is left as it is."""
    message = CODES.message(FORMULA_LIKE_CELL)
    for name in work.names:
        values = work.cleaned[name]
        if name in work.distinct and work.n:  # once per distinct value
            inverse, distinct = work.distinct[name]
            flagged = np.zeros(len(distinct), dtype=bool)
            if name in work.not_formulas:  # the phones formatted in E.164 are numbers
                unknown = np.flatnonzero(~work.not_formulas[name])
                flagged[unknown[_formula_rows(distinct[unknown])]] = True
            else:
                flagged[_formula_rows(distinct)] = True
            pos = np.flatnonzero(flagged[inverse])
        else:
            pos = _formula_rows(values)
        work.findings.add(pos, name, FORMULA_LIKE_CELL, None, None, message)


def _formula_rows(values: np.ndarray) -> np.ndarray:
    """:func:`~sfclean.spreadsheet.formula_like_rows`, read only on the cells that start
    like a formula when they are fewer than half (an email column: almost none; a column of
    E.164 phones: almost all, read whole)."""
    starts = formula_start_rows(values)
    if 2 * len(starts) >= len(values):
        return formula_like_rows(values)
    return starts[formula_like_rows(values[starts])]


def _mark_duplicates(work: Work, keys: Keys) -> None:
    mark_duplicates(work, keys.row)


def mark_duplicates(work: Work, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hold back in-file duplicates among the rows that passed every check so far (phones
    included in reject mode, so the first VALID copy of an address is the one kept).

    Returns (duplicate row positions, position of each row's first copy).
    """
    eligible = np.flatnonzero(work.reason == NONE)
    first_of = np.arange(work.n)
    dup_rows = np.zeros(0, dtype=np.int64)
    if len(eligible):
        # each key's first eligible row: the least position among the rows with that key
        row_keys = keys[eligible]
        if row_keys.min() < 0 or row_keys.max() > 2 * work.n:  # not ids 0..K: make them so
            row_keys = np.unique(row_keys, return_inverse=True)[1].ravel()
        first = np.full(int(row_keys.max()) + 1, work.n, dtype=np.int64)
        np.minimum.at(first, row_keys, eligible)
        first_pos = first[row_keys]
        first_of[eligible] = first_pos
        dup_rows = eligible[first_pos != eligible]
        work.reason[dup_rows] = REASON_INDEX[DUPLICATE_IN_FILE]
        first_rows = (first_of[dup_rows] + work.first_row).tolist()
        work.detail[dup_rows] = [f"duplicate of row {p}" for p in first_rows]
    return dup_rows, first_of


@dataclass(frozen=True)
class Table:
    """One output table as arrays: column ``names``, their ``columns`` and each row's
    position in the :class:`Work`. A text column is a pyarrow string array when pyarrow
    could build it (what :class:`sfclean.io.CsvOut` writes without a Python string per
    cell), else an object array of str; ``sfclean_row`` is int64."""

    names: list[str]
    columns: list[Any]
    pos: np.ndarray


def tables(work: Work) -> tuple[Table, Table, Table]:
    """The kept rows (cleaned values), the held-back rows (original values, reason and
    detail) and the findings of kept rows, as :class:`Table` arrays (for the CSV files of
    :func:`sfclean.normalize_file`; :func:`normalize` builds frames from the same work)."""
    keep = work.reason == NONE
    kept = _kept_table(work, np.flatnonzero(keep))
    held = _held_table(work, np.flatnonzero(~keep))
    # the findings' cells: the input's pyarrow arrays and the kept table's columns
    rank = np.cumsum(keep) - 1
    cleaned = {n: (kept.columns[i], rank) for i, n in enumerate(work.names)}
    pos, found = work.findings.coded_columns(keep, _inputs(work), cleaned, first_row=work.first_row)
    columns = [_text_column(*found[c]) if c != "row" else found[c][0] for c in FINDINGS_COLUMNS]
    return kept, held, Table(list(FINDINGS_COLUMNS), columns, pos)


def _inputs(work: Work) -> dict[str, Any]:
    """Each input column's cells for the findings: pyarrow's copy when there is one."""
    return {n: work.arrow[n] if n in work.arrow else work.original[n] for n in work.names}


def _kept_table(work: Work, pos: np.ndarray) -> Table:
    def column(name: str) -> Any:
        if name in work.distinct_arrow:
            return take_text(work.distinct_arrow[name], work.distinct[name][0][pos])
        if name in work.distinct:
            codes, values = work.distinct[name]
            return _text_column(values, codes[pos])
        return _text_column(work.cleaned[name], pos)

    rows = (pos + work.first_row).astype("int64")
    return Table([*work.names, ROW], [*map(column, work.names), rows], pos)


def _held_table(work: Work, pos: np.ndarray) -> Table:
    def column(name: str) -> Any:
        if name in work.arrow:
            return take_text(work.arrow[name], pos)
        return _text_column(work.original[name], pos)

    reason_names = np.array(("", *REASON_CODES), dtype=object)
    return Table(
        [*work.names, ROW, REASON, "sfclean_detail"],
        [
            *map(column, work.names),
            (pos + work.first_row).astype("int64"),
            _text_column(reason_names, work.reason[pos]),
            work.detail[pos],
        ],
        pos,
    )


def _text_column(values: Any, take: np.ndarray | None) -> Any:
    """``values[take]`` (``values`` itself for None) as pyarrow builds it
    (:func:`arrow_cells`), else objects."""
    if take is None or not isinstance(values, np.ndarray):
        return values
    built = arrow_cells(values, take)
    return values[take] if built is None else built


def _result(work: Work, cmap: ColumnMap, source: dict[str, Any]) -> NormalizeResult:
    """The kept and held-back tables, the findings of kept rows, as a NormalizeResult.

    Every frame keeps the caller's index labels of its rows; text columns are built with the
    ``str`` dtype in one go (casting a wide frame column by column is quadratic). One table
    at a time, and ``work`` lets go of each table's arrays once it is built (it is used up).
    """
    kept_rows = work.reason == NONE
    kept_pos = np.flatnonzero(kept_rows)
    kept = _frame(work, work.cleaned, kept_pos, work.distinct, distinct_arrows=work.distinct_arrow)
    # the findings' normalized cells (of kept rows only): from the kept table's columns
    rank = np.cumsum(kept_rows) - 1
    cleaned = {n: (_cells_of(kept[n]), rank) for n in work.names}
    del kept_rows
    work.cleaned.clear()
    work.distinct.clear()
    work.distinct_arrow.clear()
    del kept_pos
    held_pos = np.flatnonzero(work.reason != NONE)
    held_back = _frame(work, work.original, held_pos, work.encoded, work.arrow)
    inputs = _inputs(work)  # before the work lets go of the input's cells
    work.original.clear()
    work.encoded.clear()
    work.arrow.clear()
    reason_names = np.array(("", *REASON_CODES), dtype=object)
    reasons = str_array(reason_names, work.reason[held_pos])
    held_back[REASON] = pd.Series(reasons, index=held_back.index, dtype="str")
    held_back["sfclean_detail"] = pd.Series(
        str_array(work.detail[held_pos]), index=held_back.index, dtype="str"
    )
    del held_pos, reasons
    pos, found = work.findings.coded_columns(
        work.reason == NONE, inputs, cleaned, first_row=work.first_row
    )
    del inputs, cleaned, rank
    work.findings = FindingsTable(order={})
    findings = pd.DataFrame(
        {
            name: values if name == "row" else str_array(values, take)
            for name, (values, take) in found.items()
        },
        index=work.index[pos],
    )
    del found
    return NormalizeResult(
        kept=kept,
        held_back=held_back,
        findings=as_str_columns(findings, FINDINGS_COLUMNS[1:]),
        columns=cmap,
        source=source,
    )


def _cells_of(column: pd.Series) -> Any:
    """A ``str`` column's cells as its pyarrow array when pyarrow stores it, else objects."""
    arrow = arrow_text(column)
    return arrow if arrow is not None else column.to_numpy(dtype=object)


def _frame(
    work: Work,
    cells: Mapping[str, np.ndarray],
    pos: np.ndarray,
    distinct: Mapping[str, tuple[np.ndarray, np.ndarray]],
    arrows: Mapping[str, Any] | None = None,
    distinct_arrows: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The rows at positions ``pos``: every column as ``str``, then ``sfclean_row`` (int64),
    indexed by the caller's labels of those rows. A column pyarrow holds (``arrows``, or its
    distinct values in ``distinct_arrows``) is taken from it; one in ``distinct`` (each row's
    distinct value and the values) from its distinct values when they are fewer than the
    rows, each converted once."""
    index = work.index[pos]
    names = work.names

    def column(name: str) -> object:
        taken = None
        if distinct_arrows and name in distinct_arrows:
            taken = arrow_take(distinct_arrows[name], distinct[name][0][pos])
        elif arrows and name in arrows:
            taken = arrow_take(arrows[name], pos)
        if taken is not None:
            return taken
        if name in distinct:  # str_array converts the fewer of values and cells
            codes, values = distinct[name]
            return str_array(values, codes[pos])
        if arrows and name in arrows:  # pandas' str is python's: the cells taken, as objects
            return take_text(arrows[name], pos).to_numpy(zero_copy_only=False)
        return str_array(cells[name][pos])

    out = pd.DataFrame({n: column(n) for n in names}, columns=names, dtype="str")
    out.index = index
    out[ROW] = (pos + work.first_row).astype("int64")
    return out


def _e164(phones: np.ndarray) -> np.ndarray:
    """Which cleaned phone cells hold a number in E.164 (read the same in every country)."""
    return np.char.startswith(phones.astype(str), "+")


def fill_blank_cells(
    work: Work, cmap: ColumnMap, dup_rows: np.ndarray, first_of: np.ndarray
) -> None:
    """Fill blank cells of each kept row from its duplicates, earliest duplicate first.

    So that normalizing the output again changes nothing, a phone cell is filled only with a
    number in E.164 (an invalid phone kept as typed was read under the duplicate's country),
    and the country only into a row whose phones hold no such invalid number."""
    cleaned, findings = work.cleaned, work.findings
    targets = first_of[dup_rows]
    as_typed = np.zeros(len(targets), dtype=bool)  # the kept row holds an invalid phone
    for name in cmap.phones:
        phones = cleaned[name][targets]
        as_typed |= (phones != "") & ~_e164(phones)
    for name in work.names:
        if name == cmap.email:
            continue
        column = cleaned[name]
        values = column[dup_rows]
        usable = (values != "") & (column[targets] == "")
        if name in cmap.phones:
            usable &= _e164(values)
        elif name == cmap.country:
            usable &= ~as_typed
        if not usable.any():
            continue
        source = pd.Series(dup_rows[usable], index=targets[usable])
        source = source[~source.index.duplicated(keep="first")]
        to_rows = source.index.to_numpy()
        from_rows = source.to_numpy()
        findings.pin(name, column)  # the findings so far keep the cells as they were
        column[to_rows] = column[from_rows]
        work.distinct.pop(name, None)  # the rows no longer follow their distinct values
        work.distinct_arrow.pop(name, None)
        findings.add(
            to_rows,
            name,
            FILLED_FROM_DUPLICATE,
            np.full(len(to_rows), "", dtype=object),
            column[to_rows],
            np.array([f"filled from row {r + work.first_row}" for r in from_rows], dtype=object),
        )
