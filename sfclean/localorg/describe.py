"""Describe results built from SCHEMA: ``GET sobjects/`` and ``GET sobjects/{object}/describe``.

The shapes carry the keys real orgs return (and that simple-salesforce, Data Loader-like
callers and the Salesforce CLI read): object flags, ``urls``, ``fields[]`` with type, length,
nillable/createable/updateable, references and SOAP types, and ``childRelationships``. Labels
come from the field's ``label`` in SCHEMA, else from a few standard labels, else from the API
name split at capitals (``MailingPostalCode`` -> ``Mailing Postal Code``, ``OwnerId`` ->
``Owner ID``).
"""

from __future__ import annotations

import re
from typing import Any

from .schema import SCHEMA, Field, SObjectType, child_relationships

__all__ = ["describe_global", "describe_object", "field_label"]

_LABELS = {
    "HasOptedOutOfEmail": "Email Opt Out",
    "MobilePhone": "Mobile Phone",
    "PostalCode": "Zip/Postal Code",
    "OwnerId": "Owner ID",
    "IsConverted": "Converted",
    "IsActive": "Active",
}
_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "datetime": "xsd:dateTime",
    "date": "xsd:date",
    "int": "xsd:int",
    "double": "xsd:double",
}
_ID_TYPES = frozenset({"id", "reference"})  # length 18, byteLength 18
_PICKLISTS = {
    ("Lead", "Status"): (
        "Open - Not Contacted",
        "Working - Contacted",
        "Closed - Converted",
        "Closed - Not Converted",
    ),
    ("Lead", "LeadSource"): ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"),
    ("Contact", "LeadSource"): (
        "Web",
        "Phone Inquiry",
        "Partner Referral",
        "Purchased List",
        "Other",
    ),
}
_NO_CRUD = frozenset({"Organization"})
_READ_ONLY_OBJECTS = frozenset(
    {
        "Organization",
        "DuplicateRule",
        "MatchingRule",
        "MatchingRuleItem",
        "ApexClass",
        "ApexTrigger",
    }
)


def field_label(obj: SObjectType, f: Field) -> str:
    """The field's label, as used in describe and in Salesforce's error messages."""
    if f.label:
        return f.label
    if f.name == "Id":
        return f"{obj.label or obj.name} ID"
    if f.name == "Name" and obj.name in ("Lead", "Contact", "User"):
        return "Full Name"
    if f.name in _LABELS:
        return _LABELS[f.name]
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", f.name)
    if words and words[-1] == "Id":
        words[-1] = "ID"
    return " ".join(words) or f.name


def _urls(obj: SObjectType, api_version: str) -> dict[str, str]:
    base = f"/services/data/v{api_version}/sobjects/{obj.name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
        "listviews": f"{base}/listviews",
        "describe": f"{base}/describe",
        "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts",
        "sobject": base,
    }


def _summary(obj: SObjectType, api_version: str) -> dict[str, Any]:
    writable = obj.createable and obj.name not in _READ_ONLY_OBJECTS
    return {
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "createable": writable,
        "custom": False,
        "customSetting": False,
        "deepCloneable": False,
        "deletable": writable,
        "deprecatedAndHidden": False,
        "feedEnabled": obj.name in ("Lead", "Contact", "Account", "User"),
        "hasSubtypes": False,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": obj.key_prefix,
        "label": obj.label or obj.name,
        "labelPlural": obj.label_plural or obj.name + "s",
        "layoutable": obj.name not in _NO_CRUD,
        "mergeable": obj.name in ("Lead", "Contact", "Account"),
        "mruEnabled": obj.name in ("Lead", "Contact", "Account"),
        "name": obj.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": obj.name in ("Lead", "Contact", "Account", "User"),
        "triggerable": obj.name in ("Lead", "Contact", "Account", "User"),
        "undeletable": obj.name in ("Lead", "Contact", "Account"),
        "updateable": writable,
        "urls": _urls(obj, api_version),
    }


