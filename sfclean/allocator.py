"""The memory settings of sfclean's own command-line processes (never set by the library:
a caller's process keeps its own), :func:`tune_this_process`: glibc's allocator keeps freed
memory for reuse, and the kernel's transparent huge pages are off.

Why: by default glibc returns a freed block of 128 KiB or more to the kernel (its mmap
threshold rises with use, to 32 MiB at most) and trims the heap's top beyond twice that.
normalize builds and frees arrays of tens of MiB per column, so the kernel maps, zeroes and
faults the same memory in again: at 1,000,000 rows ~350,000 page faults and 0.5-0.8 s of
system time, ~12 % of the stage's CPU. With the thresholds below freed blocks stay in the
heap for the next column: ~230,000 faults, 0.2-0.3 s less CPU for ~35 MiB more peak memory
(bench/README.md). ``mallopt`` is glibc's documented interface (mallopt(3)); on other C
libraries (musl, macOS) nothing is changed.

Huge pages: numpy asks the kernel for them (``madvise``) for every array of 4 MiB or more,
and with the kernel's default ``defrag`` setting a fault in such an array may first compact
memory. In a first call at 100,000 rows that cost 0.15-0.26 s of system time in about one
run of three (0.04-0.09 s in the others); with ordinary pages every run took 0.09-0.11 s
(more faults, no compaction), and at 1,000,000 rows the CPU was the same either way
(bench/README.md). ``prctl(PR_SET_THP_DISABLE)`` is Linux's documented switch (prctl(2),
Linux 3.15); not when ``NUMPY_MADVISE_HUGEPAGE`` is set (the user chose).
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = [
    "MMAP_THRESHOLD",
    "TRIM_THRESHOLD",
    "keep_freed_memory",
    "no_huge_pages",
    "tune_this_process",
]

#: Blocks at least this large are still mapped apart (and given back when freed).
MMAP_THRESHOLD = 64 * 2**20
#: Free memory at the heap's top beyond this is given back to the kernel.
TRIM_THRESHOLD = 256 * 2**20

_M_TRIM_THRESHOLD = -1  # mallopt(3)'s parameter numbers, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
_PR_SET_THP_DISABLE = 41  # prctl(2)'s option number, from linux/prctl.h


def tune_this_process() -> None:
    """The settings above, for a process that is sfclean's own (the CLI's data commands)."""
    keep_freed_memory()
    no_huge_pages()


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds (see above); True if glibc took them. Not when
    ``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` or ``GLIBC_TUNABLES`` is set: the
    user tuned the allocator already."""
    libc = None if _user_tuned() else _libc()
    if libc is None or not hasattr(libc, "gnu_get_libc_version"):  # glibc's own: not musl
        return False
    mallopt = libc.mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )


def _user_tuned() -> bool:
    names = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")
    return any(os.environ.get(name) for name in names)


def no_huge_pages() -> bool:
    """Turn transparent huge pages off for this process; True if the kernel took it."""
    libc = None if os.environ.get("NUMPY_MADVISE_HUGEPAGE") else _libc()
    if libc is None or not hasattr(libc, "prctl"):
        return False
    prctl = libc.prctl
    prctl.restype = ctypes.c_int
    zero = ctypes.c_ulong(0)
    return prctl(_PR_SET_THP_DISABLE, ctypes.c_ulong(1), zero, zero, zero) == 0


def _libc() -> ctypes.CDLL | None:
    """This Linux process's C library (its own symbols and those of what it loaded), or
    None on another system."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None
