"""``run.json``: the journal that makes ``sfclean run`` resumable.

The load stage records each job and batch as soon as it exists in the org, and each batch's
per-row outcomes as soon as they are read. The file is rewritten atomically on every event
(a temporary file in the same directory, flushed to disk, then ``os.replace``), so after a
crash at any point it holds either the state before or after the last event, never half.

It holds row numbers (``sfclean_row``), job and batch ids, record Ids and error codes and
messages; never the rows' values (Bulk 2.0 rows are matched by a hash of what was sent).

A journal belongs to one input (sha256), object and org (Id and instance URL): its job ids
and record Ids mean nothing in another org, so a run against another org never resumes it.

Shape::

    {"version": 1, "input_sha256": ..., "object": "Lead", "api": "bulk",
     "org": {"id": "00D...", "instance_url": "https://..."}, "status":
     "running" | "completed", "started": ISO time, "resumed": n,
     "jobs": [{"job_id", "api", "closed": bool, "posting"?: [sfclean_row, ...],
               "batches": [{"batch_id", "rows": [sfclean_row, ...], "collected": bool,
                            "outcomes": [[row, id, reason, code, message], ...],
                            "columns"?: [...], "keys"?: [...]}]}]}

In memory the journal is typed: a frozen :class:`JournalState` of :class:`JournalJob` and
:class:`JournalBatch`, replaced (never mutated) at each event; dicts exist only where it is
read from and written to ``run.json`` (``from_dict`` / ``to_dict``).

``Journal(out_dir)`` is bound to a directory; :meth:`Journal.open` reads it for one run.
``sfclean.run(journal=...)`` takes one (tests pass a subclass whose event method raises, to
simulate a crash at that event).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sfclean.errors import ConfigError, InputError, WriteError

__all__ = [
    "JOURNAL_FILE",
    "JobSummary",
    "Journal",
    "JournalBatch",
    "JournalJob",
    "JournalState",
    "OrgRef",
    "OutcomeRow",
]

JOURNAL_FILE = "run.json"
VERSION = 1

OutcomeRow = tuple[int, str | None, str, str, str]
"""One row's outcome as the journal keeps it: ``(row, id, reason, code, message)``."""


