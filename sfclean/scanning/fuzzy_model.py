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

Blocking rules (which pairs are scored at all): same phone; same last name and company;
same email domain and last name; same email local part and last name; same first and last
name; same first name and company; same last name and city; same email. A pair found by
none of them is never scored: see docs/fuzzy.md.

Training is unsupervised: u probabilities by random sampling (seeded), m probabilities by
expectation maximisation on two blocks (same phone; same last name), the prior from two
near-deterministic rules. Below :data:`MIN_TRAINING_RECORDS` records EM is unreliable, so
the m probabilities stay at the defaults below (measured on bench/fuzzy_data.py's data).

splink is imported on first use (:func:`splink_modules`); without it, a ConfigError says to
install ``sfclean[fuzzy]``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pandas as pd

from sfclean.cleaners.names import require_fuzzy_extra

__all__ = [
    "MIN_TRAINING_RECORDS",
    "blocking_rules",
    "make_linker",
    "quiet_splink",
    "settings",
    "splink_modules",
    "to_pandas",
    "train",
]

logger = logging.getLogger("sfclean.scanning.fuzzy")

#: Fewer input records than this: no EM, the default m probabilities are used.
MIN_TRAINING_RECORDS = 1_000
#: The prior when two near-exact rules find no pair to estimate it from.
DEFAULT_PRIOR = 1e-4
#: Random pairs sampled to estimate u probabilities.
U_PAIRS = 2_000_000


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


def blocking_rules(s: SimpleNamespace) -> list[Any]:
    """The rules that pick the pairs to score (module docstring)."""
    b = s.block_on
    return [
        b("phone"),
        b("last_name", "company"),
        b("email_domain", "last_name"),
        b("email_local", "last_name"),
        b("first_name", "last_name"),
        b("first_name", "company"),
        b("last_name", "city"),
        b("email"),
    ]


def settings(link_type: str = "dedupe_only") -> Any:
    """The splink ``SettingsCreator`` (``dedupe_only`` within one table, ``link_only``
    between a file and the org)."""
    s = splink_modules()
    return s.SettingsCreator(
        link_type=link_type,
        comparisons=_comparisons(s),
        blocking_rules_to_generate_predictions=blocking_rules(s),
        probability_two_random_records_match=DEFAULT_PRIOR,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["email_local", "email_domain"],
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
    for rule in (b("first_name", "last_name"), b("email")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except Exception as error:  # too few pairs in the block: keep the defaults
            logger.info("fuzzy: EM on %s skipped (%s)", rule, type(error).__name__)


def _for_backend(table: pd.DataFrame, db: Any) -> Any:
    """``table`` as ``db`` takes it: pandas for DuckDB; an Arrow table for Spark, whose own
    pandas conversion pyspark 4 does not support with pandas 3 (docs/fuzzy.md)."""
    if db.sql_dialect.sql_dialect_str != "spark":
        return table
    import pyarrow as pa  # a dependency of splink

    return pa.Table.from_pandas(table, preserve_index=False)


def to_pandas(frame: Any) -> pd.DataFrame:
    """A splink table (predictions, clusters) as pandas: DuckDB's own conversion; on Spark
    through Arrow (``toArrow``), never pyspark's ``toPandas`` (see :func:`_for_backend`)."""
    if frame.db_api.sql_dialect.sql_dialect_str != "spark":
        return frame.as_pandas_dataframe()
    return frame.as_pyarrow_table().to_pandas()


def make_linker(
    tables: list[pd.DataFrame], link_type: str, db_api: Any = None
) -> tuple[Any, list[str]]:
    """(a splink Linker over ``tables``, the tables' dataset names). ``db_api``: a splink
    database API (``SparkAPI(spark_session=...)``...), default a fresh in-memory DuckDB."""
    s = splink_modules()
    db = db_api if db_api is not None else s.DuckDBAPI()
    token = uuid.uuid4().hex[:8]
    names = [f"sfclean_{token}_{i}" for i in range(len(tables))]
    frames = [
        db.register(_for_backend(t, db), table_name=n) for t, n in zip(tables, names, strict=True)
    ]
    data = frames if len(frames) > 1 else frames[0]
    return s.Linker(data, settings(link_type), log_level=None), names
