"""SOQL execution against a real Store: filters, relationship paths, ordering, paging, errors."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfclean.localorg.ids import IdFactory
from sfclean.localorg.soql import execute, soql_quote
from sfclean.localorg.store import Store
from sfclean.localorg.types import SfFault

NOW = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)  # Thursday; the week began Sunday 28th
IDS: dict[str, str] = {}


def _seed(store: Store) -> None:
    ids = IdFactory(pod="7x")
    for key, prefix in [
        ("p_admin", "00e"),
        ("p_int", "00e"),
        ("u_admin", "005"),
        ("u_int", "005"),
        ("ps_admin", "0PS"),
        ("ps_bypass", "0PS"),
        ("psa1", "0Pa"),
        ("psa2", "0Pa"),
        ("acct", "001"),
        ("contact", "003"),
        ("l1", "00Q"),
        ("l2", "00Q"),
        ("l3", "00Q"),
        ("l4", "00Q"),
        ("l5", "00Q"),
        ("drs", "0GK"),
        ("dri1", "0GL"),
        ("dri2", "0GL"),
        ("dri3", "0GL"),
    ]:
        IDS[key] = ids.new(prefix)
    i = IDS
    store.insert(
        "Profile",
        [
            {"Id": i["p_admin"], "Name": "System Administrator"},
            {"Id": i["p_int"], "Name": "Integration User"},
        ],
    )
    store.insert(
        "User",
        [
            {
                "Id": i["u_admin"],
                "Username": "ann@org",
                "LastName": "Admin",
                "Name": "Ann Admin",
                "Email": "ann@org.com",
                "ProfileId": i["p_admin"],
                "IsActive": True,
            },
            {
                "Id": i["u_int"],
                "Username": "int@org",
                "LastName": "Integration",
                "Name": "Ivan Integration",
                "Email": "int@org.com",
                "ProfileId": i["p_int"],
                "IsActive": False,
            },
        ],
    )
    store.insert(
        "PermissionSet",
        [
            {
                "Id": i["ps_admin"],
                "Name": "X00ex000000",
                "ProfileId": i["p_admin"],
                "IsOwnedByProfile": True,
                "PermissionsModifyAllData": True,
            },
            {
                "Id": i["ps_bypass"],
                "Name": "Bypass_Dupes",
                "IsOwnedByProfile": False,
                "PermissionsModifyAllData": False,
            },
        ],
    )
    store.insert(
        "PermissionSetAssignment",
        [
            {"Id": i["psa1"], "AssigneeId": i["u_admin"], "PermissionSetId": i["ps_admin"]},
            {"Id": i["psa2"], "AssigneeId": i["u_int"], "PermissionSetId": i["ps_bypass"]},
        ],
    )
    store.insert("Account", [{"Id": i["acct"], "Name": "Acme Corp"}])
    store.insert(
        "Contact",
        [{"Id": i["contact"], "LastName": "Jones", "Name": "Jo Jones", "Email": "jo@acme.com",
          "AccountId": i["acct"], "CreatedById": i["u_admin"]}],
    )  # fmt: skip
    lead = {"Company": "Acme", "IsConverted": False}  # HasOptedOutOfEmail stays NULL
    store.insert(
        "Lead",
        [
            {**lead, "Id": i["l1"], "FirstName": "Mary", "LastName": "O'Brien",
             "Name": "Mary O'Brien", "Email": "mary.o'brien@acme.com", "Phone": "+1 555 0100",
             "CreatedById": i["u_admin"], "CreatedDate": "2024-01-31T09:30:00.000+0000"},
            {**lead, "Id": i["l2"], "FirstName": "Bob", "LastName": "Smith", "Name": "Bob Smith",
             "Company": "Globex", "Email": "BOB@Globex.com", "IsConverted": True,
             "CreatedById": i["u_int"], "CreatedDate": "2024-02-01T08:00:00.000+0000"},
            {**lead, "Id": i["l3"], "LastName": "Zoë", "Name": "Zoë", "Company": "Initech",
             "Email": None, "CreatedById": None, "CreatedDate": "2023-12-15T00:00:00.000+0000"},
            {**lead, "Id": i["l4"], "LastName": "100%_Sure", "Name": "100%_Sure",
             "Company": "Under_score", "Email": "x_y@z.com", "CreatedById": i["u_admin"],
             "CreatedDate": "2024-01-01T00:00:00.000+0000"},
            {**lead, "Id": i["l5"], "LastName": "Back\\slash", "Name": "Back\\slash",
             "Company": 'Quote"Co', "Email": "tab@x.com", "Description": "line1\nline2",
             "CreatedById": i["u_admin"], "CreatedDate": "2024-02-01T11:59:59.999+0000"},
        ],
    )  # fmt: skip
    store.insert("DuplicateRecordSet", [{"Id": i["drs"], "Name": "DRS-0001", "RecordCount": 3}])
    store.insert(
        "DuplicateRecordItem",
        [
            {"Id": i["dri1"], "DuplicateRecordSetId": i["drs"], "RecordId": i["l1"]},
            {"Id": i["dri2"], "DuplicateRecordSetId": i["drs"], "RecordId": i["contact"]},
            {"Id": i["dri3"], "DuplicateRecordSetId": i["drs"], "RecordId": i["acct"]},
        ],
    )


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    s = Store()
    _seed(s)
    yield s
    s.close()


def _records(store: Store, soql: str, **kw: Any) -> list[dict[str, Any]]:
    cursor = execute(store.conn, soql, now=NOW, **kw)
    records = cursor.fetch(10_000)
    assert cursor.done and cursor.total_size == len(records)
    return records


def _names(store: Store, soql: str) -> list[str]:
    return [r["LastName"] for r in _records(store, soql)]


ALL = ["O'Brien", "Smith", "Zoë", "100%_Sure", "Back\\slash"]

# (WHERE clause or full tail, LastNames; ordered when the query has ORDER BY)
FILTERS: list[tuple[str, list[str]]] = [
    ("", ALL),
    ("WHERE Email = 'mary.o\\'brien@acme.com'", ["O'Brien"]),
    ("WHERE Email = 'MARY.O\\'BRIEN@ACME.COM'", ["O'Brien"]),
    ("WHERE email = 'bob@globex.com'", ["Smith"]),
    ("WHERE Email = null", ["Zoë"]),
    ("WHERE Email != null", ["O'Brien", "Smith", "100%_Sure", "Back\\slash"]),
    ("WHERE Email <> null", ["O'Brien", "Smith", "100%_Sure", "Back\\slash"]),
    ("WHERE Email = ''", ["Zoë"]),
    ("WHERE Email != ''", ["O'Brien", "Smith", "100%_Sure", "Back\\slash"]),
    ("WHERE Email IN ('', 'x_y@z.com')", ["Zoë", "100%_Sure"]),
    ("WHERE Email NOT IN ('')", ["O'Brien", "Smith", "100%_Sure", "Back\\slash"]),
    ("WHERE Email != 'bob@globex.com'", ["O'Brien", "Zoë", "100%_Sure", "Back\\slash"]),
    ("WHERE Email IN ('BOB@globex.com', 'x_y@z.com')", ["Smith", "100%_Sure"]),
    ("WHERE Email IN ('bob@globex.com', null)", ["Smith", "Zoë"]),
    ("WHERE Email NOT IN ('bob@globex.com', 'x_y@z.com')", ["O'Brien", "Zoë", "Back\\slash"]),
    ("WHERE Email NOT IN ('bob@globex.com', null)", ["O'Brien", "100%_Sure", "Back\\slash"]),
    ("WHERE Email LIKE '%@ACME.com'", ["O'Brien"]),
    ("WHERE Email LIKE 'x_y%'", ["100%_Sure"]),
    ("WHERE Email LIKE '_o_@%'", ["Smith"]),
    ("WHERE LastName LIKE '100\\%\\_%'", ["100%_Sure"]),
    ("WHERE LastName LIKE '%\\_%'", ["100%_Sure"]),
    ("WHERE LastName LIKE '%\\\\%'", ["Back\\slash"]),
    ("WHERE LastName = 'back\\\\SLASH'", ["Back\\slash"]),
    ("WHERE Company = 'quote\\\"co'", ["Back\\slash"]),
    ("WHERE Description = 'line1\\nline2'", ["Back\\slash"]),
    ("WHERE LastName = 'Zo\\u00eb'", ["Zoë"]),
    ("WHERE NOT Email LIKE '%acme%'", ["Smith", "Zoë", "100%_Sure", "Back\\slash"]),
    ("WHERE NOT (Email = 'bob@globex.com')", ["O'Brien", "Zoë", "100%_Sure", "Back\\slash"]),
    ("WHERE IsConverted = true", ["Smith"]),
    ("WHERE IsConverted != null", ["Smith"]),
    ("WHERE IsConverted = null", ["O'Brien", "Zoë", "100%_Sure", "Back\\slash"]),
    ("WHERE HasOptedOutOfEmail = false", ALL),
    ("WHERE HasOptedOutOfEmail IN (null)", ALL),
    ("WHERE IsConverted = FALSE AND Email != null", ["O'Brien", "100%_Sure", "Back\\slash"]),
    ("WHERE (Company = 'acme' OR Company = 'globex') AND Email LIKE 'b%'", ["Smith"]),
    (
        "WHERE Company = 'initech' OR (IsConverted = true AND Email LIKE '%globex%')",
        ["Smith", "Zoë"],
    ),
    ("WHERE LastName > 'p'", ["Smith", "Zoë"]),
    ("WHERE LastName <= 'b'", ["100%_Sure"]),
    ("WHERE CreatedBy.Name = 'ann admin'", ["O'Brien", "100%_Sure", "Back\\slash"]),
    ("WHERE CreatedBy.Profile.Name LIKE 'Integration%'", ["Smith"]),
    ("WHERE CreatedBy.Name = null", ["Zoë"]),
    ("WHERE CreatedBy.IsActive = false", ["Smith"]),
    ("WHERE CreatedById = '{u_int}'", ["Smith"]),
    ("WHERE CreatedById = '{u_int15}'", ["Smith"]),
    ("WHERE CreatedDate > 2024-01-31T10:00:00Z", ["Smith", "Back\\slash"]),
    ("WHERE CreatedDate >= 2024-01-31T09:30:00Z", ["O'Brien", "Smith", "Back\\slash"]),
    ("WHERE CreatedDate < 2024-01-31T10:30:01+01:00", ["O'Brien", "Zoë", "100%_Sure"]),
    ("WHERE CreatedDate < 2024-01-31T10:29:00+01:00", ["Zoë", "100%_Sure"]),
    ("WHERE CreatedDate = TODAY", ["Smith", "Back\\slash"]),
    ("WHERE CreatedDate = YESTERDAY", ["O'Brien"]),
    ("WHERE CreatedDate = N_DAYS_AGO:1", ["O'Brien"]),
    ("WHERE CreatedDate != TODAY", ["O'Brien", "Zoë", "100%_Sure"]),
    ("WHERE CreatedDate < TODAY", ["O'Brien", "Zoë", "100%_Sure"]),
    ("WHERE CreatedDate > YESTERDAY", ["Smith", "Back\\slash"]),
    ("WHERE CreatedDate >= YESTERDAY", ["O'Brien", "Smith", "Back\\slash"]),
    ("WHERE CreatedDate <= YESTERDAY", ["O'Brien", "Zoë", "100%_Sure"]),
    ("WHERE CreatedDate = THIS_WEEK", ["O'Brien", "Smith", "Back\\slash"]),
    ("WHERE CreatedDate = LAST_WEEK", []),
    ("WHERE CreatedDate = THIS_MONTH", ["Smith", "Back\\slash"]),
    ("WHERE CreatedDate = LAST_MONTH", ["O'Brien", "100%_Sure"]),
    ("WHERE CreatedDate = THIS_YEAR", ["O'Brien", "Smith", "100%_Sure", "Back\\slash"]),
    ("WHERE CreatedDate = LAST_YEAR", ["Zoë"]),
    ("WHERE CreatedDate = LAST_N_DAYS:31", ["O'Brien", "Smith", "100%_Sure", "Back\\slash"]),
    ("WHERE CreatedDate = LAST_N_DAYS:30", ["O'Brien", "Smith", "Back\\slash"]),
    ("WHERE LastModifiedDate = TODAY", []),
    ("WHERE CreatedDate IN (YESTERDAY, LAST_YEAR)", ["O'Brien", "Zoë"]),
    ("ORDER BY LastName", ["100%_Sure", "Back\\slash", "O'Brien", "Smith", "Zoë"]),
    ("ORDER BY LastName DESC LIMIT 2", ["Zoë", "Smith"]),
    ("ORDER BY LastName LIMIT 2 OFFSET 1", ["Back\\slash", "O'Brien"]),
    ("ORDER BY LastName OFFSET 3", ["Smith", "Zoë"]),
    ("ORDER BY Email", ["Zoë", "Smith", "O'Brien", "Back\\slash", "100%_Sure"]),
    ("ORDER BY Email NULLS LAST", ["Smith", "O'Brien", "Back\\slash", "100%_Sure", "Zoë"]),
    ("ORDER BY Email DESC", ["100%_Sure", "Back\\slash", "O'Brien", "Smith", "Zoë"]),
    ("ORDER BY Email DESC NULLS FIRST", ["Zoë", "100%_Sure", "Back\\slash", "O'Brien", "Smith"]),
    (
        "ORDER BY CreatedBy.Name DESC, LastName",
        ["Smith", "100%_Sure", "Back\\slash", "O'Brien", "Zoë"],
    ),
    ("WHERE Email != null ORDER BY CreatedDate DESC LIMIT 1", ["Back\\slash"]),
    ("LIMIT 0", []),
]


@pytest.mark.parametrize(("tail", "expected"), FILTERS)
def test_filters(store: Store, tail: str, expected: list[str]) -> None:
    tail = tail.replace("{u_int}", IDS["u_int"]).replace("{u_int15}", IDS["u_int"][:15])
    got = _names(store, f"SELECT LastName FROM Lead {tail}")
    if "ORDER BY" in tail:
        assert got == expected
    else:
        assert sorted(got) == sorted(expected)


def test_booleans_are_never_null(store: Store) -> None:
    records = _records(store, "SELECT HasOptedOutOfEmail FROM Lead")
    assert [r["HasOptedOutOfEmail"] for r in records] == [False] * 5


def test_keywords_and_names_are_case_insensitive(store: Store) -> None:
    records = _records(
        store,
        "select id, EMAIL, createdby.NAME from LEAD where lastname = 'smith' order by ID",
    )
    assert records == [
        {
            "attributes": {
                "type": "Lead",
                "url": f"/services/data/v62.0/sobjects/Lead/{IDS['l2']}",
            },
            "Id": IDS["l2"],
            "Email": "BOB@Globex.com",
            "CreatedBy": {
                "attributes": {
                    "type": "User",
                    "url": f"/services/data/v62.0/sobjects/User/{IDS['u_int']}",
                },
                "Name": "Ivan Integration",
            },
        }
    ]


def test_fields_may_be_prefixed_with_the_queried_object(store: Store) -> None:
    cursor = execute(store.conn, "SELECT contact.Name, Contact.Account.Name FROM Contact")
    assert cursor.fields == ["Name", "Account.Name"]
    record = cursor.fetch(1)[0]
    assert (record["Name"], record["Account"]["Name"]) == ("Jo Jones", "Acme Corp")


def test_record_shape_nested_relationships_and_types(store: Store) -> None:
    cursor = execute(
        store.conn,
        "SELECT Name, CreatedBy.Name, IsConverted, CreatedBy.Profile.Name, Email, "
        "CreatedBy.IsActive FROM Lead WHERE LastName IN ('Smith', 'Zoë') ORDER BY LastName",
        api_version="59.0",
        now=NOW,
    )
    assert cursor.fields == [
        "Name",
        "CreatedBy.Name",
        "IsConverted",
        "CreatedBy.Profile.Name",
        "Email",
        "CreatedBy.IsActive",
    ]
    smith, zoe = cursor.fetch(10)
    user_url = f"/services/data/v59.0/sobjects/User/{IDS['u_int']}"
    profile_url = f"/services/data/v59.0/sobjects/Profile/{IDS['p_int']}"
    assert smith == {
        "attributes": {"type": "Lead", "url": f"/services/data/v59.0/sobjects/Lead/{IDS['l2']}"},
        "Name": "Bob Smith",
        "CreatedBy": {
            "attributes": {"type": "User", "url": user_url},
            "Name": "Ivan Integration",
            "Profile": {
                "attributes": {"type": "Profile", "url": profile_url},
                "Name": "Integration User",
            },
            "IsActive": False,
        },
        "IsConverted": True,
        "Email": "BOB@Globex.com",
    }
    assert list(smith) == ["attributes", "Name", "CreatedBy", "IsConverted", "Email"]
    assert zoe["CreatedBy"] is None and zoe["IsConverted"] is False and zoe["Email"] is None
    cursor = execute(
        store.conn, "SELECT Name, IsConverted, CreatedBy.Name FROM Lead ORDER BY Name LIMIT 2"
    )
    assert cursor.fetch_rows(5) == [
        ("100%_Sure", False, "Ann Admin"),
        ("Back\\slash", False, "Ann Admin"),
    ]


def test_permission_set_paths(store: Store) -> None:
    records = _records(
        store,
        "SELECT Assignee.Username, PermissionSet.Name, PermissionSet.Profile.Name, "
        "PermissionSet.PermissionsModifyAllData FROM PermissionSetAssignment "
        "WHERE PermissionSet.IsOwnedByProfile = false OR PermissionSet.Profile.Name = 'System Administrator' "
        "ORDER BY Assignee.Username",
    )
    assert [
        (
            r["Assignee"]["Username"],
            r["PermissionSet"]["Name"],
            r["PermissionSet"]["Profile"] and r["PermissionSet"]["Profile"]["Name"],
            r["PermissionSet"]["PermissionsModifyAllData"],
        )
        for r in records
    ] == [
        ("ann@org", "X00ex000000", "System Administrator", True),
        ("int@org", "Bypass_Dupes", None, False),
    ]


def test_polymorphic_record_reference(store: Store) -> None:
    records = _records(
        store,
        "SELECT Record.Name, Record.Email, RecordId FROM DuplicateRecordItem "
        "WHERE DuplicateRecordSet.Name = 'DRS-0001' ORDER BY Record.Name",
    )
    assert [
        (r["Record"]["attributes"]["type"], r["Record"]["Name"], r["Record"]["Email"])
        for r in records
    ] == [
        ("Account", "Acme Corp", None),
        ("Contact", "Jo Jones", "jo@acme.com"),
        ("Lead", "Mary O'Brien", "mary.o'brien@acme.com"),
    ]
    assert records[0]["Record"]["attributes"]["url"].endswith(f"/Account/{IDS['acct']}")
    only = _records(store, "SELECT Id FROM DuplicateRecordItem WHERE Record.Email LIKE '%acme.com'")
    assert sorted(r["Id"] for r in only) == sorted([IDS["dri1"], IDS["dri2"]])


def test_count(store: Store) -> None:
    cursor = execute(store.conn, "SELECT COUNT() FROM Lead WHERE Email != null")
    assert (cursor.total_size, cursor.fetch(10), cursor.done, cursor.fields) == (4, [], True, [])
    assert execute(store.conn, "SELECT COUNT() FROM Lead LIMIT 2").total_size == 2
    assert execute(store.conn, "SELECT count() FROM Account WHERE Name = 'nope'").total_size == 0
    agg = execute(store.conn, "SELECT COUNT(Email) FROM Lead")
    assert agg.total_size == 1 and agg.fields == ["expr0"]
    assert agg.fetch(5) == [{"attributes": {"type": "AggregateResult"}, "expr0": 4}]
    two = execute(store.conn, "SELECT COUNT(Id), COUNT(CreatedBy.Name) FROM Lead")
    assert two.fields == ["expr0", "expr1"]
    assert two.fetch(5) == [{"attributes": {"type": "AggregateResult"}, "expr0": 5, "expr1": 4}]


def test_in_with_a_thousand_values(store: Store) -> None:
    values = [f"user{i}@example.com" for i in range(998)] + ["bob@GLOBEX.com", "x_y@z.com"]
    soql = f"SELECT LastName FROM Lead WHERE Email IN ({', '.join(soql_quote(v) for v in values)})"
    assert sorted(_names(store, soql)) == ["100%_Sure", "Smith"]


def test_paging_and_independence_from_later_writes() -> None:
    s = Store()
    ids = IdFactory()
    s.insert("Account", [{"Id": ids.new("001"), "Name": f"A{n:02d}"} for n in range(25)])
    cursor = execute(s.conn, "SELECT Name FROM Account ORDER BY Name")
    assert (cursor.total_size, cursor.done) == (25, False)
    pages = [cursor.fetch(10)]
    s.insert("Account", [{"Id": ids.new("001"), "Name": "A00 later"}])
    s.delete("Account", [ids.from_counter("001", 25)])
    while not cursor.done:
        pages.append(cursor.fetch(10))
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [r["Name"] for p in pages for r in p] == [f"A{n:02d}" for n in range(25)]
    assert cursor.fetch(10) == [] and cursor.done
    s.close()


def test_is_deleted_rows_hidden_unless_include_deleted() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        'CREATE TABLE "Account" ("Id" TEXT PRIMARY KEY, "Name" TEXT COLLATE NOCASE, "IsDeleted" INTEGER)'
    )
    ids = IdFactory()
    conn.executemany(
        'INSERT INTO "Account" VALUES (?, ?, ?)',
        [(ids.new("001"), "live", 0), (ids.new("001"), "gone", 1)],
    )
    assert [r["Name"] for r in execute(conn, "SELECT Name FROM Account").fetch(5)] == ["live"]
    everything = execute(conn, "SELECT Name FROM Account ORDER BY Name", include_deleted=True)
    assert [r["Name"] for r in everything.fetch(5)] == ["gone", "live"]
    conn.close()


# (query, error code, message fragment)
ERRORS: list[tuple[str, str, str]] = [
    ("SELECT Foo FROM Lead", "INVALID_FIELD",
     "\nSELECT Foo FROM Lead\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Lead'. "
     "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name."),
    ("SELECT Id FROM Lead WHERE Nope = 'x'", "INVALID_FIELD", "Row:1:Column:27\nNo such column 'Nope' on entity 'Lead'"),
    ("SELECT CreatedBy.Foo FROM Lead", "INVALID_FIELD", "No such column 'Foo' on entity 'User'"),
    ("SELECT Foo.Name FROM Lead", "INVALID_FIELD", "Didn't understand relationship 'Foo' in field path."),
    ("SELECT Email.Name FROM Lead", "INVALID_FIELD", "Didn't understand relationship 'Email' in field path."),
    ("SELECT CreatedBy FROM Lead", "INVALID_FIELD", "No such column 'CreatedBy' on entity 'Lead'"),
    ("SELECT Record.Owner.Name FROM DuplicateRecordItem", "INVALID_FIELD", "Didn't understand relationship 'Owner'"),
    ("SELECT Record.Nope FROM DuplicateRecordItem", "INVALID_FIELD", "No such column 'Nope' on entity 'Name'"),
    ("SELECT Id FROM Lead ORDER BY Nope", "INVALID_FIELD", "No such column 'Nope'"),
    ("SELECT Id FROM Foo", "INVALID_TYPE",
     "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not supported."),
    ("SELECT COUNT() FROM Leads", "INVALID_TYPE", "sObject type 'Leads' is not supported"),
    ("SELECT Id FORM Lead", "MALFORMED_QUERY", "unexpected token: 'FORM'"),
    ("SELECT Id, id FROM Lead", "MALFORMED_QUERY", "duplicate field selected: Id"),
    ("SELECT COUNT(Id), Name FROM Lead", "MALFORMED_QUERY", "Field must be grouped or aggregated: Name"),
    ("SELECT Id FROM Lead WHERE IsConverted = 'true'", "INVALID_FIELD",
     "value of filter criterion for field 'IsConverted' must be of type boolean and should not be enclosed in quotes"),
    ("SELECT Id FROM Lead WHERE Email = 5", "INVALID_FIELD",
     "value of filter criterion for field 'Email' must be of type string and should be enclosed in quotes"),
    ("SELECT Id FROM Lead WHERE Email = TODAY", "INVALID_FIELD", "field 'Email' must be of type string"),
    ("SELECT Id FROM Lead WHERE CreatedDate = '2024-01-01'", "INVALID_FIELD",
     "field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes"),
    ("SELECT Id FROM Lead WHERE CreatedDate = 2024-01-01", "INVALID_FIELD", "must be of type dateTime"),
    ("SELECT Id FROM MatchingRuleItem WHERE SortOrder = '1'", "INVALID_FIELD", "must be of type integer"),
    ("SELECT Id FROM Lead WHERE IsConverted LIKE 'x'", "INVALID_FIELD", "invalid operator on field 'IsConverted'"),
    ("SELECT Id FROM Lead WHERE Email LIKE 5", "INVALID_FIELD", "must be of type string"),
    ("SELECT Id FROM Lead WHERE Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: abc"),
    ("SELECT Id FROM Lead WHERE OwnerId IN ('00Q000000000000', 'nope')", "INVALID_QUERY_FILTER_OPERATOR",
     "invalid ID field: nope"),
    ("SELECT Id FROM Lead OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000"),
]  # fmt: skip


@pytest.mark.parametrize(("soql", "code", "fragment"), ERRORS)
def test_errors(store: Store, soql: str, code: str, fragment: str) -> None:
    with pytest.raises(SfFault) as info:
        execute(store.conn, soql, now=NOW)
    assert info.value.status_code == code
    assert fragment in info.value.message


def test_offset_at_the_limit_is_allowed(store: Store) -> None:
    assert _records(store, "SELECT Id FROM Lead LIMIT 5 OFFSET 2000") == []


def test_execute_accepts_a_parsed_query(store: Store) -> None:
    from sfclean.localorg.soql import parse

    query = parse("SELECT Name FROM Account")
    assert execute(store.conn, query).fetch(1)[0]["Name"] == "Acme Corp"


_DB_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_DB_TEXT)
def test_any_value_round_trips_through_quoting(value: str) -> None:
    s = Store()
    ids = IdFactory()
    record_id = ids.new("001")
    s.insert(
        "Account", [{"Id": record_id, "Name": value}, {"Id": ids.new("001"), "Name": value + "x"}]
    )
    for soql in (
        f"SELECT Id, Name FROM Account WHERE Name = {soql_quote(value)}",
        f"SELECT Id, Name FROM Account WHERE Name LIKE {soql_quote(value, like=True)}",
        f"SELECT Id, Name FROM Account WHERE Name IN ({soql_quote(value)})",
    ):
        got = execute(s.conn, soql).fetch(10)
        assert [(r["Id"], r["Name"]) for r in got] == [(record_id, value)], soql
    s.close()


def test_semi_join_and_anti_join(store: Store) -> None:
    admins = _records(
        store,
        "SELECT Username FROM User WHERE Id IN (SELECT AssigneeId FROM PermissionSetAssignment "
        "WHERE PermissionSet.PermissionsModifyAllData = true)",
    )
    assert [r["Username"] for r in admins] == ["ann@org"]
    others = _records(
        store,
        "SELECT LastName FROM Lead WHERE CreatedById NOT IN (SELECT AssigneeId FROM "
        "PermissionSetAssignment WHERE PermissionSet.Name = 'X00ex000000') ORDER BY LastName",
    )
    assert [r["LastName"] for r in others] == ["Smith", "Zoë"]  # Zoë: no creator at all
    with pytest.raises(SfFault) as info:
        execute(
            store.conn,
            "SELECT Id FROM User WHERE Id IN (SELECT AssigneeId FROM PermissionSetAssignment "
            "WHERE PermissionSetId IN (SELECT Id FROM PermissionSet))",
        )
    assert info.value.status_code == "MALFORMED_QUERY"
    with pytest.raises(SfFault) as info:
        execute(
            store.conn, "SELECT Id FROM User WHERE Id IN (SELECT Nope FROM PermissionSetAssignment)"
        )
    assert info.value.status_code == "INVALID_FIELD"
    assert "No such column 'Nope' on entity 'PermissionSetAssignment'" in info.value.message
