"""The public surface: one sorted ``__all__``, every name importable and documented."""

from __future__ import annotations

import sfclean


def test_all_is_sorted_and_unique() -> None:
    assert list(sfclean.__all__) == sorted(set(sfclean.__all__))


def test_every_public_name_exists_and_has_a_docstring() -> None:
    for name in sfclean.__all__:
        obj = getattr(sfclean, name)
        assert obj.__doc__, f"sfclean.{name} has no docstring"


def test_no_module_shadows_a_public_function() -> None:
    import importlib
    import pkgutil

    import sfclean.stages.exclude
    import sfclean.stages.normalize

    assert callable(sfclean.normalize) and callable(sfclean.exclude)
    assert sfclean.normalize.__module__ == "sfclean.stages.normalize"
    assert sfclean.stages.normalize.REASON_CODES  # the module's own names are reachable
    top = {m.name for m in pkgutil.iter_modules(importlib.import_module("sfclean").__path__)}
    assert not top & set(sfclean.__all__), "a top-level module shadows a public name"


def test_import_sfclean_loads_no_heavy_dependencies() -> None:
    import subprocess
    import sys

    code = "import sys, sfclean; print(sorted({'pandas', 'requests'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_has_a_lazy_import_entry() -> None:
    assert sorted(sfclean._EXPORTS) == list(sfclean.__all__)
