"""normalize's ``internationalized`` option (orgs with Email Address Internationalization on),
in the library and as ``--internationalized-emails`` on the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfclean import normalize, read_csv
from sfclean.cli import cli
from sfclean.codes import CODES, DUPLICATE_IN_FILE, EMAIL_NOT_ASCII

ROWS = [
    {"FirstName": "Jürgen", "Email": "Jürgen.Müller@Firma.de"},
    {"FirstName": "Chloé", "Email": " chloé@exemple.fr"},
    {"FirstName": "Ann", "Email": "ann@example.com"},
    {"FirstName": "Eve", "Email": "eve@bücher.de"},
    {"FirstName": "Wei", "Email": "用户@例子.中国"},
    {"FirstName": "Zoë", "Email": "zoe\u0308@example.com"},  # decomposed: kept in NFC
    {"FirstName": "Jürgen", "Email": "jürgen.müller@firma.de"},  # the first row again
]


def _frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, dtype="str")


def _reasons(result: object) -> dict[int, str]:
    held = result.held_back  # type: ignore[attr-defined]
    return dict(zip(held["sfclean_row"], held["sfclean_reason"], strict=True))


def test_without_the_option_non_ascii_local_parts_are_held_back_with_their_code() -> None:
    result = normalize(_frame(ROWS))
    assert _reasons(result) == dict.fromkeys((2, 3, 6, 7, 8), "email-not-ascii")
    held = result.held_back.set_index("sfclean_row")
    assert held.loc[2, "Email"] == "Jürgen.Müller@Firma.de"  # the original value
    assert "Email Address Internationalization" in held.loc[2, "sfclean_detail"]
    # the domain-only row goes on in its ASCII form; the code is the registry's
    assert result.kept["Email"].tolist() == ["ann@example.com", "eve@xn--bcher-kva.de"]
    assert CODES.get(EMAIL_NOT_ASCII, "reason").stage == "normalize"


def test_with_the_option_they_are_kept_and_normalised() -> None:
    result = normalize(_frame(ROWS), internationalized=True)
    assert result.kept.set_index("sfclean_row")["Email"].to_dict() == {
        2: "jürgen.müller@firma.de",
        3: "chloé@exemple.fr",
        4: "ann@example.com",
        5: "eve@xn--bcher-kva.de",  # an ASCII local part: as without the option
        6: "用户@例子.中国",
        7: "zo\u00eb@example.com",
    }
    # the last row repeats the first once both are normalised: an in-file duplicate
    assert _reasons(result) == {8: DUPLICATE_IN_FILE}
    codes = result.findings.groupby("row")["code"].apply(set).to_dict()
    assert codes[2] == {"email-lowercased"}
    assert codes[3] == {"whitespace-trimmed"}
    assert codes[7] == {"email-normalized"}  # NFC


@pytest.mark.parametrize("internationalized", [False, True])
def test_both_spellings_of_a_unicode_domain_are_one_mailbox(internationalized: bool) -> None:
    rows = [{"Email": "ann@bücher.de"}, {"Email": "Ann@xn--bcher-kva.de"}]
    result = normalize(_frame(rows), internationalized=internationalized)
    assert result.kept["Email"].tolist() == ["ann@xn--bcher-kva.de"]
    assert _reasons(result) == {3: DUPLICATE_IN_FILE}


@pytest.mark.parametrize("internationalized", [False, True])
def test_every_row_has_one_outcome_either_way(internationalized: bool) -> None:
    result = normalize(_frame(ROWS), internationalized=internationalized)
    rows = result.kept["sfclean_row"].tolist() + result.held_back["sfclean_row"].tolist()
    assert sorted(rows) == list(range(2, len(ROWS) + 2))


def test_the_option_still_holds_back_what_even_an_eai_org_refuses() -> None:
    rows = [
        {"Email": "jürgen@firma.con"},  # no such TLD
        {"Email": "ü" * 70 + "@example.de"},  # past the Email field's 80 characters
        {"Email": "jürgen..x@firma.de"},  # two dots: email-validator refuses it
        {"Email": "kontakt@müller.de"},  # a role mailbox, in German
    ]
    result = normalize(_frame(rows), internationalized=True)
    assert _reasons(result) == {
        2: "unknown-tld",
        3: "email-too-long",
        4: "invalid-email",
        5: "role-mailbox",
    }


# --- properties ---------------------------------------------------------------------------

_ascii_emails = st.sampled_from(
    [
        "sara@acme.com",
        " Sara@Acme.com ",
        "Sara Lee <sara@acme.com>",
        "ann@xn--bcher-kva.de",
        "info@acme.com",
        "bad",
        "",
        "N/A",
        "a..b@x.jp",
    ]
) | st.text(alphabet="abc@. +<>", max_size=12)
_any_emails = (
    _ascii_emails
    | st.sampled_from(
        [
            "jürgen@firma.de",
            "Jürgen@Firma.de",
            "eve@bücher.de",
            "Eve@BÜCHER.de",
            "用户@例子.中国",
            "josé@exämple.com",
            "jürgen@firma.con",
            "\u212aelvin@x.com",  # the Kelvin sign lowercases to ASCII k
        ]
    )
    | st.text(alphabet="aüé@. K\u212a", max_size=10)
)


def _rows(emails: st.SearchStrategy[str]) -> st.SearchStrategy[list[dict[str, str]]]:
    return st.lists(
        st.fixed_dictionaries(
            {
                "Email": emails,
                "Phone": st.sampled_from(["(415) 555-0123", "", "123"]),
                "Note": st.sampled_from(["", "x"]),
            }
        ),
        max_size=10,
    )


_OPTIONS = st.fixed_dictionaries(
    {"match_key": st.sampled_from(["email", "provider"]), "fill_blanks": st.booleans()}
)
_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_rows(_ascii_emails), _OPTIONS)
def test_the_option_never_changes_ascii_results(rows: list[dict[str, str]], options: dict) -> None:
    df = pd.DataFrame(rows, columns=["Email", "Phone", "Note"], dtype="str")
    plain, eai = normalize(df, **options), normalize(df, internationalized=True, **options)
    pd.testing.assert_frame_equal(plain.kept, eai.kept)
    pd.testing.assert_frame_equal(plain.held_back, eai.held_back)
    pd.testing.assert_frame_equal(plain.findings, eai.findings)


@_SETTINGS
@given(_rows(_any_emails), _OPTIONS)
def test_the_option_only_turns_held_back_rows_into_kept_rows(
    rows: list[dict[str, str]], options: dict
) -> None:
    df = pd.DataFrame(rows, columns=["Email", "Phone", "Note"], dtype="str")
    plain, eai = normalize(df, **options), normalize(df, internationalized=True, **options)
    kept_plain = set(plain.kept["sfclean_row"])
    kept_eai = set(eai.kept["sfclean_row"])
    assert kept_plain <= kept_eai
    reasons = _reasons(plain)
    # a row the option lets through was held back because of its non-ASCII address, or as
    # a duplicate of one written another way (ann@bücher.de, ann@xn--bcher-kva.de)
    assert {reasons[r] for r in kept_eai - kept_plain} <= {EMAIL_NOT_ASCII, DUPLICATE_IN_FILE}
    assert EMAIL_NOT_ASCII not in set(eai.held_back["sfclean_reason"])
    every = sorted(kept_eai | set(eai.held_back["sfclean_row"]))
    assert every == list(range(2, len(rows) + 2))
    assert len(eai.kept) + len(eai.held_back) == len(rows)


# --- the CLI ------------------------------------------------------------------------------


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    _frame(ROWS).to_csv(path, index=False, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("flags", "kept", "not_ascii"),
    [([], 2, 5), (["--internationalized-emails"], 6, 0)],
)
def test_the_cli_flag(tmp_path: Path, flags: list[str], kept: int, not_ascii: int) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["normalize", str(_csv(tmp_path)), "--out", str(out), *flags])
    assert result.exit_code == 0, result.output
    clean, rejected = read_csv(out / "clean.csv"), read_csv(out / "rejected.csv")
    assert len(clean) == kept and len(clean) + len(rejected) == len(ROWS)
    assert (rejected["sfclean_reason"] == EMAIL_NOT_ASCII).sum() == not_ascii
    if flags:
        assert "jürgen.müller@firma.de" in clean["Email"].tolist()


def test_the_flag_is_in_normalize_and_run_help() -> None:
    for command in ("normalize", "run"):
        shown = CliRunner().invoke(cli, [command, "--help"]).output
        assert "--internationalized-emails" in shown, command
