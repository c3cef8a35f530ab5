"""Junk mailboxes: no-reply addresses, role mailboxes and disposable domains.

Three categories, checked in this order, each of which a :class:`JunkPolicy` can switch off,
extend and allow-list:

``noreply-mailbox``
    The local part (before any ``+tag``), with ``-``, ``_`` and ``.`` removed, starts with one
    of :data:`NOREPLY_STEMS`: ``noreply``, ``no-reply``, ``no_reply``, ``no.reply``,
    ``donotreply``, ``do-not-reply``, ``do_not_reply``, ``dontreply``, ``noreply-billing`` ...
``role-mailbox``
    The local part (before any ``+tag``) is on the vendored role list
    ``sfclean/data/role_mailboxes.txt`` (mixmaxhq/role-based-email-addresses, MIT; source,
    commit and licence in ``role_mailboxes.LICENSE`` beside it) or on sfclean's own
    European-language list ``sfclean/data/role_mailboxes_eu.txt`` (vertrieb, ventas, compta,
    vendite, verkoop, vendas, ...; its header says where the words come from).
``disposable-domain``
    The domain, or any parent domain of it, is on the ``disposable-email-domains`` package's
    block list (and not on its allow list).

Extra and allow-list entries are lowercase strings. An entry containing ``@`` names one full
address; otherwise it is a local part (noreply, role) or a domain (disposable; its subdomains
count too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import disposable_email_domains
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sfclean.codes import DISPOSABLE_DOMAIN, JUNK_REASONS, NOREPLY_MAILBOX, ROLE_MAILBOX
from sfclean.errors import ConfigError

__all__ = [
    "JUNK_REASONS",
    "NOREPLY_STEMS",
    "JunkPolicy",
    "classify_junk",
    "classify_junk_batch",
    "classify_junk_column",
    "junk_policy",
    "parse_junk_entry",
    "role_mailboxes",
]

#: Compacted local-part prefixes (separators ``-_.`` removed) that mark a no-reply mailbox.
NOREPLY_STEMS: tuple[str, ...] = ("noreply", "donotreply", "dontreply", "noreplies")


def _normalise_entries(entries: Iterable[str]) -> frozenset[str]:
    if isinstance(entries, str):
        entries = [entries]
    return frozenset(e.strip().lower() for e in entries if e and e.strip())


@dataclass(frozen=True)
class JunkPolicy:
    """Which junk categories hold a row back, and the user's additions and exceptions.

    ``noreply``, ``role``, ``disposable`` switch each category on or off. ``extra_*`` add
    entries, ``allow_*`` exempt entries (local parts, domains or full addresses, see the module
    docstring). Any iterable of strings is accepted; entries are lowercased and stored as
    frozensets so a policy can be shared and hashed.
    """

    noreply: bool = True
    role: bool = True
    disposable: bool = True
    extra_noreply: frozenset[str] = field(default_factory=frozenset)
    extra_roles: frozenset[str] = field(default_factory=frozenset)
    extra_disposable: frozenset[str] = field(default_factory=frozenset)
    allow_noreply: frozenset[str] = field(default_factory=frozenset)
    allow_roles: frozenset[str] = field(default_factory=frozenset)
    allow_disposable: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in (
            "extra_noreply",
            "extra_roles",
            "extra_disposable",
            "allow_noreply",
            "allow_roles",
            "allow_disposable",
        ):
            object.__setattr__(self, name, _normalise_entries(getattr(self, name)))


def parse_junk_entry(entry: str | tuple[str, str]) -> tuple[str, str]:
    """``"role-mailbox=accounts"`` as ``("role-mailbox", "accounts")`` (a pair is checked as is).

    The reason is one of :data:`~sfclean.codes.JUNK_REASONS`; raises
    :class:`~sfclean.errors.ConfigError` naming the ``add=`` keyword otherwise.
    """
    if isinstance(entry, tuple):
        reason, value = entry
    else:
        reason, sep, value = str(entry).partition("=")
        if not sep:
            reason, value = "", ""
    reason, value = reason.strip(), value.strip()
    if reason not in JUNK_REASONS or not value:
        raise ConfigError(
            f"add= entry {entry!r} is not REASON=ENTRY with REASON one of {', '.join(JUNK_REASONS)}"
        )
    return reason, value


def junk_policy(
    *,
    keep: Iterable[str] = (),
    allow: Iterable[str] = (),
    add: Iterable[str | tuple[str, str]] = (),
) -> JunkPolicy:
    """A :class:`JunkPolicy` from the CLI's kind of entries.

    ``keep``: junk reasons (:data:`~sfclean.codes.JUNK_REASONS`) that no longer hold a row
    back. ``allow``: entries never treated as junk: an address goes to every allow list, a
    domain (has a dot) to the disposable list, a bare local part to the no-reply and role
    lists. ``add``: ``"REASON=ENTRY"`` strings (or pairs) that extend one category. Raises
    :class:`~sfclean.errors.ConfigError` for an unknown reason.
    """
    kept = {str(k).strip() for k in keep}
    unknown = sorted(kept - set(JUNK_REASONS))
    if unknown:
        raise ConfigError(
            f"keep= takes {', '.join(JUNK_REASONS)}, not {', '.join(map(repr, unknown))}"
        )
    allowed = [a.strip() for a in allow if a and a.strip()]
    added = [parse_junk_entry(e) for e in add]
    addresses = [a for a in allowed if "@" in a]
    domains = [a for a in allowed if "@" not in a and "." in a]
    locals_ = [a for a in allowed if "@" not in a and "." not in a]
    return JunkPolicy(
        noreply=NOREPLY_MAILBOX not in kept,
        role=ROLE_MAILBOX not in kept,
        disposable=DISPOSABLE_DOMAIN not in kept,
        allow_noreply=frozenset(addresses + locals_),
        allow_roles=frozenset(addresses + locals_),
        allow_disposable=frozenset(addresses + domains),
        extra_noreply=frozenset(e for r, e in added if r == NOREPLY_MAILBOX),
        extra_roles=frozenset(e for r, e in added if r == ROLE_MAILBOX),
        extra_disposable=frozenset(e for r, e in added if r == DISPOSABLE_DOMAIN),
    )


@lru_cache(maxsize=1)
def role_mailboxes() -> frozenset[str]:
    """The role-mailbox local parts: Mixmax's vendored list (``data/role_mailboxes.txt``, see
    its LICENSE file) and sfclean's own European-language words
    (``data/role_mailboxes_eu.txt``, whose header says where they come from)."""
    data = resources.files("sfclean").joinpath("data")
    words: set[str] = set()
    for name in ROLE_MAILBOX_FILES:
        text = data.joinpath(name).read_text("utf-8")
        words.update(w for w in map(str.strip, text.splitlines()) if w and not w.startswith("#"))
    return frozenset(words)


#: The files :func:`role_mailboxes` reads, in ``sfclean/data``.
ROLE_MAILBOX_FILES: tuple[str, ...] = ("role_mailboxes.txt", "role_mailboxes_eu.txt")


@lru_cache(maxsize=1)
def _disposable_domains() -> frozenset[str]:
    allowed = set(disposable_email_domains.allowlist)
    return frozenset(d for d in disposable_email_domains.blocklist if d not in allowed)


def _named(address: str, local: str, base: str, entries: frozenset[str]) -> bool:
    return bool(entries) and (address in entries or local in entries or base in entries)


def classify_junk(address: str, policy: JunkPolicy) -> tuple[str, str] | None:
    """Return ``(reason_code, detail)`` for a junk address, or None for a normal one.

    ``address`` must already be cleaned and valid (lowercase, exactly one ``@`` separating the
    local part from the domain).
    """
    local, _, domain = address.rpartition("@")
    base = local.split("+", 1)[0] if "+" in local else local
    if policy.noreply and not _named(address, local, base, policy.allow_noreply):
        compact = base.replace("-", "").replace("_", "").replace(".", "")
        if compact.startswith(NOREPLY_STEMS) or _named(address, local, base, policy.extra_noreply):
            return NOREPLY_MAILBOX, f"no-reply mailbox '{base}'"
    if (
        policy.role
        and (base in _ROLES or _named(address, local, base, policy.extra_roles))
        and not _named(address, local, base, policy.allow_roles)
    ):
        return ROLE_MAILBOX, f"role mailbox '{base}'"
    if policy.disposable and address not in policy.allow_disposable:
        blocked = _DISPOSABLE
        labels = domain.split(".")
        for i in range(len(labels) - 1):
            candidate = ".".join(labels[i:]) if i else domain
            if candidate in policy.allow_disposable:
                return None
            if candidate in blocked or candidate in policy.extra_disposable:
                if any(
                    ".".join(labels[j:]) in policy.allow_disposable
                    for j in range(i + 1, len(labels) - 1)
                ):
                    return None
                return DISPOSABLE_DOMAIN, f"disposable domain '{candidate}'"
        if address in policy.extra_disposable:
            return DISPOSABLE_DOMAIN, "disposable address (extra list)"
    return None


_ROLES = role_mailboxes()
_DISPOSABLE = _disposable_domains()


#: Matches an address whose local part (before ``+``), separators removed, starts with a
#: no-reply stem: the match is a prefix of letters and ``-_.``, so it never reaches the
#: ``+`` or ``@`` that ends the local part, and matching it on the whole address is the same.
_NOREPLY_BASE_RE = (
    "^[-_.]*(?:"
    + "|".join("[-_.]*".join(re.escape(c) for c in stem) for stem in NOREPLY_STEMS)
    + ")"
)


def classify_junk_batch(
    addresses: Sequence[str], policy: JunkPolicy
) -> list[tuple[str, str] | None]:
    """:func:`classify_junk` for many addresses; the same results, computed faster
    (:func:`classify_junk_column`)."""
    out: list[tuple[str, str] | None] = [None] * len(addresses)
    positions, hits = classify_junk_column(addresses, policy)
    for i, hit in zip(positions.tolist(), hits, strict=True):
        out[i] = hit
    return out


def classify_junk_column(
    addresses: Sequence[str], policy: JunkPolicy, cells: pa.Array | None = None
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """The positions of the junk addresses among ``addresses`` (ascending) and what
    :func:`classify_junk` says of each, computed column-wise. ``cells``: ``addresses``
    already as one pyarrow string array (the email cleaner's), else they are converted.

    With no extra or allow-list entries for no-reply and role mailboxes and no address-level
    disposable entries, the no-reply and role answers depend only on the local part before
    ``+`` and the disposable answer only on the domain (worked out once per distinct domain).
    The addresses become one Arrow string array, so splitting them at the ``@`` and ``+``,
    the no-reply expression and the role-list lookup run in Arrow's C++ kernels, not once
    per address in Python (that cost ~0.4 s at 700,000 addresses); addresses without
    exactly one ``@``, and columns Arrow cannot hold (a lone surrogate), go through
    :func:`classify_junk`.
    """
    lists = (policy.extra_noreply, policy.extra_roles, policy.allow_noreply, policy.allow_roles)
    if any(lists) or any("@" in e for e in policy.allow_disposable | policy.extra_disposable):
        return _one_by_one(addresses, policy)
    pool = pa.system_memory_pool()  # pyarrow's default pool keeps what is freed
    try:
        if cells is None:
            cells = pa.array(addresses, pa.string(), memory_pool=pool)
    except UnicodeEncodeError:  # a lone surrogate, which UTF-8 cannot hold
        return _one_by_one(addresses, policy)
    n = len(cells)
    ats = pc.count_substring(cells, "@", memory_pool=pool)
    odd = _true(pc.not_equal(ats, 1, memory_pool=pool))
    code = np.zeros(n, dtype=np.int8)  # 1 no-reply, 2 role, 3 disposable
    if policy.noreply:
        noreply = pc.match_substring_regex(cells, _NOREPLY_BASE_RE, memory_pool=pool)
        code[_true(noreply)] = 1
    if policy.role:
        role = pc.match_substring_regex(cells, _role_start(), memory_pool=pool)
        code[_true(role) & (code == 0)] = 2
    disposable: list[tuple[str, str] | None] = []  # per distinct domain
    domain_id = np.zeros(n, dtype=np.int64)
    if policy.disposable and n:
        encoded = pc.dictionary_encode(_domains(cells, odd, pool), memory_pool=pool)
        domain_id = encoded.indices.to_numpy().astype(np.int64)
        domain_policy = _domain_only(policy)
        disposable = [
            classify_junk("x@" + d, domain_policy) for d in encoded.dictionary.to_pylist()
        ]
        flagged = np.array([hit is not None for hit in disposable], dtype=bool)[domain_id]
        code[flagged & (code == 0)] = 3
    code[odd] = 0
    found = np.flatnonzero(code)
    hits: list[tuple[str, str]] = []
    for i in found.tolist():
        base = addresses[i].partition("@")[0].partition("+")[0]
        if code[i] == 1:
            hits.append((NOREPLY_MAILBOX, f"no-reply mailbox '{base}'"))
        elif code[i] == 2:
            hits.append((ROLE_MAILBOX, f"role mailbox '{base}'"))
        else:
            hit = disposable[domain_id[i]]
            assert hit is not None  # code 3 means the domain's answer was a hit
            hits.append(hit)
    return _with_one_by_one(found, hits, np.flatnonzero(odd), addresses, policy)


def _one_by_one(
    addresses: Sequence[str], policy: JunkPolicy
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """What :func:`classify_junk_column` returns, by :func:`classify_junk` on each address."""
    every = [classify_junk(a, policy) for a in addresses]
    where = [i for i, hit in enumerate(every) if hit is not None]
    return np.array(where, dtype=np.int64), [h for h in every if h is not None]


def _domains(cells: pa.Array, odd: np.ndarray, pool: pa.MemoryPool) -> pa.Array:
    """Each address's domain (after its one ``@``; meaningless where ``odd``: those have
    none or several and are classified one by one)."""
    if odd.any():
        cells = pc.if_else(odd, "x@x", cells, memory_pool=pool)
    parts = pc.split_pattern(cells, "@", max_splits=1, memory_pool=pool)
    return pc.list_element(parts, 1, memory_pool=pool)


def _true(mask: pa.Array) -> np.ndarray:
    """An Arrow bool array (no nulls) as numpy's."""
    return mask.to_numpy(zero_copy_only=False)


