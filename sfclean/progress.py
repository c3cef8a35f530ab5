"""Progress bars for the CLI and notebooks: the library's ``progress=`` callbacks drawn with
``tqdm.auto`` (a text bar on stderr in a terminal, a widget in Jupyter).

The library never draws anything itself (httpx's rule): every long step takes a callback,
``progress(done, total)`` for one stage (:func:`sfclean.read_csv`, :func:`sfclean.normalize`,
:func:`sfclean.exclude`, :func:`sfclean.load`) or ``progress(stage, done, total)`` for the
whole pipeline (:func:`sfclean.run`); ``None`` or ``False`` (the default) switches it off.
``total`` is 0 when it is not known yet. This module turns those calls into bars::

    with sfclean.tqdm_progress() as progress:
        result = sfclean.run(df, conn, object_name="Lead", out_dir="out", progress=progress)
    sfclean.normalize(df, progress=sfclean.tqdm_progress().stage("normalize"))

The CLI passes ``tqdm_progress(quiet=None)`` (bars on a terminal only), or ``quiet=True``
under ``--quiet``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any

__all__ = ["UNITS", "TqdmProgress", "tqdm_progress"]

#: What each stage's ``done`` and ``total`` count (the bar's unit).
UNITS: dict[str, str] = {
    "read": "step",
    "normalize": "step",
    "exclude": "call",
    "collect": "row",
    "load": "row",
    "extract": "record",
}


class TqdmProgress:
    """A ``progress(stage, done, total)`` callback keeping one ``tqdm.auto`` bar per stage.

    A bar closes when its stage reaches its total, when another stage starts, or on
    :meth:`close` (also on leaving a ``with`` block). ``file``: where text bars go
    (default stderr). ``disable``: True draws nothing (the callback still accepts every
    call); None draws only when ``file`` is a terminal (tqdm's rule), as the CLI does.
    """

    def __init__(self, *, file: IO[str] | None = None, disable: bool | None = False) -> None:
        self.file = file
        self.disable = disable
        self._bar: Any = None
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.disable is True:
            return
        if stage != self._stage or self._bar is None:
            self.close()
            self._open(stage, total)
        bar = self._bar
        if total > 0 and bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()
        if total > 0 and done >= total:
            self.close()

    def _open(self, stage: str, total: int) -> None:
        from tqdm.auto import tqdm

        self._stage = stage
        self._bar = tqdm(
            total=total if total > 0 else None,
            desc=stage,
            unit=UNITS.get(stage, "it"),
            file=self.file if self.file is not None else sys.stderr,
            leave=True,
            dynamic_ncols=True,
            disable=self.disable,
        )

    def stage(self, name: str) -> Callable[[int, int], None]:
        """A ``progress(done, total)`` callback for one stage's function, drawn as ``name``."""
        return lambda done, total: self(name, done, total)

    def close(self) -> None:
        """Close the open bar, if any."""
        if self._bar is not None:
            self._bar.close()
        self._bar = None
        self._stage = ""

    def __enter__(self) -> TqdmProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def tqdm_progress(*, quiet: bool | None = False, file: IO[str] | None = None) -> TqdmProgress:
    """Progress bars for :func:`sfclean.run` and the stage functions (see the module
    docstring); ``quiet=True`` draws nothing, ``quiet=None`` draws only on a terminal (the
    CLI: a pipe or a log file gets the report only)."""
    return TqdmProgress(file=file, disable=quiet)
