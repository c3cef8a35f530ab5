"""Writing a set of output files into a directory atomically (see :mod:`sfclean.io`)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sfclean.errors import InputError
from sfclean.spreadsheet import neutralise_formulas

if TYPE_CHECKING:
    from sfclean.report import StageResult

__all__ = ["FOR_PEOPLE", "write_outputs", "write_result"]

PathLike = str | os.PathLike[str]

#: The output files meant for people, who open them in Excel: written as UTF-8 with a BOM (so
#: Excel reads ü and é right) and with every cell that starts like a formula neutralised by
#: a leading ``'`` (:func:`sfclean.spreadsheet.neutralise_formulas`). Every other CSV
#: (``clean.csv``, ``kept.csv``, ``excluded_updates.csv``, ``loaded.csv``: the files that go
#: to the org or to Data Loader) is written byte for byte, as UTF-8 without a BOM.
FOR_PEOPLE: frozenset[str] = frozenset(
    {
        "rejected.csv",
        "findings.csv",
        "excluded.csv",
        "failed.csv",
        # scan: the clusters and plans admins review
        "clusters.csv",
        "by_creator.csv",
        "merge_plan.csv",
        "convert_plan.csv",
    }
)


def write_outputs(
    out_dir: PathLike,
    files: Mapping[str, pd.DataFrame | Mapping[str, Any]],
    *,
    for_people: Collection[str] = FOR_PEOPLE,
) -> dict[str, Path]:
    """Write ``{file name: DataFrame or JSON-ready dict}`` into ``out_dir`` atomically.

    DataFrames are written as CSV without their index, with CRLF line ends (RFC 4180; it also
    makes the csv writer quote a cell holding a lone CR); dicts as indented JSON. A file
    named in ``for_people`` (default :data:`FOR_PEOPLE`) is UTF-8 with a BOM, its formula-like
    cells neutralised; any other CSV is plain UTF-8, every cell exactly as in the table.
    All files go to a temporary directory inside ``out_dir`` first, then are moved into place
    in the order given, so put the manifest (the file that says a run finished) LAST. An
    existing copy of that manifest is removed before anything is moved, so an interrupted run
    never leaves a mix of old and new files that looks complete. Creates ``out_dir`` if needed.
    Returns ``{file name: final path}``. Raises :class:`~sfclean.errors.InputError` (with
    the reason) if the directory cannot be created or written.
    """
    if not files:
        raise ValueError("write_outputs needs at least one file")
    target = Path(out_dir)
    try:
        target.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".sfclean-tmp-", dir=target))
    except OSError as exc:
        raise _output_error(target, exc) from None
    try:
        staged: list[tuple[Path, Path]] = []
        for file_name, content in files.items():
            if Path(file_name).name != file_name:
                raise ValueError(f"output file name must not contain a directory: {file_name!r}")
            path = tmp / file_name
            if isinstance(content, pd.DataFrame):
                _write_csv(content, path, for_people=file_name in for_people)
            else:
                path.write_text(
                    json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n",
                    encoding="utf-8",
                )
            staged.append((path, target / file_name))
        manifest = staged[-1][1]
        manifest.unlink(missing_ok=True)
        if manifest.name == "report.json":  # sfclean report's page describes the old outputs
            (target / "report.html").unlink(missing_ok=True)
        for src, dst in staged:
            os.replace(src, dst)
    except OSError as exc:
        raise _output_error(target, exc) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {dst.name: dst for _, dst in staged}


def _write_csv(frame: pd.DataFrame, path: Path, *, for_people: bool) -> None:
    if for_people:
        frame = neutralise_formulas(frame)
    encoding = "utf-8-sig" if for_people else "utf-8"
    frame.to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")


def _output_error(target: Path, exc: OSError) -> InputError:
    reason = exc.strerror or type(exc).__name__
    return InputError(
        f"cannot write to {target} ({reason}); choose another --out directory", path=str(target)
    )


def write_result(
    result: StageResult, out_dir: PathLike, *, source: Mapping[str, Any] | None = None
) -> dict[str, Path]:
    """Write any stage's result into ``out_dir``: its :meth:`~sfclean.report.StageResult.outputs`
    (normalize: ``clean.csv``, ``rejected.csv``, ``findings.csv``; exclude: ``excluded.csv``,
    ``excluded_updates.csv``, ``kept.csv``; load: ``loaded.csv``, ``failed.csv``; run: all
    of them) then ``report.json``, atomically and the report last (see :func:`write_outputs`).

    ``source`` describes the input (``path``, ``encoding``, ``delimiter``, as
    :func:`read_csv` records it in ``df.attrs["sfclean"]``) for the report; normalize's result
    carries its own. Returns ``{file name: path}``.
    """
    files: dict[str, pd.DataFrame | Mapping[str, Any]] = dict(result.outputs())
    files["report.json"] = result.to_report(source=source)
    return write_outputs(out_dir, files)
