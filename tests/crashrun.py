"""``sfclean.run`` in a process of its own, killed by SIGKILL at a chosen point (for
tests/test_crash.py; not a test module).

    python tests/crashrun.py URL TOKEN CA_BUNDLE INPUT OUT API WHERE

WHERE is ``none``, ``journal:N:before|torn|after`` (at the Nth write of the journal: before
it, halfway through it, or just after it) or ``output:N`` (as the Nth output CSV is written).
The kill comes from the process itself (``os.kill(os.getpid(), SIGKILL)``): no cleanup runs,
as when the machine or the user kills it. Prints ``ran LOADED`` or ``refused: MESSAGE``
(exit 3) when the run could not start.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import sfclean
import sfclean.journal
from sfclean.io import OutputDir


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_in_journal(n: int, mode: str) -> None:
    real = sfclean.journal._write_file
    count = [0]

    def write(fd: int, data: bytes) -> None:
        count[0] += 1
        if count[0] != n:
            return real(fd, data)
        if mode == "torn":
            os.write(fd, data[: max(1, len(data) // 2)])
        if mode in ("before", "torn"):
            _die()
        real(fd, data)
        _die()

    sfclean.journal._write_file = write  # type: ignore[assignment]


def _kill_in_outputs(n: int, out: str) -> None:
    """Die as the Nth output CSV under ``out`` is about to be written: every file of a set
    is staged by ``OutputDir._stage``, whichever writer (sfclean's or pandas') writes it."""
    real = OutputDir._stage
    count = [0]

    def stage(self: OutputDir, file_name: str) -> Path:
        path = real(self, file_name)
        if str(path).startswith(out) and file_name.endswith(".csv"):
            count[0] += 1
            if count[0] == n:
                _die()
        return path

    OutputDir._stage = stage  # type: ignore[method-assign]


def main() -> int:
    url, token, ca_bundle, source, out, api, where = sys.argv[1:8]
    kind, _, spec = where.partition(":")
    if kind == "journal":
        n, mode = spec.split(":")
        _kill_in_journal(int(n), mode)
    elif kind == "output":
        _kill_in_outputs(int(spec), str(os.path.abspath(out)))
    conn = sfclean.connect(instance_url=url, access_token=token, ca_bundle=ca_bundle)
    batch_size = int(os.environ.get("CRASHRUN_BATCH_SIZE", "10"))
    try:
        result = sfclean.run(
            source,
            conn,
            object_name="Lead",
            out_dir=os.path.abspath(out),
            api=api,
            batch_size=batch_size,
        )
    except sfclean.SfcleanError as exc:
        print(f"refused: {exc}")
        return 3
    print(f"ran {result.report.rows.loaded}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
