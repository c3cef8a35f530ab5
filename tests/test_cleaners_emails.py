"""Email cleaning: trimming, unwrapping, lowercasing, validation, and the fast path."""

from __future__ import annotations

import email_validator
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sfclean.cleaners.emails import clean_email, fast_email_ok


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
        ("josé@exämple.com", "josé@exämple.com", "ok", ()),
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
        ("N/A", "n/a", "invalid", ("email-lowercased",)),
    ],
)
def test_clean_email(raw: str, value: str, status: str, changes: tuple[str, ...]) -> None:
    result = clean_email(raw)
    assert (result.value, result.status, result.changes) == (value, status, changes)
    if status == "invalid":
        assert result.message


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
    """Every address the fast path accepts, email-validator accepts unchanged."""
    if fast_email_ok(address):
        assert _library(address) == address


@settings(max_examples=300, deadline=None)
@given(_shaped | _anything)
def test_clean_email_is_idempotent(raw: str) -> None:
    first = clean_email(raw)
    if first.status == "ok":
        second = clean_email(first.value)
        assert (second.value, second.status, second.changes) == (first.value, "ok", ())


_padded = st.builds(
    lambda left, address, upper, right: left + (address.upper() if upper else address) + right,
    st.sampled_from(["", " ", "\t", "\u00a0", "\x1f", "\n"]),
    _shaped,
    st.booleans(),
    st.sampled_from(["", " ", "\r", "  \x0b", "\u200b"]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        _shaped | _padded | _anything | st.sampled_from([" A@B.COM ", "Sara <s@x.io>", ""]),
        max_size=12,
    )
)
def test_batch_agrees_with_single(values: list[str]) -> None:
    # clean_email_batch is clean_email_column's results as EmailResults
    from sfclean.cleaners.emails import FAST_EMAIL_LINE_RE, clean_email_batch
    from sfclean.cleaners.lines import join_lines

    assert clean_email_batch(values) == [clean_email(v) for v in values]
    # the scan gives one answer per cell (else everything silently takes the slow path)
    if values:
        assert len(FAST_EMAIL_LINE_RE.findall(join_lines(values).text.lower())) == len(values)


_LIMITS = [
    "a" * 64 + "@x.com",
    "a" * 65 + "@x.com",
    "a@" + "b" * 63 + ".com",
    "a@" + "b" * 64 + ".com",
    "a@" + ".".join(["b" * 60] * 4) + ".com",
    "a" * 60 + "@" + ".".join(["b" * 60] * 3) + ".co",
    "a" * 60 + "@" + ".".join(["b" * 60] * 3) + ".com",
    "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".com",  # 254 characters: valid
    "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".coms",  # 255: too long
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
