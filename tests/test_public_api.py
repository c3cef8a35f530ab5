"""The public surface: one sorted ``__all__``, every name importable and documented."""

from __future__ import annotations

import sfclean


def test_all_is_sorted_and_unique() -> None:
    assert list(sfclean.__all__) == sorted(set(sfclean.__all__))


def test_every_public_name_exists_and_has_a_docstring() -> None:
    for name in sfclean.__all__:
        obj = getattr(sfclean, name)
        assert obj.__doc__, f"sfclean.{name} has no docstring"
