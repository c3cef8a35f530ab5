"""Wire helpers shared by the route modules: JSON / XML responses, Salesforce error shapes,
the per-request context handed to every route handler.

REST errors are JSON arrays ``[{"message", "errorCode"}]``; per-record save errors are
``{"statusCode", "message", "fields"}``; Bulk API 1.0 errors are
``<error xmlns=...dataload><exceptionCode/><exceptionMessage/></error>`` (or the same keys in
JSON when the request was JSON).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from sfclean.localorg.types import SaveResult, SfError, SfFault

if TYPE_CHECKING:
    from sfclean.localorg.auth import Session
    from sfclean.localorg.server import LocalOrg

__all__ = [
    "BULK_NS",
    "BulkFault",
    "Ctx",
    "Route",
    "bulk_error",
    "json_response",
    "rest_error_item",
    "rest_errors",
    "save_error_item",
    "save_result_item",
    "xml_element",
    "xml_response",
]

BULK_NS = "http://www.force.com/2009/06/asyncapi/dataload"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ET.register_namespace("xsi", XSI_NS)

REST_JSON = "application/json;charset=UTF-8"


class BulkFault(Exception):
    """A Bulk API request-level failure: ``exceptionCode`` (InvalidJob, ...) and message."""

    def __init__(self, code: str, message: str, *, http_status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


@dataclass
class Ctx:
    """What a route handler gets: the org, the request, the caller's session and API version."""

    org: LocalOrg
    request: Request
    session: Session | None
    api_version: str = "62.0"
    internal: bool = False  # a composite subrequest, dispatched in-process
    api_usage: int | None = None  # API calls used, counting this request (None: not counted)

    @property
    def user_id(self) -> str:
        assert self.session is not None
        return self.session.user_id

    def json_body(self) -> Any:
        """The request body as JSON, or SfFault JSON_PARSER_ERROR."""
        data = self.request.get_data(cache=True)
        try:
            return json.loads(data or b"null")
        except json.JSONDecodeError as exc:
            raise SfFault("JSON_PARSER_ERROR", f"Unexpected character: {exc.msg}") from None
        except UnicodeDecodeError:
            raise SfFault("JSON_PARSER_ERROR", "The request body is not UTF-8") from None

    def wants_json(self) -> bool:
        """True when a Bulk 1.0 request speaks JSON (its Content-Type is application/json)."""
        return (self.request.mimetype or "") == "application/json"


# --- JSON ---------------------------------------------------------------------------------


def json_response(
    body: Any,
    status: int = 200,
    *,
    content_type: str = REST_JSON,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type=content_type,
        headers=headers,
    )


def rest_error_item(error: SfError) -> dict[str, Any]:
    """One error in a REST single-record error array; DUPLICATES_DETECTED carries
    ``duplicateResut`` (sic: the key real orgs send)."""
    item: dict[str, Any] = {}
    if error.duplicate_result is not None:
        item["duplicateResut"] = error.duplicate_result
    item["errorCode"] = error.status_code
    item["message"] = error.message
    if error.duplicate_result is None:
        item["fields"] = list(error.fields)
    return item


def rest_errors(errors: Iterable[SfError], status: int = 400) -> Response:
    return json_response([rest_error_item(e) for e in errors], status)


def rest_fault(fault: SfFault) -> Response:
    return json_response(
        [{"message": fault.message, "errorCode": fault.status_code}], fault.http_status
    )


def save_error_item(error: SfError) -> dict[str, Any]:
    return {"statusCode": error.status_code, "message": error.message, "fields": list(error.fields)}


def save_result_item(result: SaveResult) -> dict[str, Any]:
    """An sObject Collections result: ``{"id","success","errors"}`` (no id on failure)."""
    if result.success:
        return {"id": result.id, "success": True, "errors": []}
    return {"success": False, "errors": [save_error_item(e) for e in result.errors]}


# --- XML ----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def xml_element(tag: str, items: Iterable[tuple[str, Any]]) -> ET.Element:
    """``<tag xmlns=dataload><k>v</k>...</tag>``; None values are left out; lists repeat."""
    root = ET.Element(f"{{{BULK_NS}}}{tag}")
    for key, value in items:
        if value is None:
            continue
        if isinstance(value, ET.Element):
            root.append(value)
            continue
        values = value if isinstance(value, list) else [value]
        for v in values:
            ET.SubElement(root, f"{{{BULK_NS}}}{key}").text = _text(v)
    return root


def xml_bytes(root: ET.Element) -> bytes:
    body = ET.tostring(root, encoding="unicode", default_namespace=BULK_NS)
    return b'<?xml version="1.0" encoding="UTF-8"?>' + body.encode("utf-8")


def xml_response(root: ET.Element, status: int = 200) -> Response:
    return Response(xml_bytes(root), status=status, content_type="application/xml")


def bulk_error(code: str, message: str, status: int = 400, *, as_json: bool = False) -> Response:
    """A Bulk API 1.0 error body in XML (or JSON when the request was JSON)."""
    if as_json:
        return json_response(
            {"exceptionCode": code, "exceptionMessage": message},
            status,
            content_type="application/json",
        )
    root = xml_element("error", [("exceptionCode", code), ("exceptionMessage", message)])
    return xml_response(root, status)


@dataclass(frozen=True)
class Route:
    """One URL rule: ``kind`` picks authentication, error shapes and API-call counting.

    kinds: "rest" (bearer, REST errors, counted), "bulk1" (X-SFDC-Session, Bulk errors,
    counted), "userinfo" (bearer, not counted), "public" (no session), "admin" (admin token).
    """

    rule: str
    methods: tuple[str, ...]
    handler: Any
    kind: str = "rest"
