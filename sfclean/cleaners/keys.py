"""Provider-aware matching keys, used only to find duplicates inside a file.

Several mail providers deliver many spellings of an address to one mailbox. When
``match_key="provider"`` two rows are duplicates if their keys are equal; the stored address is
never rewritten to the key.

==========================================  ==========================================
Provider (domains)                          Rule
==========================================  ==========================================
Gmail (gmail.com, googlemail.com)           dots in the local part ignored; ``+tag``
                                            dropped; googlemail.com == gmail.com
Outlook / Hotmail (outlook.*, hotmail.*,    ``+tag`` dropped
live.*, msn.com)
iCloud (icloud.com, me.com, mac.com)        ``+tag`` dropped
Fastmail (fastmail.com, fastmail.fm)        ``+tag`` dropped
Proton (proton.me, protonmail.com,          ``+tag`` dropped
protonmail.ch, pm.me)
Yahoo (yahoo.*, ymail.com, rocketmail.com)  ``-keyword`` dropped (disposable addresses)
==========================================  ==========================================

Every other domain: the key is the address itself.
"""

from __future__ import annotations

__all__ = ["HYPHEN_TAG_DOMAINS", "PLUS_TAG_DOMAINS", "provider_key"]

_GMAIL = frozenset({"gmail.com", "googlemail.com"})

#: Domains that deliver ``local+tag@domain`` to ``local@domain``.
PLUS_TAG_DOMAINS: frozenset[str] = frozenset(
    {
        "outlook.com",
        "outlook.co.uk",
        "outlook.de",
        "outlook.fr",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.de",
        "hotmail.fr",
        "hotmail.it",
        "hotmail.es",
        "live.com",
        "live.co.uk",
        "live.de",
        "live.fr",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "fastmail.com",
        "fastmail.fm",
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
    }
)

#: Domains whose disposable addresses are ``base-keyword@domain``.
HYPHEN_TAG_DOMAINS: frozenset[str] = frozenset(
    {"yahoo.com", "yahoo.co.uk", "yahoo.de", "yahoo.fr", "ymail.com", "rocketmail.com"}
)


def provider_key(address: str) -> str:
    """The dedupe key for a cleaned, lowercase address (see the module table)."""
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    if domain in _GMAIL:
        return local.split("+", 1)[0].replace(".", "") + "@gmail.com"
    if domain in PLUS_TAG_DOMAINS:
        return local.split("+", 1)[0] + "@" + domain
    if domain in HYPHEN_TAG_DOMAINS:
        return local.split("-", 1)[0] + "@" + domain
    return address
