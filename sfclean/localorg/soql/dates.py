"""SOQL date and dateTime values: literals (``2024-01-31T00:00:00Z``) and relative date
literals (``TODAY``, ``LAST_N_DAYS:30``, ...), turned into the store's string formats.

The store keeps dateTimes as UTC text ``2024-01-31T09:30:00.000+0000`` and dates as
``2024-01-31``, so comparisons are plain string comparisons. A relative date literal stands
for a range of whole days ``[start, end)``; Salesforce computes it in the user's time zone and
locale, localorg in UTC with weeks starting on Sunday (the en_US locale) and the fiscal year
equal to the calendar year (Salesforce's default).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from ..validate import sf_datetime

__all__ = [
    "DATE_LITERALS",
    "N_DATE_LITERALS",
    "date_literal_range",
    "format_date",
    "format_datetime",
    "parse_date",
    "parse_datetime",
]

_DATETIME_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,3}))?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})$",
    re.IGNORECASE | re.ASCII,
)


def parse_datetime(text: str) -> datetime:
    """``1999-01-01T23:01:01Z`` / ``...+01:00`` / ``...-0800`` -> aware UTC datetime.

    Raises ValueError for impossible dates or times.
    """
    m = _DATETIME_RE.match(text)
    if not m:
        raise ValueError(text)
    y, mo, d, h, mi, s, frac, zone = m.groups()
    micro = int((frac or "0").ljust(3, "0")) * 1000
    if zone.upper() == "Z":
        offset = timedelta(0)
    else:
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if zone[0] == "-":
            offset = -offset
    local = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro)
    return (local - offset).replace(tzinfo=UTC)


def parse_date(text: str) -> date:
    """``2024-01-31`` -> date (ValueError when impossible)."""
    return date.fromisoformat(text)


def format_datetime(value: datetime) -> str:
    """The store's dateTime text: ``2024-01-31T09:30:00.000+0000`` (UTC)."""
    return sf_datetime(value)


def format_date(value: date) -> str:
    return value.isoformat()


# --- relative date literals -------------------------------------------------------------------


