"""sfclean.exclude against a local org through the real clients (one org for the module).

The org holds an "Allow without Alert" Contact rule (duplicates saved silently), dirty
emails (mixed case, padded, wrapped, with a quote), phones, and more than one
query page of Leads at one domain-less key set.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sfclean
from sfclean.errors import AuthError, ConfigError, InputError
from sfclean.localorg import LocalOrg
from sfclean.localorg.soql.strings import decode_string
from sfclean.stages.lookup import estimate_lookup, in_queries, query_lookup, soql_literal

MANY = 2_300  # Leads whose emails are all in one upload: more than one 2,000-record page

SEED = {
    "org": {"name": "Exclude Test"},
    "matchingRules": [
        {
            "developerName": "Contact_Email",
            "sobjectType": "Contact",
            "ruleStatus": "Active",
            "matchingRuleItems": [{"fieldName": "Email", "matchingMethod": "Exact"}],
        }
    ],
    "duplicateRules": [
        {
            "developerName": "Contact_Silent",
            "sobjectType": "Contact",
            "isActive": True,
            "actionOnInsert": "Allow",
            "actionOnUpdate": "Allow",
            "operationsOnInsert": ["Report"],
            "operationsOnUpdate": [],
            "securityOption": "BypassSharingRules",
            "duplicateRuleMatchRules": [
                {"matchRuleSObjectType": "Contact", "matchingRule": "Contact_Email"}
            ],
        }
    ],
    "records": {
        "Contact": [
            {"LastName": "Lovelace", "Email": "Ada@Example.COM"},
            {"LastName": "OBrien", "Email": "o'brien@example.com"},
            {"LastName": "Padded", "Email": "  padded@example.com "},
            {"LastName": "Wrapped", "Email": "Wrap Ped <wrapped@example.com>"},
            {"LastName": "Dots", "Email": "j.doe@gmail.com"},
            {
                "LastName": "Phone",
                "Email": "",
                "Phone": "(415) 555-0123",
                "MailingCountry": "United States",
            },
            {"LastName": "Twin", "Email": "twin@example.com"},
        ],
        "Lead": [
            {"LastName": "Twin", "Company": "Acme", "Email": "TWIN@example.com"},
            {"LastName": "Uk", "Company": "Acme", "Phone": "020 7946 0958", "Country": "GB"},
            *(
                {"LastName": f"M{i}", "Company": "Acme", "Email": f"many{i}@example.org"}
                for i in range(MANY)
            ),
        ],
    },
}


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg(SEED) as local:
        yield local


@pytest.fixture
def conn(org: LocalOrg) -> Iterator[sfclean.Connection]:
    org.faults.clear()
    connection = sfclean.connect(
        instance_url=org.instance_url, access_token=org.new_token(), ca_bundle=org.ca_bundle
    )
    yield connection
    connection.close()


def _upload(emails: list[str], **columns: list[str]) -> pd.DataFrame:
    data = {"LastName": [f"N{i}" for i in range(len(emails))], "Email": emails, **columns}
    return pd.DataFrame(data, dtype="str")


def _conserved(df: pd.DataFrame, result: sfclean.ExcludeResult) -> None:
    rows = sorted([*result.kept["sfclean_row"], *result.held_back["sfclean_row"]])
    assert rows == [i + 2 for i in range(len(df))]


@pytest.mark.parametrize(
    "value",
    ["plain", "o'brien", "back\\slash", 'quote"d', "new\nline", "tab\there", "\\'", "%_"],
)
def test_soql_literal_round_trips_through_the_org_parser(value: str) -> None:
    literal = soql_literal(value)
    assert literal[0] == literal[-1] == "'"
    assert decode_string(literal[1:-1])[0] == value


def test_in_queries_respect_the_length_limit() -> None:
    keys = [f"person{i}@example.com" for i in range(500)]
    queries = list(in_queries("Lead", keys, max_chars=2_000))
    assert len(queries) > 1
    assert all(len(q) <= 2_000 for q in queries)
    assert sum(q.count("@") for q in queries) == 500


@pytest.mark.parametrize("strategy", ["query", "extract", "auto"])
def test_silently_allowed_duplicates_are_held_back(
    conn: sfclean.Connection, org: LocalOrg, strategy: str
) -> None:
    df = _upload(["ada@example.com", "new@example.com", "twin@example.com", "o'brien@example.com"])
    before = org.api_calls
    result = sfclean.exclude(df, conn, strategy=strategy)
    assert list(result.kept["Email"]) == ["new@example.com"]
    assert list(result.kept["sfclean_row"]) == [3]
    excluded = result.held_back.set_index("sfclean_row")
    assert set(excluded["sfclean_reason"]) == {"exists-in-org"}
    assert excluded.loc[2, "sfclean_matched_object"] == "Contact"
    assert excluded.loc[4, "sfclean_matched_object"] == "Lead;Contact"
    assert excluded.loc[4, "sfclean_matched_id"].startswith("00Q")
    assert excluded.loc[4, "sfclean_detail"].startswith("Lead 00Q")
    assert list(result.updates.columns) == ["Id", "LastName", "Email", "sfclean_row"]
    updates = result.updates.set_index("sfclean_row")
    assert updates.loc[4, "Id"].startswith("00Q")  # Lead first in objects
    assert result.api_calls == org.api_calls - before
    assert result.strategy == ("query" if strategy == "auto" else strategy)
    _conserved(df, result)


def test_the_org_rule_really_lets_the_duplicate_in(conn: sfclean.Connection) -> None:
    saved = conn.call(lambda sf: sf.Contact.create({"LastName": "Again", "Email": "ada@x.org"}))
    again = conn.call(lambda sf: sf.Contact.create({"LastName": "Again", "Email": "ada@x.org"}))
    assert saved["success"] and again["success"]
    result = sfclean.exclude(_upload(["ADA@X.ORG"]), conn)
    assert len(result.held_back) == 1
    assert result.held_back["sfclean_matched_id"].iloc[0].count(";") == 1


def test_dirty_org_emails_only_extract_sees(conn: sfclean.Connection) -> None:
    df = _upload(["padded@example.com", "wrapped@example.com", "ADA@example.com"])
    by_query = sfclean.exclude(df, conn, strategy="query")
    by_extract = sfclean.exclude(df, conn, strategy="extract")
    assert list(by_query.held_back["Email"]) == ["ADA@example.com"]
    assert len(by_extract.held_back) == 3


def test_paging_over_many_matches_costs_one_call_per_2000(
    conn: sfclean.Connection, org: LocalOrg
) -> None:
    emails = [f"MANY{i}@example.org" for i in range(MANY)] + ["fresh@example.org"]
    before = org.api_calls
    result = sfclean.exclude(_upload(emails), conn)
    assert result.strategy == "query"
    assert len(result.held_back) == MANY and list(result.kept["Email"]) == ["fresh@example.org"]
    assert result.matches == MANY
    cost = org.api_calls - before
    assert cost == result.api_calls
    assert cost <= 2 + MANY / 2000


def test_many_short_queries_share_composite_calls(conn: sfclean.Connection) -> None:
    emails = [f"many{i}@example.org" for i in range(600)]
    result = sfclean.exclude(_upload(emails), conn, strategy="query", max_soql_chars=1_000)
    assert len(result.held_back) == 600
    # ~2 x 600 / 35 queries (two objects) -> two Composite calls of 25 subrequests
    assert 2 <= result.api_calls <= 4


def test_phone_matching_uses_extract(conn: sfclean.Connection) -> None:
    df = _upload(
        ["someone@new.example", "other@new.example", "third@new.example"],
        Phone=["+1 415-555-0123", "07946 000000", "020 7946 0958"],
        Country=["US", "GB", "United Kingdom"],
    )
    result = sfclean.exclude(df, conn, match_on=("Email", "Phone"))
    assert result.strategy == "extract"
    assert list(result.held_back["sfclean_row"]) == [2, 4]
    assert list(result.held_back["sfclean_matched_object"]) == ["Contact", "Lead"]


def test_provider_key_matches_gmail_spellings(conn: sfclean.Connection) -> None:
    df = _upload(["jdoe+news@googlemail.com", "j.doe@gmail.com", "jdoe@example.com"])
    plain = sfclean.exclude(df, conn, strategy="query")
    provider = sfclean.exclude(df, conn, match_key="provider")
    assert list(plain.held_back["sfclean_row"]) == [3]
    assert provider.strategy == "extract"
    assert list(provider.held_back["sfclean_row"]) == [2, 3]


def test_nothing_to_look_up_costs_nothing(conn: sfclean.Connection, org: LocalOrg) -> None:
    before = org.api_calls
    result = sfclean.exclude(_upload(["", "not an email"]), conn)
    assert (result.strategy, result.api_calls, org.api_calls - before) == ("none", 0, 0)
    assert len(result.kept) == 2


def test_normalize_output_keeps_its_row_numbers(conn: sfclean.Connection) -> None:
    raw = _upload(["bad", " Ada@example.com ", "new@example.com", "new@example.com"])
    clean = sfclean.normalize(raw).kept
    result = sfclean.exclude(clean, conn)
    assert list(result.held_back["sfclean_row"]) == [3]
    assert list(result.kept["sfclean_row"]) == [4]


def test_an_input_id_column_gives_way_to_the_matched_id(conn: sfclean.Connection) -> None:
    df = _upload(["ada@example.com", "new@example.com"], Id=["", "003000000000000AAA"])
    result = sfclean.exclude(df, conn)
    assert list(result.updates.columns) == ["Id", "LastName", "Email", "sfclean_row"]
    assert result.updates["Id"].iloc[0].startswith("003")
    assert list(result.kept["Id"]) == ["003000000000000AAA"]


def test_keys_longer_than_a_soql_literal_are_skipped(
    conn: sfclean.Connection, org: LocalOrg
) -> None:
    before = org.api_calls
    long_key = "x" * 4_000 + "@example.com"
    matches, skipped = query_lookup(conn, ["Lead"], [long_key, "ada@example.com"])
    assert skipped == [long_key]
    assert matches == []  # ada is a Contact
    assert org.api_calls - before == 1


def test_summary_is_json_ready(conn: sfclean.Connection) -> None:
    import json

    result = sfclean.exclude(_upload(["ada@example.com", "new@example.com"]), conn)
    summary = json.loads(json.dumps(result.summary().to_dict()))
    assert summary["rows_in"] == 2 and summary["rows_held_back"] == 1
    assert summary["strategy"] == "query" and summary["api_calls"] == 2
    assert summary["estimate"]["choice"] == "query"


def test_a_simple_salesforce_object_is_wrapped_once_with_connect(org: LocalOrg) -> None:
    from simple_salesforce import Salesforce

    sf = Salesforce(
        instance_url=org.instance_url,
        session_id=org.new_token(),
        session=org.session(),
        version=org.api_version,
    )
    with pytest.raises(ConfigError, match=r"not Salesforce; wrap it once with sfclean\.connect"):
        sfclean.exclude(_upload(["ada@example.com"]), sf)  # type: ignore[arg-type]
    result = sfclean.exclude(_upload(["ada@example.com"]), sfclean.connect(sf=sf))
    assert len(result.held_back) == 1


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"strategy": "fast"}, ConfigError),
        ({"strategy": "query", "match_on": ("Email", "Phone")}, ConfigError),
        ({"strategy": "query", "match_key": "provider"}, ConfigError),
        ({"match_on": ("Fax",)}, ConfigError),
        ({"objects": ("Lead; DROP",)}, ConfigError),
        ({"email_column": "Mail"}, InputError),
    ],
)
def test_bad_options_are_refused(conn: sfclean.Connection, kwargs: dict, error: type) -> None:
    with pytest.raises(error):
        sfclean.exclude(_upload(["a@example.com"]), conn, **kwargs)


def test_expired_token_is_a_one_line_auth_error(org: LocalOrg) -> None:
    conn = sfclean.connect(
        instance_url=org.instance_url, access_token=org.new_token(), ca_bundle=org.ca_bundle
    )
    org.faults.expire_sessions_after(0)
    try:
        with pytest.raises(AuthError) as info:
            sfclean.exclude(_upload(["ada@example.com"]), conn)
    finally:
        org.faults.clear()
        conn.close()
    message = str(info.value)
    assert "\n" not in message and "ada@" not in message and "expired" in message


def test_estimate_prefers_extract_for_huge_uploads_into_small_orgs() -> None:
    small = estimate_lookup(10_000, {"Lead": 200_000, "Contact": 1_000_000})
    assert small.choice == "query" and small.query is not None and small.query <= 2
    huge = estimate_lookup(2_000_000, {"Lead": 300, "Contact": 300})
    assert huge.choice == "extract" and huge.query is not None and huge.extract < huge.query
    phones = estimate_lookup(10, {"Lead": 3}, match_on=("Email", "Phone"))
    assert (phones.choice, phones.query) == ("extract", None)


_NAMES = ["ann", "bob", "o'hara", "dee", "eve", "fay"]
_EXAMPLES = iter(range(1_000_000))


def _insert(conn: sfclean.Connection, object_name: str, emails: list[str]) -> None:
    extra = {"Company": "Acme"} if object_name == "Lead" else {}
    records = [
        {"attributes": {"type": object_name}, "LastName": "Seed", "Email": e, **extra}
        for e in emails
    ]
    body = {"allOrNone": True, "records": records}
    saved = conn.call(lambda sf: sf.restful("composite/sobjects", method="POST", json=body))
    assert all(item["success"] for item in saved)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    in_org=st.lists(st.sampled_from(["", "Lead", "Contact"]), min_size=6, max_size=6),
    picks=st.lists(st.tuples(st.integers(0, 5), st.booleans()), max_size=10),
    strategy=st.sampled_from(["query", "extract"]),
)
def test_every_row_is_kept_or_excluded_once(
    conn: sfclean.Connection,
    in_org: list[str],
    picks: list[tuple[int, bool]],
    strategy: str,
) -> None:
    domain = f"split{next(_EXAMPLES)}.example.com"  # a fresh split of keys for each example
    emails = [f"{name}@{domain}" for name in _NAMES]
    for object_name in ("Lead", "Contact"):
        chosen = [e for e, where in zip(emails, in_org, strict=True) if where == object_name]
        if chosen:
            _insert(conn, object_name, chosen)
    rows = [emails[i].upper() if shout else emails[i] for i, shout in picks]
    df = _upload(rows)
    result = sfclean.exclude(df, conn, strategy=strategy)
    _conserved(df, result)
    expected = [i + 2 for i, (pick, _) in enumerate(picks) if in_org[pick]]
    assert list(result.held_back["sfclean_row"]) == expected
    objects = [in_org[pick] for pick, _ in picks if in_org[pick]]
    assert list(result.held_back["sfclean_matched_object"]) == objects


def test_per_unique_gives_a_missing_cell_the_empty_texts_result() -> None:
    from sfclean.stages.lookup import per_unique

    got = per_unique(pd.Series(["b", None, "a", float("nan")], dtype=object), lambda v: v + "!")
    assert got.tolist() == ["b!", "!", "a!", "!"]
