"""The scan engine (sfclean.scanning): keys, clusters, survivors, attribution, plans."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfclean.errors import ColumnNotFoundError, ConfigError
from sfclean.scanning.attribution import burst_runs
from sfclean.scanning.cluster import cluster_id
from sfclean.scanning.engine import CLUSTER_COLUMNS, cluster_records
from sfclean.scanning.keys import email_keys, phone_keys
from sfclean.stages.lookup import clean_phone_keys, email_key

REP = ("005000000000101AAA", "rep1@corp.example", "Standard", "Sales User")
SYNC = ("005000000000801AAA", "marketo.sync@corp.example", "Standard", "Integration User")
MIGRATION = ("005000000000900AAA", "migration@corp.example", "Standard", "System Administrator")
PREFIX = {"Contact": "003", "Lead": "00Q"}


def rec(object_name: str, n: int, email: str = "", created: str = "2024-01-01T10:00:00", **kw):
    """One extracted record with an 18-character Id of the object's prefix."""
    creator = kw.pop("creator", REP)
    row = {
        "object": object_name,
        "Id": f"{PREFIX[object_name]}5g00000{n:05d}AAA",
        "Email": email,
        "Phone": "",
        "MobilePhone": "",
        "CreatedById": creator[0],
        "created_by": creator[1],
        "user_type": creator[2],
        "profile": creator[3],
        "CreatedDate": created + ".000+0000",
        "AccountId": "0015g0000000001AAA" if object_name == "Contact" else "",
        "IsConverted": "false" if object_name == "Lead" else "",
        "MasterRecordId": "",
        "IsDeleted": "false",
    }
    row.update(kw)
    return row


def scan(rows, **options):
    return cluster_records(pd.DataFrame(rows), **options)


def groups(tables) -> set[frozenset[str]]:
    return {frozenset(g["Id"]) for _, g in tables.clusters.groupby("cluster")}


def test_lead_and_contact_meet_through_dirty_stored_emails():
    rows = [
        rec("Lead", 1, " Ann.Lee@Example.COM ", "2023-01-01T09:00:00"),
        rec("Contact", 2, '"Ann Lee" <ann.lee@example.com>', "2024-01-01T09:00:00"),
        rec("Contact", 3, "ann.lee@example.com", "2024-06-01T09:00:00"),
        rec("Contact", 4, "someone.else@example.com"),
    ]
    tables = scan(rows)
    assert list(tables.clusters.columns) == CLUSTER_COLUMNS
    assert groups(tables) == {frozenset(r["Id"] for r in rows[:3])}
    table = tables.clusters
    assert set(table["match"]) == {"email"}
    # the oldest Contact survives, though the Lead is older; survivor listed first
    assert table.loc[0, "Id"] == rows[1]["Id"] and table.loc[0, "survivor"]
    assert table["survivor"].sum() == 1
    assert table.loc[table["Id"] == rows[0]["Id"], "Email"].item() == " Ann.Lee@Example.COM "
    assert table["cluster"].iloc[0] == cluster_id(min(r["Id"] for r in rows[:3]))
    assert tables.counts["clusters"] == 1 and tables.counts["duplicates"] == 2


def test_transitive_cluster_through_a_phone_only_with_match_phone():
    rows = [
        rec("Lead", 1, "ann@acme.com", Country="USA"),
        rec("Contact", 2, "ANN@acme.com", Phone="(212) 736-5000", MailingCountry="US"),
        rec("Contact", 3, "a.lee@home.example", MobilePhone="+1 212-736-5000"),
        rec("Contact", 4, "bob@acme.com", Phone="212 736 5001"),
    ]
    assert groups(scan(rows)) == {frozenset({rows[0]["Id"], rows[1]["Id"]})}
    tables = scan(rows, match_phone=True)
    assert groups(tables) == {frozenset(r["Id"] for r in rows[:3])}
    match = dict(zip(tables.clusters["Id"], tables.clusters["match"], strict=True))
    assert match == {rows[0]["Id"]: "email", rows[1]["Id"]: "email+phone", rows[2]["Id"]: "phone"}


