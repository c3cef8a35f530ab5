"""Seed keys for what an audit reads: user permissions, roles, Apex package state, login
history and the setup audit trail (the seed format is in :mod:`sfclean.localorg.seed`)::

    profiles / permissionSets:                 # each key a user permission, default false
      - {name: Integration, apiEnabled: true, apiUserOnly: true, createAuditFields: false,
         customizeApplication: false, modifyAllData: false, viewAllData: false,
         modifyMetadata: false, manageUsers: false, viewSetup: false}
    userRoles: [{name: Sales Ops, developerName: Sales_Ops}]
    users: [{username: etl@acme.example.com, role: Sales Ops, userType: Standard}]
    apexClasses:
      - {name: UTIL_DMLService, namespacePrefix: npsp, manageableState: installed}
    loginHistory:
      - {user: etl@acme.example.com, loginType: Remote Access 2.0, application: Fivetran,
         loginTime: 2024-05-31T02:00:00Z, status: Success, apiType: REST, count: 30}
    setupAuditTrail:
      - {user: admin@acme.example.com, action: changedDuplicateRule, section: Duplicate Rules,
         display: Deactivated duplicate rule Lead_Email, createdDate: 2024-05-30T18:00:00Z}

Permissions map to ``Permissions<Name>`` fields on Profile and PermissionSet (``apiEnabled``
defaults to true, every other permission to false). ``apiUserOnly`` is "API Only User",
``createAuditFields`` "Set Audit Fields upon Record Creation", ``modifyMetadata`` "Modify
Metadata Through Metadata API Functions" (with ``modifyAllData`` it lets a user call the
Metadata API, :mod:`sfclean.localorg.metadata_soap`).

Apex ``manageableState`` is one of the Tooling API values (default ``installed`` when a
``namespacePrefix`` is given, else ``unmanaged``). Bodies of managed code read as the literal
``(hidden)``, as reported for real orgs (audit-scan-facts.md section 3.12); localorg hides
the states ``installed``, ``beta`` and ``deprecated`` (which states a real org hides exactly is
UNCONFIRMED; OrgCheck reads only ``installedEditable`` and ``unmanaged``), so such a class may
not give a body. ``count`` on a login repeats it, one hour earlier each time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sfclean.localorg.errors import SeedError
from sfclean.localorg.ids import IdFactory
from sfclean.localorg.seedconfig import SEED_TIME, check_keys, config_items, need
from sfclean.localorg.seedrecords import parse_bool, sf_datetime
from sfclean.localorg.validate import sf_datetime as format_datetime

__all__ = [
    "APEX_KEYS",
    "HIDDEN_BODY",
    "HIDDEN_STATES",
    "MANAGEABLE_STATES",
    "PERMISSION_KEYS",
    "apex_fields",
    "login_history_rows",
    "permission_values",
    "role_rows",
    "setup_audit_trail_rows",
]

#: seed key -> the Profile / PermissionSet field it sets
PERMISSION_KEYS = {
    "modifyAllData": "PermissionsModifyAllData",
    "viewAllData": "PermissionsViewAllData",
    "apiEnabled": "PermissionsApiEnabled",
    "apiUserOnly": "PermissionsApiUserOnly",
    "createAuditFields": "PermissionsCreateAuditFields",
    "customizeApplication": "PermissionsCustomizeApplication",
    "modifyMetadata": "PermissionsModifyMetadata",
    "manageUsers": "PermissionsManageUsers",
    "viewSetup": "PermissionsViewSetup",
}
APEX_KEYS = {"namespacePrefix", "manageableState", "lengthWithoutComments"}
MANAGEABLE_STATES = (
    "beta", "deleted", "deprecated", "deprecatedEditable", "installed", "installedEditable",
    "released", "unmanaged",
)  # fmt: skip
HIDDEN_STATES = frozenset({"installed", "beta", "deprecated"})
HIDDEN_BODY = "(hidden)"
_COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_LOGIN_KEYS = {
    "user", "loginType", "loginSubType", "application", "loginTime", "status", "apiType",
    "apiVersion", "sourceIp", "browser", "platform", "loginUrl", "count",
}  # fmt: skip
_TRAIL_KEYS = {
    "user", "action", "section", "display", "createdDate", "delegateUser",
    "responsibleNamespacePrefix",
}  # fmt: skip


def permission_values(item: dict[str, Any], where: str) -> dict[str, bool]:
    """The ``Permissions<Name>`` fields of a profile or permission set seed entry."""
    return {
        fname: parse_bool(item.get(key, key == "apiEnabled"), f"{where}.{key}")
        for key, fname in PERMISSION_KEYS.items()
    }


def role_rows(
    config: dict[str, Any], source: str, ids: IdFactory
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """UserRole rows of ``userRoles`` and an index from lower-case name to Id."""
    rows, index = [], {}
    for i, item in enumerate(config_items(config, "userRoles", source)):
        where = f"{source}: userRoles[{i}]"
        check_keys(item, {"name", "developerName"}, where)
        name = need(item, "name", where)
        if name.lower() in index:
            raise SeedError(f"{where}.name: role {name!r} is declared twice")
        rid = ids.new("00E")
        index[name.lower()] = rid
        developer = str(item.get("developerName") or re.sub(r"\W+", "_", name))
        rows.append({"Id": rid, "Name": name, "DeveloperName": developer})
    return rows, index


def apex_fields(item: dict[str, Any], body: str | None, where: str) -> dict[str, Any]:
    """NamespacePrefix, ManageableState, LengthWithoutComments and the Body as served."""
    namespace = str(item["namespacePrefix"]).strip() if item.get("namespacePrefix") else None
    state = str(item.get("manageableState") or ("installed" if namespace else "unmanaged"))
    if state not in MANAGEABLE_STATES:
        raise SeedError(
            f"{where}.manageableState {state!r} is not one of {', '.join(MANAGEABLE_STATES)}"
        )
    if state in HIDDEN_STATES:
        if body is not None:
            raise SeedError(
                f"{where}: code in state {state} reads as {HIDDEN_BODY}; leave body and bodyFile out"
            )
        body = HIDDEN_BODY
    length = item.get("lengthWithoutComments")
    if length is None and body is not None and body != HIDDEN_BODY:
        length = len(_COMMENTS.sub("", body))  # approximate: ignores comment marks in strings
    try:
        length = None if length is None else int(length)
    except (TypeError, ValueError):
        raise SeedError(f"{where}.lengthWithoutComments must be a whole number") from None
    return {
        "Body": body,
        "NamespacePrefix": namespace,
        "ManageableState": state,
        "LengthWithoutComments": length,
    }


def _user(users: dict[str, str], item: dict[str, Any], where: str) -> str:
    name = need(item, "user", where)
    found = next((v for k, v in users.items() if k.lower() == name.lower()), None)
    if found is None:
        raise SeedError(f"{where}.user: {name!r} is not a seeded user")
    return found


def login_history_rows(
    config: dict[str, Any], source: str, users: dict[str, str], ids: IdFactory
) -> list[dict[str, Any]]:
    """LoginHistory rows of ``loginHistory`` (``users``: username -> Id)."""
    rows = []
    for i, item in enumerate(config_items(config, "loginHistory", source)):
        where = f"{source}: loginHistory[{i}]"
        check_keys(item, _LOGIN_KEYS, where)
        user_id = _user(users, item, where)
        stamp = sf_datetime(str(item.get("loginTime") or SEED_TIME), where)
        first = datetime.fromisoformat(stamp[:-2] + ":" + stamp[-2:])  # +0000 -> +00:00
        try:
            count = int(item.get("count", 1))
        except (TypeError, ValueError):
            count = 0
        if count < 1:
            raise SeedError(f"{where}.count must be a whole number of at least 1")
        fields = _strings(item, where, need_keys=("loginType",))
        for n in range(count):
            rows.append(
                {
                    "Id": ids.new("0Ya"),
                    "UserId": user_id,
                    "LoginTime": format_datetime(first - timedelta(hours=n)),
                    "LoginType": fields["loginType"],
                    "LoginSubType": fields.get("loginSubType"),
                    "Status": fields.get("status") or "Success",
                    "Application": fields.get("application"),
                    "ApiType": fields.get("apiType"),
                    "ApiVersion": fields.get("apiVersion"),
                    "SourceIp": fields.get("sourceIp"),
                    "Browser": fields.get("browser"),
                    "Platform": fields.get("platform"),
                    "LoginUrl": fields.get("loginUrl"),
                }
            )
    return rows


def setup_audit_trail_rows(
    config: dict[str, Any], source: str, users: dict[str, str], ids: IdFactory
) -> list[dict[str, Any]]:
    """SetupAuditTrail rows of ``setupAuditTrail`` (``users``: username -> Id)."""
    rows = []
    for i, item in enumerate(config_items(config, "setupAuditTrail", source)):
        where = f"{source}: setupAuditTrail[{i}]"
        check_keys(item, _TRAIL_KEYS, where)
        fields = _strings(item, where, need_keys=("action", "display"))
        rows.append(
            {
                "Id": ids.new("0Ym"),
                "Action": fields["action"],
                "Section": fields.get("section"),
                "Display": fields["display"],
                "DelegateUser": fields.get("delegateUser"),
                "ResponsibleNamespacePrefix": fields.get("responsibleNamespacePrefix"),
                "CreatedById": _user(users, item, where),
                "CreatedDate": sf_datetime(str(item.get("createdDate") or SEED_TIME), where),
            }
        )
    return rows


def _strings(item: dict[str, Any], where: str, *, need_keys: tuple[str, ...]) -> dict[str, str]:
    out = {k: str(v) for k, v in item.items() if v is not None and not isinstance(v, dict | list)}
    for key in need_keys:
        out[key] = need(item, key, where)
    return out
