"""Field-level validation and value conversion for saves, in Salesforce's error codes.

Used by :mod:`sfclean.localorg.engine` (whose docstring gives the order of checks). Values
arrive as Bulk CSV strings or JSON values; :func:`convert_value` turns both into the Python
values the store keeps.

Email check (an approximation of the org's, which is looser than RFC 5322 validators):
``local@domain`` with exactly one ``@``, no whitespace, a local part of 1-64 characters from
letters, digits and ``!#$%&'*+/=?^_`{|}~.-``, and a domain of dot-separated labels of letters,
digits and hyphens with at least one dot. Length is checked first (``STRING_TOO_LONG``).
Letters and digits are ASCII, unless the org has Email Address Internationalization on
(``eai``): then every non-ASCII character counts as a letter, in both parts, except controls,
format characters and separators (Unicode categories C* and Z*), as RFC 6531's
``UTF8-non-ascii`` allows. Salesforce does not publish its EAI email rules; this one is
UNCONFIRMED beyond "non-Latin characters are allowed" (Salesforce Help, "Email Address
Internationalization").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from .describe import field_label
from .ids import is_valid_id, to_18
from .schema import TEXT_TYPES, Field, SObjectType, object_for_id
from .types import SfError

__all__ = [
    "BULK_APIS",
    "InvalidValue",
    "check_value",
    "convert_value",
    "is_valid_email",
    "prepare",
    "required_missing",
    "sf_datetime",
]

BULK_APIS = frozenset({"bulk1", "bulk2"})
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", re.ASCII
)
# Text forms the org reads: numbers without grouping or underscores (``1e3`` allowed), dates
# ``YYYY-MM-DD``, datetimes ``YYYY-MM-DDThh:mm[:ss[.fff]]`` with ``Z`` or an offset, or none.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})?", re.ASCII
)
_TRUE = frozenset({"true", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "off"})


class InvalidValue(ValueError):
    """A value cannot be converted to its field's type (INVALID_TYPE_ON_FIELD_IN_RECORD)."""


def sf_datetime(value: datetime) -> str:
    """Salesforce's datetime format: ``2024-01-31T09:30:00.000+0000`` (UTC)."""
    value = value.astimezone(UTC) if value.tzinfo else value
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def is_valid_email(value: str, *, eai: bool = False) -> bool:
    """The email approximation described in the module docstring (``eai``: the org has Email
    Address Internationalization on)."""
    if not eai or value.isascii():
        return _EMAIL.fullmatch(value) is not None
    # a non-ASCII character stands in for an ASCII letter, unless a control or a space
    ascii_form = "".join(
        c if c.isascii() else (" " if unicodedata.category(c)[0] in "CZ" else "a") for c in value
    )
    return _EMAIL.fullmatch(ascii_form) is not None


def convert_value(f: Field, value: Any) -> Any:
    """Convert a caller's value (a Bulk CSV string or a JSON value) for field ``f``.

    Returns the Python value to store (None for blank); raises :class:`InvalidValue`.
    """
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    kind = f.type
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InvalidValue(value)
    if isinstance(value, (dict, list)):
        raise InvalidValue(value)
    if kind in ("int", "double"):
        if isinstance(value, bool):
            raise InvalidValue(value)
        if isinstance(value, str) and not _NUMBER.fullmatch(value.strip()):
            raise InvalidValue(value)
        try:
            number = float(value.strip()) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise InvalidValue(value) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise InvalidValue(value)
        if kind == "int":  # xsd:int, 32 bits
            if not number.is_integer() or not -(2**31) <= number < 2**31:
                raise InvalidValue(value)
            return int(number)
        return number
    if kind == "date":
        text = str(value).strip()
        if not _DATE.fullmatch(text):
            return _parse_datetime(text).date().isoformat()  # a datetime gives its date
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise InvalidValue(value) from None
    if kind == "datetime":
        return sf_datetime(_parse_datetime(str(value).strip()))
    if kind in TEXT_TYPES:
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)
    return value


def _parse_datetime(text: str) -> datetime:
    if not _DATETIME.fullmatch(text):
        raise InvalidValue(text)
    raw = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    if re.search(r"[+-]\d{4}$", raw):
        raw = raw[:-2] + ":" + raw[-2:]
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidValue(text) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _attr_key(key: str) -> bool:
    return key.lower() == "attributes"


