"""AppTest of the prior predictive check in the shared result sections (Explore, Your data): the
box opens, its charts and computed readings render, and its τ slider changes them without touching
the page's fits."""

from __future__ import annotations

from tests.prior_check_helpers import caption, open_check, spread_share


def test_explore_prior_check_follows_its_slider(open_page) -> None:
    at = open_page("app_pages/explore.py", state={"draws": 250, "chains": 2})
    charts_before = len(at.get("vega_lite_chart"))
    at = open_check(at, "results")
    assert len(at.get("vega_lite_chart")) == charts_before + 2  # where the means land, and their spread
    assert any("A **prior predictive check** asks" in m.value for m in at.markdown)
    assert "The priors put 90% of simulated group means between" in caption(at, "Bars: where the priors")
    page_tau = float(at.session_state["tau_scale"])
    captions = [c.value for c in at.caption]
    assert f"τ ~ HalfNormal({page_tau:g}): the prior the fits on this page use." in captions
    wide = spread_share(at)
    at.slider(key="results_pp_scale").set_value(1.0).run()
    assert not at.exception
    assert any(f"tried here only: the fits use HalfNormal({page_tau:g})" in c.value for c in at.caption)
    assert spread_share(at) < wide  # a tighter prior on τ: fewer draws spread the groups as far
    assert at.session_state["tau_scale"] == page_tau  # the page's prior, and so its fits, untouched


def test_your_data_counts_get_the_check_on_the_probability_scale(open_page) -> None:
    at = open_page("app_pages/upload.py", state={"upload_draws": 200, "upload_chains": 2, "upload_tune": 200})
    at.button(key="upload_paste_throws").click().run()
    at = open_check(at, "results")
    assert "simulated proportions between" in caption(at, "Bars: where the priors")
    assert "Below 5% or above 95%" in caption(at, "Below 5% or above 95%")
    at.toggle(key="results_pp_code").set_value(True).run()
    assert not at.exception
    code = at.code[-1].value
    assert "rng.binomial(trials.astype(np.int64), p)" in code
    assert "tau = np.abs(rng.normal(0.0, 1.0, S))" in code
