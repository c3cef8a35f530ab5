"""The README's reason-code table and the registry (sfclean.codes) say the same, both ways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sfclean.codes import CODES, Code, CodeRegistry

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def _reason_table() -> list[tuple[str, str, str]]:
    """(code, stage, file) of every row of the README's reason-code table."""
    rows = re.findall(
        r"^\| `([a-z-]+)` \| ([a-z]+) \| `([a-z_.]+)` \|", _section("Reason codes"), re.MULTILINE
    )
    assert rows, "the README has no reason-code table"
    return rows


def test_every_reason_in_the_readme_is_in_the_registry_with_its_stage_and_file() -> None:
    rows = _reason_table()
    assert len(rows) == len({code for code, _, _ in rows}), "a code is listed twice"
    for code, stage, file in rows:
        registered = CODES.get(code, "reason")  # KeyError: not in the registry
        assert (registered.stage, registered.file) == (stage, file), code


def test_every_registered_reason_is_in_the_readme_in_registry_order() -> None:
    assert [code for code, _, _ in _reason_table()] == list(CODES.names(kind="reason"))


def test_every_registered_finding_is_named_in_the_readme_and_nothing_else() -> None:
    section = _section("Reason codes")
    findings_text = section[section.index("Changes and warnings") :]
    named = set(re.findall(r"`([a-z]+(?:-[a-z]+)+)`", findings_text))
    row_stages = {c.name for c in CODES.select(kind="finding") if c.stage != "audit"}
    assert named == row_stages  # audit findings have their own table (section Audit)


def test_every_code_has_a_title_a_description_and_a_known_stage_and_file() -> None:
    files = {
        "rejected.csv",
        "findings.csv",
        "excluded.csv",
        "probable_matches.csv",
        "failed.csv",
        "report.json/audit.md",
    }
    for code in CODES:
        assert code.title and code.description.endswith("."), code.name
        assert code.stage in {"normalize", "exclude", "preflight", "load", "audit", "scan"}, (
            code.name
        )
        assert code.file in files, code.name
        if code.stage == "audit":
            assert code.severity and code.message and code.fix, code.name
            assert code.source.startswith("https://"), code.name
    # every finding the normalize stage writes has a message; some stages write their own
    assert all(CODES.message(c) for c in ("whitespace-trimmed", "phone-formatted"))


def test_lookup_suggests_the_nearest_code() -> None:
    from sfclean.errors import ConfigError

    assert [c.kind for c in CODES.lookup("invalid-phone")] == ["reason", "finding"]
    with pytest.raises(ConfigError, match=r"did you mean role-mailbox\?"):
        CODES.lookup("role-mailbx")


def test_a_registry_refuses_a_code_declared_twice_and_bad_records() -> None:
    registry = CodeRegistry()
    code = Code("new-code", "finding", "audit", "audit.csv", "t", "d.", severity="high")
    assert registry.add(code) == "new-code" and "new-code" in registry
    with pytest.raises(ValueError, match="declared twice"):
        registry.add(code)
    with pytest.raises(ValueError, match="severity"):
        Code("x-y", "finding", "audit", "audit.csv", "t", "d.", severity="urgent")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kebab-case"):
        Code("Not Kebab", "reason", "audit", "audit.csv", "t", "d.")


def audit_table() -> list[str]:
    """The README's audit-code table as the registry renders it (regenerate the README rows
    with ``python tests/test_readme_codes.py``)."""
    rows = ["| code | severity | what it means | fix | source |", "|---|---|---|---|---|"]
    for code in CODES.select(kind="finding", stage="audit"):
        cells = [f"`{code.name}`", str(code.severity), code.description, code.fix, code.source]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return rows


def test_the_readme_audit_table_is_the_registry_in_order() -> None:
    section = _section("Audit")
    lines = [line for line in section.splitlines() if line.startswith("|")]
    assert lines == audit_table(), "regenerate with: python tests/test_readme_codes.py"


if __name__ == "__main__":
    print("\n".join(audit_table()))
