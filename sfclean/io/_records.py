"""The checks :func:`sfclean.io.read_csv` runs on every record of a CSV file before parsing it.

:func:`check_records` walks the records once with the csv module (strict quoting): the
header, the number of data rows (blank lines between rows count, as in a spreadsheet) and
the blank lines after the last row. It refuses blank lines before the header, broken
quoting, cells longer than any Salesforce field and rows whose field count differs from the
header's (pandas would silently pad short rows and shift long ones), each with its row.

The walk is two walks: a fast one that only counts fields (in C, per batch of records) and
bails out at the first doubt (a record with another field count, a csv error, a one-column
file, whose blank lines need reading), and the careful one, which reads the file again to
say exactly what is wrong and where, or to count what the fast one could not.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from sfclean.errors import InputError

__all__ = [
    "DELIMITERS",
    "MAX_CELL",
    "Offset",
    "check_records",
    "column_name_problem",
    "count_records",
    "detect_delimiter",
    "quote_problem",
]

DELIMITERS = (",", ";", "\t")
_SNIFF_RECORDS = 50
_MAX_ROWS_NAMED = 5
_BATCH = 1 << 16  # records counted per numpy call by the fast walk

MAX_CELL = 131_072
"""The longest cell read: Salesforce's longest text field (Long Text Area) holds 131,072
characters, so a longer cell can never be loaded."""


@dataclass(frozen=True)
class Offset:
    """Rows and lines skipped before the header (``skip_rows``), for row and line numbers."""

    rows: int = 0
    lines: int = 0


def _is_blank(record: list[str]) -> bool:
    """A record that pandas skips as a blank line: nothing, or one whitespace-only field."""
    return not record or (len(record) == 1 and not record[0].strip())


def detect_delimiter(text: str) -> str:
    """Pick ``,`` ``;`` or tab: the one that splits the first records into most equal fields."""
    best, best_score = ",", (-1, -1)
    for candidate in DELIMITERS:
        counts: list[int] = []
        reader = csv.reader(io.StringIO(text[:65536], newline=None), delimiter=candidate)
        try:
            for record in reader:
                if not _is_blank(record):
                    counts.append(len(record))
                if len(counts) >= _SNIFF_RECORDS:
                    break
        except csv.Error:
            pass
        if not counts:
            continue
        header = counts[0]
        # The last sampled record may be cut off by the sample; ignore it unless it is alone.
        body = counts[1:-1] if len(counts) > 2 else counts[1:]
        consistent = int(all(c == header for c in body))
        score = (consistent, header) if header > 1 else (0, 1)
        if score > best_score:
            best, best_score = candidate, score
    return best


def count_records(lines: Iterable[str], delimiter: str) -> tuple[list[str], int, int] | None:
    """The fast walk: (header, data rows, blank lines after the last row) when every record
    has the header's field count or is an empty line and no cell is too long; None at the
    first doubt (then :func:`check_records` says what is wrong, or counts)."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    limit = csv.field_size_limit(MAX_CELL)  # a longer cell is a csv.Error here
    try:
        header = next(reader, None)
        if header is None or len(header) < 2:
            return None
        width, records, last = len(header), 0, 0
        while True:
            lengths = np.fromiter(map(len, itertools.islice(reader, _BATCH)), dtype=np.int64)
            if not len(lengths):
                break
            if not ((lengths == width) | (lengths == 0)).all():
                return None
            filled = np.flatnonzero(lengths)
            if len(filled):
                last = records + int(filled[-1]) + 1
            records += len(lengths)
    except csv.Error:
        return None
    finally:
        csv.field_size_limit(limit)
    return header, last, records - last


def check_records(
    lines: Iterable[str], delimiter: str, name: str, at: Offset
) -> tuple[list[str], int, int]:
    """The careful walk over every record: (header, data rows with the blank lines between
    them, blank lines after the last data row).

    Raises InputError for blank lines before the header, broken quoting, a cell longer than
    :data:`MAX_CELL` and rows whose field count differs from the header's. Row numbers in
    messages count the ``at.rows`` skipped rows, line numbers ``at.lines``.
    """
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    header: list[str] | None = None
    n_rows = 0
    n_blank = 0  # blank records since the last non-blank one
    bad: dict[int, list[int]] = {}
    run = _Run()
    line_before = 0
    limit = csv.field_size_limit(2**31 - 1)  # long cells are reported by row and column below
    try:
        for record in reader:
            if max(map(len, record), default=0) > MAX_CELL:
                _refuse_long_cell(
                    name, header, record, at.rows + (n_rows + n_blank + 2 if header else 1)
                )
            line_before = reader.line_num
            if _is_blank(record):
                n_blank += 1
                continue
            if header is None:
                if n_blank:
                    raise InputError(_blank_before_header(name, n_blank, at), path=name)
                header = record
                continue
            n_rows += n_blank + 1
            n_blank = 0
            run.see(len(record), n_rows + 1)
            if len(record) != len(header):
                bad.setdefault(len(record), []).append(at.rows + n_rows + 1)
    except csv.Error as exc:
        row = at.rows + (n_rows + n_blank + 2 if header is not None else 1)
        raise InputError(
            f"{name} has broken quoting in row {row} (line {at.lines + line_before + 1}): "
            f"{quote_problem(str(exc))}",
            path=name,
        ) from None
    finally:
        csv.field_size_limit(limit)
    if header is None:
        raise InputError(f"{name} is empty; expected a CSV file with a header row", path=name)
    check_header(header, name, at.rows + 1)
    if bad:
        message = _ragged_message(name, bad, len(header))
        if run.count > len(header) and run.rows > 1:  # rows agree from a row on: a preamble
            message += f"; {_skip_hint(at.rows + run.start - 1)}"
        raise InputError(message, path=name)
    return header, n_rows, n_blank


