"""Org settings a seed may give, named as the Metadata API's Settings types name them, and
the ``readMetadata`` records that serve them.

One setting so far, Email Address Internationalization (EAI)::

    settings:
      EmailAdministration:                        # type EmailAdministrationSettings
        enableInternationalEmailAddresses: true   # "Allow international email addresses"

Documented (Metadata API Developer Guide, EmailAdministrationSettings,
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_emailadministrationsettings.htm):
``enableInternationalEmailAddresses`` is a boolean of EmailAdministrationSettings, available in
API version 49.0 and later, true by default in orgs created in Summer '20 or later and false
in older ones. The Settings page of the same guide names a settings component by its type
without ``Settings`` (``EmailAdministration``), and readMetadata returns any component that
extends Metadata (and needs Modify All Data or Modify Metadata).

localorg's choices (UNCONFIRMED against a real org): the default is **false**, the standard
org sfclean's normalize targets by default (a real org created since Summer '20 starts with
true); a readMetadata of ``EmailAdministrationSettings`` answers the one full name
``EmailAdministration`` with ``fullName`` and this field only (a real org returns the type's
other fields too), and leaves the field out when the request's API version is below 49.0,
as a field not yet available would be. With the setting on, the org's email check takes
non-ASCII letters in the local part and the domain (:func:`sfclean.localorg.validate.is_valid_email`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sfclean.localorg.errors import SeedError
from sfclean.localorg.ruleconfig import check_keys
from sfclean.localorg.seedrecords import parse_bool

__all__ = [
    "EAI_FIELD",
    "EAI_MIN_VERSION",
    "EMAIL_ADMINISTRATION",
    "SETTINGS_TYPE",
    "OrgSettings",
    "parse_settings",
    "settings_records",
]

#: the settings component and its Metadata API type
EMAIL_ADMINISTRATION = "EmailAdministration"
SETTINGS_TYPE = "EmailAdministrationSettings"
#: the field that says whether Email Address Internationalization is on
EAI_FIELD = "enableInternationalEmailAddresses"
#: the first API version with that field
EAI_MIN_VERSION = 49.0


@dataclass(frozen=True)
class OrgSettings:
    """The org settings localorg models: ``international_email_addresses`` (EAI)."""

    international_email_addresses: bool = False


def parse_settings(config: dict[str, Any], source: str) -> OrgSettings:
    """The ``settings`` section of a seed config (module docstring); SeedError for a typo."""
    section = config.get("settings") or {}
    where = f"{source}: settings"
    if not isinstance(section, dict):
        raise SeedError(f"{where} must be a mapping such as {{{EMAIL_ADMINISTRATION}: {{...}}}}")
    check_keys(section, {EMAIL_ADMINISTRATION}, where)
    email = section.get(EMAIL_ADMINISTRATION) or {}
    if not isinstance(email, dict):
        raise SeedError(f"{where}.{EMAIL_ADMINISTRATION} must be a mapping of fields")
    check_keys(email, {EAI_FIELD}, f"{where}.{EMAIL_ADMINISTRATION}")
    eai = parse_bool(email.get(EAI_FIELD, False), f"{where}.{EMAIL_ADMINISTRATION}.{EAI_FIELD}")
    return OrgSettings(international_email_addresses=eai)


def settings_records(settings: OrgSettings, names: list[str], api_version: str) -> str:
    """The ``<records>`` of a readMetadata of EmailAdministrationSettings for ``names``."""
    try:
        version = float(api_version)
    except ValueError:
        version = 0.0
    out = ""
    for name in names:
        if name.lower() != EMAIL_ADMINISTRATION.lower():
            continue  # unknown full names are left out, as for the other types
        field = ""
        if version >= EAI_MIN_VERSION:
            value = "true" if settings.international_email_addresses else "false"
            field = f"<{EAI_FIELD}>{value}</{EAI_FIELD}>"
        out += (
            f'<records xsi:type="{SETTINGS_TYPE}">'
            f"<fullName>{EMAIL_ADMINISTRATION}</fullName>{field}</records>"
        )
    return out
