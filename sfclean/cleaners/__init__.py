"""Value-level cleaners: one module per kind of value, no pandas stage logic.

- :mod:`~sfclean.cleaners.text`: Unicode-aware trim + NFC for every cell
- :mod:`~sfclean.cleaners.emails`: unwrap, lowercase, validate (email-validator + fast path)
- :mod:`~sfclean.cleaners.junk`: no-reply, role and disposable mailboxes (:class:`JunkPolicy`)
- :mod:`~sfclean.cleaners.keys`: provider-aware dedupe keys (Gmail dots, +tags, ...)
- :mod:`~sfclean.cleaners.phones` / :mod:`~sfclean.cleaners.phonefast`: E.164 via phonenumbers
  (:mod:`~sfclean.cleaners.phonemeta`: its metadata as compiled expressions)
- :mod:`~sfclean.cleaners.phonecolumn`: many distinct phone cells of one region at once
  (:mod:`~sfclean.cleaners.phoneleads`: the expressions it reads)
- :mod:`~sfclean.cleaners.lines`: cells as lines of one ASCII text, for whole-column scans
- :mod:`~sfclean.cleaners.countries`: country cell -> phone region
"""

from __future__ import annotations

from sfclean.cleaners.countries import region_for_country
from sfclean.cleaners.emails import EmailResult, clean_email
from sfclean.cleaners.junk import JunkPolicy, classify_junk
from sfclean.cleaners.keys import provider_key
from sfclean.cleaners.phones import PhoneResult, clean_phone
from sfclean.cleaners.text import clean_text

__all__ = [
    "EmailResult",
    "JunkPolicy",
    "PhoneResult",
    "classify_junk",
    "clean_email",
    "clean_phone",
    "clean_text",
    "provider_key",
    "region_for_country",
]
