"""``--quiet`` and the progress bars of the commands that take a while.

Each command opens :func:`progress_bars` around its work and hands the library's
``progress=`` callbacks to it (:class:`sfclean.progress.TqdmProgress`). Bars are drawn with
tqdm on stderr when stderr is a terminal, so a pipe or a log file gets the report only;
``--quiet`` switches them off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sfclean.progress import TqdmProgress, tqdm_progress

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

__all__ = ["progress_bars", "quiet_option"]

F = TypeVar("F", bound=Callable[..., Any])


def quiet_option(func: F) -> F:
    """Add ``--quiet`` (no progress bars)."""
    option = click.option(
        "--quiet", "-q", is_flag=True, help="Draw no progress bars on stderr (the report stays)."
    )
    return option(func)  # type: ignore[no-any-return]


def progress_bars(quiet: bool) -> TqdmProgress:
    """The command's progress callback: tqdm bars on stderr when it is a terminal, none under
    ``--quiet``. Use it as a context manager, so the last bar is closed."""
    return tqdm_progress(quiet=True if quiet else None)


def read_with_bars(
    path: Path, *, quiet: bool, encoding: str | None, delimiter: str | None, skip_rows: int
) -> tuple[pd.DataFrame, TqdmProgress]:
    """(INPUT.csv read with normalize's reading options, the command's progress bars, which
    drew the read): the first step of every command that takes a CSV."""
    from sfclean.cli._options import read_input

    bars = progress_bars(quiet)
    df = read_input(
        path,
        encoding=encoding,
        delimiter=delimiter,
        skip_rows=skip_rows,
        progress=bars.stage("read"),
    )
    return df, bars
