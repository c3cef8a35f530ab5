"""CSV in and out, with the conventions of Salesforce Data Loader files.

Reading (:func:`read_csv`) keeps every cell as text: no NA inference, no numeric coercion, so
phone numbers, postcodes with leading zeros, Salesforce Ids and the words "NA" or "Null"
survive unchanged. The encoding (UTF-8 with or without BOM, UTF-16 with BOM, else cp1252 or
latin-1, decided on the whole file by :mod:`sfclean.encodings`: a file that mixes UTF-8 and
cp1252 is refused with the line of its first odd byte rather than garbled, and a NUL byte is
an error naming its line) and the delimiter (``,`` ``;`` or tab) are detected and recorded in
``df.attrs["sfclean"]``. Two columns whose names differ only by case are an error.
A file that cannot be read safely raises :class:`InputError` with one line saying what is
wrong and where (rows are numbered like a spreadsheet: header = 1).

Blank lines: a spreadsheet numbers a blank line as a row, so a blank line between data rows
becomes a row of empty cells (the normalize stage holds it back as ``missing-email``); that
keeps every row number equal to the spreadsheet's and every input line accounted for. Blank
lines after the last data row are dropped (no row number depends on them). Blank lines
before the header are refused: the header must be row 1, or every number would be off,
unless ``skip_rows=N`` says the header is row N+1 (a "Notes:" preamble, as in LinkedIn's
Connections.csv); then the first data row is N+2.

Writing (:func:`write_result` for a stage's result, :func:`write_outputs` for any set of
tables) puts a set of files into a directory atomically: everything is
written to a temporary directory first, then moved into place with the manifest (the JSON
report) last, so a failed run never leaves a set of files that looks complete. The files for
people (:data:`FOR_PEOPLE`: rejected, findings, excluded, failed) are UTF-8 with a BOM, so
Excel opens them right, and their cells that start like a formula get a leading ``'``
(:mod:`sfclean.spreadsheet`); the files for the org (clean, kept, excluded_updates, loaded)
are UTF-8 without a BOM, every cell exactly as in the table.

:func:`read_sdl_mapping` reads a Data Loader ``.sdl`` mapping file (``csvColumn=Field``); it
lives in :mod:`sfclean.sdl` and is re-exported here.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sfclean.encodings import decode
from sfclean.errors import ConfigError, InputError
from sfclean.report import StepProgress, progress_callback
from sfclean.sdl import columns_for_fields, read_sdl_mapping
from sfclean.spreadsheet import neutralise_formulas

if TYPE_CHECKING:
    from sfclean.report import StageResult

__all__ = [
    "FOR_PEOPLE",
    "column_name_problem",
    "columns_for_fields",
    "read_csv",
    "read_sdl_mapping",
    "write_outputs",
    "write_result",
]

DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_SNIFF_RECORDS = 50
_SEP_LINE = re.compile(r"sep=([^\r\n\"])(?:\r\n|\r|\n)")
_MAX_ROWS_NAMED = 5

PathLike = str | os.PathLike[str]

#: The output files meant for people, who open them in Excel: written as UTF-8 with a BOM (so
#: Excel reads ü and é right) and with every cell that starts like a formula neutralised by
#: a leading ``'`` (:func:`sfclean.spreadsheet.neutralise_formulas`). Every other CSV
#: (``clean.csv``, ``kept.csv``, ``excluded_updates.csv``, ``loaded.csv``: the files that go
#: to the org or to Data Loader) is written byte for byte, as UTF-8 without a BOM.
FOR_PEOPLE: frozenset[str] = frozenset(
    {
        "rejected.csv",
        "findings.csv",
        "excluded.csv",
        "failed.csv",
        # scan: the clusters and plans admins review
        "clusters.csv",
        "by_creator.csv",
        "merge_plan.csv",
        "convert_plan.csv",
    }
)


# --------------------------------------------------------------------------------------------
# Reading CSV files


def read_csv(
    path: PathLike,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_rows: int = 0,
    progress: StepProgress = None,
) -> pd.DataFrame:
    """Read a CSV file with every cell as text, detecting its encoding and delimiter.

    ``encoding`` forces a codec (``"utf-8"``, ``"cp1252"``, ``"latin-1"``...); by default UTF-8
    (with or without BOM) is tried, then cp1252, then latin-1. ``delimiter`` forces the field
    separator; by default ``,``, ``;`` or tab is chosen from the first records (or taken from
    an Excel ``sep=;`` first line, which is then dropped like Excel does). A blank line
    between data rows is a row of empty cells (so row numbers stay the spreadsheet's); blank
    lines at the end are dropped. The header is kept exactly as written.

    ``skip_rows=N`` skips the first N rows (as a spreadsheet counts them: a blank line is a
    row, a quoted cell over several lines is one) when the header is not on the first line,
    as in LinkedIn's Connections.csv, which starts with a "Notes:" preamble; the header is
    then row N+1 and row numbers stay the spreadsheet's (the first data row is N+2).

    The detected settings are stored in ``df.attrs["sfclean"]`` as ``{"path", "encoding",
    "delimiter", "skip_rows"}``. Raises :class:`~sfclean.errors.InputError` when the file is
    missing, unreadable, empty, has a header but no rows, has ragged rows or broken quoting,
    cannot be decoded with a forced encoding, mixes encodings, holds a NUL byte or has two
    columns whose names differ only by case; :class:`~sfclean.errors.ConfigError` for an
    unknown encoding, a delimiter that is not a single character or a negative ``skip_rows``.
    ``progress(done, 4)`` after each step (read, decode, check the records, parse).
    """
    name = str(path)
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, int) or skip_rows < 0:
        raise ConfigError(f"skip_rows must be a whole number, 0 or more (got {skip_rows!r})")
    report = progress_callback(progress)
    data = _read_bytes(name)
    if report is not None:
        report(1, 4)
    text, used_encoding = decode(data, name, encoding)
    if report is not None:
        report(2, 4)
    text, delimiter, at = _records_text(text, name, delimiter, skip_rows)
    header, n_rows, n_trailing = _check_records(text, delimiter, name, at)
    if n_rows == 0:
        raise InputError(f"{name} has a header but no rows", path=name)
    if report is not None:
        report(3, 4)
    df = _parse(text, delimiter, name)
    if len(df) == n_rows + n_trailing:
        df = df.iloc[:n_rows]
    if len(df) != n_rows or len(df.columns) != len(header):
        raise InputError(
            f"{name} could not be read consistently ({n_rows} rows found, {len(df)} parsed); "
            "check for stray quotes or save it again from a spreadsheet",
            path=name,
        )
    df.columns = pd.Index(header)
    df.index = pd.RangeIndex(len(df))
    df.attrs["sfclean"] = {
        "path": name,
        "encoding": used_encoding,
        "delimiter": delimiter,
        "skip_rows": skip_rows,
    }
    if report is not None:
        report(4, 4)
    return df


def _records_text(
    text: str, name: str, delimiter: str | None, skip_rows: int
) -> tuple[str, str, _Offset]:
    """(the text from the header on, the delimiter, where it starts): drops a BOM, Excel's
    ``sep=`` line and ``skip_rows`` rows, and detects (or checks) the delimiter."""
    if text.startswith("\ufeff"):
        text = text[1:]
    hint = _SEP_LINE.match(text)
    if hint is not None:  # Excel's "sep=;" line: not a row in Excel either, so numbers hold
        text = text[hint.end() :]
        delimiter = hint.group(1) if delimiter is None else delimiter
    at = _Offset()
    if skip_rows:
        text, at = _skip_rows(text, skip_rows, name)
    if not text.strip():
        raise InputError(f"{name} is empty; expected a CSV file with a header row", path=name)
    if delimiter is None:
        delimiter = _detect_delimiter(text)
    elif len(delimiter) != 1 or delimiter in '"\r\n':
        raise ConfigError(
            f"delimiter must be one character such as ',' ';' or tab, not {delimiter!r}"
        )
    return text, delimiter, at


@dataclass(frozen=True)
class _Offset:
    """Rows and lines skipped before the header (``skip_rows``), for row and line numbers."""

    rows: int = 0
    lines: int = 0


def _skip_rows(text: str, n: int, name: str) -> tuple[str, _Offset]:
    """``text`` after its first ``n`` records, and how many rows and lines those were."""
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream)
    try:
        for _ in range(n):
            next(reader)
    except StopIteration:
        raise InputError(
            f"{name} has fewer than {n + 1} rows, so skip_rows={n} (--skip-rows {n}) skips "
            "the header too; use a smaller number",
            path=name,
        ) from None
    except csv.Error as exc:
        raise InputError(
            f"{name} has broken quoting in the {n} skipped rows (line {reader.line_num}): "
            f"{_quote_problem(str(exc))}",
            path=name,
        ) from None
    return stream.read(), _Offset(rows=n, lines=reader.line_num)


def _read_bytes(name: str) -> bytes:
    p = Path(name)
    if p.is_dir():
        raise InputError(f"{name} is a directory, not a CSV file", path=name)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name} does not exist; check the path", path=name) from None
    except PermissionError:
        raise InputError(f"{name} cannot be read (permission denied)", path=name) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"{name} cannot be read ({reason})", path=name) from None


def _is_blank(record: list[str]) -> bool:
    """A record that pandas skips as a blank line: nothing, or one whitespace-only field."""
    return not record or (len(record) == 1 and not record[0].strip())


def _detect_delimiter(text: str) -> str:
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


def _check_records(text: str, delimiter: str, name: str, at: _Offset) -> tuple[list[str], int, int]:
    """Walk every record once: return the header, the number of data rows (blank lines
    between data rows included) and the number of blank lines after the last data row.

    Raises InputError for blank lines before the header, broken quoting and rows whose field
    count differs from the header's (pandas would silently pad short rows and shift long ones).
    Row numbers in messages count the ``at.rows`` skipped rows, line numbers ``at.lines``.
    """
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter, strict=True)
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
            f"{_quote_problem(str(exc))}",
            path=name,
        ) from None
    finally:
        csv.field_size_limit(limit)
    if header is None:
        raise InputError(f"{name} is empty; expected a CSV file with a header row", path=name)
    _check_header(header, name, at.rows + 1)
    if bad:
        message = _ragged_message(name, bad, len(header))
        if run.count > len(header) and run.rows > 1:  # rows agree from a row on: a preamble
            message += f"; {_skip_hint(at.rows + run.start - 1)}"
        raise InputError(message, path=name)
    return header, n_rows, n_blank


MAX_CELL = 131_072
"""The longest cell read: Salesforce's longest text field (Long Text Area) holds 131,072
characters, so a longer cell can never be loaded."""


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


def _blank_before_header(name: str, n_blank: int, at: _Offset) -> str:
    n = at.rows + n_blank
    return (
        f"{name} has {n_blank} blank line(s) before the header; delete them, or pass "
        f"--skip-rows {n} (skip_rows={n}), so the header is row {n + 1} "
        "(row numbers follow the spreadsheet)"
    )


def _quote_problem(message: str) -> str:
    if "unexpected end of data" in message:
        return "a quote is opened and never closed; close it or remove it"
    if "expected after" in message:
        return "text follows a closing quote; quote the whole field or remove the quote"
    if "field larger than field limit" in message:
        return "a field is too long, probably a quote that is never closed"
    return message


_EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _check_header(header: list[str], name: str, row: int) -> None:
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


def _parse(text: str, delimiter: str, name: str) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="c",
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{name} could not be parsed as CSV: {first_line}", path=name) from None


# --------------------------------------------------------------------------------------------
# Writing output sets atomically


def write_outputs(
    out_dir: PathLike,
    files: Mapping[str, pd.DataFrame | Mapping[str, Any]],
    *,
    for_people: Collection[str] = FOR_PEOPLE,
) -> dict[str, Path]:
    """Write ``{file name: DataFrame or JSON-ready dict}`` into ``out_dir`` atomically.

    DataFrames are written as CSV without their index, with CRLF line ends (RFC 4180; it also
    makes the csv writer quote a cell holding a lone CR); dicts as indented JSON. A file
    named in ``for_people`` (default :data:`FOR_PEOPLE`) is UTF-8 with a BOM, its formula-like
    cells neutralised; any other CSV is plain UTF-8, every cell exactly as in the table.
    All files go to a temporary directory inside ``out_dir`` first, then are moved into place
    in the order given, so put the manifest (the file that says a run finished) LAST. An
    existing copy of that manifest is removed before anything is moved, so an interrupted run
    never leaves a mix of old and new files that looks complete. Creates ``out_dir`` if needed.
    Returns ``{file name: final path}``. Raises :class:`~sfclean.errors.InputError` (with
    the reason) if the directory cannot be created or written.
    """
    if not files:
        raise ValueError("write_outputs needs at least one file")
    target = Path(out_dir)
    try:
        target.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".sfclean-tmp-", dir=target))
    except OSError as exc:
        raise _output_error(target, exc) from None
    try:
        staged: list[tuple[Path, Path]] = []
        for file_name, content in files.items():
            if Path(file_name).name != file_name:
                raise ValueError(f"output file name must not contain a directory: {file_name!r}")
            path = tmp / file_name
            if isinstance(content, pd.DataFrame):
                _write_csv(content, path, for_people=file_name in for_people)
            else:
                path.write_text(
                    json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n",
                    encoding="utf-8",
                )
            staged.append((path, target / file_name))
        manifest = staged[-1][1]
        manifest.unlink(missing_ok=True)
        if manifest.name == "report.json":  # sfclean report's page describes the old outputs
            (target / "report.html").unlink(missing_ok=True)
        for src, dst in staged:
            os.replace(src, dst)
    except OSError as exc:
        raise _output_error(target, exc) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {dst.name: dst for _, dst in staged}


def _write_csv(frame: pd.DataFrame, path: Path, *, for_people: bool) -> None:
    if for_people:
        frame = neutralise_formulas(frame)
    encoding = "utf-8-sig" if for_people else "utf-8"
    frame.to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")


def _output_error(target: Path, exc: OSError) -> InputError:
    reason = exc.strerror or type(exc).__name__
    return InputError(
        f"cannot write to {target} ({reason}); choose another --out directory", path=str(target)
    )


def write_result(
    result: StageResult, out_dir: PathLike, *, source: Mapping[str, Any] | None = None
) -> dict[str, Path]:
    """Write any stage's result into ``out_dir``: its :meth:`~sfclean.report.StageResult.outputs`
    (normalize: ``clean.csv``, ``rejected.csv``, ``findings.csv``; exclude: ``excluded.csv``,
    ``excluded_updates.csv``, ``kept.csv``; load: ``loaded.csv``, ``failed.csv``; run: all
    of them) then ``report.json``, atomically and the report last (see :func:`write_outputs`).

    ``source`` describes the input (``path``, ``encoding``, ``delimiter``, as
    :func:`read_csv` records it in ``df.attrs["sfclean"]``) for the report; normalize's result
    carries its own. Returns ``{file name: path}``.
    """
    files: dict[str, pd.DataFrame | Mapping[str, Any]] = dict(result.outputs())
    files["report.json"] = result.to_report(source=source)
    return write_outputs(out_dir, files)
