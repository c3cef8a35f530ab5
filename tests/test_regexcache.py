"""sfclean.regexcache: large expressions compiled from their kept programs are the very
pattern objects ``re.compile`` makes, and anything odd falls back to ``re.compile``."""

from __future__ import annotations

import array
import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from re import _constants  # type: ignore[attr-defined]

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean import regexcache
from sfclean.regexcache import KEEP_FROM, compile_kept

pytestmark = pytest.mark.skipif(
    not regexcache._WORD or regexcache._parser is None,
    reason="the programs are kept only on CPython (elsewhere compile_kept is re.compile)",
)

#: Long enough to be kept; named groups, a lookahead, a possessive run, classes.
_LONG = "(?m)^(?:" + "|".join(f"(?P<g{i}>{i:03d}[0-9]{{{i % 7 + 1}}})" for i in range(60))
_LONG += "|(?=4)4[1-4]\\d*+)$"
_TEXTS = ["0123", "0591234567", "41234", "4", "059123456", "", "5a", "0000000000\n0591"]


def _kept_files(root: Path) -> list[Path]:
    return sorted((root / "sfclean").glob("regex-*.json"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def _same(kept: re.Pattern[str], pattern: str, flags: int = 0) -> None:
    compiled = re.compile(pattern, flags)
    assert kept == compiled  # flags, pattern and the program itself
    assert kept.groupindex == compiled.groupindex and kept.groups == compiled.groups
    for text in _TEXTS:
        got, want = kept.search(text), compiled.search(text)
        assert (got and (got.span(), got.groups(), got.lastgroup)) == (
            want and (want.span(), want.groups(), want.lastgroup)
        )


def test_a_long_pattern_is_kept_and_read_back(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(_LONG) >= KEEP_FROM
    _same(compile_kept(_LONG), _LONG)
    [kept] = _kept_files(cache)
    want = re.compile(_LONG)

    def no_compile(*args: object) -> None:
        raise AssertionError("compiled again instead of read from its file")

    monkeypatch.setattr(regexcache.re, "compile", no_compile)
    assert compile_kept(_LONG) == want
    assert _kept_files(cache) == [kept]


def test_flags_are_part_of_the_key(cache: Path) -> None:
    plain, folded = compile_kept(_LONG), compile_kept(_LONG, re.IGNORECASE)
    assert plain != folded
    _same(folded, _LONG, re.IGNORECASE)
    assert len(_kept_files(cache)) == 2


def test_the_matchers_limits_are_part_of_the_key(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a 32-bit build's MAXREPEAT (2**31 - 1) is written into its programs ("a*" repeats up to
    # it): a 64-bit build of the same sys.version would read "a*" as a bounded repeat
    compile_kept(_LONG)
    sre = regexcache._sre

    class ThirtyTwoBit:
        MAGIC, CODESIZE, MAXGROUPS = sre.MAGIC, sre.CODESIZE, sre.MAXGROUPS
        MAXREPEAT = 2**31 - 1
        compile = staticmethod(sre.compile)

    monkeypatch.setattr(regexcache, "_sre", ThirtyTwoBit())
    compile_kept(_LONG)
    assert len(_kept_files(cache)) == 2


def test_debug_prints_what_re_compile_prints(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    re.compile(_LONG, re.DEBUG)
    want = capsys.readouterr().out
    for _ in range(2):  # written, then it would be read back
        compile_kept(_LONG, re.DEBUG)
        assert capsys.readouterr().out == want


def test_a_short_pattern_is_compiled_as_usual(cache: Path) -> None:
    short = "(?m)^[0-9]{3}$"
    assert compile_kept(short) == re.compile(short)
    assert _kept_files(cache) == []


@pytest.mark.parametrize(
    "damage",
    [
        "{not json",
        json.dumps([1, 2, 3]),
        json.dumps({"flags": 0, "groups": 61, "names": {}, "code": "AAAA"}),  # not a program
        json.dumps({"flags": 0, "groups": 61, "names": {}, "code": "AQAAAAIAAAADAAAA"}),  # 1 2 3
        json.dumps({"flags": 0, "groups": "x", "names": {}, "code": ""}),
    ],
)
def test_a_damaged_file_falls_back_to_compiling(cache: Path, damage: str) -> None:
    compile_kept(_LONG)
    [kept] = _kept_files(cache)
    kept.write_text(damage, encoding="utf-8")
    _same(compile_kept(_LONG), _LONG)
    # and the good program is written again
    program = json.loads(kept.read_text(encoding="utf-8"))
    assert regexcache._from_program(_LONG, program) == re.compile(_LONG)


def _damaged(program: dict[str, object], how: str) -> dict[str, object]:
    """``program`` with one thing changed that ``_sre.compile``'s own check lets through."""
    code = array.array(regexcache._WORD, base64.b64decode(str(program["code"]))).tolist()
    if how == "in-skip":  # a class's skip 0: the matcher crashes (SIGSEGV) or never ends
        code[code.index(int(_constants.IN)) + 1] = 0
    elif how == "literal":  # another digit: a valid program that matches other text
        code[code.index(int(_constants.LITERAL)) + 1] += 1
    else:  # group names swapped (Pattern == does not compare names or groups)
        names = dict(program["names"])  # type: ignore[call-overload]
        return {**program, "names": dict(zip(names, reversed(list(names.values())), strict=True))}
    words = base64.b64encode(array.array(regexcache._WORD, code).tobytes()).decode("ascii")
    return {**program, "code": words}


def _damage_kept_file(root: Path, how: str) -> None:
    compile_kept(_LONG)
    [kept] = _kept_files(root)
    damaged = _damaged(json.loads(kept.read_text(encoding="utf-8")), how)
    kept.write_text(json.dumps(damaged), encoding="utf-8")


@pytest.mark.parametrize("how", ["literal", "names"])
def test_a_program_changed_in_its_file_is_not_used(cache: Path, how: str) -> None:
    # a file damaged into another valid program (JSON whole, _sre.compile accepts it)
    _damage_kept_file(cache, how)
    [kept] = _kept_files(cache)
    damaged = json.loads(kept.read_text(encoding="utf-8"))
    resealed = {**damaged, "digest": regexcache._digest(damaged)}
    assert regexcache._from_program(_LONG, resealed) is not None  # _sre.compile accepts it
    got = compile_kept(_LONG)
    assert got == re.compile(_LONG) and got.groupindex == re.compile(_LONG).groupindex
    _same(got, _LONG)


def test_a_program_that_would_crash_the_matcher_is_not_used(cache: Path) -> None:
    # _sre.compile's check misses a class whose skip is 0: it crashes in the check itself
    # or in a search, so the damaged file is read in a process of its own
    _damage_kept_file(cache, "in-skip")
    script = "import sys; from sfclean.regexcache import compile_kept; compile_kept(sys.argv[1])"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run([sys.executable, "-c", script, _LONG], env=env, timeout=60)
    assert done.returncode == 0


def test_without_the_private_interfaces_nothing_is_kept(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Renamed:  # a Python whose compiler no longer has parse / _code
        pass

    monkeypatch.setattr(regexcache, "_parser", Renamed())
    _same(compile_kept(_LONG), _LONG)
    assert _kept_files(cache) == []


def test_a_program_that_differs_is_not_kept(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # if the rebuilt object were not re.compile's (another compile() signature, say), no file
    real = regexcache._from_program
    monkeypatch.setattr(
        regexcache, "_from_program", lambda p, prog: None if prog else real(p, prog)
    )
    _same(compile_kept(_LONG), _LONG)
    assert _kept_files(cache) == []


def test_a_program_with_other_group_names_is_not_kept(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pattern == compares flags, pattern and code, not groups or names: a program whose names
    # came out wrong (another interpreter's state, say) must not pass as re.compile's
    real = regexcache._program

    def renamed(pattern: str, flags: int) -> dict[str, object] | None:
        program = real(pattern, flags)
        assert program is not None
        swapped = _damaged(program, "names")
        return {**swapped, "digest": regexcache._digest(swapped)}

    monkeypatch.setattr(regexcache, "_program", renamed)
    _same(compile_kept(_LONG), _LONG)
    assert _kept_files(cache) == []


def test_an_unwritable_cache_still_compiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    made: list[str] = []
    real = regexcache._program

    def counted(pattern: str, flags: int) -> dict[str, object] | None:
        made.append(pattern)
        return real(pattern, flags)

    monkeypatch.setattr(regexcache, "_program", counted)
    _same(compile_kept(_LONG), _LONG)
    _same(compile_kept(_LONG + "|x"), _LONG + "|x")
    assert made == []  # a program it cannot keep is not made (a second compile, for nothing)


_PIECE = st.sampled_from(
    ["[0-9]", "\\d{2,4}", "(?:12|3[45])", "(7)", "a", "(?!0)", "(?=[1-5])", "x*+", "[^\\n]", "$"]
)


@settings(max_examples=60, deadline=None)
@given(
    branches=st.lists(st.lists(_PIECE, min_size=1, max_size=6), min_size=1, max_size=12),
    folded=st.booleans(),
)
def test_kept_programs_equal_compiled_ones(
    branches: list[list[str]], folded: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # any expression of phone-scan shape, padded to be kept: written, then read back
    body = "|".join("".join(b) for b in branches)
    pattern = f"(?m)^(?:{body}|{'(?:0123456789)?' * (KEEP_FROM // 15 + 1)})"
    flags = re.IGNORECASE if folded else 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        first, second = compile_kept(pattern, flags), compile_kept(pattern, flags)
    _same(first, pattern, flags)
    _same(second, pattern, flags)
