"""jsforce 3 (npm) against localorg, unmodified, on an access-token connection.

Node scripts run in a subprocess (``tests/nodeclients.py``); they skip locally without node
or the npm packages and fail under CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from nodeclients import run_jsforce

from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg(SMALL_SEED) as started:
        yield started


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jsforce-home")


def test_identity_on_a_token_connection(org: LocalOrg, home: Path) -> None:
    """jsforce reads ``identity`` from the resources list, then the identity document."""
    result = run_jsforce(org, home, "result = await conn.identity();")
    assert result["id"] == f"{org.instance_url}/id/{org.org_id}/{org.user_id}"
    assert (result["user_id"], result["organization_id"]) == (org.user_id, org.org_id)
    assert result["username"] == "admin@localorg.example.com"
    assert result["nick_name"] and result["display_name"]
    assert result["urls"]["rest"] == f"{org.instance_url}/services/data/v{{version}}/"


def test_query_aggregate_and_child_subquery(org: LocalOrg, home: Path) -> None:
    result = run_jsforce(
        org,
        home,
        """
        const acc = await conn.sobject('Account').create({Name: 'Js Co'});
        await conn.sobject('Contact').create({LastName: 'Kid', AccountId: acc.id});
        const groups = await conn.query(
          'SELECT Email, COUNT(Id) FROM Contact GROUP BY Email HAVING COUNT(Id) > 1');
        const tree = await conn.query(
          "SELECT Name, (SELECT LastName FROM Contacts) FROM Account WHERE Name = 'Js Co'");
        result = {groups: groups.totalSize,
                  kids: tree.records[0].Contacts.records.map((r) => r.LastName)};
        """,
    )
    assert result == {"groups": 0, "kids": ["Kid"]}


def test_upsert_retrieve_and_delete(org: LocalOrg, home: Path) -> None:
    result = run_jsforce(
        org,
        home,
        """
        const c = conn.sobject('Contact');
        const first = await c.upsert({LastName: 'Js', Email: 'js@example.com'}, 'Email');
        const second = await c.upsert({LastName: 'Js2', Email: 'js@example.com'}, 'Email');
        const many = await c.retrieve([first.id], {fields: ['LastName']});
        const removed = await c.destroy(first.id);
        const all = await conn.query(
          "SELECT Id, IsDeleted FROM Contact WHERE Email = 'js@example.com'", {scanAll: true});
        let unknown;
        try { await c.upsert({LastName: 'X', Namez: 'x'}, 'Namez'); }
        catch (e) { unknown = e.errorCode; }
        result = {first: [first.success, first.created], second: [second.success, second.created],
                  name: many[0].LastName, removed: removed.success,
                  deleted: all.records.map((r) => r.IsDeleted), unknown};
        """,
    )
    assert result == {
        "first": [True, True],
        "second": [True, False],
        "name": "Js2",
        "removed": True,
        "deleted": [True],
        "unknown": "NOT_FOUND",
    }


def test_describe_and_limits(org: LocalOrg, home: Path) -> None:
    result = run_jsforce(
        org,
        home,
        """
        const d = await conn.sobject('Lead').describe();
        const limits = await conn.limits();
        const updated = await conn.sobject('Lead').updated(
          new Date(Date.now() - 3600e3).toISOString(), new Date(Date.now() + 3600e3).toISOString());
        result = {id: d.fields.find((f) => f.name === 'Id').length,
                  api: typeof limits.DailyApiRequests.Max, updated: Array.isArray(updated.ids)};
        """,
    )
    assert result == {"id": 18, "api": "number", "updated": True}
