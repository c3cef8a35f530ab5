"""The collector is paused during normalize and given back as the caller had it."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

import sfclean
from sfclean.gcpause import gc_paused

FRAME = pd.DataFrame({"Email": ["a@example.com", "b@example.com"], "Phone": ["", ""]})


@pytest.fixture
def collector_on():
    was_on = gc.isenabled()
    gc.enable()
    yield
    if not was_on:
        gc.disable()


def test_off_inside_and_on_after(collector_on):
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_on_again_after_an_error(collector_on):
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_caller_who_turned_it_off_keeps_it_off(collector_on):
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_nested_blocks_leave_it_to_the_outermost(collector_on):
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_normalize_runs_with_it_off_and_gives_it_back(collector_on, monkeypatch):
    seen = []
    from sfclean.stages import normalize as stage

    real = stage.clean_work

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(stage, "clean_work", spy)
    result = sfclean.normalize(FRAME)
    assert seen == [False]
    assert gc.isenabled()
    assert len(result.kept) == 2


def test_normalize_makes_no_garbage_cycles(collector_on):
    """What pausing relies on: normalize leaves nothing for the collector, so no cycle holds
    its arrays until the end. phonenumbers' parse keeps the exception it retries after in
    a local (a cycle through its frame and every caller's); clean_phone clears those frames.
    The phones are new to the process (no cache answers them) and take that retry path."""
    sfclean.normalize(FRAME)  # first use imports and caches
    phones = ["+999 1234567", "++44 20 7946 0958", "+0 12345678", "00999 123456"]
    frame = pd.DataFrame({"Email": [f"p{i}@example.com" for i in range(4)], "Phone": phones})
    gc.collect()
    with gc_paused():
        result = sfclean.normalize(frame)
        assert gc.collect() == 0
    codes = result.findings["code"].tolist()
    assert codes == ["invalid-phone", "phone-formatted", "invalid-phone", "invalid-phone"]