def test_phones_are_read_in_the_objects_own_country_field():
    rows = [
        rec("Contact", 1, "x1@a.example", Phone="030 1234567", MailingCountry="Deutschland"),
        rec("Lead", 2, "x2@a.example", Phone="+49 30 1234567", Country="Germany"),
        # a Lead's MailingCountry is not its country: read in the default region (US)
        rec("Lead", 3, "x3@a.example", Phone="030 1234567", MailingCountry="Germany"),
        rec("Contact", 4, "x4@a.example", Phone="030 1234567", Country="Germany"),
    ]
    tables = scan(rows, match_phone=True)
    assert groups(tables) == {frozenset({rows[0]["Id"], rows[1]["Id"]})}
    # with Germany as the default region the other two read as the same Berlin number
    assert groups(scan(rows, match_phone=True, default_region="DE")) == {
        frozenset(r["Id"] for r in rows)
    }


def test_provider_key_joins_gmail_spellings_only_when_asked():
    rows = [
        rec("Contact", 1, "ann.lee@gmail.com"),
        rec("Lead", 2, "AnnLee+webinar@googlemail.com"),
        rec("Lead", 3, "ann.lee@gmail.com"),
    ]
    assert groups(scan(rows)) == {frozenset({rows[0]["Id"], rows[2]["Id"]})}
    tables = scan(rows, match_key="provider")
    assert groups(tables) == {frozenset(r["Id"] for r in rows)}
    match = dict(zip(tables.clusters["Id"], tables.clusters["match"], strict=True))
    assert match[rows[1]["Id"]] == "provider"
    assert match[rows[0]["Id"]] == "email+provider"
    with pytest.raises(ConfigError, match="match_key"):
        scan(rows, match_key="fuzzy")
    with pytest.raises(ConfigError, match="burst_seconds"):
        scan(rows, burst_seconds=-1)


def test_converted_leads_merge_victims_and_deleted_records_are_left_out():
    contact = rec("Contact", 1, "ann@acme.com")
    rows = [
        contact,
        rec("Lead", 2, "ANN@acme.com", IsConverted="true", ConvertedContactId=contact["Id"]),
        rec("Contact", 3, " ann@acme.com", MasterRecordId=contact["Id"], IsDeleted="true"),
        rec("Contact", 4, "ann@acme.com", IsDeleted=" TRUE "),
        rec("Lead", 5, "<ann@acme.com>", IsConverted="1"),
    ]
    tables = scan(rows)
    assert tables.clusters.empty and tables.merge_plan.empty and tables.convert_plan.empty
    assert tables.counts["excluded"] == {"merged": 1, "deleted": 1, "converted": 2}
    assert tables.counts["eligible"] == 1 and tables.counts["records"] == 5
    rows.append(rec("Lead", 6, "ann@acme.com"))
    assert groups(scan(rows)) == {frozenset({contact["Id"], rows[-1]["Id"]})}


def test_flags_as_bools_and_missing_cells():
    frame = pd.DataFrame(
        [rec("Lead", 1, "z@acme.com"), rec("Lead", 2, "z@acme.com"), rec("Lead", 3, "z@acme.com")]
    )
    frame["IsDeleted"] = [False, True, False]
    frame["MasterRecordId"] = [None, None, np.nan]
    frame.loc[2, "Email"] = None
    frame = frame.drop(columns=["IsConverted", "Phone"])
    tables = cluster_records(frame, match_phone=True)
    assert tables.counts["excluded"]["deleted"] == 1
    assert tables.clusters.empty  # record 3 has no email, record 2 is deleted


def test_survivor_is_the_oldest_contact_else_the_oldest_lead_ties_by_id():
    leads_only = [
        rec("Lead", 7, "q@acme.com", "2024-05-01T00:00:00"),
        rec("Lead", 3, "Q@acme.com", "2024-05-01T00:00:00"),
        rec("Lead", 1, "q@acme.com", "2024-06-01T00:00:00"),
    ]
    table = scan(leads_only).clusters
    assert table.loc[table["survivor"], "Id"].item() == leads_only[1]["Id"]
    mixed = [
        *leads_only,
        rec("Contact", 9, "q@acme.com", "2025-01-01T00:00:00"),
        rec("Contact", 8, "q@acme.com", "not a date"),
    ]
    table = scan(mixed).clusters
    assert table.loc[table["survivor"], "Id"].item() == mixed[3]["Id"]


