"""The SQLite store behind localorg: one table per SCHEMA object, one connection, one lock.

Layout follows the docstring of :mod:`sfclean.localorg.schema`: a table named like the object,
a column named like each field (identifiers are always double-quoted, so ``User`` is safe),
text-like columns ``COLLATE NOCASE`` so that SOQL string comparison and duplicate matching are
case-insensitive, booleans stored as 0/1. ``Id`` is the primary key; every name in the
object's ``indexed`` tuple gets an index.

Values cross this module as Python values (``str``, ``bool``, ``int``, ``float``, ``None``;
datetimes as Salesforce-formatted strings). :func:`to_sql` and :func:`from_sql` are the one
place where they are converted to and from SQLite.

Threading: the store holds a single connection opened with ``check_same_thread=False``; every
method takes :attr:`Store.lock` (a re-entrant lock), and callers that run several statements
as one unit (the engine, the SOQL layer) hold the lock themselves, usually through
:meth:`Store.transaction`.

``path=None`` gives a private in-memory database (``:memory:``). That is safe here because
there is only ever one connection, shared by all threads under the lock; use a file path to
keep data between runs.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .schema import SCHEMA, Field, SObjectType, object_type

__all__ = ["Store", "from_sql", "to_sql"]

_CHUNK = 500  # values per IN (...) list; far below SQLite's bound-parameter limit
_BULK_CHUNK = 10_000  # rows per executemany call in bulk_load
_CONVERTED = frozenset({"boolean", "int", "double"})  # types to_sql changes
_LIVE = 'COALESCE("IsDeleted", 0) = 0'  # not deleted (a NULL checkbox reads as false)


def to_sql(f: Field, value: Any) -> Any:
    """Convert a Python value for field ``f`` into what SQLite stores (booleans become 0/1)."""
    if value is None:
        return None
    if f.type == "boolean":
        return 1 if value else 0
    if f.type == "int":
        return int(value)
    if f.type == "double":
        return float(value)
    return value


def from_sql(f: Field, value: Any) -> Any:
    """Convert a stored SQLite value of field ``f`` back into a Python value."""
    if value is None:
        return None
    if f.type == "boolean":
        return bool(value)
    if f.type == "double":
        return float(value)
    return value


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _from_base62(text: str) -> int:
    n = 0
    for ch in text:
        n = n * 62 + _BASE62.index(ch)
    return n


def _q(identifier: str) -> str:
    """Quote an SQL identifier (object and field names come from SCHEMA only)."""
    return '"' + identifier.replace('"', '""') + '"'


class Store:
    """SQLite-backed record storage for every object in SCHEMA.

    All methods take object and field names case-insensitively and return canonical
    spellings. Unknown objects or fields raise ``KeyError`` (the engine validates first).
    """

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None
        )
        self._depth = 0
        self._prefix_indexes: set[tuple[str, str, int]] = set()
        with self.lock:
            if path:
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA cache_size=-200000")  # ~200 MB page cache
            self._create_tables()

    # --- schema ----------------------------------------------------------------------------

    def _create_tables(self) -> None:
        """Create what SCHEMA has and the database lacks: tables, columns, indexes.

        A ``--db`` file written by an older localorg misses the fields SCHEMA has gained
        since; they are added with ``ALTER TABLE ... ADD COLUMN`` (existing records get NULL,
        or the field's default for checkboxes, which Salesforce never leaves empty).
        """
        with self.transaction():
            for obj in SCHEMA.values():
                cols = ", ".join(
                    f"{_q(f.name)} {f.sqlite_type}" + (" PRIMARY KEY" if f.name == "Id" else "")
                    for f in obj.fields
                )
                self.conn.execute(f"CREATE TABLE IF NOT EXISTS {_q(obj.name)} ({cols})")
                self._add_missing_columns(obj)
                for name in obj.indexed:
                    self.conn.execute(
                        f"CREATE INDEX IF NOT EXISTS {_q(f'ix_{obj.name}_{name}')} "
                        f"ON {_q(obj.name)} ({_q(name)})"
                    )

    def _add_missing_columns(self, obj: SObjectType) -> None:
        info = self.conn.execute(f"PRAGMA table_info({_q(obj.name)})").fetchall()
        present = {str(row[1]).lower() for row in info}
        for f in obj.fields:
            if f.name.lower() in present:
                continue
            if f.name == "Id":
                raise sqlite3.DatabaseError(
                    f"table {obj.name} of {self.path} has no Id column; it is not a localorg store"
                )
            default = ""
            if f.type == "boolean" and f.default is not None:
                default = f" DEFAULT {1 if f.default else 0}"
            self.conn.execute(
                f"ALTER TABLE {_q(obj.name)} ADD COLUMN {_q(f.name)} {f.sqlite_type}{default}"
            )

    @staticmethod
    def _object(object_name: str) -> SObjectType:
        obj = object_type(object_name)
        if obj is None:
            raise KeyError(f"unknown object {object_name!r}")
        return obj

    @staticmethod
    def _field(obj: SObjectType, name: str) -> Field:
        f = obj.field(name)
        if f is None:
            raise KeyError(f"unknown field {name!r} on {obj.name}")
        return f

    # --- transactions ----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and run the block atomically; roll back its changes if it raises.

        Outside any transaction this is ``BEGIN``/``COMMIT``; inside one (an outer
        ``transaction()`` block, or a ``SAVEPOINT`` a caller opened on :attr:`conn`) it is a
        nested savepoint, so callers may wrap engine calls in their own savepoints."""
        with self.lock:
            if not self.conn.in_transaction:
                self.conn.execute("BEGIN")
                try:
                    yield self.conn
                except BaseException:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
                self.conn.execute("COMMIT")
                return
            self._depth += 1
            name = f"localorg_store_{self._depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            finally:
                self._depth -= 1
            self.conn.execute(f"RELEASE {name}")

    # --- writes ----------------------------------------------------------------------------

    def _grouped(
        self, obj: SObjectType, rows: Iterable[dict[str, Any]]
    ) -> Iterator[tuple[tuple[Field, ...], list[tuple[Any, ...]]]]:
        """Group rows by their key set; yield (fields, converted value tuples) per group."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(row)
        for keys, members in groups.items():
            fields = tuple(self._field(obj, k) for k in keys)
            convert = [i for i, f in enumerate(fields) if f.type in _CONVERTED]
            if not convert:
                yield fields, [tuple(r.values()) for r in members]
                continue
            values = []
            for r in members:
                vals = list(r.values())
                for i in convert:
                    vals[i] = to_sql(fields[i], vals[i])
                values.append(tuple(vals))
            yield fields, values

    def insert(self, object_name: str, rows: list[dict[str, Any]]) -> None:
        """Insert validated rows (Ids already set). Raises sqlite3.IntegrityError on a
        duplicate Id, inserting nothing."""
        obj = self._object(object_name)
        with self.transaction() as conn:
            self._load_batch(conn, obj, rows)

    def update(self, object_name: str, rows: list[dict[str, Any]]) -> None:
        """Update the given columns of existing records; each row carries its ``Id``."""
        obj = self._object(object_name)
        prepared = []
        for row in rows:
            rid = next((v for k, v in row.items() if k.lower() == "id"), None)
            if rid is None:
                raise KeyError("every row passed to Store.update needs an Id")
            prepared.append({k: v for k, v in row.items() if k.lower() != "id"} | {"Id": rid})
        with self.transaction() as conn:
            for fields, values in self._grouped(obj, prepared):
                sets = ", ".join(f"{_q(f.name)} = ?" for f in fields[:-1])
                if not sets:
                    continue
                conn.executemany(f"UPDATE {_q(obj.name)} SET {sets} WHERE Id = ?", values)

    def delete(
        self, object_name: str, ids: list[str], *, hard: bool = False, now: str | None = None
    ) -> int:
        """Delete records by Id; returns how many existed (and were not deleted yet).

        A delete sets ``IsDeleted`` (and ``SystemModstamp`` to ``now``): the row stays, hidden
        from every read here and from SOQL except queryAll. ``hard`` removes rows for good
        (Bulk hardDelete)."""
        obj = self._object(object_name)
        deleted = 0
        with self.transaction() as conn:
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i : i + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                if hard:
                    sql = f"DELETE FROM {_q(obj.name)} WHERE Id IN ({marks}) AND {_LIVE}"
                    cur = conn.execute(sql, chunk)
                else:
                    sql = (
                        f'UPDATE {_q(obj.name)} SET "IsDeleted" = 1, "SystemModstamp" = '
                        f'COALESCE(?, "SystemModstamp") WHERE Id IN ({marks}) AND {_LIVE}'
                    )
                    cur = conn.execute(sql, [now, *chunk])
                deleted += cur.rowcount
        return deleted

    def bulk_load(self, object_name: str, rows: Iterable[dict[str, Any]]) -> int:
        """Fast seeding path: insert complete rows (Ids set) in large executemany batches,
        in one transaction. Returns the number of rows inserted."""
        obj = self._object(object_name)
        total = 0
        with self.transaction() as conn:
            batch: list[dict[str, Any]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= _BULK_CHUNK:
                    total += self._load_batch(conn, obj, batch)
                    batch = []
            if batch:
                total += self._load_batch(conn, obj, batch)
        return total

    def _load_batch(
        self, conn: sqlite3.Connection, obj: SObjectType, batch: list[dict[str, Any]]
    ) -> int:
        for fields, values in self._grouped(obj, batch):
            cols = ", ".join(_q(f.name) for f in fields)
            marks = ", ".join("?" * len(fields))
            conn.executemany(f"INSERT INTO {_q(obj.name)} ({cols}) VALUES ({marks})", values)
        return len(batch)

    # --- reads -----------------------------------------------------------------------------

    def _row_dict(self, fields: Sequence[Field], values: Sequence[Any]) -> dict[str, Any]:
        return {f.name: from_sql(f, v) for f, v in zip(fields, values, strict=True)}

    def get(
        self, object_name: str, record_id: str, fields: list[str] | None = None
    ) -> dict[str, Any] | None:
        """One record by Id as {canonical field name: Python value}, or None."""
        obj = self._object(object_name)
        flds = [self._field(obj, n) for n in fields] if fields else list(obj.fields)
        cols = ", ".join(_q(f.name) for f in flds)
        with self.lock:
            row = self.conn.execute(
                f"SELECT {cols} FROM {_q(obj.name)} WHERE Id = ? AND {_LIVE}", (record_id,)
            ).fetchone()
        return None if row is None else self._row_dict(flds, row)

    def get_many(
        self, object_name: str, ids: Sequence[str], fields: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Several records by Id: {Id: row dict}; Ids not found are absent."""
        obj = self._object(object_name)
        flds = [self._field(obj, n) for n in fields] if fields else list(obj.fields)
        if "Id" not in [f.name for f in flds]:
            flds.insert(0, self._field(obj, "Id"))
        cols = ", ".join(_q(f.name) for f in flds)
        out: dict[str, dict[str, Any]] = {}
        with self.lock:
            for i in range(0, len(ids), _CHUNK):
                chunk = list(ids[i : i + _CHUNK])
                marks = ", ".join("?" * len(chunk))
                for row in self.conn.execute(
                    f"SELECT {cols} FROM {_q(obj.name)} WHERE Id IN ({marks}) AND {_LIVE}", chunk
                ):
                    rec = self._row_dict(flds, row)
                    out[rec["Id"]] = rec
        return out

    def count(self, object_name: str) -> int:
        """Number of (not deleted) records of an object."""
        obj = self._object(object_name)
        sql = f"SELECT COUNT(*) FROM {_q(obj.name)} WHERE {_LIVE}"
        with self.lock:
            return int(self.conn.execute(sql).fetchone()[0])

    def select(
        self,
        object_name: str,
        fields: list[str] | None = None,
        *,
        where: str | None = None,
        params: Sequence[Any] = (),
    ) -> list[dict[str, Any]]:
        """All (not deleted) records, optionally filtered by an SQL ``where`` clause over
        quoted column names, with ``params``, as row dicts. Meant for small tables: users,
        rules."""
        obj = self._object(object_name)
        flds = [self._field(obj, n) for n in fields] if fields else list(obj.fields)
        cols = ", ".join(_q(f.name) for f in flds)
        sql = f"SELECT {cols} FROM {_q(obj.name)} WHERE {_LIVE}" + (
            f" AND ({where})" if where else ""
        )
        with self.lock:
            return [self._row_dict(flds, r) for r in self.conn.execute(sql, tuple(params))]

    def find_equal_ci(
        self,
        object_name: str,
        field: str,
        values: list[str],
        *,
        prefix_len: int | None = None,
        where: str | None = None,
        params: Sequence[Any] = (),
        extra_fields: Sequence[str] = (),
    ) -> dict[str, list[dict[str, Any]]]:
        """Records whose ``field`` equals one of ``values`` ignoring (ASCII) case.

        With ``prefix_len`` only the first ``prefix_len`` characters are compared (the
        99-character rule of exact matching). Blank values (empty or whitespace) never match.
        ``where``/``params`` add an SQL condition (e.g. ``"OwnerId = ?"``).

        Returns ``{value.lower()[:prefix_len]: [row, ...]}`` where each row holds ``Id``,
        ``CreatedById``, ``OwnerId`` (when the object has it), ``field`` and ``extra_fields``;
        keys with no match are absent. Uses the column's NOCASE index (and, for prefix
        compares, an expression index created on first use), so 10,000 values against a
        1,000,000-row table take well under a second. Case folding is SQLite's NOCASE,
        which folds ASCII letters only.
        """
        obj = self._object(object_name)
        fobj = self._field(obj, field)
        names = ["Id", "CreatedById", fobj.name]
        if obj.field("OwnerId") is not None:
            names.append("OwnerId")
        names += [self._field(obj, n).name for n in extra_fields if n not in names]
        flds = [self._field(obj, n) for n in names]
        wanted = sorted({v[:prefix_len] if prefix_len else v for v in values if v and v.strip()})
        if not wanted:
            return {}
        col = _q(fobj.name)
        if prefix_len:
            expr = f"substr({col}, 1, {int(prefix_len)}) COLLATE NOCASE"
            self._ensure_prefix_index(obj, fobj, int(prefix_len))
        else:
            expr = col
        cols = ", ".join(_q(n) for n in names)
        extra = f" AND {_LIVE}" + (f" AND ({where})" if where else "")
        out: dict[str, list[dict[str, Any]]] = {}
        with self.lock:
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                sql = f"SELECT {cols} FROM {_q(obj.name)} WHERE {expr} IN ({marks}){extra}"
                for row in self.conn.execute(sql, (*chunk, *params)):
                    rec = self._row_dict(flds, row)
                    key = str(rec[fobj.name]).lower()
                    out.setdefault(key[:prefix_len] if prefix_len else key, []).append(rec)
        return out

    def find_blank(
        self, object_name: str, fields: Sequence[str], *, limit: int
    ) -> list[dict[str, Any]]:
        """Records whose every one of ``fields`` is blank (NULL, empty or spaces), in Id
        order, at most ``limit``: the candidates of a MatchBlanks matching rule for a record
        blank in all its fields. Each row holds ``Id``, ``CreatedById``, ``OwnerId`` (when
        the object has it) and ``fields``."""
        obj = self._object(object_name)
        blank_cols = [_q(self._field(obj, n).name) for n in fields]
        names = ["Id", "CreatedById"] + (["OwnerId"] if obj.field("OwnerId") is not None else [])
        names += [f for f in (self._field(obj, n).name for n in fields) if f not in names]
        flds = [self._field(obj, n) for n in names]
        blank = " AND ".join(f"({c} IS NULL OR trim({c}) = '')" for c in blank_cols)
        cols = ", ".join(_q(n) for n in names)
        sql = f'SELECT {cols} FROM {_q(obj.name)} WHERE {blank} AND {_LIVE} ORDER BY "Id" LIMIT ?'
        with self.lock:
            return [self._row_dict(flds, r) for r in self.conn.execute(sql, (int(limit),))]

    def _ensure_prefix_index(self, obj: SObjectType, f: Field, n: int) -> None:
        key = (obj.name, f.name, n)
        if key in self._prefix_indexes:
            return
        with self.lock:
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS {_q(f'ix_{obj.name}_{f.name}_p{n}')} "
                f"ON {_q(obj.name)} (substr({_q(f.name)}, 1, {n}) COLLATE NOCASE)"
            )
            self._prefix_indexes.add(key)

    def max_id_counter(self, pod: str) -> int:
        """The highest Id counter minted with ``pod`` in any table (0 when none), so that an
        :class:`~sfclean.localorg.ids.IdFactory` over a reopened database file can start
        after it: ``IdFactory(pod, start=store.max_id_counter(pod) + 1)``."""
        best = 0
        with self.lock:
            for obj in SCHEMA.values():
                (top,) = self.conn.execute(
                    f"SELECT MAX(substr(Id, 6, 10) COLLATE BINARY) FROM {_q(obj.name)} "
                    "WHERE substr(Id, 4, 2) = ? COLLATE BINARY AND length(Id) = 18",
                    (pod,),
                ).fetchone()
                if top:
                    best = max(best, _from_base62(top))
        return best

    def close(self) -> None:
        """Close the connection (the in-memory database is gone afterwards)."""
        with self.lock:
            self.conn.close()
