"""localorg's pytest plugin: loaded from its entry point, and never loaded by localorg itself.

A user's project gets the ``localorg``, ``sf`` and ``localorg_factory`` fixtures by installing
sfclean (pytest11 entry point); importing or running the local org loads neither pytest nor
the Salesforce clients it stands in for.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import sfclean.localorg.pytest_plugin

PLUGIN = "sfclean.localorg.pytest_plugin"

_PROBE = """
import pkgutil, sys, importlib
import sfclean.localorg
for info in pkgutil.walk_packages(sfclean.localorg.__path__, "sfclean.localorg."):
    if info.name != "sfclean.localorg.pytest_plugin":
        importlib.import_module(info.name)
from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED
with LocalOrg(SMALL_SEED) as org:
    answer = org.session().get(org.instance_url + "/services/data/v" + org.api_version + "/limits/",
                               headers={"Authorization": "Bearer " + org.access_token}, timeout=30)
    assert answer.status_code == 200, answer.status_code
loaded = [m for m in ("pytest", "_pytest", "simple_salesforce", "salesforce_bulk") if m in sys.modules]
print(",".join(loaded))
"""

ROOT = Path(__file__).resolve().parents[1]


def _user_test() -> str:
    """The example in docs/localorg.md's plugin section: a user's test file, run as it is."""
    doc = (ROOT / "docs" / "localorg.md").read_text(encoding="utf-8")
    section = doc[doc.index("## In your own tests: the pytest plugin") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    return code[: code.index("```\n")]


def test_localorg_and_its_server_never_load_pytest_or_the_clients() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_the_plugin_is_registered_through_its_entry_point(pytestconfig: pytest.Config) -> None:
    names = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert names.get(PLUGIN) == PLUGIN, "reinstall sfclean: pip install -e '.[test]'"
    assert pytestconfig.pluginmanager.get_plugin(PLUGIN) is sfclean.localorg.pytest_plugin


@pytest.mark.parametrize(
    "conftest",
    ["", f"pytest_plugins = [{PLUGIN!r}]\n"],  # listing it as well is harmless
    ids=["entry-point-only", "also-in-pytest_plugins"],
)
def test_a_user_project_gets_the_fixtures_by_installing_sfclean(
    tmp_path: Path, conftest: str
) -> None:
    (tmp_path / "conftest.py").write_text(conftest, encoding="utf-8")
    (tmp_path / "test_user.py").write_text(_user_test(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 passed" in out.stdout
