"""Shared fixtures. Every test runs without the developer's Salesforce environment variables."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["sfclean.localorg.testing"]  # localorg, sf, localorg_factory


@pytest.fixture(autouse=True)
def _no_salesforce_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SF_", "SFDX_", "SALESFORCE_")) or name in {
            "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE",
        }:
            monkeypatch.delenv(name, raising=False)