@lru_cache(maxsize=1)
def _role_start() -> str:
    """The RE2 expression for an address (with one ``@``) whose local part before any ``+``
    is a role word: the word at the start, then ``+`` or ``@``. Matching it on the whole
    address spares a string per local part (a role word has neither character)."""
    words = sorted(w for w in _ROLES if "+" not in w and "@" not in w)
    return "^(?:" + "|".join(map(_re2_literal, words)) + ")[+@]"


def _re2_literal(text: str) -> str:
    """``text`` as an RE2 literal: every character but letters and digits as ``\\x{...}``."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):x}}}" for c in text)


def _with_one_by_one(
    found: np.ndarray,
    hits: list[tuple[str, str]],
    odd: np.ndarray,
    addresses: Sequence[str],
    policy: JunkPolicy,
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """``found``/``hits`` with the ``odd`` addresses classified one by one, merged in order."""
    if not len(odd):
        return found, hits
    extra = [(i, classify_junk(addresses[i], policy)) for i in odd.tolist()]
    merged = sorted([*zip(found.tolist(), hits, strict=True), *((i, h) for i, h in extra if h)])
    return np.array([i for i, _ in merged], dtype=np.int64), [h for _, h in merged]


def _domain_only(policy: JunkPolicy) -> JunkPolicy:
    return JunkPolicy(
        noreply=False,
        role=False,
        disposable=True,
        extra_disposable=policy.extra_disposable,
        allow_disposable=policy.allow_disposable,
    )