def _write_file(fd: int, data: bytes) -> None:
    """Write ``data`` to the open file ``fd``, flush it to disk and close it (the one place
    the journal's bytes reach the disk; tests make it fail like a full disk)."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _url(url: str | None) -> str | None:
    return url.strip().rstrip("/").lower() or None if url else None


def _outcome_row(item: Sequence[Any]) -> OutcomeRow:
    row, id_, reason, code, message = item
    return (int(row), None if id_ is None else str(id_), str(reason), str(code), str(message))


@dataclass(frozen=True)
class OrgRef:
    """The org a journal belongs to: its Id and instance URL (either may be unknown)."""

    id: str | None = None
    instance_url: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> OrgRef:
        data = data if isinstance(data, Mapping) else {}
        return cls(data.get("id") or None, data.get("instance_url") or None)

    def to_dict(self) -> dict[str, str | None]:
        return {"id": self.id, "instance_url": self.instance_url}

    def same_as(self, new: OrgRef) -> bool:
        """Whether this (a journal's) org and ``new`` (this run's) are the same org.

        Their org Ids match (15-character form); or, when either lacks an Id, their instance
        URLs do; or neither knows anything.
        """
        old_id, new_id = self.id or "", new.id or ""
        if old_id and new_id:
            return old_id[:15] == new_id[:15]
        old_url, new_url = _url(self.instance_url), new.instance_url
        if old_url and new_url:
            return old_url == new_url
        return not (old_id or old_url or new_id or new_url)

    def describe(self) -> str:
        parts = [f"org {self.id}" if self.id else "", self.instance_url or ""]
        return " at ".join(p for p in parts if p) or "an org it did not record"


@dataclass(frozen=True)
class JournalBatch:
    """One batch (Bulk 1.0), job (Bulk 2.0) or call (REST) and, once read, its outcomes.

    ``columns`` / ``keys``: Bulk 2.0 only, the columns sent and a hash of each row's values.
    """

    batch_id: str
    rows: tuple[int, ...]
    collected: bool = False
    outcomes: tuple[OutcomeRow, ...] = ()
    columns: tuple[str, ...] | None = None
    keys: tuple[str, ...] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JournalBatch:
        columns, keys = data.get("columns"), data.get("keys")
        return cls(
            batch_id=str(data["batch_id"]),
            rows=tuple(int(r) for r in data["rows"]),
            collected=bool(data["collected"]),
            outcomes=tuple(_outcome_row(o) for o in data.get("outcomes") or ()),
            columns=None if columns is None else tuple(str(c) for c in columns),
            keys=None if keys is None else tuple(str(k) for k in keys),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "batch_id": self.batch_id,
            "rows": list(self.rows),
            "collected": self.collected,
            "outcomes": [list(o) for o in self.outcomes],
        }
        if self.columns is not None:
            out["columns"] = list(self.columns)
        if self.keys is not None:
            out["keys"] = list(self.keys)
        return out


@dataclass(frozen=True)
class JournalJob:
    """One job (``rest``: a series of calls under a local id) and its batches."""

    job_id: str
    api: str
    closed: bool = False
    batches: tuple[JournalBatch, ...] = ()
    posting: tuple[int, ...] | None = None
    """Bulk 1.0: the rows of a batch about to be posted whose id the journal has not seen."""

    @property
    def open_batches(self) -> tuple[JournalBatch, ...]:
        """Batches whose results were not read yet."""
        return tuple(b for b in self.batches if not b.collected)

    @property
    def pending(self) -> bool:
        """Whether the job may still hold rows without an outcome."""
        return not self.closed or bool(self.open_batches)

    @property
    def rows(self) -> int:
        return sum(len(b.rows) for b in self.batches)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JournalJob:
        posting = data.get("posting")
        return cls(
            job_id=str(data["job_id"]),
            api=str(data["api"]),
            closed=bool(data["closed"]),
            batches=tuple(JournalBatch.from_dict(b) for b in data["batches"]),
            posting=None if posting is None else tuple(int(r) for r in posting),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "job_id": self.job_id,
            "api": self.api,
            "closed": self.closed,
            "batches": [b.to_dict() for b in self.batches],
        }
        if self.posting is not None:
            out["posting"] = list(self.posting)
        return out


@dataclass(frozen=True)
class JobSummary:
    """A job as ``report.json`` lists it: id, api, number of batches and rows."""

    job_id: str
    api: str
    batches: int
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "api": self.api, "batches": self.batches, "rows": self.rows}


@dataclass(frozen=True)
class JournalState:
    """Everything ``run.json`` holds (see the module docstring for the file's shape)."""

    input_sha256: str
    object_name: str
    api: str
    org: OrgRef
    status: str = "running"
    started: str = ""
    resumed: int = 0
    jobs: tuple[JournalJob, ...] = ()
    finished: str | None = None
    version: int = VERSION

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JournalState:
        """The state of a ``run.json`` of this version; KeyError / TypeError / ValueError when
        it does not have the shape."""
        finished = data.get("finished")
        return cls(
            input_sha256=str(data["input_sha256"]),
            object_name=str(data["object"]),
            api=str(data.get("api") or ""),
            org=OrgRef.from_dict(data.get("org")),
            status=str(data.get("status") or "running"),
            started=str(data.get("started") or ""),
            resumed=int(data.get("resumed", 0)),
            jobs=tuple(JournalJob.from_dict(j) for j in data.get("jobs") or ()),
            finished=None if finished is None else str(finished),
            version=int(data["version"]),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": self.version,
            "input_sha256": self.input_sha256,
            "object": self.object_name,
            "api": self.api,
            "org": self.org.to_dict(),
            "status": self.status,
            "started": self.started,
            "resumed": self.resumed,
            "jobs": [j.to_dict() for j in self.jobs],
        }
        if self.finished is not None:
            out["finished"] = self.finished
        return out


class Journal:
    """The journal of the runs in ``out_dir``: ``Journal(out_dir).open(...)`` for one run."""

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / JOURNAL_FILE
        self.resumed = False
        self._state: JournalState | None = None

    @property
    def state(self) -> JournalState:
        """The journal's content; ConfigError before :meth:`open`."""
        if self._state is None:
            raise ConfigError(f"the journal in {self.out_dir} is not open; call open() first")
        return self._state

    def to_dict(self) -> dict[str, Any]:
        """What ``run.json`` holds after the next event (JSON-ready)."""
        return self.state.to_dict()

    # --- opening ---------------------------------------------------------------------------

    def open(
        self,
        *,
        input_sha256: str,
        object_name: str,
        api: str,
        org_id: str | None = None,
        instance_url: str | None = None,
    ) -> Journal:
        """Resume ``out_dir/run.json`` if it belongs to the same input, object and org, else
        start a new one; returns the journal itself.

        The org is ``org_id`` (``Connection.org_id``) and ``instance_url``: two journals are
        of the same org when their org Ids match (15-character form), or, when either lacks
        an Id, their instance URLs do. An unfinished journal with jobs of another input,
        object or org is not overwritten (its jobs may still hold rows): ConfigError. A
        completed one (or one that never started a job) is replaced by a new journal. Either
        way the file changes at the first event: until then ``run.json`` is left as it was,
        so a run that stops before it writes anything to the org leaves ``out_dir`` untouched.
        """
        org = OrgRef(org_id or None, _url(instance_url))
        old = self._read_old(input_sha256, object_name, org)
        if old is not None:
            known = old.org
            self._state = replace(
                old,
                org=OrgRef(known.id or org.id, known.instance_url or org.instance_url),
                resumed=old.resumed + 1,
                status="running",
                finished=None,
            )
            self.resumed = True
        else:
            self._state = JournalState(input_sha256, object_name, api, org, started=_now())
            self.resumed = False
        return self

    def _read_old(self, input_sha256: str, object_name: str, org: OrgRef) -> JournalState | None:
        """The journal on disk when this run resumes it; None when it starts afresh."""
        data = self._read(self.path)
        if data is None:
            return None
        unfinished = data.get("status") != "completed" and bool(data.get("jobs"))
        if data.get("version") != VERSION:
            if unfinished:
                raise ConfigError(
                    f"{self.path} is an unfinished journal of another sfclean version; finish "
                    "that run with the version that started it, or use another --out"
                )
            return None
        try:
            old = JournalState.from_dict(data)
        except (KeyError, TypeError, ValueError):
            raise self._damaged() from None
        same_run = old.input_sha256 == input_sha256 and old.object_name == object_name
        if same_run and old.org.same_as(org):
            return old
        if unfinished and same_run:
            raise ConfigError(
                f"{self.out_dir} holds an unfinished run against another org "
                f"({old.org.describe()}); use a new --out or finish that run"
            )
        if unfinished:
            raise ConfigError(
                f"{self.path} belongs to an unfinished run of another input or object; rerun "
                "that input to finish it, or use another --out directory"
            )
        return None

    def _damaged(self) -> ConfigError:
        return ConfigError(
            f"{self.path} is not a valid sfclean journal; move it away or use another --out"
        )

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}", path=str(path)) from None
        try:
            data = json.loads(text)
        except ValueError:
            raise self._damaged() from None
        return data if isinstance(data, dict) else None

    def write_error(self, exc: OSError) -> WriteError:
        """The one-line error for a journal write that failed (disk full, read-only, ...)."""
        reason = exc.strerror or type(exc).__name__
        return WriteError(
            f"cannot write the journal {self.path} ({reason}); free space on that disk or make "
            f"{self.out_dir} writable, then rerun the same command: it resumes from the "
            "journal, and no row is sent twice",
            path=str(self.path),
        )

    def _write(self, state: JournalState) -> None:
        """Put ``state`` on disk atomically, then hold it; WriteError when the disk refuses."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".run-", suffix=".json", dir=self.path.parent)
        except OSError as exc:
            raise self.write_error(exc) from None
        try:
            _write_file(fd, json.dumps(state.to_dict(), separators=(",", ":")).encode())
            os.replace(tmp, self.path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise self.write_error(exc) from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._state = state

    # --- events ----------------------------------------------------------------------------

    def _job_index(self, job_id: str) -> int:
        for i, job in enumerate(self.state.jobs):
            if job.job_id == job_id:
                return i
        raise KeyError(f"job {job_id} is not in the journal")

    def _with_job(self, job: JournalJob, index: int | None = None) -> None:
        jobs = list(self.state.jobs)
        if index is None:
            jobs.append(job)
        else:
            jobs[index] = job
        self._write(replace(self.state, jobs=tuple(jobs)))

    def job_started(self, job_id: str, api: str) -> None:
        """A job exists in the org (for ``rest``: a local id for a series of calls)."""
        self._with_job(JournalJob(job_id, api))

    def batch_posting(self, job_id: str, rows: Sequence[int]) -> None:
        """A Bulk 1.0 batch of these rows is about to be posted (its id comes with the answer).

        After a crash between the POST and :meth:`batch_posted`, the job's batch list in the
        org holds one batch the journal does not know: these are its rows.
        """
        index = self._job_index(job_id)
        job = self.state.jobs[index]
        self._with_job(replace(job, posting=tuple(int(r) for r in rows)), index)

    def batch_posted(
        self,
        job_id: str,
        batch_id: str,
        rows: Sequence[int],
        *,
        columns: Sequence[str] | None = None,
        keys: Sequence[str] | None = None,
    ) -> None:
        """The org holds a batch of these rows (rest: a call is about to be sent)."""
        batch = JournalBatch(
            batch_id,
            tuple(int(r) for r in rows),
            columns=None if columns is None else tuple(columns),
            keys=None if keys is None else tuple(keys),
        )
        index = self._job_index(job_id)
        job = self.state.jobs[index]
        self._with_job(replace(job, batches=(*job.batches, batch), posting=None), index)

    def batch_collected(
        self, job_id: str, batch_id: str, *, outcomes: Sequence[Sequence[Any]] = ()
    ) -> None:
        """The batch's results were read: one ``(row, id, reason, code, message)`` per row.

        An empty list means the batch never ran (its rows are loaded again).
        """
        index = self._job_index(job_id)
        job = self.state.jobs[index]
        rows = tuple(_outcome_row(o) for o in outcomes)
        for i, batch in enumerate(job.batches):
            if batch.batch_id == batch_id:
                batches = list(job.batches)
                batches[i] = replace(batch, collected=True, outcomes=rows)
                self._with_job(replace(job, batches=tuple(batches)), index)
                return
        raise KeyError(f"batch {batch_id} of job {job_id} is not in the journal")

    def job_closed(self, job_id: str) -> None:
        """No more batches will be added to the job."""
        index = self._job_index(job_id)
        self._with_job(replace(self.state.jobs[index], closed=True), index)

    def completed(self) -> None:
        """The run wrote all its outputs."""
        self._write(replace(self.state, status="completed", finished=_now()))

    # --- reading ---------------------------------------------------------------------------

    @property
    def is_completed(self) -> bool:
        return self.state.status == "completed"

    def pending_jobs(self) -> list[JournalJob]:
        """Jobs with a batch not yet collected, or not yet closed."""
        return [job for job in self.state.jobs if job.pending]

    def outcomes(self) -> dict[int, OutcomeRow]:
        """The latest outcome per row over every collected batch: ``row -> (row, id, ...)``."""
        found: dict[int, OutcomeRow] = {}
        for job in self.state.jobs:
            for batch in job.batches:
                for item in batch.outcomes:
                    found[item[0]] = item
        return found

    def jobs(self) -> list[JobSummary]:
        """A summary per job: id, api, number of batches and rows."""
        return [JobSummary(j.job_id, j.api, len(j.batches), j.rows) for j in self.state.jobs]
