"""The scan stage: duplicates already in the org, across Lead and Contact, and who let them in.

``sfclean.scan(conn)`` extracts every Lead and Contact (:mod:`~sfclean.stages.scan_extract`:
REST or Bulk API 2.0 by record count; converted leads, merge victims and deleted records
left out), clusters them with the scan engine (:mod:`sfclean.scanning`: normalize's
cleaners, junk mailboxes linking nothing, transitive clusters with stable ids, attribution,
merge and convert plans), links each cluster to the rule state that let it in
(:mod:`~sfclean.stages.scan_causes`) and optionally writes DuplicateRecordSets
(:mod:`~sfclean.stages.scan_recordsets`). Nothing else is written to the org.

The result (:class:`ScanResult`, the protocol of :mod:`sfclean.report`):

- ``kept``: the **clusters table**, one row per record of every cluster (``cluster, object,
  Id, Email, match, CreatedById, created_by, CreatedDate, survivor, is_new``, then
  ``FirstName, LastName, Company, AccountId, LeadSource``, ``cause``: the cluster's cause
  codes joined by ``;``) and ``sfclean_row``, its row in ``clusters.csv`` (header = 1);
- ``held_back``: always empty: the records a scan leaves out are counted in the summary
  (``excluded``: converted, merged, deleted; ``repeated_ids``), never dropped silently;
- ``findings``: one row per cluster and cause: ``row`` (the clusters.csv row of the first
  newer record it concerns), ``column`` (``Id``), ``code`` (``cause-...``), ``original``
  (that record's Id), ``normalized`` (the cluster id), ``message``;
- ``by_creator``, ``merge_plan``, ``convert_plan``: the engine's tables.

``fuzzy=True`` (the ``sfclean[fuzzy]`` extra) appends the probable duplicates under other
emails to the clusters table (``match`` = ``fuzzy``, ``probability``, ``agreed``;
:mod:`~sfclean.stages.scan_fuzzy`), never to the plans, ``by_creator`` or the findings, and
counts them apart (``fuzzy_clusters``, ``fuzzy_records``).

Incremental scans (``since`` or ``incremental_dir``): every record still forms the key
index (so a new record joins an old cluster), but only clusters holding a record created or
changed after the watermark are reported. ``since``: a date or time; the org is read in
full. ``incremental_dir``: the directory of an earlier scan's result, whose
``watermark.csv`` and ``key_index.csv.gz`` let this run read only the records changed since
(:mod:`~sfclean.stages.scan_state`; the first run reads everything and reports every
cluster). The result carries the new watermark and index; they take effect for the next run
once the result is written there (:func:`sfclean.io.write_result`, the CLI's ``--out``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from sfclean.codes import CODES
from sfclean.errors import ConfigError
from sfclean.report import (
    FINDINGS_COLUMNS,
    REASON,
    ROW,
    StageResult,
    StepProgress,
    Summary,
    progress_callback,
)
from sfclean.salesforce import Connection, require_connection
from sfclean.scanning import DEFAULT_THRESHOLD
from sfclean.scanning.engine import CLUSTER_COLUMNS, ScanTables, cluster_records
from sfclean.stages.scan_causes import AUDIT_CODES, RuleState, cluster_causes, read_rules
from sfclean.stages.scan_extract import (
    FUZZY_FIELDS,
    Extraction,
    audit_field_users,
    combine,
    extract_records,
    with_creators,
)
from sfclean.stages.scan_fuzzy import check_fuzzy, with_fuzzy
from sfclean.stages.scan_recordsets import RecordSetOutcome, write_record_sets
from sfclean.stages.scan_state import (
    INDEX_FILE,
    WATERMARK_FILE,
    State,
    changed_ids,
    index_table,
    merge_changes,
    newest,
    parse_since,
    read_state,
    soql_datetime,
)

__all__ = ["ScanResult", "ScanSummary", "scan"]

#: The objects a scan reads (their fields: :mod:`sfclean.stages.scan_extract`).
SCANNED = ("Lead", "Contact")
#: Columns added to the engine's clusters table, from the extracted records.
NAME_COLUMNS = ("FirstName", "LastName", "Company", "AccountId", "LeadSource")
TOP_CREATORS = 10


@dataclass(frozen=True)
class ScanSummary(Summary):
    """:class:`~sfclean.report.Summary` plus the scan's counts: records read per object,
    records left out, clusters (new ones), duplicates, top creators, causes, the rules
    read, API calls, the extraction APIs, record sets written and the watermark; with
    ``fuzzy``, its threshold (else None) and the fuzzy clusters and their records.
    ``records``: records compared per object; ``extracted``: read from the org this run (an
    incremental run with a key index reads only the changes)."""

    objects: tuple[str, ...] = ()
    records: Mapping[str, int] = field(default_factory=dict)
    extracted: Mapping[str, int] = field(default_factory=dict)
    excluded: Mapping[str, int] = field(default_factory=dict)
    eligible: int = 0
    junk_emails: int = 0
    clusters: int = 0
    new_clusters: int = 0
    clustered_records: int = 0
    duplicates: int = 0
    merge_rows: int = 0
    convert_rows: int = 0
    top_creators: tuple[Mapping[str, Any], ...] = ()
    causes: Mapping[str, Any] = field(default_factory=dict)
    rules: tuple[Mapping[str, Any], ...] = ()
    problems: tuple[str, ...] = ()
    api_calls: int = 0
    apis: Mapping[str, str] = field(default_factory=dict)
    record_sets: Mapping[str, Any] | None = None
    since: str | None = None
    watermark: str | None = None
    fuzzy_threshold: float | None = None
    fuzzy_clusters: int = 0
    fuzzy_records: int = 0


@dataclass(repr=False, eq=False)
class ScanResult(StageResult):
    """What :func:`sfclean.scan` returns (the module docstring describes every table)."""

    stage: ClassVar[str] = "scan"
    kept: pd.DataFrame
    held_back: pd.DataFrame
    findings: pd.DataFrame
    by_creator: pd.DataFrame
    merge_plan: pd.DataFrame
    convert_plan: pd.DataFrame
    counts: Mapping[str, Any]
    objects: tuple[str, ...] = ()
    api_calls: int = 0
    apis: Mapping[str, str] = field(default_factory=dict)
    rules: RuleState = field(default_factory=RuleState)
    record_sets: RecordSetOutcome | None = None
    since: str | None = None
    watermark: str | None = None
    extracted: Mapping[str, int] = field(default_factory=dict)
    index: pd.DataFrame | None = None

    @property
    def clusters(self) -> pd.DataFrame:
        """The clusters table (``kept``)."""
        return self.kept

    @property
    def new_clusters(self) -> int:
        """Clusters holding a record created or modified since the watermark (all clusters
        on a full scan): what ``--fail-on-duplicates`` checks."""
        return int(self.counts.get("new_clusters", 0))

    def summary(self) -> ScanSummary:
        """The scan's counts (:class:`ScanSummary`)."""
        c = self.counts
        creators = self.by_creator.head(TOP_CREATORS)
        top = tuple(
            {k: _plain(v) for k, v in row.items()}
            for row in creators[
                ["created_by", "user_type", "duplicates", "bursts", "attribution"]
            ].to_dict("records")
        )
        causes = {
            code: {
                "clusters": int(n),
                "severity": CODES.get(code, "finding").severity,
                "title": CODES.get(code, "finding").title,
                "audit": list(AUDIT_CODES.get(str(code), ())),
            }
            for code, n in self.findings["code"].value_counts().items()
        }
        return ScanSummary(
            **self._base_counts(),
            objects=self.objects,
            records=dict(c.get("by_object", {})),
            extracted=dict(self.extracted),
            excluded={**dict(c.get("excluded", {})), "repeated_ids": c.get("repeated_ids", 0)},
            eligible=int(c.get("eligible", 0)),
            junk_emails=int(c.get("junk_emails", 0)),
            clusters=int(c.get("clusters", 0)),
            new_clusters=self.new_clusters,
            clustered_records=int(c.get("clustered_records", 0)),
            duplicates=int(c.get("duplicates", 0)),
            merge_rows=int(c.get("merge_rows", 0)),
            convert_rows=int(c.get("convert_rows", 0)),
            top_creators=top,
            causes=causes,
            rules=tuple(r.to_dict() for r in self.rules.rules),
            problems=self.rules.problems,
            api_calls=self.api_calls,
            apis=dict(self.apis),
            record_sets=self.record_sets.to_dict() if self.record_sets else None,
            since=self.since,
            watermark=self.watermark,
            fuzzy_threshold=c.get("fuzzy_threshold"),
            fuzzy_clusters=int(c.get("fuzzy_clusters", 0)),
            fuzzy_records=int(c.get("fuzzy_records", 0)),
        )

    def to_text(self) -> str:
        """A few lines for people (the CLI prints them on stderr)."""
        s = self.summary()
        read = ", ".join(f"{k} {v:,}" for k, v in s.records.items()) or "no records"
        lines = [
            f"scan: {read} read; {s.clusters:,} clusters ({s.new_clusters:,} new), "
            f"{s.duplicates:,} newer duplicates, {s.api_calls} API calls"
        ]
        for creator in s.top_creators[:3]:
            lines.append(
                f"  {creator['created_by'] or '(unknown)'}: {creator['duplicates']} duplicates, "
                f"{creator['bursts']} bursts ({creator['attribution']})"
            )
        if s.causes:
            lines.append(
                "  causes: " + ", ".join(f"{k} {v['clusters']}" for k, v in s.causes.items())
            )
        if s.fuzzy_threshold is not None:
            lines.append(
                f"  fuzzy: {s.fuzzy_clusters:,} probable clusters of {s.fuzzy_records:,} "
                f"records (probability >= {s.fuzzy_threshold:g}), for review, never merged"
            )
        lines.extend(f"  note: {p}" for p in s.problems)
        return "\n".join(lines)

    def outputs(self) -> dict[str, pd.DataFrame]:
        """``clusters.csv``, ``by_creator.csv``, ``merge_plan.csv``, ``convert_plan.csv``,
        ``findings.csv`` (files for people: :data:`sfclean.io.FOR_PEOPLE` writes them with a
        BOM and formula-like cells neutralised), ``watermark.csv`` and, for an incremental
        scan, ``key_index.csv.gz`` (:mod:`~sfclean.stages.scan_state`)."""
        stamp = pd.DataFrame(
            {"watermark": [self.watermark or ""], "objects": [";".join(self.objects)]}
        )
        tables = {
            "clusters.csv": self.kept.drop(columns=[ROW]),
            "by_creator.csv": self.by_creator,
            "merge_plan.csv": self.merge_plan,
            "convert_plan.csv": self.convert_plan,
            "findings.csv": self.findings,
        }
        files = {**tables, WATERMARK_FILE: stamp}
        if self.index is not None:
            files[INDEX_FILE] = self.index
        return files

    def to_report(self, *, source: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``report.json``: the summary and the files written (report.json last); a scan
        reads the org, not a file, so there is no ``input``."""
        return {**self.summary().to_dict(), "files": [*self.outputs(), "report.json"]}

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"<ScanResult [scan: {self.rows_in} in, {self.rows_kept} kept, "
            f"{self.rows_held_back} held back, {len(self.findings)} findings; "
            f"{c.get('clusters', 0):,} clusters, {self.new_clusters:,} new]>"
        )


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    return value


def _with_names(clusters: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """``clusters`` plus :data:`NAME_COLUMNS`, read from ``records`` by Id."""
    wanted = records[records["Id"].isin(set(clusters["Id"]))].drop_duplicates("Id")
    wanted = wanted.set_index(wanted["Id"].astype(str))
    for name in NAME_COLUMNS:
        values = wanted[name].astype(object) if name in wanted else pd.Series(dtype=object)
        clusters[name] = values.reindex(clusters["Id"]).fillna("").to_numpy(dtype=object)
    return clusters


def _clusters_table(
    tables: ScanTables,
    records: pd.DataFrame,
    causes: pd.DataFrame,
    fuzzy: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The engine's clusters table plus the name columns and ``cause``, then the ``fuzzy``
    rows (with ``probability`` and ``agreed``, blank on exact rows), and ``sfclean_row``."""
    clusters = _with_names(tables.clusters[CLUSTER_COLUMNS].copy(), records)
    joined = causes.groupby("cluster", sort=False)["code"].agg(";".join)
    clusters["cause"] = clusters["cluster"].map(joined).fillna("").to_numpy(dtype=object)
    if fuzzy is not None:
        clusters["probability"] = np.nan
        clusters["agreed"] = ""
        extra = _with_names(fuzzy.copy(), records).assign(cause="")[list(clusters.columns)]
        if len(extra):
            clusters = pd.concat([clusters, extra], ignore_index=True) if len(clusters) else extra
    clusters[ROW] = np.arange(len(clusters), dtype="int64") + 2
    return clusters


def _findings(causes: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    rows = pd.Series(clusters[ROW].to_numpy(), index=clusters["Id"].astype(str))
    rows = rows[~rows.index.duplicated()]
    table = pd.DataFrame(
        {
            "row": rows.reindex(causes["Id"].astype(str)).to_numpy(dtype="int64"),
            "column": "Id",
            "code": causes["code"].to_numpy(dtype=object),
            "original": causes["Id"].to_numpy(dtype=object),
            "normalized": causes["cluster"].to_numpy(dtype=object),
            "message": causes["message"].to_numpy(dtype=object),
        }
    )
    return table[list(FINDINGS_COLUMNS)].astype({"row": "int64"})


def _held_back(clusters: pd.DataFrame) -> pd.DataFrame:
    empty = clusters.iloc[0:0].copy()
    empty[REASON] = pd.Series(dtype=object)
    return empty


def _check(objects: Sequence[str], since: Any, incremental_dir: Any) -> tuple[str, ...]:
    if isinstance(objects, str):
        objects = (objects,)
    names = tuple(dict.fromkeys(str(o).strip() for o in objects if str(o).strip()))
    if not names:
        raise ConfigError("objects= needs at least one object, e.g. Lead and Contact")
    unknown = [n for n in names if n not in SCANNED]
    if unknown:
        raise ConfigError(
            f"scan reads Lead and Contact, not {', '.join(unknown)}; use objects= Lead and/or Contact"
        )
    if since is not None and incremental_dir is not None:
        raise ConfigError("give since= or incremental_dir=, not both")
    return names


def scan(
    conn: Connection,
    *,
    objects: Sequence[str] = ("Lead", "Contact"),
    match_key: str = "email",
    match_phone: bool = False,
    since: Any = None,
    incremental_dir: str | Path | None = None,
    burst_seconds: float = 60,
    default_region: str = "US",
    write_record_sets: bool = False,
    fuzzy: bool = False,
    fuzzy_threshold: float = DEFAULT_THRESHOLD,
    progress: StepProgress = None,
) -> ScanResult:
    """Find the duplicates already in the org across ``objects`` (module docstring).

    ``match_key``: ``email`` or ``provider`` (Gmail dots and +tags); ``match_phone``: also
    link by E.164 Phone / MobilePhone (national numbers read in the record's country, else
    ``default_region``). ``since`` (a date or time) or ``incremental_dir`` (a directory with
    an earlier scan's ``watermark.csv``): report only clusters holding a record created or
    modified after it. ``burst_seconds``: the gap that keeps one creator's duplicates in one
    burst. ``write_record_sets``: create one DuplicateRecordSet per reported cluster (not
    twice). ``fuzzy``: also the probable duplicates under other emails, at a match
    probability of at least ``fuzzy_threshold`` (the ``sfclean[fuzzy]`` extra; module
    docstring): extra fields are read and the rows appended to the clusters table, for
    review only. ``progress(done, total)``: records read from the org so far and expected, after
    each object (:func:`sfclean.tqdm_progress` draws it); None or False for none.

    Raises :class:`~sfclean.errors.ConfigError` for a bad option (or ``fuzzy`` without the
    extra) before any API call, and
    the connection's errors (:class:`~sfclean.errors.OrgError`) when the org cannot be read.
    """
    names = _check(objects, since, incremental_dir)
    if match_key not in ("email", "provider"):
        raise ConfigError(f"match_key must be email or provider (got {match_key!r})")
    if not burst_seconds >= 0:
        raise ConfigError(f"burst_seconds must be 0 or more (got {burst_seconds!r})")
    if fuzzy:
        check_fuzzy(fuzzy_threshold)
    conn = require_connection(conn, caller="sfclean.scan")
    mark = parse_since(since) if since is not None else None
    state = read_state(incremental_dir, names) if incremental_dir is not None else State()
    if incremental_dir is not None:
        mark = state.watermark
    calls = conn.api_calls
    extraction = _extract(conn, names, state, progress_callback(progress), fuzzy)
    claimed, claim_problem = audit_field_users(conn)
    records = extraction.records
    new = changed_ids(records, mark) if mark is not None else None
    tables = cluster_records(
        records,
        match_key=match_key,
        match_phone=match_phone,
        default_region=default_region,
        burst_seconds=burst_seconds,
        audit_field_users=claimed,
        new=new,
        only_new=new is not None,
    )
    found = None
    if fuzzy:
        tables, found = with_fuzzy(tables, records, new, fuzzy_threshold, default_region)
    result = _finish(
        conn,
        tables,
        extraction,
        names,
        claimed,
        claim_problem,
        write_record_sets,
        calls,
        since=None if mark is None else mark.isoformat(),
        fuzzy=found,
    )
    if incremental_dir is None:
        return result
    return replace(result, index=index_table(records))


def _extract(
    conn: Connection,
    names: tuple[str, ...],
    state: State,
    progress: Callable[[int, int], None] | None,
    fuzzy: bool = False,
) -> Extraction:
    """Every record (no usable key index: none, or one without the fuzzy fields a
    ``fuzzy`` run needs), or the index with the changes since the watermark in place of
    their old rows (:mod:`~sfclean.stages.scan_state`)."""
    wanted = {f for n in names for f in FUZZY_FIELDS.get(n, ())} if fuzzy else set()
    if state.index is None or state.watermark is None or not wanted <= set(state.index):
        return extract_records(conn, names, fuzzy=fuzzy, progress=progress)
    since = soql_datetime(state.watermark)
    changed = extract_records(
        conn, names, since=since, creators=False, fuzzy=fuzzy, progress=progress
    )
    records = with_creators(conn, combine(merge_changes(state.index, changed.records)))
    return replace(changed, records=records)


def _finish(
    conn: Connection,
    tables: ScanTables,
    extraction: Extraction,
    names: tuple[str, ...],
    claimed: frozenset[str],
    claim_problem: str,
    write_sets: bool,
    calls: int,
    *,
    since: str | None,
    fuzzy: pd.DataFrame | None = None,
) -> ScanResult:
    """Causes, the result tables (``fuzzy``: the fuzzy rows, appended to the clusters
    table only), the optional record sets."""
    state = read_rules(conn, names)
    if claim_problem:
        state = RuleState(state.rules, (*state.problems, claim_problem), state.details_read)
    members = tables.members if tables.members is not None else tables.clusters
    causes = cluster_causes(members, state, claimed)
    clusters = _clusters_table(tables, extraction.records, causes, fuzzy)
    exact = clusters.iloc[: len(tables.clusters)]
    outcome = write_record_sets(conn, exact, state, names) if write_sets else None
    return ScanResult(
        kept=clusters,
        held_back=_held_back(clusters),
        findings=_findings(causes, clusters),
        by_creator=tables.by_creator,
        merge_plan=tables.merge_plan,
        convert_plan=tables.convert_plan,
        counts=tables.counts,
        objects=names,
        api_calls=conn.api_calls - calls,
        apis=dict(extraction.apis),
        rules=state,
        record_sets=outcome,
        since=since,
        watermark=newest(extraction.records) or since,
        extracted=dict(extraction.read),
    )
