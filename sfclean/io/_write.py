"""Writing a set of output files into a directory atomically (see :mod:`sfclean.io`)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sfclean.io._csvout import LINE_END, CsvOut, frame_columns, output_error
from sfclean.spreadsheet import neutralise_formulas

if TYPE_CHECKING:
    from sfclean.report import StageResult

__all__ = ["FOR_PEOPLE", "OutputDir", "write_outputs", "write_result"]

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


class OutputDir:
    """A set of output files being written into ``out_dir`` atomically: each file is staged
    in a temporary directory inside ``out_dir`` (:meth:`csv`, :meth:`frame`, :meth:`json`),
    and :meth:`publish` moves them all into place, in the order they were added, so add the
    manifest (the file that says a run finished) LAST. Until then nothing in ``out_dir``
    changes; :meth:`close` (or leaving the ``with`` block) removes what was not published.
    OSError becomes :class:`~sfclean.errors.InputError` naming the directory."""

    def __init__(self, out_dir: PathLike, *, for_people: Collection[str] = FOR_PEOPLE) -> None:
        self.target = Path(out_dir)
        self.for_people = for_people
        try:
            self.target.mkdir(parents=True, exist_ok=True)
            self._tmp = Path(tempfile.mkdtemp(prefix=".sfclean-tmp-", dir=self.target))
        except OSError as exc:
            raise output_error(self.target, exc) from None
        self._staged: dict[str, Path] = {}
        self._open: list[CsvOut] = []

    def __enter__(self) -> OutputDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _stage(self, file_name: str) -> Path:
        if Path(file_name).name != file_name:
            raise ValueError(f"output file name must not contain a directory: {file_name!r}")
        self._staged[file_name] = self._tmp / file_name
        return self._staged[file_name]

    def csv(self, file_name: str, header: Sequence[Any]) -> CsvOut:
        """A CSV file to write rows into, a chunk at a time (UTF-8 with a BOM and formulas
        neutralised when ``file_name`` is for people)."""
        path = self._stage(file_name)
        try:
            out = CsvOut(path, header, for_people=file_name in self.for_people, out_dir=self.target)
        except OSError as exc:
            raise output_error(self.target, exc) from None
        self._open.append(out)
        return out

    def frame(self, file_name: str, frame: pd.DataFrame) -> None:
        """A DataFrame as CSV, without its index, as ``to_csv`` writes it."""
        columns = frame_columns(frame)
        try:
            if columns is None:
                _write_with_pandas(frame, self._stage(file_name), file_name in self.for_people)
                return
            out = self.csv(file_name, list(frame.columns))
            out.write(columns)
            out.close()
        except OSError as exc:
            raise output_error(self.target, exc) from None

    def json(self, file_name: str, content: Mapping[str, Any]) -> None:
        """A JSON-ready dict as indented JSON."""
        try:
            self._stage(file_name).write_text(
                json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n",
                encoding="utf-8",
            )
        except OSError as exc:
            raise output_error(self.target, exc) from None

    def publish(self) -> dict[str, Path]:
        """Move every staged file into ``out_dir``, the last one added last, after removing
        an existing copy of it (and of ``report.html`` when it is ``report.json``), so an
        interrupted move never leaves a mix of old and new files that looks complete.
        Returns ``{file name: final path}``."""
        if not self._staged:
            raise ValueError("an output set needs at least one file")
        final = {name: self.target / name for name in self._staged}
        manifest = final[next(reversed(self._staged))]
        try:
            for out in self._open:
                out.close()
            manifest.unlink(missing_ok=True)
            if manifest.name == "report.json":  # sfclean report's page describes old outputs
                (self.target / "report.html").unlink(missing_ok=True)
            for name, src in self._staged.items():
                os.replace(src, final[name])
        except OSError as exc:
            raise output_error(self.target, exc) from None
        return final

    def close(self) -> None:
        """Remove the temporary directory and whatever was not published."""
        for out in self._open:
            out.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


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
    the reason) if the directory cannot be created or written. (:class:`OutputDir` does the
    same for files written a chunk at a time.)
    """
    if not files:
        raise ValueError("write_outputs needs at least one file")
    with OutputDir(out_dir, for_people=for_people) as out:
        for file_name, content in files.items():
            if isinstance(content, pd.DataFrame):
                out.frame(file_name, content)
            else:
                out.json(file_name, content)
        return out.publish()


def _write_with_pandas(frame: pd.DataFrame, path: Path, for_people: bool) -> None:
    if for_people:
        frame = neutralise_formulas(frame)
    encoding = "utf-8-sig" if for_people else "utf-8"
    frame.to_csv(path, index=False, encoding=encoding, lineterminator=LINE_END)


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
