"""glibc's thresholds and the huge-page switch are set by the CLI's data commands only, and
never against the user's choice."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

from sfclean import allocator

GLIBC = sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "gnu_get_libc_version")


def _in_child(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter (the thresholds are process-wide)."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", **env},
    )
    return done.stdout.strip()


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_glibc_takes_the_thresholds():
    assert _in_child("from sfclean.allocator import keep_freed_memory as k; print(k())") == "True"


@pytest.mark.parametrize(
    "name", ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"]
)
def test_a_user_who_tuned_the_allocator_keeps_it(name):
    value = "glibc.malloc.check=0" if name == "GLIBC_TUNABLES" else "131072"
    code = "from sfclean.allocator import keep_freed_memory as k; print(k())"
    assert _in_child(code, **{name: value}) == "False"


_THP = (
    "from sfclean.allocator import no_huge_pages as n; took = n(); "
    "print(took, [l.split()[1] for l in open('/proc/self/status') if l.startswith('THP_')])"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_the_kernel_turns_huge_pages_off():
    assert _in_child(_THP) == "True ['0']"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_user_who_chose_numpys_huge_pages_keeps_them():
    assert _in_child(_THP, NUMPY_MADVISE_HUGEPAGE="1") == "False ['1']"


def test_not_on_other_platforms(monkeypatch):
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.keep_freed_memory() is False
    assert allocator.no_huge_pages() is False


def test_the_library_does_not_touch_the_allocator():
    """Only the CLI's commands set it: normalize() in a caller's process never loads it."""
    code = (
        "import sys, pandas as pd, sfclean; "
        "sfclean.normalize(pd.DataFrame({'Email': ['a@example.com']})); "
        "print('sfclean.allocator' in sys.modules)"
    )
    assert _in_child(code) == "False"


def test_sfclean_normalize_sets_them(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from sfclean.cli.group import cli

    calls = []
    monkeypatch.setattr(allocator, "keep_freed_memory", lambda: calls.append(1) or True)
    monkeypatch.setattr(allocator, "no_huge_pages", lambda: calls.append(2) or True)
    source = tmp_path / "in.csv"
    source.write_text("Email\na@example.com\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["normalize", str(source), "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    assert calls == [1, 2]
