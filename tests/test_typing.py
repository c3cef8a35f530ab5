"""A user's mypy sees sfclean's types from a plain install (``pip install -e .`` included).

setuptools' editable installs of a flat layout use an import-hook finder that mypy cannot
follow; ``package-dir = {"" = "."}`` in pyproject.toml makes them a plain path ``.pth``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sfclean

ROOT = Path(sfclean.__file__).resolve().parents[1]

MISUSE = """\
import sfclean

result = sfclean.normalize(None, invalid_phone="drop")
reveal_type(result)
"""


def _mypy(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "user.py").write_text(script, encoding="utf-8")
    (tmp_path / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "mypy.ini",
            "--cache-dir",
            ".cache",
            "user.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_a_users_mypy_sees_the_types_and_reports_a_misuse(tmp_path: Path) -> None:
    assert not tmp_path.resolve().is_relative_to(ROOT)  # outside the source tree
    answer = _mypy(tmp_path, MISUSE)
    out = answer.stdout
    assert answer.returncode == 1, out + answer.stderr
    assert "import-not-found" not in out and "import-untyped" not in out, out
    assert (
        'user.py:3: error: Argument "invalid_phone" to "normalize" has incompatible type '
        "\"Literal['drop']\"" in out
    ), out
    assert 'Revealed type is "sfclean.stages.normalize.NormalizeResult"' in out, out
