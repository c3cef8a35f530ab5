"""The layering, as import-linter contracts (``[tool.importlinter]`` in pyproject.toml).

The tree as it is keeps every contract; then, for each contract, a copy of the package with
one import added that the contract forbids must break it, so a contract that checks nothing
(a typo in a module name, a wildcard that matches nothing) fails here too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.api import read_configuration

ROOT = Path(__file__).resolve().parents[1]

_LINT = (
    "import sys\n"
    "from importlinter.cli import lint_imports\n"
    "sys.exit(lint_imports(config_filename='pyproject.toml', limit_to_contracts=tuple(sys.argv[1:]),"
    " no_cache=True, no_logo=True))\n"
)

# contract id -> (module file, the line that breaks it)
VIOLATIONS: dict[str, tuple[str, str]] = {
    "localorg-standalone": ("localorg/seed.py", "from sfclean.errors import ConfigError"),
    "localorg-not-root": ("localorg/soql/strings.py", "from sfclean import run"),
    "product-not-localorg": ("stages/exclude.py", "from sfclean.localorg import LocalOrg"),
    "cleaners-no-stages": ("cleaners/text.py", "from sfclean.stages.lookup import soql_literal"),
    "salesforce-boundary": ("localorg/server.py", "import simple_salesforce"),
    "library-draws-no-bars": ("stages/normalize.py", "from tqdm.auto import tqdm"),
    "layers": ("errors.py", "from sfclean.report import NormalizeResult"),
}

# more ways to break the same contracts
MORE_VIOLATIONS: list[tuple[str, str, str]] = [
    ("salesforce-boundary", "stages/normalize.py", "import requests"),
    ("salesforce-boundary", "cleaners/emails.py", "from salesforce_bulk import SalesforceBulk"),
    ("library-draws-no-bars", "salesforce/_extract.py", "from sfclean.progress import UNITS"),
    ("layers", "salesforce/_meter.py", "from sfclean.pipeline import run"),
    ("layers", "stages/load.py", "from sfclean.cli.run import echo_result"),
    ("localorg-standalone", "localorg/soql/parser.py", "from ...stages.lookup import soql_literal"),
]


def _lint(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", _LINT, *contracts],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy_with(tmp_path: Path, module: str, line: str) -> Path:
    shutil.copytree(
        ROOT / "sfclean", tmp_path / "sfclean", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "sfclean" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return tmp_path


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_contract_has_a_violation_case() -> None:
    ids = {c["id"] for c in read_configuration(str(ROOT / "pyproject.toml"))["contracts_options"]}
    assert ids == set(VIOLATIONS)


@pytest.mark.parametrize(
    ("contract", "module", "line"),
    [(contract, *case) for contract, case in VIOLATIONS.items()] + MORE_VIOLATIONS,
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, contract: str, module: str, line: str
) -> None:
    result = _lint(_copy_with(tmp_path, module, line), contract)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout, result.stdout
    assert f"sfclean.{module[:-3].replace('/', '.')}" in result.stdout
