"""The Salesforce CLI (``sf``, npm @salesforce/cli) against localorg, unmodified.

One org and one logged-in CLI per module (each ``sf`` call costs one to three seconds).
Without node or the npm packages the tests skip locally and fail under CI=true
(see ``tests/nodeclients.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from nodeclients import SfCli

from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED, salesforce_client


@pytest.fixture(scope="module")
def org() -> Iterator[LocalOrg]:
    with LocalOrg(SMALL_SEED) as started:
        yield started


@pytest.fixture(scope="module")
def sf_cli(org: LocalOrg, tmp_path_factory: pytest.TempPathFactory) -> SfCli:
    return SfCli(org, tmp_path_factory.mktemp("sf-home"))


def _queries(org: LocalOrg) -> list[tuple[str, dict[str, list[str]], int | None]]:
    return [
        (r.path, parse_qs(r.query), r.status)
        for r in org.requests
        if r.path.endswith(("/query", "/queryAll"))
    ]


def test_login_runs_the_cli_organization_lookup(org: LocalOrg, sf_cli: SfCli) -> None:
    """The CLI's determineOrg query (Name, InstanceName, IsSandbox, TrialExpirationDate,
    NamespacePrefix, OrganizationType FROM Organization) must succeed."""
    display = sf_cli.run("org", "display", "--target-org", "localorg")
    assert display["status"] == 0
    assert display["result"]["connectedStatus"] == "Connected"
    assert display["result"]["id"] == org.org_id
    lookups = [
        status
        for _, args, status in _queries(org)
        if "FROM Organization" in args.get("q", [""])[0]
        and "TrialExpirationDate" in args.get("q", [""])[0]
    ]
    assert lookups and set(lookups) == {200}


def test_data_query_json(org: LocalOrg, sf_cli: SfCli) -> None:
    out = sf_cli.run(
        "data", "query", "--target-org", "localorg",
        "--query", "SELECT Id, Email, Account.Name FROM Contact ORDER BY Email",
    )  # fmt: skip
    assert out["status"] == 0
    records = out["result"]["records"]
    assert [r["Email"] for r in records] == [
        "ada@example.com",
        "alan@example.com",
        "grace@example.com",
    ]
    assert out["result"]["totalSize"] == 3 and out["result"]["done"] is True


def test_data_query_table_lays_out_columns_from_column_metadata(
    org: LocalOrg, sf_cli: SfCli
) -> None:
    """Human output needs ``columns=true``: relationship paths and aggregates as headers."""
    org.clear_requests()
    table = sf_cli.run(
        "data", "query", "--target-org", "localorg",
        "--query", "SELECT Email, COUNT(Id) n FROM Contact GROUP BY Email ORDER BY Email",
        json_output=False,
    )  # fmt: skip
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in table.splitlines()]
    rows = [r for r in rows if r]
    assert rows[0] == ["EMAIL", "N"]
    assert rows[1:] == [
        ["ada@example.com", "1"],
        ["alan@example.com", "1"],
        ["grace@example.com", "1"],
    ]
    assert "Total number of records retrieved: 3." in table
    column_calls = [s for _, args, s in _queries(org) if args.get("columns") == ["true"]]
    assert column_calls == [200]


def test_data_query_all_rows_sees_deleted_records(org: LocalOrg, sf_cli: SfCli) -> None:
    sf = salesforce_client(org)
    record_id = sf.Contact.create({"LastName": "Gone", "Email": "gone@example.com"})["id"]
    sf.Contact.delete(record_id)
    soql = "SELECT Id, IsDeleted FROM Contact WHERE Email = 'gone@example.com'"
    live = sf_cli.run("data", "query", "--target-org", "localorg", "--query", soql)
    assert live["result"]["totalSize"] == 0
    every = sf_cli.run("data", "query", "--target-org", "localorg", "--query", soql, "--all-rows")
    assert [(r["Id"], r["IsDeleted"]) for r in every["result"]["records"]] == [(record_id, True)]


def test_nothing_leaks_into_the_home_directory(sf_cli: SfCli) -> None:
    """The CLI's config lives in the test's HOME, not the developer's."""
    assert (Path(sf_cli.home) / ".sf").is_dir() or (Path(sf_cli.home) / ".sfdx").is_dir()


def test_data_import_tree_then_child_subquery(org: LocalOrg, sf_cli: SfCli, tmp_path: Path) -> None:
    """``sf data import tree`` posts composite/tree; the children come back in a subquery."""
    plan = tmp_path / "accounts.json"
    plan.write_text(
        '{"records": [{"attributes": {"type": "Account", "referenceId": "AccRef1"},'
        ' "Name": "Tree Co", "Contacts": {"records": [{"attributes": {"type": "Contact",'
        ' "referenceId": "ConRef1"}, "LastName": "Leaf", "Email": "leaf@example.com"}]}}]}'
    )
    done = sf_cli.run("data", "import", "tree", "--target-org", "localorg", "--files", str(plan))
    assert done["status"] == 0, done
    assert [(r["refId"], r["type"]) for r in done["result"]] == [
        ("AccRef1", "Account"),
        ("ConRef1", "Contact"),
    ]
    out = sf_cli.run(
        "data", "query", "--target-org", "localorg",
        "--query", "SELECT Name, (SELECT LastName, Email FROM Contacts) FROM Account",
    )  # fmt: skip
    [account] = out["result"]["records"]
    assert account["Name"] == "Tree Co"
    assert [c["Email"] for c in account["Contacts"]["records"]] == ["leaf@example.com"]
