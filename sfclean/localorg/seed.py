"""Seeding a local org: an org config (YAML or JSON) plus one Data Loader CSV per object.

A seed is a directory holding ``org.yaml`` (or ``org.yml`` / ``org.json``) and ``<Object>.csv``
files, or a path to a config file alone, or a dict with the same structure (the CSV files then
become ``records: {Object: [row dicts]}``), or None for an empty org. Config keys mirror
Salesforce's Metadata API names; unknown keys are errors, so typos do not pass silently::

    org: {name: Acme Sandbox, dailyApiLimit: 15000}
    defaultUser: loader@acme.example.com    # session user; else a built-in admin is created
    customPermissions:
      - {developerName: Bypass_Duplicate_Rules, label: Bypass duplicate rules}
    profiles:                                # "System Administrator" always exists
      - {name: Integration User, viewAllData: false, modifyAllData: false,
         customPermissions: [Bypass_Duplicate_Rules]}
    permissionSets:
      - {name: Dedupe_Admin, label: Dedupe admin, viewAllData: true, modifyAllData: false,
         customPermissions: []}
    users:
      - {username: loader@acme.example.com, name: Load Er, email: loader@acme.example.com,
         profile: Integration User, isActive: true, permissionSets: [Dedupe_Admin]}
    permissionSetAssignments: [{user: someone@acme.example.com, permissionSet: Dedupe_Admin}]
    apexClasses: [{name: LeadService, body: "public class LeadService {}"}]   # or bodyFile
    apexTriggers: [{name: LeadDedupe, object: Lead, body: "trigger LeadDedupe on Lead ..."}]
    matchingRules:
      - developerName: Email_Match
        sobjectType: Contact
        ruleStatus: Active                    # | Inactive | Activating | ActivationFailed ...
        matchingRuleItems:                    # blankValueBehavior: NullNotAllowed | MatchBlanks
          - {fieldName: Email, matchingMethod: Exact, blankValueBehavior: NullNotAllowed}
    duplicateRules:
      - developerName: Lead_vs_Contacts
        sobjectType: Lead
        isActive: true
        actionOnInsert: Allow                  # Allow | Block
        actionOnUpdate: Allow
        operationsOnInsert: [Alert, Report]
        operationsOnUpdate: []
        alertText: Use one of these records?
        securityOption: EnforceSharingRules    # | BypassSharingRules
        sortOrder: 1
        duplicateRuleFilter:
          booleanFilter: 1 AND 2               # optional; AND of all items by default
          duplicateRuleFilterItems:
            - {table: User, field: Profile.Name, operation: notEqual, value: Integration User}
            - {table: User, field: Username, operation: notEqual, value: etl@acme.example.com}
        duplicateRuleMatchRules:
          - matchRuleSObjectType: Contact
            matchingRule: Email_Match
            objectMapping:                     # optional: Lead field -> Contact field
              mappingFields: [{inputField: Email, outputField: Email}]

Keys for what an audit reads (user permissions such as ``apiUserOnly``, ``userRoles``,
``loginHistory``, ``setupAuditTrail``, Apex ``namespacePrefix`` / ``manageableState``) are
documented in :mod:`sfclean.localorg.seedaudit`; org settings (``settings:
{EmailAdministration: {enableInternationalEmailAddresses: true}}``, Email Address
Internationalization) in :mod:`sfclean.localorg.orgsettings`.

Every profile gets a profile-owned PermissionSet (``IsOwnedByProfile``) carrying its
permissions, and each user an assignment to it, as in a real org.

CSV files (Data Loader export format): UTF-8 (a BOM is fine), a header row of API field names
(case-insensitive), one file per object named ``<Object>.csv``. The ``Id`` column is optional;
blank or missing Ids are minted. A reference cell (``AccountId``, ``OwnerId``, ``CreatedById``
...) holds a 15/18-character Id, or ``@username`` for a User, or ``@Name`` for another object
(the seeded record with that ``Name``, or ``DeveloperName``). Files load in dependency order
(Account before Contact, ...). ``CreatedById``/``CreatedDate`` are honoured when present (so a
seed can say who created which duplicates); otherwise the admin user (else the default user)
and the fixed time ``SEED_TIME``. ``OwnerId`` defaults to the creator. Booleans accept
true/false/1/0/yes/no; dates ``YYYY-MM-DD``; datetimes ISO 8601 (stored as Salesforce's
``2024-01-31T09:30:00.000+0000``). Fields the org sets, which no API caller can write, may
be seeded too, for the states a scan must recognise: ``IsDeleted`` (hidden from query, seen
by queryAll), Lead ``IsConverted`` / ``ConvertedContactId`` / ``ConvertedDate``, and
``MasterRecordId`` (a merge victim: seed it with ``IsDeleted`` true, as a merge leaves it).
Every problem raises SeedError naming the file and key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from sfclean.localorg.errors import SeedError
from sfclean.localorg.ids import IdFactory, random_id
from sfclean.localorg.orgsettings import parse_settings
from sfclean.localorg.ruleconfig import parse_rules
from sfclean.localorg.rules import RuleSet
from sfclean.localorg.schema import SCHEMA, SObjectType, object_type
from sfclean.localorg.seedaudit import (
    APEX_KEYS,
    PERMISSION_KEYS,
    apex_fields,
    login_history_rows,
    permission_values,
    role_rows,
    setup_audit_trail_rows,
)
from sfclean.localorg.seedconfig import (
    ADMIN_PROFILE,
    ADMIN_USERNAME,
    SEED_TIME,
    SeedInfo,
    check_keys,
    config_items,
    need,
    read_config,
)
from sfclean.localorg.seedrecords import NameIndex, RecordConverter, parse_bool, read_csv
from sfclean.localorg.seedreopen import advance_ids, remember_config, remembered_config, reopen

__all__ = ["ADMIN_PROFILE", "ADMIN_USERNAME", "SEED_TIME", "SeedInfo", "load_seed"]

_LOAD_ORDER = ["User", "Account", "Contact", "Lead"]  # then the rest in SCHEMA order
_TOP_KEYS = {
    "org", "defaultUser", "customPermissions", "profiles", "permissionSets", "users",
    "permissionSetAssignments", "apexClasses", "apexTriggers", "matchingRules",
    "duplicateRules", "records", "userRoles", "loginHistory", "setupAuditTrail", "settings",
}  # fmt: skip
# The keys a profile or permission set shares, read by _Seeder._permission_set.
_PERMISSION_KEYS = {*PERMISSION_KEYS, "customPermissions"}


def load_seed(seed: str | Path | dict[str, Any] | None, store: Any, ids: IdFactory) -> SeedInfo:
    """Load ``seed`` into ``store`` (see the module docstring); raises SeedError.

    A store that already holds an org (a ``--db`` file from an earlier run) is reopened, not
    seeded again: its records stay, the config supplies the rules and limits (``seed=None``:
    the config the store was last opened with), and ``ids`` is advanced past every Id
    already stored so new records never collide.
    """
    config, source, csv_dir = read_config(seed)
    if store.count("Organization"):
        if seed is None:
            config, source = remembered_config(store), "the stored seed config"
        info = reopen(config, source, store, ids)
    else:
        info = _Seeder(config, source, csv_dir, store, ids).run()
    remember_config(store, config)
    return info


# --- the seeder ------------------------------------------------------------------------------


class _Seeder:
    def __init__(
        self, config: dict[str, Any], source: str, csv_dir: Path | None, store: Any, ids: IdFactory
    ) -> None:
        self.config, self.source, self.csv_dir, self.store, self.ids = (
            config,
            source,
            csv_dir,
            store,
            ids,
        )
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.profiles: dict[str, str] = {}  # lower name -> Id
        self.owned_ps: dict[str, str] = {}  # profile Id -> its permission set Id
        self.permsets: dict[str, str] = {}  # lower name -> Id
        self.custom_perms: dict[str, str] = {}  # lower developer name -> Id
        self.roles: dict[str, str] = {}  # lower role name -> Id
        self.users: dict[str, str] = {}  # username -> Id
        self.creator = ""

    def run(self) -> SeedInfo:
        check_keys(self.config, _TOP_KEYS, self.source)
        org = self.config.get("org") or {}
        if not isinstance(org, dict):
            raise SeedError(f"{self.source}: org must be a mapping with name and dailyApiLimit")
        check_keys(org, {"name", "dailyApiLimit", "isSandbox"}, f"{self.source}: org")
        settings = parse_settings(self.config, self.source)
        org_name = str(org.get("name") or "localorg")
        try:
            api_limit = int(org.get("dailyApiLimit", 15000))
        except (TypeError, ValueError):
            raise SeedError(f"{self.source}: org.dailyApiLimit must be a whole number") from None
        org_id = random_id("00D")  # unique per org, like a real one
        self._add(
            "Organization",
            {
                "Id": org_id,
                "Name": org_name,
                "OrganizationType": "Developer Edition",
                "IsSandbox": parse_bool(
                    org.get("isSandbox", False), f"{self.source}: org.isSandbox"
                ),
                "InstanceName": "LOCAL",
            },
        )
        self._custom_permissions()
        self._profiles()
        self._permission_sets()
        roles, self.roles = role_rows(self.config, self.source, self.ids)
        self.rows["UserRole"] = roles
        admin_id, default_id = self._users()
        self.creator = admin_id or default_id
        for rows in self.rows.values():
            for row in rows:
                self._audit(row)
        self._apex()
        rules = RuleSet(parse_rules(self.config, source=self.source), ids=self.ids)
        for name, rows in rules.sobject_rows(
            created_by=self.creator, created_date=SEED_TIME
        ).items():
            self.rows.setdefault(name, []).extend(rows)
        counts: dict[str, int] = {}
        for name, rows in self.rows.items():
            counts[name] = self.store.bulk_load(name, rows)
        for name, loaded in self._records():
            counts[name] = counts.get(name, 0) + loaded
        for name, make in (
            ("LoginHistory", login_history_rows),
            ("SetupAuditTrail", setup_audit_trail_rows),
        ):  # after the records: CSV users may log in too
            counts[name] = self.store.bulk_load(
                name, make(self.config, self.source, self.users, self.ids)
            )
        advance_ids(self.store, self.ids)  # past Ids the CSV files brought along
        info = SeedInfo(org_id, org_name, default_id, dict(self.users), rules, api_limit, admin_id)
        info.record_counts, info.settings = counts, settings
        return info

    def _add(self, object_name: str, row: dict[str, Any]) -> dict[str, Any]:
        self.rows.setdefault(object_name, []).append(row)
        return row

    def _audit(self, row: dict[str, Any]) -> None:
        """Fill the audit fields the row leaves blank (creator, seed time, then copies)."""
        for name, default in (
            ("CreatedById", self.creator),
            ("CreatedDate", SEED_TIME),
            ("LastModifiedById", None),
            ("LastModifiedDate", None),
            ("SystemModstamp", None),
        ):
            if row.get(name) is None:
                row[name] = default
        if row["LastModifiedById"] is None:
            row["LastModifiedById"] = row["CreatedById"]
        if row["LastModifiedDate"] is None:
            row["LastModifiedDate"] = row["CreatedDate"]
        if row["SystemModstamp"] is None:
            row["SystemModstamp"] = row["LastModifiedDate"]

    def _custom_permissions(self) -> None:
        for i, item in enumerate(config_items(self.config, "customPermissions", self.source)):
            where = f"{self.source}: customPermissions[{i}]"
            check_keys(item, {"developerName", "label"}, where)
            name = need(item, "developerName", where)
            rid = self.ids.new("0CP")
            self.custom_perms[name.lower()] = rid
            self._add(
                "CustomPermission",
                {"Id": rid, "DeveloperName": name, "MasterLabel": str(item.get("label") or name)},
            )

    def _grant(self, ps_id: str, names: object, where: str) -> None:
        if not isinstance(names, list):
            raise SeedError(f"{where}.customPermissions must be a list of developer names")
        for name in names:
            cp = self.custom_perms.get(str(name).lower())
            if cp is None:
                raise SeedError(
                    f"{where}.customPermissions: {name!r} is not declared under customPermissions"
                )
            self._add(
                "SetupEntityAccess",
                {
                    "Id": self.ids.new("0J0"),
                    "ParentId": ps_id,
                    "SetupEntityId": cp,
                    "SetupEntityType": "CustomPermission",
                },
            )

    def _permission_set(
        self, name: str, label: str, item: dict[str, Any], where: str, profile_id: str | None
    ) -> str:
        ps_id = self.ids.new("0PS")
        self._add(
            "PermissionSet",
            {
                "Id": ps_id, "Name": name, "Label": label,
                **permission_values(item, where),
                "IsOwnedByProfile": profile_id is not None, "ProfileId": profile_id,
                "Type": "Profile" if profile_id is not None else "Regular",
            },
        )  # fmt: skip
        self._grant(ps_id, item.get("customPermissions", []), where)
        return ps_id

    def _profiles(self) -> None:
        items = [
            (f"{self.source}: profiles[{i}]", item)
            for i, item in enumerate(config_items(self.config, "profiles", self.source))
        ]
        if not any(str(p.get("name", "")).lower() == ADMIN_PROFILE.lower() for _, p in items):
            admin = {
                "name": ADMIN_PROFILE, "modifyAllData": True, "viewAllData": True,
                "customizeApplication": True, "modifyMetadata": True, "manageUsers": True,
                "viewSetup": True,
            }  # fmt: skip
            items.insert(0, (f"{self.source}: built-in admin profile", admin))
        for where, item in items:
            check_keys(item, {"name", "userType", *_PERMISSION_KEYS}, where)
            name = need(item, "name", where)
            if name.lower() in self.profiles:
                raise SeedError(f"{where}.name: profile {name!r} is declared twice")
            pid = self.ids.new("00e")
            self.profiles[name.lower()] = pid
            self._add(
                "Profile",
                {
                    "Id": pid,
                    "Name": name,
                    "UserType": str(item.get("userType") or "Standard"),
                    **permission_values(item, where),
                },
            )
            self.owned_ps[pid] = self._permission_set("X" + pid[:15], name, item, where, pid)

    def _permission_sets(self) -> None:
        for i, item in enumerate(config_items(self.config, "permissionSets", self.source)):
            where = f"{self.source}: permissionSets[{i}]"
            check_keys(item, {"name", "label", *_PERMISSION_KEYS}, where)
            name = need(item, "name", where)
            if name.lower() in self.permsets:
                raise SeedError(f"{where}.name: permission set {name!r} is declared twice")
            self.permsets[name.lower()] = self._permission_set(
                name, str(item.get("label") or name), item, where, None
            )

    def _users(self) -> tuple[str | None, str]:
        items = config_items(self.config, "users", self.source)
        default = self.config.get("defaultUser")
        admin_id = None
        entries = [(f"{self.source}: users[{i}]", item) for i, item in enumerate(items)]
        if not default:
            builtin = {
                "username": ADMIN_USERNAME,
                "name": "Local Admin",
                "email": ADMIN_USERNAME,
                "profile": ADMIN_PROFILE,
            }
            entries.insert(0, (f"{self.source}: built-in admin user", builtin))
        assign: list[tuple[str, str, str]] = []
        for where, item in entries:
            check_keys(
                item,
                {
                    "username",
                    "name",
                    "firstName",
                    "lastName",
                    "email",
                    "alias",
                    "profile",
                    "isActive",
                    "userType",
                    "permissionSets",
                    "role",
                },
                where,
            )
            username = need(item, "username", where)
            if username.lower() in (u.lower() for u in self.users):
                raise SeedError(f"{where}.username: {username!r} is declared twice")
            first, last = item.get("firstName"), item.get("lastName")
            if last is None:
                parts = str(item.get("name") or username.split("@")[0]).rsplit(" ", 1)
                first, last = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
            profile = str(item.get("profile") or ADMIN_PROFILE)
            pid = self.profiles.get(profile.lower())
            if pid is None:
                raise SeedError(f"{where}.profile: {profile!r} is not declared under profiles")
            uid = self.ids.new("005")
            self.users[username] = uid
            if username == ADMIN_USERNAME and not default:
                admin_id = uid
            name = f"{first} {last}" if first else str(last)
            self._add(
                "User",
                {
                    "Id": uid, "Username": username, "FirstName": first, "LastName": last, "Name": name,
                    "Email": str(item.get("email") or username), "Alias": str(item.get("alias") or username[:8]),
                    "ProfileId": pid, "IsActive": parse_bool(item.get("isActive", True), f"{where}.isActive"),
                    "UserType": str(item.get("userType") or "Standard"),
                    "UserRoleId": self._role_id(item, where),
                },
            )  # fmt: skip
            assign.append((uid, self.owned_ps[pid], where))
            for ps in item.get("permissionSets") or []:
                assign.append((uid, self._permset_id(str(ps), f"{where}.permissionSets"), where))
        for i, item in enumerate(
            config_items(self.config, "permissionSetAssignments", self.source)
        ):
            where = f"{self.source}: permissionSetAssignments[{i}]"
            check_keys(item, {"user", "permissionSet"}, where)
            user = need(item, "user", where)
            assignee = next((v for k, v in self.users.items() if k.lower() == user.lower()), None)
            if assignee is None:
                raise SeedError(f"{where}.user: {user!r} is not declared under users")
            assign.append(
                (
                    assignee,
                    self._permset_id(need(item, "permissionSet", where), f"{where}.permissionSet"),
                    where,
                )
            )
        for uid, ps_id, _ in dict.fromkeys(assign):
            self._add(
                "PermissionSetAssignment",
                {"Id": self.ids.new("0Pa"), "AssigneeId": uid, "PermissionSetId": ps_id},
            )
        if default:
            default_id = next(
                (v for k, v in self.users.items() if k.lower() == str(default).lower()), None
            )
            if default_id is None:
                raise SeedError(
                    f"{self.source}: defaultUser {default!r} is not declared under users"
                )
            return admin_id, default_id
        assert admin_id is not None
        return admin_id, admin_id

    def _role_id(self, item: dict[str, Any], where: str) -> str | None:
        if not item.get("role"):
            return None
        role = self.roles.get(str(item["role"]).strip().lower())
        if role is None:
            raise SeedError(f"{where}.role: {item['role']!r} is not declared under userRoles")
        return role

    def _permset_id(self, name: str, where: str) -> str:
        ps = self.permsets.get(name.lower())
        if ps is None:
            raise SeedError(f"{where}: {name!r} is not declared under permissionSets")
        return ps

    def _apex(self) -> None:
        for key, obj in (("apexClasses", "ApexClass"), ("apexTriggers", "ApexTrigger")):
            for i, item in enumerate(config_items(self.config, key, self.source)):
                where = f"{self.source}: {key}[{i}]"
                allowed = {"name", "body", "bodyFile", "status", "apiVersion", *APEX_KEYS} | (
                    {"object"} if obj == "ApexTrigger" else set()
                )
                check_keys(item, allowed, where)
                body = item.get("body")
                if item.get("bodyFile"):
                    base = self.csv_dir or Path(self.source).parent
                    try:
                        body = (base / str(item["bodyFile"])).read_text(encoding="utf-8")
                    except OSError:
                        raise SeedError(
                            f"{where}.bodyFile: {item['bodyFile']!r} cannot be read"
                        ) from None
                row = {
                    "Id": self.ids.new(SCHEMA[obj].key_prefix),
                    "Name": need(item, "name", where),
                    "Status": str(item.get("status") or "Active"),
                    "ApiVersion": float(item.get("apiVersion", 62.0)),
                    **apex_fields(item, body, where),
                }
                if obj == "ApexTrigger":
                    row["TableEnumOrId"] = need(item, "object", where)
                self._audit(self._add(obj, row))

    # -- records (CSV files or config "records") ----------------------------------------------

    def _records(self) -> Iterator[tuple[str, int]]:
        sources: dict[str, tuple[str, Callable[[], Iterable[dict[str, Any]]]]] = {}
        records = self.config.get("records") or {}
        if not isinstance(records, dict):
            raise SeedError(f"{self.source}: records must map object names to lists of rows")
        for name, rows in records.items():
            obj = self._object(str(name), f"{self.source}: records")
            if not isinstance(rows, list):
                raise SeedError(f"{self.source}: records.{name} must be a list of rows")
            sources[obj.name] = (f"{self.source}: records.{obj.name}", partial(iter, rows))
        if self.csv_dir is not None:
            for path in sorted(self.csv_dir.glob("*.csv")):
                obj = self._object(path.stem, str(path))
                if obj.name in sources:
                    raise SeedError(
                        f"{path}: {obj.name} records are also given elsewhere; keep one source"
                    )
                sources[obj.name] = (str(path), partial(read_csv, path))
        order = [n for n in _LOAD_ORDER if n in sources] + [
            n for n in SCHEMA if n in sources and n not in _LOAD_ORDER
        ]
        names = NameIndex(self.rows)
        for name in order:
            where, rows = sources[name]
            loader = RecordConverter(
                SCHEMA[name], where, ids=self.ids, names=names, audit=self._audit
            )
            converted = [loader.convert(row, n) for n, row in enumerate(rows(), start=2)]
            names.add(name, converted)
            if name == "User":
                self.users.update({r["Username"]: r["Id"] for r in converted})
            yield name, self.store.bulk_load(name, converted)

    def _object(self, name: str, where: str) -> SObjectType:
        obj = object_type(name)
        if obj is None or obj.name == "Organization":
            raise SeedError(
                f"{where}: {name!r} is not an object localorg can seed; name files like Contact.csv"
            )
        return obj
