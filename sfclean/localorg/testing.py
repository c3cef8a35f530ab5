"""pytest fixtures for tests that talk to a local org (registered in tests/conftest.py).

    def test_insert(sf, localorg):          # sf: simple_salesforce.Salesforce on localorg
        sf.Contact.create({"LastName": "Ng"})
        assert localorg.api_calls == 1

``localorg`` is a started :class:`LocalOrg` seeded with :data:`SMALL_SEED` (a fresh org per
test, ~0.3 s); ``sf`` a simple-salesforce client using a ``requests.Session`` that trusts the
org's CA and ignores the environment (``trust_env=False``). ``localorg_factory`` starts orgs
with other seeds or options and stops them after the test. :func:`salesforce_client` makes
such a client for any org (e.g. one from ``localorg_factory``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sfclean.localorg.server import LocalOrg

__all__ = ["SMALL_SEED", "localorg", "localorg_factory", "salesforce_client", "sf"]

#: Two users, a Contact rule that alerts and reports on duplicate Emails (Allow), a Lead rule
#: that blocks duplicate Lead Emails, three Contacts and two Leads.
SMALL_SEED: dict[str, Any] = {
    "org": {"name": "Local Test Org", "dailyApiLimit": 15000},
    "profiles": [{"name": "Integration User"}],
    "users": [
        {
            "username": "loader@example.com",
            "name": "Load Er",
            "email": "loader@example.com",
            "profile": "Integration User",
        }
    ],
    "matchingRules": [
        {
            "developerName": "Contact_Email",
            "sobjectType": "Contact",
            "ruleStatus": "Active",
            "matchingRuleItems": [{"fieldName": "Email", "matchingMethod": "Exact"}],
        },
        {
            "developerName": "Lead_Email",
            "sobjectType": "Lead",
            "ruleStatus": "Active",
            "matchingRuleItems": [{"fieldName": "Email", "matchingMethod": "Exact"}],
        },
    ],
    "duplicateRules": [
        {
            "developerName": "Contact_Alert",
            "sobjectType": "Contact",
            "isActive": True,
            "actionOnInsert": "Allow",
            "actionOnUpdate": "Allow",
            "operationsOnInsert": ["Alert", "Report"],
            "operationsOnUpdate": ["Alert"],
            "alertText": "Use one of these records?",
            "securityOption": "BypassSharingRules",
            "duplicateRuleMatchRules": [
                {"matchRuleSObjectType": "Contact", "matchingRule": "Contact_Email"}
            ],
        },
        {
            "developerName": "Lead_Block",
            "sobjectType": "Lead",
            "isActive": True,
            "actionOnInsert": "Block",
            "actionOnUpdate": "Block",
            "operationsOnInsert": [],
            "operationsOnUpdate": [],
            "alertText": "This lead already exists.",
            "securityOption": "BypassSharingRules",
            "duplicateRuleMatchRules": [
                {"matchRuleSObjectType": "Lead", "matchingRule": "Lead_Email"}
            ],
        },
    ],
    "records": {
        "Contact": [
            {"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com"},
            {"FirstName": "Alan", "LastName": "Turing", "Email": "alan@example.com"},
            {"FirstName": "Grace", "LastName": "Hopper", "Email": "grace@example.com"},
        ],
        "Lead": [
            {"LastName": "Curie", "Company": "Radium Ltd", "Email": "marie@example.com"},
            {"LastName": "Noether", "Company": "Algebra GmbH", "Email": "emmy@example.com"},
        ],
    },
}


@pytest.fixture
def localorg_factory() -> Iterator[Callable[..., LocalOrg]]:
    """Start ``LocalOrg(seed, **options)`` orgs (default seed: SMALL_SEED); all stop after."""
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


def salesforce_client(org: LocalOrg) -> Any:
    """simple_salesforce.Salesforce connected to ``org`` as its default user, at its API version."""
    from simple_salesforce import Salesforce

    return Salesforce(
        instance_url=org.instance_url,
        session_id=org.access_token,
        session=org.session(),
        version=org.api_version,
    )


@pytest.fixture
def sf(localorg: LocalOrg) -> Any:
    """simple_salesforce.Salesforce connected to ``localorg`` as its default user."""
    return salesforce_client(localorg)