def test_merge_plan_chains_rows_of_two_and_leads_with_a_contact_are_converted():
    contacts = [rec("Contact", i, "big@acme.com", f"2024-01-0{i}T00:00:00") for i in range(1, 7)]
    leads = [rec("Lead", 10 + i, "big@acme.com", f"2023-01-0{i}T00:00:00") for i in range(1, 3)]
    tables = scan([*contacts, *leads])
    plan = tables.merge_plan
    assert list(plan.columns) == ["object", "master_id", "duplicate_ids", "cluster"]
    assert set(plan["object"]) == {"Contact"} and set(plan["master_id"]) == {contacts[0]["Id"]}
    assert [len(d.split(";")) for d in plan["duplicate_ids"]] == [2, 2, 1]
    assert ";".join(plan["duplicate_ids"]).split(";") == [c["Id"] for c in contacts[1:]]
    convert = tables.convert_plan
    assert list(convert["lead_id"]) == [lead["Id"] for lead in leads]
    assert set(convert["contact_id"]) == {contacts[0]["Id"]}
    assert set(convert["account_id"]) == {"0015g0000000001AAA"}
    # a cluster of Leads only is merged, master the oldest Lead
    only_leads = scan(leads)
    assert only_leads.convert_plan.empty
    assert only_leads.merge_plan.to_dict("records")[0] == {
        "object": "Lead",
        "master_id": leads[0]["Id"],
        "duplicate_ids": leads[1]["Id"],
        "cluster": cluster_id(leads[0]["Id"]),
    }


def test_bursts_from_one_integration_user():
    rows = [rec("Contact", 100 + i, f"p{i}@acme.com", "2023-01-01T00:00:00") for i in range(8)]
    times = ["10:00:00", "10:00:10", "10:00:20", "10:00:30", "10:00:40", "10:10:00"]
    times += ["11:00:00", "11:00:30"]
    for i, t in enumerate(times):
        rows.append(rec("Lead", 200 + i, f"P{i}@acme.com", f"2025-03-01T{t}", creator=SYNC))
    rows.append(rec("Lead", 300, "p0@acme.com", "2024-01-01T00:00:00", creator=REP))
    tables = scan(rows)
    table = tables.by_creator
    assert list(table.columns[:6]) == [
        "created_by",
        "user_type",
        "duplicates",
        "first",
        "last",
        "bursts",
    ]
    sync = table[table["created_by"] == SYNC[1]].iloc[0]
    assert (sync["duplicates"], sync["bursts"], sync["in_bursts"]) == (8, 2, 7)
    assert sync["first"] == pd.Timestamp("2025-03-01T10:00:00Z")
    assert sync["last"] == pd.Timestamp("2025-03-01T11:00:30Z")
    rep = table[table["created_by"] == REP[1]].iloc[0]
    assert (rep["duplicates"], rep["bursts"]) == (1, 0)  # the 8 incumbents are not counted
    assert table.iloc[0]["created_by"] == SYNC[1]
    tight = scan(rows, burst_seconds=5).by_creator
    assert tight.loc[tight["created_by"] == SYNC[1], "bursts"].item() == 0


def test_burst_runs_follow_the_definition():
    creators = np.array(["a", "a", "a", "b", "b", "a"], dtype=object)
    seconds = np.array([0.0, 60.0, 200.0, 201.0, np.nan, 202.0])
    assert burst_runs(creators, seconds, 60).tolist() == [0, 0, 1, 2, 3, 4]


def test_set_audit_fields_creators_are_claimed():
    rows = [
        rec("Contact", 1, "m@acme.com", "2020-01-01T00:00:00"),
        rec("Contact", 2, "m@acme.com", "2021-01-01T00:00:00", creator=MIGRATION),
        rec("Lead", 3, "m@acme.com", "2022-01-01T00:00:00", creator=SYNC),
    ]
    table = scan(rows, audit_field_users={MIGRATION[0]}).by_creator.set_index("created_by")
    assert table.loc[MIGRATION[1], "attribution"] == "claimed"
    assert table.loc[SYNC[1], "attribution"] == "recorded"
    assert REP[1] not in table.index


