"""The Metadata API's ``readMetadata`` over SOAP at ``/services/Soap/m/{version}`` (with or
without the trailing org Id that ``login()``'s ``metadataServerUrl`` carries), for the types
DuplicateRule and MatchingRule, as simple-salesforce's ``sf.mdapi.DuplicateRule.read`` and
jsforce's ``conn.metadata.read`` call it, and EmailAdministrationSettings (the seed's
``settings``: Email Address Internationalization, :mod:`sfclean.localorg.orgsettings`).

Documented behaviour followed here (audit-scan-facts.md section 3.3; Metadata API Developer
Guide, readMetadata and DuplicateRule):

- Request: a SOAP envelope with ``<SessionHeader><sessionId>`` and
  ``<readMetadata><type>DuplicateRule</type><fullNames>Lead.Rule_Name</fullNames>...``;
  full names are ``<Object>.<DeveloperName>``. One type per call.
- Permission: the session user must hold Modify All Data or Modify Metadata Through Metadata
  API Functions (``PermissionsModifyAllData`` / ``PermissionsModifyMetadata`` on their profile
  or an assigned permission set); otherwise the fault ``INSUFFICIENT_ACCESS``.
- At most 10 full names per call; more give the fault ``EXCEEDED_ID_LIMIT`` (its wording is
  the one reported by certinia/apex-mdapi#105, not from Salesforce's guide).
- Response: ``<readMetadataResponse><result><records xsi:type="DuplicateRule">`` with the
  WSDL's element order (actionOnInsert, actionOnUpdate, alertText, description,
  duplicateRuleFilter{booleanFilter, duplicateRuleFilterItems{field, operation, value,
  sortOrder, table}}, duplicateRuleMatchRules{matchRuleSObjectType, matchingRule,
  objectMapping}, isActive, masterLabel, operationsOnInsert*, operationsOnUpdate*,
  securityOption, sortOrder); MatchingRule as booleanFilter, description, label,
  matchingRuleItems{blankValueBehavior, fieldName, matchingMethod}, ruleStatus.
- Faults: ``<soapenv:Fault><faultcode>sf:CODE</faultcode><faultstring>CODE: message``,
  HTTP 500, as the SOAP APIs answer.

localorg's choices (UNCONFIRMED against a real org): unknown full names are left out of the
result; other metadata types and operations give the fault ``INVALID_TYPE`` /
``UNKNOWN_EXCEPTION`` saying localorg does not serve them; Metadata API calls are not counted
against the daily API limit. A cross-object rule's ``objectMapping`` lists the mapped fields
(the same names when the seed gives none). Filter items keep the seed's ``table``; a rule's
``description`` is always nil (the seed format drops it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

from sfclean.localorg.orgsettings import SETTINGS_TYPE, settings_records
from sfclean.localorg.rulemodel import DuplicateRule, MatchingRule
from sfclean.localorg.wire import Ctx, Route

__all__ = ["MAX_FULL_NAMES", "METADATA_NS", "ROUTES", "read_metadata"]

METADATA_NS = "http://soap.sforce.com/2006/04/metadata"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_FULL_NAMES = 10
_XML = "text/xml; charset=utf-8"
_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns="{METADATA_NS}" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
)
_CLOSE = "</soapenv:Body></soapenv:Envelope>"


def _fault(code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns:sf="{METADATA_NS}"><soapenv:Body>'
        f"<soapenv:Fault><faultcode>sf:{code}</faultcode>"
        f"<faultstring>{escape(f'{code}: {message}')}</faultstring></soapenv:Fault>"
        "</soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status=500, content_type=_XML)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _el(tag: str, value: Any) -> str:
    """``<tag>value</tag>``; None gives ``<tag xsi:nil="true"/>``; lists repeat the tag."""
    if value is None:
        return f'<{tag} xsi:nil="true"/>'
    if isinstance(value, list):
        return "".join(_el(tag, v) for v in value)
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(str(value))}</{tag}>"


def _ordered(ops: Iterable[str]) -> list[str]:
    return sorted(
        ops, key=lambda o: ("Alert", "Report").index(o) if o in ("Alert", "Report") else 2
    )


def _duplicate_rule_xml(rule: DuplicateRule) -> str:
    items = "".join(
        "<duplicateRuleFilterItems>"
        + _el("field", f.field)
        + _el("operation", f.operation)
        + _el("value", f.value)
        + _el("sortOrder", n)
        + _el("table", f.table)
        + "</duplicateRuleFilterItems>"
        for n, f in enumerate(rule.filters, start=1)
    )
    if rule.filters:
        flt = "<duplicateRuleFilter>" + _el("booleanFilter", rule.boolean_filter) + items
        flt += "</duplicateRuleFilter>"
    else:
        flt = _el("duplicateRuleFilter", None)
    refs = ""
    for m in rule.matching_rules:
        mapping = _el("objectMapping", None)
        if m.object_name.lower() != rule.object_name.lower() or rule.mappings.get(m.developer_name):
            pairs = "".join(
                "<mappingFields>"
                + _el("inputField", rule.input_field(m, f))
                + _el("outputField", f)
                + "</mappingFields>"
                for f in m.field_names
            )
            mapping = (
                f"<objectMapping>{_el('inputObject', rule.object_name)}{pairs}"
                f"{_el('outputObject', m.object_name)}</objectMapping>"
            )
        refs += (
            "<duplicateRuleMatchRules>"
            + _el("matchRuleSObjectType", m.object_name)
            + _el("matchingRule", m.developer_name)
            + mapping
            + "</duplicateRuleMatchRules>"
        )
    return (
        '<records xsi:type="DuplicateRule">'
        + _el("fullName", f"{rule.object_name}.{rule.developer_name}")
        + _el("actionOnInsert", rule.action_on_insert)
        + _el("actionOnUpdate", rule.action_on_update)
        + _el("alertText", rule.alert_text)
        + _el("description", None)
        + flt
        + refs
        + _el("isActive", rule.active)
        + _el("masterLabel", rule.label or rule.developer_name)
        + _el("operationsOnInsert", _ordered(rule.operations_on_insert))
        + _el("operationsOnUpdate", _ordered(rule.operations_on_update))
        + _el("securityOption", rule.security_option)
        + _el("sortOrder", rule.sort_order)
        + "</records>"
    )


def _matching_rule_xml(rule: MatchingRule) -> str:
    items = "".join(
        "<matchingRuleItems>"
        + _el("blankValueBehavior", rule.blank_behavior(f))
        + _el("fieldName", f)
        + _el("matchingMethod", method)
        + "</matchingRuleItems>"
        for f, method in rule.fields
    )
    return (
        '<records xsi:type="MatchingRule">'
        + _el("fullName", f"{rule.object_name}.{rule.developer_name}")
        + _el("label", rule.label or rule.developer_name)
        + items
        + _el("ruleStatus", rule.status)
        + "</records>"
    )


def _may_read_metadata(ctx: Ctx, user_id: str) -> bool:
    """Modify All Data or Modify Metadata on the user's profile or an assigned permission set."""
    store = ctx.org.engine.store
    with store.lock:
        row = store.conn.execute(
            'SELECT 1 FROM "PermissionSet" WHERE (PermissionsModifyAllData = 1 OR '
            "PermissionsModifyMetadata = 1) AND (Id IN (SELECT PermissionSetId FROM "
            '"PermissionSetAssignment" WHERE AssigneeId = ?) OR (IsOwnedByProfile = 1 AND '
            'ProfileId = (SELECT ProfileId FROM "User" WHERE Id = ?))) LIMIT 1',
            (user_id, user_id),
        ).fetchone()
    return row is not None