def _refuse_long_cell(name: str, header: list[str] | None, record: list[str], row: int) -> None:
    """InputError naming the row and column of the first cell longer than :data:`MAX_CELL`."""
    index = next(i for i, value in enumerate(record) if len(value) > MAX_CELL)
    column = header[index] if header is not None and index < len(header) else f"#{index + 1}"
    lines = record[index].count("\n") + 1
    hint = (
        f" and spans {lines:,} lines: probably a quote opened in that cell and never closed"
        if lines > 1
        else "; shorten it or leave that column out"
    )
    raise InputError(
        f"{name}: row {row}, column {column!r} holds {len(record[index]):,} characters, more "
        f"than any Salesforce field takes ({MAX_CELL:,}){hint}",
        path=name,
    )


@dataclass
class _Run:
    """The last run of data rows with the same number of fields: where it starts, how many."""

    start: int = 0
    count: int = -1
    rows: int = 0

    def see(self, n_fields: int, row: int) -> None:
        if n_fields != self.count:
            self.start, self.count, self.rows = row, n_fields, 0
        self.rows += 1


def _skip_hint(n: int) -> str:
    return (
        f'if the header is row {n + 1} (a preamble such as LinkedIn\'s "Notes:" comes '
        f"first), pass --skip-rows {n} (skip_rows={n})"
    )


def _blank_before_header(name: str, n_blank: int, at: Offset) -> str:
    n = at.rows + n_blank
    return (
        f"{name} has {n_blank} blank line(s) before the header; delete them, or pass "
        f"--skip-rows {n} (skip_rows={n}), so the header is row {n + 1} "
        "(row numbers follow the spreadsheet)"
    )


def quote_problem(message: str) -> str:
    """The csv module's message about broken quoting, as advice."""
    if "unexpected end of data" in message:
        return "a quote is opened and never closed; close it or remove it"
    if "expected after" in message:
        return "text follows a closing quote; quote the whole field or remove the quote"
    if "field larger than field limit" in message:
        return "a field is too long, probably a quote that is never closed"
    return message


_EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def check_header(header: list[str], name: str, row: int) -> None:
    """InputError for a header that holds an email address (the file has no header row),
    or repeated column names (:func:`column_name_problem`)."""
    if any(_EMAIL_LIKE.search(column) for column in header):
        # A header never holds an address: the file has no header row. Do not echo the value.
        raise InputError(
            f"{name} has no header row (row {row} holds an email address); "
            "add a header row such as Email,FirstName,LastName",
            path=name,
        )
    problem = column_name_problem(header)
    if problem:
        raise InputError(f"{name} has {problem} in its header; rename or remove them", path=name)


def column_name_problem(names: Sequence[str]) -> str | None:
    """What is wrong with a table's column names, or None: repeated names, or names that
    differ only by case (``Email``, ``email``: Salesforce field names ignore case, so Data
    Loader and the org would see one field twice). Linear in the number of columns."""
    seen: set[str] = set()
    dupes: dict[str, None] = {}
    by_key: dict[str, list[str]] = {}
    for column in names:
        if column in seen:
            dupes.setdefault(column)
            continue
        seen.add(column)
        by_key.setdefault(column.casefold(), []).append(column)
    clashes = [group for group in by_key.values() if len(group) > 1]
    if dupes:
        return "duplicate column names (" + ", ".join(repr(c) for c in dupes) + ")"
    if clashes:
        pairs = "; ".join(" and ".join(repr(c) for c in group) for group in clashes)
        return f"column names that differ only by case ({pairs})"
    return None


def _ragged_message(name: str, bad: dict[int, list[int]], expected: int) -> str:
    parts = []
    for n_fields in sorted(bad):
        rows = bad[n_fields]
        shown = ", ".join(str(r) for r in rows[:_MAX_ROWS_NAMED])
        if len(rows) > _MAX_ROWS_NAMED:
            shown += f" and {len(rows) - _MAX_ROWS_NAMED} more"
        noun = "row" if len(rows) == 1 else "rows"
        verb = "has" if len(rows) == 1 else "have"
        field_noun = "field" if n_fields == 1 else "fields"
        parts.append(f"{noun} {shown} {verb} {n_fields} {field_noun}")
    return (
        f"{name}: {'; '.join(parts)}, the header has {expected}; "
        "check the delimiter and quoting of those rows"
    )
