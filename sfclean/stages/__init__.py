"""The pipeline's stages, one module each: normalize -> budget -> exclude -> load.

Each stage module defines the public function of its name (``sfclean.normalize`` is
:func:`sfclean.stages.normalize.normalize`); this package re-exports nothing, so a module is
never shadowed by the function it defines. ``lookup`` is the exclude stage's org lookup and
``loadjobs`` what the load stage's APIs share (outcomes, the Loader interface), ``loaders`` one
loader per API (Bulk 1.0, Bulk 2.0, REST) and the factory that picks one.
"""
