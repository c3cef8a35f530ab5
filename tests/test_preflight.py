"""The pre-flight stage (sfclean.stages.preflight): a table of describe rules, the send plan it
shares with the load, and hypothesis properties that its decisions agree with localorg's own
validation (localorg's engine for Lead, its validate module for every field type)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfclean.errors import ConfigError
from sfclean.localorg.describe import describe_object
from sfclean.localorg.engine import Engine
from sfclean.localorg.ids import IdFactory
from sfclean.localorg.schema import SCHEMA, Field, SObjectType
from sfclean.localorg.store import Store
from sfclean.localorg.validate import prepare, required_missing
from sfclean.stages.preflight import preflight, required_fields
from sfclean.stages.sendplan import dataloader_status_columns, plan_fields

LEAD = describe_object(SCHEMA["Lead"])


def _check(**columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame({"LastName": ["Lee"], "Company": ["Acme"], **columns})
    held = preflight(df, LEAD).held_back
    return held[["sfclean_reason", "sfclean_detail"]]


def test_required_fields_come_from_the_describe() -> None:
    assert required_fields(LEAD) == ["LastName", "Company"]  # Status has a default


@pytest.mark.parametrize(
    ("columns", "reason", "detail"),
    [
        ({"Company": [""]}, "missing-required-field", "Company is required and blank"),
        ({"Company": ["   "]}, "missing-required-field", "Company is required and blank"),
        ({"Company": ["#N/A"]}, "missing-required-field", "Company is required and blank"),
        (
            {"Title": ["x" * 129]},
            "value-too-long",
            "Title has 129 characters, the field takes 128",
        ),
        (
            {"Rating": ["hot"]},
            "invalid-picklist-value",
            "Rating 'hot' is not a value of its picklist (Hot, Warm, Cold)",
        ),
        (
            {"NumberOfEmployees": ["1,200"]},
            "invalid-value",
            "NumberOfEmployees '1,200' is not a whole number (32-bit)",
        ),
        ({"NumberOfEmployees": ["12.5"]}, "invalid-value", None),
        ({"AnnualRevenue": ["$5M"]}, "invalid-value", "AnnualRevenue '$5M' is not a number"),
        (
            {"HasOptedOutOfEmail": ["maybe"]},
            "invalid-value",
            "HasOptedOutOfEmail 'maybe' is not a checkbox (true or false)",
        ),
        (  # several problems: the first reason of the list, every problem in the detail
            {"Company": [""], "Title": ["x" * 130]},
            "missing-required-field",
            "Company is required and blank; Title has 130 characters, the field takes 128",
        ),
    ],
)
def test_a_row_the_org_would_refuse_is_held_back(
    columns: dict[str, list[str]], reason: str, detail: str | None
) -> None:
    held = _check(**columns)
    assert held["sfclean_reason"].tolist() == [reason]
    if detail is not None:
        assert held["sfclean_detail"].tolist() == [detail]


@pytest.mark.parametrize(
    "columns",
    [
        {"Title": ["x" * 128]},
        {"Rating": ["Warm"]},
        {"Rating": [""]},  # blank is not sent
        {"NumberOfEmployees": [" 1e3 "]},
        {"AnnualRevenue": ["-12.50"]},
        {"HasOptedOutOfEmail": ["Yes"]},
        {"Status": ["Anything"]},  # not a restricted picklist
    ],
)
def test_a_row_the_org_takes_goes_on(columns: dict[str, list[str]]) -> None:
    assert _check(**columns).empty


def test_a_required_field_no_column_fills_holds_back_every_row() -> None:
    df = pd.DataFrame({"LastName": ["A", "B"], "sfclean_row": [7, 9]})
    result = preflight(df, LEAD)
    assert result.held_back["sfclean_row"].tolist() == [7, 9]
    assert set(result.held_back["sfclean_detail"]) == {
        "Company is required and no column is sent to it"
    }
    assert result.summary().reasons == {"missing-required-field": 2}


def test_a_constant_fills_a_required_field_and_is_checked_too() -> None:
    df = pd.DataFrame({"Surname": ["A", "B"]})
    ok = preflight(df, LEAD, fields={"Surname": "LastName"}, constants={"Company": "Acme"})
    assert ok.held_back.empty and len(ok.kept) == 2
    bad = preflight(df, LEAD, fields={"Surname": "LastName"}, constants={"Rating": "Tepid"})
    assert set(bad.held_back["sfclean_reason"]) == {"missing-required-field"}
    assert "Rating 'Tepid' is not a value of its picklist" in bad.held_back["sfclean_detail"][0]


def test_the_caller_s_table_is_not_modified() -> None:
    df = pd.DataFrame({"LastName": ["A"], "Company": [""]})
    before = df.copy()
    preflight(df, LEAD)
    pd.testing.assert_frame_equal(df, before)


def test_data_loader_status_columns_are_never_sent() -> None:
    success = ["ID", "LastName", "Company", "STATUS"]
    plan = plan_fields(LEAD, success)
    assert plan.targets == ["LastName", "Company"]
    assert set(plan.not_sent) == {"ID", "STATUS"}
    assert dataloader_status_columns(["LastName", "Company", "ERROR"]) == {
        "ERROR": "Data Loader's error-file column (not a value to load)"
    }
    # a plain Status column is Lead.Status, as before
    assert plan_fields(LEAD, ["LastName", "Status"]).targets == ["LastName", "Status"]


def test_a_mapping_to_a_field_the_object_lacks_is_refused() -> None:
    with pytest.raises(ConfigError, match="Nickname, which is not a createable field of Lead"):
        plan_fields(LEAD, ["A"], object_name="Lead", fields={"A": "Nickname"})


# --- agreement with localorg ----------------------------------------------------------------

NOW = datetime(2024, 1, 31, 9, 30, tzinfo=UTC)
TEXTS = st.one_of(
    st.sampled_from(["", " ", "Acme", "x" * 128, "x" * 129, " padded ", "#N/A", " #N/A"]),
    st.text(max_size=6),
)
NUMBERS = st.one_of(
    st.sampled_from(["12", " 12 ", "1e3", "1.0", "12.5", "-0", ".5", "1,000", "1_000", "nan"]),
    st.sampled_from(["inf", "1e999", "0x10", "١٢", "+3", "abc", "", "#N/A"]),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["2147483647", "2147483648", "-2147483648", "9.2e18"]),
    st.floats(allow_nan=False, allow_infinity=False).map(str),
)
RATINGS = st.sampled_from(["", "Hot", "Warm", "Cold", "hot", " Hot", "Tepid"])
BOOLEANS = st.sampled_from(["", "true", "False", "1", "0", "yes", "N", "on", "maybe", "t"])
LEAD_ROWS = st.fixed_dictionaries(
    {
        "LastName": TEXTS,
        "Company": TEXTS,
        "Title": TEXTS,
        "Rating": RATINGS,
        "NumberOfEmployees": NUMBERS,
        "AnnualRevenue": NUMBERS,
        "HasOptedOutOfEmail": BOOLEANS,
    }
)


def _engine() -> tuple[Engine, str]:
    ids = IdFactory()
    store = Store()
    user_id = ids.new("005")
    store.insert(
        "User", [{"Id": user_id, "Username": "a@x.com", "LastName": "A", "Email": "a@x.com"}]
    )
    return Engine(store, org_id=ids.new("00D"), ids=ids, clock=lambda: NOW), user_id


@given(rows=st.lists(LEAD_ROWS, min_size=1, max_size=6))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_preflight_agrees_with_localorg_on_lead(rows: list[dict[str, str]]) -> None:
    df = pd.DataFrame(rows, dtype=object)
    result = preflight(df, LEAD)
    engine, user_id = _engine()
    try:
        records = result.plan.records(with_rows(df))
        saved = engine.create("Lead", records, user_id=user_id, api="bulk1")
    finally:
        engine.store.close()
    refused = {
        row for row, answer in zip(range(2, len(df) + 2), saved, strict=True) if not answer.success
    }
    assert set(result.held_back["sfclean_row"]) == refused


def with_rows(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["sfclean_row"] = range(2, len(df) + 2)
    return out


THING = SObjectType(
    name="Thing__c",
    key_prefix="a00",
    fields=(
        Field("Id", "id", 18, createable=False, updateable=False),
        Field("Name", "string", 10, required=True),
        Field("When__c", "date"),
        Field("At__c", "datetime"),
        Field("Count__c", "int"),
        Field("Score__c", "double"),
        Field("Flag__c", "boolean"),
        Field("Size__c", "picklist", 255, values=("S", "M", "L"), restricted=True),
    ),
)
DATES = st.one_of(
    st.sampled_from(["2024-01-31", "2024-02-30", "2024-1-31", "31/01/2024", "20240131"]),
    st.sampled_from(["2024-01-31T09:30:00Z", "2024-01-31 09:30", "2024-W05-3", ""]),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
)
DATETIMES = st.one_of(
    st.sampled_from(["2024-01-31T09:30:00Z", "2024-01-31T09:30:00.123+0100", "2024-01-31"]),
    st.sampled_from(["2024-01-31T09:30", "2024-01-31T25:00Z", "2024-01-31T09:30:00+01:00"]),
    st.sampled_from(["2024-01-31 09:30:00Z", "2024-01-31T09:30:00.1234567Z", "yesterday"]),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
)
THING_ROWS = st.fixed_dictionaries(
    {
        "Name": TEXTS,
        "When__c": DATES,
        "At__c": DATETIMES,
        "Count__c": NUMBERS,
        "Score__c": NUMBERS,
        "Flag__c": BOOLEANS,
        "Size__c": st.sampled_from(["", "S", "M", "m", "XL"]),
    }
)


def _localorg_refuses(record: dict[str, Any]) -> bool:
    values, errors = prepare(THING, record, operation="insert", api="bulk1", exists=lambda *_: True)
    return bool(errors) or required_missing(THING, values) is not None


@given(row=THING_ROWS)
@settings(max_examples=300, deadline=None)
def test_preflight_agrees_with_localorg_validation_on_every_type(row: dict[str, str]) -> None:
    describe = describe_object(THING)
    df = pd.DataFrame([row], dtype=object)
    result = preflight(df, describe)
    record = result.plan.records(df)[0]
    assert (len(result.held_back) == 1) == _localorg_refuses(record), result.held_back.to_dict()
