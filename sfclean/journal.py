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
     "jobs": [{"job_id", "api", "closed": bool,
               "batches": [{"batch_id", "rows": [sfclean_row, ...], "collected": bool,
                            "outcomes": [[row, id, reason, code, message], ...],
                            "columns"?: [...], "keys"?: [...]}]}]}

Tests simulate a crash with a subclass that raises from one of the event methods.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sfclean.errors import ConfigError, InputError

__all__ = ["JOURNAL_FILE", "Journal"]

JOURNAL_FILE = "run.json"
VERSION = 1


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _url(url: str | None) -> str | None:
    return url.strip().rstrip("/").lower() or None if url else None


def _same_org(old: Any, new: dict[str, Any]) -> bool:
    """Whether a journal's ``org`` and this run's are the same org (see :meth:`Journal.open`)."""
    old = old if isinstance(old, dict) else {}
    old_id, new_id = str(old.get("id") or ""), str(new.get("id") or "")
    if old_id and new_id:
        return old_id[:15] == new_id[:15]
    old_url, new_url = _url(old.get("instance_url")), new.get("instance_url")
    if old_url and new_url:
        return bool(old_url == new_url)
    return not (old_id or old_url or new_id or new_url)


def _describe(org: Any) -> str:
    org = org if isinstance(org, dict) else {}
    parts = [f"org {org['id']}" if org.get("id") else "", org.get("instance_url") or ""]
    return " at ".join(p for p in parts if p) or "an org it did not record"


