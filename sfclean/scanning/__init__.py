"""The scan engine: duplicates already in the org, across Lead and Contact.

Pure pandas/numpy over extracted records, no network. One module per job:

- :mod:`~sfclean.scanning.records`: the expected input columns, exclusions (converted leads,
  merge victims, deleted records), dates and flags read from Bulk API text;
- :mod:`~sfclean.scanning.keys`: match keys with the same cleaners as normalize (email,
  provider key, E.164 phones read in the record's country);
- :mod:`~sfclean.scanning.cluster`: transitive clusters (connected components), stable cluster
  ids, which key linked each record, the survivor;
- :mod:`~sfclean.scanning.attribution`: newer duplicates per creator, bursts, claimed creators;
- :mod:`~sfclean.scanning.plans`: SOAP-shaped merge rows and lead-conversion rows;
- :mod:`~sfclean.scanning.engine`: :func:`~sfclean.scanning.engine.cluster_records`, which runs
  them all and returns :class:`~sfclean.scanning.engine.ScanTables`.

Fuzzy duplicates (the ``sfclean[fuzzy]`` extra, splink): :mod:`~sfclean.scanning.fuzzy`
(pairs, ``match: fuzzy`` clusters, file-to-org matches), over
:mod:`~sfclean.scanning.fuzzy_features` and :mod:`~sfclean.scanning.fuzzy_model`; imported
only when asked for, never merged.

The ``sfclean.scan(conn, ...)`` stage (extraction, the common result, the CLI) wraps this.
"""

#: The match probability from which a fuzzy pair counts unless the caller gives another:
#: 0.9, where bench/README.md ("## fuzzy") measured the same precision as at 0.95 and more
#: of the true pairs (2,000,000 records: recall 0.866 against 0.848).
DEFAULT_THRESHOLD = 0.9
