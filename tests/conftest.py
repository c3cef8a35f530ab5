"""Shared fixtures. Every test runs without the developer's Salesforce environment variables."""

from __future__ import annotations

import os

import pytest

# The localorg, sf and localorg_factory fixtures come from sfclean.localorg.pytest_plugin
# (a pytest11 entry point of the installed package; see docs/localorg.md).


@pytest.fixture(autouse=True)
def _no_salesforce_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SF_", "SFDX_", "SALESFORCE_")) or name in {
            "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE",
        }:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _own_cache_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Run locks (sfclean.locks) live in a cache directory of the test session, not the
    developer's: XDG_CACHE_HOME is what platformdirs reads on Linux."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