class Journal:
    """The journal of one run in ``out_dir``; create it with :meth:`open`."""

    def __init__(self, path: Path, data: dict[str, Any], *, resumed: bool) -> None:
        self.path = path
        self.data = data
        self.resumed = resumed

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        out_dir: str | os.PathLike[str],
        *,
        input_sha256: str,
        object_name: str,
        api: str,
        org_id: str | None = None,
        instance_url: str | None = None,
    ) -> Journal:
        """Resume ``out_dir/run.json`` if it belongs to the same input, object and org, else
        start a new one.

        The org is ``org_id`` (``Connection.org_id``) and ``instance_url``: two journals are
        of the same org when their org Ids match (15-character form), or, when either lacks
        an Id, their instance URLs do. An unfinished journal with jobs of another input,
        object or org is not overwritten (its jobs may still hold rows): ConfigError. A
        completed one (or one that never started a job) is replaced by a new journal. Either
        way the file changes at the first event: until then ``run.json`` is left as it was,
        so a run that stops before it writes anything to the org leaves ``out_dir`` untouched.
        """
        path = Path(out_dir) / JOURNAL_FILE
        org = {"id": org_id or None, "instance_url": _url(instance_url)}
        old = cls._read(path)
        if old is not None:
            unfinished = old.get("status") != "completed" and bool(old.get("jobs"))
            if old.get("version") != VERSION:
                if unfinished:
                    raise ConfigError(
                        f"{path} is an unfinished journal of another sfclean version; finish "
                        "that run with the version that started it, or use another --out"
                    )
            else:
                same_run = (
                    old.get("input_sha256") == input_sha256 and old.get("object") == object_name
                )
                same_org = _same_org(old.get("org"), org)
                if same_run and same_org:
                    return cls._resume(path, old, org)
                if unfinished and same_run:
                    raise ConfigError(
                        f"{out_dir} holds an unfinished run against another org "
                        f"({_describe(old.get('org'))}); use a new --out or finish that run"
                    )
                if unfinished:
                    raise ConfigError(
                        f"{path} belongs to an unfinished run of another input or object; rerun "
                        "that input to finish it, or use another --out directory"
                    )
        data = {
            "version": VERSION,
            "input_sha256": input_sha256,
            "object": object_name,
            "api": api,
            "org": org,
            "status": "running",
            "started": _now(),
            "resumed": 0,
            "jobs": [],
        }
        return cls(path, data, resumed=False)

    @classmethod
    def _resume(cls, path: Path, old: dict[str, Any], org: dict[str, Any]) -> Journal:
        """Reopen ``old``: running again (new jobs may follow), the org's Id filled in; on disk
        at the next event."""
        known = dict(old.get("org") or {})
        old["org"] = {k: known.get(k) or org.get(k) for k in ("id", "instance_url")}
        old["resumed"] = int(old.get("resumed", 0)) + 1
        old["status"] = "running"
        old.pop("finished", None)
        return cls(path, old, resumed=True)

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}", path=str(path)) from None
        try:
            data = json.loads(text)
        except ValueError:
            raise ConfigError(
                f"{path} is not a valid sfclean journal; move it away or use another --out"
            ) from None
        return data if isinstance(data, dict) else None

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".run-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.data, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # --- events ----------------------------------------------------------------------------

    def _job(self, job_id: str) -> dict[str, Any]:
        for job in self.data["jobs"]:
            if job["job_id"] == job_id:
                return job
        raise KeyError(f"job {job_id} is not in the journal")

    def _batch(self, job_id: str, batch_id: str) -> dict[str, Any]:
        for batch in self._job(job_id)["batches"]:
            if batch["batch_id"] == batch_id:
                return batch
        raise KeyError(f"batch {batch_id} of job {job_id} is not in the journal")

    def job_started(self, job_id: str, api: str) -> None:
        """A job exists in the org (for ``rest``: a local id for a series of calls)."""
        self.data["jobs"].append({"job_id": job_id, "api": api, "closed": False, "batches": []})
        self._write()

    def batch_posted(
        self,
        job_id: str,
        batch_id: str,
        rows: list[int],
        *,
        columns: list[str] | None = None,
        keys: list[str] | None = None,
    ) -> None:
        """The org holds a batch of these rows (rest: a call is about to be sent)."""
        batch: dict[str, Any] = {
            "batch_id": batch_id,
            "rows": [int(r) for r in rows],
            "collected": False,
            "outcomes": [],
        }
        if columns is not None:
            batch["columns"] = list(columns)
        if keys is not None:
            batch["keys"] = list(keys)
        self._job(job_id)["batches"].append(batch)
        self._write()

    def batch_collected(
        self, job_id: str, batch_id: str, *, outcomes: list[list[Any]] | None = None
    ) -> None:
        """The batch's results were read: one ``[row, id, reason, code, message]`` per row.

        An empty list means the batch never ran (its rows are loaded again).
        """
        batch = self._batch(job_id, batch_id)
        batch["collected"] = True
        batch["outcomes"] = list(outcomes or [])
        self._write()

    def job_closed(self, job_id: str) -> None:
        """No more batches will be added to the job."""
        self._job(job_id)["closed"] = True
        self._write()

    def completed(self) -> None:
        """The run wrote all its outputs."""
        self.data["status"] = "completed"
        self.data["finished"] = _now()
        self._write()

    # --- reading ---------------------------------------------------------------------------

    @property
    def is_completed(self) -> bool:
        return self.data.get("status") == "completed"

    def pending_jobs(self) -> list[dict[str, Any]]:
        """Jobs with a batch not yet collected, or not yet closed (copies)."""
        return [
            json.loads(json.dumps(job))
            for job in self.data["jobs"]
            if not job["closed"] or any(not b["collected"] for b in job["batches"])
        ]

    def outcomes(self) -> dict[int, list[Any]]:
        """The latest outcome per row over every collected batch: ``row -> [row, id, ...]``."""
        found: dict[int, list[Any]] = {}
        for job in self.data["jobs"]:
            for batch in job["batches"]:
                for item in batch.get("outcomes") or []:
                    found[int(item[0])] = list(item)
        return found

    def jobs(self) -> list[dict[str, Any]]:
        """A summary per job: id, api, number of batches and rows."""
        return [
            {
                "job_id": job["job_id"],
                "api": job["api"],
                "batches": len(job["batches"]),
                "rows": sum(len(b["rows"]) for b in job["batches"]),
            }
            for job in self.data["jobs"]
        ]