def _add_months(d: date, months: int) -> date:
    """First day of the month ``months`` after d's month (d is a first-of-month)."""
    idx = d.year * 12 + (d.month - 1) + months
    return date(idx // 12, idx % 12 + 1, 1)


def _week_start(today: date) -> date:
    return today - timedelta(days=(today.weekday() + 1) % 7)  # Sunday


def _month_start(today: date) -> date:
    return today.replace(day=1)


def _quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def _year_start(today: date) -> date:
    return date(today.year, 1, 1)


Range = tuple[date, date]


def _days(start: int, length: int) -> Callable[[date, int], Range]:
    """A range of ``length`` days starting ``start`` days from today."""
    return lambda t, n: (t + timedelta(days=start), t + timedelta(days=start + length))


def _weeks(offset: int) -> Callable[[date, int], Range]:
    return lambda t, n: (
        _week_start(t) + timedelta(weeks=offset),
        _week_start(t) + timedelta(weeks=offset + 1),
    )


def _months(step: int, offset: int) -> Callable[[date, int], Range]:
    """A range of ``step`` months (1 month, 3 a quarter, 12 a year) ``offset`` steps away."""

    def rng(t: date, n: int) -> Range:
        base = {1: _month_start, 3: _quarter_start, 12: _year_start}[step](t)
        return _add_months(base, step * offset), _add_months(base, step * (offset + 1))

    return rng


def _last_n(step: str) -> Callable[[date, int], Range]:
    """LAST_N_<unit>:n: the n whole units before the current one (days: n days plus today)."""

    def rng(t: date, n: int) -> Range:
        if step == "day":
            return t - timedelta(days=n), t + timedelta(days=1)
        if step == "week":
            return _week_start(t) - timedelta(weeks=n), _week_start(t)
        months = {"month": 1, "quarter": 3, "year": 12}[step]
        base = {1: _month_start, 3: _quarter_start, 12: _year_start}[months](t)
        return _add_months(base, -months * n), base

    return rng


def _next_n(step: str) -> Callable[[date, int], Range]:
    """NEXT_N_<unit>:n: the n whole units after the current one (days: from tomorrow)."""

    def rng(t: date, n: int) -> Range:
        if step == "day":
            return t + timedelta(days=1), t + timedelta(days=1 + n)
        if step == "week":
            start = _week_start(t) + timedelta(weeks=1)
            return start, start + timedelta(weeks=n)
        months = {"month": 1, "quarter": 3, "year": 12}[step]
        base = {1: _month_start, 3: _quarter_start, 12: _year_start}[months](t)
        return _add_months(base, months), _add_months(base, months * (n + 1))

    return rng


def _n_ago(step: str) -> Callable[[date, int], Range]:
    """N_<unit>_AGO:n: the single whole unit n units before the current one."""

    def rng(t: date, n: int) -> Range:
        if step == "day":
            return t - timedelta(days=n), t - timedelta(days=n - 1)
        if step == "week":
            start = _week_start(t) - timedelta(weeks=n)
            return start, start + timedelta(weeks=1)
        months = {"month": 1, "quarter": 3, "year": 12}[step]
        base = {1: _month_start, 3: _quarter_start, 12: _year_start}[months](t)
        return _add_months(base, -months * n), _add_months(base, -months * (n - 1))

    return rng


DATE_LITERALS: dict[str, Callable[[date, int], Range]] = {
    "YESTERDAY": _days(-1, 1),
    "TODAY": _days(0, 1),
    "TOMORROW": _days(1, 1),
    "LAST_WEEK": _weeks(-1),
    "THIS_WEEK": _weeks(0),
    "NEXT_WEEK": _weeks(1),
    "LAST_MONTH": _months(1, -1),
    "THIS_MONTH": _months(1, 0),
    "NEXT_MONTH": _months(1, 1),
    "LAST_90_DAYS": lambda t, n: (t - timedelta(days=90), t + timedelta(days=1)),
    "NEXT_90_DAYS": lambda t, n: (t + timedelta(days=1), t + timedelta(days=91)),
    "LAST_QUARTER": _months(3, -1),
    "THIS_QUARTER": _months(3, 0),
    "NEXT_QUARTER": _months(3, 1),
    "LAST_YEAR": _months(12, -1),
    "THIS_YEAR": _months(12, 0),
    "NEXT_YEAR": _months(12, 1),
    "LAST_FISCAL_QUARTER": _months(3, -1),
    "THIS_FISCAL_QUARTER": _months(3, 0),
    "NEXT_FISCAL_QUARTER": _months(3, 1),
    "LAST_FISCAL_YEAR": _months(12, -1),
    "THIS_FISCAL_YEAR": _months(12, 0),
    "NEXT_FISCAL_YEAR": _months(12, 1),
}

N_DATE_LITERALS: dict[str, Callable[[date, int], Range]] = {
    "LAST_N_DAYS": _last_n("day"),
    "NEXT_N_DAYS": _next_n("day"),
    "N_DAYS_AGO": _n_ago("day"),
    "LAST_N_WEEKS": _last_n("week"),
    "NEXT_N_WEEKS": _next_n("week"),
    "N_WEEKS_AGO": _n_ago("week"),
    "LAST_N_MONTHS": _last_n("month"),
    "NEXT_N_MONTHS": _next_n("month"),
    "N_MONTHS_AGO": _n_ago("month"),
    "LAST_N_QUARTERS": _last_n("quarter"),
    "NEXT_N_QUARTERS": _next_n("quarter"),
    "N_QUARTERS_AGO": _n_ago("quarter"),
    "LAST_N_YEARS": _last_n("year"),
    "NEXT_N_YEARS": _next_n("year"),
    "N_YEARS_AGO": _n_ago("year"),
    "LAST_N_FISCAL_YEARS": _last_n("year"),
    "NEXT_N_FISCAL_YEARS": _next_n("year"),
    "N_FISCAL_YEARS_AGO": _n_ago("year"),
}


def date_literal_range(name: str, n: int | None, now: datetime) -> Range:
    """The whole days ``[start, end)`` that literal ``name`` (with ``n`` for the ``_N_`` ones)
    stands for, relative to ``now`` (taken in UTC)."""
    today = (now.astimezone(UTC) if now.tzinfo else now).date()
    upper = name.upper()
    if n is None:
        return DATE_LITERALS[upper](today, 0)
    return N_DATE_LITERALS[upper](today, n)
