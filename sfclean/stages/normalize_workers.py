"""normalize's per-distinct-value work on several processes (``workers=``).

normalize cleans each distinct email, and each distinct (phone, region) pair, once
(:func:`~sfclean.cleaners.emails.clean_email_column`,
:func:`~sfclean.cleaners.phonecolumn.clean_phone_column`). With ``workers`` above 1 those
lists are cut into one contiguous chunk per worker, cleaned by a process pool, and the
chunks' results joined in order (:meth:`~sfclean.cleaners.lines.CellColumn.concat`). A
value's result depends on that value alone (the column scans answer line by line, and a
group too small to scan goes one by one with the same answers), so every number of workers
gives the same result; ``tests/test_normalize_workers.py`` checks it.

The pool starts on first need and lives for one normalize call. On Linux its processes are
forked from the calling one: they start at once, with the expressions the caller has
compiled, and never import the caller's ``__main__`` again (a script without an
``if __name__ == "__main__":`` guard works). The workers run only Python, numpy and the
re module; no thread of the caller (pyarrow's, say) is needed in them. Elsewhere (macOS,
Windows, where forking is unsafe or missing) they are spawned: each imports the cleaners and
compiles its own expressions, and the caller's script needs the ``__main__`` guard, as for
any multiprocessing. Lists under :data:`MIN_PER_WORKER` distinct values per worker stay in
the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from types import TracebackType
from typing import Any

from sfclean.cleaners.lines import CellColumn
from sfclean.errors import ConfigError

__all__ = ["MIN_PER_WORKER", "ValuePool", "resolve_workers"]

#: Fewer distinct values per worker than this are cleaned in the calling process.
MIN_PER_WORKER = 25_000


def resolve_workers(workers: int | None) -> int:
    """The number of processes for ``workers``: 1 (the default) cleans in the calling
    process, 0 or None means one per CPU this process may use, N means N."""
    if workers is None or workers == 0:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ConfigError(
            f"workers= must be 0 (one per CPU) or a positive number (got {workers!r})"
        )
    return workers


class ValuePool:
    """Runs a column cleaner over chunks of distinct values on ``workers`` processes.

    Use as a context manager: the processes end when the block does.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: Executor | None = None

    def __enter__(self) -> ValuePool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=error is not None)
            self._executor = None

    def map_column(
        self,
        clean: Callable[..., CellColumn],
        values: Sequence[str],
        *args: Any,
        cells: Any = None,
        **kwargs: Any,
    ) -> CellColumn:
        """``clean(values, *args, **kwargs)``, computed in chunks on the workers when the
        list is long enough, else here; the same result either way. ``cells``: the values
        as one pyarrow array, passed on to ``clean`` (as ``cells=``) when it runs here on
        the whole list, which spares it converting them."""
        if cells is not None and self._chunks(len(values)) < 2:
            return clean(values, *args, cells=cells, **kwargs)
        return self.map_columns(clean, [(values, args)], **kwargs)[0]

    def map_columns(
        self,
        clean: Callable[..., CellColumn],
        jobs: Sequence[tuple[Sequence[str], tuple[Any, ...]]],
        **kwargs: Any,
    ) -> list[CellColumn]:
        """:meth:`map_column` for several (values, args) jobs, whose chunks all go to the
        workers at once (one wait for all, not one per job)."""
        pending: list[list[Any]] = []
        for values, args in jobs:
            chunks = self._chunks(len(values))
            if chunks < 2:
                pending.append([clean(values, *args, **kwargs)])
                continue
            executor = self._start()
            size = -(-len(values) // chunks)
            parts = [list(values[i : i + size]) for i in range(0, len(values), size)]
            pending.append([executor.submit(clean, part, *args, **kwargs) for part in parts])
        out = []
        for results in pending:
            done = [r if isinstance(r, CellColumn) else r.result() for r in results]
            out.append(done[0] if len(done) == 1 else CellColumn.concat(done))
        return out

    def _chunks(self, count: int) -> int:
        """How many chunks a list of ``count`` values is cleaned in (below 2: here)."""
        return min(self.workers, count // MIN_PER_WORKER)

    def _start(self) -> Executor:
        if self._executor is None:
            method = "fork" if sys.platform.startswith("linux") else "spawn"
            context = multiprocessing.get_context(method)
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._executor
