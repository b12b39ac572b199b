"""Graceful overload: fewer draws when the sampling queue is long, and the page says so."""

from __future__ import annotations

import json

import pytest

from hbm_core.inference.broker import FitBroker
from hbm_core.inference.settings import FitSettings, under_load

EXPLORE = "app_pages/explore.py"


def test_settings_stay_as_asked_until_the_queue_is_long():
    asked = FitSettings(draws=1000, tune=500)
    assert under_load(asked, pending_fits=0, slots=2) == asked
    assert under_load(asked, pending_fits=6, slots=2) == asked  # one user's three fits per slot
    half = under_load(asked, pending_fits=7, slots=2)
    assert (half.draws, half.tune) == (500, 300)
    quarter = under_load(asked, pending_fits=13, slots=2)
    assert (quarter.draws, quarter.tune) == (250, 300)
    assert under_load(asked, pending_fits=500, slots=2) == quarter  # never below the floor
    small = FitSettings(draws=100, tune=100)
    assert under_load(small, pending_fits=500, slots=2) == small  # never more than asked
    assert under_load(asked, pending_fits=13, slots=2).seed == asked.seed  # only the amount changes


@pytest.mark.parametrize("pending, lighter", [(0, False), (40, True)])
def test_explore_page_uses_and_reports_lighter_fits_when_busy(app_test, monkeypatch, pending, lighter):
    monkeypatch.setattr(FitBroker, "running", lambda self: pending)
    app_test.query_params.update({"seed": str(7300 + pending)})  # a fit nobody has cached
    app_test.run()
    app_test.switch_page(EXPLORE).run()
    assert not app_test.exception, app_test.exception
    notes = [i.value for i in app_test.info if "The server was busy" in i.value]
    captions = " ".join(c.value for c in app_test.caption)
    if lighter:
        assert notes and "250 draws after 300 tuning steps" in notes[0]
        assert "4 chain(s) of 250 draws" in captions
    else:
        assert not notes  # Explore's simple fits take half the draws (#22), and the caption says so
        assert "1000 draws each for partial pooling, 500 for complete and no pooling" in captions


@pytest.mark.parametrize("pending, busy", [(0, False), (40, True)])
def test_busy_server_draws_only_the_shrinkage_preview_while_sampling(app_test, monkeypatch, pending, busy):
    """What the page shows while its fits sample (the run stopped there), busy or not: the exact
    preview's shrinkage chart only; the forest and population sections are built once, with the
    fits (#22), and keep the previous result on screen meanwhile."""
    import streamlit as st

    from ui import fitting

    monkeypatch.setattr(FitBroker, "running", lambda self: pending)
    monkeypatch.setattr(fitting, "finished_within", lambda requests, seconds: False)  # slow fits
    app_test.query_params.update({"seed": str(7400 + pending)})
    app_test.run()
    monkeypatch.setattr(fitting, "wait_for_fits", lambda *a, **k: st.stop())  # the moment before they end
    app_test.switch_page(EXPLORE).run()
    assert not app_test.exception, app_test.exception
    titles = [json.loads(c.proto.spec).get("title", {}) for c in app_test.get("vega_lite_chart")]
    titles = [t.get("text", t) if isinstance(t, dict) else t for t in titles]
    waiting = [c.value for c in app_test.caption if "Drawn when the sampler's result arrives" in c.value]
    assert any("pulls groups toward" in str(t) for t in titles)  # the shrinkage preview
    assert len(titles) == 2 and not waiting  # the data and the shrinkage preview
