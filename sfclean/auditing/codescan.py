"""Find code that saves duplicates on purpose: a pure scanner over source text (Apex classes and
triggers, Python, JavaScript / TypeScript, Java), no org access.

    findings = scan_paths(["integration/", "force-app/"])
    findings = scan_text(body, language="apex", subject="LeadImport")
    findings = scan_apex_record({"Name": "UTIL_DMLService", "Body": "(hidden)", ...})

Codes and severities (declared in :mod:`sfclean.codes`; sources: ``shared/reference/salesforce-facts.md``
and ``audit-scan-facts.md`` section 3.12):

=============================  ========  ====================================================
code                           severity  what fires it
=============================  ========  ====================================================
code-allowsave-true            high      Apex ``<x>.DuplicateRuleHeader.allowSave = true`` (any
                                         casing and spacing, across lines), or ``h.allowSave =
                                         true`` where ``h`` is declared or created as a
                                         ``DuplicateRuleHeader``
code-header-allowsave-true     high      REST ``Sforce-Duplicate-Rule-Header`` whose value holds
                                         ``allowSave=true`` (header name and value as adjacent
                                         strings: dict / object entries, ``setHeader(a, b)``,
                                         ``headers[a] = b``; or one string ``Sforce-Duplicate-
                                         Rule-Header: ...allowSave=true``; or an ``allowSave=
                                         true`` header-value string in a file that names the
                                         header); SOAP ``DuplicateRuleHeader`` with allowSave
                                         true (``<urn:allowSave>true</urn:allowSave>`` in a
                                         string, ``{'DuplicateRuleHeader': {'allowSave': True}}``,
                                         WSC ``setAllowSave(true)`` /
                                         ``setDuplicateRuleHeader(true, ...)``)
code-runascurrentuser-false    medium    ``DuplicateRuleHeader.runAsCurrentUser = false`` (Apex),
                                         ``setRunAsCurrentUser(false)`` (WSC)
code-allowsave-variable        review    allowSave, or the header's value, comes from a variable
                                         or expression (``= flag``, ``f"allowSave={x}"``,
                                         ``'allowSave=' + x``)
code-package-switch            review    allowSave follows a known package switch: NPSP's
                                         ``Respect_Duplicate_Rule_Settings__c``
code-acknowledged              info      any of the above with ``sfclean: allow-duplicate-bypass
                                         <reason>`` in a comment on the same line or the line
                                         above (``acknowledged_code`` keeps the original code)
managed-code-hidden            review    an ApexClass / ApexTrigger whose Body reads
                                         ``(hidden)`` (managed package): a blind spot, not a
                                         clean result
=============================  ========  ====================================================

Why ``runAsCurrentUser = false`` is medium, not high: it does not let a save past an Alert or
Block rule. The Apex reference says it makes duplicate rules use the class's sharing instead
of the current user's (system context when the class declares none), which changes *which*
records count as duplicates; and "to detect duplicates when converting a lead to a contact,
use runAsCurrentUser = true", so with false lead conversion can create duplicate contacts
unnoticed. That is a real gap worth fixing, but narrower than allowSave = true, which
documentedly "bypasses alerts and saves duplicate records".

What does not count, precisely:
- Comments (``//``, ``/* */``, ``#``), Python docstrings and bare string statements, and the
  inside of strings for code patterns (a string ``"dml.DuplicateRuleHeader.allowSave = true"``
  is not Apex).
- ``allowSave = false`` and ``runAsCurrentUser = true``; header values with allowSave=false.
- A variable merely named allowSave (``Boolean allowSave = true;``, ``allowSave = True`` in
  Python): only a property of a DuplicateRuleHeader, or a key of an object / dict / keyword
  argument that follows a ``DuplicateRuleHeader`` name within a few tokens, is the header.
- Prose in strings: a string counts as a header line only when the header name is followed by
  ``:`` and then ``allowSave=true`` (``"Sforce-Duplicate-Rule-Header: allowSave=true"``, as in
  a curl ``-H`` argument or a raw request); ``"we send the Sforce-Duplicate-Rule-Header with
  allowSave=false"`` or a sentence that names the header without that shape does not. A
  docstring that shows the header line is documentation and never counts.
- ``runAsCurrentUser`` set from an expression is not reported (only the literal false is).
- An acknowledgement needs a reason after the marker; a bare marker acknowledges nothing.

Snippets are the matched line, trimmed to 160 characters, with session ids, bearer tokens and
``password`` / ``token`` / ``secret`` values masked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sfclean.auditing.lexers import Lexed, Token, lex
from sfclean.codes import CODES

__all__ = [
    "CODE_INFO",
    "EXTENSIONS",
    "HIDDEN_BODY",
    "SCAN_CODES",
    "SKIPPED_DIRS",
    "Finding",
    "language_for",
    "scan_apex_record",
    "scan_file",
    "scan_paths",
    "scan_text",
]

HIDDEN_BODY = "(hidden)"
EXTENSIONS = {
    ".cls": "apex", ".trigger": "apex", ".apex": "apex", ".py": "python", ".java": "java",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
}  # fmt: skip
SKIPPED_DIRS = frozenset(
    {
        "node_modules",
        ".git",
        "venv",
        ".venv",
        "__pycache__",
        ".tox",
        ".sfdx",
        ".sf",
        "site-packages",
    }
)

#: The codes this scanner writes; severity, message, fix and source live in the registry.
SCAN_CODES = (
    "code-allowsave-true",
    "code-header-allowsave-true",
    "code-runascurrentuser-false",
    "code-allowsave-variable",
    "code-package-switch",
    "code-acknowledged",
    "managed-code-hidden",
)


def _info(name: str) -> tuple[str, str, str, str]:
    code = CODES.get(name, "finding")
    return (code.severity or "info", code.message, code.fix, code.source)


#: code -> (severity, message, fix, source), read from :data:`sfclean.codes.CODES`.
CODE_INFO: dict[str, tuple[str, str, str, str]] = {name: _info(name) for name in SCAN_CODES}
_PACKAGE_SWITCHES = {"respect_duplicate_rule_settings__c": "NPSP"}
_HEADER = "sforce-duplicate-rule-header"
_HEADER_LINE = re.compile(
    r"sforce-duplicate-rule-header\s*:\s*[^\n]*?\ballowsave\s*=\s*true\b", re.I
)
_ALLOW_TRUE = re.compile(r"\ballowsave\s*=\s*true\b", re.I)
_HEADER_VALUE = re.compile(r"^\s*(?:\w+\s*=\s*\w+\s*;\s*)*allowsave\s*=\s*true\b", re.I)
_SOAP_TRUE = re.compile(r"<(?:[\w.-]+:)?allowsave>\s*true\s*</", re.I)
_ACK = re.compile(r"sfclean:\s*allow-duplicate-bypass\s+(\S.*)", re.I)
_SEPARATORS = {":", ",", "=", "]", "=>"}
_SECRETS = [
    (re.compile(r"00D\w{12,15}![\w.]+"), "***"),
    (re.compile(r"(?i)(bearer\s+)[\w.!-]+"), r"\1***"),
    (
        re.compile(
            r"(?i)\b(password|passwd|token|secret|api_?key|session_?id)(\s*[:=]\s*)(['\"]?)[^'\",;\s)}]+"
        ),
        r"\1\2\3***",
    ),
]


@dataclass(frozen=True)
class Finding:
    """One hit: ``subject`` is the file path or Apex class name, ``line`` 1-based (0 when the
    finding is about a whole class), ``source`` the documentation it rests on."""

    code: str
    severity: str
    language: str
    subject: str
    line: int
    snippet: str
    message: str
    fix: str
    source: str
    acknowledged_code: str | None = None  # the original code of a code-acknowledged hit
    reason: str | None = None  # the acknowledgement's reason

    @property
    def where(self) -> str:
        return f"{self.subject}:{self.line}" if self.line else self.subject

    def __repr__(self) -> str:
        return f"<Finding {self.code} {self.where}>"


def _mask(line: str) -> str:
    for pattern, replacement in _SECRETS:
        line = pattern.sub(replacement, line)
    line = line.strip()
    return line if len(line) <= 160 else line[:157] + "..."


def _finding(
    code: str, language: str, subject: str, line: int, lines: list[str], extra: str = ""
) -> Finding:
    severity, message, fix, source = CODE_INFO[code]
    snippet = _mask(lines[line - 1]) if 0 < line <= len(lines) else ""
    return Finding(code, severity, language, subject, line, snippet, message + extra, fix, source)


# --- rules over tokens ---------------------------------------------------------------------


def _expression(tokens: list[Token], start: int) -> list[Token]:
    """Tokens from ``start`` up to the end of the statement (``;``, or a closing bracket)."""
    out, depth = [], 0
    for tok in tokens[start:]:
        if tok.kind == "op" and tok.value in ("(", "[", "{"):
            depth += 1
        elif tok.kind == "op" and tok.value in (")", "]", "}"):
            if depth == 0:
                break
            depth -= 1
        elif tok.kind == "op" and tok.value in (";", ",") and depth == 0:
            break
        out.append(tok)
        if len(out) > 60:
            break
    return out


def _value_kind(expr: list[Token]) -> str:
    """``true``, ``false``, ``switch:<package>`` or ``expression``."""
    if len(expr) == 1 and expr[0].kind == "name" and expr[0].lower in ("true", "false"):
        return expr[0].lower
    for tok in expr:
        if tok.lower in _PACKAGE_SWITCHES:
            return "switch"
    return "expression" if expr else "false"


def _header_vars(tokens: list[Token]) -> set[str]:
    """Names declared or created as a DuplicateRuleHeader (``DuplicateRuleHeader h``, ``h =
    new Database.DMLOptions.DuplicateRuleHeader()``)."""
    names = set()
    for i, tok in enumerate(tokens[:-1]):
        if (
            tok.kind == "name"
            and tok.lower.endswith("duplicateruleheader")
            and tokens[i + 1].kind == "name"
        ):
            names.add(tokens[i + 1].lower)  # a declaration
        if (
            tok.lower == "new"
            and i >= 2
            and tokens[i - 1].value == "="
            and tokens[i - 2].kind == "name"
        ):
            j, last = i + 1, ""
            while j < len(tokens) and (tokens[j].kind == "name" or tokens[j].value == "."):
                last = tokens[j].lower if tokens[j].kind == "name" else last
                j += 1
            if last.endswith("duplicateruleheader"):
                names.add(tokens[i - 2].lower)
    return names


def _property_hits(tokens: list[Token]) -> Iterator[tuple[str, int]]:
    """``<header>.allowSave = v`` and ``<header>.runAsCurrentUser = v`` (Apex)."""
    header_vars = _header_vars(tokens)
    for i, tok in enumerate(tokens):
        if tok.kind != "name" or tok.lower not in ("allowsave", "runascurrentuser"):
            continue
        if (
            i < 2
            or tokens[i - 1].value != "."
            or i + 1 >= len(tokens)
            or tokens[i + 1].value != "="
        ):
            continue
        owner = tokens[i - 2].lower
        if not (owner.endswith("duplicateruleheader") or owner in header_vars):
            continue
        kind = _value_kind(_expression(tokens, i + 2))
        if tok.lower == "allowsave":
            code = {
                "true": "code-allowsave-true",
                "switch": "code-package-switch",
                "expression": "code-allowsave-variable",
            }.get(kind)
        else:
            code = "code-runascurrentuser-false" if kind == "false" else None
        if code:
            yield code, tok.line


def _setter_hits(tokens: list[Token], mentions_header: bool) -> Iterator[tuple[str, int]]:
    """WSC (Java SOAP): ``setAllowSave(true)``, ``setRunAsCurrentUser(false)``,
    ``setDuplicateRuleHeader(true, ...)``; only in code that names DuplicateRuleHeader."""
    if not mentions_header:
        return
    for i, tok in enumerate(tokens[:-2]):
        name = tok.lower
        if tok.kind != "name" or tokens[i + 1].value != "(":
            continue
        if name not in ("setallowsave", "setrunascurrentuser", "setduplicateruleheader"):
            continue
        kind = _value_kind(_expression(tokens, i + 2))
        if name == "setrunascurrentuser":
            if kind == "false":
                yield "code-runascurrentuser-false", tok.line
        elif kind == "true":
            yield "code-header-allowsave-true", tok.line
        elif kind in ("expression", "switch"):
            yield "code-allowsave-variable", tok.line


def _key_hits(tokens: list[Token]) -> Iterator[tuple[str, int]]:
    """``{'DuplicateRuleHeader': {'allowSave': True}}``, ``DuplicateRuleHeader(allowSave=True)``,
    JS ``DuplicateRuleHeader: { allowSave: true }``: a key allowSave right after ``{ ( ,``
    with a DuplicateRuleHeader name or string in the 8 tokens before it."""
    for i, tok in enumerate(tokens):
        if tok.lower != "allowsave" or tok.kind not in ("name", "string") or i == 0:
            continue
        if tokens[i - 1].value not in ("{", "(", ",") or i + 1 >= len(tokens):
            continue
        if tokens[i + 1].value not in (":", "="):
            continue
        if not any(t.lower.endswith("duplicateruleheader") for t in tokens[max(0, i - 8) : i]):
            continue
        kind = _value_kind(_expression(tokens, i + 2))
        if kind == "true":
            yield "code-header-allowsave-true", tok.line
        elif kind in ("expression", "switch"):
            yield "code-allowsave-variable", tok.line


def _string_line(tok: Token, offset: int) -> int:
    return tok.line + tok.value.count("\n", 0, offset)


def _paired_value(tokens: list[Token], j: int) -> str | None:
    """The code for the value token ``tokens[j]`` that follows the header's name."""
    value = tokens[j]
    follows = tokens[j + 1].value if j + 1 < len(tokens) else ""
    if value.kind == "string":
        if _ALLOW_TRUE.search(value.value):
            return "code-header-allowsave-true"
        built = value.dynamic or follows in ("+", "%", ".")
        return "code-allowsave-variable" if built and "allowsave" in value.lower else None
    if value.kind == "name" and value.lower not in ("true", "false", "null", "none"):
        return "code-allowsave-variable"
    return None


def _header_hits(tokens: list[Token], mentions_soap: bool) -> Iterator[tuple[str, int]]:
    """The REST header as strings, and SOAP XML in strings (module docstring)."""
    names_header = any(t.kind == "string" and _HEADER in t.lower for t in tokens)
    paired: set[int] = set()
    for i, tok in enumerate(tokens):
        if tok.kind != "string":
            continue
        match = _HEADER_LINE.search(tok.value)
        if match:
            yield "code-header-allowsave-true", _string_line(tok, match.start())
            continue
        if mentions_soap:
            soap = _SOAP_TRUE.search(tok.value)
            if soap:
                yield "code-header-allowsave-true", _string_line(tok, soap.start())
                continue
        if tok.lower.strip() == _HEADER:
            j = i + 1
            while j < len(tokens) and tokens[j].kind == "op" and tokens[j].value in _SEPARATORS:
                j += 1
            if j == i + 1 or j >= len(tokens):
                continue
            paired.add(j)
            code = _paired_value(tokens, j)
            if code:
                yield code, tokens[j].line
        elif names_header and i not in paired and _HEADER_VALUE.match(tok.value):
            yield "code-header-allowsave-true", tok.line


def _acknowledgements(lexed: Lexed) -> dict[int, str]:
    """Line -> reason, for the line a marker comment is on and the line after it."""
    out: dict[int, str] = {}
    for comment in lexed.comments:
        match = _ACK.search(comment.text)
        if match:
            reason = match.group(1).strip().rstrip("*/").strip()
            for line in range(comment.line, comment.end_line + 2):
                out[line] = reason
    return out


def scan_text(text: str, *, language: str, subject: str = "<text>") -> list[Finding]:
    """Findings in ``text`` written in ``language`` (apex, python, java, javascript,
    typescript), in line order; ``subject`` names the file or class in each finding."""
    lexed = lex(text, language)
    tokens = lexed.tokens
    mentions = any(t.lower.endswith("duplicateruleheader") for t in tokens) or any(
        t.kind == "string" and "duplicateruleheader" in t.lower for t in tokens
    )
    hits = {
        *_property_hits(tokens),
        *_setter_hits(tokens, mentions),
        *_key_hits(tokens),
        *_header_hits(tokens, mentions),
    }
    lines = text.splitlines()
    acks = _acknowledgements(lexed)
    out = []
    for code, line in sorted(hits, key=lambda h: (h[1], h[0])):
        found = _finding(code, language, subject, line, lines)
        if line in acks:
            ack = _finding("code-acknowledged", language, subject, line, lines, f": {acks[line]}")
            found = Finding(**{**ack.__dict__, "acknowledged_code": code, "reason": acks[line]})
        out.append(found)
    return out


# --- org records and files -----------------------------------------------------------------


def scan_apex_record(record: dict[str, Any]) -> list[Finding]:
    """Findings for one ApexClass / ApexTrigger record (``Name``, ``Body``,
    ``NamespacePrefix``...): ``managed-code-hidden`` when the body reads ``(hidden)``."""
    name = str(record.get("Name") or "?")
    namespace = record.get("NamespacePrefix")
    subject = f"{namespace}__{name}" if namespace else name
    body = record.get("Body")
    if body is None:
        return []
    if str(body).strip() == HIDDEN_BODY:
        extra = f" (namespace {namespace})" if namespace else ""
        return [_finding("managed-code-hidden", "apex", subject, 0, [], extra)]
    return scan_text(str(body), language="apex", subject=subject)


def language_for(path: str | Path) -> str | None:
    """The language scanned for ``path`` by its extension, or None."""
    return EXTENSIONS.get(Path(path).suffix.lower())


def scan_file(path: str | Path) -> list[Finding]:
    """Findings in one file (read as UTF-8, undecodable bytes replaced); [] for other types."""
    language = language_for(path)
    if language is None:
        return []
    text = Path(path).read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff")
    return scan_text(text, language=language, subject=str(path))


def _files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for given in paths:
        root = Path(given)
        if root.is_file():
            yield root
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in sorted(files):
                if language_for(name) is not None:
                    yield Path(folder) / name


def scan_paths(paths: Iterable[str | Path]) -> list[Finding]:
    """Findings in every scannable file under ``paths`` (files or directories), skipping
    node_modules, .git, virtualenvs and caches; files in sorted order."""
    return [finding for path in _files(paths) for finding in scan_file(path)]
