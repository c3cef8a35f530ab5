"""The CLI starts fast: importing it loads neither pandas nor the Salesforce clients.

``sfclean --help`` and ``sfclean localorg serve`` need only click (and, for serve, the local
org); the commands that clean or load a file import the library inside their functions.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ["pandas", "numpy", "requests", "simple_salesforce", "salesforce_bulk", "sfclean.io"]

_PROBE = """
import sys
{setup}
heavy = {heavy!r}
print(",".join(name for name in heavy if name in sys.modules))
"""


@pytest.mark.parametrize(
    "setup",
    [
        "import sfclean.cli",
        "from sfclean.cli import cli",
        "import sfclean.cli; from sfclean.localorg.server import LocalOrg",
    ],
)
def test_cli_import_leaves_heavy_libraries_unloaded(setup: str) -> None:
    code = _PROBE.format(setup=setup, heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
