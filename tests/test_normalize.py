"""The normalize stage: rules end to end on small tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sfclean
from sfclean import JunkPolicy, normalize
from sfclean.errors import ColumnNotFoundError, ConfigError, InputError


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_exported_from_package() -> None:
    assert sfclean.normalize is normalize
    assert {"normalize", "NormalizeResult", "JunkPolicy", "ColumnMap", "find_columns"} <= set(
        sfclean.__all__
    )


def test_caller_frame_is_not_mutated() -> None:
    df = pd.DataFrame(
        {
            "Email": [" A@X.com ", "a@x.com", None],
            "Phone": ["(415) 555-0123", "4.1E+09", np.nan],
            "Id": ["001", "002", "003"],
        }
    )
    before = df.copy(deep=True)
    normalize(df, fill_blanks=True)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize(
    ("email", "reason", "detail"),
    [
        ("", "missing-email", "Email is blank"),
        ("\u00a0\u200b", "missing-email", "Email is blank"),
        ("sara@", "invalid-email", None),
        ("noreply@acme.com", "noreply-mailbox", "no-reply mailbox 'noreply'"),
        ("Do-Not-Reply@acme.com", "noreply-mailbox", "no-reply mailbox 'do-not-reply'"),
        ("info@acme.com", "role-mailbox", "role mailbox 'info'"),
        ("joe@mailinator.com", "disposable-domain", "disposable domain 'mailinator.com'"),
    ],
)
def test_email_reasons(email: str, reason: str, detail: str | None) -> None:
    result = normalize(_frame([{"Email": "ok@acme.com"}, {"Email": email}]))
    assert result.kept["Email"].tolist() == ["ok@acme.com"]
    row = result.held_back.iloc[0]
    assert (row["sfclean_row"], row["sfclean_reason"]) == (3, reason)
    assert row["Email"] == email  # original value kept
    if detail is not None:
        assert row["sfclean_detail"] == detail
    else:
        assert row["sfclean_detail"]


def test_clean_values_and_findings() -> None:
    df = _frame(
        [
            {
                "Id": "0015g00000AbCdE",
                "Email": "Sara Lee <Sara.Lee@Acme.COM>",
                "Phone": "'(415) 555-0123",
                "MobilePhone": "4.15555E+09",
                "Country": "USA",
                "Zip": "02134",
                "Note": " NA ",
            }
        ]
    )
    result = normalize(df)
    assert result.kept.to_dict("records") == [
        {
            "Id": "0015g00000AbCdE",
            "Email": "sara.lee@acme.com",
            "Phone": "+14155550123",
            "MobilePhone": "",  # damage is cleared even in keep mode, with its finding
            "Country": "USA",
            "Zip": "02134",
            "Note": "NA",
            "sfclean_row": 2,
        }
    ]
    assert isinstance(result.kept.index, pd.RangeIndex)  # the row number is a column
    got = result.findings[["row", "column", "code", "original", "normalized"]]
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        (2, "Email", "email-unwrapped", "Sara Lee <Sara.Lee@Acme.COM>", "sara.lee@acme.com"),
        (2, "Email", "email-lowercased", "Sara Lee <Sara.Lee@Acme.COM>", "sara.lee@acme.com"),
        (2, "Phone", "apostrophe-removed", "'(415) 555-0123", "+14155550123"),
        (2, "Phone", "phone-formatted", "'(415) 555-0123", "+14155550123"),
        (2, "MobilePhone", "phone-damaged", "4.15555E+09", ""),
        (2, "Note", "whitespace-trimmed", " NA ", "NA"),
    ]
    cleared = normalize(df, invalid_phone="clear")
    assert cleared.kept["MobilePhone"].tolist() == [""]
    assert list(result.findings.columns) == [
        "row",
        "column",
        "code",
        "original",
        "normalized",
        "message",
    ]


def test_text_cells_survive_as_text() -> None:
    df = pd.DataFrame(
        {"Email": ["a@acme.com"], "Zip": ["007"], "A": ["NA"], "B": ["Null"], "C": [None]}
    )
    result = normalize(df)
    assert result.kept.iloc[0].tolist() == ["a@acme.com", "007", "NA", "Null", "", 2]


def test_non_string_cells_are_cast_to_text() -> None:
    df = pd.DataFrame({"Email": ["a@acme.com", "b@acme.com"], "N": [1, 2], "F": [1.5, np.nan]})
    result = normalize(df)
    assert result.kept["N"].tolist() == ["1", "2"]
    assert result.kept["F"].tolist() == ["1.5", ""]


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
def test_every_str_storage_normalizes_alike(storage: str) -> None:
    if storage == "pyarrow":
        pytest.importorskip("pyarrow")
    cells = {
        "Email": [" A@X.com ", "a@x.com", None, "b@x.com", "b@x.com"],
        "Country": ["UK", np.nan, "UK", "Deutschland", "UK"],
        "Phone": ["020 7946 0958", "", np.nan, "030 1234567", "020 7946 0958"],
    }
    typed = normalize(pd.DataFrame(cells, dtype=pd.StringDtype(storage, na_value=np.nan)))
    plain = normalize(pd.DataFrame(cells, dtype=object))
    for name in ("kept", "held_back", "findings"):
        got, expected = getattr(typed, name), getattr(plain, name)
        assert got.to_numpy().tolist() == expected.to_numpy().tolist(), name
        assert got.dtypes.tolist() == expected.dtypes.tolist(), name
        assert got.index.tolist() == expected.index.tolist(), name
    assert typed.summary() == plain.summary()


@pytest.mark.parametrize(
    ("country", "phone", "expected"),
    [
        ("UK", "020 7946 0958", "+442079460958"),
        ("GBR", "020 7946 0958", "+442079460958"),
        ("United Kingdom", "020 7946 0958", "+442079460958"),
        ("Germany", "030 1234567", "+49301234567"),
        ("", "(415) 555-0123", "+14155550123"),  # default region
        ("Atlantis", "(415) 555-0123", "+14155550123"),  # unknown -> default region
        ("UK", "+1 415 555 0123", "+14155550123"),  # + wins over the country
    ],
)
def test_phone_region_from_country(country: str, phone: str, expected: str) -> None:
    result = normalize(_frame([{"Email": "a@acme.com", "Phone": phone, "Country": country}]))
    assert result.kept["Phone"].tolist() == [expected]


def test_default_region_option() -> None:
    df = _frame([{"Email": "a@acme.com", "Phone": "020 7946 0958"}])
    assert normalize(df, default_region="GB").kept["Phone"].tolist() == ["+442079460958"]
    assert normalize(df, default_region="uk").kept["Phone"].tolist() == ["+442079460958"]


@pytest.mark.parametrize(
    ("mode", "phone_out", "kept", "code"),
    [
        ("clear", "", True, "invalid-phone"),
        ("keep", "123", True, "invalid-phone"),
        ("reject", None, False, None),
    ],
)
def test_invalid_phone_modes(
    mode: str, phone_out: str | None, kept: bool, code: str | None
) -> None:
    df = _frame([{"Email": "a@acme.com", "Phone": " 123 "}])
    result = normalize(df, invalid_phone=mode)  # type: ignore[arg-type]
    if kept:
        assert result.kept["Phone"].tolist() == [phone_out]
        finding = result.findings[result.findings["code"] == code].iloc[0]
        assert (finding["row"], finding["column"], finding["original"]) == (2, "Phone", " 123 ")
    else:
        assert result.held_back["sfclean_reason"].tolist() == ["invalid-phone"]
        assert result.held_back["sfclean_detail"].iloc[0].startswith("Phone: ")
        assert result.held_back["Phone"].tolist() == [" 123 "]


def test_damaged_phone_rejected_in_reject_mode() -> None:
    df = _frame([{"Email": "a@acme.com", "Phone": "4155550123.0"}])
    result = normalize(df, invalid_phone="reject")
    assert result.held_back["sfclean_reason"].tolist() == ["invalid-phone"]


def test_duplicates_keep_first_and_name_the_row() -> None:
    df = _frame(
        [
            {"Email": "bad"},
            {"Email": "sara@acme.com"},
            {"Email": " SARA@acme.com"},
            {"Email": "other@acme.com"},
            {"Email": "Sara <sara@acme.com>"},
        ]
    )
    result = normalize(df)
    assert result.kept["sfclean_row"].tolist() == [3, 5]
    dups = result.held_back[result.held_back["sfclean_reason"] == "duplicate-in-file"]
    assert dups["sfclean_row"].tolist() == [4, 6]
    assert dups["sfclean_detail"].tolist() == ["duplicate of row 3", "duplicate of row 3"]


def test_duplicate_of_a_rejected_row_is_not_counted() -> None:
    """A junk row does not 'keep' its address: the next copy goes on."""
    df = _frame([{"Email": "info@acme.com"}, {"Email": "info@acme.com"}])
    result = normalize(df, junk=JunkPolicy(role=False))
    assert result.kept["sfclean_row"].tolist() == [2]
    result = normalize(df)
    assert result.held_back["sfclean_reason"].tolist() == ["role-mailbox", "role-mailbox"]


def test_provider_key_dedupes_but_never_rewrites() -> None:
    df = _frame([{"Email": "Sara.Lee@gmail.com"}, {"Email": "saralee+news@googlemail.com"}])
    assert len(normalize(df).kept) == 2
    result = normalize(df, match_key="provider")
    assert result.kept["Email"].tolist() == ["sara.lee@gmail.com"]
    assert result.held_back["sfclean_detail"].tolist() == ["duplicate of row 2"]


def test_fill_blanks_from_duplicates() -> None:
    df = _frame(
        [
            {"Email": "a@acme.com", "Phone": "", "Title": "", "Company": "Acme"},
            {"Email": "A@acme.com", "Phone": "bad", "Title": "", "Company": "Other"},
            {"Email": "a@acme.com", "Phone": "(415) 555-0123", "Title": "CEO", "Company": ""},
            {"Email": "a@acme.com", "Phone": "(415) 555-0199", "Title": "CTO", "Company": ""},
        ]
    )
    # cleared, the invalid "bad" is blank and never fills a blank (kept, it would)
    plain = normalize(df, invalid_phone="clear")
    assert plain.kept.to_dict("records") == [
        {"Email": "a@acme.com", "Phone": "", "Title": "", "Company": "Acme", "sfclean_row": 2}
    ]
    filled = normalize(df, fill_blanks=True, invalid_phone="clear")
    assert filled.kept.to_dict("records") == [
        {
            "Email": "a@acme.com",
            "Phone": "+14155550123",
            "Title": "CEO",
            "Company": "Acme",
            "sfclean_row": 2,
        }
    ]
    fills = filled.findings[filled.findings["code"] == "filled-from-duplicate"]
    assert fills[["row", "column", "normalized", "message"]].values.tolist() == [
        [2, "Phone", "+14155550123", "filled from row 4"],
        [2, "Title", "CEO", "filled from row 4"],
    ]
    assert filled.held_back["sfclean_reason"].tolist() == ["duplicate-in-file"] * 3


def test_every_row_in_exactly_one_table_with_one_reason() -> None:
    df = _frame([{"Email": e} for e in ["a@acme.com", "", "x", "a@acme.com", "info@acme.com"]])
    result = normalize(df)
    rows = sorted([*result.kept["sfclean_row"].tolist(), *result.held_back["sfclean_row"].tolist()])
    assert rows == [2, 3, 4, 5, 6]
    assert isinstance(result.held_back.index, pd.RangeIndex)


def test_rejected_columns_and_summary() -> None:
    df = _frame([{"Email": "a@acme.com", "Name": "A"}, {"Email": "", "Name": "B"}])
    result = normalize(df)
    assert list(result.held_back.columns) == [
        "Email",
        "Name",
        "sfclean_row",
        "sfclean_reason",
        "sfclean_detail",
    ]
    assert result.summary().to_dict() == {
        "stage": "normalize",
        "rows_in": 2,
        "rows_kept": 1,
        "rows_held_back": 1,
        "reasons": {"missing-email": 1},
        "findings": {},
        "columns": {"email": "Email", "phones": [], "country": None},
    }
    assert result.to_text().splitlines()[0] == "normalize: 2 rows in, 1 kept, 1 held back"
    assert "missing-email 1" in result.to_text()


def test_empty_frame() -> None:
    result = normalize(pd.DataFrame({"Email": pd.Series([], dtype="str")}))
    assert (len(result.kept), len(result.held_back), len(result.findings)) == (0, 0, 0)
    assert result.summary().rows_in == 0


def test_missing_email_column() -> None:
    with pytest.raises(ColumnNotFoundError, match="email_column="):
        normalize(pd.DataFrame({"Name": ["a"]}))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"invalid_phone": "drop"}, ConfigError),
        ({"match_key": "fuzzy"}, ConfigError),
        ({"default_region": "Atlantis"}, ConfigError),
    ],
)
def test_bad_options(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        normalize(pd.DataFrame({"Email": ["a@acme.com"]}), **kwargs)  # type: ignore[arg-type]


def test_bad_frames() -> None:
    with pytest.raises(InputError, match="DataFrame"):
        normalize([{"Email": "a@acme.com"}])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="duplicate column names \\('Email'\\)"):
        normalize(pd.DataFrame([["a@acme.com", "b@acme.com"]], columns=["Email", "Email"]))
    with pytest.raises(InputError, match="reserved"):
        normalize(pd.DataFrame({"Email": ["a@acme.com"], "sfclean_reason": ["x"]}))


def test_reject_mode_judges_phones_before_dedupe() -> None:
    """The first VALID copy of an address goes on; a bad-phone copy is not 'the original'."""
    df = _frame(
        [
            {"Email": "sara@acme.com", "Phone": "123"},
            {"Email": "SARA@acme.com", "Phone": "(415) 555-0123"},
            {"Email": "sara@acme.com", "Phone": "(415) 555-0199"},
            {"Email": "sara@acme.com", "Phone": "4.15555E+09"},
        ]
    )
    result = normalize(df, invalid_phone="reject")
    assert result.kept["sfclean_row"].tolist() == [3]
    assert result.kept["Phone"].tolist() == ["+14155550123"]
    rejected = result.held_back.set_index("sfclean_row")
    assert rejected[["sfclean_reason", "sfclean_detail"]].to_dict("index") == {
        2: {"sfclean_reason": "invalid-phone", "sfclean_detail": rejected.loc[2, "sfclean_detail"]},
        4: {"sfclean_reason": "duplicate-in-file", "sfclean_detail": "duplicate of row 3"},
        5: {"sfclean_reason": "invalid-phone", "sfclean_detail": rejected.loc[5, "sfclean_detail"]},
    }
    assert rejected.loc[2, "sfclean_detail"].startswith("Phone: ")
    # in clear mode the first copy goes on (its phone cleared) and the others are duplicates
    cleared = normalize(df)
    assert cleared.kept["sfclean_row"].tolist() == [2]
    assert cleared.held_back["sfclean_detail"].tolist() == ["duplicate of row 2"] * 3


def test_emails_the_org_refuses_are_held_back_with_their_own_reason() -> None:
    df = _frame(
        [
            {"Email": "Jürgen@firma.de"},
            {"Email": "a" * 69 + "@example.com"},
            {"Email": "ann@acme-corp.con"},
            {"Email": "N/A"},
            {"Email": "'bob@x.com;"},
            {"Email": "cy@x.com; dee@y.com"},
            {"Email": "eve@bücher.de"},
        ]
    )
    result = normalize(df)
    reasons = dict(
        zip(result.held_back["sfclean_row"], result.held_back["sfclean_reason"], strict=True)
    )
    assert reasons == {
        2: "email-not-ascii",
        3: "email-too-long",
        4: "unknown-tld",
        5: "missing-email",
    }
    details = result.held_back["sfclean_detail"].tolist()
    assert "did you mean .com?" in details[2]
    assert details[3] == "Email: 'N/A' stands for no address"
    assert result.kept["Email"].tolist() == ["bob@x.com", "cy@x.com", "eve@xn--bcher-kva.de"]
    codes = set(result.findings["code"])
    assert {"apostrophe-removed", "email-separator-trimmed", "email-first-of-several"} <= codes
    assert "email-domain-punycoded" in codes


def test_a_national_number_without_a_country_column_is_kept_with_a_finding() -> None:
    # no country column: read as the default region (US); a German national number is not
    # valid there, and is kept as it was (the default), with an invalid-phone finding
    df = _frame([{"Email": "a@acme.com", "Phone": "030 1234567"}])
    result = normalize(df)
    assert result.kept["Phone"].tolist() == ["030 1234567"]
    found = result.findings[result.findings["code"] == "invalid-phone"]
    assert found["message"].str.endswith("value kept").tolist() == [True]
    assert normalize(df, invalid_phone="clear").kept["Phone"].tolist() == [""]
