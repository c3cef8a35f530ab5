"""The public surface: one sorted ``__all__``, every name importable and documented."""

from __future__ import annotations

import sfclean


def test_all_is_sorted_and_unique() -> None:
    assert list(sfclean.__all__) == sorted(set(sfclean.__all__))


def test_every_public_name_exists_and_has_a_docstring() -> None:
    for name in sfclean.__all__:
        obj = getattr(sfclean, name)
        assert obj.__doc__, f"sfclean.{name} has no docstring"


def test_public_functions_survive_importing_their_submodules() -> None:
    import sfclean.exclude
    import sfclean.normalize

    assert callable(sfclean.normalize) and callable(sfclean.exclude)
    assert sfclean.normalize.__module__ == "sfclean.normalize"


def test_import_sfclean_loads_no_heavy_dependencies() -> None:
    import subprocess
    import sys

    code = "import sys, sfclean; print(sorted({'pandas', 'requests'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_has_a_lazy_import_entry() -> None:
    assert sorted(sfclean._EXPORTS) == list(sfclean.__all__)
