"""The API budget: refuse a run that would eat into the org's daily API calls too deeply.

Every org has a rolling 24-hour allowance of API requests (``DailyApiRequests`` in the
``limits/`` resource) shared by every integration that uses it; a load that spends it all
stops the org's other integrations until the window frees up. Before a run writes anything,
:func:`check_budget` reads ``limits/`` once and raises :class:`~sfclean.errors.BudgetExceeded`
when the run's estimated calls exceed what remains after keeping back ``reserve`` (a fraction
of the daily maximum, 10 % by default) for everyone else. Bulk API batches have their own
daily allowance (``DailyBulkApiBatches``), checked the same way when ``bulk_batches`` is given.

:func:`estimate_run` prices a whole run before it starts, stage by stage, from the stages' own
cost models: collecting an interrupted run's jobs (:func:`sfclean.stages.loadjobs.estimate_collect_calls`),
the exclude lookup (:func:`sfclean.stages.lookup.estimate_lookup`, from the objects' record counts,
which cost one call to read) and the load (:func:`sfclean.stages.load.estimate_load_calls`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sfclean.errors import ApiError, BudgetExceeded, ConfigError
from sfclean.salesforce import MAX_BATCH_RECORDS, Connection, as_connection
from sfclean.stages.load import estimate_load_calls
from sfclean.stages.loadjobs import estimate_collect_calls
from sfclean.stages.lookup import estimate_lookup, soql_literal

__all__ = ["check_budget", "check_reserve", "estimate_run"]

_ADVICE = (
    "wait for the org's 24-hour usage to fall, split the input into smaller files, "
    "or lower the reserve (--api-reserve)"
)


def _limit(limits: dict[str, Any], name: str) -> tuple[int, int]:
    """``(Max, Remaining)`` of one entry of ``limits/``; ApiError when the org lists none."""
    entry = limits.get(name)
    try:
        return int(entry["Max"]), int(entry["Remaining"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        raise ApiError(
            f"the org's limits/ resource has no usable {name} entry, so the API budget "
            "cannot be checked; check that the user may read the org's limits"
        ) from None


def _allowance(maximum: int, remaining: int, reserve: float) -> tuple[int, int]:
    """``(reserved, available)``: calls kept back, and calls this run may use."""
    reserved = math.ceil(reserve * maximum)
    return reserved, max(remaining - reserved, 0)


def _percent(reserve: float) -> str:
    return f"{reserve * 100:g} %"


def check_reserve(reserve: float) -> None:
    """ConfigError unless ``reserve`` is a fraction from 0 to below 1."""
    if not 0 <= reserve < 1:
        raise ConfigError(
            f"--api-reserve must be a fraction of the daily limit from 0 to below 1 "
            f"(e.g. 0.1 for 10 %), got {reserve:g}"
        )


def estimate_run(
    conn: Connection,
    *,
    keys: Sequence[str],
    objects: Sequence[str],
    strategy: str = "auto",
    match_key: str = "email",
    load_rows: int = 0,
    api: str = "bulk",
    batch_size: int = 10_000,
    pending_jobs: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """API calls a run will spend per stage, before it starts.

    ``keys``: the distinct lookup keys (cleaned emails) the exclude stage will ask about;
    ``load_rows``: rows that may be loaded (an upper bound: exclusion can only lower it);
    ``pending_jobs``: the journal's jobs still to collect. Reads ``limits/recordCount`` for
    ``objects`` once when there are keys (the lookup's cost depends on the record counts).

    Returns ``{"collect", "exclude", "load", "total", "bulk_batches", "lookup"}``: calls per
    stage (``exclude`` includes the stage's own record-count read under ``auto``), their
    sum, the Bulk API batches the load will create, and the lookup cost model's figures.
    """
    lookup: dict[str, Any] = {"keys": 0, "choice": "none"}
    exclude = 0
    if keys:
        counts: dict[str, int | None] = dict(conn.record_counts(objects))
        key_chars = sum(len(soql_literal(k)) + 1 for k in keys)
        lookup = estimate_lookup(len(keys), counts, match_key=match_key, key_chars=key_chars)
        chosen = lookup["choice"] if strategy == "auto" else strategy
        if lookup.get(chosen) is None:  # a forced query that cannot run: exclude refuses it
            chosen = "extract"
        exclude = int(lookup[chosen])
        if strategy == "auto" and match_key != "provider":
            exclude += 1  # exclude reads the record counts itself
    load = estimate_load_calls(load_rows, api=api, batch_size=batch_size)
    size = min(batch_size, MAX_BATCH_RECORDS) if api == "bulk" else batch_size
    batches = 0 if api == "rest" or load_rows <= 0 else math.ceil(load_rows / size)
    collect = estimate_collect_calls(pending_jobs)
    return {
        "collect": collect,
        "exclude": exclude,
        "load": load,
        "total": collect + exclude + load,
        "bulk_batches": batches,
        "lookup": lookup,
    }


def check_budget(
    conn: Any,
    estimate: int,
    *,
    reserve: float = 0.10,
    bulk_batches: int = 0,
) -> dict[str, Any]:
    """Check that a run of about ``estimate`` API calls fits the org's remaining daily budget.

    ``conn`` is a :class:`~sfclean.Connection` (or a ``simple_salesforce.Salesforce``, wrapped
    with :func:`sfclean.connect`). Reads ``limits/`` once (one API call). The run may use
    ``Remaining - ceil(reserve * Max)`` calls of ``DailyApiRequests``; ``bulk_batches`` (Bulk
    API batches the run will create) is checked against ``DailyBulkApiBatches`` likewise.

    Returns the figures for the report: ``estimate``, ``max``, ``remaining``, ``reserve``,
    ``reserved``, ``available`` (and ``bulk_batches``, ``bulk_batches_available`` when
    checked). Raises BudgetExceeded (one line saying what to do), ConfigError for a reserve
    outside 0..1, ApiError when the org does not report its limits.
    """
    check_reserve(reserve)
    if estimate < 0 or bulk_batches < 0:
        raise ValueError("estimate and bulk_batches must not be negative")
    connection = as_connection(conn)
    limits = connection.limits()
    maximum, remaining = _limit(limits, "DailyApiRequests")
    reserved, available = _allowance(maximum, remaining, reserve)
    budget: dict[str, Any] = {
        "estimate": int(estimate),
        "max": maximum,
        "remaining": remaining,
        "reserve": reserve,
        "reserved": reserved,
        "available": available,
    }
    if estimate > available:
        raise BudgetExceeded(
            f"this run needs about {estimate:,} API calls but only {available:,} of the "
            f"org's daily {maximum:,} remain after the {_percent(reserve)} reserve; {_ADVICE}",
            estimate=int(estimate),
            available=available,
        )
    if bulk_batches:
        batch_max, batch_remaining = _limit(limits, "DailyBulkApiBatches")
        _, batches_available = _allowance(batch_max, batch_remaining, reserve)
        budget["bulk_batches"] = int(bulk_batches)
        budget["bulk_batches_available"] = batches_available
        if bulk_batches > batches_available:
            raise BudgetExceeded(
                f"this run needs about {bulk_batches:,} Bulk API batches but only "
                f"{batches_available:,} of the org's daily {batch_max:,} remain after the "
                f"{_percent(reserve)} reserve; {_ADVICE}",
                estimate=int(bulk_batches),
                available=batches_available,
            )
    return budget
