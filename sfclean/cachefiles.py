"""Tables built from libraries' data, kept as files in the user's cache directory.

Why: some tables cost every process tens of milliseconds or more to build (the country names
of every language CLDR has, :mod:`sfclean.cleaners.countries`; the top-level domains of the
Public Suffix List, :mod:`sfclean.cleaners.domains`), however small the file it cleans; read
back from a file they cost a few milliseconds. A file's name holds a digest of everything
its table was built from (library versions, data files, the building module's source), so a
new library, list or sfclean builds it afresh and never reads a stale one.

Files live in ``platformdirs.user_cache_dir("sfclean")``. A file that cannot be read, does
not parse, or cannot be written is ignored: the caller builds its table in memory. A table
is JSON (:func:`read_json`), or, when it is large and a process looks up only a few of its
keys, sorted lines (:class:`SortedLines`): 30,000 country names cost ~15 ms to read as a JSON
object (a Python string per key and value) and nothing to look up in their bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path

import platformdirs

__all__ = [
    "SortedLines",
    "cache_file",
    "digest",
    "read_bytes",
    "read_json",
    "writable",
    "write_bytes",
    "write_json",
]


def digest(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex (for a key part that is a file's contents)."""
    return hashlib.sha256(data).hexdigest()


def cache_file(stem: str, *key: str, suffix: str = ".json") -> Path:
    """The cache file of the table ``stem`` built from ``key`` (versions, digests)."""
    name = f"{stem}-{digest(chr(0).join(key).encode())[:16]}{suffix}"
    return Path(platformdirs.user_cache_dir("sfclean")) / name


def read_json(path: Path) -> object | None:
    """The JSON value in ``path``, or None when it cannot be read or parsed."""
    data = read_bytes(path)
    try:
        value: object = None if data is None else json.loads(data.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError too
        return None
    return value


def write_json(path: Path, value: object) -> None:
    """Write ``value`` to ``path`` as JSON (:func:`write_bytes`)."""
    write_bytes(path, json.dumps(value, ensure_ascii=False).encode("utf-8"))


def read_bytes(path: Path) -> bytes | None:
    """The bytes of ``path``, or None when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file renamed into place); any
    failure leaves no file and is ignored."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


@cache
def writable(directory: Path) -> bool:
    """Whether a file can be made in ``directory`` (made if missing), tried once per process:
    a caller whose table costs work to put in its file's form can skip that work when the
    file could not be written (a read-only or missing home, say)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".writable-")
    except OSError:
        return False
    os.close(fd)
    Path(temporary).unlink(missing_ok=True)
    return True


class SortedLines:
    """A table of text keys and values as ``key<TAB>value<LF>`` lines of UTF-8 sorted by
    key, looked up by bisection over its bytes (no string is made but the answer's). Keys
    and values hold no tab or line feed; a key is not empty."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    @classmethod
    def of(cls, table: dict[str, str]) -> SortedLines:
        """The lines of ``table``; ValueError for a key or value with a tab or line feed, or
        an empty key."""
        if any("\t" in k or "\n" in k or "\t" in v or "\n" in v or not k for k, v in table.items()):
            raise ValueError("a key or value holds a tab or line feed, or a key is empty")
        pairs = sorted((key.encode(), value.encode()) for key, value in table.items())
        return cls(b"".join(key + b"\t" + value + b"\n" for key, value in pairs))

    @classmethod
    def read(cls, path: Path) -> SortedLines | None:
        """The table in ``path``; None when it cannot be read or is not whole lines."""
        data = read_bytes(path)
        return cls(data) if data and data.endswith(b"\n") else None

    def find(self, key: str) -> str | None:
        """The value of ``key``, or None when the table does not hold it."""
        data, wanted = self.data, key.encode()
        low, high = 0, len(data)  # both at the start of a line (or the end)
        while low < high:
            middle = (low + high) // 2
            newline = data.rfind(b"\n", low, middle)
            start = low if newline < 0 else newline + 1
            end = data.find(b"\n", start)
            tab = data.find(b"\t", start, end)
            if tab < 0:
                return None  # not a table's line: a damaged file answers nothing
            here = data[start:tab]
            if here == wanted:
                return _text(data[tab + 1 : end])
            if here < wanted:
                low = end + 1
            else:
                high = start
        return None


def _text(value: bytes) -> str | None:
    """``value`` as text, or None when it is not UTF-8 (a damaged file answers nothing)."""
    try:
        return value.decode()
    except UnicodeDecodeError:
        return None
