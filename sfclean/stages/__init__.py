"""The pipeline's stages, one module each: normalize -> budget -> exclude -> load; and audit
(the org's duplicate-rule configuration, its checks in :mod:`sfclean.auditing`).

Each stage module defines the public function of its name (``sfclean.normalize`` is
:func:`sfclean.stages.normalize.normalize`); this package re-exports nothing, so a module is
never shadowed by the function it defines. ``normalize_columns`` holds the normalize stage's
steps (one per column kind) and ``normalize_findings`` its findings table; ``lookup`` is the
exclude stage's org lookup; ``loadjobs`` is what the load stage's APIs share (outcomes, the
Loader interface) and ``loaders`` one loader per API (Bulk 1.0, Bulk 2.0, REST) with the
factory that picks one. Every stage returns a :class:`sfclean.report.StageResult`; its codes
are declared in :mod:`sfclean.codes`.
"""
