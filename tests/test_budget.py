"""sfclean.stages.budget.check_budget against a local org's limits/ (DailyApiRequests, batches)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import sfclean
from sfclean.errors import BudgetExceeded, ConfigError, OrgError
from sfclean.journal import JournalBatch, JournalJob
from sfclean.localorg import LocalOrg
from sfclean.stages.budget import check_budget, estimate_run


def _connect(org: LocalOrg) -> sfclean.Connection:
    return sfclean.connect(
        instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
    )


def _org(factory: Callable[..., LocalOrg], daily: int) -> LocalOrg:
    return factory({"org": {"name": "Budget Org", "dailyApiLimit": daily}})


def test_a_run_that_fits_returns_the_figures(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = _org(localorg_factory, 1000)
    with _connect(org) as conn:
        budget = check_budget(conn, 500)
        used = org.api_calls
    assert budget.to_dict() == {
        "estimate": 500,
        "max": 1000,
        "remaining": 1000 - used,
        "reserve": 0.10,
        "reserved": 100,
        "available": 900 - used,
    }


@pytest.mark.parametrize(
    ("daily", "reserve", "estimate", "fits"),
    [
        # the limits/ request itself is call 1 of the day, so 999 remain
        (1000, 0.10, 899, True),
        (1000, 0.10, 900, False),
        (1000, 0.0, 999, True),
        (1000, 0.0, 1000, False),
        (1000, 0.5, 499, True),
        (1000, 0.5, 500, False),
        (10, 0.10, 0, True),
    ],
)
def test_the_reserve_is_kept_back(
    localorg_factory: Callable[..., LocalOrg],
    daily: int,
    reserve: float,
    estimate: int,
    fits: bool,
) -> None:
    org = _org(localorg_factory, daily)
    with _connect(org) as conn:
        if fits:
            budget = check_budget(conn, estimate, reserve=reserve)
            assert budget.available is not None and budget.available >= estimate
        else:
            with pytest.raises(BudgetExceeded) as info:
                check_budget(conn, estimate, reserve=reserve)
            assert info.value.estimate == estimate
            assert info.value.available < estimate


def test_the_refusal_is_one_clear_line(localorg_factory: Callable[..., LocalOrg]) -> None:
    org = _org(localorg_factory, 15_000)
    with _connect(org) as conn:
        org.faults.set_api_limit(2_000)
        with pytest.raises(BudgetExceeded) as info:
            check_budget(conn, 12_345)
        used = org.api_calls
    message = str(info.value)
    available = 2_000 - used - 200
    assert message == (
        f"this run needs about 12,345 API calls but only {available:,} of the org's daily "
        "2,000 remain after the 10 % reserve; wait for the org's 24-hour usage to fall, "
        "split the input into smaller files, or lower the reserve (--api-reserve)"
    )
    assert isinstance(info.value, OrgError)
    assert isinstance(info.value, sfclean.SfcleanError)


def test_an_org_with_its_calls_used_up_refuses_any_run(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = _org(localorg_factory, 15_000)
    with _connect(org) as conn:
        org.faults.set_api_limit(org.api_calls + 1)  # room for the limits/ call only
        with pytest.raises(BudgetExceeded, match="only 0 of the org's daily"):
            check_budget(conn, 1, reserve=0.0)


def test_it_costs_one_api_call(localorg_factory: Callable[..., LocalOrg]) -> None:
    org = _org(localorg_factory, 1000)
    with _connect(org) as conn:
        before = org.api_calls
        check_budget(conn, 1)
        assert org.api_calls == before + 1


def test_bulk_batches_are_checked_against_their_own_limit(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = _org(localorg_factory, 1_000_000)
    with _connect(org) as conn:
        budget = check_budget(conn, 10, bulk_batches=100)
        assert budget.bulk_batches == 100
        assert budget.bulk_batches_available == 15_000 - 1_500
        with pytest.raises(BudgetExceeded, match=r"about 14,000 Bulk API batches but only 13,500"):
            check_budget(conn, 10, bulk_batches=14_000)


def test_a_simple_salesforce_object_is_wrapped_once_with_connect(
    sf: Any, localorg: LocalOrg
) -> None:
    with pytest.raises(ConfigError, match=r"check_budget needs a sfclean\.Connection"):
        check_budget(sf, 5)
    budget = check_budget(sfclean.connect(sf=sf), 5)
    assert budget.max == 15_000
    assert budget.remaining == 15_000 - localorg.api_calls


@pytest.mark.parametrize("reserve", [-0.1, 1.0, 2.0])
def test_a_reserve_outside_zero_to_one_is_a_config_error(
    localorg: LocalOrg, reserve: float
) -> None:
    with _connect(localorg) as conn, pytest.raises(ConfigError, match="--api-reserve"):
        check_budget(conn, 1, reserve=reserve)


@pytest.mark.parametrize(
    ("keys", "strategy", "match_key", "exclude", "reads"),
    [
        ([], "auto", "email", 0, 0),  # nothing to look up: no call, not even the counts
        (["a@example.com", "b@example.com"], "auto", "email", 1 + 1, 1),  # counts + 1 Composite
        (["a@example.com"], "query", "email", 1, 1),
        (["a@example.com"], "extract", "email", 2 * (1 + 2 + 1), 1),  # per object: job, polls, page
        (["a@example.com"], "auto", "provider", 2 * (1 + 2 + 1), 1),
    ],
)
def test_the_run_estimate_prices_every_stage(
    localorg: LocalOrg,
    keys: list[str],
    strategy: str,
    match_key: str,
    exclude: int,
    reads: int,
) -> None:
    with _connect(localorg) as conn:
        before = localorg.api_calls
        plan = estimate_run(
            conn,
            keys=keys,
            objects=("Lead", "Contact"),
            strategy=strategy,
            match_key=match_key,
            load_rows=25_000,
            api="bulk",
            pending_jobs=[JournalJob("750", "bulk", True, (JournalBatch("751", (2,)),))],
        )
        assert localorg.api_calls - before == reads
    assert plan.exclude == exclude
    assert plan.load == 1 + 3 + 2 * 3
    assert plan.collect == 2
    assert plan.bulk_batches == 3
    assert plan.total == exclude + plan.load + 2
