"""The exclude stage: hold back rows whose email (or phone) already exists in the org.

Salesforce's own duplicate rules cannot be trusted to stop an import: an "Allow" rule without
Alert saves duplicates silently, rules can exclude the integration user, and records in one
batch are never compared with each other. So sfclean asks the org itself, before loading,
which of the file's keys already exist on any of ``objects`` (Lead and Contact by default),
and holds those rows back with the reason ``exists-in-org``, the matched object(s) and Id(s).
They are also returned as an update-ready table (``Id`` first) for enriching existing records.

Keys are compared after the same cleaning as :func:`sfclean.normalize` (trimmed, unwrapped,
lowercased; E.164 phones); the org's values are cleaned the same way when they are read.
Two lookup strategies (see :mod:`sfclean.lookup`): ``query`` asks ``Email IN (...)`` in
Composite calls and relies on SOQL's case-insensitive comparison, so it cannot see org emails
stored with surrounding spaces or a display name; ``extract`` reads every record with Bulk
API 2.0 and normalizes it, so it sees those too, and is the only way to match phones or the
provider-aware key (Gmail dots, ``+tags``).

``fuzzy=True`` (the ``sfclean[fuzzy]`` extra) also holds back the rows that probably are a
person already in the org under another email (``probable-match-in-org``, see
:mod:`sfclean.stages.probable`), in their own table ``probable`` (``probable_matches.csv``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from sfclean.codes import EXISTS_IN_ORG
from sfclean.columns import ColumnMap, find_columns
from sfclean.errors import ConfigError, InputError
from sfclean.report import (
    ROW,
    StageResult,
    StepProgress,
    Summary,
    empty_findings,
    progress_callback,
    row_numbers,
)
from sfclean.salesforce import Connection, require_connection
from sfclean.scanning import DEFAULT_THRESHOLD
from sfclean.stages.lookup import (
    MAX_SOQL_CHARS,
    LookupEstimate,
    Match,
    clean_phone_keys,
    email_key,
    estimate_lookup,
    extract_lookup,
    per_unique,
    phone_regions,
    query_lookup,
    soql_literal,
)
from sfclean.stages.probable import hold_back_probable

__all__ = ["STRATEGIES", "ExcludeResult", "ExcludeSummary", "exclude"]

STRATEGIES = ("auto", "query", "extract")
_FUZZY_OUTPUT = ("sfclean_probability", "sfclean_agreed")
_OUTPUT = (
    "sfclean_reason",
    "sfclean_detail",
    "sfclean_matched_object",
    "sfclean_matched_id",
    *_FUZZY_OUTPUT,
)


@dataclass(frozen=True)
class ExcludeSummary(Summary):
    """:class:`~sfclean.report.Summary` plus the lookup: objects searched, distinct keys,
    strategy, API calls, the cost model's estimate, org records matched, keys not looked up."""

    objects: tuple[str, ...] = ()
    keys: int = 0
    strategy: str = ""
    api_calls: int = 0
    estimate: Any = None
    matches: int = 0
    not_looked_up: int = 0


