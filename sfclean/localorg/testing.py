"""Helpers for code that rehearses against a local org: a small seed and a client for it.

``SMALL_SEED`` is a seed (two users, Contact and Lead duplicate rules, five records) for
:class:`~sfclean.localorg.server.LocalOrg`; :func:`salesforce_client` makes a
simple-salesforce client for any started org, using a ``requests.Session`` that trusts the
org's CA and ignores the environment (``trust_env=False``). Neither imports pytest, and
simple-salesforce is imported only when a client is made (the server never imports it).

The pytest fixtures built on these (``localorg``, ``sf``, ``localorg_factory``) are in
:mod:`sfclean.localorg.pytest_plugin`, which pytest loads by itself wherever sfclean is
installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sfclean.localorg.server import LocalOrg

__all__ = ["SMALL_SEED", "salesforce_client"]

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


def salesforce_client(org: LocalOrg) -> Any:
    """simple_salesforce.Salesforce connected to ``org`` as its default user, at its API version."""
    from simple_salesforce import Salesforce

    return Salesforce(
        instance_url=org.instance_url,
        session_id=org.access_token,
        session=org.session(),
        version=org.api_version,
    )
