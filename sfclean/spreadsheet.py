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

__all__ = ["FORMULA_START", "formula_like", "neutralise_formulas", "starts_like_formula"]

#: The first characters OWASP lists for a cell a spreadsheet may run as a formula.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

# a phone or a signed number: digits with the separators people type, an optional extension
_NUMBER_LIKE = re.compile(
    r"[+-][0-9 ().\-/]*[0-9][0-9 ().\-/]*(?:\s*(?:;ext=|ext\.?|x|#)\s*[0-9]+)?", re.IGNORECASE
)
_PLACEHOLDER = re.compile(r"[+\-\s]+")
# a quick gate over a whole column joined by newlines: could any cell start like a formula?
_LINE_START = re.compile(r"\n[=+\-@\t\r]")  # no "^|" alternative: 10x slower


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


def may_hold_formulas(values: np.ndarray) -> bool:
    """A fast, conservative gate: False only when no cell of ``values`` (str cells) can start
    like a formula, so the exact per-value check can be skipped for most columns."""
    if not len(values):
        return False
    return _LINE_START.search("\n" + "\n".join(values.tolist())) is not None


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