@dataclass(repr=False, eq=False)
class ExcludeResult(StageResult):
    """What :func:`sfclean.exclude` returns (the protocol of :mod:`sfclean.report`).

    ``kept``: rows not found in the org (the input's columns and ``sfclean_row``).
    ``held_back``: rows found, with the input's columns and ``sfclean_row``, then
    ``sfclean_reason`` (``exists-in-org``), ``sfclean_detail`` (``Contact 003..., Lead
    00Q...``), ``sfclean_matched_object`` (``Contact;Lead``) and ``sfclean_matched_id``.
    ``findings``: always empty. ``updates``: the held-back rows ready for an update: ``Id``
    (one match, preferring the first object in ``objects``) then the input's columns (an
    input ``Id`` column is replaced) and ``sfclean_row``. ``strategy``: ``query``,
    ``extract`` or ``none`` (no keys to look up). ``api_calls``: calls the lookup cost
    (record counts included). ``estimate``: the cost model's figures. ``matches``: org
    records matched. ``not_looked_up``: distinct keys too long for a SOQL literal (their rows
    are kept). ``probable``: with ``fuzzy=True``, the held-back rows that probably match an
    org record (:mod:`sfclean.stages.probable`; also in ``held_back``), else None.
    """

    stage: ClassVar[str] = "exclude"
    kept: pd.DataFrame
    held_back: pd.DataFrame
    updates: pd.DataFrame
    strategy: str
    api_calls: int
    estimate: LookupEstimate
    matches: int
    objects: tuple[str, ...] = ()
    not_looked_up: int = 0
    keys: int = 0
    findings: pd.DataFrame = field(default_factory=empty_findings)
    probable: pd.DataFrame | None = None

    def summary(self) -> ExcludeSummary:
        """Rows in / kept / held back, and what the lookup did and cost."""
        return ExcludeSummary(
            **self._base_counts(),
            objects=tuple(self.objects),
            keys=self.keys,
            strategy=self.strategy,
            api_calls=self.api_calls,
            estimate=self.estimate,
            matches=self.matches,
            not_looked_up=self.not_looked_up,
        )

    def to_text(self) -> str:
        """A short human summary, as the CLI prints it to stderr."""
        return (
            f"{super().to_text()}\n  lookup:    {self.strategy} on {', '.join(self.objects)}, "
            f"{self.keys} keys, {self.matches} org records matched, {self.api_calls} API calls"
        )

    def outputs(self) -> dict[str, pd.DataFrame]:
        """``excluded.csv`` (held back), ``excluded_updates.csv`` and ``kept.csv``; with
        ``fuzzy=True`` also ``probable_matches.csv`` (those rows are not in excluded.csv)."""
        if self.probable is None:
            excluded = self.held_back
        else:
            exact = self.held_back["sfclean_reason"] == EXISTS_IN_ORG
            columns = [c for c in self.held_back.columns if c not in _FUZZY_OUTPUT]
            excluded = self.held_back.loc[exact, columns].reset_index(drop=True)
        tables = {
            "excluded.csv": excluded,
            "excluded_updates.csv": self.updates,
            "kept.csv": self.kept,
        }
        if self.probable is not None:
            tables["probable_matches.csv"] = self.probable
        return tables


def _check(
    df: Any, objects: Sequence[str], match_on: Sequence[str], match_key: str, strategy: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"exclude needs a pandas DataFrame (got {type(df).__name__})")
    clash = [c for c in df.columns if str(c) in _OUTPUT]
    if clash:
        raise InputError(
            f"column {clash[0]} is reserved for sfclean's exclude output; rename or drop it"
        )
    if strategy not in STRATEGIES:
        raise ConfigError(f"strategy must be auto, query or extract (got {strategy!r})")
    if match_key not in ("email", "provider"):
        raise ConfigError(f"match_key must be email or provider (got {match_key!r})")
    if isinstance(objects, str):
        objects = (objects,)
    names = tuple(dict.fromkeys(str(o).strip() for o in objects))
    if not names or not all(n.isidentifier() for n in names):
        raise ConfigError(
            f"objects must be Salesforce object API names such as Lead (got {objects!r})"
        )
    if isinstance(match_on, str):
        match_on = (match_on,)
    fields = tuple(dict.fromkeys(str(m).strip().capitalize() for m in match_on))
    unknown = [f for f in fields if f not in ("Email", "Phone")]
    if unknown or not fields:
        raise ConfigError(f"match_on takes Email and/or Phone (got {match_on!r})")
    needs_extract = "Phone" in fields or match_key == "provider"
    if strategy == "query" and needs_extract:
        raise ConfigError(
            "strategy='query' cannot match phones or the provider key (SOQL cannot normalize "
            "them); use strategy='extract' or 'auto'"
        )
    return names, fields


def _text(series: pd.Series) -> np.ndarray:
    values = series.to_numpy(dtype=object, na_value="")
    return np.array(["" if v is None else str(v) for v in values], dtype=object)


def _row_phone_keys(df: pd.DataFrame, cmap: ColumnMap, region: str) -> list[np.ndarray]:
    """Each phone column's E.164 keys, read with the row's country, else ``region``."""
    countries = _text(df[cmap.country]) if cmap.country is not None else None
    regions = phone_regions(countries, len(df), region)
    return [clean_phone_keys(_text(df[name]), regions) for name in cmap.phones]


