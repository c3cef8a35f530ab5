"""Running the Node clients (the Salesforce CLI ``sf`` and jsforce 3) against a local org.

They are installed from ``tests/node/package.json`` (``npm ci --prefix tests/node``, which
``.ci/run`` does). Without them a test skips with the command to run, except under
``CI=true``, where it fails: a client test must never pass by not running.

Every ``sf`` call gets a fresh environment: its own HOME (config, aliases and the access
token stay in the test's temporary directory), telemetry and update checks off, and
``NODE_EXTRA_CA_CERTS`` set to the org's CA so TLS stays verified.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sfclean.localorg.server import LocalOrg

__all__ = ["NODE_DIR", "SfCli", "node_env", "require_node_clients", "run_jsforce"]

NODE_DIR = Path(__file__).parent / "node"
_BIN = NODE_DIR / "node_modules" / ".bin"
_TIMEOUT = 120


def require_node_clients() -> str:
    """The path of ``node``; skip (fail under CI=true) when node or the packages are missing."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node (Node.js 20+)")
    if not (_BIN / "sf").exists() or not (NODE_DIR / "node_modules" / "jsforce").exists():
        missing.append("the npm packages (run: npm ci --prefix tests/node)")
    if missing:
        message = "Salesforce CLI / jsforce tests need " + " and ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; CI must install them (.ci/run does)", pytrace=False)
        pytest.skip(message)
    assert node is not None
    return node


def node_env(org: LocalOrg, home: Path, **extra: str) -> dict[str, str]:
    """A clean environment for a Node client: nothing of the developer's leaks in."""
    env = {
        "PATH": os.pathsep.join(
            [str(_BIN), str(Path(require_node_clients()).parent), "/usr/bin", "/bin"]
        ),
        "HOME": str(home),
        "NODE_EXTRA_CA_CERTS": org.ca_bundle,
        "SF_DISABLE_TELEMETRY": "true",
        "SF_AUTOUPDATE_DISABLE": "true",
        "SF_SKIP_NEW_VERSION_CHECK": "true",
        "SF_USE_GENERIC_UNIX_KEYCHAIN": "true",
        "SF_DISABLE_AUTOUPDATE": "true",
        "NO_COLOR": "1",
    }
    env.update(extra)
    return env


class SfCli:
    """The Salesforce CLI logged in to ``org`` (alias ``localorg``) with an access token."""

    def __init__(self, org: LocalOrg, home: Path) -> None:
        require_node_clients()
        self.org = org
        self.home = home
        login = self.run(
            "org",
            "login",
            "access-token",
            "--instance-url",
            org.instance_url,
            "--no-prompt",
            "--alias",
            "localorg",
            extra_env={"SF_ACCESS_TOKEN": org.access_token},
        )
        assert login["status"] == 0, login

    def run(
        self, *args: str, extra_env: dict[str, str] | None = None, json_output: bool = True
    ) -> Any:
        """Run ``sf ARGS`` (``--json`` added); returns the parsed JSON, or stdout as text."""
        argv = [str(_BIN / "sf"), *args, *(["--json"] if json_output else [])]
        done = subprocess.run(
            argv,
            cwd=self.home,
            env=node_env(self.org, self.home, **(extra_env or {})),
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
        if not json_output:
            assert done.returncode == 0, done.stderr[-2000:]
            return done.stdout
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError:
            raise AssertionError(
                f"sf {' '.join(args)}: {done.stdout[-2000:]} {done.stderr[-2000:]}"
            ) from None


def run_jsforce(org: LocalOrg, home: Path, script: str) -> Any:
    """Run a jsforce 3 script (CommonJS) with ``conn`` connected to ``org`` by access token;
    the script sets ``result``, which comes back parsed from JSON."""
    node = require_node_clients()
    program = (
        "const jsforce = require('jsforce');\n"
        "const conn = new jsforce.Connection({instanceUrl: process.env.LO_URL,"
        " accessToken: process.env.LO_TOKEN, version: process.env.LO_VERSION});\n"
        "(async () => { let result;\n" + script + "\n"
        "process.stdout.write(JSON.stringify(result === undefined ? null : result)); })()"
        ".catch((e) => { process.stdout.write(JSON.stringify({error: String(e),"
        " errorCode: e.errorCode || e.name})); process.exitCode = 3; });\n"
    )
    done = subprocess.run(
        [node, "-e", program],
        cwd=NODE_DIR,
        env=node_env(
            org,
            home,
            LO_URL=org.instance_url,
            LO_TOKEN=org.access_token,
            LO_VERSION=org.api_version,
        ),
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        check=False,
    )
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"jsforce: {done.stdout[-2000:]} {done.stderr[-2000:]}") from None
