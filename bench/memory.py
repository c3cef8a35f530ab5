"""Resident memory of the benchmark's own process, from /proc/self (Linux)."""

from __future__ import annotations


def status_mib(field: str) -> float:
    """A memory line of /proc/self/status (VmRSS: now, VmHWM: peak since the last reset)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> bool:
    """Reset the process's peak resident memory (VmHWM) to now; False if Linux refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def release_free_memory() -> bool:
    """Hand the C heap's free pages back to Linux (glibc ``malloc_trim(0)``), so that the
    RSS read next holds no freed memory that a later call could reuse unseen (its peak
    would then look smaller than it is); False where there is no glibc."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    libc.malloc_trim(0)
    return True
