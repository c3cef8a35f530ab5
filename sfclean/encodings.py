"""Bytes to text for :func:`sfclean.io.read_csv`: the encoding, decided on the whole file.

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
"""

from __future__ import annotations

import codecs
import re

from sfclean.errors import ConfigError, InputError

__all__ = ["decode"]

_BINARY_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # xlsx/zip, xls (OLE2)

# A multi-byte UTF-8 sequence that is evidence of UTF-8 text: lead bytes \xd4-\xdf are left
# out (cp1252 Ô..ß followed by a quote or dash makes them by chance; in UTF-8 they are
# Armenian, Hebrew, Arabic, Syriac and NKo letters, not what a cp1252 file is mixed with).
_UTF8_EVIDENCE = re.compile(
    rb"[\xc2-\xd3][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def decode(data: bytes, name: str, encoding: str | None) -> tuple[str, str]:
    """Decode ``data`` (the bytes of the file ``name``); return the text and the codec used.

    Raises :class:`~sfclean.errors.InputError` (one line: what, where, what to do) for bytes
    that are not in the forced ``encoding``, a binary file, mixed encodings or a NUL byte;
    :class:`~sfclean.errors.ConfigError` for an unknown ``encoding``.
    """
    text, used = _decode(data, name, encoding)
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise InputError(
            f"{name} has a NUL byte (\\0) on line {line}; Salesforce cannot store it: remove "
            "it (or save the file again from a spreadsheet) and try again",
            path=name,
        )
    return text, used


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ConfigError(f"unknown encoding {encoding!r}; use utf-8, cp1252 or latin-1") from None


def _label(codec: str) -> str:
    return {"utf-8": "UTF-8", "iso8859-1": "latin-1"}.get(codec, codec)


def _line(data: bytes, offset: int) -> int:
    """The line number (1 = first) of byte ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    return data.startswith(_BINARY_MAGIC) or head.count(b"\x00") * 8 > len(head)


def _decode(data: bytes, name: str, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        codec = _codec_name(encoding)
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            hint = "utf-8" if codec != "utf-8" else "cp1252"
            raise InputError(
                f"{name} is not {_label(codec)} at byte {exc.start} (line "
                f"{_line(data, exc.start)}); try --encoding {hint}",
                path=name,
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name} starts with a UTF-16 mark but is not UTF-16 at byte {exc.start}; "
                "save it again as CSV UTF-8",
                path=name,
            ) from None
    if _looks_binary(data):
        raise InputError(
            f"{name} is a binary file (an Excel workbook?), not CSV; save it as CSV UTF-8",
            path=name,
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            offset = exc.start + len(codecs.BOM_UTF8)
            raise InputError(
                f"{name} starts with a UTF-8 mark but is not UTF-8 at byte {offset} (line "
                f"{_line(data, offset)}); fix that line, or try --encoding cp1252",
                path=name,
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        _refuse_mixed_encodings(data, exc.start, name)
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _first_utf8_text(data: bytes) -> int | None:
    """Offset of the first multi-byte sequence that is valid UTF-8 text evidence, or None."""
    for match in _UTF8_EVIDENCE.finditer(data):
        try:
            match.group().decode("utf-8")
        except UnicodeDecodeError:  # an overlong or surrogate form: not UTF-8 text
            continue
        return match.start()
    return None


def _refuse_mixed_encodings(data: bytes, start: int, name: str) -> None:
    """Refuse a file whose byte ``start`` is not UTF-8 while another part of it is UTF-8 text
    (see the module docstring); a file with no UTF-8 text at all is left to cp1252."""
    evidence = _first_utf8_text(data)
    if evidence is None:
        return
    line, utf8_line = _line(data, start), _line(data, evidence)
    raise InputError(
        f"{name} mixes encodings: line {utf8_line} is UTF-8 but byte {start} (line {line}) is "
        f"not; fix line {line} and save the file again as CSV UTF-8, or pass --encoding cp1252 "
        "if the file is cp1252",
        path=name,
    )