def test_incremental_new_clusters():
    rows = [
        rec("Contact", 1, "old@acme.com"),
        rec("Lead", 2, "old@acme.com"),
        rec("Contact", 3, "new@acme.com"),
        rec("Lead", 4, "NEW@acme.com"),
    ]
    tables = scan(rows, new={rows[3]["Id"]})
    flags = tables.clusters.groupby("cluster")["is_new"].first()
    assert sorted(flags.tolist()) == [False, True]
    assert tables.counts["clusters"] == 2 and tables.counts["new_clusters"] == 1
    only = scan(rows, new={rows[3]["Id"]}, only_new=True)
    assert set(only.clusters["Id"]) == {rows[2]["Id"], rows[3]["Id"]}
    assert set(only.convert_plan["lead_id"]) == {rows[3]["Id"]}
    marked = pd.DataFrame(rows).assign(modified=["false", "false", "false", "true"])
    assert cluster_records(marked, new="modified").counts["new_clusters"] == 1
    assert scan(rows).counts["new_clusters"] == 2  # no watermark: every record is new
    with pytest.raises(ColumnNotFoundError, match="modifed"):
        cluster_records(marked, new="modifed")


def test_missing_required_columns_say_what_to_extract():
    with pytest.raises(ColumnNotFoundError, match="CreatedDate"):
        cluster_records(pd.DataFrame({"object": ["Lead"], "Id": ["00Q5g0000000001AAA"]}))


def test_repeated_ids_are_counted_once():
    row = rec("Lead", 1, "r@acme.com")
    tables = scan([row, row, rec("Contact", 2, "r@acme.com")])
    assert tables.counts["repeated_ids"] == 1 and len(tables.clusters) == 2


# --- properties ---------------------------------------------------------------------------

LOCALS = ["ann", "bob", "cy", "dee", "ed"]
SPELLINGS = [
    lambda a: a,
    lambda a: a.upper(),
    lambda a: f"  {a} ",
    lambda a: f'"X Y" <{a}>',
    lambda a: "",
    lambda a: "not-an-email",
]
PHONES = ["", "(212) 736-5000", "+1 212 736 5000", "212-736-5001", "1 212 736 5002", "n/a"]


@st.composite
def record_sets(draw):
    count = draw(st.integers(1, 14))
    rows = []
    for n in range(count):
        local = draw(st.sampled_from(LOCALS))
        spelling = draw(st.sampled_from(SPELLINGS))
        rows.append(
            rec(
                draw(st.sampled_from(["Lead", "Contact"])),
                n,
                spelling(f"{local}@acme.com"),
                f"2024-01-{draw(st.integers(1, 3)):02d}T00:00:00",
                Phone=draw(st.sampled_from(PHONES)),
                IsDeleted=draw(st.sampled_from(["false", "false", "false", "true"])),
            )
        )
    return rows


def _components(rows, match_phone):
    """The oracle: clusters by repeated merging of key-sharing groups (no graph library)."""
    live = [r for r in rows if r["IsDeleted"] != "true"]
    ids = [r["Id"] for r in live]
    parent = {i: i for i in ids}

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    by_key: dict[str, list[str]] = {}
    for r in live:
        keys = [("e", email_key(r["Email"]))]
        if match_phone:
            regions = np.array(["US"], dtype=object)
            keys.append(("p", clean_phone_keys([r["Phone"]], regions)[0]))
        for kind, key in keys:
            if key:
                by_key.setdefault(f"{kind}:{key}", []).append(r["Id"])
    for members in by_key.values():
        for other in members[1:]:
            parent[find(other)] = find(members[0])
    found: dict[str, set[str]] = {}
    for i in ids:
        found.setdefault(find(i), set()).add(i)
    return {frozenset(g) for g in found.values() if len(g) >= 2}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=record_sets(), match_phone=st.booleans(), seed=st.integers(0, 2**16))
def test_clusters_are_the_key_components_and_stable_under_row_order(rows, match_phone, seed):
    tables = scan(rows, match_phone=match_phone)
    assert groups(tables) == _components(rows, match_phone)
    order = np.random.default_rng(seed).permutation(len(rows))
    shuffled = scan([rows[i] for i in order], match_phone=match_phone)
    for name in ("clusters", "by_creator", "merge_plan", "convert_plan"):
        pd.testing.assert_frame_equal(getattr(tables, name), getattr(shuffled, name))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=record_sets(), match_phone=st.booleans())
