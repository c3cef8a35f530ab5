"""Reopening a --db file written by an older localorg: the store adds the tables, columns and
indexes SCHEMA has gained since, and the org keeps working (old records readable, new fields
writable)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import sfclean
from sfclean.localorg.schema import SCHEMA
from sfclean.localorg.server import LocalOrg
from sfclean.localorg.store import Store
from sfclean.localorg.testing import SMALL_SEED

NEW_LEAD_FIELDS = ("Rating", "NumberOfEmployees", "AnnualRevenue")


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in conn.execute(f'PRAGMA table_info("{table}")')}


def _indexes(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    return {str(r[0]) for r in rows}


def _old_table(conn: sqlite3.Connection, name: str, missing: tuple[str, ...]) -> None:
    """``name``'s table as an older schema had it: without the ``missing`` fields."""
    cols = ", ".join(
        f'"{f.name}" {f.sqlite_type}' + (" PRIMARY KEY" if f.name == "Id" else "")
        for f in SCHEMA[name].fields
        if f.name not in missing
    )
    conn.execute(f'CREATE TABLE "{name}" ({cols})')


def test_an_older_store_gains_the_missing_columns_tables_and_indexes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # only Lead and User exist, each lacking fields
        _old_table(conn, "Lead", NEW_LEAD_FIELDS)
        _old_table(conn, "User", ("IsActive",))
        conn.execute(
            'INSERT INTO "Lead" ("Id", "LastName", "Company", "Email") '
            "VALUES ('00Q5g0000000001AAA', 'Old', 'Co', 'old@example.com')"
        )
        conn.execute(
            'INSERT INTO "User" ("Id", "Username") VALUES (\'0055g0000000002AAA\', \'u@x.org\')'
        )
    conn.close()

    store = Store(str(path))
    try:
        for obj in SCHEMA.values():
            assert _columns(store.conn, obj.name) == {f.name for f in obj.fields}, obj.name
        expected = {f"ix_{obj.name}_{name}" for obj in SCHEMA.values() for name in obj.indexed}
        assert expected <= _indexes(store.conn)
        old = store.get("Lead", "00Q5g0000000001AAA")
        assert old is not None
        assert (old["LastName"], old["Rating"], old["AnnualRevenue"]) == ("Old", None, None)
        user = store.get("User", "0055g0000000002AAA", ["IsActive"])
        assert user == {"IsActive": True}  # a checkbox is never empty: its default
        store.insert(
            "Lead",
            [
                {
                    "Id": "00Q5g0000000003AAA",
                    "LastName": "New",
                    "Rating": "Hot",
                    "NumberOfEmployees": 12,
                    "AnnualRevenue": 1.5e6,
                }
            ],
        )
        assert store.get("Lead", "00Q5g0000000003AAA", list(NEW_LEAD_FIELDS)) == {
            "Rating": "Hot",
            "NumberOfEmployees": 12,
            "AnnualRevenue": 1.5e6,
        }
        assert store.count("Contact") == 0
    finally:
        store.close()
    again = Store(str(path))  # a second open changes nothing and does not fail
    try:
        assert _columns(again.conn, "Lead") == {f.name for f in SCHEMA["Lead"].fields}
        assert again.count("Lead") == 2
    finally:
        again.close()


def test_a_table_without_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.db"
    with sqlite3.connect(path) as conn:
        conn.execute('CREATE TABLE "Lead" ("LastName" TEXT)')
    conn.close()
    with pytest.raises(sqlite3.DatabaseError, match="no Id column"):
        Store(str(path))


def test_a_served_org_reopens_an_older_db_file(tmp_path: Path) -> None:
    path = str(tmp_path / "org.db")
    with LocalOrg(SMALL_SEED, db=path):
        pass
    with sqlite3.connect(path) as conn:  # as a localorg from before the fields were added
        for name in NEW_LEAD_FIELDS:
            conn.execute(f'ALTER TABLE "Lead" DROP COLUMN "{name}"')
    conn.close()
    with LocalOrg(db=path) as org:
        conn_sf = sfclean.connect(
            instance_url=org.instance_url, access_token=org.access_token, ca_bundle=org.ca_bundle
        )
        with conn_sf:
            created = conn_sf.call(
                lambda sf: sf.Lead.create(
                    {"LastName": "Hot", "Company": "C", "Rating": "Hot", "NumberOfEmployees": 5}
                )
            )
            rows = list(
                conn_sf.query_all_iter("SELECT LastName, Rating FROM Lead WHERE Rating = 'Hot'")
            )
            seeded = list(conn_sf.query_all_iter("SELECT Email FROM Lead WHERE Rating = null"))
    assert created["success"] is True
    assert [(r["LastName"], r["Rating"]) for r in rows] == [("Hot", "Hot")]
    assert sorted(r["Email"] for r in seeded) == ["emmy@example.com", "marie@example.com"]
