"""The normalize stage: clean every cell, hold back junk, drop in-file duplicates. Offline.

Reason codes (``rejected["sfclean_reason"]``; one per held-back row, the first that applies
in this order):

======================  ==========================================================
reason                  meaning
======================  ==========================================================
``missing-email``       the email cell is blank (after trimming)
``invalid-email``       email-validator rejects the address (detail says why)
``noreply-mailbox``     a no-reply address: noreply@, no-reply@, donotreply@, ...
``role-mailbox``        a role mailbox from the vendored list: info@, sales@, ...
``disposable-domain``   the domain (or a parent domain) is a disposable-mail provider
``invalid-phone``       a phone cell is invalid or damaged; only with
                        ``invalid_phone="reject"``
``duplicate-in-file``   same email (or provider key) as an earlier row that passed
                        every check above; detail names it: ``duplicate of row 5``
======================  ==========================================================

Finding codes (``findings["code"]``; changes and warnings on the rows that go on):

=========================  =======================================================
finding                    meaning
=========================  =======================================================
``whitespace-trimmed``     Unicode whitespace / zero-width characters removed
``unicode-normalized``     text converted to Unicode NFC form
``email-unwrapped``        ``Name <addr>``, ``<addr>`` or ``mailto:`` removed
``email-lowercased``       the address was lowercased
``email-normalized``       email-validator's normal form differs (e.g. Unicode NFC)
``apostrophe-removed``     a leading ``'`` (Excel text marker) removed from a phone
``phone-formatted``        the phone was rewritten to E.164 (``+14155550123``, with
                           an extension as ``;ext=12``)
``invalid-phone``          not a valid number for its region; kept as is (default)
                           or cleared (``invalid_phone="clear"``)
``phone-damaged``          a spreadsheet turned the number into a float
                           (``4.15555E+09``, ``4155550123.0``); never repaired,
                           handled like an invalid phone
``filled-from-duplicate``  a blank cell filled from a duplicate row
                           (``fill_blanks=True``); message names the row
=========================  =======================================================

Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2.
Every cell is read as text (NaN/None become ""), so Ids, leading zeros, "NA" and "Null"
survive; other text cells are only trimmed and NFC-normalised.

Speed: every rule runs once per distinct value (per distinct value and region for phones)
and results are spread back to rows with numpy indexing; see bench/README.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import phonenumbers

from sfclean.cleaners.countries import region_for_country
from sfclean.cleaners.emails import (
    EMAIL_FINDING_MESSAGES,
    EMAIL_REASON_CODES,
    clean_email_column,
    dns_answers,
)
from sfclean.cleaners.junk import JunkPolicy, classify_junk_batch
from sfclean.cleaners.keys import provider_key
from sfclean.cleaners.phonecolumn import clean_phone_column
from sfclean.cleaners.text import TRIM_CHARS, clean_text
from sfclean.columns import ColumnMap, find_columns
from sfclean.errors import ConfigError, InputError
from sfclean.report import FINDINGS_COLUMNS, NormalizeResult

__all__ = ["FINDING_CODES", "REASON_CODES", "normalize"]

#: Reason codes, in the order they are checked.
REASON_CODES: tuple[str, ...] = (
    "missing-email",
    "invalid-email",
    "noreply-mailbox",
    "role-mailbox",
    "disposable-domain",
    "invalid-phone",
    "duplicate-in-file",
)

#: Finding codes.
FINDING_CODES: tuple[str, ...] = (
    "whitespace-trimmed",
    "unicode-normalized",
    "email-unwrapped",
    "email-lowercased",
    "email-normalized",
    "apostrophe-removed",
    "phone-formatted",
    "invalid-phone",
    "phone-damaged",
    "filled-from-duplicate",
)

_MESSAGES = {
    "whitespace-trimmed": "leading/trailing whitespace or invisible characters removed",
    "unicode-normalized": "text converted to Unicode NFC",
    "email-unwrapped": "display name, angle brackets or mailto: removed",
    "email-lowercased": "address lowercased",
    "email-normalized": "address rewritten to email-validator's normal form",
    "apostrophe-removed": "leading apostrophe removed",
    "phone-formatted": "formatted as E.164",
    **EMAIL_FINDING_MESSAGES,  # i10: the registry (issue 7) takes these at the merge
}

_NONE = 0  # reason index meaning "row goes on"
# i10: the email cleaner's new reasons (email-not-ascii, ...) until the registry takes them
_ALL_REASONS = (*REASON_CODES, *EMAIL_REASON_CODES)
_REASON_INDEX = {code: i + 1 for i, code in enumerate(_ALL_REASONS)}
_RESERVED = ("sfclean_row", "sfclean_reason", "sfclean_detail")

Change = tuple[str, str]  # (finding code, message)


@dataclass
class _Findings:
    """Finding rows collected column by column, as parallel lists of arrays.

    Column, code and (usually) message repeat over many rows, so each chunk stores one small
    group id per row (``groups`` holds the (column, code, message) triples); per-row messages
    are kept as overrides. The text columns are materialised once, in :meth:`frame`.
    """

    order: dict[str, int]
    pos: list[np.ndarray] = field(default_factory=list)
    group: list[np.ndarray] = field(default_factory=list)
    original: list[np.ndarray] = field(default_factory=list)
    normalized: list[np.ndarray] = field(default_factory=list)
    groups: dict[tuple[str, str, str], int] = field(default_factory=dict)
    overrides: list[tuple[int, np.ndarray]] = field(default_factory=list)
    size: int = 0

    def add(
        self,
        pos: np.ndarray,
        column: str,
        code: str,
        original: np.ndarray,
        normalized: np.ndarray,
        message: str | np.ndarray,
    ) -> None:
        """Findings ``code`` on ``column`` at row positions ``pos``; ``message`` per row or one."""
        if len(pos) == 0:
            return
        key = (column, code, message if isinstance(message, str) else "")
        gid = self.groups.setdefault(key, len(self.groups))
        if not isinstance(message, str):
            self.overrides.append((self.size, message))
        self.pos.append(pos)
        self.group.append(np.full(len(pos), gid, dtype=np.int32))
        self.original.append(original)
        self.normalized.append(normalized)
        self.size += len(pos)

    def add_per_unique(
        self,
        column: str,
        inverse: np.ndarray,
        changes: Sequence[tuple[Change, ...]],
        original: np.ndarray,
        normalized: np.ndarray,
    ) -> None:
        """Emit one finding per (row, change), where each row's changes come from its unique.

        Rows are grouped by their (few) distinct change tuples, so the work is vectorised.
        """
        if not len(changes):
            return
        ids: dict[tuple[Change, ...], int] = {}
        unique_ids = np.fromiter(
            (ids.setdefault(c, len(ids)) for c in changes), dtype=np.int64, count=len(changes)
        )
        self.add_grouped(column, inverse, unique_ids, list(ids), original, normalized)

    def add_grouped(
        self,
        column: str,
        inverse: np.ndarray,
        unique_ids: np.ndarray,
        distinct: Sequence[tuple[Change, ...]],
        original: np.ndarray,
        normalized: np.ndarray,
    ) -> None:
        """:meth:`add_per_unique` where unique ``u`` has the changes ``distinct[unique_ids[u]]``."""
        if not len(unique_ids) or not any(distinct):
            return
        row_ids = unique_ids[inverse]
        order = np.argsort(row_ids, kind="stable")
        bounds = np.searchsorted(row_ids[order], np.arange(len(distinct) + 1))
        for i, change in enumerate(distinct):
            if not change:
                continue
            pos = order[bounds[i] : bounds[i + 1]]
            for code, message in change:
                self.add(pos, column, code, original[pos], normalized[pos], message)

    def frame(self, keep: np.ndarray) -> pd.DataFrame:
        """The findings of rows where ``keep`` is true, sorted by row then column order."""
        if not self.pos:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "row" else "str") for c in FINDINGS_COLUMNS}
            )
        pos = np.concatenate(self.pos)
        group = np.concatenate(self.group)
        keys = list(self.groups)
        rank = np.array([self.order[column] for column, _, _ in keys], dtype=np.int64)[group]
        selected = np.flatnonzero(keep[pos])
        # one sort key: row first, then the column's place in the table (stable for ties)
        order = selected[
            np.argsort(pos[selected] * (len(self.order) + 1) + rank[selected], kind="stable")
        ]
        columns, codes, messages = (np.array(t, dtype=object) for t in zip(*keys, strict=True))
        if self.overrides:
            messages = messages[group]
            for offset, values in self.overrides:
                messages[offset : offset + len(values)] = values
            message = messages[order]
        else:
            message = messages[group[order]]
        frame = pd.DataFrame(
            {
                "row": (pos[order] + 2).astype("int64"),
                "column": columns[group[order]],
                "code": codes[group[order]],
                "original": np.concatenate(self.original)[order],
                "normalized": np.concatenate(self.normalized)[order],
                "message": message,
            }
        )
        return _as_str_columns(frame, FINDINGS_COLUMNS[1:])


def _as_str_columns(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Make sure the named columns have pandas' ``str`` dtype (construction usually did)."""
    for name in names:
        if frame[name].dtype != "str":
            frame[name] = frame[name].astype("str")
    return frame