def test_conservation(rows, match_phone):
    tables = scan(rows, match_phone=match_phone)
    table = tables.clusters
    deleted = {r["Id"] for r in rows if r["IsDeleted"] == "true"}
    assert not set(table["Id"]) & deleted
    assert table["Id"].is_unique  # each record in at most one cluster
    per_cluster = table.groupby("cluster")
    assert (per_cluster.size() >= 2).all()
    assert (per_cluster["survivor"].sum() == 1).all()
    for cluster, members in per_cluster:
        assert cluster == cluster_id(min(members["Id"]))
    assert (table["match"] != "").all()
    plan = tables.merge_plan
    duplicates = [d for ids in plan["duplicate_ids"] for d in ids.split(";")]
    assert all(1 <= len(ids.split(";")) <= 2 for ids in plan["duplicate_ids"])
    handled = duplicates + list(tables.convert_plan["lead_id"])
    survivors = set(table.loc[table["survivor"], "Id"])
    assert sorted(handled) == sorted(set(table["Id"]) - survivors)  # each exactly once
    object_of = dict(zip(table["Id"], table["object"], strict=True))
    for row in plan.itertuples():
        assert {object_of[d] for d in row.duplicate_ids.split(";")} == {row.object}
        assert object_of[row.master_id] == row.object and row.master_id not in duplicates
    assert tables.counts["duplicates"] == len(table) - table["cluster"].nunique()
    assert tables.by_creator["duplicates"].sum() == tables.counts["duplicates"]


DIRTY = st.lists(
    st.sampled_from([*'aB.@+<>" -_é1x', "\u00a0", "\u200b", "mailto:", "acme.com", "Ann"]),
    max_size=12,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(DIRTY, st.sampled_from(["Ann@Ex.COM", " a@b.co "])), max_size=12))
def test_email_keys_equal_lookups_email_key(values):
    assert email_keys(np.array(values, dtype=object)).tolist() == [email_key(v) for v in values]


PHONE_TEXT = st.lists(st.sampled_from([*"0123456789 +-().x", "ext", "00", "212"]), max_size=16).map(
    "".join
)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(PHONE_TEXT, st.sampled_from(PHONES)), max_size=10),
    regions=st.lists(st.sampled_from(["US", "GB", "DE"]), min_size=10, max_size=10),
)
def test_phone_keys_equal_lookups_clean_phone_keys(values, regions):
    region = np.array(regions[: len(values)], dtype=object)
    values_array = np.array(values, dtype=object)
    expected = clean_phone_keys(values_array, region).tolist() if values else []
    assert phone_keys(values_array, region).tolist() == expected


def test_keys_are_the_same_when_cleaned_in_chunks(monkeypatch):
    import sfclean.scanning.keys as scan_keys

    emails = np.array([f" User{i % 7}@Example.COM" for i in range(20)] + ["bad", ""], dtype=object)
    phones = np.array([f"(212) 736-50{i % 9:02d}" for i in range(20)] + ["n/a", ""], dtype=object)
    regions = np.full(len(phones), "US", dtype=object)
    whole = email_keys(emails).tolist(), phone_keys(phones, regions).tolist()
    monkeypatch.setattr(scan_keys, "CHUNK", 3)
    assert (email_keys(emails).tolist(), phone_keys(phones, regions).tolist()) == whole
    assert whole[0][0] == "user0@example.com" and whole[1][0] == "+12127365000"
    assert whole[0][-2:] == ["", ""] and whole[1][-2:] == ["", ""]


def test_shared_role_mailboxes_link_no_records_unless_the_junk_policy_is_off():
    rows = [
        rec("Contact", 1, "info@acme.example", "2023-01-01T09:00:00", Phone="+14155550100"),
        rec("Contact", 2, "INFO@acme.example", "2023-02-01T09:00:00"),
        rec("Lead", 3, "info@acme.example", "2023-03-01T09:00:00", Phone="(415) 555-0100"),
        rec("Contact", 4, "noreply@acme.example"),
        rec("Contact", 5, "noreply@acme.example"),
        rec("Contact", 6, "ann@acme.example"),
        rec("Lead", 7, "Ann@acme.example"),
    ]
    tables = scan(rows)
    assert groups(tables) == {frozenset({rows[5]["Id"], rows[6]["Id"]})}
    assert tables.counts["junk_emails"] == 5
    # the role mailbox still links by phone
    by_phone = scan(rows, match_phone=True)
    assert frozenset({rows[0]["Id"], rows[2]["Id"]}) in groups(by_phone)
    # junk=None: the shared inboxes are keys again
    everything = scan(rows, junk=None)
    assert len(groups(everything)) == 3
    assert everything.counts["junk_emails"] == 0
