"""The splink model behind fuzzy matching: comparisons, blocking rules, training.

Comparisons (Fellegi-Sunter, one per feature of :mod:`sfclean.scanning.fuzzy_features`):

- first name: exact, then nickname (the two names share a full form, Jon / Jonathan), then
  Jaro-Winkler >= 0.92 and >= 0.8, else;
- last name: ``cl.NameComparison`` (exact, Jaro-Winkler 0.92 / 0.88 / 0.7), with term
  frequencies (two Smiths agree less than two Quisenberrys);
- company key: exact, Jaro-Winkler >= 0.9, else;
- phone (E.164): exact, else;
- city: exact, else;
- email: exact address, else (not ``cl.EmailComparison``: its local-part levels repeat the
  names, which Fellegi-Sunter then counts twice; measured in bench/README.md).

Blocking rules (which pairs are scored at all, :data:`BLOCKING_RULES`): same phone; same
last name and company; same email domain and last name; same email local part and last
name; same first and last name; same first name and company; same last name and city; same
email. A pair found by none of them is never scored: see docs/fuzzy.md. A block (the
records that share one rule's values) of more than :data:`MAX_BLOCK` records proposes no
pairs by that rule: its pairs grow with the square of its size (a company ``N/A``, the
Smiths of London), and agreeing on a value that many records share is weak evidence; such
records still meet through the other rules. Each rule blocks on one integer column
``block_<i>`` (:func:`with_block_keys`), null where the record has a blank in the rule's
columns or sits in a block that large.

Training is unsupervised: u probabilities by random sampling (seeded), m probabilities by
expectation maximisation on two blocks (same first and last name; same email, both capped
as above), the prior from two near-deterministic rules. Below :data:`MIN_TRAINING_RECORDS`
records EM is unreliable, so the m probabilities stay at the defaults below (measured on
bench/fuzzy_data.py's data).

splink is imported on first use (:func:`splink_modules`); without it, a ConfigError says to
install ``sfclean[fuzzy]``.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from sfclean.cleaners.names import require_fuzzy_extra
from sfclean.scanning.fuzzy_db import Database, load_table

__all__ = [
    "BLOCKING_RULES",
    "MAX_BLOCK",
    "MIN_TRAINING_RECORDS",
    "PAIRS_PER_CHUNK",
    "Linked",
    "block_column",
    "blocking_rules",
    "make_linker",
    "predict",
    "quiet_splink",
    "settings",
    "splink_modules",
    "to_pandas",
    "train",
    "with_block_keys",
]

logger = logging.getLogger("sfclean.scanning.fuzzy")

#: Fewer input records than this: no EM, the default m probabilities are used.
MIN_TRAINING_RECORDS = 1_000
#: The prior when two near-exact rules find no pair to estimate it from.
DEFAULT_PRIOR = 1e-4
#: Random pairs sampled to estimate u probabilities.
U_PAIRS = 2_000_000
#: The blocking rules, as the feature columns two records must share (module docstring).
BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("phone",),
    ("last_name", "company"),
    ("email_domain", "last_name"),
    ("email_local", "last_name"),
    ("first_name", "last_name"),
    ("first_name", "company"),
    ("last_name", "city"),
    ("email",),
)
#: A block of more records than this proposes no pairs by its rule (module docstring).
MAX_BLOCK = 50
#: Candidate pairs above this are scored in parts (:func:`predict`).
PAIRS_PER_CHUNK = 5_000_000


@contextmanager
def quiet_splink() -> Iterator[None]:
    """splink's own warnings (levels EM could not train on small data...) kept off stderr
    while sfclean runs it: they are notes for a modeller, not for a CLI user."""
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        splink_logger.setLevel(level)


def splink_modules() -> SimpleNamespace:
    """splink's entry points (``Linker``, ``SettingsCreator``, ``block_on``, ``cl``, ``cll``,
    ``DuckDBAPI``), or ConfigError when splink is not installed."""
    splink = require_fuzzy_extra("splink")
    require_fuzzy_extra("duckdb")
    return SimpleNamespace(
        Linker=splink.Linker,
        SettingsCreator=splink.SettingsCreator,
        block_on=splink.block_on,
        cl=require_fuzzy_extra("splink.comparison_library"),
        cll=require_fuzzy_extra("splink.comparison_level_library"),
        DuckDBAPI=splink.DuckDBAPI,
    )


def _comparisons(s: SimpleNamespace) -> list[Any]:
    cl, cll = s.cl, s.cll
    first = cl.CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            cll.NullLevel("first_name"),
            cll.ExactMatchLevel("first_name").configure(m_probability=0.6, u_probability=0.02),
            cll.ArrayIntersectLevel("first_names", 1).configure(
                m_probability=0.2, u_probability=0.005
            ),
            cll.JaroWinklerLevel("first_name", 0.92).configure(
                m_probability=0.1, u_probability=0.005
            ),
            cll.JaroWinklerLevel("first_name", 0.8).configure(
                m_probability=0.05, u_probability=0.05
            ),
            cll.ElseLevel().configure(m_probability=0.05, u_probability=0.92),
        ],
    )
    company = cl.CustomComparison(
        output_column_name="company",
        comparison_levels=[
            cll.NullLevel("company"),
            cll.ExactMatchLevel("company").configure(m_probability=0.8, u_probability=0.01),
            cll.JaroWinklerLevel("company", 0.9).configure(m_probability=0.1, u_probability=0.01),
            cll.ElseLevel().configure(m_probability=0.1, u_probability=0.98),
        ],
    )
    return [
        first,
        cl.NameComparison("last_name").configure(
            term_frequency_adjustments=True, m_probabilities=[0.8, 0.1, 0.04, 0.03, 0.03]
        ),
        company,
        cl.ExactMatch("phone").configure(m_probabilities=[0.7, 0.3]),
        cl.ExactMatch("city").configure(
            term_frequency_adjustments=True, m_probabilities=[0.8, 0.2]
        ),
        # exact address only: a similar local part (mateo.kahal@ vs mateo.kahal@) mostly
        # repeats the names, and counting it again made namesakes look like one person
        cl.ExactMatch("email").configure(m_probabilities=[0.4, 0.6]),
    ]


def block_column(rule: tuple[str, ...]) -> str:
    """The name of the integer block-key column of one of :data:`BLOCKING_RULES`."""
    return f"block_{BLOCKING_RULES.index(rule)}"


def with_block_keys(tables: list[pd.DataFrame]) -> tuple[list[pd.DataFrame], int]:
    """(copies of the feature ``tables`` with one ``block_<i>`` column per blocking rule,
    the candidate pairs those columns propose). A block key is a number shared by the
    records (of all the tables together) that share the rule's values, null where one of
    them is blank or the block holds more than :data:`MAX_BLOCK` records. The pair count
    is an upper bound: a pair that two rules propose counts twice, and across tables only
    the pairs between them are scored."""
    combined = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    keys, pairs = {}, 0
    for rule in BLOCKING_RULES:
        values = combined[list(rule)]
        filled = values.notna().all(axis=1).to_numpy()
        codes = np.zeros(len(combined), dtype=np.int32)
        codes[filled] = values[filled].groupby(list(rule), sort=False).ngroup().to_numpy()
        sizes = np.bincount(codes[filled], minlength=1).astype(np.int64)
        kept = filled & (sizes[codes] <= MAX_BLOCK)
        keys[block_column(rule)] = pd.arrays.IntegerArray(codes, ~kept)
        small = sizes[sizes <= MAX_BLOCK]
        pairs += int((small * (small - 1) // 2).sum())
    bounds = np.cumsum([0] + [len(t) for t in tables])
    keyed = [
        table.assign(**{name: key[start:end] for name, key in keys.items()})
        for table, start, end in zip(tables, bounds[:-1], bounds[1:], strict=True)
    ]
    return keyed, pairs


def blocking_rules(s: SimpleNamespace) -> list[Any]:
    """The rules that pick the pairs to score: :data:`BLOCKING_RULES`, on their block keys."""
    return [s.block_on(block_column(rule)) for rule in BLOCKING_RULES]


def settings(link_type: str = "dedupe_only") -> Any:
    """The splink ``SettingsCreator`` (``dedupe_only`` within one table, ``link_only``
    between a file and the org)."""
    s = splink_modules()
    return s.SettingsCreator(
        link_type=link_type,
        comparisons=_comparisons(s),
        blocking_rules_to_generate_predictions=blocking_rules(s),
        probability_two_random_records_match=DEFAULT_PRIOR,
        # the match weights per comparison (mw_*) tell which fields agreed; the compared
        # values themselves (first_name_l...) would only make every scored pair wider
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )


def train(linker: Any, n_records: int, *, seed: int = 16) -> None:
    """Estimate the model's parameters on the linker's own data (module docstring)."""
    s = splink_modules()
    b = s.block_on
    model = linker._settings_obj  # splink exposes no public setter for the prior
    try:
        linker.training.estimate_probability_two_random_records_match(
            [b("email"), b("first_name", "last_name", "phone")], recall=0.7
        )
    except Exception as error:  # splink cannot count the rules' pairs: keep the default
        logger.info("fuzzy: prior kept at its default (%s)", type(error).__name__)
    if not 0 < model._probability_two_random_records_match < 1:  # no exact match at all
        model._probability_two_random_records_match = DEFAULT_PRIOR
    linker.training.estimate_u_using_random_sampling(
        max_pairs=min(U_PAIRS, max(n_records * n_records, 1000)), seed=seed
    )
    if n_records < MIN_TRAINING_RECORDS:
        logger.info("fuzzy: %d records, default m probabilities kept (no EM)", n_records)
        return
    # the capped blocks, naming their columns so that EM leaves those comparisons alone
    for columns in (("first_name", "last_name"), ("email",)):
        rule = b(block_column(columns), *columns)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except Exception as error:  # too few pairs in the block: keep the defaults
            logger.info("fuzzy: EM on %s skipped (%s)", rule, type(error).__name__)


def _as_arrow(table: pd.DataFrame) -> Any:
    """``table`` as an Arrow table, the form splink registers on every backend: strings
    without a Python object each (a third of the memory at 2,000,000 records), and on Spark
    no pyspark pandas conversion, which pyspark 4 does not support with pandas 3
    (docs/fuzzy.md)."""
    import pyarrow as pa  # a dependency of splink

    return pa.Table.from_pandas(table, preserve_index=False)


def to_pandas(frame: Any, columns: list[str] | None = None) -> pd.DataFrame:
    """A splink table (predictions, clusters) as pandas, only ``columns`` of it if given:
    DuckDB's own conversion; on Spark through Arrow (``toArrow``), never pyspark's
    ``toPandas`` (see :func:`_as_arrow`)."""
    if frame.db_api.sql_dialect.sql_dialect_str != "spark":
        relation = frame.as_duckdbpyrelation()
        if columns is not None:
            relation = relation.select(*columns)
        return relation.df()
    table = frame.as_spark_dataframe()
    if columns is not None:
        table = table.select(*columns)
    return table.toArrow().to_pandas()


class Linked(NamedTuple):
    """What :func:`make_linker` gives: the splink ``linker``, the tables' dataset
    ``names`` and the ``chunks`` (per side) :func:`predict` splits the scoring into."""

    linker: Any
    names: list[str]
    chunks: int


def make_linker(tables: list[pd.DataFrame], link_type: str, db: Database) -> Linked:
    """A splink Linker over the feature ``tables`` (:class:`Linked`) in the database ``db``
    (:func:`sfclean.scanning.fuzzy_db.fuzzy_database`). The tables are copied to Arrow one
    by one (and in sfclean's own DuckDB on into DuckDB): a caller that keeps no reference
    to them frees them."""
    s = splink_modules()
    token = uuid.uuid4().hex[:8]
    names = [f"sfclean_{token}_{i}" for i in range(len(tables))]
    keyed, pairs = with_block_keys(tables)
    del tables[:]  # the caller's list: its feature tables are not needed any more
    frames = [load_table(db, _as_arrow(keyed.pop(0)), name) for name in names]
    data = frames if len(frames) > 1 else frames[0]
    chunks = max(1, math.ceil(math.sqrt(pairs / PAIRS_PER_CHUNK)))
    return Linked(s.Linker(data, settings(link_type), log_level=None), names, chunks)


def predict(linked: Linked, threshold: float) -> Any:
    """splink's predictions at ``threshold``, scored in ``chunks`` x ``chunks`` parts when
    the candidate pairs are many (each part's blocked pairs are held at once)."""
    chunks = linked.chunks if linked.chunks > 1 else None
    return linked.linker.inference.predict(
        threshold_match_probability=threshold, num_chunks_left=chunks, num_chunks_right=chunks
    )
