"""The Metadata API's ``readMetadata`` over SOAP, for the audit (DuplicateRule metadata).

``readMetadata`` needs Modify All Data or "Modify Metadata Through Metadata API Functions"
and takes at most 10 full names (``Lead.Rule_Name``) a call, one type a call
(audit-scan-facts.md section 3.3). A SOAP fault (HTTP 500 ``<soapenv:Fault>``) becomes an
:class:`~sfclean.errors.ApiError` whose ``error_code`` is the fault code without its ``sf:``
prefix (``INSUFFICIENT_ACCESS``). Records come back as plain dicts: a leaf is its text, an
element with children a dict, ``xsi:nil`` None, and the repeatable elements listed in
:data:`LIST_FIELDS` always lists.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from sfclean.errors import ApiError

__all__ = ["LIST_FIELDS", "MAX_FULL_NAMES", "envelope", "parse_records"]

MAX_FULL_NAMES = 10
_MD = "http://soap.sforce.com/2006/04/metadata"
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
#: elements that may repeat: always read as lists
LIST_FIELDS = frozenset(
    {
        "operationsOnInsert",
        "operationsOnUpdate",
        "duplicateRuleFilterItems",
        "duplicateRuleMatchRules",
        "mappingFields",
        "matchingRuleItems",
    }
)


def envelope(session_id: str, kind: str, full_names: Sequence[str]) -> bytes:
    """The SOAP request body of one ``readMetadata`` call."""
    names = "".join(f"<met:fullNames>{escape(n)}</met:fullNames>" for n in full_names)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:met="{_MD}"><soapenv:Header><met:SessionHeader>'
        f"<met:sessionId>{escape(session_id)}</met:sessionId></met:SessionHeader>"
        "</soapenv:Header><soapenv:Body><met:readMetadata>"
        f"<met:type>{escape(kind)}</met:type>{names}</met:readMetadata>"
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _value(element: ET.Element) -> Any:
    if element.get(_XSI_NIL) == "true":
        return None
    children = list(element)
    if not children:
        return (element.text or "").strip()
    out: dict[str, Any] = {}
    for child in children:
        name = _local(child.tag)
        value = _value(child)
        if name in LIST_FIELDS:
            out.setdefault(name, []).append(value)
        elif name in out:  # an unexpected repeat: keep every value
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def parse_records(status: int, content: bytes, where: str) -> list[dict[str, Any]]:
    """The ``records`` of a readMetadata answer; ApiError for a fault or a non-XML answer."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError:
        raise ApiError(
            f"{where} answered readMetadata with something that is not XML (HTTP {status})",
            http_status=status,
        ) from None
    fault = next((e for e in root.iter() if _local(e.tag) == "Fault"), None)
    if fault is not None or status >= 300:
        code = text = ""
        for e in fault.iter() if fault is not None else ():
            if _local(e.tag) == "faultcode":
                code = (e.text or "").split(":")[-1]
            elif _local(e.tag) == "faultstring":
                text = " ".join((e.text or "").split())[:200]
        raise ApiError(
            f"{where} refused readMetadata ({code or f'HTTP {status}'}): {text}",
            error_code=code or None,
            http_status=status,
        )
    records = []
    for element in root.iter():
        if _local(element.tag) == "records":
            value = _value(element)
            if isinstance(value, dict):
                records.append(value)
    return records
