"""The typed content of the run journal (see :mod:`sfclean.journal`): frozen
:class:`JournalState` of :class:`JournalJob` and :class:`JournalBatch`, and :func:`apply`,
the one function that turns a journal event into the next state (used both when a run
records an event and when a rerun replays the file).

Dicts exist only where the state is read from or written to disk (``from_dict`` /
``to_dict``, and the events).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "VERSION",
    "JobSummary",
    "JournalBatch",
    "JournalJob",
    "JournalState",
    "OrgRef",
    "OutcomeRow",
    "apply",
]

VERSION = 2
"""2: JSON Lines events (``run.jsonl``); 1: one JSON document rewritten per event (``run.json``)."""

OutcomeRow = tuple[int, str | None, str, str, str]
"""One row's outcome as the journal keeps it: ``(row, id, reason, code, message)``."""


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
    """Everything the journal holds (see the module docstring for the file's shape)."""

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
        """The state from its ``to_dict`` form; KeyError / TypeError / ValueError when
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


# --- events -----------------------------------------------------------------------------------


def _job_index(state: JournalState, job_id: str) -> int:
    for i, job in enumerate(state.jobs):
        if job.job_id == job_id:
            return i
    raise KeyError(f"job {job_id} is not in the journal")


def _with_job(state: JournalState, job_id: str, change: Any) -> JournalState:
    index = _job_index(state, job_id)
    jobs = list(state.jobs)
    jobs[index] = change(jobs[index])
    return replace(state, jobs=tuple(jobs))


def _collected(job: JournalJob, batch_id: str, outcomes: tuple[OutcomeRow, ...]) -> JournalJob:
    for i, batch in enumerate(job.batches):
        if batch.batch_id == batch_id:
            batches = list(job.batches)
            batches[i] = replace(batch, collected=True, outcomes=outcomes)
            return replace(job, batches=tuple(batches))
    raise KeyError(f"batch {batch_id} of job {job.job_id} is not in the journal")


def _posted(event: Mapping[str, Any]) -> JournalBatch:
    columns, keys = event.get("columns"), event.get("keys")
    return JournalBatch(
        str(event["batch"]),
        tuple(int(r) for r in event["rows"]),
        columns=None if columns is None else tuple(str(c) for c in columns),
        keys=None if keys is None else tuple(str(k) for k in keys),
    )


def apply(state: JournalState | None, event: Mapping[str, Any]) -> JournalState:
    """The state after ``event`` (one line of ``run.jsonl``; see :mod:`sfclean.journal`).

    KeyError / TypeError / ValueError for an event that does not fit the state.
    """
    kind = event["e"]
    if kind == "state":
        return JournalState.from_dict(event["state"])
    if state is None:
        raise ValueError("a journal must start with its state")
    if kind == "resumed":
        org = OrgRef.from_dict(event.get("org"))
        return replace(state, org=org, resumed=state.resumed + 1, status="running", finished=None)
    if kind == "job":
        return replace(state, jobs=(*state.jobs, JournalJob(str(event["job"]), str(event["api"]))))
    job_id = str(event.get("job"))
    if kind == "posting":
        rows = tuple(int(r) for r in event["rows"])
        return _with_job(state, job_id, lambda job: replace(job, posting=rows))
    if kind == "posted":
        batch = _posted(event)
        return _with_job(
            state, job_id, lambda job: replace(job, batches=(*job.batches, batch), posting=None)
        )
    if kind == "collected":
        outcomes = tuple(_outcome_row(o) for o in event["outcomes"])
        return _with_job(state, job_id, lambda job: _collected(job, str(event["batch"]), outcomes))
    if kind == "closed":
        return _with_job(state, job_id, lambda job: replace(job, closed=True))
    if kind == "completed":
        return replace(state, status="completed", finished=str(event["finished"]))
    raise ValueError(f"unknown journal event {kind!r}")
