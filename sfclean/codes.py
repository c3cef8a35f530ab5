"""Every reason code and finding code, declared once (the frictionless-py way).

A *reason* says why a row was held back (``sfclean_reason``: one per row, in the stage's
held-back file); a *finding* is a change or warning on a row that goes on, or (audit, scan) a
problem found in the org (``code`` in the findings table). Each :class:`Code` carries its
stage, the output file it appears in, a title, a description and, for findings, the standard
message; audit findings will add a severity. The README's reason-code table, ``sfclean codes``
and the stages all read this one registry, and ``tests/test_readme_codes.py`` checks the
README against it both ways.

To add a code: one ``NAME = CODES.add(Code(...))`` line below, in the stage's block, then a row
in the README's table (the test says which). The constant is the plain code string, so stages,
cleaners and pandas tables use it like any other string.

One name may be both a reason and a finding (``invalid-phone``: held back with
``invalid_phone="reject"``, else a finding on the kept row): it is then declared twice, once
per kind, under one constant.
"""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Literal

from sfclean.errors import ConfigError

__all__ = [
    "CODES",
    "JUNK_REASONS",
    "KINDS",
    "SCAN_CAUSES",
    "SEVERITIES",
    "Code",
    "CodeRegistry",
    "code_registry",
]

Kind = Literal["reason", "finding"]
Severity = Literal["high", "medium", "low", "review", "ok", "info"]

#: The kinds of code, in table order.
KINDS: tuple[Kind, ...] = ("reason", "finding")
#: Severities of audit and scan findings, most serious first.
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low", "review", "ok", "info")