def _records(ctx: Ctx, kind: str, names: list[str]) -> str:
    rules = ctx.org.engine.rules
    by_name: dict[str, str] = {}
    if rules is not None and kind == "duplicaterule":
        by_name = {
            f"{r.object_name}.{r.developer_name}".lower(): _duplicate_rule_xml(r)
            for r in rules.rules
        }
    elif rules is not None:
        by_name = {
            f"{m.object_name}.{m.developer_name}".lower(): _matching_rule_xml(m)
            for m in rules.matching_rules
        }
    return "".join(by_name[n.lower()] for n in names if n.lower() in by_name)


def read_metadata(ctx: Ctx, **_: str) -> Response:
    """POST /services/Soap/m/{version}[/{orgId}]: ``readMetadata`` (module docstring)."""
    try:
        root = ET.fromstring(ctx.request.get_data(cache=True))
    except ET.ParseError:
        return _fault("INVALID_XML", "the request body is not a SOAP envelope")
    token, operation, kind, names = "", "", "", []
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "sessionId":
            token = (element.text or "").strip()
        elif tag == "type":
            kind = (element.text or "").strip()
        elif tag == "fullNames":
            names.append((element.text or "").strip())
    body = next((e for e in root if _local(e.tag) == "Body"), None)
    if body is not None and len(body):
        operation = _local(body[0].tag)
    session = ctx.org.sessions.check(token)
    if session is None:
        return _fault(
            "INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session"
        )
    if operation != "readMetadata":
        return _fault(
            "UNKNOWN_EXCEPTION",
            f"localorg's Metadata API serves readMetadata only, not {operation or 'this request'}",
        )
    if not _may_read_metadata(ctx, session.user_id):
        return _fault(
            "INSUFFICIENT_ACCESS",
            "use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permission",
        )
    if kind.lower() not in ("duplicaterule", "matchingrule", SETTINGS_TYPE.lower()):
        return _fault(
            "INVALID_TYPE",
            "localorg's readMetadata serves DuplicateRule, MatchingRule and "
            f"{SETTINGS_TYPE}, not {kind!r}",
        )
    if len(names) > MAX_FULL_NAMES:
        return _fault(
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {MAX_FULL_NAMES} records in this operation",
        )
    if kind.lower() == SETTINGS_TYPE.lower():
        records = settings_records(ctx.org.engine.settings, names, ctx.api_version)
    else:
        records = _records(ctx, kind.lower(), names)
    xml = f"{_OPEN}<readMetadataResponse><result>{records}</result></readMetadataResponse>{_CLOSE}"
    return Response(xml, content_type=_XML)


ROUTES = [
    Route("/services/Soap/m/<ver>", ("POST",), read_metadata, "public"),
    Route("/services/Soap/m/<ver>/<org_id>", ("POST",), read_metadata, "public"),
]
