"""The encoding of a CSV file for :func:`sfclean.io.read_csv`, decided on the whole file.

The order: a forced ``encoding``; else a UTF-16 byte-order mark; else refuse a binary file
(an Excel workbook, or a file mostly made of NUL bytes); else UTF-8 (with or without its
mark); else cp1252; else latin-1. Two rules guard against silent damage:

- A file that is not valid UTF-8 but holds UTF-8 text elsewhere (a cp1252 line pasted into
  a UTF-8 export) is refused, with the line of its first odd byte: reading it all as cp1252
  would garble every UTF-8 character (``José`` -> ``JosÃ©``). The whole file is checked, not
  a sample, so one odd byte in the last line of a million-row file is found. A pair of bytes
  that genuine cp1252 text makes by chance (``ß“`` or ``Ö”`` are also valid UTF-8, as Hebrew,
  Arabic or NKo letters) does not count as UTF-8 text.
- A NUL byte (``\\0``) anywhere in the text is an error naming its line: Salesforce cannot
  store one, and it usually means a damaged file. It is never removed silently.

The file is read in blocks of :data:`BLOCK` bytes (:func:`detect_encoding` takes an open
binary file), so a file larger than memory is checked without loading it: a UTF-8 file is
read once and validated in place by pyarrow, no text is built; a file that is not UTF-8 is
read again to find its first odd byte with the decoder, for the mixed-encodings rule and in
cp1252.
"""

from __future__ import annotations

import codecs
import re
import struct
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa

from sfclean.errors import ConfigError, InputError

__all__ = ["BLOCK", "detect_encoding"]

#: Bytes read at a time.
BLOCK = 1 << 20

_BINARY_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # xlsx/zip, xls (OLE2)
_HEAD = 8192  # bytes looked at for a byte-order mark or a binary file

