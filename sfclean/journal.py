"""``run.jsonl``: the journal that makes ``sfclean run`` resumable.

The load stage records each job and batch as soon as it exists in the org (a Bulk 1.0
batch's rows, and a REST call, just BEFORE it is sent), and each batch's per-row outcomes as
soon as they are read. The journal is append-only JSON Lines: one line per event, each write
(one event, or a batch's worth of outcomes) followed by one fsync, so its cost grows with
the rows, not rows x batches. A rerun replays the lines in order (:func:`replay`). After a
crash the file holds every event up to the last whole line: a torn last line (the process
died inside the write) is an event that did not happen, and is cut off before the next one.

Lines (``e`` says which event; the first line is always a ``state``)::

    {"e": "state", "state": {...the whole JournalState, see JournalState.to_dict...}}
    {"e": "resumed", "org": {"id", "instance_url"}}
    {"e": "job", "job": id, "api": "bulk" | "bulk2" | "rest"}
    {"e": "posting", "job": id, "rows": [sfclean_row, ...]}          Bulk 1.0, before the POST
    {"e": "posted", "job": id, "batch": id, "rows": [...], "columns"?: [...], "keys"?: [...]}
    {"e": "collected", "job": id, "batch": id, "outcomes": [[row, id, reason, code, message]]}
    {"e": "closed", "job": id}
    {"e": "completed", "finished": ISO time}

It holds row numbers (``sfclean_row``), job and batch ids, record Ids and error codes and
messages; never the rows' values (Bulk 2.0 rows are matched by a hash of what was sent).

A journal belongs to one input (sha256), object and org (Id and instance URL): its job ids
and record Ids mean nothing in another org, so a run against another org never resumes it.
A journal of an earlier sfclean (``run.json``, one JSON document, version 1) is read the
same way and, at this run's first event, replaced by ``run.jsonl``.

In memory the journal is typed (:mod:`sfclean.journalstate`): a frozen
:class:`JournalState`, replaced (never mutated) at each event by
:func:`~sfclean.journalstate.apply`, the same function that replays the file.

``Journal(out_dir)`` is bound to a directory; :meth:`Journal.open` reads it for one run.
``sfclean.run(journal=...)`` takes one (tests pass a subclass whose event method raises, to
simulate a crash at that event).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sfclean.errors import ConfigError, InputError, WriteError
from sfclean.journalstate import (
    VERSION,
    JobSummary,
    JournalBatch,
    JournalJob,
    JournalState,
    OrgRef,
    OutcomeRow,
    apply,
)

__all__ = [
    "JOURNAL_FILE",
    "LEGACY_FILE",
    "TEMP_PREFIX",
    "JobSummary",
    "Journal",
    "JournalBatch",
    "JournalJob",
    "JournalState",
    "OrgRef",
    "OutcomeRow",
    "replay",
]

JOURNAL_FILE = "run.jsonl"
LEGACY_FILE = "run.json"
"""The journal of sfclean before issue 12 (one JSON document); read, then replaced."""
TEMP_PREFIX = ".run-"
"""Temporary files of a journal being replaced (``.run-*.jsonl``; ``.run-*.json`` before)."""


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
    return datetime.now(UTC).isoformat(timespec="seconds")


def _url(url: str | None) -> str | None:
    return url.strip().rstrip("/").lower() or None if url else None


def _line(event: Mapping[str, Any]) -> bytes:
    # json.dumps (one shot) uses the C encoder; json.dump to a file would not
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def _damaged(path: Path) -> ConfigError:
    return ConfigError(f"{path} is not a valid sfclean journal; move it away or use another --out")


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", path=str(path)) from None


def _replay_lines(path: Path, data: bytes) -> tuple[JournalState | None, int]:
    """(the state after every whole line, the length of those lines in bytes)."""
    whole = data[: data.rfind(b"\n") + 1]  # a torn last line never happened
    if data and not whole:  # the first line is written whole (a new file is moved in place)
        raise _damaged(path)
    state: JournalState | None = None
    for number, raw in enumerate(whole.splitlines(), start=1):
        try:
            event = json.loads(raw)
            if number == 1 and event.get("e") != "state":
                raise ValueError("no state")
            state = apply(state, event)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _damaged(path) from None
    return state, len(whole)


def replay(path: str | os.PathLike[str]) -> JournalState | None:
    """The state a journal file holds (``run.jsonl``, or a legacy ``run.json``), or None when
    there is none. ConfigError when it is damaged."""
    path = Path(path)
    data = _read_bytes(path)
    if data is None:
        return None
    if path.name != LEGACY_FILE:
        return _replay_lines(path, data)[0]
    try:
        legacy = json.loads(data)
        return None if legacy.get("version") != 1 else JournalState.from_dict(legacy)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _damaged(path) from None


class Journal:
    """The journal of the runs in ``out_dir``: ``Journal(out_dir).open(...)`` for one run."""

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / JOURNAL_FILE
        self.legacy_path = self.out_dir / LEGACY_FILE
        self.resumed = False
        self._state: JournalState | None = None
        self._header: list[dict[str, Any]] = []  # lines to write before the first event
        self._rewrite = True  # the first write replaces the file (else: appends to it)
        self._whole = 0  # bytes of whole lines on disk (a torn last line is cut off)

    @property
    def state(self) -> JournalState:
        """The journal's content; ConfigError before :meth:`open`."""
        if self._state is None:
            raise ConfigError(f"the journal in {self.out_dir} is not open; call open() first")
        return self._state

    def to_dict(self) -> dict[str, Any]:
        """The state the journal holds after its last event (JSON-ready)."""
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
        """Resume the journal in ``out_dir`` if it belongs to the same input, object and org,
        else start a new one; returns the journal itself.

        The org is ``org_id`` (``Connection.org_id``) and ``instance_url``: two journals are
        of the same org when their org Ids match (15-character form), or, when either lacks
        an Id, their instance URLs do. An unfinished journal with jobs of another input,
        object or org is not overwritten (its jobs may still hold rows): ConfigError. A
        completed one (or one that never started a job) is replaced by a new journal. Either
        way the file changes at the first event: until then it is left as it was, so a run
        that stops before it writes anything to the org leaves ``out_dir`` untouched.
        """
        org = OrgRef(org_id or None, _url(instance_url))
        old = self._read_old(input_sha256, object_name, org)
        if old is not None:
            known = old.org
            merged = OrgRef(known.id or org.id, known.instance_url or org.instance_url)
            self._state = replace(
                old, org=merged, resumed=old.resumed + 1, status="running", finished=None
            )
            self.resumed = True
            if self._rewrite:  # a legacy run.json becomes run.jsonl at the first event
                self._state = replace(self._state, version=VERSION)
                self._header = [{"e": "state", "state": self._state.to_dict()}]
            else:
                self._header = [{"e": "resumed", "org": merged.to_dict()}]
        else:
            self._state = JournalState(input_sha256, object_name, api, org, started=_now())
            self.resumed = False
            self._rewrite = True
            self._header = [{"e": "state", "state": self._state.to_dict()}]
        return self

    def _on_disk(self) -> JournalState | None:
        """The journal in ``out_dir`` (``run.jsonl``, else a legacy ``run.json``), or None."""
        data = _read_bytes(self.path)
        if data is not None:
            state, self._whole = _replay_lines(self.path, data)
            self._rewrite = state is None
            return state
        self._rewrite = True
        data = _read_bytes(self.legacy_path)
        if data is None:
            return None
        try:
            legacy = json.loads(data)
        except ValueError:
            raise _damaged(self.legacy_path) from None
        if not isinstance(legacy, dict):
            return None
        if legacy.get("version") != 1:
            if legacy.get("status") != "completed" and legacy.get("jobs"):
                raise ConfigError(
                    f"{self.legacy_path} is an unfinished journal of another sfclean version; "
                    "finish that run with the version that started it, or use another --out"
                )
            return None
        return replay(self.legacy_path)

    def _read_old(self, input_sha256: str, object_name: str, org: OrgRef) -> JournalState | None:
        """The journal on disk when this run resumes it; None when it starts afresh."""
        old = self._on_disk()
        if old is None:
            return None
        unfinished = old.status != "completed" and bool(old.jobs)
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

    # --- writing ---------------------------------------------------------------------------

    def write_error(self, exc: OSError) -> WriteError:
        """The one-line error for a journal write that failed (disk full, read-only, ...)."""
        reason = exc.strerror or type(exc).__name__
        return WriteError(
            f"cannot write the journal {self.path} ({reason}); free space on that disk or make "
            f"{self.out_dir} writable, then rerun the same command: it resumes from the "
            "journal, and no row is sent twice",
            path=str(self.path),
        )

    def _emit(self, event: dict[str, Any]) -> None:
        """Apply ``event`` and put it on disk (one write, one fsync); WriteError when the
        disk refuses, the state then stays as it was."""
        state = apply(self.state, event)
        data = b"".join(_line(e) for e in (*self._header, event))
        try:
            if self._rewrite:
                self._replace_file(data)
            else:
                self._append(data)
        except OSError as exc:
            raise self.write_error(exc) from None
        self._header, self._rewrite, self._state = [], False, state
        self._whole += len(data)

    def _replace_file(self, data: bytes) -> None:
        """A new journal: written to a temporary file, then moved over the old one."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".jsonl", dir=self.out_dir)
        try:
            _write_file(fd, data)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.legacy_path.unlink(missing_ok=True)
        self._whole = 0

    def _append(self, data: bytes) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            if os.fstat(fd).st_size > self._whole:
                os.ftruncate(fd, self._whole)  # the torn line of a crash, or a failed write
        except BaseException:
            os.close(fd)
            raise
        _write_file(fd, data)

    # --- events ----------------------------------------------------------------------------

    def job_started(self, job_id: str, api: str) -> None:
        """A job exists in the org (for ``rest``: a local id for a series of calls)."""
        self._emit({"e": "job", "job": job_id, "api": api})

    def batch_posting(self, job_id: str, rows: Sequence[int]) -> None:
        """A Bulk 1.0 batch of these rows is about to be posted (its id comes with the answer).

        After a crash between the POST and :meth:`batch_posted`, the job's batch list in the
        org holds one batch the journal does not know: these are its rows.
        """
        self._emit({"e": "posting", "job": job_id, "rows": [int(r) for r in rows]})

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
        event: dict[str, Any] = {
            "e": "posted",
            "job": job_id,
            "batch": batch_id,
            "rows": [int(r) for r in rows],
        }
        if columns is not None:
            event["columns"] = list(columns)
        if keys is not None:
            event["keys"] = list(keys)
        self._emit(event)

    def batch_collected(
        self, job_id: str, batch_id: str, *, outcomes: Sequence[Sequence[Any]] = ()
    ) -> None:
        """The batch's results were read: one ``(row, id, reason, code, message)`` per row.

        An empty list means the batch never ran (its rows are loaded again).
        """
        rows = [list(o) for o in outcomes]
        self._emit({"e": "collected", "job": job_id, "batch": batch_id, "outcomes": rows})

    def job_closed(self, job_id: str) -> None:
        """No more batches will be added to the job."""
        self._emit({"e": "closed", "job": job_id})

    def completed(self) -> None:
        """The run wrote all its outputs."""
        self._emit({"e": "completed", "finished": _now()})

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
