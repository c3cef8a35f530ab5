"""Check 4, API writers: who saves Leads and Contacts through the API, and what they hold.

API writers are the active users with successful API logins in LoginHistory (any LoginType
but the browser's ``Application`` and SAML, audit-scan-facts.md section 3.9), API Only users
(``PermissionsApiUserOnly``), and the users named with ``integration_users``. Permissions are
read from PermissionSetAssignment, which covers profile-owned permission sets too
(section 3.8), so each finding names the profile or permission set that grants it. Modify
All Data is context, worded "review": whether it bypasses duplicate rules is UNCONFIRMED.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sfclean.auditing.base import Reader, finding, flatten
from sfclean.codes import (
    API_USER_ADMIN_PROFILE,
    API_USER_BYPASS_PERMISSION,
    API_USER_MODIFY_ALL_DATA,
    CANNOT_READ,
    USER_CAN_SET_AUDIT_FIELDS,
)
from sfclean.salesforce import Connection

__all__ = ["People", "check_users", "read_people"]

_BROWSER_LOGINS = {"application", "saml idp initiated sso", "saml sfdc initiated sso"}
_BYPASS_WORDS = re.compile(r"bypass|skip|dedup|duplicate|dupe", re.I)
_PERMISSIONS = (
    "ModifyAllData", "ViewAllData", "ApiUserOnly", "CreateAuditFields",
    "CustomizeApplication", "ManageUsers",
)  # fmt: skip
_MANAGE_USERS = "Manage Users (or Monitor Login History)"
_VIEW_SETUP = "View Setup and Configuration"


@dataclass
class People:
    """Users (flattened query rows by Id), what each holds, and their API logins."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    grants: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # user Id -> rows
    custom: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # Id -> (perm, via)
    logins: dict[str, dict[str, Any]] = field(default_factory=dict)  # Id -> {count, types, apps}
    named: set[str] = field(default_factory=set)  # Ids named with integration_users
    logins_read: bool = False

    def holds(self, user_id: str, permission: str) -> list[str]:
        """Where ``user_id`` gets ``Permissions<permission>`` (profile or permission set names)."""
        return [g["via"] for g in self.grants.get(user_id, []) if g.get(permission)]

    def api_writers(self) -> list[str]:
        """Ids of the API writers, in username order."""
        ids = set(self.logins) | self.named
        ids |= {uid for uid in self.users if self.holds(uid, "ApiUserOnly")}
        return sorted((i for i in ids if i in self.users), key=lambda i: self.label(i))

    def label(self, user_id: str) -> str:
        return str(self.users.get(user_id, {}).get("Username") or user_id)

    def login_words(self, user_id: str) -> str:
        """``412 API logins (Remote Access 2.0; app Fivetran)``, or why the user is a writer."""
        info = self.logins.get(user_id)
        if info:
            apps = ", ".join(sorted(info["apps"])) or "no app named"
            return f"{info['count']} API logins ({', '.join(sorted(info['types']))}; app {apps})"
        if self.holds(user_id, "ApiUserOnly"):
            return "API Only user"
        if user_id in self.named:
            return "named as an integration user"
        return "no API logins seen" if self.logins_read else "API logins unknown"


def _via(row: dict[str, Any]) -> str:
    if row.get("PermissionSet.IsOwnedByProfile"):
        return f"profile {row.get('PermissionSet.Profile.Name') or row.get('PermissionSet.Name')}"
    return f"permission set {row.get('PermissionSet.Name')}"


def _read_grants(conn: Connection, reader: Reader, people: People) -> None:
    fields = ", ".join(f"PermissionSet.Permissions{p}" for p in _PERMISSIONS)
    soql = (
        "SELECT AssigneeId, PermissionSetId, PermissionSet.Name, PermissionSet.IsOwnedByProfile, "
        f"PermissionSet.Profile.Name, {fields} FROM PermissionSetAssignment"
    )
    rows = reader.read(
        "PermissionSetAssignment", _VIEW_SETUP, lambda: list(conn.query_all_iter(soql))
    )
    by_set: dict[str, list[str]] = {}
    for row in (flatten(r) for r in rows or []):
        grant: dict[str, Any] = {
            p: bool(row.get(f"PermissionSet.Permissions{p}")) for p in _PERMISSIONS
        }
        grant["via"] = _via(row)
        people.grants.setdefault(str(row["AssigneeId"]), []).append(grant)
        by_set.setdefault(str(row["PermissionSetId"]), []).append(str(row["AssigneeId"]))
    perms = reader.read(
        "CustomPermission and SetupEntityAccess", _VIEW_SETUP,
        lambda: (
            list(conn.query_all_iter("SELECT Id, DeveloperName FROM CustomPermission")),
            list(conn.query_all_iter(
                "SELECT ParentId, Parent.Name, Parent.IsOwnedByProfile, Parent.Profile.Name, "
                "SetupEntityId FROM SetupEntityAccess WHERE SetupEntityType = 'CustomPermission'"
            )),
        ),
    )  # fmt: skip
    if perms is None:
        return
    names = {str(p["Id"]): str(p["DeveloperName"]) for p in perms[0]}
    for access in (flatten(a) for a in perms[1]):
        name = names.get(str(access["SetupEntityId"]), "")
        if not _BYPASS_WORDS.search(name):
            continue
        via = _via(
            {f"PermissionSet.{k[7:]}": v for k, v in access.items() if k.startswith("Parent.")}
        )
        for user_id in by_set.get(str(access["ParentId"]), []):
            people.custom.setdefault(user_id, []).append((name, via))