@dataclass(frozen=True)
class Code:
    """One reason or finding code.

    ``name``: the stable kebab-case string (``invalid-email``). ``kind``: ``reason`` (a held-back
    row's ``sfclean_reason``) or ``finding`` (a findings row's ``code``). ``stage``: the stage
    that produces it. ``file``: the output file it appears in. ``title``: a few words;
    ``description``: what it means and what to do. ``message``: a finding's standard message
    (the stage may write a more specific one). ``severity``: for audit and scan findings
    (``high``, ``medium``, ``low``, ``review``, ``ok``, ``info``), None otherwise.
    """

    name: str
    kind: Kind
    stage: str
    file: str
    title: str
    description: str
    message: str = ""
    severity: Severity | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.severity is not None and self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
        if not self.name or self.name != self.name.lower() or " " in self.name:
            raise ValueError(f"a code is a kebab-case string, not {self.name!r}")

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready fields."""
        return asdict(self)

    def to_text(self) -> str:
        """Several lines explaining the code, as ``sfclean codes CODE`` prints them."""
        lines = [f"{self.name} ({self.stage} {self.kind}, in {self.file}): {self.title}"]
        if self.severity is not None:
            lines.append(f"  severity: {self.severity}")
        lines.append("")
        lines.extend(f"  {line}" for line in _wrap(self.description))
        return "\n".join(lines)


def _wrap(text: str, width: int = 88) -> list[str]:
    return textwrap.wrap(text, width=width, break_on_hyphens=False) or [""]


class CodeRegistry:
    """The registry of codes: add each once, look them up by name, stage or kind.

    Iterating gives the codes in declaration order (reasons of a stage in the order the stage
    checks them). ``CODES`` is the one instance sfclean uses.
    """

    def __init__(self) -> None:
        self._codes: dict[tuple[str, str], Code] = {}

    def add(self, code: Code) -> str:
        """Register ``code``; returns its name, for the module-level constant."""
        key = (code.name, code.kind)
        if key in self._codes:
            raise ValueError(f"{code.kind} code {code.name!r} is declared twice")
        self._codes[key] = code
        return code.name

    def __iter__(self) -> Iterator[Code]:
        return iter(self._codes.values())

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, name: object) -> bool:
        return any(name == n for n, _ in self._codes)

    def names(self, *, kind: Kind | None = None, stage: str | None = None) -> tuple[str, ...]:
        """Code names, in declaration order, optionally of one kind and/or stage."""
        return tuple(c.name for c in self.select(kind=kind, stage=stage))

    def select(self, *, kind: Kind | None = None, stage: str | None = None) -> tuple[Code, ...]:
        """The codes of one kind and/or stage, in declaration order."""
        return tuple(
            c
            for c in self._codes.values()
            if (kind is None or c.kind == kind) and (stage is None or c.stage == stage)
        )

    def get(self, name: str, kind: Kind) -> Code:
        """The ``kind`` code called ``name``; KeyError if there is none."""
        return self._codes[(name, kind)]

    def message(self, name: str) -> str:
        """The standard message of the finding ``name``."""
        return self._codes[(name, "finding")].message

    def lookup(self, name: str) -> tuple[Code, ...]:
        """Every code called ``name`` (a reason, a finding, or both).

        Raises :class:`~sfclean.errors.ConfigError` for an unknown name, suggesting the
        nearest known one.
        """
        wanted = name.strip().lower()
        found = tuple(c for c in self._codes.values() if c.name == wanted)
        if found:
            return found
        close = difflib.get_close_matches(wanted, sorted({n for n, _ in self._codes}), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ConfigError(f"unknown code {name!r}; {hint}`sfclean codes` lists every code")

    def to_text(self) -> str:
        """The table of every code: name, kind, stage, file, title."""
        rows = [("code", "kind", "stage", "file", "title")]
        rows += [(c.name, c.kind, c.stage, c.file, c.title) for c in self]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
        return "\n".join(
            "  ".join(cell.ljust(w) for cell, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
            for r in rows
        )


#: The registry: every code sfclean can write.
CODES = CodeRegistry()


def code_registry() -> CodeRegistry:
    """The registry of every reason and finding code (``for code in sfclean.code_registry()``;
    ``.lookup("role-mailbox")`` explains one)."""
    return CODES


_R: Kind = "reason"
_F: Kind = "finding"
_REJECTED = "rejected.csv"
_FINDINGS = "findings.csv"

# ---- normalize: reasons, in the order they are checked (the first that applies wins) -----
MISSING_EMAIL = CODES.add(
    Code(
        "missing-email",
        _R,
        "normalize",
        _REJECTED,
        "the email cell is blank",
        "The email cell is blank after trimming (a blank line between data rows is a row of "
        "empty cells, so it ends here too). Fill in the address, or leave the row out.",
    )
)
INVALID_EMAIL = CODES.add(
    Code(
        "invalid-email",
        _R,
        "normalize",
        _REJECTED,
        "email-validator rejects the address",
        "The address is not a valid email address according to email-validator (no @, bad "
        "characters, no such domain form, ...); sfclean_detail says why. Fix it at the source.",
    )
)
NOREPLY_MAILBOX = CODES.add(
    Code(
        "noreply-mailbox",
        _R,
        "normalize",
        _REJECTED,
        "a no-reply address",
        "A no-reply address (noreply@, no-reply@, donotreply@, do-not-reply@, ...): nobody "
        "reads it. Switch the check off with junk=JunkPolicy(noreply=False) (--keep "
        "noreply-mailbox) or exempt entries with allow_noreply (--allow).",
    )
)
ROLE_MAILBOX = CODES.add(
    Code(
        "role-mailbox",
        _R,
        "normalize",
        _REJECTED,
        "a role mailbox (info@, sales@, ...)",
        "The local part is on the vendored role-mailbox list in sfclean/data/ (info@, sales@, "
        "support@, ...): a shared inbox, not a person. It may be the only contact a small "
        "company has: switch it off with JunkPolicy(role=False) (--keep role-mailbox) or "
        "exempt entries with allow_roles (--allow info).",
    )
)
DISPOSABLE_DOMAIN = CODES.add(
    Code(
        "disposable-domain",
        _R,
        "normalize",
        _REJECTED,
        "a disposable-mail provider's domain",
        "The domain, or a parent domain, is on the disposable-email-domains block list "
        "(throw-away inboxes such as mailinator.com). Switch it off with "
        "JunkPolicy(disposable=False) (--keep disposable-domain) or exempt a domain with "
        "allow_disposable (--allow example.com).",
    )
)
INVALID_PHONE = CODES.add(
    Code(
        "invalid-phone",
        _R,
        "normalize",
        _REJECTED,
        "an invalid or damaged phone (reject mode)",
        "A phone cell is not a valid number for the row's country, or a spreadsheet damaged "
        'it; the row is held back only with invalid_phone="reject" (--invalid-phone reject). '
        "By default the phone is cleared and an invalid-phone finding recorded instead.",
    )
)
DUPLICATE_IN_FILE = CODES.add(
    Code(
        "duplicate-in-file",
        _R,
        "normalize",
        _REJECTED,
        "the same email as an earlier row",
        "The same email (or provider key, with match_key=provider) as an earlier row that "
        "passed every check above, so the first valid copy is kept; sfclean_detail names it "
        "(duplicate of row 5). fill_blanks=True (--fill-blanks) copies its non-blank cells "
        "into the kept row.",
    )
)

# ---- normalize: findings (changes and warnings on the rows that go on) --------------------
WHITESPACE_TRIMMED = CODES.add(
    Code(
        "whitespace-trimmed",
        _F,
        "normalize",
        _FINDINGS,
        "whitespace or invisible characters removed",
        "Leading or trailing Unicode whitespace or zero-width characters were removed.",
        "leading/trailing whitespace or invisible characters removed",
    )
)
UNICODE_NORMALIZED = CODES.add(
    Code(
        "unicode-normalized",
        _F,
        "normalize",
        _FINDINGS,
        "text converted to Unicode NFC",
        "The text was converted to Unicode NFC form (an accent typed as a separate mark is "
        "joined to its letter), so equal names compare equal.",
        "text converted to Unicode NFC",
    )
)
EMAIL_UNWRAPPED = CODES.add(
    Code(
        "email-unwrapped",
        _F,
        "normalize",
        _FINDINGS,
        "display name, brackets or mailto: removed",
        "A display name (Name <addr>), angle brackets (<addr>) or a mailto: prefix was removed "
        "from the email.",
        "display name, angle brackets or mailto: removed",
    )
)
EMAIL_LOWERCASED = CODES.add(
    Code(
        "email-lowercased",
        _F,
        "normalize",
        _FINDINGS,
        "address lowercased",
        "The address was lowercased, so it matches the org's records and the file's other "
        "rows whatever its case.",
        "address lowercased",
    )
)
EMAIL_NORMALIZED = CODES.add(
    Code(
        "email-normalized",
        _F,
        "normalize",
        _FINDINGS,
        "rewritten to email-validator's normal form",
        "email-validator's normal form of the address differs from the input (for example "
        "Unicode NFC in the local part, or an internationalised domain).",
        "address rewritten to email-validator's normal form",
    )
)
APOSTROPHE_REMOVED = CODES.add(
    Code(
        "apostrophe-removed",
        _F,
        "normalize",
        _FINDINGS,
        "leading apostrophe removed from a phone",
        "A leading ' (Excel's text marker) was removed from a phone cell.",
        "leading apostrophe removed",
    )
)
PHONE_FORMATTED = CODES.add(
    Code(
        "phone-formatted",
        _F,
        "normalize",
        _FINDINGS,
        "phone rewritten to E.164",
        "The phone was rewritten to E.164 (+14155550123), with an extension as ;ext=12; "
        "national numbers are read with the row's country, else default_region (--region).",
        "formatted as E.164",
    )
)
CODES.add(
    Code(
        INVALID_PHONE,
        _F,
        "normalize",
        _FINDINGS,
        "not a valid phone number; cleared or kept",
        "Not a valid number for the row's country (n/a, 123, 555-1234): cleared by default, "
        'kept as is with invalid_phone="keep"; the message says which. Use '
        'invalid_phone="reject" to hold such rows back instead.',
    )
)
PHONE_DAMAGED = CODES.add(
    Code(
        "phone-damaged",
        _F,
        "normalize",
        _FINDINGS,
        "a spreadsheet turned the phone into a float",
        "A spreadsheet stored the number as a float (4.15555E+09, 4155550123.0), losing digits "
        "or adding .0; it is never repaired and is handled like an invalid phone. Re-export "
        "that column as text.",
    )
)
FILLED_FROM_DUPLICATE = CODES.add(
    Code(
        "filled-from-duplicate",
        _F,
        "normalize",
        _FINDINGS,
        "a blank cell filled from a duplicate row",
        "With fill_blanks=True (--fill-blanks) a blank cell of a kept row was filled from one "
        "of its duplicates; the message names the row.",
    )
)

# ---- exclude ------------------------------------------------------------------------------
EXISTS_IN_ORG = CODES.add(
    Code(
        "exists-in-org",
        _R,
        "exclude",
        "excluded.csv",
        "the email (or phone) already exists in the org",
        "The row's email (or phone, with match_on Phone) already exists on Lead or Contact "
        "(the objects searched); sfclean_matched_object and sfclean_matched_id name the "
        "records, and excluded_updates.csv holds the row ready for an update (Id first).",
    )
)

# ---- load ---------------------------------------------------------------------------------
REJECTED_BY_DUPLICATE_RULE = CODES.add(
    Code(
        "rejected-by-duplicate-rule",
        _R,
        "load",
        "failed.csv",
        "the org's duplicate rule stopped the row",
        "An active duplicate rule of the org blocked the insert (status code "
        "DUPLICATES_DETECTED; sfclean sends allowSave=false on every request).",
    )
)
LOAD_FAILED = CODES.add(
    Code(
        "load-failed",
        _R,
        "load",
        "failed.csv",
        "Salesforce refused the row",
        "Salesforce refused the row, or its whole batch failed (BATCH_FAILED); sfclean_code "
        "and sfclean_message give Salesforce's status code and message "
        "(REQUIRED_FIELD_MISSING, ...). Fix the row and load it again.",
    )
)
NOT_PROCESSED = CODES.add(
    Code(
        "not-processed",
        _R,
        "load",
        "failed.csv",
        "the org never processed the row",
        "The row's batch or job stopped before the org processed it (NOT_PROCESSED, job "
        "aborted, or no result came back for it); nothing was saved, so it can be loaded again.",
    )
)

# ---- scan: findings that link a cluster to the rule state that let it in (findings.csv) ---
# Each names the audit finding that explains the same state (sfclean audit); the rules are
# read as they stand at scan time, which may differ from when the duplicates were saved.
_SCAN_FINDINGS = "findings.csv"
CAUSE_RULE_OFF = CODES.add(
    Code(
        "cause-rule-off",
        _F,
        "scan",
        _SCAN_FINDINGS,
        "no active duplicate rule on the newer record's object",
        "A newer record of the cluster is of an object with no active duplicate rule (the "
        "message names rules that exist but are switched off, and who changed them last). "
        "Audit findings: rule-inactive, no-active-rule. Activate a Block rule.",
        "no active duplicate rule on this object",
        "high",
    )
)
CAUSE_SILENT_RULE = CODES.add(
    Code(
        "cause-silent-rule",
        _F,
        "scan",
        _SCAN_FINDINGS,
        "the object's active rules allow duplicates without an alert",
        "Every active duplicate rule on the newer record's object Allows inserts without the "
        "Alert operation: API saves of the duplicate succeed with no error. Audit finding: "
        "rule-allow-silent. Set the rule to Block, or add Alert.",
        "the active rules allow the duplicate without an alert",
        "high",
    )
)
CAUSE_EXCLUDED_CREATOR = CODES.add(
    Code(
        "cause-excluded-creator",
        _F,
        "scan",
        _SCAN_FINDINGS,
        "the creator fails the conditions of every rule that would stop it",
        "The newer record's creator does not meet the user conditions (Username, Profile, "
        "UserType...) of any active rule on the object that blocks or alerts, so those rules "
        "never ran for its saves. Audit finding: rule-excludes-users. Conditions combined "
        "with a custom boolean filter are not evaluated (reported as review in the message).",
        "the creator is excluded by the conditions of the rules that would stop it",
        "high",
    )
)
CAUSE_NO_CROSS_OBJECT_RULE = CODES.add(
    Code(
        "cause-no-cross-object-rule",
        _F,
        "scan",
        _SCAN_FINDINGS,
        "no active rule compares the newer record with the other object",
        "The cluster holds a Lead and a Contact, and no active rule on the newer record's "
        "object that blocks or alerts matches records of the other object, so the save was "
        "never compared with them. Audit finding: no-cross-object-rule. Add a Lead rule with "
        "a Contact matching rule (or the other way).",
        "no active rule compares this object with the other object in the cluster",
        "medium",
    )
)
CAUSE_CLAIMED_CREATOR = CODES.add(
    Code(
        "cause-claimed-creator",
        _F,
        "scan",
        _SCAN_FINDINGS,
        "the creator can set CreatedById itself",
        "The newer record's creator holds Set Audit Fields upon Record Creation: its inserts "
        "may write CreatedById and CreatedDate, so the attribution is only claimed "
        "(by_creator.csv attribution=claimed). Audit finding: user-can-set-audit-fields.",
        "the creator holds Set Audit Fields: who created this record is only claimed",
        "review",
    )
)
#: Scan's cause codes, in the order a cluster's ``cause`` cell lists them.
SCAN_CAUSES: tuple[str, ...] = (
    CAUSE_RULE_OFF,
    CAUSE_SILENT_RULE,
    CAUSE_EXCLUDED_CREATOR,
    CAUSE_NO_CROSS_OBJECT_RULE,
    CAUSE_CLAIMED_CREATOR,
)

#: The junk-mailbox reasons a :class:`~sfclean.cleaners.junk.JunkPolicy` switches.
JUNK_REASONS: tuple[str, ...] = (NOREPLY_MAILBOX, ROLE_MAILBOX, DISPOSABLE_DOMAIN)
