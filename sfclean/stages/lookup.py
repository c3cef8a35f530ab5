"""Asking an org which keys (emails, phones) already exist: two strategies and a cost model.

``query`` (strategy a): ``SELECT Id, Email FROM <object> WHERE Email IN ('..', ..)`` statements,
each as long as SOQL allows (100,000 characters; a literal may hold 4,000), sent as
subrequests of Composite calls (25 per call, one API call each). Answers longer than one page
(2,000 records) are followed through ``nextRecordsUrl``, and those follow-ups are batched as
Composite GET subrequests too. SOQL compares Email case-insensitively, so a key matches
``Ada@Example.com`` in the org; it cannot match an org value stored with surrounding spaces or
a display-name wrapper (``" ada@example.com"``), which only ``extract`` sees.

``extract`` (strategy b): a Bulk API 2.0 query job per object reading every record's email
(and phones), normalized in Python with the same cleaners as the file. Costs a few calls per
object whatever the number of keys, but reads every record. Needed for phone matching and
for the provider-aware email key, which SOQL cannot express.

:func:`estimate_lookup` prices both in API calls from the number of distinct keys and the
objects' record counts (``limits/recordCount``) and picks the cheaper (``query`` on a tie:
it reads far less data).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from sfclean.cleaners.countries import region_for_country
from sfclean.cleaners.emails import clean_email
from sfclean.cleaners.keys import provider_key
from sfclean.cleaners.phones import clean_phone
from sfclean.errors import ApiError
from sfclean.salesforce import DEFAULT_MAX_RECORDS, Connection, bulk_query

__all__ = [
    "MAX_LITERAL_CHARS",
    "MAX_SOQL_CHARS",
    "PAGE_SIZE",
    "LookupEstimate",
    "Match",
    "clean_phone_keys",
    "email_key",
    "estimate_lookup",
    "extract_lookup",
    "in_queries",
    "per_unique",
    "phone_regions",
    "query_lookup",
    "soql_literal",
]

logger = logging.getLogger("sfclean.stages.lookup")

MAX_SOQL_CHARS = 100_000
"""Longest SOQL statement Salesforce accepts (characters)."""
MAX_LITERAL_CHARS = 4_000
"""Longest string literal in a SOQL statement (characters)."""
PAGE_SIZE = 2_000
"""Records per REST query page (the default and maximum batch size)."""
SUBREQUESTS = 25
"""Subrequests per Composite call."""
AVERAGE_KEY_CHARS = 30
"""Assumed length of a quoted email literal plus separator when the keys are not at hand."""
EXTRACT_POLLS = 2
"""Status polls assumed per Bulk 2.0 query job in the estimate (more on a busy org)."""

_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_ESCAPE_RE = re.compile(r"[\\'\"\n\r\t\b\f]")
_EMAILISH = re.compile(r"\S+@\S+")

#: Phone fields read per object by ``extract`` with match_on Phone, and the country field
#: whose value picks the region of national numbers.
PHONE_FIELDS: dict[str, tuple[str, ...]] = {
    "Lead": ("Phone", "MobilePhone"),
    "Contact": ("Phone", "MobilePhone", "HomePhone", "OtherPhone"),
}
COUNTRY_FIELD: dict[str, str] = {"Lead": "Country", "Contact": "MailingCountry"}


def soql_literal(value: str) -> str:
    """``value`` as a quoted SOQL string literal, every special character escaped.

    SOQL's documented escapes: backslash, both quotes, newline, carriage return, tab,
    backspace and form feed. ``%`` and ``_`` are left alone: outside LIKE they are plain.
    """
    return "'" + _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], value) + "'"


def email_key(raw: str, match_key: str = "email") -> str:
    """The comparison key of an email cell: cleaned (trimmed, unwrapped, lowercased), then the
    provider key if asked; "" when the cell holds no valid address."""
    result = clean_email(raw)
    if result.status != "ok":
        return ""
    return provider_key(result.value) if match_key == "provider" else result.value


@dataclass(frozen=True)
class Match:
    """One org record holding a key: ``kind`` is "email" or "phone"."""

    kind: str
    key: str
    object_name: str
    record_id: str


def _clean_message(message: str) -> str:
    """An org message, one line, without anything that looks like an email address."""
    line = " ".join(str(message).split())
    line = _EMAILISH.sub("<email>", line)
    return line if len(line) <= 200 else line[:197] + "..."


# --- strategy (a): Email IN (...) in Composite subrequests -------------------------------------


def in_queries(
    object_name: str,
    keys: Iterable[str],
    *,
    field: str = "Email",
    max_chars: int = MAX_SOQL_CHARS,
) -> Iterator[str]:
    """``SELECT Id, <field> FROM <object> WHERE <field> IN (...)`` statements covering
    ``keys``, each at most ``max_chars`` long. Keys whose literal exceeds 4,000 characters
    must be filtered out first (see :func:`query_lookup`)."""
    head = f"SELECT Id, {field} FROM {object_name} WHERE {field} IN ("
    room = max_chars - len(head) - 1
    literals: list[str] = []
    used = 0
    for key in keys:
        literal = soql_literal(key)
        cost = len(literal) + (1 if literals else 0)
        if literals and used + cost > room:
            yield head + ",".join(literals) + ")"
            literals, used = [], 0
            cost = len(literal)
        if cost > room:
            raise ValueError(f"a literal of {len(literal)} characters does not fit in a query")
        literals.append(literal)
        used += cost
    if literals:
        yield head + ",".join(literals) + ")"


def _subrequest_error(answer: Mapping[str, Any], url: str) -> ApiError:
    """The ApiError of a failed query subrequest (``url``: its URL, kept without the query)."""
    body = answer.get("body")
    item = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
    code = str(item.get("errorCode") or "") or None
    message = _clean_message(str(item.get("message") or ""))
    status = int(answer.get("httpStatusCode") or 0)
    return ApiError(
        f"a lookup query failed inside a Composite call (HTTP {status} {code or ''}: {message}); "
        "check that the user can read the object and its Email field",
        error_code=code,
        http_status=status,
        url=url,
    )


def query_lookup(
    conn: Connection,
    objects: Sequence[str],
    keys: Sequence[str],
    *,
    max_soql_chars: int = MAX_SOQL_CHARS,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Match], list[str]]:
    """Strategy (a). Returns (matches, skipped keys whose literal is too long for SOQL).
    ``progress(calls done, calls known)`` after each Composite call.

    Each match's key is the org's email cleaned with :func:`email_key`; a record whose
    normalized email is not one of ``keys`` (possible only for odd Unicode) is dropped.
    """
    wanted = set(keys)
    usable = [k for k in keys if len(soql_literal(k)) <= MAX_LITERAL_CHARS]
    skipped = [k for k in keys if len(soql_literal(k)) > MAX_LITERAL_CHARS]
    prefix = f"/services/data/v{conn.api_version}/query?q="
    pending = [
        prefix + quote(soql, safe="")
        for name in objects
        for soql in in_queries(name, usable, max_chars=max_soql_chars)
    ]
    matches: list[Match] = []
    calls = 0
    while pending:
        batch, pending = pending[:SUBREQUESTS], pending[SUBREQUESTS:]
        subrequests = [
            {"method": "GET", "url": url, "referenceId": f"q{i}"} for i, url in enumerate(batch)
        ]
        answers = conn.composite(subrequests)
        calls += 1
        if progress is not None:  # a nextRecordsUrl below may add calls
            progress(calls, calls + -(-len(pending) // SUBREQUESTS))
        for answer, url in zip(answers, batch, strict=False):
            if int(answer.get("httpStatusCode") or 0) >= 300:
                raise _subrequest_error(answer, conn.instance_url + url)
            page = answer.get("body") or {}
            for record in page.get("records", []):
                object_name = str((record.get("attributes") or {}).get("type", ""))
                key = email_key(str(record.get("Email") or ""))
                if key in wanted:
                    matches.append(Match("email", key, object_name, str(record["Id"])))
            if not page.get("done", True) and page.get("nextRecordsUrl"):
                pending.append(str(page["nextRecordsUrl"]))
    logger.info(
        "query lookup: %d keys, %d Composite calls, %d matches", len(usable), calls, len(matches)
    )
    return matches, skipped


# --- strategy (b): Bulk API 2.0 extraction ------------------------------------------------------


def _extract_soql(object_name: str, phones: bool) -> tuple[str, tuple[str, ...], str | None]:
    phone_fields = PHONE_FIELDS.get(object_name, ("Phone",)) if phones else ()
    country = COUNTRY_FIELD.get(object_name) if phones else None
    fields = ["Id", "Email", *phone_fields, *([country] if country else [])]
    wanted = ["Email", *phone_fields]
    where = " OR ".join(f"{f} != null" for f in wanted)
    return f"SELECT {', '.join(fields)} FROM {object_name} WHERE {where}", phone_fields, country


def per_unique(values: Any, func: Callable[[Any], Any]) -> np.ndarray:
    """``func`` of each of ``values`` (an array or Series), computed once per distinct value.

    A missing cell (None or NaN) counts as the empty text: it gets ``func("")``, never the
    result of another value."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    results = [func(u) for u in uniques]
    if (codes < 0).any():  # factorize codes a missing cell -1: the last entry
        results.append(func(""))
    mapped = np.empty(len(results), dtype=object)
    mapped[:] = results
    return mapped[codes] if len(codes) else np.array([], dtype=object)


