"""The README's reason-code table lists exactly the codes the stages can produce."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from sfclean.stages.normalize import FINDING_CODES, REASON_CODES

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_reason_table_matches_the_codes_in_the_code() -> None:
    rows = re.findall(r"^\| `([a-z-]+)` \|", _section("Reason codes"), flags=re.MULTILINE)
    exclude_module = importlib.import_module("sfclean.stages.exclude")
    loadjobs_source = Path(
        importlib.import_module("sfclean.stages.loadjobs").__file__ or ""
    ).read_text()
    load_reasons = set(re.findall(r'reason="([a-z-]+)"', loadjobs_source))
    load_reasons |= {"rejected-by-duplicate-rule", "load-failed"}
    expected = {*REASON_CODES, exclude_module.REASON, *load_reasons}
    assert len(rows) == len(set(rows))
    assert set(rows) == expected


def test_every_finding_code_is_named_in_the_readme() -> None:
    section = _section("Reason codes")
    missing = [code for code in FINDING_CODES if f"`{code}`" not in section]
    assert missing == []
