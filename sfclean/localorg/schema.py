"""The objects localorg knows, their fields and how they relate: the single source of truth
for the store's tables, SOQL field resolution, describe results and field validation.

Field types follow Salesforce's describe ``type`` values (``id``, ``string``, ``email``,
``phone``, ``textarea``, ``picklist``, ``boolean``, ``datetime``, ``date``, ``reference``,
``int``, ``double``, ``url``). Lookups by name are case-insensitive, as in the API.

Storage layout (used by the store and the SOQL compiler): one SQLite table per object, named
exactly like the object; one column per field, named exactly like the field. Text-like fields
are ``TEXT COLLATE NOCASE`` (SOQL compares strings case-insensitively), booleans ``INTEGER``
0/1, datetimes ``TEXT`` as ``2024-01-31T09:30:00.000+0000``, dates ``TEXT`` ``2024-01-31``,
numbers ``INTEGER``/``REAL``. Absent values are NULL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "SCHEMA",
    "TEXT_TYPES",
    "ChildRelationship",
    "Field",
    "SObjectType",
    "child_relationship",
    "child_relationships",
    "object_for_id",
    "object_type",
]

TEXT_TYPES = frozenset(
    {"id", "string", "email", "phone", "textarea", "picklist", "reference", "url"}
)


#: fields every record has a value in, set by the org
_ALWAYS_SET = frozenset(
    {
        "Id",
        "OwnerId",
        "CreatedById",
        "CreatedDate",
        "LastModifiedById",
        "LastModifiedDate",
        "SystemModstamp",
    }
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    length: int = 0
    required: bool = False  # REQUIRED_FIELD_MISSING on create when blank
    createable: bool = True
    updateable: bool = True
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    default: object = None  # value set on create when the caller gives none
    label: str = ""
    values: tuple[str, ...] = ()  # picklist values (describe's picklistValues)
    restricted: bool = False  # restricted picklist: other values are refused

    @property
    def nillable(self) -> bool:
        """Describe's ``nillable``: false for required fields, checkboxes, Id, the fields the
        org always sets (owner, audit fields) and fields with a default (Lead ``Status``)."""
        return (
            not self.required
            and self.type != "boolean"
            and self.name not in _ALWAYS_SET
            and self.default is None
        )

    @property
    def id_lookup(self) -> bool:
        """Describe's ``idLookup``: the field identifies a record, so it can serve as the
        external id of an upsert or a lookup (``sobjects/Contact/Email/{value}``); standard
        objects have no ``externalId`` fields, only these."""
        return self.name in ("Id", "Email", "Username") or (self.name == "Name" and self.required)

    @property
    def groupable(self) -> bool:
        """Whether GROUP BY accepts the field (describe's ``groupable``)."""
        return self.type not in ("textarea", "double", "datetime")

    @property
    def sqlite_type(self) -> str:
        if self.type in ("boolean", "int"):
            return "INTEGER"
        if self.type == "double":
            return "REAL"
        if self.type in TEXT_TYPES:
            return "TEXT COLLATE NOCASE"
        return "TEXT"  # datetime, date: compared as ISO strings


@dataclass(frozen=True)
class SObjectType:
    name: str
    key_prefix: str
    fields: tuple[Field, ...]
    label: str = ""
    label_plural: str = ""
    createable: bool = True
    indexed: tuple[str, ...] = ()  # extra SQLite indexes (Email, Phone, foreign keys, ...)
    _by_lower: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_lower.update({f.name.lower(): f for f in self.fields})

    def field(self, name: str) -> Field | None:
        """The field called ``name`` (case-insensitive), or None."""
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> Field | None:
        """The reference field whose relationship name is ``name`` (``CreatedBy``), or None."""
        lname = name.lower()
        for f in self.fields:
            if f.relationship_name and f.relationship_name.lower() == lname:
                return f
        return None

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


# --- field constructors -----------------------------------------------------------------------


def _s(name: str, length: int = 255, **kw: object) -> Field:
    return Field(name, "string", length, **kw)  # type: ignore[arg-type]


def _ref(name: str, to: str | tuple[str, ...], rel: str | None = None, **kw: object) -> Field:
    targets = (to,) if isinstance(to, str) else to
    relname = rel if rel is not None else (name[:-2] if name.endswith("Id") else None)
    return Field(name, "reference", 18, reference_to=targets, relationship_name=relname, **kw)  # type: ignore[arg-type]


def _bool(name: str, default: bool = False, **kw: object) -> Field:
    return Field(name, "boolean", default=default, **kw)  # type: ignore[arg-type]


def _audit() -> tuple[Field, ...]:
    """Fields every object has, set by the org from the calling user, never by the caller."""
    return (
        _ref("CreatedById", "User", createable=False, updateable=False),
        Field("CreatedDate", "datetime", createable=False, updateable=False),
        _ref("LastModifiedById", "User", createable=False, updateable=False),
        Field("LastModifiedDate", "datetime", createable=False, updateable=False),
        Field("SystemModstamp", "datetime", createable=False, updateable=False),
    )


_ID = Field("Id", "id", 18, createable=False, updateable=False)
# User permissions as Profile and PermissionSet expose them (``Permissions<Name>``); the audit
# reads these (audit-scan-facts.md section 3.8). ApiEnabled defaults to true, the rest to false.
_PERMISSIONS = (
    "ModifyAllData", "ViewAllData", "ApiEnabled", "ApiUserOnly", "CreateAuditFields",
    "CustomizeApplication", "ModifyMetadata", "ManageUsers", "ViewSetup",
)  # fmt: skip
#: set by a delete (records stay, visible to queryAll); never set by the caller
_IS_DELETED = Field(
    "IsDeleted", "boolean", createable=False, updateable=False, default=False, label="Deleted"
)
_OWNER = _ref("OwnerId", "User", "Owner")


def _converted() -> tuple[Field, ...]:
    """Lead conversion results: set by convertLead (read-only to callers; a seed may set them)."""
    return (
        _ref("ConvertedContactId", "Contact", createable=False, updateable=False),
        Field("ConvertedDate", "date", createable=False, updateable=False),
    )


def _master(name: str) -> Field:
    """``MasterRecordId``: set on a merge victim (deleted by the merge) to the winning record."""
    return _ref("MasterRecordId", name, createable=False, updateable=False)


#: References with no child relationship name (a real org's describe gives none either).
_UNNAMED_CHILDREN = frozenset({"OwnerId", "ConvertedContactId", "MasterRecordId"})
_NAME_RO = Field("Name", "string", 121, createable=False, updateable=False)  # FirstName LastName


def _phones(*names: str) -> tuple[Field, ...]:
    return tuple(Field(n, "phone", 40) for n in names)


def _address(prefix: str) -> tuple[Field, ...]:
    return (
        Field(f"{prefix}Street", "textarea", 255),
        _s(f"{prefix}City", 40),
        _s(f"{prefix}State", 80),
        _s(f"{prefix}PostalCode", 20),
        _s(f"{prefix}Country", 80),
    )


def _obj(
    name: str,
    prefix: str,
    fields: Iterable[Field],
    *,
    plural: str | None = None,
    indexed: tuple[str, ...] = (),
    createable: bool = True,
) -> SObjectType:
    return SObjectType(
        name=name,
        key_prefix=prefix,
        fields=(_ID, _IS_DELETED, *fields, *_audit()),
        label=name,
        label_plural=plural or name + "s",
        indexed=indexed,
        createable=createable,
    )


# Apex: LengthWithoutComments (data and Tooling API); ManageableState is Tooling-only (the data
# API's query refuses it: sfclean.localorg.tooling).
_APEX_EXTRA = (
    Field("LengthWithoutComments", "int"),
    Field("ManageableState", "picklist", 40, default="unmanaged"),
)

# Read-only setup objects without the usual audit fields (Object Reference: LoginHistory has
# none; SetupAuditTrail has CreatedById / CreatedDate only).
_LOGIN_HISTORY = SObjectType(
    name="LoginHistory",
    key_prefix="0Ya",
    fields=(
        _ID,
        _IS_DELETED,  # not on a real org's LoginHistory; the store keeps it on every table
        _ref("UserId", "User", createable=False, updateable=False),
        Field("LoginTime", "datetime", createable=False, updateable=False),
        *(
            Field(n, "picklist" if n in ("LoginType", "Status") else "string", 255,
                  createable=False, updateable=False)
            for n in ("LoginType", "LoginSubType", "Status", "Application", "ApiType",
                      "ApiVersion", "ClientVersion", "Browser", "Platform", "SourceIp",
                      "LoginUrl", "CountryIso")
        ),
    ),
    label="Login History",
    label_plural="Login History",
    createable=False,
    indexed=("UserId",),
)  # fmt: skip
_SETUP_AUDIT_TRAIL = SObjectType(
    name="SetupAuditTrail",
    key_prefix="0Ym",
    fields=(
        _ID,
        _IS_DELETED,  # not on a real org's SetupAuditTrail; the store keeps it on every table
        *(
            Field(n, "string", 1024 if n == "Display" else 255, createable=False, updateable=False)
            for n in ("Action", "Section", "Display", "DelegateUser", "ResponsibleNamespacePrefix")
        ),
        _ref("CreatedById", "User", createable=False, updateable=False),
        Field("CreatedDate", "datetime", createable=False, updateable=False),
    ),
    label="Setup Audit Trail",
    label_plural="Setup Audit Trail",
    createable=False,
)  # fmt: skip

# MatchingRule.RuleStatus (Metadata API MatchingRuleStatus) and MatchingRuleItem.BlankValueBehavior
_RULE_STATUSES = (
    "Active", "Inactive", "Activating", "Deactivating", "ActivationFailed", "DeactivationFailed",
)  # fmt: skip
_BLANKS = ("MatchBlanks", "NullNotAllowed")
# Lead Rating is a restricted picklist here (an org admin can restrict a picklist to its value
# set; whether a given org's Rating is restricted is that org's setting).
_RATINGS = ("Hot", "Warm", "Cold")

SCHEMA: dict[str, SObjectType] = {
    o.name: o
    for o in (
        _obj(
            "Lead",
            "00Q",
            (
                _s("FirstName", 40),
                _s("LastName", 80, required=True),
                _NAME_RO,
                _s("Company", 255, required=True),
                _s("Title", 128),
                Field("Email", "email", 80),
                *_phones("Phone", "MobilePhone", "Fax"),
                Field("Website", "url", 255),
                Field("LeadSource", "picklist", 255),
                Field("Status", "picklist", 255, default="Open - Not Contacted"),
                Field("Industry", "picklist", 255),
                Field("Rating", "picklist", 255, values=_RATINGS, restricted=True),
                Field("NumberOfEmployees", "int"),
                Field("AnnualRevenue", "double"),  # currency in Salesforce; no currency type here
                *_address(""),
                Field("Description", "textarea", 32000),
                _bool("HasOptedOutOfEmail"),
                _bool("IsConverted", updateable=False),
                *_converted(),
                _master("Lead"),
                _OWNER,
            ),
            indexed=("Email", "Phone", "CreatedById"),
        ),
        _obj(
            "Contact",
            "003",
            (
                _ref("AccountId", "Account"),
                _s("FirstName", 40),
                _s("LastName", 80, required=True),
                _NAME_RO,
                _s("Title", 128),
                _s("Department", 80),
                Field("Email", "email", 80),
                *_phones("Phone", "MobilePhone", "HomePhone", "OtherPhone", "Fax"),
                Field("LeadSource", "picklist", 255),
                *_address("Mailing"),
                Field("Description", "textarea", 32000),
                _bool("HasOptedOutOfEmail"),
                _master("Contact"),
                _OWNER,
            ),
            indexed=("Email", "Phone", "AccountId", "CreatedById"),
        ),
        _obj(
            "Account",
            "001",
            (
                _s("Name", 255, required=True),
                Field("Phone", "phone", 40),
                Field("Website", "url", 255),
                Field("Industry", "picklist", 255),
                *_address("Billing"),
                *_address("Shipping"),
                _OWNER,
            ),
        ),
        _obj(
            "User",
            "005",
            (
                _s("Username", 80, required=True),
                _s("FirstName", 40),
                _s("LastName", 80, required=True),
                _NAME_RO,
                Field("Email", "email", 128, required=True),
                _s("Alias", 8),
                _ref("ProfileId", "Profile"),
                _bool("IsActive", default=True),
                Field("UserType", "picklist", 40, default="Standard"),
                _ref("UserRoleId", "UserRole"),
            ),
        ),
        _obj(
            "Profile",
            "00e",
            (
                _s("Name", 255, required=True),
                Field("UserType", "picklist", 40),
                *(_bool(f"Permissions{p}", default=p == "ApiEnabled") for p in _PERMISSIONS),
            ),
        ),
        _obj("UserRole", "00E", (_s("Name", 80, required=True), _s("DeveloperName", 80))),
        _obj(
            "PermissionSet",
            "0PS",
            (
                _s("Name", 80, required=True),
                _s("Label", 80),
                *(_bool(f"Permissions{p}", default=p == "ApiEnabled") for p in _PERMISSIONS),
                _bool("IsOwnedByProfile"),
                _ref("ProfileId", "Profile"),
                Field("Type", "picklist", 40, default="Regular"),
                _s("NamespacePrefix", 15),
            ),
        ),
        _obj(
            "PermissionSetAssignment",
            "0Pa",
            (
                _ref("AssigneeId", "User", required=True),
                _ref("PermissionSetId", "PermissionSet", required=True),
            ),
            indexed=("AssigneeId", "PermissionSetId"),
        ),
        _obj(
            "CustomPermission",
            "0CP",
            (
                _s("DeveloperName", 80, required=True),
                _s("MasterLabel", 80),
                _s("NamespacePrefix", 15),
            ),
        ),
        _obj(
            "SetupEntityAccess",
            "0J0",
            (
                _ref("ParentId", "PermissionSet", required=True),
                _ref(
                    "SetupEntityId", ("CustomPermission", "ApexClass"), "SetupEntity", required=True
                ),
                _s("SetupEntityType", 40),
            ),
            plural="SetupEntityAccess",
        ),
        _obj(
            "DuplicateRule",
            "0Bm",
            (
                _s("DeveloperName", 80, required=True),
                _s("MasterLabel", 80),
                _s("SobjectType", 40),
                _s("SobjectSubtype", 40),
                _bool("IsActive"),
                _s("NamespacePrefix", 15),
            ),
        ),
        _obj(
            "MatchingRule",
            "0JD",
            (
                _s("DeveloperName", 80, required=True),
                _s("MasterLabel", 80),
                _s("SobjectType", 40),
                Field("RuleStatus", "picklist", 40, default="Active", values=_RULE_STATUSES),
                _s("MatchEngine", 40),
                Field("BooleanFilter", "string", 255),
                _s("NamespacePrefix", 15),
            ),
        ),
        _obj(
            "MatchingRuleItem",
            "0JE",
            (
                _ref("MatchingRuleId", "MatchingRule", required=True),
                _s("Field", 255),
                Field("MatchingMethod", "picklist", 40),
                Field(
                    "BlankValueBehavior", "picklist", 40, default="NullNotAllowed", values=_BLANKS
                ),
                Field("SortOrder", "int"),
            ),
        ),
        _obj(
            "DuplicateRecordSet",
            "0GK",
            (
                Field("Name", "string", 80, createable=False, updateable=False),
                _ref("DuplicateRuleId", "DuplicateRule"),
                Field("RecordCount", "int", createable=False, updateable=False),
            ),
        ),
        _obj(
            "DuplicateRecordItem",
            "0GL",
            (
                Field("Name", "string", 80, createable=False, updateable=False),
                _ref("DuplicateRecordSetId", "DuplicateRecordSet", required=True),
                _ref("RecordId", ("Lead", "Contact", "Account"), "Record", required=True),
            ),
            indexed=("DuplicateRecordSetId", "RecordId"),
        ),
        _obj(
            "ApexClass",
            "01p",
            (
                _s("Name", 255, required=True),
                Field("Body", "textarea", 1_000_000),
                Field("Status", "picklist", 40, default="Active"),
                Field("ApiVersion", "double", default=62.0),
                _s("NamespacePrefix", 15),
                *_APEX_EXTRA,
            ),
            plural="ApexClasses",
        ),
        _obj(
            "ApexTrigger",
            "01q",
            (
                _s("Name", 255, required=True),
                Field("Body", "textarea", 1_000_000),
                _s("TableEnumOrId", 40),
                Field("Status", "picklist", 40, default="Active"),
                Field("ApiVersion", "double", default=62.0),
                _s("NamespacePrefix", 15),
                *_APEX_EXTRA,
            ),
        ),
        _LOGIN_HISTORY,
        _SETUP_AUDIT_TRAIL,
        _obj(
            "Organization",
            "00D",
            (
                _s("Name", 80),
                _s("OrganizationType", 40),
                _bool("IsSandbox"),
                _s("InstanceName", 40),
                Field("TrialExpirationDate", "datetime"),
                _s("NamespacePrefix", 15),
            ),
            createable=False,
        ),
    )
}

_BY_LOWER = {name.lower(): obj for name, obj in SCHEMA.items()}
_BY_PREFIX = {obj.key_prefix: obj for obj in SCHEMA.values()}


def object_type(name: str) -> SObjectType | None:
    """The object called ``name`` (case-insensitive), or None."""
    return _BY_LOWER.get(name.lower())


def object_for_id(record_id: str) -> SObjectType | None:
    """The object an Id belongs to, from its 3-character key prefix."""
    return _BY_PREFIX.get(record_id[:3])


@dataclass(frozen=True)
class ChildRelationship:
    """A reference from ``child.field`` to a parent; ``name`` (``Contacts``) is what a child
    subquery names in its FROM (None for ``OwnerId``, which has no relationship name)."""

    name: str | None
    child: SObjectType
    field: Field


def child_relationships(parent: SObjectType) -> list[ChildRelationship]:
    """Every reference to ``parent`` from another object (the audit lookups excepted), in
    SCHEMA order; named after the child's plural label (``Contacts``, ``DuplicateRecordItems``)."""
    out = []
    for child in SCHEMA.values():
        for f in child.fields:
            if parent.name in f.reference_to and f.name not in ("CreatedById", "LastModifiedById"):
                name = None if f.name in _UNNAMED_CHILDREN else child.label_plural.replace(" ", "")
                out.append(ChildRelationship(name, child, f))
    return out


def child_relationship(parent: SObjectType, name: str) -> ChildRelationship | None:
    """The child relationship of ``parent`` called ``name`` (case-insensitive), or None."""
    lname = name.lower()
    for rel in child_relationships(parent):
        if rel.name is not None and rel.name.lower() == lname:
            return rel
    return None