def phone_regions(countries: Any | None, n: int, region: str) -> np.ndarray:
    """The region to read each of ``n`` phones in: the row's country when it names one
    (``countries``: an array or Series, or None), else ``region``."""
    if countries is None:
        return np.full(n, region, dtype=object)
    return per_unique(countries, lambda c: region_for_country(c) or region)


def clean_phone_keys(values: Any, regions: np.ndarray) -> np.ndarray:
    """The E.164 key of each phone cell read in its row's region; "" when not a phone."""
    pairs = np.empty(len(regions), dtype=object)
    pairs[:] = list(zip(np.asarray(values, dtype=object), regions, strict=True))

    def key(pair: tuple[str, str]) -> str:
        if not pair[0].strip():
            return ""
        result = clean_phone(pair[0], pair[1])
        return result.value if result.status == "ok" else ""

    return per_unique(pairs, key)


def _members(values: np.ndarray, wanted: set[str]) -> np.ndarray:
    """Positions of ``values`` found in ``wanted`` (hash lookups; np.isin on object arrays
    compares every pair)."""
    if not wanted or not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(pd.Series(values, dtype=object).isin(wanted).to_numpy())


def extract_lookup(
    conn: Connection,
    objects: Sequence[str],
    email_keys: Iterable[str],
    phone_keys: Iterable[str] = (),
    *,
    match_key: str = "email",
    default_region: str = "US",
    max_records: int = DEFAULT_MAX_RECORDS,
    progress: Callable[[int, int], None] | None = None,
) -> list[Match]:
    """Strategy (b): read every record's email (and phones when ``phone_keys`` is not empty)
    with one Bulk API 2.0 query per object, normalize them, keep the ones among the keys.
    ``progress(records read, records known)`` as each object's pages arrive."""
    emails = set(email_keys)
    phones = set(phone_keys)
    matches: list[Match] = []
    read = 0
    for name in objects:
        soql, phone_fields, country = _extract_soql(name, bool(phones))
        before = read

        def pages(done: int, total: int, before: int = before) -> None:
            if progress is not None:
                progress(before + done, before + total if total else 0)

        frame = bulk_query(conn, soql, max_records=max_records, progress=pages)
        read = before + len(frame)
        if frame.empty:
            continue
        ids = frame["Id"].to_numpy(dtype=object)
        keys = per_unique(frame["Email"], lambda raw: email_key(raw, match_key))
        for i in _members(keys, emails):
            matches.append(Match("email", str(keys[i]), name, str(ids[i])))
        countries = frame[country] if country is not None and country in frame else None
        regions = phone_regions(countries, len(frame), default_region)
        for field in phone_fields:
            values = clean_phone_keys(frame[field], regions)
            for i in _members(values, phones):
                matches.append(Match("phone", str(values[i]), name, str(ids[i])))
        logger.info("extract lookup: %s, %d records read", name, len(frame))
    return matches


