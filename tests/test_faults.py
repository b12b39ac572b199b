"""Faults leave the page usable with a clear message, and the user's settings are kept."""

from __future__ import annotations

import pytest

from hbm_core.inference.compile import ModelCache
from hbm_core.inference.jobs import FitJob

EXPLORE = "app_pages/explore.py"


@pytest.fixture
def explore_with_fault(open_page, monkeypatch):
    """A function ``open_(owner, method, error, seed)``: make ``owner.method`` raise ``error``, then open
    the Explore page with three groups and this seed; the page must not raise."""

    def open_(owner, method: str, error: BaseException, seed: int):
        def broken(*args, **kwargs):
            raise error

        monkeypatch.setattr(owner, method, broken)
        # A seed no other test uses: the shared result cache must not answer for the sampler.
        return open_page(EXPLORE, query={"n": "6,30,50", "m": "2,5,8", "s": "2,2,2", "seed": str(seed)})

    return open_


def test_sampler_exception_shows_a_message_and_keeps_settings(explore_with_fault, monkeypatch):
    at = explore_with_fault(FitJob, "_sample_nutpie", RuntimeError("injected sampler fault"), seed=90_001)
    errors = " ".join(e.value for e in at.error)
    assert "sampler failed" in errors and "injected sampler fault" in errors
    # The exact preview still stands in for the failed fits, with the user's groups.
    table = at.dataframe[0].value
    assert list(table.n) == [6, 30, 50]
    assert at.session_state["seed"] == 90_001
    # The page stays usable: the next change runs normally once the sampler works again.
    monkeypatch.undo()
    at.slider(key="size_0").set_value(7).run()
    assert not at.exception
    assert not at.error
    assert list(at.dataframe[0].value.n) == [7, 30, 50]


def test_failed_compile_shows_a_message(explore_with_fault):
    at = explore_with_fault(ModelCache, "for_fit", MemoryError("no memory to compile"), seed=90_002)
    assert any("no memory to compile" in e.value for e in at.error)


@pytest.mark.parametrize("bad", [{"n": "5"}, {"n": "a,b"}, {"seed": "-5"}, {"tau": "nan"}])
def test_broken_links_never_crash(open_page, bad):
    open_page(EXPLORE, query=bad)
