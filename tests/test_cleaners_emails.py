"""Email cleaning: trimming, unwrapping, lowercasing, validation, and the fast path.

What a standard org accepts follows Salesforce Help articles 000384328 ("Salesforce Email
Address Format Technical Standards Validation": Email fields hold 80 characters, EAI for
non-Latin characters) and 000001145 (the local-part and domain character lists); see the
docstring of sfclean/cleaners/emails.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import email_validator
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sfclean.cleaners.domains import known_tld, tld_hint
from sfclean.cleaners.emails import EmailResult, clean_email, fast_email_ok, tld_ok


@pytest.mark.parametrize(
    ("raw", "value", "status", "changes"),
    [
        ("sara@x.com", "sara@x.com", "ok", ()),
        ("  sara@x.com ", "sara@x.com", "ok", ("whitespace-trimmed",)),
        ("\u00a0sara@x.com\u00a0", "sara@x.com", "ok", ("whitespace-trimmed",)),
        ("sara@x.com\u200b", "sara@x.com", "ok", ("whitespace-trimmed",)),
        ("\ufeffsa\u200bra@x.com", "sara@x.com", "ok", ("whitespace-trimmed",)),
        ("Sara@X.COM", "sara@x.com", "ok", ("email-lowercased",)),
        ("Sara Lee <sara@x.com>", "sara@x.com", "ok", ("email-unwrapped",)),
        ('"Lee, Sara" <sara@x.com>', "sara@x.com", "ok", ("email-unwrapped",)),
        ("<sara@x.com>", "sara@x.com", "ok", ("email-unwrapped",)),
        ("mailto:sara@x.com", "sara@x.com", "ok", ("email-unwrapped",)),
        ("MAILTO:Sara@x.com", "sara@x.com", "ok", ("email-unwrapped", "email-lowercased")),
        ("mailto:sara@x.com?subject=hi", "sara@x.com", "ok", ("email-unwrapped",)),
        ("Sara <mailto:sara@x.com>", "sara@x.com", "ok", ("email-unwrapped",)),
        ("sara.o'neil+news@sub.x.co.uk", "sara.o'neil+news@sub.x.co.uk", "ok", ()),
        ("josé@exämple.com", "josé@exämple.com", "invalid", ()),  # email-not-ascii
        ("jose@exämple.com", "jose@xn--exmple-cua.com", "ok", ("email-domain-punycoded",)),
        ("", "", "missing", ()),
        ("   ", "", "missing", ("whitespace-trimmed",)),
        ("Sara <>", "", "missing", ("email-unwrapped",)),
        ("sara", "sara", "invalid", ()),
        ("sara@", "sara@", "invalid", ()),
        ("sara@@x.com", "sara@@x.com", "invalid", ()),
        ("sara@x", "sara@x", "invalid", ()),
        ("sara lee@x.com", "sara lee@x.com", "invalid", ()),
        ("sara@x..com", "sara@x..com", "invalid", ()),
        ("sara@localhost", "sara@localhost", "invalid", ()),
        ("sara@x.test", "sara@x.test", "invalid", ()),
        ("N/A", "", "missing", ()),
    ],
)
def test_clean_email(raw: str, value: str, status: str, changes: tuple[str, ...]) -> None:
    result = clean_email(raw)
    assert (result.value, result.status, result.changes) == (value, status, changes)
    assert (result.reason == "") == (status == "ok")
    if status == "invalid":
        assert result.message


_LONG = "a" * 69 + "@example.com"  # 81 characters


@pytest.mark.parametrize(
    ("raw", "value", "reason", "message"),
    [
        # a standard org refuses a non-ASCII local part (INVALID_EMAIL_ADDRESS)
        ("Jürgen@x.de", "jürgen@x.de", "email-not-ascii", "non-ASCII"),
        ("chloé.martin@example.fr", "chloé.martin@example.fr", "email-not-ascii", "non-ASCII"),
        ("zoë@bücher.de", "zoë@bücher.de", "email-not-ascii", "Internationalization"),
        ("用户@例子.中国", "用户@例子.中国", "email-not-ascii", "non-ASCII"),
        # ... but a non-ASCII local part that is also broken is just invalid
        ("jürgen..x@x.de", "jürgen..x@x.de", "invalid-email", "period"),
        ("jürgen@x", "jürgen@x", "invalid-email", ""),
        # the Email field holds 80 characters
        (_LONG, _LONG, "email-too-long", "81 characters"),
        (
            "a" * 64 + "@" + "b" * 60 + ".com",
            "a" * 64 + "@" + "b" * 60 + ".com",
            "email-too-long",
            "",
        ),
        # quoted local parts and IP-literal domains: not in the org's character lists
        ('"ann lee"@x.com', '"ann lee"@x.com', "invalid-email", ""),
        ('"ann"@x.com', '"ann"@x.com', "invalid-email", "Quoting"),
        ("ann@[10.0.0.1]", "ann@[10.0.0.1]", "invalid-email", "IP address"),
        ("ann@[IPv6:2001:db8::1]", "ann@[ipv6:2001:db8::1]", "invalid-email", ""),
        # top-level domains that do not exist
        ("ann@acme-corp.con", "ann@acme-corp.con", "unknown-tld", "did you mean .com?"),
        ("Ann@GMAIL.CMO", "ann@gmail.cmo", "unknown-tld", "did you mean .com?"),
        ("ann@web.dee", "ann@web.dee", "unknown-tld", "did you mean .de?"),
        ("ann@acme.ogr", "ann@acme.ogr", "unknown-tld", "did you mean .org?"),
        ("ann@acme.nett", "ann@acme.nett", "unknown-tld", "did you mean .net?"),
        ("ann@acme.zzqq", "ann@acme.zzqq", "unknown-tld", "'.zzqq' is not a top-level domain"),
        ("ann@acme.exampel", "ann@acme.exampel", "unknown-tld", ""),
        # placeholders that mean "no address"
        ("N/A", "", "missing-email", "stands for no address"),
        ("n/a", "", "missing-email", ""),
        ("#N/A", "", "missing-email", ""),
        ("-", "", "missing-email", ""),
        ("none", "", "missing-email", ""),
        ("None", "", "missing-email", ""),
        ("null", "", "missing-email", ""),
        ("NULL", "", "missing-email", ""),
        (" NULL ", "", "missing-email", ""),
        ("'N/A", "", "missing-email", ""),
        ("", "", "missing-email", ""),
    ],
)
def test_held_back_addresses(raw: str, value: str, reason: str, message: str) -> None:
    result = clean_email(raw)
    assert (result.value, result.reason) == (value, reason)
    assert result.status == ("missing" if reason == "missing-email" else "invalid")
    assert message in result.message


@pytest.mark.parametrize(
    ("raw", "value", "changes"),
    [
        # Excel's leading apostrophe ("store as text")
        ("'ann@x.com", "ann@x.com", ("apostrophe-removed",)),
        (
            " 'Ann@X.com",
            "ann@x.com",
            ("whitespace-trimmed", "apostrophe-removed", "email-lowercased"),
        ),
        ("'Ann Lee <ann@x.com>", "ann@x.com", ("apostrophe-removed", "email-unwrapped")),
        ("o'neil@x.com", "o'neil@x.com", ()),  # an apostrophe inside stays
        # a stray separator at either end
        ("ann@x.com;", "ann@x.com", ("email-separator-trimmed",)),
        ("ann@x.com,", "ann@x.com", ("email-separator-trimmed",)),
        ("ann@x.com ; ", "ann@x.com", ("whitespace-trimmed", "email-separator-trimmed")),
        (";ann@x.com", "ann@x.com", ("email-separator-trimmed",)),
        ("<ann@x.com>;", "ann@x.com", ("email-separator-trimmed",)),
        # several addresses: the first
        ("a@x.com; b@y.com", "a@x.com", ("email-first-of-several",)),
        ("a@x.com;b@y.com", "a@x.com", ("email-first-of-several",)),
        ("a@x.com, b@y.com", "a@x.com", ("email-first-of-several",)),
        ("a@x.com / b@y.com", "a@x.com", ("email-first-of-several",)),
        ("a@x.com b@y.com", "a@x.com", ("email-first-of-several",)),
        ("A@x.com; B@y.com; c@z.com;", "a@x.com", ("email-first-of-several", "email-lowercased")),
        ("Ann <a@x.com>, Bob <b@y.com>", "a@x.com", ("email-first-of-several",)),
        ('"Lee, Ann" <a@x.com>', "a@x.com", ("email-unwrapped",)),  # one address, a comma
        # internationalized domains: the ASCII (xn--) form a standard org takes
        ("ann@bücher.de", "ann@xn--bcher-kva.de", ("email-domain-punycoded",)),
        ("Ann@Bücher.DE", "ann@xn--bcher-kva.de", ("email-lowercased", "email-domain-punycoded")),
        ("ann@xn--bcher-kva.de", "ann@xn--bcher-kva.de", ()),
        ("ivan@пример.рф", "ivan@xn--e1afmkfd.xn--p1ai", ("email-domain-punycoded",)),
        # exactly 80 characters fits
        ("a" * 68 + "@example.com", "a" * 68 + "@example.com", ()),
    ],
)
def test_spreadsheet_cells_and_idn_domains(raw: str, value: str, changes: tuple[str, ...]) -> None:
    result = clean_email(raw)
    assert (result.value, result.status, result.changes, result.reason) == (
        value,
        "ok",
        changes,
        "",
    )


def test_first_of_several_says_how_many() -> None:
    assert clean_email("a@x.com; b@y.com; c@z.com").message == (
        "3 addresses in the cell; the first is kept"
    )


@pytest.mark.parametrize(
    ("raw", "value", "changes"),
    [
        ("Jürgen@x.de", "jürgen@x.de", ("email-lowercased",)),
        ("chloé@bücher.de", "chloé@bücher.de", ()),
        # an ASCII local part: the same as without the option, so the two spellings of one
        # mailbox stay one (whether an EAI org rewrites xn-- on save is UNCONFIRMED)
        ("ann@bücher.de", "ann@xn--bcher-kva.de", ("email-domain-punycoded",)),
        ("ann@xn--bcher-kva.de", "ann@xn--bcher-kva.de", ()),
        ("用户@例子.中国", "用户@例子.中国", ()),
        ("cafe\u0301@x.fr", "café@x.fr", ("email-normalized",)),  # NFC
    ],
)
def test_internationalized_orgs_accept_utf8_local_parts(
    raw: str, value: str, changes: tuple[str, ...]
) -> None:
    result = clean_email(raw, internationalized=True)
    assert (result.value, result.status, result.changes) == (value, "ok", changes)


def test_internationalized_still_checks_length_and_tld() -> None:
    assert clean_email("jürgen@x.con", internationalized=True).reason == "unknown-tld"
    assert clean_email("ü" * 70 + "@example.de", internationalized=True).reason == (
        "email-too-long"
    )


@pytest.mark.parametrize(
    ("tld", "known"),
    [
        ("com", True),
        ("de", True),
        ("museum", True),
        ("xn--p1ai", True),
        ("рф", True),
        ("con", False),
        ("cmo", False),
        ("", False),
        ("co.uk", False),
    ],
)
def test_known_tld(tld: str, known: bool) -> None:
    assert known_tld(tld) is known


@pytest.mark.parametrize(
    "tld",
    [
        "se",  # the list also has the rule x.se (a Swedish county), so x.se is a suffix itself
        "bg",  # likewise x.bg
        "jm",  # *.jm only: a wildcard rule implies its root
        "ck",  # *.ck and !www.ck
        "np",
        "pg",
    ],
)
def test_tlds_of_wildcard_and_single_letter_rules_are_known(tld: str) -> None:
    # a TLD is known when the list has it as a suffix, whatever the list says about x.<tld>
    assert known_tld(tld) is True


@pytest.mark.parametrize("address", ["anna@volvo.se", "ivan@abv.bg", "a@digicel.com.jm"])
def test_addresses_at_such_tlds_are_kept(address: str) -> None:
    assert clean_email(address).status != "invalid"


def _every_rule_label() -> list[str]:
    import publicsuffixlist

    from sfclean.cleaners import domains

    with open(publicsuffixlist.PSLFILE, "rb") as handle:
        return sorted(domains._ascii_labels(handle.read()))


def test_the_kept_tlds_are_the_lists_own_answers() -> None:
    # every label of every rule (the TLDs among them), asked both ways
    from sfclean.cleaners import domains

    labels = _every_rule_label()
    assert len(labels) > 1000 and "com" in labels and "xn--p1ai" in labels
    assert [domains.known_tld(t) for t in labels] == [domains._listed(t) for t in labels]


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-*!xn", max_size=12) | st.text(max_size=4)
)
def test_known_tld_is_the_lists_answer(tld: str) -> None:
    from sfclean.cleaners import domains

    domains.known_tld.cache_clear()
    assert known_tld(tld) is (bool(tld) and "." not in tld and domains._listed(tld))


def test_the_known_tlds_come_back_from_their_cache_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kept on disk; read back without the list; a damaged file is built again
    from sfclean.cleaners import domains

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    domains._ascii_tlds.cache_clear()
    built = domains._ascii_tlds()
    [path] = tmp_path.glob("sfclean/known-tlds-*.json")
    assert "com" in built and "con" not in built
    monkeypatch.setattr(domains, "_listed", lambda tld: pytest.fail("the list was asked"))
    domains._ascii_tlds.cache_clear()
    assert domains._ascii_tlds() == built
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path.write_text('["com", 3]', encoding="utf-8")  # not a list of names
    domains._ascii_tlds.cache_clear()
    assert domains._ascii_tlds() == built
    assert json.loads(path.read_text(encoding="utf-8")) == sorted(built)  # written again
    domains._ascii_tlds.cache_clear()


@pytest.mark.parametrize(
    ("tld", "hint"),
    [
        ("con", "com"),
        ("cmo", "com"),
        ("ocm", "com"),
        ("comm", "com"),
        ("dee", "de"),
        ("zzqq", None),
    ],
)
def test_tld_hint(tld: str, hint: str | None) -> None:
    assert tld_hint(tld) == hint


def test_invalid_email_message_comes_from_email_validator() -> None:
    assert "@-sign" in clean_email("sara").message


# --- fast path agreement ---------------------------------------------------------------

_ATEXT = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-"
_atom = st.text(alphabet=_ATEXT, min_size=1, max_size=12)
_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_local = st.lists(_atom, min_size=1, max_size=4).map(".".join)
_tld = st.sampled_from(
    ["com", "org", "io", "co", "uk", "test", "local", "localhost", "invalid", "onion", "arpa"]
) | st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_domain = st.builds(
    lambda labels, tld: ".".join([*labels, tld]), st.lists(_label, min_size=0, max_size=3), _tld
)
_shaped = st.builds(lambda local, domain: f"{local}@{domain}", _local, _domain)
_anything = st.text(
    alphabet=st.sampled_from([*_ATEXT, *'.@"()<>[]\\ ,;:', "é", "\u00a0"]), max_size=40
)
_padded_any = st.builds(
    lambda left, address, right: left + address + right,
    st.sampled_from(["", "'", " '", "<", "mailto:"]),
    st.builds(lambda a, b: f"{a}@{b}", _local | st.just("jürgen"), _domain | st.just("bücher.de")),
    st.sampled_from(["", ";", ",", ">", "; b@y.com", " / b@y.com"]),
)


def _library(address: str) -> str | None:
    try:
        return email_validator.validate_email(address, check_deliverability=False).normalized
    except email_validator.EmailNotValidError:
        return None


@settings(max_examples=600, deadline=None)
@given(_shaped | _anything)
@example("a@b.co")
@example("a@xn--bcher-kva.com")
@example("a@b--c.com")
@example("a" * 64 + "@x.com")
@example("a" * 65 + "@x.com")
@example("a@" + "b" * 63 + ".com")
@example("a@" + "b" * 64 + ".com")
@example("a@" + ".".join(["b" * 60] * 4) + ".com")
@example("a@b.123")
@example(".a@b.com")
@example("a.@b.com")
@example("a@-b.com")
@example("a@sub.localhost")
@example("a@b.c")
@example("a@b.c1")
@example("a@1.com")
@example("a@b-.com")
@example("a@.com")
@example("@b.com")
@example("a@b@c.com")
def test_fast_path_agrees_with_email_validator(address: str) -> None:
    """Every address the fast path accepts, email-validator and clean_email accept unchanged."""
    if fast_email_ok(address):
        assert _library(address) == address
        assert clean_email(address, check_deliverability=False) == EmailResult(address, "ok")
        assert clean_email(address, internationalized=True) == EmailResult(address, "ok")


@settings(max_examples=300, deadline=None)
@given(_shaped | _anything | _padded_any)
def test_what_goes_on_is_what_a_standard_org_takes(raw: str) -> None:
    """An address that goes on is ASCII, at most 80 characters, in the org's character lists
    (no quotes, brackets or spaces), with a TLD on the Public Suffix List."""
    result = clean_email(raw)
    if result.status == "ok":
        value = result.value
        assert value.isascii() and len(value) <= 80
        local, _, domain = value.rpartition("@")
        assert local
        assert all(c.isalnum() or c in "!#$%&'*+/=?^_`{|}~-." for c in local)
        assert all(c.isalnum() or c in "-." for c in domain)
        assert tld_ok(domain.rsplit(".", 1)[1])


@settings(max_examples=300, deadline=None)
@given(_shaped | _anything)
def test_clean_email_is_idempotent(raw: str) -> None:
    first = clean_email(raw)
    if first.status == "ok":
        second = clean_email(first.value)
        assert (second.value, second.status, second.changes) == (first.value, "ok", ())


_padded = st.builds(
    lambda left, address, upper, right: left + (address.upper() if upper else address) + right,
    st.sampled_from(["", " ", "\t", "\u00a0", "\x1f", "\n", " \u00a0\ufeff", "\u3000"]),
    _shaped,
    st.booleans(),
    st.sampled_from(["", " ", "\r", "  \x0b", "\u200b", "\u00a0", "\u00a0 \u2060", "\u00a0é"]),
)
#: A zero-width character inside the address (trim_cell deletes those anywhere).
_split_by_zero_width = st.builds(
    lambda address, at, mark: address[:at] + mark + address[at:],
    _shaped,
    st.integers(0, 30),
    st.sampled_from(["\u200b", "\u200c", "\u2060", "\ufeff", "\u00a0"]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        _shaped
        | _padded
        | _split_by_zero_width
        | _anything
        | st.sampled_from([" A@B.COM ", "Sara <s@x.io>", "", " a@b.com\u00a0", "\u200b'a@b.com"]),
        max_size=12,
    )
)
def test_batch_agrees_with_single(values: list[str]) -> None:
    # clean_email_batch is clean_email_column's results as EmailResults
    from sfclean.cleaners.emailfast import FAST_EMAIL_LINE_RE
    from sfclean.cleaners.emails import clean_email_batch
    from sfclean.cleaners.lines import join_lines

    assert clean_email_batch(values) == [clean_email(v) for v in values]
    # the scan gives one answer per cell (else everything silently takes the slow path)
    if values:
        assert len(FAST_EMAIL_LINE_RE.findall(join_lines(values).text.lower())) == len(values)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        _shaped | _padded | _split_by_zero_width | _anything | st.sampled_from([" A@B.COM ", ""]),
        max_size=12,
    ),
    st.sampled_from(["string", "large_string"]),
)
def test_the_column_given_its_arrow_cells_answers_the_same(values: list[str], kind: str) -> None:
    """normalize hands the column its distinct values as reading gave them (pyarrow's,
    large_string from pandas); the answers are the same, and the column's ``cells`` are its
    values (the junk step reads them instead of converting the values again)."""
    import pyarrow as pa

    from sfclean.cleaners.emails import clean_email_column

    given = clean_email_column(values, cells=pa.array(values, getattr(pa, kind)()))
    alone = clean_email_column(values)
    for name in ("value", "status", "message", "reason", "change_id"):
        assert getattr(given, name).tolist() == getattr(alone, name).tolist()
    assert given.kinds == alone.kinds
    for col in (given, alone):
        assert (col.cells is None) == (not values)
        if col.cells is not None:
            assert col.cells.to_pylist() == col.value.tolist()


_LIMITS = [
    "a" * 64 + "@x.com",
    "a" * 65 + "@x.com",
    "a@" + "b" * 63 + ".com",
    "a@" + "b" * 64 + ".com",
    "a@" + ".".join(["b" * 60] * 4) + ".com",
    "a" * 60 + "@" + ".".join(["b" * 60] * 3) + ".co",
    "a" * 60 + "@" + ".".join(["b" * 60] * 3) + ".com",
    "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".com",  # 254 characters: too long for Email
    "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".coms",  # 255: too long
    "a" * 68 + "@example.com",  # 80 characters: fits the Email field
    "a" * 69 + "@example.com",  # 81: too long
    "a" * 60 + "@" + "b" * 15 + ".com",  # 80
    "a" * 60 + "@" + "b" * 16 + ".com",  # 81
    "'a@b.com",
    "a@b.con",
    "a@b.cmo",
    "a@sub.localhost",
    "a@b.test",
    "a@b.c",
    "a@b@c.com",
]


@pytest.mark.parametrize("pad", ["", " ", "\t\t", "   \r"])
def test_batch_agrees_with_single_at_the_limits(pad: str) -> None:
    # the multi-line scan counts lengths on the trimmed address, not the padded line
    from sfclean.cleaners.emails import clean_email_batch

    values = [pad + v + pad for v in _LIMITS] + [pad + v.upper() for v in _LIMITS]
    assert clean_email_batch(values) == [clean_email(v) for v in values]


#: Shaped addresses with the TLDs the Arrow scan knows (others take the multi-line scan).
_common = st.builds(
    lambda local, labels, tld: "@".join([local, ".".join([*labels, tld])]),
    _local,
    st.lists(_label, min_size=1, max_size=3),
    st.sampled_from(["com", "org", "de", "co", "uk", "se", "za"]),
)
_at_the_limits = st.builds(
    lambda pad, value, upper: pad + (value.upper() if upper else value) + pad,
    st.sampled_from(["", " ", "\t", " \r"]),
    st.sampled_from(_LIMITS),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        _shaped | _padded | _split_by_zero_width | _anything | _at_the_limits | _common,
        max_size=12,
    )
)
@example(["ann@x.com", " Ann@X.Org", "ann@x.test", "ann@x.con", "'ann@x.com", "a\n@x.com"])
def test_the_scan_accepts_what_fast_email_ok_accepts(values: list[str]) -> None:
    """The column scan (Arrow's RE2 over the cells with a common TLD, the multi-line scan for
    the rest) accepts exactly the cells fast_email_ok accepts once trimmed and lowercased,
    and says which of them were padded or in capitals."""
    from sfclean.cleaners.emailfast import scan_emails
    from sfclean.cleaners.text import trim_cell

    scan = scan_emails(values)
    assert scan is not None
    for i, value in enumerate(values):
        trimmed = trim_cell(value)
        ok = "\n" not in value and trimmed.isascii() and fast_email_ok(trimmed.lower())
        assert scan.fast[i] == ok
        if ok:
            assert scan.address[i].as_py() == trimmed.lower()
            assert (scan.trimmed[i], scan.cased[i]) == (
                trimmed != value,
                trimmed.lower() != trimmed,
            )


def test_the_common_tlds_take_the_arrow_scan() -> None:
    # the RE2 expression really accepts the usual address (else everything takes the slower
    # multi-line scan, silently), and refuses what fast_email_ok refuses around it
    import pyarrow as pa
    import pyarrow.compute as pc

    from sfclean.cleaners.emailfast import _common_shape

    cells = pa.array([" ann.lee@mail.example-corp.com\t", "'ann@x.com", "ann@x.test", "a@-x.com"])
    assert pc.match_substring_regex(cells, _common_shape()).to_pylist() == [
        True,
        False,
        False,
        False,
    ]


def test_a_lone_surrogate_takes_the_slow_path() -> None:
    # Arrow holds UTF-8 only: such a column goes through clean_email cell by cell
    from sfclean.cleaners.emails import clean_email_batch

    values = ["ann@x.com", "a\ud800@x.com", " Bob@X.com"]
    assert clean_email_batch(values) == [clean_email(v) for v in values]


def _two_calls(value: str) -> tuple[str, str] | None:
    """What a non-ASCII local part used to cost: email-validator without SMTPUTF8, then,
    refused, with it; (reason, message), None when the first call accepts it."""
    try:
        email_validator.validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except email_validator.EmailNotValidError as exc:
        try:
            email_validator.validate_email(value, check_deliverability=False, allow_smtputf8=True)
        except email_validator.EmailNotValidError:
            return "invalid-email", str(exc)
        return "email-not-ascii", clean_email("jürgen@x.de").message
    return None


_non_ascii_local = st.builds(
    lambda left, local, right, domain: f"{left}{local}{right}@{domain}",
    st.sampled_from(["", "a", "a.", ".", '"', "a b"]),
    st.sampled_from(["jürgen", "ü", "\u00a0", "é.é", "\u200bü", "日本"]),
    st.sampled_from(["", "b", ".", "..", '"', "@x"]),
    _domain | st.sampled_from(["bücher.de", "x.con", "[1.2.3.4]", "-x.com", "x..com"]),
)


@settings(max_examples=300, deadline=None)
@given(_non_ascii_local | _anything)
@example("jürgen@x.de")
@example("jürgen@x.con")
@example("jür gen@x.de")
def test_a_non_ascii_local_part_is_read_as_with_two_calls(raw: str) -> None:
    """clean_email asks email-validator with SMTPUTF8 first (one call for the usual
    email-not-ascii address): the same reason and message as the call without it followed
    by the one with it."""
    from sfclean.cleaners.emails import _prepare

    value = _prepare(raw)[0]
    if not value or value.rpartition("@")[0].isascii():
        return
    expected = _two_calls(value)
    result = clean_email(raw)
    if expected is None:
        assert result.status == "ok"
    else:
        assert (result.status, result.reason, result.message) == ("invalid", *expected)


def test_an_address_the_scan_keeps_as_it_is_is_the_same_object() -> None:
    # no new string per clean address: the column shares the caller's (and the frame's)
    from sfclean.cleaners.emails import clean_email_column

    values = ["".join(["ann", "@x.com"]), "Bob@x.com", " c@x.com", "jürgen@x.de", "d@x.con"]
    col = clean_email_column(values)
    assert col.value[0] is values[0]
    assert col.value.tolist()[1:3] == ["bob@x.com", "c@x.com"]
    assert col.reason.tolist() == ["", "", "", "email-not-ascii", "unknown-tld"]