# --- the cost model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LookupEstimate:
    """What :func:`estimate_lookup` finds: API calls per strategy, and the choice.

    ``query`` is None when the query strategy cannot be used (phones, provider key);
    ``choice`` is ``query``, ``extract``, or ``none`` (no keys to look up).
    """

    keys: int
    record_counts: Mapping[str, int | None]
    query: int | None
    extract: int
    choice: str
    reason: str

    def calls(self, strategy: str) -> int | None:
        """The estimate for ``strategy`` (``query`` / ``extract``), None when unusable."""
        return self.query if strategy == "query" else self.extract

    def to_dict(self) -> dict[str, object]:
        """The JSON shape (``report.json``'s ``stages.exclude.estimate``)."""
        return {
            "keys": self.keys,
            "record_counts": dict(self.record_counts),
            "query": self.query,
            "extract": self.extract,
            "choice": self.choice,
            "reason": self.reason,
        }


def _query_calls(
    n_keys: int,
    counts: Mapping[str, int | None],
    key_chars: int,
    max_soql_chars: int,
) -> tuple[int, int]:
    """(first-round Composite calls, follow-up calls) for strategy (a)."""
    if n_keys == 0:
        return 0, 0
    room = max(max_soql_chars - 80, 1)
    per_object = max(1, math.ceil(key_chars / room))
    queries = per_object * len(counts)
    follow_ups = 0
    rounds = 0
    for count in counts.values():
        bound = n_keys if count is None else min(n_keys, count)
        pages_per_query = max(1, math.ceil(bound / per_object / PAGE_SIZE))
        follow_ups += per_object * (pages_per_query - 1)
        rounds = max(rounds, pages_per_query - 1)
    return math.ceil(queries / SUBREQUESTS), max(rounds, math.ceil(follow_ups / SUBREQUESTS))


