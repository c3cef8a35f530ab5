"""Compiling large regular expressions once per machine, not once per process:
:func:`compile_kept` is ``re.compile`` whose compiled program is kept in the user's cache
directory.

Why: the phone scans (:mod:`sfclean.cleaners.phonecolumn`) read phonenumbers' patterns
through some sixty expressions of 100-14,500 characters each, and CPython's regular
expression compiler is written in Python: about 80 ms of every ``sfclean normalize`` went to
compiling them, a tenth of the command at 100,000 rows (bench/README.md), though they depend
only on phonenumbers' data. Read back, the same programs cost 8-10 ms.

How: ``re.compile`` is ``re._parser.parse`` (the pattern as a tree), ``re._compiler._code``
(the tree as a list of integers for the C matcher) and ``_sre.compile`` (the pattern object
over that list). The list and the group names are what is kept, in a file named by a digest
of the pattern, its flags, the interpreter's build and the matcher's program format and
limits (``_sre.MAGIC``, ``CODESIZE``, ``MAXREPEAT``, ``MAXGROUPS``), so another Python never
reads a program written for this one. These are CPython's private interfaces, so they are
used only where they prove right: a program is kept only when the pattern object built from
it equals ``re.compile``'s (pattern objects compare by their flags, pattern and program, so
its groups and their names are compared too), and anything missing or different (another
interpreter, a renamed function, an unreadable file) falls back to
``re.compile``. A file holds the digest of its program, and one whose program does not match
it is ignored before ``_sre.compile`` sees it: that function checks the programs it is
given, but not fully (a character class whose skip is 0 crashes the interpreter in the check
itself), and a program damaged into another valid one (one literal changed, group names
swapped) would pass it and answer wrongly.

Short patterns are compiled as usual: below :data:`KEEP_FROM` characters reading a file
costs about what compiling does.
"""

from __future__ import annotations

import array
import base64
import json
import re
import sys
from typing import Any

from sfclean.cachefiles import cache_file, digest, read_json, writable, write_json

try:  # CPython
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]
except ImportError:  # another interpreter: compile as usual
    _sre = _compiler = _parser = None

__all__ = ["KEEP_FROM", "compile_kept"]

#: Patterns shorter than this many characters are compiled as usual.
KEEP_FROM = 100

#: The matcher's program words, as ``array`` stores them ("" if no type code fits).
_WORD = next(
    (code for code in "IL" if _sre is not None and array.array(code).itemsize == _sre.CODESIZE),
    "",
)


def compile_kept(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, its program read from or written to the cache."""
    if (
        len(pattern) < KEEP_FROM
        or flags & re.DEBUG  # re.compile prints its tree and program: compiled each time
        or not _WORD
        or sys.implementation.name != "cpython"
    ):
        return re.compile(pattern, flags)
    path = cache_file("regex", sys.version, *_limits(), str(int(flags)), pattern)
    kept = _from_program(pattern, read_json(path))
    if kept is not None:
        return kept
    compiled = re.compile(pattern, flags)
    if not writable(path.parent):
        return compiled  # its program would be made (a second compile) and not kept
    program = _program(pattern, flags)
    if program is not None and _same(_from_program(pattern, program), compiled):
        write_json(path, program)
    return compiled


def _same(built: re.Pattern[str] | None, compiled: re.Pattern[str]) -> bool:
    """Whether ``built`` is ``compiled``: pattern objects compare by flags, pattern and
    program only (not their groups or group names, which a program keeps too)."""
    return (
        built == compiled
        and built.groups == compiled.groups
        and built.groupindex == compiled.groupindex
    )


def _limits() -> list[str]:
    """The matcher's program format and limits: builds of one ``sys.version`` may differ in
    them (a 32-bit build's MAXREPEAT, which ``a*`` is written with, is 2**31 - 1)."""
    return [str(getattr(_sre, name)) for name in ("MAGIC", "CODESIZE", "MAXREPEAT", "MAXGROUPS")]


def _program(pattern: str, flags: int) -> dict[str, Any] | None:
    """What ``_sre.compile`` is given for ``pattern`` (as ``re._compiler.compile`` gives
    it), as JSON values; None if the private interfaces are not as expected."""
    try:
        tree = _parser.parse(pattern, flags)
        code = _compiler._code(tree, flags)
        words = base64.b64encode(array.array(_WORD, code).tobytes()).decode("ascii")
        state = tree.state
        program = {
            "flags": flags | state.flags,
            "groups": state.groups,
            "names": dict(state.groupdict),
            "code": words,
        }
        return {**program, "digest": _digest(program)}
    except Exception:  # private interfaces: anything unexpected means "do not keep"
        return None


def _digest(program: dict[str, Any]) -> str:
    """The digest of a program's parts (not of its ``"digest"``), the same before and after
    a JSON round trip (the code's text is hashed as it is: dumping it costs 4x hashing)."""
    head = json.dumps([program["flags"], program["groups"], sorted(program["names"].items())])
    return digest(f"{head}\n{program['code']}".encode())


def _from_program(pattern: str, program: object) -> re.Pattern[str] | None:
    """The pattern object of a kept program, or None when there is none or it does not fit
    (wrong shape, not its digest, refused by ``_sre.compile``'s own check)."""
    if not isinstance(program, dict):
        return None
    try:
        if program["digest"] != _digest(program):
            return None  # damaged: never given to _sre.compile, whose check it might crash
        code = array.array(_WORD, base64.b64decode(program["code"])).tolist()
        groups, names = int(program["groups"]), dict(program["names"])
        by_index: list[str | None] = [None] * groups
        for name, index in names.items():
            by_index[index] = name
        built: re.Pattern[str] = _sre.compile(
            pattern, int(program["flags"]), code, groups - 1, names, tuple(by_index)
        )
    except Exception:  # a damaged or foreign file: compile as usual
        return None
    return built