def prepare(
    obj: SObjectType,
    record: dict[str, Any],
    *,
    operation: str,
    api: str,
    exists: Callable[[str, str], bool],
    eai: bool = False,
) -> tuple[dict[str, Any], list[SfError]]:
    """Convert and validate one record's caller-supplied fields (steps 1-3 of the engine).

    Returns (values by canonical name, errors). The Id key is kept on updates. ``eai``: the
    org has Email Address Internationalization on (the email check takes non-ASCII letters)."""
    values: dict[str, Any] = {}
    errors: list[SfError] = []
    readonly: list[str] = []
    for key, raw in record.items():
        if _attr_key(key):
            continue
        f = obj.field(key)
        if f is None:
            return {}, [
                SfError("INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}")
            ]
        if api in BULK_APIS and isinstance(raw, str):
            if raw.strip() == "#N/A":
                raw = None
            elif operation == "update" and not raw.strip() and f.name != "Id":
                continue
        if f.name == "Id" and operation == "update":
            values["Id"] = raw
            continue
        blank = raw is None or (isinstance(raw, str) and not raw.strip())
        allowed = f.createable if operation == "insert" else f.updateable
        if not allowed:
            if not blank:
                readonly.append(f.name)
            continue
        try:
            value = convert_value(f, raw)
        except InvalidValue:
            errors.append(
                SfError(
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    f"{field_label(obj, f)}: value not of required type: {raw}",
                    [f.name],
                )
            )
            continue
        if f.type == "boolean" and value is None:
            value = False
        values[f.name] = value
    if readonly:
        if operation == "insert" and readonly == ["Id"]:
            msg = "Record ID: cannot specify Id in an insert call"
        else:
            msg = (
                f"Unable to create/update fields: {', '.join(readonly)}. Please check the "
                "security settings of this field and verify that it is read/write for your "
                "profile or permission set."
            )
        errors.insert(0, SfError("INVALID_FIELD_FOR_INSERT_UPDATE", msg, readonly))
    for name, value in values.items():
        if name != "Id" and value is not None:
            errors.extend(check_value(obj, obj.field(name), value, exists, eai=eai))  # type: ignore[arg-type]
    return values, errors


def check_value(
    obj: SObjectType, f: Field, value: Any, exists: Callable[[str, str], bool], *, eai: bool = False
) -> list[SfError]:
    """Length, restricted picklist, email and reference checks for one converted, non-null
    value (a restricted picklist compares values exactly, case included; ``eai``: as
    :func:`is_valid_email`)."""
    problem: tuple[str, str] | None = None
    if f.type in TEXT_TYPES and f.type != "reference" and f.length and len(value) > f.length:
        problem = ("STRING_TOO_LONG", f"data value too large: {value} (max length={f.length})")
    elif f.restricted and value not in f.values:
        problem = (
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"bad value for restricted picklist field: {value}",
        )
    elif f.type == "email" and not is_valid_email(value, eai=eai):
        problem = ("INVALID_EMAIL_ADDRESS", f"invalid email address: {value}")
    elif f.type == "reference":
        target = object_for_id(value) if is_valid_id(value) else None
        if target is None and not is_valid_id(value):
            problem = ("MALFORMED_ID", f"id value of incorrect type: {value}")
        elif (
            target is None
            or target.name not in f.reference_to
            or not exists(target.name, to_18(value))
        ):
            problem = ("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    if problem is None:
        return []
    code, text = problem
    return [SfError(code, f"{field_label(obj, f)}: {text}", [f.name])]


def required_missing(
    obj: SObjectType, row: dict[str, Any], *, only: set[str] | None = None
) -> SfError | None:
    """REQUIRED_FIELD_MISSING listing every blank required field (of ``only``, if given)."""
    missing = [
        f.name
        for f in obj.fields
        if f.required and (only is None or f.name in only) and row.get(f.name) is None
    ]
    if not missing:
        return None
    return SfError(
        "REQUIRED_FIELD_MISSING",
        f"Required fields are missing: [{', '.join(missing)}]",
        missing,
    )
