"""The code scanner: a table of true positives, false positives and acknowledged hits in every
language it reads, plus properties (comments never create findings, line numbers are right)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.auditing.codescan import (
    CODE_INFO,
    Finding,
    language_for,
    scan_apex_record,
    scan_paths,
    scan_text,
)

T, H, R, V, P = (
    "code-allowsave-true",
    "code-header-allowsave-true",
    "code-runascurrentuser-false",
    "code-allowsave-variable",
    "code-package-switch",
)
HDR = "Sforce-Duplicate-Rule-Header"

CASES: list[tuple[str, str, str, list[tuple[str, int]]]] = [
    # --- Apex: true positives ----------------------------------------------------------------
    ("apex-doc-example", "apex", "Database.DMLOptions dml = new Database.DMLOptions();\ndml.DuplicateRuleHeader.allowSave = true;\ninsert acc;", [(T, 2)]),
    ("apex-upper-true", "apex", "dml.DuplicateRuleHeader.AllowSave=TRUE;", [(T, 1)]),
    ("apex-lower-all", "apex", "dml.duplicateruleheader.allowsave = true;", [(T, 1)]),
    ("apex-spaces", "apex", "dml . DuplicateRuleHeader . allowSave   =   true ;", [(T, 1)]),
    ("apex-multiline", "apex", "dml\n  .DuplicateRuleHeader\n  .allowSave\n  = true;", [(T, 3)]),
    ("apex-other-var-name", "apex", "Database.DMLOptions opts = new Database.DMLOptions(); opts.DuplicateRuleHeader.allowSave = true;", [(T, 1)]),
    ("apex-header-var-declared", "apex", "Database.DMLOptions.DuplicateRuleHeader hdr = new Database.DMLOptions.DuplicateRuleHeader();\nhdr.allowSave = true;\ndml.DuplicateRuleHeader = hdr;", [(T, 2)]),
    ("apex-header-var-assigned-later", "apex", "Object h;\nh = new Database.DMLOptions.DuplicateRuleHeader();\nh.AllowSave = True;", [(T, 3)]),
    ("apex-in-method", "apex", "public class Loader {\n  public static void run(List<Lead> ls) {\n    Database.DMLOptions dml = new Database.DMLOptions();\n    dml.DuplicateRuleHeader.allowSave = true;\n    Database.insert(ls, dml);\n  }\n}", [(T, 4)]),
    ("apex-trigger", "apex", "trigger LeadT on Lead (before insert) {\n  Database.DMLOptions d = new Database.DMLOptions();\n  d.DuplicateRuleHeader.allowSave = true;\n}", [(T, 3)]),
    ("apex-runas-false", "apex", "dml.DuplicateRuleHeader.runAsCurrentUser = false;", [(R, 1)]),
    ("apex-runas-false-caps", "apex", "dml.DuplicateRuleHeader.RunAsCurrentUser=FALSE;", [(R, 1)]),
    ("apex-both", "apex", "dml.DuplicateRuleHeader.allowSave = true;\ndml.DuplicateRuleHeader.runAsCurrentUser = false;", [(T, 1), (R, 2)]),
    ("apex-variable", "apex", "dml.DuplicateRuleHeader.allowSave = allowDupes;", [(V, 1)]),
    ("apex-ternary", "apex", "dml.DuplicateRuleHeader.allowSave = Test.isRunningTest() ? true : false;", [(V, 1)]),
    ("apex-npsp-switch", "apex", "dmlOptions.DuplicateRuleHeader.AllowSave = !UTIL_CustomSettingsFacade.getErrorSettings().Respect_Duplicate_Rule_Settings__c;", [(P, 1)]),
    ("apex-trailing-comment", "apex", "dml.DuplicateRuleHeader.allowSave = true; // needed for the import", [(T, 1)]),
    ("apex-comment-between", "apex", "dml.DuplicateRuleHeader /* the header */ .allowSave = true;", [(T, 1)]),
    ("apex-callout-header", "apex", f"HttpRequest req = new HttpRequest();\nreq.setHeader('{HDR}', 'allowSave=true');", [(H, 2)]),
    ("apex-callout-header-false", "apex", f"req.setHeader('{HDR}', 'allowSave=false');", []),
    # --- Apex: must not fire -------------------------------------------------------------
    ("apex-false", "apex", "dml.DuplicateRuleHeader.allowSave = false;", []),
    ("apex-runas-true", "apex", "dml.DuplicateRuleHeader.runAsCurrentUser = true;", []),
    ("apex-line-comment", "apex", "// dml.DuplicateRuleHeader.allowSave = true;", []),
    ("apex-block-comment", "apex", "/*\n dml.DuplicateRuleHeader.allowSave = true;\n*/\ninsert x;", []),
    ("apex-javadoc", "apex", "/**\n * Sets dml.DuplicateRuleHeader.allowSave = true when asked.\n */\npublic void run() {}", []),
    ("apex-boolean-named-allowsave", "apex", "Boolean allowSave = true;", []),
    ("apex-allowsave-var-near-header", "apex", "Database.DMLOptions dml = new Database.DMLOptions();\nBoolean allowSave = true;\ndml.DuplicateRuleHeader.allowSave = false;", []),
    ("apex-other-object-allowsave", "apex", "settings.allowSave = true;", []),
    ("apex-string-mention", "apex", "System.debug('dml.DuplicateRuleHeader.allowSave = true');", []),
    ("apex-comparison", "apex", "if (dml.DuplicateRuleHeader.allowSave == true) { log(); }", []),
    ("apex-read-only", "apex", "Boolean b = dml.DuplicateRuleHeader.allowSave;", []),
    # --- Python ---------------------------------------------------------------------------
    ("py-simple-salesforce", "python", f"sf.Lead.create(rec, headers={{'{HDR}': 'allowSave=true'}})", [(H, 1)]),
    ("py-requests", "python", f"import requests\nrequests.post(url, json=body,\n    headers={{\"{HDR}\": \"allowSave=true; includeRecordDetails=true\"}})", [(H, 3)]),
    ("py-headers-update", "python", f"session.headers.update({{'{HDR}': 'allowSave = TRUE'}})", [(H, 1)]),
    ("py-subscript", "python", f"headers['{HDR}'] = 'runAsCurrentUser=true; allowSave=true'", [(H, 1)]),
    ("py-constant", "python", f"DUPES = 'allowSave=true'\nheaders = {{'{HDR}': DUPES}}", [(H, 1), (V, 2)]),
    ("py-fstring", "python", f"headers = {{'{HDR}': f'allowSave={{flag}}'}}", [(V, 1)]),
    ("py-concat", "python", f"headers = {{'{HDR}': 'allowSave=' + str(flag).lower()}}", [(V, 1)]),
    ("py-variable", "python", f"headers = {{'{HDR}': header_value}}", [(V, 1)]),
    ("py-zeep-soap", "python", "client.service.create(recs, _soapheaders={'DuplicateRuleHeader': {'allowSave': True}})", [(H, 1)]),
    ("py-zeep-kwargs", "python", "hdr = DuplicateRuleHeader(allowSave=True, includeRecordDetails=False)", [(H, 1)]),
    ("py-soap-xml", "python", 'ENVELOPE = """<soapenv:Envelope>\n<soapenv:Header>\n<urn:DuplicateRuleHeader>\n<urn:allowSave>true</urn:allowSave>\n</urn:DuplicateRuleHeader>\n</soapenv:Header>\n</soapenv:Envelope>"""', [(H, 4)]),
    ("py-curl-line", "python", f"cmd = ['curl', '-H', '{HDR}: allowSave=true', url]", [(H, 1)]),
    ("py-false", "python", f"headers = {{'{HDR}': 'allowSave=false'}}", []),
    ("py-comment", "python", f"# headers = {{'{HDR}': 'allowSave=true'}}\nx = 1", []),
    ("py-docstring", "python", f'def load():\n    """Send {HDR}: allowSave=true to skip alerts."""\n    return 1', []),
    ("py-module-docstring", "python", f'"""Example: headers={{"{HDR}": "allowSave=true"}}"""\nimport os', []),
    ("py-variable-named-allowsave", "python", "allowSave = True\nallow_save = True", []),
    ("py-soap-false", "python", "client.service.create(recs, _soapheaders={'DuplicateRuleHeader': {'allowSave': False}})", []),
    ("py-prose", "python", f"msg = 'we send the {HDR} with allowSave=false on every request'", []),
    ("py-prose-mention", "python", f"help = 'see the {HDR} documentation; allowSave=true is a bypass'", []),
    ("py-header-read", "python", f"value = response.headers.get('{HDR}', '')", []),
    ("py-allowsave-string-without-header", "python", "flags = 'allowSave=true'", []),
    ("py-soap-xml-no-header", "python", "x = '<allowSave>true</allowSave>'", []),
    # --- JavaScript / TypeScript ----------------------------------------------------------
    ("js-jsforce-headers", "javascript", f"await conn.sobject('Lead').create(rec, {{ headers: {{ '{HDR}': 'allowSave=true' }} }});", [(H, 1)]),
    ("js-fetch", "javascript", f'fetch(url, {{\n  method: "POST",\n  headers: {{\n    "{HDR}": "allowSave=true",\n  }},\n}});', [(H, 4)]),
    ("js-template", "javascript", f"const h = {{ '{HDR}': `allowSave=${{allow}}` }};", [(V, 1)]),
    ("js-template-literal-true", "javascript", f"const h = {{ '{HDR}': `allowSave=true` }};", [(H, 1)]),
    ("js-soap-object", "javascript", "const headers = { DuplicateRuleHeader: { allowSave: true } };", [(H, 1)]),
    ("js-comment", "javascript", f"// headers: {{ '{HDR}': 'allowSave=true' }}\nconst x = 1;", []),
    ("js-block-comment", "javascript", f"/* '{HDR}': 'allowSave=true' */ const x = 1;", []),
    ("js-false", "javascript", f"const h = {{ '{HDR}': 'allowSave=false' }};", []),
    ("js-regex-with-quotes", "javascript", f"const re = /'\"/g; // {HDR}: allowSave=true\nconst y = 2;", []),
    ("js-division-then-header", "javascript", f"const r = a / b;\nconst h = {{ '{HDR}': 'allowSave=true' }};", [(H, 2)]),
    ("ts-axios", "typescript", f"const res = await axios.post<Result>(url, body, {{\n  headers: {{ '{HDR}': 'allowSave=true' }} as Record<string, string>,\n}});", [(H, 2)]),
    ("ts-allowsave-prop", "typescript", "const opts: Options = { allowSave: true };", []),
    # --- Java -----------------------------------------------------------------------------
    ("java-sethheader", "java", f'HttpPost post = new HttpPost(url);\npost.setHeader("{HDR}", "allowSave=true");', [(H, 2)]),
    ("java-map-put", "java", f'headers.put("{HDR}", "allowSave=true");', [(H, 1)]),
    ("java-wsc-setter", "java", "_DuplicateRuleHeader header = new _DuplicateRuleHeader();\nheader.setAllowSave(true);\nheader.setRunAsCurrentUser(false);", [(H, 2), (R, 3)]),
    ("java-wsc-connection", "java", "connection.setDuplicateRuleHeader(true, true, true);", [(H, 1)]),
    ("java-wsc-false", "java", "_DuplicateRuleHeader header = new _DuplicateRuleHeader();\nheader.setAllowSave(false);", []),
    ("java-setter-without-header", "java", "config.setAllowSave(true);", []),
    ("java-text-block", "java", f'String h = """\n    {HDR}: allowSave=true\n    """;', [(H, 2)]),
    ("java-comment", "java", f'// post.setHeader("{HDR}", "allowSave=true");\nint x = 1;', []),
    # --- acknowledgements ----------------------------------------------------------------
    ("ack-line-above", "apex", "// sfclean: allow-duplicate-bypass legacy import, reviewed 2024-05\ndml.DuplicateRuleHeader.allowSave = true;", [("code-acknowledged", 2)]),
    ("ack-same-line", "python", f"h = {{'{HDR}': 'allowSave=true'}}  # sfclean: allow-duplicate-bypass migration only", [("code-acknowledged", 1)]),
    ("ack-without-reason", "apex", "// sfclean: allow-duplicate-bypass\ndml.DuplicateRuleHeader.allowSave = true;", [(T, 2)]),
    ("ack-too-far-above", "apex", "// sfclean: allow-duplicate-bypass reviewed\n\ndml.DuplicateRuleHeader.allowSave = true;", [(T, 3)]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [pytest.param(lang, text, exp, id=name) for name, lang, text, exp in CASES],
)
def test_scan_table(language: str, text: str, expected: list[tuple[str, int]]) -> None:
    found = scan_text(text, language=language, subject="x")
    assert [(f.code, f.line) for f in found] == expected


def test_table_has_at_least_sixty_cases_in_every_language() -> None:
    assert len(CASES) >= 60
    assert {lang for _, lang, _, _ in CASES} == {
        "apex",
        "python",
        "javascript",
        "typescript",
        "java",
    }


def test_finding_carries_severity_message_fix_source_and_snippet() -> None:
    (found,) = scan_text(
        "x = 1\ndml.DuplicateRuleHeader.allowSave = true;   ", language="apex", subject="Loader"
    )
    severity, message, fix, source = CODE_INFO["code-allowsave-true"]
    assert (found.severity, found.message, found.fix, found.source) == (
        severity,
        message,
        fix,
        source,
    )
    assert found.severity == "high" and found.source.startswith("https://developer.salesforce.com/")
    assert found.snippet == "dml.DuplicateRuleHeader.allowSave = true;"
    assert found.where == "Loader:2" and found.language == "apex"
    assert repr(found) == "<Finding code-allowsave-true Loader:2>"


def test_severities_follow_the_issue() -> None:
    assert {code: info[0] for code, info in CODE_INFO.items()} == {
        "code-allowsave-true": "high",
        "code-header-allowsave-true": "high",
        "code-runascurrentuser-false": "medium",
        "code-allowsave-variable": "review",
        "code-package-switch": "review",
        "code-acknowledged": "info",
        "managed-code-hidden": "review",
    }


def test_acknowledged_hit_keeps_the_original_code_and_reason() -> None:
    (found,) = scan_text(
        "// sfclean: allow-duplicate-bypass legacy import\ndml.DuplicateRuleHeader.allowSave = true;",
        language="apex",
    )
    assert (found.code, found.severity) == ("code-acknowledged", "info")
    assert (found.acknowledged_code, found.reason) == ("code-allowsave-true", "legacy import")


def test_snippet_masks_secrets() -> None:
    text = (
        f"requests.post(url, headers={{'Authorization': 'Bearer 00D5g000004ABCD!AQ.secretpart', "
        f"'{HDR}': 'allowSave=true'}}, password='hunter2')"
    )
    (found,) = scan_text(text, language="python")
    assert "secretpart" not in found.snippet and "hunter2" not in found.snippet
    assert "00D5g000004ABCD" not in found.snippet and "allowSave=true" in found.snippet


def test_long_snippet_is_trimmed() -> None:
    text = "dml.DuplicateRuleHeader.allowSave = true; " + "x = 1; " * 100
    (found,) = scan_text(text, language="apex")
    assert len(found.snippet) == 160 and found.snippet.endswith("...")


def test_hidden_managed_class_is_a_blind_spot_naming_its_namespace() -> None:
    (found,) = scan_apex_record(
        {"Name": "UTIL_DMLService", "NamespacePrefix": "npsp", "Body": "(hidden)"}
    )
    assert (found.code, found.severity, found.subject) == (
        "managed-code-hidden",
        "review",
        "npsp__UTIL_DMLService",
    )
    assert "namespace npsp" in found.message and found.line == 0


def test_readable_apex_record_is_scanned_and_empty_body_gives_nothing() -> None:
    body = "public class A {\n  void m() { dml.DuplicateRuleHeader.allowSave = true; }\n}"
    (found,) = scan_apex_record({"Name": "A", "Body": body})
    assert (found.code, found.where) == ("code-allowsave-true", "A:2")
    assert scan_apex_record({"Name": "B", "Body": None}) == []


def test_scan_paths_walks_directories_honouring_extensions_and_skips(tmp_path: Path) -> None:
    hit = f"headers = {{'{HDR}': 'allowSave=true'}}\n"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "load.py").write_text(hit, encoding="utf-8")
    (tmp_path / "src" / "Loader.cls").write_text(
        "dml.DuplicateRuleHeader.allowSave = true;", encoding="utf-8"
    )
    (tmp_path / "src" / "notes.md").write_text(hit, encoding="utf-8")
    for skipped in ("node_modules", ".git", "venv", ".venv"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "x.js").write_text(
            f"const h = {{'{HDR}': 'allowSave=true'}};", encoding="utf-8"
        )
    (tmp_path / "latin1.py").write_bytes(b"# caf\xe9\n" + hit.encode())
    found = scan_paths([tmp_path])
    assert sorted((Path(f.subject).name, f.code, f.line) for f in found) == [
        ("Loader.cls", "code-allowsave-true", 1),
        ("latin1.py", "code-header-allowsave-true", 2),
        ("load.py", "code-header-allowsave-true", 1),
    ]
    assert scan_paths([tmp_path / "src" / "load.py"])[0].language == "python"


def test_language_for_extensions() -> None:
    assert [language_for(p) for p in ("a.cls", "b.TRIGGER", "c.ts", "d.mjs", "e.java", "f.txt")] == [
        "apex", "apex", "typescript", "javascript", "java", None,
    ]  # fmt: skip


def test_broken_python_falls_back_and_still_ignores_comments() -> None:
    text = f"def broken(:\n    # '{HDR}': 'allowSave=true'\n    h = {{'{HDR}': 'allowSave=true'}}"
    assert [(f.code, f.line) for f in scan_text(text, language="python")] == [
        ("code-header-allowsave-true", 3)
    ]


# --- properties ----------------------------------------------------------------------------

_PROGRAMS = {
    "apex": "public class A {\n  void m() {\n    Database.DMLOptions dml = new Database.DMLOptions();\n    dml.DuplicateRuleHeader.allowSave = true;\n    dml.DuplicateRuleHeader.runAsCurrentUser = false;\n    insert x;\n  }\n}",
    "python": f"import requests\n\ndef load(sf, rec):\n    h = {{'{HDR}': 'allowSave=true'}}\n    return sf.Lead.create(rec, headers=h)\n",
    "javascript": f"async function f(conn, rec) {{\n  const h = {{ '{HDR}': 'allowSave=true' }};\n  return conn.sobject('Lead').create(rec, {{ headers: h }});\n}}\n",
    "java": f'class A {{\n  void m() {{\n    post.setHeader("{HDR}", "allowSave=true");\n  }}\n}}\n',
}  # fmt: skip
_COMMENT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ),
    max_size=80,
)


def _with_comment(language: str, text: str, comment: str, at: int) -> str:
    lines = text.split("\n")
    at = at % (len(lines) + 1)
    mark = "#" if language == "python" else "//"
    indent = (
        "    "
        if language == "python" and 0 < at < len(lines) and lines[at - 1].startswith("    ")
        else ""
    )
    return "\n".join([*lines[:at], f"{indent}{mark} {comment}", *lines[at:]])


@settings(max_examples=150, deadline=None)
@given(language=st.sampled_from(sorted(_PROGRAMS)), comment=_COMMENT, at=st.integers(0, 50))
def test_inserting_a_comment_line_never_creates_a_finding(
    language: str, comment: str, at: int
) -> None:
    text = _PROGRAMS[language]
    before = scan_text(text, language=language)
    after = scan_text(_with_comment(language, text, comment, at), language=language)
    assert len(after) == len(before)
    assert [f.acknowledged_code or f.code for f in after] == [f.code for f in before]


@settings(max_examples=100, deadline=None)
@given(comment=_COMMENT.filter(lambda c: "*/" not in c), at=st.integers(0, 50))
def test_inserting_a_block_comment_never_creates_a_finding(comment: str, at: int) -> None:
    text = _PROGRAMS["apex"]
    lines = text.split("\n")
    at %= len(lines) + 1
    changed = "\n".join([*lines[:at], f"/* {comment} */", *lines[at:]])
    assert [f.code for f in scan_text(changed, language="apex")] == [
        f.code for f in scan_text(text, language="apex")
    ] or "allow-duplicate-bypass" in comment


@settings(max_examples=100, deadline=None)
@given(blank_lines=st.lists(st.integers(0, 3), min_size=9, max_size=9))
def test_line_numbers_follow_the_text(blank_lines: list[int]) -> None:
    lines = _PROGRAMS["apex"].split("\n")
    out: list[str] = []
    expected: dict[str, int] = {}
    for n, line in enumerate(lines):
        out.extend([""] * blank_lines[n])
        out.append(line)
        if "allowSave" in line:
            expected["code-allowsave-true"] = len(out)
        if "runAsCurrentUser" in line:
            expected["code-runascurrentuser-false"] = len(out)
    found = scan_text("\n".join(out), language="apex")
    assert {f.code: f.line for f in found} == expected
    assert all(isinstance(f, Finding) for f in found)