# A multi-byte UTF-8 sequence that is evidence of UTF-8 text: lead bytes \xd4-\xdf are left
# out (cp1252 Ô..ß followed by a quote or dash makes them by chance; in UTF-8 they are
# Armenian, Hebrew, Arabic, Syriac and NKo letters, not what a cp1252 file is mixed with).
# Each alternative has one length, fixed by its lead byte (2, 3 or 4 bytes).
_UTF8_EVIDENCE = re.compile(
    rb"[\xc2-\xd3][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_LONGEST_EVIDENCE = 4


def detect_encoding(handle: BinaryIO, name: str, encoding: str | None) -> str:
    """The codec of the file open in ``handle`` (binary, seekable; ``name`` for messages):
    ``encoding``'s codec name when forced, else ``utf-16``, ``utf-8-sig``, ``utf-8``,
    ``cp1252`` or ``latin-1``. The whole file is read, in blocks.

    Raises :class:`~sfclean.errors.InputError` (one line: what, where, what to do) for bytes
    that are not in the forced ``encoding``, a binary file, mixed encodings or a NUL byte;
    :class:`~sfclean.errors.ConfigError` for an unknown ``encoding``.
    """
    head = handle.read(_HEAD)
    if encoding is not None:
        codec = _codec_name(encoding)
        bad = _scan(handle, codec, name)
        if bad is not None:
            hint = "utf-8" if codec != "utf-8" else "cp1252"
            raise InputError(
                f"{name} is not {_label(codec)} at byte {bad} (line {_line(handle, bad)}); "
                f"try --encoding {hint}",
                path=name,
            )
        return codec
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        bad = _scan(handle, "utf-16", name)
        if bad is not None:
            raise InputError(
                f"{name} starts with a UTF-16 mark but is not UTF-16 at byte {bad}; "
                "save it again as CSV UTF-8",
                path=name,
            )
        return "utf-16"
    if head.startswith(_BINARY_MAGIC) or head.count(b"\x00") * 8 > len(head):
        raise InputError(
            f"{name} is a binary file (an Excel workbook?), not CSV; save it as CSV UTF-8",
            path=name,
        )
    if head.startswith(codecs.BOM_UTF8):
        bad = _scan(handle, "utf-8", name, start=len(codecs.BOM_UTF8))
        if bad is not None:
            raise InputError(
                f"{name} starts with a UTF-8 mark but is not UTF-8 at byte {bad} (line "
                f"{_line(handle, bad)}); fix that line, or try --encoding cp1252",
                path=name,
            )
        return "utf-8-sig"
    bad = _scan(handle, "utf-8", name)
    if bad is None:
        return "utf-8"
    _refuse_mixed_encodings(handle, bad, name)
    return "cp1252" if _scan(handle, "cp1252", name) is None else _latin1(handle, name)


def _latin1(handle: BinaryIO, name: str) -> str:
    _scan(handle, "latin-1", name)  # every byte decodes: this only looks for a NUL
    return "latin-1"


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ConfigError(f"unknown encoding {encoding!r}; use utf-8, cp1252 or latin-1") from None


def _label(codec: str) -> str:
    return {"utf-8": "UTF-8", "iso8859-1": "latin-1"}.get(codec, codec)


def _blocks(handle: BinaryIO, start: int = 0) -> Iterator[bytes]:
    handle.seek(start)
    while block := handle.read(BLOCK):
        yield block


def _line(handle: BinaryIO, offset: int) -> int:
    """The line number (1 = first) of byte ``offset``."""
    lines, at = 1, 0
    for block in _blocks(handle):
        lines += block.count(b"\n", 0, max(0, offset - at))
        at += len(block)
        if at >= offset:
            break
    return lines


# What a scan finds: the offset of the first byte that is not the codec, and the line of the
# first NUL character (each None when there is none).
_Scanned = tuple[int | None, int | None]


def _scan(handle: BinaryIO, codec: str, name: str, *, start: int = 0) -> int | None:
    """Check the file from byte ``start`` on in ``codec``, block by block: the offset of the
    first byte that is not ``codec``, or None when every byte is. InputError for a NUL
    character in a file that decodes. UTF-8 is first checked without decoding
    (:func:`_scan_valid_utf8`); the decoder runs when that fails, to find the offset."""
    scanned = _scan_valid_utf8(handle, start) if codec == "utf-8" else None
    bad, nul_line = _decode(handle, codec, start) if scanned is None else scanned
    if nul_line is not None:
        raise InputError(
            f"{name} has a NUL byte (\\0) on line {nul_line}; Salesforce cannot store it: "
            "remove it (or save the file again from a spreadsheet) and try again",
            path=name,
        )
    return bad


def _decode(handle: BinaryIO, codec: str, start: int) -> _Scanned:
    """Decode the file from byte ``start`` on with ``codec``; the NUL line only when every
    byte decodes."""
    decoder = codecs.getincrementaldecoder(codec)()
    at, lines, nul_line = start, 1, None
    handle.seek(start)
    while True:
        block = handle.read(BLOCK)
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:  # exc.object: the bytes held back, then block
            return at - (len(exc.object) - len(block)) + exc.start, None
        if nul_line is None:
            nul = text.find("\x00")
            nul_line = lines + text.count("\n", 0, nul) if nul >= 0 else None
            lines += text.count("\n")
        if not block:
            return None, nul_line
        at += len(block)


def _scan_valid_utf8(handle: BinaryIO, start: int) -> _Scanned | None:
    """What :func:`_decode` answers for UTF-8 on a file that is UTF-8 from byte ``start`` on,
    found several times faster: pyarrow validates the bytes in place, no str is built, and
    the NUL byte is looked for in the bytes (in UTF-8 a 0 byte is only ever NUL; its line is
    counted once found, from the file's first byte: the same line, as ``start`` is 0 or
    after a byte-order mark, which holds no line end). Each block is cut before a character
    that may run on into the next, and the cut bytes go with the next. None when a block is
    not UTF-8."""
    at, carry, nul = start, b"", None  # at: the offset of carry[0]
    handle.seek(start)
    while True:
        block = handle.read(BLOCK)
        data = carry + block if carry else block
        end = _whole_characters(data) if block else len(data)
        if not _is_utf8(data, end):
            return None
        if nul is None and (found := data.find(b"\x00", 0, end)) >= 0:
            nul = at + found
        if not block:
            return None, None if nul is None else _line(handle, nul)
        carry, at = data[end:], at + end


def _whole_characters(data: bytes) -> int:
    """Where to cut ``data`` so that no character of valid UTF-8 is cut in two: before a lead
    byte (0xC0 and up) in the last three bytes, else at the end."""
    for back in range(1, min(len(data), 3) + 1):
        if data[-back] >= 0xC0:
            return len(data) - back
    return len(data)


def _is_utf8(data: bytes, end: int) -> bool:
    """Whether ``data[:end]`` is valid UTF-8 (what Python's strict decoder accepts, checked by
    pyarrow's validation of a one-string array over the bytes, without a copy)."""
    offsets = pa.py_buffer(struct.pack("<2i", 0, end))
    text = pa.Array.from_buffers(pa.utf8(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _evidence(handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of each match of :data:`_UTF8_EVIDENCE` in the file, the matches
    ``finditer`` gives on the whole file: a match that may run past the end of a block is
    looked for again with the next block."""
    carry, base = b"", 0  # base: the file offset of carry[0]
    handle.seek(0)
    while True:
        block = handle.read(BLOCK)
        buf = carry + block
        limit = len(buf) - (_LONGEST_EVIDENCE - 1) if block else len(buf)
        resume = max(limit, 0)
        for match in _UTF8_EVIDENCE.finditer(buf):
            if match.start() >= limit:
                break
            yield base + match.start(), match.group()
            resume = max(resume, match.end())
        if not block:
            return
        carry, base = buf[resume:], base + resume


def _first_utf8_text(handle: BinaryIO) -> int | None:
    """Offset of the first multi-byte sequence that is valid UTF-8 text evidence, or None."""
    for offset, sequence in _evidence(handle):
        try:
            sequence.decode("utf-8")
        except UnicodeDecodeError:  # an overlong or surrogate form: not UTF-8 text
            continue
        return offset
    return None


def _refuse_mixed_encodings(handle: BinaryIO, start: int, name: str) -> None:
    """Refuse a file whose byte ``start`` is not UTF-8 while another part of it is UTF-8 text
    (see the module docstring); a file with no UTF-8 text at all is left to cp1252."""
    evidence = _first_utf8_text(handle)
    if evidence is None:
        return
    line, utf8_line = _line(handle, start), _line(handle, evidence)
    raise InputError(
        f"{name} mixes encodings: line {utf8_line} is UTF-8 but byte {start} (line {line}) is "
        f"not; fix line {line} and save the file again as CSV UTF-8, or pass --encoding cp1252 "
        "if the file is cp1252",
        path=name,
    )
