"""Bulk API 1.0 data formats: job/batch info in XML and JSON, batch data in CSV / JSON / XML,
and result files in the documented columns and content types.

Results: CSV ``"Id","Success","Created","Error"`` (``text/csv``), JSON
``[{"success","created","id","errors":[{"statusCode","message","fields"}]}]``
(``application/json``), XML ``<results><result><id/><success/><created/><errors/>``
(``application/xml``).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from werkzeug.wrappers import Response

from sfclean.localorg.bulkjobs import csv_bytes, csv_error_text, csv_records, csv_table, csv_value
from sfclean.localorg.types import SaveResult
from sfclean.localorg.wire import (
    BULK_NS,
    XSI_NS,
    BulkFault,
    json_response,
    save_error_item,
    xml_bytes,
    xml_element,
)

__all__ = [
    "CONTENT_TYPES",
    "parse_batch",
    "parse_job_request",
    "query_result_response",
    "save_results_response",
]

CONTENT_TYPES = {"CSV": "text/csv", "JSON": "application/json", "XML": "application/xml"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_job_request(data: bytes, as_json: bool) -> dict[str, Any]:
    """The fields of a jobInfo request body (XML or JSON) as a plain dict of strings."""
    if as_json:
        try:
            body = json.loads(data or b"{}")
        except ValueError:
            raise BulkFault("InvalidJob", "Unable to parse the JSON job request") from None
        if not isinstance(body, dict):
            raise BulkFault("InvalidJob", "Expected a JSON object")
        return body
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise BulkFault("XmlParserError", f"Unable to parse the jobInfo XML: {exc}") from None
    return {_local(child.tag): (child.text or "").strip() for child in root}


def parse_batch(data: bytes, content_type: str) -> list[dict[str, Any]]:
    """Records of a batch in the job's content type (CSV, JSON or XML)."""
    if content_type == "CSV":
        header, rows = csv_table(data)
        if not header:
            raise BulkFault("InvalidBatch", "Records not found in the batch")
        return csv_records(header, rows)
    if content_type == "JSON":
        try:
            body = json.loads(data)
        except ValueError as exc:
            raise BulkFault("InvalidBatch", f"Failed to parse JSON: {exc}") from None
        if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
            raise BulkFault("InvalidBatch", "A JSON batch is an array of records")
        return [{k: v for k, v in r.items() if k != "attributes"} for r in body]
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise BulkFault("InvalidBatch", f"Failed to parse XML: {exc}") from None
    records = []
    for element in root:
        record: dict[str, Any] = {}
        for child in element:
            nil = child.get(f"{{{XSI_NS}}}nil") == "true"
            record[_local(child.tag)] = None if nil else (child.text or "")
        records.append(record)
    return records


def save_results_response(results: list[SaveResult], content_type: str) -> Response:
    """A batch's result file in the job's content type."""
    if content_type == "CSV":
        rows = [
            [
                r.id or "",
                csv_value(r.success),
                csv_value(r.created),
                "" if r.success else csv_error_text(r.errors),
            ]
            for r in results
        ]
        return Response(
            csv_bytes(["Id", "Success", "Created", "Error"], rows), content_type="text/csv"
        )
    if content_type == "JSON":
        body = [
            {
                "success": r.success,
                "created": r.created,
                "id": r.id,
                "errors": [save_error_item(e) for e in r.errors],
            }
            for r in results
        ]
        return json_response(body, content_type="application/json")
    root = ET.Element(f"{{{BULK_NS}}}results")
    for r in results:
        result = xml_element(
            "result", [("id", r.id), ("success", r.success), ("created", r.created)]
        )
        for e in r.errors:
            item = save_error_item(e)
            result.append(
                xml_element(
                    "errors",
                    [
                        ("fields", item["fields"]),
                        ("message", item["message"]),
                        ("statusCode", item["statusCode"]),
                    ],
                )
            )
        root.append(result)
    return Response(xml_bytes(root), content_type="application/xml")


def _xml_record(parent: ET.Element, record: dict[str, Any], tag: str) -> None:
    element = ET.SubElement(parent, f"{{{BULK_NS}}}{tag}", {f"{{{XSI_NS}}}type": "sObject"})
    attributes = record.get("attributes") or {}
    ET.SubElement(element, f"{{{BULK_NS}}}type").text = str(attributes.get("type", ""))
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):
            _xml_record(element, value, key)
        elif value is None:
            ET.SubElement(element, f"{{{BULK_NS}}}{key}", {f"{{{XSI_NS}}}nil": "true"})
        else:
            ET.SubElement(element, f"{{{BULK_NS}}}{key}").text = csv_value(value)


def query_result_response(
    fields: list[str], rows: list[tuple[Any, ...]], records: list[dict[str, Any]], content_type: str
) -> Response:
    """One query result set: CSV from flat rows, JSON / XML from record dicts."""
    if content_type == "CSV":
        body = csv_bytes(fields, [[csv_value(v) for v in row] for row in rows])
        return Response(body, content_type="text/csv")
    if content_type == "JSON":
        return json_response(records, content_type="application/json")
    root = ET.Element(f"{{{BULK_NS}}}queryResult")
    for record in records:
        _xml_record(root, record, "records")
    return Response(xml_bytes(root), content_type="application/xml")
