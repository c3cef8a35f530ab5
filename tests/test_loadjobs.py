"""Per-row outcomes: each Salesforce result maps to one reason code, whatever the API."""

from __future__ import annotations

import pytest

from sfclean.salesforce import RowResult
from sfclean.stages.loadjobs import Outcome


@pytest.mark.parametrize(
    ("result", "reason", "code"),
    [
        (RowResult(True, id="00Q5g0000000001EAA"), "", ""),
        (
            RowResult(False, code="DUPLICATES_DETECTED", message="dup"),
            "rejected-by-duplicate-rule",
            "DUPLICATES_DETECTED",
        ),
        (
            RowResult(False, code="REQUIRED_FIELD_MISSING", message="x"),
            "load-failed",
            "REQUIRED_FIELD_MISSING",
        ),
        (
            RowResult(False, code="NOT_PROCESSED", message="the org returned no result"),
            "not-processed",
            "NOT_PROCESSED",
        ),
        (None, "not-processed", "NOT_PROCESSED"),
    ],
)
def test_a_result_maps_to_one_reason(result: RowResult | None, reason: str, code: str) -> None:
    outcome = Outcome.of(7, result)
    assert (outcome.row, outcome.reason, outcome.code) == (7, reason, code)
