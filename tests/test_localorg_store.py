"""Tests for sfclean.localorg.store: tables, CRUD, value conversion, matching lookups, threads."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.localorg.ids import IdFactory
from sfclean.localorg.schema import SCHEMA
from sfclean.localorg.store import Store


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store()
    yield s
    s.close()


def _lead(ids: IdFactory, email: str | None, **kw: object) -> dict:
    return {
        "Id": ids.new("00Q"),
        "LastName": "Doe",
        "Company": "Acme",
        "Email": email,
        "CreatedById": "005000000000001AAA",
        "OwnerId": "005000000000002AAA",
        **kw,
    }


def test_every_schema_object_has_a_table_with_every_field(store: Store) -> None:
    for obj in SCHEMA.values():
        cols = [r[1] for r in store.conn.execute(f'PRAGMA table_info("{obj.name}")')]
        assert cols == obj.field_names
        assert store.count(obj.name) == 0


def test_indexes_exist_for_indexed_fields(store: Store) -> None:
    names = {r[1] for r in store.conn.execute('PRAGMA index_list("Lead")')}
    assert {"ix_Lead_Email", "ix_Lead_Phone", "ix_Lead_CreatedById"} <= names


def test_insert_get_roundtrip_converts_values(store: Store) -> None:
    ids = IdFactory()
    row = _lead(ids, "a@b.com", HasOptedOutOfEmail=True, IsConverted=False)
    store.insert("lead", [row])
    got = store.get("Lead", row["Id"])
    assert got is not None
    assert got["HasOptedOutOfEmail"] is True
    assert got["IsConverted"] is False
    assert got["Email"] == "a@b.com"
    assert got["Title"] is None
    assert store.get("Lead", row["Id"], ["email", "LASTNAME"]) == {
        "Email": "a@b.com",
        "LastName": "Doe",
    }
    assert store.get("Lead", "00Q000000000000AAA") is None
    cls = {"Id": ids.new("01p"), "Name": "C", "ApiVersion": 61, "CreatedById": None}
    store.insert("ApexClass", [cls])
    version = store.get("ApexClass", cls["Id"], ["ApiVersion"])
    assert version == {"ApiVersion": 61.0}
    assert isinstance(version["ApiVersion"], float)


def test_insert_duplicate_id_inserts_nothing(store: Store) -> None:
    ids = IdFactory()
    a = _lead(ids, "a@b.com")
    with pytest.raises(sqlite3.IntegrityError):
        store.insert("Lead", [a, _lead(ids, "c@d.com"), dict(a)])
    assert store.count("Lead") == 0


def test_update_only_touches_given_columns(store: Store) -> None:
    ids = IdFactory()
    a, b = _lead(ids, "a@b.com"), _lead(ids, "b@b.com")
    store.insert("Lead", [a, b])
    store.update("Lead", [{"Id": a["Id"], "Email": "new@b.com"}, {"id": b["Id"], "Title": "X"}])
    assert store.get("Lead", a["Id"], ["Email", "Title"]) == {"Email": "new@b.com", "Title": None}
    assert store.get("Lead", b["Id"], ["Email", "Title"]) == {"Email": "b@b.com", "Title": "X"}
    with pytest.raises(KeyError):
        store.update("Lead", [{"Email": "x@y.z"}])


def test_delete_counts_existing_records(store: Store) -> None:
    ids = IdFactory()
    rows = [_lead(ids, f"{i}@b.com") for i in range(3)]
    store.insert("Lead", rows)
    assert store.delete("Lead", [rows[0]["Id"], rows[1]["Id"], "00Q000000000000AAA"]) == 2
    assert store.count("Lead") == 1


def test_unknown_object_or_field_raises_keyerror(store: Store) -> None:
    with pytest.raises(KeyError):
        store.count("Opportunity")
    with pytest.raises(KeyError):
        store.insert("Lead", [{"Id": "x", "Foo__c": 1}])


def test_transaction_rolls_back_everything_on_error(store: Store) -> None:
    ids = IdFactory()
    with pytest.raises(RuntimeError), store.transaction():
        store.insert("Lead", [_lead(ids, "a@b.com")])
        with store.transaction():
            store.insert("Lead", [_lead(ids, "b@b.com")])
        raise RuntimeError("boom")
    assert store.count("Lead") == 0


def test_bulk_load_many_rows(store: Store) -> None:
    """Correctness of the fast path; seeding speed is measured in bench/localorg.py."""
    ids = IdFactory()
    loaded = store.bulk_load(
        "Contact",
        (
            {
                "Id": ids.from_counter("003", i + 1),
                "LastName": f"L{i}",
                "Email": f"person{i}@example.com",
                "HasOptedOutOfEmail": i % 2 == 0,
            }
            for i in range(20_000)
        ),
    )
    assert loaded == store.count("Contact") == 20_000
    last = store.get("Contact", ids.from_counter("003", 20_000), ["Email", "HasOptedOutOfEmail"])
    assert last == {"Email": "person19999@example.com", "HasOptedOutOfEmail": False}
    found = store.find_equal_ci("Contact", "Email", ["PERSON5@example.com", "nobody@example.com"])
    assert list(found) == ["person5@example.com"]


def test_get_many_and_select(store: Store) -> None:
    ids = IdFactory()
    rows = [_lead(ids, f"{i}@b.com") for i in range(5)]
    store.insert("Lead", rows)
    got = store.get_many("Lead", [r["Id"] for r in rows[:3]] + ["00Q000000000000AAA"], ["Email"])
    assert {k: v["Email"] for k, v in got.items()} == {r["Id"]: r["Email"] for r in rows[:3]}
    sel = store.select("Lead", ["Email"], where='"Email" = ?', params=["3@B.COM"])
    assert sel == [{"Email": "3@b.com"}]


# --- find_equal_ci ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "probe", "prefix_len", "matches"),
    [
        ("Jane.Doe@Example.com", "jane.doe@example.COM", None, True),
        ("jane@example.com", "jane@example.co", None, False),
        ("jane@example.com", "jane@example.com ", None, False),
        ("a" * 99 + "X@x.com", "A" * 99 + "Y@y.org", 99, True),
        ("a" * 98 + "X@x.com", "A" * 98 + "Y@y.org", 99, False),
        ("a" * 99 + "X@x.com", "A" * 99 + "Y@y.org", None, False),
        ("short@x.com", "SHORT@X.COM", 99, True),
        ("short@x.com", "short@x.co", 99, False),
    ],
)
def test_find_equal_ci_semantics(
    store: Store, stored: str, probe: str, prefix_len: int | None, matches: bool
) -> None:
    ids = IdFactory()
    # User.Email is 128 long, so 99-character prefixes are meaningful there.
    user = {"Id": ids.new("005"), "Username": "u@x", "LastName": "U", "Email": stored}
    store.insert("User", [user])
    found = store.find_equal_ci("User", "Email", [probe], prefix_len=prefix_len)
    key = probe.lower()[:prefix_len] if prefix_len else probe.lower()
    if matches:
        assert list(found) == [key]
        assert [r["Id"] for r in found[key]] == [user["Id"]]
        assert found[key][0]["Email"] == stored
    else:
        assert found == {}


def test_find_equal_ci_blanks_never_match(store: Store) -> None:
    ids = IdFactory()
    store.insert("Lead", [_lead(ids, None), _lead(ids, ""), _lead(ids, " ")])
    assert store.find_equal_ci("Lead", "Email", ["", " ", "  "]) == {}
    assert store.find_equal_ci("Lead", "Email", ["", " "], prefix_len=99) == {}


def test_find_equal_ci_row_shape_where_and_grouping(store: Store) -> None:
    ids = IdFactory()
    a = _lead(ids, "x@y.com", Title="T1")
    b = _lead(ids, "X@Y.COM", Title="T2", OwnerId="005000000000009AAA")
    c = _lead(ids, "z@y.com")
    store.insert("Lead", [a, b, c])
    found = store.find_equal_ci("Lead", "Email", ["x@Y.com", "Z@y.com"], extra_fields=["Title"])
    assert sorted(found) == ["x@y.com", "z@y.com"]
    assert sorted(r["Id"] for r in found["x@y.com"]) == sorted([a["Id"], b["Id"]])
    assert set(found["z@y.com"][0]) == {"Id", "CreatedById", "OwnerId", "Email", "Title"}
    only_b = store.find_equal_ci(
        "Lead", "Email", ["x@y.com"], where='"OwnerId" = ?', params=["005000000000009AAA"]
    )
    assert [r["Id"] for r in only_b["x@y.com"]] == [b["Id"]]
    # objects without OwnerId return Id, CreatedById and the field
    store.insert("Profile", [{"Id": ids.new("00e"), "Name": "Admin"}])
    prof = store.find_equal_ci("Profile", "Name", ["admin"])
    assert set(prof["admin"][0]) == {"Id", "CreatedById", "Name"}


def test_find_equal_ci_many_values_chunks(store: Store) -> None:
    ids = IdFactory()
    store.bulk_load("Lead", (_lead(ids, f"u{i}@x.com") for i in range(3000)))
    probes = [f"U{i}@X.COM" for i in range(0, 6000, 2)]
    found = store.find_equal_ci("Lead", "Email", probes, prefix_len=99)
    assert len(found) == 1500
    assert all(len(v) == 1 for v in found.values())


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="abcXYZ.@-_", min_size=1, max_size=20), st.booleans())
def test_find_equal_ci_matches_lowercase_comparison(email: str, upper: bool) -> None:
    s = Store()
    ids = IdFactory()
    s.insert("Lead", [_lead(ids, email)])
    probe = email.upper() if upper else email.lower()
    found = s.find_equal_ci("Lead", "Email", [probe])
    if email.strip():
        assert list(found) == [email.lower()]
    else:
        assert found == {}
    s.close()


def test_threads_insert_concurrently(store: Store) -> None:
    ids = IdFactory()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                store.insert("Lead", [_lead(ids, f"t{n}-{i}@x.com")])
                store.find_equal_ci("Lead", "Email", [f"t{n}-{i}@x.com"])
                assert store.count("Lead") >= 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count("Lead") == 400


def test_file_backed_store_persists(tmp_path) -> None:
    path = str(tmp_path / "org.db")
    ids = IdFactory()
    s = Store(path)
    row = _lead(ids, "keep@x.com")
    s.insert("Lead", [row])
    s.close()
    s2 = Store(path)
    assert s2.get("Lead", row["Id"], ["Email"]) == {"Email": "keep@x.com"}
    s2.close()


def test_transaction_inside_a_callers_savepoint(store: Store) -> None:
    ids = IdFactory()
    with store.lock:
        store.conn.execute("SAVEPOINT outer_sp")
        with store.transaction():
            store.insert("Lead", [_lead(ids, "a@b.com")])
        with pytest.raises(RuntimeError), store.transaction():
            store.insert("Lead", [_lead(ids, "b@b.com")])
            raise RuntimeError("inner fails")
        assert store.count("Lead") == 1
        store.conn.execute("ROLLBACK TO outer_sp")
        store.conn.execute("RELEASE outer_sp")
    assert store.count("Lead") == 0
    assert not store.conn.in_transaction


def test_max_id_counter_lets_a_reopened_file_continue(tmp_path) -> None:
    path = str(tmp_path / "org.db")
    s = Store(path)
    assert s.max_id_counter("5g") == 0
    ids = IdFactory(start=3843)  # crosses a base-62 digit boundary (62**2 - 1 = 3843)
    s.insert("Lead", [_lead(ids, "a@b.com"), _lead(ids, "c@d.com")])
    s.insert("Account", [{"Id": ids.new("001"), "Name": "A"}])
    s.insert("Account", [{"Id": IdFactory(pod="zz", start=99999).new("001"), "Name": "B"}])
    s.close()
    s2 = Store(path)
    assert s2.max_id_counter("5g") == 3845
    assert s2.max_id_counter("zz") == 99999
    fresh = IdFactory(start=s2.max_id_counter("5g") + 1)
    s2.insert("Lead", [_lead(fresh, "e@f.com")])
    assert s2.count("Lead") == 3
    s2.close()