def _field(obj: SObjectType, f: Field) -> dict[str, Any]:
    text = f.type not in _SOAP_TYPES
    defaulted = (
        f.default is not None
        or f.type == "boolean"
        or f.name in ("Id", "OwnerId")
        or (f.name == "Name" and not f.required)  # Lead/Contact Name; Account Name is required
        or (not f.createable and f.name != "Name")
    )
    picklist = f.values or _PICKLISTS.get((obj.name, f.name), ())
    return {
        "aggregatable": f.type not in ("textarea", "boolean"),
        "autoNumber": False,
        "byteLength": f.length * 3 if text else (f.length if f.type in _ID_TYPES else 0),
        "calculated": False,
        "calculatedFormula": None,
        "cascadeDelete": False,
        "caseSensitive": False,
        "compoundFieldName": None,
        "controllerName": None,
        "createable": f.createable and obj.name not in _READ_ONLY_OBJECTS,
        "custom": False,
        "defaultValue": f.default
        if f.default is not None
        else (False if f.type == "boolean" else None),
        "defaultValueFormula": None,
        "defaultedOnCreate": defaulted,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": 0,
        "displayLocationInDecimal": False,
        "encrypted": False,
        "externalId": False,
        "extraTypeInfo": None,
        "filterable": f.type != "textarea" or f.length <= 255,
        "filteredLookupInfo": None,
        "groupable": f.groupable,
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": f.id_lookup,
        "inlineHelpText": None,
        "label": field_label(obj, f),
        "length": f.length if text or f.type in _ID_TYPES else 0,
        "mask": None,
        "maskType": None,
        "name": f.name,
        "nameField": f.name == "Name",
        "namePointing": len(f.reference_to) > 1,
        "nillable": f.nillable,
        "permissionable": f.nillable and f.createable,
        "picklistValues": [
            {
                "active": True,
                "defaultValue": v == f.default,
                "label": v,
                "validFor": None,
                "value": v,
            }
            for v in picklist
        ],
        "polymorphicForeignKey": len(f.reference_to) > 1,
        "precision": 18 if f.type == "double" else 0,
        "queryByDistance": False,
        "referenceTargetField": None,
        "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": f.restricted,
        "scale": 0,
        "searchPrefilterable": f.type == "reference",
        "soapType": _SOAP_TYPES.get(f.type, "xsd:string"),
        "sortable": f.type != "textarea" or f.length <= 255,
        "type": f.type,
        "unique": False,
        "updateable": f.updateable and obj.name not in _READ_ONLY_OBJECTS,
        "writeRequiresMasterRead": False,
    }


def _child_relationships(obj: SObjectType) -> list[dict[str, Any]]:
    return [
        {
            "cascadeDelete": False,
            "childSObject": rel.child.name,
            "deprecatedAndHidden": False,
            "field": rel.field.name,
            "junctionIdListNames": [],
            "junctionReferenceTo": [],
            "relationshipName": rel.name,
            "restrictedDelete": False,
        }
        for rel in child_relationships(obj)
    ]


def describe_global(api_version: str = "62.0") -> dict[str, Any]:
    """``GET sobjects/``: encoding, batch size and every object's summary."""
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [_summary(o, api_version) for o in SCHEMA.values()],
    }


def describe_object(obj: SObjectType, api_version: str = "62.0") -> dict[str, Any]:
    """``GET sobjects/{object}/describe``: the summary plus fields and relationships."""
    out = _summary(obj, api_version)
    out.update(
        {
            "actionOverrides": [],
            "childRelationships": _child_relationships(obj),
            "compactLayoutable": obj.name not in _NO_CRUD,
            "defaultImplementation": None,
            "extendedBy": None,
            "extendsInterfaces": None,
            "fields": [_field(obj, f) for f in obj.fields],
            "implementedBy": None,
            "implementsInterfaces": None,
            "listviewable": None,
            "lookupLayoutable": None,
            "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [],
            "searchLayoutable": obj.name not in _NO_CRUD,
            "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All records", "name": "everything"}],
        }
    )
    out["urls"]["uiDetailTemplate"] = None
    return dict(sorted(out.items()))
