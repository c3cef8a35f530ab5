"""Match keys of extracted records, from the same cleaners as normalize.

- **email**: :func:`sfclean.stages.lookup.email_key` semantics: trimmed, display name /
  angle brackets / ``mailto:`` unwrapped, lowercased, validated; "" when the cell holds no
  valid address. So `` Ann.Lee@Example.COM `` and ``"Ann Lee" <ann.lee@example.com>`` meet
  ``ann.lee@example.com``.
- **junk mailboxes** never link records: an email key that the normalize stage's junk policy
  (:mod:`sfclean.cleaners.junk`: no-reply, role mailboxes such as ``info@``, disposable
  domains; :class:`~sfclean.cleaners.junk.JunkPolicy`, default on) would hold back is blanked,
  so fifty Contacts sharing ``info@acme.com`` are not one giant cluster (they may still link
  by phone). ``junk=None`` keeps them as keys.
- **provider** (``match_key="provider"``): :func:`sfclean.cleaners.keys.provider_key` of the
  email key (Gmail dots and ``+tags``, Outlook/iCloud ``+tags``, ...).
- **phone** (``Phone``, ``MobilePhone``): the E.164 key of
  :func:`sfclean.stages.lookup.clean_phone_keys`, read in the region of the record's country
  (``MailingCountry`` for Contact, ``Country`` for Lead, via
  :func:`sfclean.stages.lookup.phone_regions`), else ``default_region``.

Speed and memory: every cleaner runs once per distinct value (per distinct value and region for
phones), column-wise through :func:`~sfclean.cleaners.emails.clean_email_column` and
:func:`~sfclean.cleaners.phonecolumn.clean_phone_column`, the batch forms normalize uses,
:data:`CHUNK` distinct values at a time (tests prove them equal to ``clean_email`` / ``clean_phone`` cell by cell, and
``tests/test_scan_engine.py`` proves these keys equal ``email_key`` / ``clean_phone_keys``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from sfclean.cleaners.emails import clean_email_column
from sfclean.cleaners.junk import JunkPolicy, classify_junk_batch
from sfclean.cleaners.keys import provider_key
from sfclean.cleaners.lines import CellColumn
from sfclean.cleaners.phonecolumn import clean_phone_column
from sfclean.errors import ConfigError
from sfclean.stages.lookup import per_unique, phone_regions

__all__ = ["PHONE_COLUMNS", "RecordKeys", "email_keys", "phone_keys", "record_keys"]

#: Phone fields matched with ``match_phone`` (on both Lead and Contact).
PHONE_COLUMNS = ("Phone", "MobilePhone")


@dataclass(frozen=True)
class RecordKeys:
    """Per record (parallel object arrays of str, "" for no key): the exact email key, the
    provider key (None unless ``match_key="provider"``) and one E.164 array per phone field
    (empty tuple unless ``match_phone``); ``junk_emails``: records whose valid email was
    blanked as a junk mailbox."""

    email: np.ndarray
    provider: np.ndarray | None
    phones: tuple[np.ndarray, ...]
    junk_emails: int = 0


#: Distinct values cleaned per column-wise call: bounds the memory of the batch cleaners
#: (joined text, lowered copy, byte arrays) whatever the number of records.
CHUNK = 200_000


def _chunked(uniques: np.ndarray, clean: Callable[[list[str]], CellColumn]) -> np.ndarray:
    """The key of each distinct value: the cleaned value when ``ok``, else ""."""
    keys = np.full(len(uniques), "", dtype=object)
    for start in range(0, len(uniques), CHUNK):
        cleaned = clean([str(u) for u in uniques[start : start + CHUNK]])
        ok = cleaned.status == "ok"
        keys[start : start + CHUNK][ok] = cleaned.value[ok]
    return keys


def email_keys(values: np.ndarray, junk: JunkPolicy | None = None) -> np.ndarray:
    """The email key of each cell of ``values`` (object array of str, no missing values);
    with a ``junk`` policy, "" for the addresses it calls junk (checked once per distinct
    key)."""
    return _email_keys(values, junk)[0]


def _email_keys(values: np.ndarray, junk: JunkPolicy | None) -> tuple[np.ndarray, int]:
    """(:func:`email_keys`, the number of cells blanked as junk)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    keys = _chunked(np.asarray(uniques, dtype=object), clean_email_column)
    if junk is None or not len(keys):
        return keys[codes], 0
    filled = np.flatnonzero(keys != "")
    verdicts = classify_junk_batch([str(k) for k in keys[filled]], junk)
    is_junk = np.zeros(len(keys), dtype=bool)
    is_junk[filled[np.array([v is not None for v in verdicts], dtype=bool)]] = True
    keys[is_junk] = ""
    return keys[codes], int(is_junk[codes].sum())


def phone_keys(values: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """The E.164 key of each phone cell read in its row's region; "" when not a phone."""
    values = np.asarray(values, dtype=object)
    out = np.full(len(values), "", dtype=object)
    filled = np.flatnonzero(values != "")
    if not len(filled):
        return out
    region_codes, region_names = pd.factorize(regions[filled])
    for code, region in enumerate(region_names):
        rows = filled[region_codes == code]
        codes, uniques = pd.factorize(values[rows])
        clean = partial(clean_phone_column, region=str(region))
        out[rows] = _chunked(np.asarray(uniques, dtype=object), clean)[codes]
    return out


def record_keys(
    frame: pd.DataFrame,
    *,
    match_key: str = "email",
    match_phone: bool = False,
    default_region: str = "US",
    junk: JunkPolicy | None = None,
) -> RecordKeys:
    """The keys of every record of ``frame`` (columns ``Email``, ``Phone``, ``MobilePhone``,
    ``country`` as text, as :func:`sfclean.scanning.records.prepare` gives them); junk
    mailboxes under ``junk`` link nothing (module docstring)."""
    if match_key not in ("email", "provider"):
        raise ConfigError(f"match_key must be email or provider (got {match_key!r})")
    email, junk_emails = _email_keys(frame["Email"].to_numpy(dtype=object), junk)
    provider = None
    if match_key == "provider":
        provider = per_unique(email, lambda k: provider_key(k) if k else "")
    phones: tuple[np.ndarray, ...] = ()
    if match_phone:
        regions = phone_regions(frame["country"].to_numpy(dtype=object), len(frame), default_region)
        phones = tuple(
            phone_keys(frame[name].to_numpy(dtype=object), regions) for name in PHONE_COLUMNS
        )
    return RecordKeys(email, provider, phones, junk_emails)
