"""A run's ``--out`` directory before the run starts: what a killed run left there, and
whether it holds a finished run (issue 12 points 5 and 7). Called with the directory's lock
held (:mod:`sfclean.locks`), so no other run is writing there meanwhile."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sfclean.errors import ConfigError, WriteError
from sfclean.journal import TEMP_PREFIX

__all__ = ["MANIFEST", "OUTPUT_TEMP_PREFIX", "refuse_finished", "remove_leftovers"]

OUTPUT_TEMP_PREFIX = ".sfclean-tmp-"
"""The staging directory of :func:`sfclean.io.write_outputs` (``tempfile.mkdtemp`` prefix)."""
MANIFEST = "report.json"
"""The file that says a run finished: written last, after every other output."""


def remove_leftovers(out_dir: str | os.PathLike[str]) -> list[str]:
    """Remove the temporary files a killed run left in ``out_dir`` (the outputs being staged,
    ``.sfclean-tmp-*``, and a journal being replaced, ``.run-*``); returns their names.
    WriteError when one cannot be removed."""
    out = Path(out_dir)
    if not out.is_dir():
        return []
    removed = []
    for path in sorted(out.glob(f"{OUTPUT_TEMP_PREFIX}*")) + sorted(out.glob(f"{TEMP_PREFIX}*")):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError as exc:
            raise WriteError(
                f"cannot remove {path}, left by an interrupted run ({exc.strerror}); make "
                f"{out} writable or remove it by hand",
                path=str(path),
            ) from None
        removed.append(path.name)
    return removed


def refuse_finished(out_dir: str | os.PathLike[str]) -> None:
    """ConfigError when ``out_dir`` holds a finished run (its ``report.json``): a rerun there
    would replace complete outputs (a dry run, with empty ones)."""
    if (Path(out_dir) / MANIFEST).exists():
        raise ConfigError(
            f"{out_dir} holds a finished run ({MANIFEST}); choose a new --out directory, or "
            "pass overwrite=True to replace its outputs"
        )
