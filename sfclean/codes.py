"""Every reason code and finding code, declared once (the frictionless-py way).

A *reason* says why a row was held back (``sfclean_reason``: one per row, in the stage's
held-back file); a *finding* is a change or warning on a row that goes on, or (audit, scan) a
problem found in the org (``code`` in the findings table). Each :class:`Code` carries its
stage, the output file it appears in, a title, a description and, for findings, the standard
message; audit findings add a severity, a fix and a source. The README's reason-code table, ``sfclean codes``
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
    (``high``, ``medium``, ``low``, ``review``, ``ok``, ``info``), None otherwise. ``fix``
    (what to do) and ``source`` (the documentation it rests on): for audit findings.
    """

    name: str
    kind: Kind
    stage: str
    file: str
    title: str
    description: str
    message: str = ""
    severity: Severity | None = None
    fix: str = ""
    source: str = ""

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
        if self.fix:
            lines.extend(["", *(f"  {line}" for line in _wrap("Fix: " + self.fix))])
        if self.source:
            lines.append(f"  Source: {self.source}")
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
EMAIL_NOT_ASCII = CODES.add(
    Code(
        "email-not-ascii",
        _R,
        "normalize",
        _REJECTED,
        "the part before the @ is not ASCII",
        "The local part has non-ASCII characters (jürgen@x.de). A standard org refuses it "
        "(INVALID_EMAIL_ADDRESS); orgs with Email Address Internationalization turned on accept "
        "it: normalize with internationalized=True (CLI: --internationalized-emails) for such "
        "an org; sfclean run reads the org's setting and says when the two disagree. "
        "Salesforce Help 000001145 lists the characters a standard org takes.",
    )
)
EMAIL_TOO_LONG = CODES.add(
    Code(
        "email-too-long",
        _R,
        "normalize",
        _REJECTED,
        "longer than the Email field's 80 characters",
        "The address is longer than the 80 characters the standard Email field holds "
        "(Salesforce Help 000384328), so the org would refuse the row. Shorten it at the source.",
    )
)
UNKNOWN_TLD = CODES.add(
    Code(
        "unknown-tld",
        _R,
        "normalize",
        _REJECTED,
        "the top-level domain does not exist",
        "The domain's top-level domain is not on the Public Suffix List (acme-corp.con, "
        "gmail.cmo): mail cannot be delivered there. sfclean_detail suggests the likely one "
        "(did you mean .com?). The list ships with the publicsuffixlist package.",
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
        "By default the phone is kept as typed (trimmed) with an invalid-phone finding; "
        'invalid_phone="clear" (--invalid-phone clear) empties it instead.',
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
EMAIL_SEPARATOR_TRIMMED = CODES.add(
    Code(
        "email-separator-trimmed",
        _F,
        "normalize",
        _FINDINGS,
        "a stray ; or , removed",
        "A stray ';' or ',' at the start or end of the email cell (left by a copied list) was "
        "removed.",
        "a stray ';' or ',' at the end of the cell removed",
    )
)
EMAIL_FIRST_OF_SEVERAL = CODES.add(
    Code(
        "email-first-of-several",
        _F,
        "normalize",
        _FINDINGS,
        "several addresses in one cell; the first is kept",
        "The email cell held several addresses (a@x.com; b@y.com). The first is kept; the "
        "others are not loaded. Split the row at the source if they are different people.",
        "the cell holds several addresses; the first is kept",
    )
)
EMAIL_DOMAIN_PUNYCODED = CODES.add(
    Code(
        "email-domain-punycoded",
        _F,
        "normalize",
        _FINDINGS,
        "an internationalized domain written as xn--",
        "The domain had non-ASCII letters (bücher.de). A standard org takes only letters, "
        "digits, dashes and dots in a domain, so it is written in its IDNA ASCII form "
        "(xn--bcher-kva.de), which delivers to the same mailbox.",
        "internationalized domain written in its ASCII (xn--) form",
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
        "not a valid phone number; kept or cleared",
        "Not a valid number for the row's country (n/a, 123, 555-1234): kept as typed by "
        "default (it may be a real number sfclean cannot place), cleared with "
        'invalid_phone="clear"; the message says which. Use invalid_phone="reject" to hold '
        "such rows back instead.",
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
FORMULA_LIKE_CELL = CODES.add(
    Code(
        "formula-like-cell",
        _F,
        "normalize",
        _FINDINGS,
        "a cell a spreadsheet would run as a formula",
        "The cell starts with =, +, -, @, a tab or a carriage return (a phone or number such "
        "as +44 20 7946 0958 or -5, and a lone dash, excepted), so Excel or Sheets would run "
        "it as a formula "
        "when someone opens a file holding it (CSV injection). clean.csv keeps it byte for "
        "byte, since it goes to the org; check the value. Files meant for people (rejected, "
        "findings, excluded, failed) neutralise such cells with a leading apostrophe.",
        "starts like a spreadsheet formula; check it before it reaches the org",
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
PROBABLE_MATCH_IN_ORG = CODES.add(
    Code(
        "probable-match-in-org",
        _R,
        "exclude",
        "probable_matches.csv",
        "the row is probably a person already in the org",
        "With fuzzy=True (--fuzzy, the sfclean[fuzzy] extra), the row's names, company, phone, "
        "city and email probably match an org record under another email (splink's match "
        "probability at least the threshold); sfclean_matched_id names it, "
        "sfclean_probability and sfclean_agreed say how sure and why. Review before loading: "
        "sfclean never merges it. sfclean run writes these rows to excluded.csv.",
    )
)

# ---- preflight: reasons, in the order that picks a row's reason ---------------------------
MISSING_REQUIRED_FIELD = CODES.add(
    Code(
        "missing-required-field",
        _R,
        "preflight",
        _REJECTED,
        "a field the org requires is blank",
        "The object's describe says the field is required on create (createable, not "
        "nillable, no default) and the row leaves it blank, or no column is sent to it; "
        "sfclean_detail names the field. Fill it in (Leads need a Company), or map a column "
        "or a constant to it.",
    )
)
INVALID_VALUE = CODES.add(
    Code(
        "invalid-value",
        _R,
        "preflight",
        _REJECTED,
        "a value the field's type cannot hold",
        "Not a number for a number field (no thousands separators), not YYYY-MM-DD for a "
        "date, not YYYY-MM-DDThh:mm:ssZ for a date/time, or not true/false for a checkbox; "
        "sfclean_detail names the field and the value. Fix the value at the source.",
    )
)
VALUE_TOO_LONG = CODES.add(
    Code(
        "value-too-long",
        _R,
        "preflight",
        _REJECTED,
        "longer than the field allows",
        "The text has more characters than the field's length in the object's describe; "
        "sfclean_detail names the field, the length and the limit. Shorten it.",
    )
)
INVALID_PICKLIST_VALUE = CODES.add(
    Code(
        "invalid-picklist-value",
        _R,
        "preflight",
        _REJECTED,
        "not a value of a restricted picklist",
        "The field is a restricted picklist and the value is not one of its active values "
        "(compared exactly); sfclean_detail lists the values. Use one of them.",
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
        "A newer record of the cluster is of an object with no active duplicate rule, or "
        "only active rules none of whose matching rules is Active (the org's behaviour then "
        "is UNCONFIRMED). The message names rules that exist but are switched off, and who "
        "changed them last. Audit findings: rule-inactive, no-active-rule, "
        "matching-rule-inactive. Activate a Block rule and its matching rule.",
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

# ---- audit: findings about the org's configuration and code (report.json, audit.md) -------
_AUDIT_FILE = "report.json/audit.md"
_DOC = "https://developer.salesforce.com/docs/"
_META_RULE = _DOC + "platform/api-metadata/references/meta-types/metadata-duplicaterule.html"
_UI_RULES = _DOC + "atlas.en-us.uiapi.meta/uiapi/ui_api_responses_duplicate_rule.htm"
_BULK_HEADERS = _DOC + "platform/api-asynch/guide/async-api-headers.html"
_MATCH_ITEM = (
    _DOC + "atlas.en-us.262.0.object_reference.meta/object_reference/"
    "sforce_api_objects_matchingruleitem.htm"
)
_OBJ_REF = _DOC + "atlas.en-us.object_reference.meta/object_reference/"
_APEX_HEADER = (
    _DOC + "atlas.en-us.apexref.meta/apexref/apex_class_Database_DMLOptions_DuplicateRuleHeader.htm"
)
_UNCONFIRMED_MAD = (
    "Whether Modify All Data bypasses duplicate rules is UNCONFIRMED (no Salesforce page says "
    "so): review, not a proven bypass."
)


def _audit(
    name: str,
    severity: Severity,
    title: str,
    description: str,
    message: str,
    fix: str,
    source: str,
) -> str:
    return CODES.add(
        Code(name, _F, "audit", _AUDIT_FILE, title, description, message, severity, fix, source)
    )


# check 1: duplicate rules, by what an API save gets
RULE_BLOCK = _audit(
    "rule-block", "ok", "an active rule blocks duplicates",
    "An active duplicate rule with the Block action: the API refuses the duplicate whatever "
    "the caller sends (allowSave cannot override Block).",
    "Block: API saves of a duplicate are refused (allowSave cannot override it)",
    "Nothing to do.", _META_RULE,
)  # fmt: skip
RULE_ALLOW_SILENT = _audit(
    "rule-allow-silent", "high", "Allow without Alert: the API saves duplicates silently",
    "An active rule that Allows without the Alert operation (Report only, or nothing): every "
    "API save of a duplicate succeeds with no error, so integrations create duplicates unseen.",
    "Allow without Alert: every API save of a duplicate succeeds with no error",
    "Set the rule's action to Block, or add Alert so API saves are refused unless the caller "
    "sends allowSave=true.", _META_RULE,
)  # fmt: skip
RULE_ALLOW_ALERT = _audit(
    "rule-allow-alert", "medium", "Allow with Alert: refused unless the caller sends allowSave",
    "An active rule that Allows with Alert: API saves of a duplicate are refused "
    "(DUPLICATES_DETECTED) unless the caller sends allowSave=true, and then they save. Bulk "
    "rows fail; whether Bulk honours the duplicate-rule header is UNCONFIRMED.",
    "Allow + Alert: API saves of a duplicate are refused unless the caller sends "
    "allowSave=true, and then they save (whether Bulk API honours the header is UNCONFIRMED)",
    "Use Block if no caller should save duplicates; otherwise find the callers that send "
    "allowSave=true (see the code findings).", _BULK_HEADERS,
)  # fmt: skip
RULE_INACTIVE = _audit(
    "rule-inactive", "low", "a duplicate rule is switched off",
    "A duplicate rule exists but is inactive: it checks nothing. Rules switched off for a "
    "load and never switched on again are a known failure mode.",
    "inactive: this rule checks nothing",
    "Activate it, or delete it if another rule replaces it.", _OBJ_REF + "sforce_api_objects_duplicaterule.htm",
)  # fmt: skip
NO_ACTIVE_RULE = _audit(
    "no-active-rule", "high", "an object has no active duplicate rule",
    "An object sfclean loads into has no active duplicate rule: nothing stops duplicates "
    "saved through the API or the UI.",
    "no active duplicate rule: nothing stops duplicates on this object",
    "Create and activate a Block duplicate rule on the object with an email matching rule.",
    _UI_RULES,
)  # fmt: skip
NO_CROSS_OBJECT_RULE = _audit(
    "no-cross-object-rule", "medium", "no rule compares Leads with Contacts",
    "No active Lead rule matches Contacts and no active Contact rule matches Leads: a person "
    "who is already a Contact can be loaded again as a Lead (or the other way) without a word.",
    "no active rule compares Leads with Contacts",
    "Add a Lead duplicate rule whose matching rule is on Contact (with an email mapping), and "
    "activate it.", _META_RULE,
)  # fmt: skip
# check 2: rule conditions
RULE_EXCLUDES_USERS = _audit(
    "rule-excludes-users", "high", "a rule condition lets some users through",
    "The rule's conditions test the saving user (User, Profile or Role fields): the rule does "
    "not run for users who fail them, so their saves skip it. The message names those users "
    "and whether they log in through the API.",
    "the rule's conditions exclude some users: their saves skip the rule",
    "Remove the user condition, or make sure the users it lets through never create Leads or "
    "Contacts.", _META_RULE,
)  # fmt: skip
RULE_EXCLUDES_RECORDS = _audit(
    "rule-excludes-records", "medium", "a rule condition lets some records through",
    "The rule's conditions test a field of the record (a bypass checkbox, a record type, a "
    "lead source): records that fail them are saved without a duplicate check.",
    "the rule only runs for records that meet its conditions",
    "Check that no integration sets the field to get past the rule; remove the condition if "
    "it is a bypass.", _META_RULE,
)  # fmt: skip
RULE_HIDES_INVISIBLE_DUPLICATES = _audit(
    "rule-hides-invisible-duplicates", "medium", "duplicates the user cannot see save silently",
    "The rule enforces sharing rules (securityOption EnforceSharingRules): when the matching "
    "record is not visible to the saving user, the save proceeds and no message is issued. "
    "The message names the API users without View All Data.",
    "EnforceSharingRules: a duplicate the saving user cannot see is saved with no message",
    "Set the rule's record-level security to Bypass sharing rules.", _META_RULE,
)  # fmt: skip
# check 3: matching rules
MATCHING_RULE_NO_EMAIL = _audit(
    "matching-rule-no-email", "medium", "a rule's matching rules never compare an email",
    "None of the matching rules of an active duplicate rule compares an email field: people "
    "with the same address but another spelling of their name are not duplicates to it.",
    "its matching rules compare no email field",
    "Add a matching rule with Email (Exact) to the duplicate rule.", _MATCH_ITEM,
)  # fmt: skip
MATCHING_RULE_INACTIVE = _audit(
    "matching-rule-inactive", "high", "an active rule uses an inactive matching rule",
    "An active duplicate rule uses a matching rule whose status is not Active: that matching "
    "rule finds nothing, so the duplicate rule may never fire.",
    "uses a matching rule that is not active: it matches nothing",
    "Activate the matching rule (Setup > Matching Rules).", _MATCH_ITEM,
)  # fmt: skip
MATCHING_RULE_MATCHES_BLANKS = _audit(
    "matching-rule-matches-blanks", "low", "blank emails match each other",
    "A matching-rule item on an email field has BlankValueBehavior MatchBlanks: records with "
    "no email match each other, which blocks or flags unrelated people.",
    "blank values match (MatchBlanks): records without an email match each other",
    "Set the item's blank handling to NullNotAllowed (the default).", _MATCH_ITEM,
)  # fmt: skip
# check 4: who writes through the API
API_USER_MODIFY_ALL_DATA = _audit(
    "api-user-modify-all-data", "review", "an API writer holds Modify All Data",
    "A user who writes through the API (API logins, API Only, or named with "
    "--integration-user) holds Modify All Data. " + _UNCONFIRMED_MAD,
    "holds Modify All Data (context: whether it bypasses duplicate rules is UNCONFIRMED, so "
    "review, not a proven bypass)",
    "Give the integration user only the object permissions it needs.",
    _OBJ_REF + "sforce_api_objects_permissionset.htm",
)  # fmt: skip
API_USER_ADMIN_PROFILE = _audit(
    "api-user-admin-profile", "medium", "an API writer has an administrator profile",
    "A user who writes through the API has an administrator profile (System Administrator, or "
    "a profile with Customize Application and Manage Users): its saves run with every "
    "permission, and rule conditions written for other profiles may miss it.",
    "writes through the API with an administrator profile",
    "Give integrations their own minimal profile (or the Minimum Access profile plus "
    "permission sets).", _OBJ_REF + "sforce_api_objects_profile.htm",
)  # fmt: skip
API_USER_BYPASS_PERMISSION = _audit(
    "api-user-bypass-permission", "review", "an API writer holds a bypass-looking permission",
    "A user who writes through the API holds a custom permission whose name suggests a "
    "duplicate bypass (bypass, skip, dedup, duplicate). Salesforce has no standard bypass "
    "permission; whether rule conditions can test $Permission is UNCONFIRMED: review what "
    "uses it.",
    "holds a custom permission whose name suggests a duplicate-rule bypass",
    "Find what checks the permission (rule conditions, flows, Apex) and remove it from "
    "integration users if it lets duplicates in.",
    _OBJ_REF + "sforce_api_objects_setupentityaccess.htm",
)  # fmt: skip
USER_CAN_SET_AUDIT_FIELDS = _audit(
    "user-can-set-audit-fields", "low", "an API writer can set CreatedBy and CreatedDate",
    "A user who writes through the API holds Set Audit Fields upon Record Creation: with the "
    "org preference on, its inserts can claim another creator and date, so who created a "
    "duplicate is only claimed.",
    "holds Set Audit Fields upon Record Creation: the creator of its records is only claimed",
    "Remove the permission once the data migration that needed it is over.",
    _DOC + "atlas.en-us.api.meta/api/system_fields.htm",
)  # fmt: skip
# check 5: code (sfclean.auditing.codescan reads these)
CODE_ALLOWSAVE_TRUE = _audit(
    "code-allowsave-true", "high", "Apex sets allowSave = true",
    "Apex sets DuplicateRuleHeader.allowSave = true: saves through this code skip every "
    "Allow + Alert duplicate rule and save the duplicate.",
    "Apex sets DuplicateRuleHeader.allowSave = true: saves through this code skip every "
    "Allow + Alert duplicate rule and save the duplicate",
    "Remove the line (allowSave defaults to false) or handle DUPLICATES_DETECTED instead",
    _APEX_HEADER,
)  # fmt: skip
CODE_HEADER_ALLOWSAVE_TRUE = _audit(
    "code-header-allowsave-true", "high", "a request sends the header with allowSave=true",
    "A REST Sforce-Duplicate-Rule-Header or SOAP DuplicateRuleHeader with allowSave=true: "
    "Salesforce saves records that Allow + Alert duplicate rules would refuse.",
    "The request sends the duplicate-rule header with allowSave=true: Salesforce saves "
    "records that Allow + Alert duplicate rules would refuse",
    "Send allowSave=false (the default) or drop the header, and handle DUPLICATES_DETECTED",
    _DOC + "platform/api-rest/guide/headers-duplicaterules.html",
)  # fmt: skip
CODE_RUNASCURRENTUSER_FALSE = _audit(
    "code-runascurrentuser-false", "medium", "Apex sets runAsCurrentUser = false",
    "DuplicateRuleHeader.runAsCurrentUser = false: duplicate rules use the class's sharing, "
    "not the user's, and lead conversion does not detect duplicates.",
    "DuplicateRuleHeader.runAsCurrentUser = false: duplicate rules use the class's sharing, "
    "not the user's, and lead conversion does not detect duplicates",
    "Set runAsCurrentUser = true where leads are converted or records saved for a user",
    _APEX_HEADER,
)  # fmt: skip
CODE_ALLOWSAVE_VARIABLE = _audit(
    "code-allowsave-variable", "review", "allowSave comes from a variable",
    "allowSave (or the duplicate-rule header's value) comes from a variable or expression: "
    "whether it can be true depends on data the scan cannot see.",
    "allowSave (or the duplicate-rule header's value) comes from a variable or expression: "
    "whether it can be true depends on data this scan cannot see",
    "Trace the value; if it can be true, treat this line as allowSave = true",
    _APEX_HEADER,
)  # fmt: skip
CODE_PACKAGE_SWITCH = _audit(
    "code-package-switch", "review", "allowSave follows a package setting",
    "allowSave follows a known package switch (NPSP's Respect_Duplicate_Rule_Settings__c): "
    "when it is off, the package saves duplicates.",
    "allowSave follows NPSP's Error Settings 'Respect Duplicate Rule Settings' "
    "(Respect_Duplicate_Rule_Settings__c): when it is off, NPSP saves duplicates",
    "In NPSP Settings > System Tools > Error Notifications, turn on Respect Duplicate Rule "
    "Settings",
    "https://github.com/SalesforceFoundation/NPSP/blob/main/src/classes/UTIL_DMLService.cls",
)  # fmt: skip
CODE_ACKNOWLEDGED = _audit(
    "code-acknowledged", "info", "a bypass acknowledged in the code",
    "A duplicate-rule bypass with a comment 'sfclean: allow-duplicate-bypass <reason>' on "
    "its line or the line above: reported for the record, not as a problem.",
    "A duplicate-rule bypass acknowledged in the code (sfclean: allow-duplicate-bypass)",
    "Nothing to do while the stated reason holds",
    _APEX_HEADER,
)  # fmt: skip
MANAGED_CODE_HIDDEN = _audit(
    "managed-code-hidden", "review", "managed-package code cannot be read",
    "Managed-package Apex whose body the org returns as (hidden): it cannot be scanned for "
    "allowSave, a blind spot rather than a clean result; known package switches are named.",
    "Managed-package code: the org returns its body as (hidden), so it cannot be scanned "
    "for allowSave; a blind spot, not a clean result",
    "Check the package's documentation or settings for duplicate-rule switches",
    _DOC + "atlas.en-us.224.0.api_tooling.meta/api_tooling/tooling_api_objects_apexclass.htm",
)  # fmt: skip
# check 6: changes since a baseline; check 7: what could not be read
RULE_CHANGED = _audit(
    "rule-changed", "medium", "a rule changed since the previous audit",
    "With --baseline: a duplicate rule was deactivated, re-activated, deleted, or its action "
    "or operations changed since the previous audit; the message names who changed it last "
    "(LastModifiedBy) and matching Setup Audit Trail entries.",
    "changed since the previous audit",
    "Check that the change was meant; switch the rule back on after a load.",
    _OBJ_REF + "sforce_api_objects_setupaudittrail.htm",
)  # fmt: skip
CANNOT_READ = _audit(
    "cannot-read", "review", "the audit could not read something",
    "An object or API the audit needs refused the request (usually a missing permission): "
    "the checks that depend on it are incomplete. The message names the permission needed; "
    "the audit goes on with the rest.",
    "could not be read",
    "Grant the running user the permission named, or accept the blind spot.",
    _DOC + "atlas.en-us.api_meta.meta/api_meta/meta_readMetadata.htm",
)  # fmt: skip
