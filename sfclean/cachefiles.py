"""Tables built from libraries' data, kept as JSON files in the user's cache directory.

Why: some tables cost every process tens of milliseconds or more to build (the country names
of every language CLDR has, :mod:`sfclean.cleaners.countries`; the top-level domains of the
Public Suffix List, :mod:`sfclean.cleaners.domains`), however small the file it cleans; read
back from a file they cost a few milliseconds. A file's name holds a digest of everything
its table was built from (library versions, data files, the building module's source), so a
new library, list or sfclean builds it afresh and never reads a stale one.

Files live in ``platformdirs.user_cache_dir("sfclean")``. A file that cannot be read, does
not parse, or cannot be written is ignored: the caller builds its table in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import platformdirs

__all__ = ["cache_file", "digest", "read_json", "write_json"]


def digest(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex (for a key part that is a file's contents)."""
    return hashlib.sha256(data).hexdigest()


def cache_file(stem: str, *key: str) -> Path:
    """The cache file of the table ``stem`` built from ``key`` (versions, digests)."""
    name = f"{stem}-{digest(chr(0).join(key).encode())[:16]}.json"
    return Path(platformdirs.user_cache_dir("sfclean")) / name


def read_json(path: Path) -> object | None:
    """The JSON value in ``path``, or None when it cannot be read or parsed."""
    try:
        value: object = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value


def write_json(path: Path, value: object) -> None:
    """Write ``value`` to ``path`` atomically (a temporary file renamed into place); any
    failure leaves no file and is ignored."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, ensure_ascii=False)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
