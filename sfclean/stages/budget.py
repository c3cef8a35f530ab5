"""The API budget: refuse a run that would eat into the org's daily API calls too deeply.

Every org has a rolling 24-hour allowance of API requests (``DailyApiRequests`` in the
``limits/`` resource) shared by every integration that uses it; a load that spends it all
stops the org's other integrations until the window frees up. Before a run writes anything,
:func:`check_budget` reads ``limits/`` once and raises :class:`~sfclean.errors.BudgetExceeded`
when the run's estimated calls exceed what remains after keeping back ``reserve`` (a fraction
of the daily maximum, 10 % by default) for everyone else. Bulk API batches have their own
daily allowance (``DailyBulkApiBatches``), checked the same way when ``bulk_batches`` is given.

:func:`estimate_run` prices a whole run before it starts, stage by stage, from the stages' own
cost models: collecting an interrupted run's jobs
(:func:`sfclean.stages.loaders.estimate_collect_calls`), the exclude lookup
(:func:`sfclean.stages.lookup.estimate_lookup`, from the objects' record counts, which cost one
call to read) and the load (:func:`sfclean.stages.load.estimate_load_calls`). Both return
frozen dataclasses (:class:`RunEstimate`, :class:`Budget`); ``to_dict()`` is their
``report.json`` shape.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from sfclean.errors import ApiError, BudgetExceeded, ConfigError
from sfclean.salesforce import Connection, require_connection
from sfclean.stages.load import estimate_load_calls
from sfclean.stages.loaders import estimate_collect_calls, loader_class
from sfclean.stages.lookup import LookupEstimate, estimate_lookup, soql_literal

if TYPE_CHECKING:
    from sfclean.journal import JournalJob

__all__ = ["Budget", "RunEstimate", "check_budget", "check_reserve", "estimate_run"]

_ADVICE = (
    "wait for the org's 24-hour usage to fall, split the input into smaller files, "
    "or lower the reserve (--api-reserve)"
)


@dataclass(frozen=True)
class RunEstimate:
    """API calls a run will spend per stage (:func:`estimate_run`).

    ``exclude`` includes the stage's own record-count read under ``auto``; ``bulk_batches``:
    the Bulk API batches the load will create; ``lookup``: the lookup cost model's figures
    (None when there is no key to look up).
    """

    collect: int
    exclude: int
    load: int
    bulk_batches: int
    lookup: LookupEstimate | None = None

    @property
    def total(self) -> int:
        return self.collect + self.exclude + self.load

    def to_dict(self) -> dict[str, int]:
        """The per-stage calls and their total (``report.json``'s ``estimate``)."""
        return {
            "collect": self.collect,
            "exclude": self.exclude,
            "load": self.load,
            "total": self.total,
        }


@dataclass(frozen=True)
class Budget:
    """What :func:`check_budget` found: the run's ``estimate`` against ``DailyApiRequests``
    (``max``, ``remaining``, ``reserve``, ``reserved``, ``available``) and, when checked,
    Bulk API batches. ``exceeded`` (dry runs): why a real run would not fit."""

    estimate: int
    max: int | None = None
    remaining: int | None = None
    reserve: float | None = None
    reserved: int | None = None
    available: int | None = None
    bulk_batches: int | None = None
    bulk_batches_available: int | None = None
    exceeded: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``report.json``'s ``stages.budget``: the figures that were checked."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def _limit(limits: Mapping[str, Any], name: str) -> tuple[int, int]:
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


def _lookup_estimate(
    conn: Connection, keys: Sequence[str], objects: Sequence[str], strategy: str, match_key: str
) -> tuple[LookupEstimate | None, int]:
    """(the lookup's cost model, the exclude stage's calls) for ``keys``."""
    if not keys:
        return None, 0
    counts: dict[str, int | None] = dict(conn.record_counts(objects))
    key_chars = sum(len(soql_literal(k)) + 1 for k in keys)
    lookup = estimate_lookup(len(keys), counts, match_key=match_key, key_chars=key_chars)
    chosen = lookup.choice if strategy == "auto" else strategy
    calls = lookup.calls(chosen)
    if calls is None:  # a forced query that cannot run: exclude refuses it
        calls = lookup.extract
    if strategy == "auto" and match_key != "provider":
        calls += 1  # exclude reads the record counts itself
    return lookup, calls


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
    pending_jobs: Sequence[JournalJob] = (),
) -> RunEstimate:
    """API calls a run will spend per stage, before it starts.

    ``keys``: the distinct lookup keys (cleaned emails) the exclude stage will ask about;
    ``load_rows``: rows that may be loaded (an upper bound: exclusion can only lower it);
    ``pending_jobs``: the journal's jobs still to collect. Reads ``limits/recordCount`` for
    ``objects`` once when there are keys (the lookup's cost depends on the record counts).
    """
    lookup, exclude = _lookup_estimate(conn, keys, objects, strategy, match_key)
    batches = loader_class(api).bulk_batches(load_rows, batch_size) if load_rows > 0 else 0
    return RunEstimate(
        collect=estimate_collect_calls(pending_jobs),
        exclude=exclude,
        load=estimate_load_calls(load_rows, api=api, batch_size=batch_size),
        bulk_batches=batches,
        lookup=lookup,
    )


def check_budget(
    conn: Connection,
    estimate: int,
    *,
    reserve: float = 0.10,
    bulk_batches: int = 0,
) -> Budget:
    """Check that a run of about ``estimate`` API calls fits the org's remaining daily budget.

    ``conn`` is a :class:`~sfclean.Connection` (wrap a ``simple_salesforce.Salesforce`` once
    with ``sfclean.connect(sf=...)``). Reads ``limits/`` once (one API call). The run may use
    ``Remaining - ceil(reserve * Max)`` calls of ``DailyApiRequests``; ``bulk_batches`` (Bulk
    API batches the run will create) is checked against ``DailyBulkApiBatches`` likewise.

    Returns the figures (:class:`Budget`: ``estimate``, ``max``, ``remaining``, ``reserve``,
    ``reserved``, ``available``, and ``bulk_batches``, ``bulk_batches_available`` when
    checked). Raises BudgetExceeded (one line saying what to do), ConfigError for a reserve
    outside 0..1, ApiError when the org does not report its limits.
    """
    check_reserve(reserve)
    if estimate < 0 or bulk_batches < 0:
        raise ValueError("estimate and bulk_batches must not be negative")
    limits = require_connection(conn, caller="check_budget").limits()
    maximum, remaining = _limit(limits, "DailyApiRequests")
    reserved, available = _allowance(maximum, remaining, reserve)
    budget = Budget(int(estimate), maximum, remaining, reserve, reserved, available)
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
        budget = replace(
            budget, bulk_batches=int(bulk_batches), bulk_batches_available=batches_available
        )
        if bulk_batches > batches_available:
            raise BudgetExceeded(
                f"this run needs about {bulk_batches:,} Bulk API batches but only "
                f"{batches_available:,} of the org's daily {batch_max:,} remain after the "
                f"{_percent(reserve)} reserve; {_ADVICE}",
                estimate=int(bulk_batches),
                available=batches_available,
            )
    return budget
