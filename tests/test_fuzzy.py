"""Fuzzy duplicates (sfclean.scanning.fuzzy): the cleaned features, the measured quality on
labelled generated data, clusters, file-to-org matches, and sfclean without the extra.

Speed at scale is measured in bench/fuzzy.py (bench/README.md), not asserted here.
"""

from __future__ import annotations

import importlib.util
import sys
import unicodedata
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfclean.cleaners.names import company_key, first_name_forms, name_key
from sfclean.errors import ColumnNotFoundError, ConfigError
from sfclean.scanning.fuzzy import (
    FUZZY_CLUSTER_COLUMNS,
    PAIR_COLUMNS,
    PROBABLE_MATCH_COLUMNS,
    fuzzy_clusters,
    fuzzy_pairs,
    probable_matches,
)
from sfclean.scanning.fuzzy_features import features
from sfclean.scanning.fuzzy_model import MAX_BLOCK, block_column, with_block_keys

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzzy_data", BENCH / "fuzzy_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzzy_data = _generator()

#: The issue's example: the same person under another email.
JON = {
    "object": "Contact",
    "Id": "003000000000JONAAA",
    "FirstName": "Jon",
    "LastName": "Smith",
    "AccountName": "Acme",
    "Phone": "+1 415 555 0100",
    "MailingCity": "San Francisco",
    "Email": "jon@acme.com",
}
JONATHAN = {
    "object": "Lead",
    "Id": "00Q000000000JONAAA",
    "FirstName": "Jonathan",
    "LastName": "Smith",
    "Company": "ACME Inc.",
    "Phone": "(415) 555-0100",
    "City": "san francisco",
    "Email": "jsmith@gmail.com",
}


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (" José  Núñez-Peña ", "jose nunez-pena"),
        ("O'Brien", "o'brien"),
        ("Søren Ærø", "soren aero"),
        ("STRAßE", "strasse"),
        ("Łukasz", "lukasz"),
        ("\u00a0", ""),
    ],
)
def test_name_key_folds_accents_case_and_spacing(raw: str, key: str) -> None:
    assert name_key(raw) == key


@pytest.mark.parametrize(
    "variant",
    ["ACME Inc.", "Acme", "ACME Corporation", "acme, inc.", "Acme LLC", "ACME GmbH", "Acme Ltd"],
)
def test_company_variants_share_one_key(variant: str) -> None:
    assert company_key(variant) == "acme"


def test_company_key_keeps_a_name_that_is_not_a_suffix() -> None:
    assert company_key("Société Générale SA") == "societe generale"
    assert company_key("") == ""


@given(st.text(max_size=30))
def test_name_key_is_idempotent_lowercase_and_unaccented(raw: str) -> None:
    key = name_key(raw)
    assert name_key(key) == key
    assert key == key.lower() and key == key.strip() and "  " not in key
    assert not any(unicodedata.combining(c) for c in unicodedata.normalize("NFKD", key))


WORD = st.from_regex(r"[A-Z][a-z]{3,9}( [A-Z][a-z]{3,9})?", fullmatch=True)


@given(WORD, st.sampled_from(["Inc.", "LLC", "Ltd", "GmbH", "AG", "SA", "Corporation", "PLC"]))
def test_a_legal_suffix_or_the_case_never_changes_the_company_key(name: str, suffix: str) -> None:
    if company_key(name) != name_key(name):  # the name itself ends in a legal term
        return
    assert company_key(f"{name} {suffix}") == company_key(name.upper()) == name_key(name)


@pytest.mark.parametrize(
    ("nickname", "full"), [("Jon", "jonathan"), ("Bill", "william"), ("Bob", "robert")]
)
def test_a_nickname_lists_its_full_name(nickname: str, full: str) -> None:
    assert full in first_name_forms(nickname)
    assert first_name_forms(full)[0] == full


def test_features_use_the_exact_scan_cleaners() -> None:
    table = features(pd.DataFrame([JON, JONATHAN]))
    assert list(table["phone"]) == ["+14155550100", "+14155550100"]
    assert list(table["company"]) == ["acme", "acme"]
    assert list(table["city"]) == ["san francisco", "san francisco"]
    assert list(table["email_local"]) == ["jon", "jsmith"]
    assert "jonathan" in table["first_names"][0]


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    return fuzzy_data.generate(2_000, seed=16)


@pytest.fixture(scope="module")
def pairs(labelled: pd.DataFrame) -> pd.DataFrame:
    return fuzzy_pairs(labelled, threshold=0.95)


def test_precision_and_recall_on_labelled_people(
    labelled: pd.DataFrame, pairs: pd.DataFrame
) -> None:
    truth = fuzzy_data.true_pairs(labelled)
    found = set(zip(pairs["Id_l"], pairs["Id_r"], strict=True))
    assert len(truth) > 300  # enough duplicates to measure anything
    hits = len(found & truth)
    assert hits / len(found) >= 0.9, "precision"
    assert hits / len(truth) >= 0.8, "recall"


def test_pairs_carry_probability_and_the_fields_that_agreed(pairs: pd.DataFrame) -> None:
    assert list(pairs.columns) == PAIR_COLUMNS
    assert (pairs["probability"] >= 0.95).all()
    assert (pairs["Id_l"] < pairs["Id_r"]).all()
    assert pairs["probability"].is_monotonic_decreasing
    fields = {f for agreed in pairs["agreed"] for f in agreed.split(";") if f}
    assert fields <= {"first_name", "last_name", "company", "phone", "city", "email"}
    assert {"first_name", "last_name", "phone"} <= fields


