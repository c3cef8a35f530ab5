"""Value types shared by localorg's layers (store, SOQL, rules, engine, HTTP routes).

Nothing here knows about HTTP: the routes turn these into Salesforce's wire shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ROLLED_BACK", "DuplicateHeader", "SaveResult", "SfError", "SfFault"]


@dataclass
class SfError:
    """One Salesforce error as it appears in save results: ``statusCode``, ``message``, ``fields``.

    ``duplicate_result`` carries the REST ``duplicateResut`` body for DUPLICATES_DETECTED.
    """

    status_code: str
    message: str
    fields: list[str] = field(default_factory=list)
    duplicate_result: dict[str, Any] | None = None


#: the error of a valid record that an AllOrNone save rolled back with the invalid ones
ROLLED_BACK = SfError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)


class SfFault(Exception):
    """A request-level failure (the whole call fails), e.g. MALFORMED_QUERY, INVALID_TYPE.

    ``http_status`` is what the REST layer answers with (400 by default, 404 for NOT_FOUND).
    """

    def __init__(self, status_code: str, message: str, *, http_status: int = 400) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.http_status = http_status


@dataclass
class SaveResult:
    """The outcome of saving one record; ``id`` is None when the save failed on insert."""

    id: str | None
    success: bool
    created: bool
    errors: list[SfError] = field(default_factory=list)


@dataclass(frozen=True)
class DuplicateHeader:
    """``Sforce-Duplicate-Rule-Header``: every field defaults to False when absent."""

    allow_save: bool = False
    include_record_details: bool = False
    run_as_current_user: bool = False

    @classmethod
    def parse(cls, value: str | None) -> DuplicateHeader | None:
        """Parse ``allowSave=true; includeRecordDetails=true`` (None when the header is absent)."""
        if value is None:
            return None
        fields: dict[str, bool] = {}
        names = {
            "allowsave": "allow_save",
            "includerecorddetails": "include_record_details",
            "runascurrentuser": "run_as_current_user",
        }
        for part in value.split(";"):
            key, _, raw = part.strip().partition("=")
            attr = names.get(key.strip().lower())
            if attr:
                fields[attr] = raw.strip().lower() == "true"
        return cls(**fields)
