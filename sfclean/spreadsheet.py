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
_SIGNS = np.array(("+", "-"))
_SHORT = 32  # cells up to this long are checked as a numpy character matrix
_BLOCK = 1 << 16  # rows of that matrix at a time (8 MiB)
_NUMBER_TABLE = np.zeros(128, dtype=bool)  # ASCII code -> may follow the sign of a number
_NUMBER_TABLE[[0, *(ord(c) for c in "0123456789 ().-/")]] = True


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
    :func:`formula_like`, without a Python call per cell for the common cases: most cells
    do not start like a formula, and a short ``+``/``-`` cell made of digits and the usual
    separators (an E.164 phone) is checked with numpy; the rest once per distinct value."""
    first = values.astype("U1")
    starts = np.flatnonzero(np.isin(first, _STARTS))
    if not len(starts):
        return starts
    candidates = values[starts]
    plain = np.zeros(len(candidates), dtype=bool)
    signed = np.flatnonzero(np.isin(first[starts], _SIGNS))
    lengths = np.fromiter(map(len, candidates[signed]), dtype=np.int64, count=len(signed))
    short = signed[lengths <= _SHORT]
    width = int(lengths.max(initial=1)) if len(short) == len(signed) else _SHORT
    for block in range(0, len(short), _BLOCK):  # a block's matrix: at most _BLOCK x _SHORT
        at = short[block : block + _BLOCK]
        codes = candidates[at].astype(f"U{width}").view(np.uint32).reshape(len(at), -1)
        tail = codes[:, 1:]
        allowed = _NUMBER_TABLE[np.minimum(tail, 127)] & (tail < 128)  # 0 pads: allowed
        digit = ((tail >= ord("0")) & (tail <= ord("9"))).any(axis=1)
        plain[at] = allowed.all(axis=1) & digit
    rest = np.flatnonzero(~plain)
    inverse, uniques = pd.factorize(candidates[rest])
    flagged = np.fromiter((formula_like(u) for u in uniques), dtype=bool, count=len(uniques))
    return starts[rest[flagged[inverse]]]


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