def _as_text(series: pd.Series) -> np.ndarray:
    """Every cell as a Python str in an object array; NaN/None become ""."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and isinstance(dtype.na_value, float):
        # pandas' "str" dtype: every cell is a str or NaN, and only NaN differs from itself
        # (cheaper than isna on a million strings); copied, so the caller's frame is untouched
        values = np.array(series.to_numpy(dtype=object), dtype=object, copy=True)
        missing = values != values
        if missing.any():
            values[missing] = ""
        return values
    values = series.to_numpy(dtype=object, na_value="")
    if isinstance(dtype, pd.StringDtype):
        return values
    missing = pd.isna(values)
    if missing.any():
        values[missing] = ""
    if pd.api.types.infer_dtype(values, skipna=False) != "string":
        values = np.array([v if type(v) is str else str(v) for v in values], dtype=object)
    return values


def _per_unique(
    values: np.ndarray, func: Callable[[str], object]
) -> tuple[np.ndarray, np.ndarray, list]:
    """(inverse, uniques, results): ``func`` applied once per distinct value."""
    inverse, uniques = pd.factorize(values)
    return inverse.astype(np.int64), uniques, [func(u) for u in uniques]


def _with_messages(codes: list[tuple[str, ...]]) -> list[tuple[Change, ...]]:
    """Attach the standard message to each finding code (shared tuples, built once each)."""
    cache: dict[tuple[str, ...], tuple[Change, ...]] = {}
    out = []
    for key in codes:
        found = cache.get(key)
        if found is None:
            found = cache[key] = tuple((c, _MESSAGES[c]) for c in key)
        out.append(found)
    return out


def _text_changes(raw: str, new: str) -> tuple[Change, ...]:
    if raw == new:
        return ()
    changes: list[Change] = []
    trimmed = raw.strip(TRIM_CHARS)
    if trimmed != raw:
        changes.append(("whitespace-trimmed", _MESSAGES["whitespace-trimmed"]))
    if trimmed != new:
        changes.append(("unicode-normalized", _MESSAGES["unicode-normalized"]))
    return tuple(changes)


def _check_options(invalid_phone: str, match_key: str, default_region: str) -> str:
    if invalid_phone not in ("keep", "clear", "reject"):
        raise ConfigError(f"invalid_phone must be keep, clear or reject (got {invalid_phone!r})")
    if match_key not in ("email", "provider"):
        raise ConfigError(f"match_key must be email or provider (got {match_key!r})")
    region = str(default_region).strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        region = region_for_country(str(default_region)) or ""
    if not region:
        raise ConfigError(
            f"unknown default region {default_region!r}; use an ISO 3166 code such as US or GB"
        )
    return region


def _check_frame(df: pd.DataFrame) -> list[str]:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"normalize needs a pandas DataFrame (got {type(df).__name__})")
    names = [str(c) for c in df.columns]
    seen: set[str] = set()
    repeated = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
    if repeated:
        raise InputError(
            f"duplicate column names: {', '.join(sorted(set(repeated)))}; rename them first"
        )
    reserved = [n for n in names if n in _RESERVED]
    if reserved:
        raise InputError(
            f"column {reserved[0]} is reserved for sfclean's own output; rename or drop it"
        )
    return names


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
) -> NormalizeResult:
    """Clean a table of contacts/leads and hold back rows that must not go on.

    ``df`` is not modified. Columns are found with :func:`sfclean.find_columns` unless named.
    ``default_region`` reads national phone numbers when the row has no usable country.
    ``invalid_phone``: ``keep`` (default) leaves an invalid phone cell, ``clear`` empties it,
    ``reject`` holds the row back. ``junk`` switches and extends the junk-mailbox checks.
    ``match_key="provider"`` dedupes Gmail dots/+tags and other providers' tags (the stored
    address is unchanged). ``fill_blanks`` fills blank cells of a kept row from its
    duplicates. ``check_deliverability`` asks DNS whether each domain accepts mail (slow, online).

    Raises :class:`~sfclean.errors.ColumnNotFoundError` when there is no email column,
    :class:`~sfclean.errors.InputError` for an unusable table and
    :class:`~sfclean.errors.ConfigError` for a bad option. Reason and finding codes are listed
    in this module's docstring.
    """
    region_default = _check_options(invalid_phone, match_key, default_region)
    if check_deliverability and not dns_answers():
        raise ConfigError(
            "the deliverability check needs working DNS, and DNS lookups fail here "
            "(gmail.com does not resolve); run without --check-deliverability"
        )
    names = _check_frame(df)
    cmap: ColumnMap = find_columns(
        names,
        email_column=email_column,
        phone_columns=phone_columns,
        country_column=country_column,
    )
    policy = junk if junk is not None else JunkPolicy()
    n = len(df)
    original = {name: _as_text(df.iloc[:, i]) for i, name in enumerate(names)}
    cleaned: dict[str, np.ndarray] = {}
    findings = _Findings(order={name: i for i, name in enumerate(names)})
    reason = np.zeros(n, dtype=np.int8)
    detail = np.full(n, "", dtype=object)

    # Plain text columns (everything but the email and phone columns).
    # find_columns keeps the country column apart from the email and phones, so it is one of
    # these; its distinct cleaned values are kept for the phones' regions.
    country: tuple[np.ndarray, list] | None = None
    for name in names:
        if name == cmap.email or name in cmap.phones:
            continue
        inverse, uniques, results = _per_unique(original[name], clean_text)
        if name == cmap.country:
            country = (inverse, results)
        new = np.array(results, dtype=object)[inverse] if n else original[name].copy()
        cleaned[name] = new
        changes = [_text_changes(u, r) for u, r in zip(uniques, results, strict=True)]
        findings.add_per_unique(name, inverse, changes, original[name], new)

    # Email: clean, validate, classify junk.
    inverse, email_uniques = pd.factorize(original[cmap.email])
    inverse = inverse.astype(np.int64)
    emails = clean_email_column(list(email_uniques), check_deliverability=check_deliverability)
    email_values = emails.value
    missing = emails.status == "missing"
    invalid = emails.status == "invalid"
    email_reason = np.zeros(len(email_values), dtype=np.int8)
    email_reason[missing] = _REASON_INDEX["missing-email"]
    email_reason[invalid] = [_REASON_INDEX[r] for r in emails.reason[invalid]]
    email_detail = emails.message.copy()
    email_detail[missing] = [
        f"{cmap.email} is blank" if not m else f"{cmap.email}: {m}" for m in email_detail[missing]
    ]
    ok_positions = np.flatnonzero(emails.status == "ok")
    junk_hits = classify_junk_batch(email_values[ok_positions].tolist(), policy)
    for i, junk_hit in zip(ok_positions.tolist(), junk_hits, strict=True):
        if junk_hit is not None:
            email_reason[i] = _REASON_INDEX[junk_hit[0]]
            email_detail[i] = junk_hit[1]
    cleaned[cmap.email] = email_values[inverse] if n else original[cmap.email].copy()
    reason[:] = email_reason[inverse] if n else reason
    detail[:] = email_detail[inverse] if n else detail
    findings.add_grouped(
        cmap.email,
        inverse,
        emails.change_id,
        _with_messages(emails.kinds),
        original[cmap.email],
        cleaned[cmap.email],
    )

    # Dedupe keys (the duplicates are found after the phones: see below).
    if match_key == "provider":
        key_values = [provider_key(v) for v in email_values]
    else:
        key_values = list(email_values)
    del emails, email_uniques, junk_hits  # free per-unique objects before the phones
    key_id_by_unique, _ = pd.factorize(np.array(key_values, dtype=object))
    # Phones: region from the row's country, else the default region.
    if country is not None:
        country_inverse, country_values = country
        regions = [region_for_country(v) for v in country_values]
        region_of_country, region_names = pd.factorize(
            np.array([r or region_default for r in regions] or [region_default], dtype=object)
        )
        row_region = region_of_country.astype(np.int64)[country_inverse]
        region_list = [str(r) for r in region_names]
    else:
        row_region = np.zeros(n, dtype=np.int64)
        region_list = [region_default]
    for name in cmap.phones:
        _clean_phone_column(
            name,
            original[name],
            (row_region, region_list),
            invalid_phone,
            cleaned,
            findings,
            reason,
            detail,
        )

    # In-file duplicates among rows that passed every check above, phones included in
    # reject mode, so the first VALID copy of an address is the one kept.
    eligible = np.flatnonzero(reason == _NONE)
    first_of = np.arange(n)
    dup_rows = np.zeros(0, dtype=np.int64)
    if len(eligible):
        row_keys = key_id_by_unique[inverse[eligible]]
        _, first_index, back = np.unique(row_keys, return_index=True, return_inverse=True)
        first_pos = eligible[first_index][back.ravel()]
        first_of[eligible] = first_pos
        dup_rows = eligible[first_pos != eligible]
        reason[dup_rows] = _REASON_INDEX["duplicate-in-file"]
        detail[dup_rows] = [f"duplicate of row {p}" for p in (first_of[dup_rows] + 2).tolist()]

    if fill_blanks and len(dup_rows):
        _fill_blanks(names, cmap, cleaned, dup_rows, first_of, findings)

    kept = reason == _NONE
    kept_pos = np.flatnonzero(kept)
    rejected_pos = np.flatnonzero(~kept)
    clean = pd.DataFrame(
        {name: cleaned[name][kept_pos] for name in names},
        index=pd.Index(kept_pos + 2, name="sfclean_row", dtype="int64"),
        columns=names,
    )
    rejected = pd.DataFrame(
        {name: original[name][rejected_pos] for name in names},
        index=pd.Index(rejected_pos + 2, dtype="int64"),
        columns=names,
    )
    reason_names = np.array(("", *_ALL_REASONS), dtype=object)
    rejected["sfclean_row"] = (rejected_pos + 2).astype("int64")
    rejected["sfclean_reason"] = pd.Series(
        reason_names[reason[rejected_pos]], index=rejected.index, dtype="str"
    )
    rejected["sfclean_detail"] = pd.Series(detail[rejected_pos], index=rejected.index, dtype="str")
    for frame in (clean, rejected):
        _as_str_columns(frame, names)
    return NormalizeResult(
        clean=clean,
        rejected=rejected,
        findings=findings.frame(kept),
        columns=cmap,
        rows_in=n,
        source=dict(df.attrs.get("sfclean") or {}),
    )


def _clean_phone_column(
    name: str,
    raw: np.ndarray,
    regions: tuple[np.ndarray, list[str]],
    invalid_phone: str,
    cleaned: dict[str, np.ndarray],
    findings: _Findings,
    reason: np.ndarray,
    detail: np.ndarray,
) -> None:
    """Clean one phone column in place of ``cleaned[name]``; update findings and reasons."""
    n = len(raw)
    region_codes, region_uniques = regions
    value_codes, value_uniques = pd.factorize(raw)
    if len(region_uniques) == 1:  # one region: the distinct values are the work list
        inverse = value_codes.astype(np.int64)
        col = clean_phone_column(value_uniques.tolist(), region_uniques[0])
        values, statuses, messages = col.value, col.status, col.message
        change_id, kinds = col.change_id, col.kinds
    else:  # distinct (value, region) pairs
        width = len(region_uniques)
        combined = value_codes.astype(np.int64) * width + region_codes
        pairs, inverse = np.unique(combined, return_inverse=True)
        inverse = inverse.ravel()
        value_index = pairs // width
        region_index = pairs % width
        values = np.empty(len(pairs), dtype=object)
        statuses = np.empty(len(pairs), dtype=object)
        messages = np.empty(len(pairs), dtype=object)
        change_id = np.zeros(len(pairs), dtype=np.int64)
        kind_index: dict[tuple[str, ...], int] = {}
        for r, region in enumerate(region_uniques):
            where = np.flatnonzero(region_index == r)
            col = clean_phone_column(value_uniques[value_index[where]].tolist(), region)
            values[where], statuses[where], messages[where] = col.value, col.status, col.message
            local = np.array([kind_index.setdefault(k, len(kind_index)) for k in col.kinds])
            change_id[where] = local[col.change_id] if len(where) else 0
        kinds = list(kind_index)
    count = len(values)
    bad = (statuses != "ok") & (statuses != "blank") if count else np.zeros(0, dtype=bool)
    bad_detail = np.full(count, "", dtype=object)
    changes = _with_messages(kinds)
    change_index: dict[tuple[Change, ...], int] = {}
    for i in np.flatnonzero(bad).tolist():
        status, message = statuses[i], messages[i]
        bad_detail[i] = f"{name}: {message}"
        code = "invalid-phone" if status == "invalid" else "phone-damaged"
        if invalid_phone == "keep":
            change = (*changes[change_id[i]], (code, f"{message}; value kept"))
        else:
            values[i] = ""
            change = ((code, f"{message}; value cleared"),)
        found = change_index.get(change)
        if found is None:
            found = change_index[change] = len(changes)
            changes.append(change)
        change_id[i] = found
    new = values[inverse] if n else raw.copy()
    cleaned[name] = new
    findings.add_grouped(name, inverse, change_id, changes, raw, new)
    if invalid_phone == "reject" and n:
        hit = np.flatnonzero(bad[inverse] & (reason == _NONE))
        reason[hit] = _REASON_INDEX["invalid-phone"]
        detail[hit] = bad_detail[inverse[hit]]


def _fill_blanks(
    names: list[str],
    cmap: ColumnMap,
    cleaned: dict[str, np.ndarray],
    dup_rows: np.ndarray,
    first_of: np.ndarray,
    findings: _Findings,
) -> None:
    """Fill blank cells of each kept row from its duplicates, earliest duplicate first."""
    targets = first_of[dup_rows]
    for name in names:
        if name == cmap.email:
            continue
        column = cleaned[name]
        values = column[dup_rows]
        usable = (values != "") & (column[targets] == "")
        if not usable.any():
            continue
        source = pd.Series(dup_rows[usable], index=targets[usable])
        source = source[~source.index.duplicated(keep="first")]
        to_rows = source.index.to_numpy()
        from_rows = source.to_numpy()
        column[to_rows] = column[from_rows]
        findings.add(
            to_rows,
            name,
            "filled-from-duplicate",
            np.full(len(to_rows), "", dtype=object),
            column[to_rows],
            np.array([f"filled from row {r + 2}" for r in from_rows], dtype=object),
        )
