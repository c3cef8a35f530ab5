"""Transitive clusters over match keys, with stable ids, link labels and the survivor.

Records and keys are the nodes of one undirected graph, each record joined to each of its
keys; a cluster is a connected component holding two or more records
(``scipy.sparse.csgraph.connected_components``). So a Lead sharing an email with a Contact
that shares a phone with another Contact is one cluster. Only keys held by two or more
records enter the graph.

Linking keys: the email key (the provider key instead with ``match_key="provider"``, which
links every exact match too) and, with ``match_phone``, the E.164 keys of Phone and
MobilePhone (one key space: a Phone may meet another record's MobilePhone).

Per record, ``match`` names every kind of key it shares with another record, joined by
``+`` in the order ``email+provider+phone``: ``email`` (the same email key), ``provider``
(the same provider key as a record with a different email key), ``phone``.

Cluster id: ``C-`` + the first 12 hex digits of SHA-1 of the smallest Id in the cluster,
so the same records give the same id on every run and in any row order (a new record with a
smaller Id, or a record that joins two clusters, changes it).

Survivor: exactly one per cluster, the oldest Contact, else the oldest Lead, else the oldest
record of another object; oldest = smallest ``CreatedDate`` (unparsable dates last), ties by
Id. ``oldest`` marks the oldest record of the cluster whatever its object (the incumbent that
the newer duplicates are attributed against).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sfclean.scanning.keys import RecordKeys

__all__ = ["OBJECT_RANK", "cluster_id", "components", "find_clusters", "label_members"]

#: Survivor preference by object (lower wins); other objects rank after these.
OBJECT_RANK = {"Contact": 0, "Lead": 1}


def cluster_id(smallest_id: str) -> str:
    """The stable id of the cluster whose smallest record Id is ``smallest_id``."""
    return "C-" + hashlib.sha1(smallest_id.encode("utf-8")).hexdigest()[:12]


def _shared(n: int, columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(rows, key ids) of the keys in ``columns`` held by two or more distinct rows; one
    pair per (row, key) even when a row holds a key twice (Phone == MobilePhone)."""
    if not columns:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    distinct = [columns[0]]
    for column in columns[1:]:
        repeated = np.zeros(n, dtype=bool)
        for earlier in distinct:
            repeated |= column == earlier
        distinct.append(np.where(repeated, "", column))
    values = np.concatenate(distinct)
    filled = values != ""
    rows = np.tile(np.arange(n, dtype=np.int64), len(columns))[filled]
    codes, _ = pd.factorize(values[filled])
    keep = np.bincount(codes)[codes] >= 2 if len(codes) else np.zeros(0, dtype=bool)
    return rows[keep], codes[keep].astype(np.int64)


def components(n: int, links: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The component label of each of ``n`` records joined through ``links`` (pairs of
    (rows, key ids), key ids local to each pair)."""
    heads, tails = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    offset = n
    for rows, keys in links:
        heads.append(rows)
        tails.append(keys + offset)
        offset += int(keys.max(initial=-1)) + 1
    head, tail = np.concatenate(heads), np.concatenate(tails)
    graph = coo_matrix((np.ones(len(head), dtype=np.int8), (head, tail)), shape=(offset, offset))
    _, labels = connected_components(graph, directed=False)
    return labels[:n].astype(np.int64)


#: ``match`` labels by link bits (1 email, 2 provider, 4 phone).
_LABELS = np.array(
    [
        "+".join(k for k, bit in (("email", 1), ("provider", 2), ("phone", 4)) if code & bit)
        for code in range(8)
    ],
    dtype=object,
)


def _link_bits(n: int, keys: RecordKeys) -> tuple[np.ndarray, list]:
    """(link bits per record, graph links) from the record keys (bits as in ``_LABELS``)."""
    bits = np.zeros(n, dtype=np.int8)
    email_rows, email_codes = _shared(n, [keys.email])
    bits[email_rows] |= 1
    links = []
    if keys.provider is None:
        links.append((email_rows, email_codes))
    else:
        rows, codes = _shared(n, [keys.provider])
        links.append((rows, codes))
        # provider-linked: the provider group holds more than one distinct email key
        pairs = pd.DataFrame({"key": codes, "email": keys.email[rows]})
        distinct = pairs.groupby("key")["email"].transform("nunique").to_numpy()
        bits[rows[distinct > 1]] |= 2
    if keys.phones:
        rows, codes = _shared(n, list(keys.phones))
        links.append((rows, codes))
        bits[rows] |= 4
    return bits, links


def find_clusters(n: int, keys: RecordKeys) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, component, match) of the records in clusters, from the keys of ``n`` records:
    positions in the keys' arrays, a component number per row (equal within a cluster) and
    the ``match`` label."""
    bits, links = _link_bits(n, keys)
    labels = components(n, links)
    if not n:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=object)
    rows = np.flatnonzero(np.bincount(labels)[labels] >= 2)
    return rows, labels[rows], _LABELS[bits[rows]]


def label_members(detail: pd.DataFrame, component: np.ndarray, match: np.ndarray) -> pd.DataFrame:
    """``detail`` (one row per clustered record with ``object``, ``Id``, ``created``,
    ``is_new``; parallel to ``component`` and ``match``) plus ``cluster``, ``match``,
    ``survivor``, ``oldest`` and ``is_new`` (now: the cluster holds a new record), sorted by
    cluster id, then survivor first, then age and Id."""
    members = detail.assign(
        component=component,
        match=match,
        rank=[OBJECT_RANK.get(o, len(OBJECT_RANK)) for o in detail["object"].tolist()],
    )
    smallest = members.groupby("component")["Id"].min()
    ids = pd.Series([cluster_id(str(s)) for s in smallest], index=smallest.index)
    members["cluster"] = members["component"].map(ids)
    members["is_new"] = members.groupby("component")["is_new"].transform("any").astype(bool)
    by_age = members.sort_values(["created", "Id"], na_position="last", kind="stable")
    members["oldest"] = False
    members.loc[by_age.drop_duplicates("component").index, "oldest"] = True
    by_rank = members.sort_values(["rank", "created", "Id"], na_position="last", kind="stable")
    members["survivor"] = False
    members.loc[by_rank.drop_duplicates("component").index, "survivor"] = True
    members = members.sort_values(
        ["cluster", "survivor", "created", "Id"],
        ascending=[True, False, True, True],
        na_position="last",
        kind="stable",
    )
    return members.drop(columns=["component", "rank"]).reset_index(drop=True)
