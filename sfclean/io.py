"""CSV in and out, with the conventions of Salesforce Data Loader files.

Reading (:func:`read_csv`) keeps every cell as text: no NA inference, no numeric coercion, so
phone numbers, postcodes with leading zeros, Salesforce Ids and the words "NA" or "Null"
survive unchanged. The encoding (UTF-8 with or without BOM, UTF-16 with BOM, else cp1252 or
latin-1; a file that is mostly UTF-8 with a few stray bytes is refused rather than garbled)
and the delimiter (``,`` ``;`` or tab) are detected and recorded in ``df.attrs["sfclean"]``.
A file that cannot be read safely raises :class:`InputError` with one line saying what is
wrong and where (rows are numbered like a spreadsheet: header = 1).

Blank lines: a spreadsheet numbers a blank line as a row, so a blank line between data rows
becomes a row of empty cells (the normalize stage holds it back as ``missing-email``); that
keeps every row number equal to the spreadsheet's and every input line accounted for. Blank
lines after the last data row are dropped (no row number depends on them). Blank lines
before the header are refused: the header must be row 1, or every number would be off.

Writing (:func:`write_result` for a stage's result, :func:`write_outputs` for any set of
tables) puts a set of files into a directory atomically: everything is
written to a temporary directory first, then moved into place with the manifest (the JSON
report) last, so a failed run never leaves a set of files that looks complete.

:func:`read_sdl_mapping` reads a Data Loader ``.sdl`` mapping file (``csvColumn=Field``); it
lives in :mod:`sfclean.sdl` and is re-exported here.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sfclean.errors import ConfigError, InputError
from sfclean.report import StepProgress, progress_callback
from sfclean.sdl import columns_for_fields, read_sdl_mapping

if TYPE_CHECKING:
    from sfclean.report import StageResult

__all__ = [
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


# --------------------------------------------------------------------------------------------
# Reading CSV files


def read_csv(
    path: PathLike,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: StepProgress = None,
) -> pd.DataFrame:
    """Read a CSV file with every cell as text, detecting its encoding and delimiter.

    ``encoding`` forces a codec (``"utf-8"``, ``"cp1252"``, ``"latin-1"``...); by default UTF-8
    (with or without BOM) is tried, then cp1252, then latin-1. ``delimiter`` forces the field
    separator; by default ``,``, ``;`` or tab is chosen from the first records (or taken from
    an Excel ``sep=;`` first line, which is then dropped like Excel does). A blank line
    between data rows is a row of empty cells (so row numbers stay the spreadsheet's); blank
    lines at the end are dropped. The header is kept exactly as written.

    The detected settings are stored in ``df.attrs["sfclean"]`` as ``{"path", "encoding",
    "delimiter"}``. Raises :class:`~sfclean.errors.InputError` when the file is missing,
    unreadable, empty, has a header but no rows, has ragged rows or broken quoting, or cannot
    be decoded with a forced encoding; :class:`~sfclean.errors.ConfigError` for an unknown
    encoding or a delimiter that is not a single character. ``progress(done, 4)`` after
    each step (read, decode, check the records, parse).
    """
    name = str(path)
    report = progress_callback(progress)
    data = _read_bytes(name)
    if report is not None:
        report(1, 4)
    text, used_encoding = _decode(data, name, encoding)
    if report is not None:
        report(2, 4)
    if text.startswith("\ufeff"):
        text = text[1:]
    hint = _SEP_LINE.match(text)
    if hint is not None:  # Excel's "sep=;" line: not a row in Excel either, so numbers hold
        text = text[hint.end() :]
        delimiter = hint.group(1) if delimiter is None else delimiter
    if not text.strip():
        raise InputError(f"{name} is empty; expected a CSV file with a header row", path=name)
    if delimiter is None:
        delimiter = _detect_delimiter(text)
    elif len(delimiter) != 1 or delimiter in '"\r\n':
        raise ConfigError(
            f"delimiter must be one character such as ',' ';' or tab, not {delimiter!r}"
        )
    header, n_rows, n_trailing = _check_records(text, delimiter, name)
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
    df.attrs["sfclean"] = {"path": name, "encoding": used_encoding, "delimiter": delimiter}
    if report is not None:
        report(4, 4)
    return df


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


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ConfigError(f"unknown encoding {encoding!r}; use utf-8, cp1252 or latin-1") from None


def _label(codec: str) -> str:
    return {"utf-8": "UTF-8", "iso8859-1": "latin-1"}.get(codec, codec)


def _decode(data: bytes, name: str, encoding: str | None) -> tuple[str, str]:
    """Decode ``data``; return the text and the name of the encoding used."""
    if encoding is not None:
        codec = _codec_name(encoding)
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            hint = "utf-8" if codec != "utf-8" else "cp1252"
            raise InputError(
                f"{name} is not {_label(codec)} at byte {exc.start}; try --encoding {hint}",
                path=name,
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name} starts with a UTF-16 mark but is not UTF-16 at byte {exc.start}; "
                "save it again as CSV UTF-8",
                path=name,
            ) from None
    if data.startswith(b"PK\x03\x04") or b"\x00" in data[:8192]:
        raise InputError(
            f"{name} is a binary file (an Excel workbook?), not CSV; save it as CSV UTF-8",
            path=name,
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            offset = exc.start + len(codecs.BOM_UTF8)
            raise InputError(
                f"{name} starts with a UTF-8 mark but is not UTF-8 at byte {offset}; "
                "try --encoding cp1252",
                path=name,
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        _refuse_mixed_encodings(data, exc.start, name)
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("cp1252"), "cp1252"
    return data.decode("latin-1"), "latin-1"


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _refuse_mixed_encodings(data: bytes, start: int, name: str) -> None:
    """Refuse a file that is mostly UTF-8 but has a few bytes that are not (a cp1252 line
    pasted into a UTF-8 export): decoding it all as cp1252 would silently garble every UTF-8
    character (``José`` -> ``JosÃ©``). Genuine cp1252/latin-1 text has far more bytes that are
    invalid UTF-8 than sequences that happen to be valid, so it is not affected."""
    valid = len(_UTF8_MULTIBYTE.findall(data))
    invalid = data.decode("utf-8", errors="replace").count("\ufffd")
    if valid > invalid:
        line = data.count(b"\n", 0, start) + 1
        raise InputError(
            f"{name} mixes encodings: mostly UTF-8, but byte {start} (line {line}) is not; "
            "fix that line and save the file again as CSV UTF-8, or pass --encoding cp1252",
            path=name,
        )


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


def _check_records(text: str, delimiter: str, name: str) -> tuple[list[str], int, int]:
    """Walk every record once: return the header, the number of data rows (blank lines
    between data rows included) and the number of blank lines after the last data row.

    Raises InputError for blank lines before the header, broken quoting and rows whose field
    count differs from the header's (pandas would silently pad short rows and shift long ones).
    """
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    n_rows = 0
    n_blank = 0  # blank records since the last non-blank one
    bad: dict[int, list[int]] = {}
    line_before = 0
    limit = csv.field_size_limit(2**31 - 1)  # long cells are reported by row and column below
    try:
        for record in reader:
            if max(map(len, record), default=0) > MAX_CELL:
                _refuse_long_cell(name, header, record, n_rows + n_blank + 2 if header else 1)
            line_before = reader.line_num
            if _is_blank(record):
                n_blank += 1
                continue
            if header is None:
                if n_blank:
                    raise InputError(
                        f"{name} has {n_blank} blank line(s) before the header; delete them so "
                        "the header is row 1 (row numbers follow the spreadsheet)",
                        path=name,
                    )
                header = record
                continue
            n_rows += n_blank + 1
            n_blank = 0
            if len(record) != len(header):
                bad.setdefault(len(record), []).append(n_rows + 1)
    except csv.Error as exc:
        row = n_rows + n_blank + 2 if header is not None else 1
        raise InputError(
            f"{name} has broken quoting in row {row} (line {line_before + 1}): "
            f"{_quote_problem(str(exc))}",
            path=name,
        ) from None
    finally:
        csv.field_size_limit(limit)
    if header is None:
        raise InputError(f"{name} is empty; expected a CSV file with a header row", path=name)
    _check_header(header, name)
    if bad:
        raise InputError(_ragged_message(name, bad, len(header)), path=name)
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


def _quote_problem(message: str) -> str:
    if "unexpected end of data" in message:
        return "a quote is opened and never closed; close it or remove it"
    if "expected after" in message:
        return "text follows a closing quote; quote the whole field or remove the quote"
    if "field larger than field limit" in message:
        return "a field is too long, probably a quote that is never closed"
    return message


_EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _check_header(header: list[str], name: str) -> None:
    if any(_EMAIL_LIKE.search(column) for column in header):
        # A header never holds an address: the file has no header row. Do not echo the value.
        raise InputError(
            f"{name} has no header row (row 1 holds an email address); "
            "add a header row such as Email,FirstName,LastName",
            path=name,
        )
    seen: set[str] = set()
    dupes: list[str] = []
    for column in header:
        if column in seen and column not in dupes:
            dupes.append(column)
        seen.add(column)
    if dupes:
        listed = ", ".join(repr(c) for c in dupes)
        raise InputError(
            f"{name} has duplicate column names in its header ({listed}); rename or remove them",
            path=name,
        )


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
    out_dir: PathLike, files: Mapping[str, pd.DataFrame | Mapping[str, Any]]
) -> dict[str, Path]:
    """Write ``{file name: DataFrame or JSON-ready dict}`` into ``out_dir`` atomically.

    DataFrames are written as UTF-8 CSV without their index, with CRLF line ends (RFC 4180;
    it also makes the csv writer quote a cell holding a lone CR); dicts as indented JSON.
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
                content.to_csv(path, index=False, encoding="utf-8", lineterminator="\r\n")
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
