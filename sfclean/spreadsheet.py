"""Cells a spreadsheet would run as formulas (CSV injection), and how they are neutralised.

OWASP's rule (https://owasp.org/www-community/attacks/CSV_Injection): a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be run as a formula when the file
is opened in Excel, LibreOffice or Google Sheets; prefixing it with a single quote ``'`` makes
the spreadsheet show it as text. :func:`neutralise_formulas` applies that rule to every text
cell (and header) of a table written for people (:data:`sfclean.io.FOR_PEOPLE`), phones such
as ``+442079460958`` included, as OWASP says: the quote shows in the cell, and a phone read
back from such a file must have it removed.

Files that go to the org stay byte-exact; there :func:`formula_like` (which leaves out phone
numbers, signed numbers and placeholder dashes: ``+44 20 7946 0958``, ``-5``,
``+14155550123;ext=12``, ``-``) marks the cells that get a ``formula-like-cell`` finding.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "FORMULA_START",
    "formula_like",
    "formula_like_rows",
    "formula_start_rows",
    "neutralise_cells",
    "neutralise_formulas",
    "starts_like_formula",
]

#: The first characters OWASP lists for a cell a spreadsheet may run as a formula.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

# a phone or a signed number: digits with the separators people type, an optional extension
_NUMBER_LIKE = re.compile(
    r"[+-][0-9 ().\-/]*[0-9][0-9 ().\-/]*(?:\s*(?:;ext=|ext\.?|x|#)\s*[0-9]+)?", re.IGNORECASE
)
_PLACEHOLDER = re.compile(r"[+\-\s]+")
_STARTS = np.array(FORMULA_START)


def starts_like_formula(value: object) -> bool:
    """True for a text ``value`` that starts with one of :data:`FORMULA_START` (OWASP)."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def formula_like(value: str) -> bool:
    """True when ``value`` starts like a formula and is not a phone, a signed number or a
    placeholder dash (``-``, ``--``: a spreadsheet shows those as text)."""
    return (
        value.startswith(FORMULA_START)
        and _NUMBER_LIKE.fullmatch(value) is None
        and _PLACEHOLDER.fullmatch(value) is None
    )


def formula_start_rows(values: np.ndarray) -> np.ndarray:
    """Positions of the cells of ``values`` (an object array of str) that start with one of
    :data:`FORMULA_START`, found with numpy (the first character of every cell at once)."""
    return np.flatnonzero(np.isin(values.astype("U1"), _STARTS))


def formula_like_rows(values: np.ndarray) -> np.ndarray:
    """Positions of the cells of ``values`` (an object array of str) that are
    :func:`formula_like`, without a Python call per cell for the common cases.

    The cells are joined into one UTF-8 text, one cell a line, and read with numpy: most
    cells do not start like a formula (their first byte says so), and a ``+``/``-`` cell made
    only of digits and the usual separators (an E.164 phone) is a number (``bytes.translate``
    deletes those characters, and what is left of the line is the sign alone); the rest, and
    the cells holding a newline, are checked once per distinct value."""
    cells = values.tolist()
    text = "\n".join(cells)
    split = np.zeros(0, dtype=np.int64)
    if text.count("\n") != max(len(cells) - 1, 0):
        split = np.flatnonzero(np.fromiter(("\n" in c for c in cells), bool, len(cells)))
        text = "\n".join(c if "\n" not in c else "" for c in cells)
    raw = text.encode("utf-8", "surrogatepass")
    lengths = _line_lengths(raw, len(cells))
    start = np.cumsum(lengths + 1) - lengths - 1
    buf = np.frombuffer(raw, np.uint8)
    first = buf[np.minimum(start, max(len(buf) - 1, 0))] if len(buf) else start
    starts = np.flatnonzero((lengths > 0) & _START_BYTES[first])
    if len(starts):
        left = _line_lengths(raw.translate(None, _NUMBER_CHARS), len(cells))[starts]
        digits = _line_lengths(raw.translate(None, _NOT_DIGITS), len(cells))[starts]
        sign = first[starts]
        number = (digits > 0) & (((sign == 43) & (left == 1)) | ((sign == 45) & (left == 0)))
        starts = starts[~number]
    rest = np.union1d(starts, split)
    inverse, uniques = pd.factorize(values[rest])
    flagged = np.fromiter((formula_like(u) for u in uniques), dtype=bool, count=len(uniques))
    return rest[flagged[inverse]]


def _line_lengths(raw: bytes, lines: int) -> np.ndarray:
    """The length of each of the ``lines`` newline-separated lines of ``raw``."""
    breaks = np.flatnonzero(np.frombuffer(raw, np.uint8) == 10)
    ends = np.concatenate((breaks, [len(raw)]))[:lines]
    return ends - np.concatenate(([-1], breaks))[:lines] - 1


_START_BYTES = np.zeros(256, dtype=bool)
_START_BYTES[[ord(c) for c in FORMULA_START]] = True
#: What may follow the sign of a number (``-`` included: deleted with the rest).
_NUMBER_CHARS = b"0123456789 ().-/"
_NOT_DIGITS = bytes(b for b in range(256) if b not in b"0123456789\n")


def neutralise_cells(values: np.ndarray) -> np.ndarray:
    """``values`` (an object array of str) with every cell that starts like a formula
    prefixed with ``'`` (OWASP), as :func:`neutralise_formulas` does to a text column;
    ``values`` itself when no cell does, else a copy."""
    hit = formula_start_rows(values)
    if not len(hit):
        return values
    out = values.copy()
    out[hit] = "'" + values[hit]
    return out


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and column name that starts like a formula prefixed
    with ``'`` (OWASP). Numeric columns are left as they are; ``frame`` itself is returned
    when nothing starts like a formula, else a copy (``frame`` is never changed)."""
    columns: dict[int, object] = {}  # arrays, not Series: no index alignment
    changed = False
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        hit = _formula_cells(column)
        if hit is not None and hit.any():
            column = column.where(~hit, "'" + column.astype("str"))
            changed = True
        columns[position] = column.array
    names = ["'" + c if starts_like_formula(c) else c for c in frame.columns]
    if not changed and names == list(frame.columns):
        return frame
    out = pd.DataFrame(columns, index=frame.index)
    out.columns = pd.Index(names, dtype=object)
    return out


def _formula_cells(column: pd.Series) -> pd.Series | None:
    """Which cells of a text column start like a formula (None for a non-text column)."""
    if not (column.dtype == object or isinstance(column.dtype, pd.StringDtype)):
        return None
    try:
        return column.str.startswith(FORMULA_START, na=False).astype(bool)
    except (AttributeError, TypeError):  # an object column that also holds non-text values
        return column.map(starts_like_formula).astype(bool)
