"""CSV in and out, with the conventions of Salesforce Data Loader files.

Reading (:func:`read_csv`) keeps every cell as text: no NA inference, no numeric coercion, so
phone numbers, postcodes with leading zeros, Salesforce Ids and the words "NA" or "Null"
survive unchanged. The encoding (UTF-8 with or without BOM, UTF-16 with BOM, else cp1252 or
latin-1, decided on the whole file by :mod:`sfclean.encodings`: a file that mixes UTF-8 and
cp1252 is refused with the line of its first odd byte rather than garbled, and a NUL byte is
an error naming its line) and the delimiter (``,`` ``;`` or tab) are detected and recorded in
``df.attrs["sfclean"]``. Two columns whose names differ only by case are an error.
A file that cannot be read safely raises :class:`InputError` with one line saying what is
wrong and where (rows are numbered like a spreadsheet: header = 1).

Blank lines: a spreadsheet numbers a blank line as a row, so a blank line between data rows
becomes a row of empty cells (the normalize stage holds it back as ``missing-email``); that
keeps every row number equal to the spreadsheet's and every input line accounted for. Blank
lines after the last data row are dropped (no row number depends on them). Blank lines
before the header are refused: the header must be row 1, or every number would be off,
unless ``skip_rows=N`` says the header is row N+1 (a "Notes:" preamble, as in LinkedIn's
Connections.csv); then the first data row is N+2.

The file is never held in memory as bytes or text: :func:`check_csv` decides the encoding
block by block and walks every record once, then pandas parses the file from its header on,
whole (:func:`read_csv`) or ``rows`` at a time (:meth:`CsvFile.chunks`, for a file larger
than memory).

Writing (:func:`write_result` for a stage's result, :func:`write_outputs` for any set of
tables) puts a set of files into a directory atomically: everything is
written to a temporary directory first, then moved into place with the manifest (the JSON
report) last, so a failed run never leaves a set of files that looks complete. The files for
people (:data:`FOR_PEOPLE`: rejected, findings, excluded, failed) are UTF-8 with a BOM, so
Excel opens them right, and their cells that start like a formula get a leading ``'``
(:mod:`sfclean.spreadsheet`); the files for the org (clean, kept, excluded_updates, loaded)
are UTF-8 without a BOM, every cell exactly as in the table. The CSV text is what pandas'
``to_csv`` writes (minimal quoting, CRLF), written by :class:`OutputDir`, which also takes
rows a chunk at a time and publishes the set only when it is complete.

:func:`read_sdl_mapping` reads a Data Loader ``.sdl`` mapping file (``csvColumn=Field``); it
lives in :mod:`sfclean.sdl` and is re-exported here.
"""

from __future__ import annotations

from sfclean.io._read import CsvFile, check_csv, read_csv
from sfclean.io._records import column_name_problem
from sfclean.io._write import FOR_PEOPLE, OutputDir, write_outputs, write_result
from sfclean.sdl import columns_for_fields, read_sdl_mapping

__all__ = [
    "FOR_PEOPLE",
    "CsvFile",
    "OutputDir",
    "check_csv",
    "column_name_problem",
    "columns_for_fields",
    "read_csv",
    "read_sdl_mapping",
    "write_outputs",
    "write_result",
]
