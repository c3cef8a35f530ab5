"""The org facade the HTTP routes call: field validation, CRUD with audit fields, duplicate
rules, SOQL queries and describe results, all in Salesforce's error codes and shapes.

Saving a record (``create``/``update``), in the order a real org applies it:

1. Unknown field -> ``INVALID_FIELD`` ("No such column 'Foo' on sobject of type Lead");
   a non-blank value for a field that is not createable/updateable (``Name``, audit fields,
   ``Id`` on insert) -> ``INVALID_FIELD_FOR_INSERT_UPDATE``. Blank values for such fields are
   ignored, so Data Loader exports with an empty ``Id`` column load.
2. Values are converted per field type by :func:`convert_value` (strings from Bulk CSV and
   JSON values alike): ``true``/``false``/``1``/``0`` (and yes/no/on/off) for booleans,
   numbers (``12``, ``-1.5``, ``1e3``; no grouping), dates ``YYYY-MM-DD`` and datetimes
   ``YYYY-MM-DDThh:mm[:ss[.fff]]`` with ``Z`` or an offset; failures give ``INVALID_TYPE_ON_FIELD_IN_RECORD``. Empty or whitespace-only
   strings mean null. On Bulk (``bulk1``/``bulk2``) ``#N/A`` means null and, on update, an
   empty cell leaves the field unchanged, as the Bulk API documents.
3. ``STRING_TOO_LONG`` ("Company: data value too large: ... (max length=255)"),
   ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`` ("Rating: bad value for restricted picklist
   field: Tepid"), ``INVALID_EMAIL_ADDRESS`` ("Email: invalid email address: bad@"), references that are not
   Ids (``MALFORMED_ID``) or point at no record of the right object
   (``INVALID_CROSS_REFERENCE_KEY``), then ``REQUIRED_FIELD_MISSING`` ("Required fields are
   missing: [LastName, Company]").
4. Defaults, ``Name`` (FirstName LastName) for Lead/Contact/User, ``OwnerId`` (the caller),
   ``CreatedById``/``LastModifiedById`` (the caller) and the three timestamps.
5. Duplicate rules (:class:`~sfclean.localorg.rules.RuleSet`) judge the valid records against
   the records already stored (never against each other); survivors are inserted and
   reporting rules write DuplicateRecordSets. Everything runs in one store transaction.

Steps 1-3 live in :mod:`sfclean.localorg.validate` (value conversion and the email check, which
takes non-ASCII addresses when the org's settings turn Email Address Internationalization on);
describe bodies in :mod:`sfclean.localorg.describe`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .describe import describe_global, describe_object
from .ids import IdFactory, is_valid_id, to_18
from .orgsettings import OrgSettings
from .schema import SCHEMA, SObjectType, object_for_id, object_type
from .store import Store
from .types import ROLLED_BACK, DuplicateHeader, SaveResult, SfError, SfFault
from .validate import (
    InvalidValue,
    convert_value,
    is_valid_email,
    prepare,
    required_missing,
    sf_datetime,
)

if TYPE_CHECKING:
    from .rules import RuleSet
    from .soql import QueryCursor

__all__ = ["Engine", "InvalidValue", "convert_value", "is_valid_email", "sf_datetime"]

_NAMED = frozenset({"Lead", "Contact", "User"})  # Name = FirstName LastName
_NOT_FOUND = "The requested resource does not exist"


class Engine:
    """One org: validation, saves, reads, queries and describes over a :class:`Store`."""

    def __init__(
        self,
        store: Store,
        *,
        org_id: str,
        org_name: str = "localorg",
        ids: IdFactory,
        rules: RuleSet | None = None,
        clock: Callable[[], datetime] | None = None,
        settings: OrgSettings | None = None,
    ) -> None:
        self.store = store
        self.org_id = org_id
        self.org_name = org_name
        self.ids = ids
        self.rules = rules
        self.settings = settings if settings is not None else OrgSettings()
        self.clock = clock or (lambda: datetime.now(UTC))

    # --- helpers ---------------------------------------------------------------------------

    @property
    def eai(self) -> bool:
        """Whether Email Address Internationalization is on (the seed's ``settings``)."""
        return self.settings.international_email_addresses

    def now(self) -> str:
        """The current time in Salesforce's datetime format."""
        return sf_datetime(self.clock())

    @staticmethod
    def object(object_name: str) -> SObjectType:
        """The object called ``object_name``; SfFault NOT_FOUND (404) when unknown."""
        obj = object_type(object_name)
        if obj is None:
            raise SfFault("NOT_FOUND", _NOT_FOUND, http_status=404)
        return obj

    def _exists(self, object_name: str, record_id: str) -> bool:
        return self.store.get(object_name, record_id, ["Id"]) is not None

    def _exists_cached(self) -> Callable[[str, str], bool]:
        """An existence check that remembers answers for the length of one call."""
        return functools.lru_cache(maxsize=4096)(self._exists)

    @staticmethod
    def _set_name(obj: SObjectType, row: dict[str, Any]) -> None:
        if obj.name in _NAMED:
            parts = [row.get("FirstName"), row.get("LastName")]
            row["Name"] = " ".join(p for p in parts if p) or None

    def _normalise_refs(self, row: dict[str, Any], obj: SObjectType) -> None:
        for name, value in row.items():
            f = obj.field(name)
            if (
                f is not None
                and f.type == "reference"
                and isinstance(value, str)
                and len(value) == 15
            ):
                row[name] = to_18(value)

    def _run_rules(
        self,
        obj: SObjectType,
        rows: list[dict[str, Any]],
        *,
        user_id: str,
        duplicate_header: DuplicateHeader | None,
        api: str,
        operation: str,
        api_version: str,
    ) -> list[Any]:
        if self.rules is None or not rows:
            return [None] * len(rows)
        return self.rules.check(
            self.store,
            obj.name,
            rows,
            user=self.user(user_id) or {"Id": user_id},
            duplicate_header=duplicate_header,
            api=api,
            operation=operation,
            api_version=api_version,
        )

    def _save_checked(
        self,
        obj: SObjectType,
        results: list[SaveResult | None],
        valid: list[tuple[int, str | None, dict[str, Any], dict[str, Any]]],
        *,
        operation: str,
        user_id: str,
        duplicate_header: DuplicateHeader | None,
        api: str,
        all_or_none: bool,
        api_version: str,
        now: str,
    ) -> list[SaveResult]:
        """The end of an insert or update, after each record was validated on its own.

        ``valid`` holds ``(index, id to report on failure, row to write, row the rules
        check)``; ``results`` already holds the failed records' results. Runs the rules,
        fails blocked rows, rolls back every row under ``all_or_none`` if any failed, else
        writes the rest and records the rules' reports.
        """
        outcomes = self._run_rules(
            obj,
            [checked for _, _, _, checked in valid],
            user_id=user_id,
            duplicate_header=duplicate_header,
            api=api,
            operation=operation,
            api_version=api_version,
        )
        saved = []
        for (i, rid, written, checked), outcome in zip(valid, outcomes, strict=True):
            if outcome is not None and outcome.block is not None:
                results[i] = SaveResult(rid, False, False, [outcome.block])
            else:
                saved.append((i, rid, written, checked, outcome))
        if all_or_none and len(saved) < len(results):
            for i, rid, _, _, _ in saved:
                results[i] = SaveResult(rid, False, False, [ROLLED_BACK])
            return [r for r in results if r is not None]
        write = self.store.insert if operation == "insert" else self.store.update
        write(obj.name, [written for _, _, written, _, _ in saved])
        for i, _, written, _, _ in saved:
            results[i] = SaveResult(written["Id"], True, operation == "insert")
        reports = [(checked, o) for _, _, _, checked, o in saved if o is not None and o.report]
        if reports and self.rules is not None:
            self.rules.record_report(self.store, self.ids, reports, user_id=user_id, now=now)
        return [r for r in results if r is not None]

    # --- saves -----------------------------------------------------------------------------

    def create(
        self,
        object_name: str,
        records: list[dict[str, Any]],
        *,
        user_id: str,
        duplicate_header: DuplicateHeader | None = None,
        api: str = "rest",
        all_or_none: bool = False,
        api_version: str = "62.0",
    ) -> list[SaveResult]:
        """Insert records; one SaveResult per record, in order (see module docstring)."""
        obj = self.object(object_name)
        if not obj.createable:
            err = SfError(
                "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
                f"entity type cannot be inserted: {obj.name}",
            )
            return [SaveResult(None, False, False, [err]) for _ in records]
        now = self.now()
        results: list[SaveResult | None] = [None] * len(records)
        valid: list[tuple[int, str | None, dict[str, Any], dict[str, Any]]] = []
        exists = self._exists_cached()
        with self.store.transaction():
            for i, record in enumerate(records):
                values, errors = prepare(
                    obj, record, operation="insert", api=api, exists=exists, eai=self.eai
                )
                if not errors:
                    row = self._complete_new(obj, values, user_id=user_id, now=now)
                    missing = required_missing(obj, row)
                    if missing is None:
                        valid.append((i, None, row, row))
                        continue
                    errors = [missing]
                results[i] = SaveResult(None, False, False, errors)
            return self._save_checked(
                obj,
                results,
                valid,
                operation="insert",
                user_id=user_id,
                duplicate_header=duplicate_header,
                api=api,
                all_or_none=all_or_none,
                api_version=api_version,
                now=now,
            )

    def _complete_new(
        self, obj: SObjectType, values: dict[str, Any], *, user_id: str, now: str
    ) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for f in obj.fields:
            if f.default is not None:
                row[f.name] = f.default
        row.update({k: v for k, v in values.items() if v is not None or k not in row})
        self._normalise_refs(row, obj)
        if obj.field("OwnerId") is not None and not row.get("OwnerId"):
            row["OwnerId"] = user_id
        self._set_name(obj, row)
        row["Id"] = self.ids.new(obj.key_prefix)
        row.update(dict.fromkeys(("CreatedById", "LastModifiedById"), user_id))
        row.update(dict.fromkeys(("CreatedDate", "LastModifiedDate", "SystemModstamp"), now))
        return row

    def update(
        self,
        object_name: str,
        records: list[dict[str, Any]],
        *,
        user_id: str,
        duplicate_header: DuplicateHeader | None = None,
        api: str = "rest",
        all_or_none: bool = False,
        api_version: str = "62.0",
    ) -> list[SaveResult]:
        """Update records (each carries its ``Id``); one SaveResult per record, in order."""
        obj = self.object(object_name)
        now = self.now()
        results: list[SaveResult | None] = [None] * len(records)
        valid: list[tuple[int, str | None, dict[str, Any], dict[str, Any]]] = []  # changes, merged
        exists = self._exists_cached()
        with self.store.transaction():
            for i, record in enumerate(records):
                values, errors = prepare(
                    obj, record, operation="update", api=api, exists=exists, eai=self.eai
                )
                rid = values.pop("Id", None)
                rid_text = rid.strip() if isinstance(rid, str) else ""
                current = None
                if not errors:
                    rid_text, current, error = self._update_target(obj, rid_text)
                    errors = [] if error is None else [error]
                if current is None:
                    results[i] = SaveResult(rid_text or None, False, False, errors)
                    continue
                changes = dict(values)
                self._normalise_refs(changes, obj)
                merged = {**current, **changes}
                missing = required_missing(obj, merged, only=set(changes))
                if missing is not None:
                    results[i] = SaveResult(rid_text, False, False, [missing])
                    continue
                if obj.name in _NAMED and {"FirstName", "LastName"} & set(changes):
                    self._set_name(obj, merged)
                    changes["Name"] = merged["Name"]
                stamp = {
                    "LastModifiedById": user_id,
                    "LastModifiedDate": now,
                    "SystemModstamp": now,
                }
                changes.update(stamp, Id=rid_text)
                merged.update(stamp)
                valid.append((i, rid_text, changes, merged))
            return self._save_checked(
                obj,
                results,
                valid,
                operation="update",
                user_id=user_id,
                duplicate_header=duplicate_header,
                api=api,
                all_or_none=all_or_none,
                api_version=api_version,
                now=now,
            )

    def _update_target(
        self, obj: SObjectType, rid: str
    ) -> tuple[str, dict[str, Any] | None, SfError | None]:
        """The stored row an update names: ``(Id as reported, row, None)`` or, when there is
        no such row, ``(Id as reported, None, the error)``."""
        if not rid:
            return rid, None, SfError("MISSING_ARGUMENT", "Id not specified in an update call")
        if not is_valid_id(rid):
            message = f"Record ID: id value of incorrect type: {rid}"
            return rid, None, SfError("MALFORMED_ID", message, ["Id"])
        rid = to_18(rid)
        target = object_for_id(rid)
        if target is None or target.name != obj.name:
            return rid, None, SfError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        current = self.store.get(obj.name, rid)
        if current is None:
            return rid, None, SfError("ENTITY_IS_DELETED", "entity is deleted")
        return rid, current, None

    def delete(
        self,
        object_name: str | None,
        ids: list[str],
        *,
        user_id: str,
        all_or_none: bool = False,
        hard: bool = False,
    ) -> list[SaveResult]:
        """Delete records by Id (``object_name`` None: any object, from each Id's prefix).

        Deleted records keep their row with ``IsDeleted`` set (queryAll sees them); ``hard``
        (Bulk hardDelete) removes them."""
        obj = self.object(object_name) if object_name else None
        results: list[SaveResult] = []
        by_object: dict[str, list[str]] = {}
        seen: set[str] = set()
        with self.store.transaction():
            for raw in ids:
                rid = raw.strip() if isinstance(raw, str) else ""
                error = self._delete_error(obj, rid)
                if error is not None:
                    results.append(SaveResult(rid or None, False, False, [error]))
                    continue
                rid = to_18(rid)
                if rid in seen:
                    error = SfError("ENTITY_IS_DELETED", "entity is deleted")
                    results.append(SaveResult(rid, False, False, [error]))
                    continue
                seen.add(rid)
                by_object.setdefault(object_for_id(rid).name, []).append(rid)  # type: ignore[union-attr]
                results.append(SaveResult(rid, True, False))
            if all_or_none and not all(r.success for r in results):
                return [
                    r if not r.success else SaveResult(r.id, False, False, [ROLLED_BACK])
                    for r in results
                ]
            now = self.now()
            for name, rids in by_object.items():
                self.store.delete(name, rids, hard=hard, now=now)
        return results

    def _delete_error(self, obj: SObjectType | None, rid: str) -> SfError | None:
        if not is_valid_id(rid):
            return SfError("MALFORMED_ID", f"malformed id {rid}")
        target = object_for_id(rid)
        if target is None or (obj is not None and target.name != obj.name):
            return SfError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        if not self._exists(target.name, to_18(rid)):
            return SfError("ENTITY_IS_DELETED", "entity is deleted")
        return None

    # --- reads -----------------------------------------------------------------------------

    def retrieve(
        self,
        object_name: str,
        record_id: str,
        fields: list[str] | None = None,
        *,
        api_version: str = "62.0",
    ) -> dict[str, Any]:
        """One record in REST JSON shape (``attributes`` first); SfFault NOT_FOUND (404)."""
        obj = self.object(object_name)
        names: list[str] = []
        for name in fields or obj.field_names:
            f = obj.field(name.strip())
            if f is None:
                raise SfFault(
                    "INVALID_FIELD",
                    f"No such column '{name.strip()}' on entity '{obj.name}'. If you are attempting "
                    "to use a custom field, be sure to append the '__c' after the custom field "
                    "name. Please reference your WSDL or the describe call for the appropriate "
                    "names.",
                )
            names.append(f.name)
        rid = record_id.strip()
        row = None
        if is_valid_id(rid) and object_for_id(rid) is obj:
            row = self.store.get(obj.name, to_18(rid), names)
        if row is None:
            raise SfFault("NOT_FOUND", _NOT_FOUND, http_status=404)
        rid = to_18(rid)
        url = f"/services/data/v{api_version}/sobjects/{obj.name}/{rid}"
        return {"attributes": {"type": obj.name, "url": url}, **row}

    def query(
        self,
        soql: str,
        *,
        user_id: str | None = None,
        api_version: str = "62.0",
        include_deleted: bool = False,
        tooling: bool = False,
    ) -> QueryCursor:
        """Run a SOQL query (all records are visible to every user here); a data-API query
        (``tooling`` false) may not name Tooling-only fields."""
        from .soql import execute
        from .tooling import refuse_tooling_fields

        if not tooling:
            refuse_tooling_fields(soql)

        with self.store.lock:
            return execute(
                self.store.conn,
                soql,
                api_version=api_version,
                include_deleted=include_deleted,
                now=self.clock(),
            )

    def describe_global(self, *, api_version: str = "62.0") -> dict[str, Any]:
        """``GET sobjects/``: every object's summary."""
        return describe_global(api_version)

    def describe(self, object_name: str, *, api_version: str = "62.0") -> dict[str, Any]:
        """``GET sobjects/{object}/describe``; SfFault NOT_FOUND (404) for unknown objects."""
        return describe_object(self.object(object_name), api_version)

    def record_counts(self, names: list[str] | None = None) -> dict[str, Any]:
        """``GET limits/recordCount``: counts of the named objects (all when None); unknown
        names and objects without records are left out, as a real org leaves them out."""
        objs = [object_type(n) for n in names] if names is not None else list(SCHEMA.values())
        counts = [(o.name, self.store.count(o.name)) for o in objs if o is not None]
        return {"sObjects": [{"count": n, "name": name} for name, n in counts if n]}

    def duplicate_rules_ui(self, object_name: str) -> dict[str, Any]:
        """``GET ui-api/duplicates/{object}`` body (delegates to the RuleSet)."""
        obj = self.object(object_name)
        if self.rules is not None:
            return self.rules.ui_api(obj.name)
        return {
            "apiName": obj.name,
            "dedupeEnabled": False,
            "dedupeFields": [],
            "duplicateRules": [],
            "predupeEnabled": False,
        }

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The User row with this Id (15 or 18 characters), or None."""
        if not user_id or not is_valid_id(user_id):
            return None
        return self.store.get("User", to_18(user_id))

    def user_by_username(self, username: str) -> dict[str, Any] | None:
        """The User row with this Username (case-insensitive), or None."""
        rows = self.store.select("User", where='"Username" = ?', params=[username])
        return rows[0] if rows else None