def test_the_same_person_under_another_email_is_one_fuzzy_cluster(
    labelled: pd.DataFrame,
) -> None:
    records = pd.concat([labelled, pd.DataFrame([JON, JONATHAN])], ignore_index=True)
    clusters = fuzzy_clusters(records, threshold=0.95)
    assert list(clusters.columns) == FUZZY_CLUSTER_COLUMNS
    assert set(clusters["match"]) == {"fuzzy"}
    assert clusters["cluster"].str.fullmatch(r"F-[0-9a-f]{12}").all()
    jon = clusters[clusters["Id"].isin([JON["Id"], JONATHAN["Id"]])]
    assert len(jon) == 2 and jon["cluster"].nunique() == 1
    agreed = set(jon["agreed"].iloc[0].split(";"))
    assert {"first_name", "last_name", "company", "phone", "city"} <= agreed
    assert (clusters.groupby("cluster").size() >= 2).all()
    assert not clusters["Id"].duplicated().any()


def test_a_file_row_matches_its_org_record_and_new_people_do_not(
    labelled: pd.DataFrame,
) -> None:
    first = ~labelled.duplicated("person")
    org = pd.concat([labelled[first], pd.DataFrame([JON])], ignore_index=True)
    again = labelled[~first].head(150)
    newcomers = fuzzy_data.generate(100, seed=99, duplicate_share=0).assign(
        LastName=lambda f: f["LastName"] + "ovich"
    )
    file_rows = pd.concat([again, newcomers, pd.DataFrame([JONATHAN])], ignore_index=True).drop(
        columns=["object", "Id"]
    )
    matches = probable_matches(file_rows, org)
    assert list(matches.columns) == PROBABLE_MATCH_COLUMNS
    assert matches["row"].is_unique and matches["row"].is_monotonic_increasing
    jon_row = len(file_rows) - 1
    assert matches.set_index("row").loc[jon_row, "Id"] == JON["Id"]
    expected = dict(zip(org["person"], org["Id"], strict=True))
    found = matches[matches["row"] < len(again)]
    right = sum(
        expected[again["person"].iloc[r]] == i
        for r, i in zip(found["row"], found["Id"], strict=True)
    )
    assert right / len(again) >= 0.8, "recall"
    assert right / len(matches) >= 0.9, "precision"


def test_bad_input_is_one_clear_error() -> None:
    with pytest.raises(ColumnNotFoundError, match="object and Id"):
        fuzzy_pairs(pd.DataFrame({"FirstName": ["Ann"]}))
    with pytest.raises(ConfigError, match="threshold"):
        fuzzy_pairs(pd.DataFrame([JON]), threshold=1.5)
    assert fuzzy_pairs(pd.DataFrame([JON])).empty
    assert fuzzy_clusters(pd.DataFrame([JON])).empty


def test_without_the_extra_sfclean_works_and_fuzzy_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m == "splink" or m.startswith("splink.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "splink", None)  # import splink raises ImportError
    with pytest.raises(ConfigError, match=r"install sfclean\[fuzzy\]"):
        fuzzy_pairs(pd.DataFrame([JON, JONATHAN]))


def _people(tag: str, n: int, **same: str | None) -> pd.DataFrame:
    """n feature rows, every value distinct (``tag`` sets them apart from other calls')
    except the ``same`` columns."""
    columns = ("first_name", "last_name", "company", "phone", "city", "email")
    columns += ("email_local", "email_domain")
    rows = {c: [same.get(c, f"{tag}{c}{i}") for i in range(n)] for c in columns}
    return pd.DataFrame(rows).assign(unique_id=range(n))


def test_a_block_past_max_block_proposes_no_pairs_by_its_rule() -> None:
    rule = block_column(("last_name", "company"))
    small = _people("a", 2, last_name="smith", company="acme")
    big = _people("b", MAX_BLOCK + 1, last_name="jones", company="acme")
    blank = _people("c", 3, last_name="smith", company=None)
    (keyed,), pairs = with_block_keys([pd.concat([small, big, blank], ignore_index=True)])
    keys = keyed[rule]
    assert keys.iloc[0] == keys.iloc[1] and keys.iloc[:2].notna().all()
    assert keys.iloc[2 : 3 + MAX_BLOCK].isna().all()  # the big block: no pairs by this rule
    assert keys.iloc[-3:].isna().all()  # a blank company: no key
    for other in (("phone",), ("last_name", "city")):  # nothing shared: a key each
        assert keyed[block_column(other)].is_unique
    # the one pair proposed: the small block's; the big block's 1,275 are not counted
    assert pairs == 1


def test_at_max_block_a_block_still_proposes_its_pairs() -> None:
    rule = block_column(("phone",))
    (keyed,), pairs = with_block_keys([_people("a", MAX_BLOCK, phone="+14155550100")])
    assert keyed[rule].notna().all() and keyed[rule].nunique() == 1
    assert pairs == MAX_BLOCK * (MAX_BLOCK - 1) // 2


def test_block_keys_are_shared_across_the_file_and_the_org() -> None:
    rule = block_column(("phone",))
    keyed, _ = with_block_keys(
        [_people("a", 1, phone="+14155550100"), _people("b", 2, phone="+14155550100")]
    )
    assert len(keyed[0]) == 1 and len(keyed[1]) == 2
    assert keyed[0][rule].iloc[0] == keyed[1][rule].iloc[0] == keyed[1][rule].iloc[1]
