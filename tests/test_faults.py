"""Faults leave the page usable with a clear message, and the user's settings are kept."""

from __future__ import annotations

import pytest

from hbm_core.inference.compile import ModelCache
from hbm_core.inference.jobs import FitJob

EXPLORE = "app_pages/explore.py"


def open_explore(app_test, seed: int):
    # A seed no other test uses: the shared result cache must not answer for the sampler.
    app_test.query_params.update({"n": "6,30,50", "m": "2,5,8", "s": "2,2,2", "seed": str(seed)})
    app_test.run()
    app_test.switch_page(EXPLORE).run()
    return app_test


def test_sampler_exception_shows_a_message_and_keeps_settings(app_test, monkeypatch):
    def broken(self, compiled):
        raise RuntimeError("injected sampler fault")

    monkeypatch.setattr(FitJob, "_sample_nutpie", broken)
    at = open_explore(app_test, seed=90_001)
    assert not at.exception, at.exception
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


def test_failed_compile_shows_a_message(app_test, monkeypatch):
    def broken_cache(self, spec):
        raise MemoryError("no memory to compile")

    monkeypatch.setattr(ModelCache, "__call__", broken_cache)
    at = open_explore(app_test, seed=90_002)
    assert not at.exception, at.exception
    assert any("no memory to compile" in e.value for e in at.error)


@pytest.mark.parametrize("bad", [{"n": "5"}, {"n": "a,b"}, {"seed": "-5"}, {"tau": "nan"}])
def test_broken_links_never_crash(app_test, bad):
    app_test.query_params.update(bad)
    app_test.run()
    app_test.switch_page(EXPLORE).run()
    assert not app_test.exception, app_test.exception