def exclude(
    df: pd.DataFrame,
    conn: Connection,
    *,
    objects: Sequence[str] = ("Lead", "Contact"),
    match_on: Sequence[str] = ("Email",),
    email_column: str | None = None,
    phone_columns: Sequence[str] | None = None,
    country_column: str | None = None,
    default_region: str = "US",
    match_key: str = "email",
    strategy: str = "auto",
    max_soql_chars: int = MAX_SOQL_CHARS,
    progress: StepProgress = None,
    fuzzy: bool = False,
    fuzzy_threshold: float = DEFAULT_THRESHOLD,
) -> ExcludeResult:
    """Hold back the rows of ``df`` whose email (or phone) already exists in the org.

    ``df`` is usually ``normalize(...).kept``; it is not modified. Its ``sfclean_row``
    column numbers the rows, else rows are numbered like a spreadsheet (first row = 2).
    ``conn``: a :class:`~sfclean.Connection` (wrap a ``simple_salesforce.Salesforce`` once
    with ``sfclean.connect(sf=...)``).
    ``match_on``: ``("Email",)`` or with ``"Phone"`` (E.164, phones read with the row's
    country, else ``default_region``); a row is held back when any of its keys exists on any
    of ``objects``. ``match_key="provider"`` compares provider-aware email keys.
    ``strategy``: ``auto`` (the cheaper in API calls, from ``limits/recordCount``),
    ``query`` or ``extract`` (see :mod:`sfclean.lookup`). Trade-off: ``query`` relies on
    SOQL's case-insensitive ``=``, so org emails stored with spaces or a display name are only
    caught by ``extract``. Phone and provider matching always use ``extract``.
    ``progress(done, total)``: as the lookup's calls return (Composite calls, or records read).
    ``fuzzy``: also hold back rows whose match probability with an org record reaches
    ``fuzzy_threshold`` (``probable-match-in-org``; the org is read with ``extract``).

    Raises InputError / ColumnNotFoundError (unusable table), ConfigError (bad option), and
    AuthError, ConnectionFailed or ApiError (the org)."""
    names, fields = _check(df, objects, match_on, match_key, strategy)
    _check_fuzzy(fuzzy, fuzzy_threshold)  # before the org is used
    cmap = find_columns(
        [str(c) for c in df.columns if str(c) != ROW],
        email_column=email_column,
        phone_columns=phone_columns,
        country_column=country_column,
    )
    rows = row_numbers(df)
    row_emails, phone_keys, email_set, phone_set = _row_keys(
        df, cmap, fields, match_key, default_region
    )
    conn = require_connection(conn, caller="exclude")
    start = conn.api_calls
    found = _lookup(
        conn,
        names,
        fields,
        email_set,
        phone_set,
        match_key=match_key,
        strategy=strategy,
        default_region=default_region,
        max_soql_chars=max_soql_chars,
        progress=progress_callback(progress),
    )
    chosen, estimate, matches, skipped = found
    kept, excluded, updates = _frames(df, rows, names, row_emails, phone_keys, matches)
    kept, excluded, probable = _fuzzy(
        fuzzy, conn, kept, excluded, cmap, names, fuzzy_threshold, default_region
    )
    return ExcludeResult(
        kept=kept,
        held_back=excluded,
        updates=updates,
        strategy=chosen,
        api_calls=conn.api_calls - start,
        estimate=estimate,
        matches=len({(m.object_name, m.record_id) for m in matches}),
        objects=names,
        not_looked_up=len(skipped),
        keys=estimate.keys,
        probable=probable,
    )


def _row_keys(
    df: pd.DataFrame, cmap: ColumnMap, fields: tuple[str, ...], match_key: str, region: str
) -> tuple[np.ndarray, list[np.ndarray], list[str], list[str]]:
    """(each row's email key, each phone column's keys, the distinct emails and phones to look
    up)."""
    row_emails = per_unique(_text(df[cmap.email]), lambda raw: email_key(raw, match_key))
    phone_keys = _row_phone_keys(df, cmap, region) if "Phone" in fields else []
    email_set = sorted({k for k in row_emails if k}) if "Email" in fields else []
    phone_set = sorted({k for col in phone_keys for k in col if k})
    return row_emails, phone_keys, email_set, phone_set


def _check_fuzzy(fuzzy: bool, threshold: float) -> None:
    """ConfigError for a bad threshold or a missing fuzzy extra (only with ``fuzzy``)."""
    from sfclean.scanning.fuzzy_model import splink_modules

    if not fuzzy:
        return
    if not 0 < threshold <= 1:
        raise ConfigError(f"fuzzy_threshold must be a probability in (0, 1] (got {threshold!r})")
    splink_modules()


