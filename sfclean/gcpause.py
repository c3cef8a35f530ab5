"""Python's cyclic garbage collector paused around a block of bulk work.

Why: normalize builds millions of short-lived containers (the tuples of regular-expression
groups, lists, object arrays of text) that never form reference cycles, so reference
counting frees all of them. Each of the collector's full passes still walks every live
container of the process; at 1,000,000 rows those passes cost about 0.17 s of CPU, 3-4 % of
the stage (bench/README.md). Pausing it is the standard remedy (the collector's own
documentation suggests ``gc.disable()`` when a program knows it creates no cycles).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

__all__ = ["gc_paused", "with_gc_paused"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off inside the block and on again after it, unless it was off already
    (a caller who turned it off keeps it off; nested blocks leave it to the outermost). A
    collection runs again at the next allocation threshold after the block, as usual."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def with_gc_paused(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """``func`` run inside :func:`gc_paused`."""

    @wraps(func)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with gc_paused():
            return func(*args, **kwargs)

    return paused
