"""Comparison keys of people's and companies' names, for fuzzy matching.

- :func:`name_key`: ``" José  Núñez-Peña "`` -> ``"jose nunez-pena"``: trimmed, NFKD accents
  folded (``ß`` -> ``ss``, ``ø`` -> ``o``, ``ł`` -> ``l``), lowercased, anything but letters,
  digits, spaces, hyphens and apostrophes dropped, spaces collapsed;
- :func:`company_key`: ``"ACME Corporation"``, ``"Acme, Inc."`` and ``"acme"`` -> ``"acme"``:
  legal suffixes removed by cleanco (Inc, Ltd, LLC, GmbH, SA, AG, SARL, PLC, Corp, Co and
  those of every country cleanco lists), then :func:`name_key`;
- :func:`first_name_forms`: a first name and the names it is a nickname of, from the
  ``nicknames`` package's hand-curated table (``jon`` -> ``jon, jonathan, john, ...``), so
  Jon / Jonathan, Bill / William, Bob / Robert meet.

``cleanco`` and ``nicknames`` are in the ``fuzzy`` extra: both are imported on first use and
a missing one raises :class:`~sfclean.errors.ConfigError` saying what to install.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

from sfclean.cleaners.text import clean_text
from sfclean.errors import ConfigError

__all__ = ["company_key", "first_name_forms", "name_key", "require_fuzzy_extra"]

#: Letters NFKD does not decompose into a base letter plus accents.
_FOLD = str.maketrans({"ß": "ss", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "đ": "d", "þ": "th"})
_KEEP = frozenset(" -'")


def require_fuzzy_extra(module: str) -> Any:
    """Import ``module`` (a dependency of the ``fuzzy`` extra) or raise ConfigError."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(
            f"fuzzy matching needs {module.split('.')[0]}, which is not installed: "
            "install sfclean[fuzzy] (pip install 'sfclean[fuzzy]')"
        ) from None


def _unmarked(text: str) -> str:
    """``text`` in NFKD form without its combining marks (accents)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_key(value: str) -> str:
    """``value`` folded for comparison (module docstring); "" for a blank cell."""
    # compatibility forms first (a math-bold capital decomposes to a plain capital), then
    # lowercase, then once more: lowercasing can itself produce decomposable letters
    folded = _unmarked(_unmarked(clean_text(str(value))).lower().translate(_FOLD))
    kept = "".join(c if c.isalnum() or c in _KEEP else " " for c in folded)
    return " ".join(kept.split())


def company_key(value: str) -> str:
    """The company name without its legal suffix, folded by :func:`name_key`."""
    text = clean_text(str(value))
    if not text:
        return ""
    cleanco = require_fuzzy_extra("cleanco")
    base = str(cleanco.basename(text)) or text
    return name_key(base)


@cache
def _nicknamer() -> Any:
    return require_fuzzy_extra("nicknames").NickNamer()


def first_name_forms(value: str) -> tuple[str, ...]:
    """The :func:`name_key` of a first name followed by the full names it is a nickname of
    (sorted); empty for a blank cell. Only the first word of a double name is looked up."""
    key = name_key(value)
    if not key:
        return ()
    first = key.split()[0]
    canonicals = _nicknamer().canonicals_of(first)
    return (key, *sorted(c for c in canonicals if c != key))