def _read_logins(conn: Connection, reader: Reader, people: People) -> None:
    soql = (
        "SELECT UserId, LoginType, Application, Status, COUNT(Id) n FROM LoginHistory "
        "GROUP BY UserId, LoginType, Application, Status"
    )
    rows = reader.read("LoginHistory", _MANAGE_USERS, lambda: list(conn.query_all_iter(soql)))
    if rows is None:
        return
    people.logins_read = True
    for row in rows:
        kind = str(row.get("LoginType") or "")
        if kind.lower() in _BROWSER_LOGINS or str(row.get("Status")).lower() != "success":
            continue  # Status cannot be filtered in WHERE (audit-scan-facts.md 3.9)
        info = people.logins.setdefault(
            str(row["UserId"]), {"count": 0, "types": set(), "apps": set()}
        )
        info["count"] += int(row.get("n") or 0)
        info["types"].add(kind)
        if row.get("Application"):
            info["apps"].add(str(row["Application"]))


def read_people(conn: Connection, reader: Reader, integration_users: Iterable[str] = ()) -> People:
    """Active users, their permissions and custom permissions, and their API logins."""
    people = People()
    soql = (
        "SELECT Id, Username, Name, UserType, ProfileId, Profile.Name, UserRole.Name "
        "FROM User WHERE IsActive = true"
    )
    rows = reader.read(
        "User",
        "API Enabled (users are readable by default)",
        lambda: list(conn.query_all_iter(soql)),
    )
    people.users = {str(r["Id"]): flatten(r) for r in rows or []}
    for wanted in integration_users:
        found = [
            uid for uid, u in people.users.items()
            if wanted.strip().lower() in (str(u.get("Username")).lower(), str(u.get("Name")).lower())
        ]  # fmt: skip
        if not found and rows is not None:
            reader.findings.append(finding(
                CANNOT_READ, "users", subject=wanted,
                message=f"no active user has the username or name {wanted!r} (integration_users)",
            ))  # fmt: skip
        people.named.update(found)
    _read_grants(conn, reader, people)
    _read_logins(conn, reader, people)
    return people


def _is_admin(people: People, user_id: str) -> str | None:
    profile = str(people.users[user_id].get("Profile.Name") or "")
    if "admin" in profile.lower():
        return f"profile {profile}"
    for grant in people.grants.get(user_id, []):
        if (
            grant["via"].startswith("profile ")
            and grant["CustomizeApplication"]
            and grant["ManageUsers"]
        ):
            return f"{grant['via']} (Customize Application and Manage Users)"
    return None


def check_users(people: People) -> list[dict[str, str]]:
    """Check 4: one finding per API writer and permission that matters."""
    rows = []
    for uid in people.api_writers():
        name, how = people.label(uid), people.login_words(uid)
        base = {"object": "User", "subject": name}
        for via in people.holds(uid, "ModifyAllData"):
            rows.append(finding(API_USER_MODIFY_ALL_DATA, "users", where=via, detail=how, **base))
        admin = _is_admin(people, uid)
        if admin:
            rows.append(finding(API_USER_ADMIN_PROFILE, "users", where=admin, detail=how, **base))
        for perm, via in people.custom.get(uid, []):
            rows.append(finding(
                API_USER_BYPASS_PERMISSION, "users", where=via,
                detail=f"custom permission {perm}; {how}", **base,
            ))  # fmt: skip
        for via in people.holds(uid, "CreateAuditFields"):
            detail = f"{how}; whether the org preference is on cannot be read (UNCONFIRMED)"
            rows.append(
                finding(USER_CAN_SET_AUDIT_FIELDS, "users", where=via, detail=detail, **base)
            )
    return rows