def estimate_lookup(
    n_keys: int,
    record_counts: Mapping[str, int | None],
    *,
    match_on: Sequence[str] = ("Email",),
    match_key: str = "email",
    key_chars: int | None = None,
    max_soql_chars: int = MAX_SOQL_CHARS,
    max_records: int = DEFAULT_MAX_RECORDS,
) -> LookupEstimate:
    """API calls each strategy would cost, and the choice.

    ``record_counts`` maps each object to its record count (None when unknown). ``key_chars``
    is the total length of the quoted keys plus separators (default: 30 per key). Matches are
    bounded by ``min(keys, records)`` per object, so the query estimate is an upper bound
    unless the org holds many records per email. The extract estimate assumes
    :data:`EXTRACT_POLLS` polls per job; a busy org needs more. Phone matching and the
    provider key need ``extract``: ``query`` is then None.

    """
    chars = key_chars if key_chars is not None else n_keys * AVERAGE_KEY_CHARS
    needs_extract = "Phone" in match_on or match_key == "provider"
    query: int | None = None
    if not needs_extract:
        first, follow = _query_calls(n_keys, record_counts, chars, max_soql_chars)
        query = first + follow
    extract = 0
    for count in record_counts.values():
        pages = 1 if count is None else max(1, math.ceil(count / max_records))
        extract += 1 + EXTRACT_POLLS + pages
    if needs_extract:
        choice, reason = "extract", "phone matching and the provider key need extraction"
    elif query is not None and query <= extract:
        choice, reason = "query", "fewer API calls"
    else:
        choice, reason = "extract", "fewer API calls"
    return LookupEstimate(n_keys, dict(record_counts), query, extract, choice, reason)
