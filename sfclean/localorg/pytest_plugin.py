"""pytest plugin: fixtures for tests that talk to a local org.

Registered as a ``pytest11`` entry point named after this module, so pytest loads it in any
project where sfclean is installed: no conftest line is needed (one listing it in
``pytest_plugins`` is harmless; with ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` set, pass
``-p sfclean.localorg.pytest_plugin``)::

    def test_insert(sf, localorg):          # sf: simple_salesforce.Salesforce on localorg
        sf.Contact.create({"LastName": "Ng"})
        assert localorg.api_calls == 1

``localorg`` is a started :class:`~sfclean.localorg.server.LocalOrg` seeded with
:data:`~sfclean.localorg.testing.SMALL_SEED` (a fresh org per test, ~0.3 s); ``sf`` a
simple-salesforce client on it (:func:`~sfclean.localorg.testing.salesforce_client`);
``localorg_factory`` starts orgs with other seeds or options and stops them after the test.

This module is the only part of localorg that imports pytest; importing ``sfclean.localorg``
or its server never loads it. Loading the plugin imports only pytest and the seed: the server
is imported when a fixture first starts an org.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from sfclean.localorg.testing import SMALL_SEED, salesforce_client

if TYPE_CHECKING:
    from sfclean.localorg.server import LocalOrg

__all__ = ["localorg", "localorg_factory", "sf"]


@pytest.fixture
def localorg_factory() -> Iterator[Callable[..., LocalOrg]]:
    """Start ``LocalOrg(seed, **options)`` orgs (default seed: SMALL_SEED); all stop after."""
    from sfclean.localorg.server import LocalOrg  # here, so loading the plugin stays cheap

    started: list[LocalOrg] = []

    def start(seed: Any = SMALL_SEED, **options: Any) -> LocalOrg:
        org = LocalOrg(seed, **options).start()
        started.append(org)
        return org

    yield start
    for org in started:
        org.stop()


@pytest.fixture
def localorg(localorg_factory: Callable[..., LocalOrg]) -> LocalOrg:
    """A started local org seeded with SMALL_SEED."""
    return localorg_factory()


@pytest.fixture
def sf(localorg: LocalOrg) -> Any:
    """simple_salesforce.Salesforce connected to ``localorg`` as its default user."""
    return salesforce_client(localorg)