def _fuzzy(
    fuzzy: bool,
    conn: Connection,
    kept: pd.DataFrame,
    excluded: pd.DataFrame,
    cmap: ColumnMap,
    names: tuple[str, ...],
    threshold: float,
    default_region: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """(kept, held back, probable): with ``fuzzy``, the probable matches moved from kept to
    held back; else the tables unchanged and None."""
    if not fuzzy:
        return kept, excluded, None
    kept, probable = hold_back_probable(
        conn, kept, cmap, names, threshold=threshold, default_region=default_region
    )
    excluded = pd.concat([excluded, probable], ignore_index=True)
    return kept, excluded.sort_values(ROW, kind="stable").reset_index(drop=True), probable


def _lookup(
    conn: Connection,
    names: tuple[str, ...],
    fields: tuple[str, ...],
    email_set: list[str],
    phone_set: list[str],
    *,
    match_key: str,
    strategy: str,
    default_region: str,
    max_soql_chars: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[str, LookupEstimate, list[Match], list[str]]:
    """Ask the org for the keys: (strategy used, the estimate, matches, keys not looked up)."""
    needs_extract = "Phone" in fields or match_key == "provider"
    key_chars = sum(len(soql_literal(k)) + 1 for k in email_set)
    n_keys = len(email_set) + len(phone_set)
    counts: dict[str, int | None] = dict.fromkeys(names)
    chosen = strategy
    if n_keys == 0:
        chosen = "none"
    elif strategy == "auto" and not needs_extract:
        counts = dict(conn.record_counts(names))
    estimate = estimate_lookup(
        n_keys,
        counts,
        match_on=fields,
        match_key=match_key,
        key_chars=key_chars,
        max_soql_chars=max_soql_chars,
    )
    if chosen == "auto":
        chosen = estimate.choice
    if chosen == "query":
        matches, skipped = query_lookup(
            conn, names, email_set, max_soql_chars=max_soql_chars, progress=progress
        )
        return chosen, estimate, matches, skipped
    if chosen == "extract":
        matches = extract_lookup(
            conn,
            names,
            email_set,
            phone_set,
            match_key=match_key,
            default_region=default_region,
            progress=progress,
        )
        return chosen, estimate, matches, []
    return chosen, estimate, [], []


def _frames(
    df: pd.DataFrame,
    rows: np.ndarray,
    names: tuple[str, ...],
    row_emails: np.ndarray,
    phone_keys: list[np.ndarray],
    matches: list[Match],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(kept, excluded, updates) from the per-row keys and the org's matches."""
    rank = {name: i for i, name in enumerate(names)}
    by_key: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for m in matches:
        by_key.setdefault((m.kind, m.key), set()).add((m.object_name, m.record_id))
    n = len(df)
    found: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    if by_key:
        for i in range(n):
            hits: set[tuple[str, str]] = set()
            if row_emails[i]:
                hits |= by_key.get(("email", row_emails[i]), set())
            for column in phone_keys:
                if column[i]:
                    hits |= by_key.get(("phone", column[i]), set())
            if hits:
                found[i] = sorted(hits, key=lambda h: (rank.get(h[0], len(rank)), h[1]))
    hit = np.array([bool(f) for f in found], dtype=bool)
    source = df.reset_index(drop=True)
    source[ROW] = rows  # where the input had it, else after the input's columns
    kept = source.loc[~hit].reset_index(drop=True)
    excluded = source.loc[hit].reset_index(drop=True)
    chosen = [f for f in found if f]
    excluded["sfclean_reason"] = pd.Series(EXISTS_IN_ORG, index=excluded.index, dtype="str")
    detail = [", ".join(f"{o} {i}" for o, i in f) for f in chosen]
    objects = [";".join(dict.fromkeys(o for o, _ in f)) for f in chosen]
    ids = [";".join(i for _, i in f) for f in chosen]
    for out_name, values in (
        ("sfclean_detail", detail),
        ("sfclean_matched_object", objects),
        ("sfclean_matched_id", ids),
    ):
        excluded[out_name] = pd.Series(values, index=excluded.index, dtype="str")
    updates = source.loc[hit].reset_index(drop=True)
    # an input Id column (blank, stale, or a Data Loader file's ID) gives way to the match
    updates = updates.drop(columns=[c for c in updates.columns if str(c).lower() == "id"])
    updates.insert(0, "Id", pd.Series([f[0][1] for f in chosen], index=updates.index, dtype="str"))
    return kept, excluded, updates
