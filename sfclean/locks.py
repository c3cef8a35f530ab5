"""Locks that keep two ``sfclean run`` on one machine from stepping on each other.

Two locks, both files in the user's cache directory (``platformdirs.user_cache_dir("sfclean")``
/ ``locks``), held with the ``filelock`` package (an OS lock, ``flock`` on Linux: the kernel
releases it when the process dies, even by SIGKILL, so a killed run never leaves a lock
behind):

- the **out lock**, keyed by the resolved ``--out`` path, held for the whole run (a dry run
  too: it writes outputs). Two runs never write one directory at once.
- the **org lock**, keyed by the org Id (15 characters; the instance URL when the Id is
  unknown) and the object, held from the collection of an interrupted run's jobs to the end
  of the load: the window between "which emails exist in the org?" and "insert the rest".
  Two runs into the same org and object, whatever their ``--out``, do not overlap there, so
  the second one's exclude stage sees every record the first one created. A dry run writes
  nothing to the org and does not take it.

Keeping the lock files out of ``--out`` leaves that directory untouched by a run that is
refused early. Beside each lock file a small JSON file names the holder (pid, host, start
time, ``--out``); a run that cannot get a lock within ``timeout`` seconds (0: ask once)
raises :class:`~sfclean.errors.RunLocked` naming it.

What no lock here can prevent: runs on other machines (or in containers that do not share
the cache directory) into the same org. There an active duplicate rule that Blocks is the
second line of defence (see the README).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import filelock
import platformdirs

from sfclean.errors import RunLocked, WriteError

__all__ = ["lock_dir", "org_lock", "out_lock"]


def lock_dir() -> Path:
    """Where the lock files live: ``<user cache dir>/sfclean/locks`` (``$XDG_CACHE_HOME``)."""
    return Path(platformdirs.user_cache_dir("sfclean")) / "locks"


def _holder(info: Path) -> str:
    """``pid N on HOST since TIME, --out DIR`` as the holder recorded it, or a plain phrase."""
    try:
        data = json.loads(info.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "another sfclean run"
    if not isinstance(data, dict):
        return "another sfclean run"
    parts = [f"pid {data.get('pid')} on {data.get('host')}", f"since {data.get('started')}"]
    if data.get("out"):
        parts.append(f"--out {data['out']}")
    return "another sfclean run (" + ", ".join(parts) + ")"


@contextlib.contextmanager
def _held(name: str, *, timeout: float, what: str, out: str) -> Iterator[None]:
    folder = lock_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(
            f"cannot create the lock directory {folder} ({exc.strerror}); make it writable "
            "or set XDG_CACHE_HOME to a writable directory",
            path=str(folder),
        ) from None
    lock = filelock.FileLock(folder / f"{name}.lock", timeout=max(0.0, timeout))
    info = folder / f"{name}.json"
    try:
        lock.acquire()
    except filelock.Timeout:
        waited = f" for {timeout:g} s" if timeout > 0 else ""
        raise RunLocked(
            f"{_holder(info)} is {what}; waited{waited or ' not at all'}. Let it finish, "
            "or pass lock_timeout= (seconds) to wait for it",
            holder=_holder(info),
        ) from None
    try:
        record: dict[str, Any] = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "out": out,
        }
        with contextlib.suppress(OSError):  # the note is for messages only
            info.write_text(json.dumps(record), encoding="utf-8")
        yield
    finally:
        with contextlib.suppress(OSError):
            info.unlink()
        lock.release()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def out_lock(out_dir: str | os.PathLike[str], *, timeout: float = 0.0) -> Any:
    """A context manager holding the lock of ``out_dir`` (RunLocked when another run has it)."""
    resolved = str(Path(out_dir).resolve())
    return _held(
        f"out-{_digest(resolved)}", timeout=timeout, what=f"writing {out_dir}", out=resolved
    )


def org_lock(
    org_id: str | None,
    instance_url: str | None,
    object_name: str,
    *,
    out_dir: str | os.PathLike[str],
    timeout: float = 0.0,
) -> Any:
    """A context manager holding the lock of (org, object) (RunLocked when another run has it)."""
    org = (org_id or "")[:15] or _digest((instance_url or "").strip().rstrip("/").lower())
    safe_object = "".join(c if c.isalnum() or c == "_" else "-" for c in object_name)
    what = f"loading into {object_name} of org {org_id or instance_url or 'unknown'}"
    return _held(
        f"org-{org}-{safe_object}",
        timeout=timeout,
        what=what,
        out=str(Path(out_dir).resolve()),
    )
