"""AppTest of the Baseball page: three fits, prediction error vs Efron–Morris, scale toggle, τ prior
slider, posterior predictive check."""

from __future__ import annotations

import pytest

PAGE = "app_pages/baseball.py"
RAW = "Raw averages after 45 at-bats"


def caption_with(at, text: str) -> str:
    return next(c.value for c in at.caption if text in c.value)


@pytest.fixture
def page(open_page):
    return open_page(PAGE, state={"bb_draws": 250, "bb_chains": 2})


def test_renders_and_pooling_beats_the_raw_averages(page, frame_with):
    assert not page.error, [e.value for e in page.error]
    errors = frame_with(page, "total squared error").set_index("method")
    assert errors.loc["Raw averages after 45 at-bats", "total squared error"] == pytest.approx(
        0.075, abs=0.001
    )
    assert errors.loc["James–Stein (Efron & Morris)", "total squared error"] == pytest.approx(
        0.021, abs=0.001
    )
    assert errors.loc["Raw averages after 45 at-bats", "published"] == 0.075
    partial = errors.loc["Partial pooling (MCMC)", "total squared error"]
    assert (
        partial < 0.035 and partial < 0.5 * errors.loc["Raw averages after 45 at-bats", "total squared error"]
    )
    table = frame_with(page, "rest of season")
    assert len(table) == 18 and table["player"].iloc[0] == "Roberto Clemente"
    assert table["Partial pooling"].iloc[0] == pytest.approx(0.29, abs=0.03)
    interval = table["94% interval"].str.split(" – ", expand=True).astype(float)
    assert (interval[0] < table["Partial pooling"]).all()
    assert (table["Partial pooling"] < interval[1]).all()
    assert "c = 0.212" in caption_with(page, "James–Stein computed here")
    assert list(frame_with(page, "max R-hat")["fit"]) == ["Complete pooling", "No pooling", "Partial pooling"]
    assert "Observed inside the interval" in caption_with(page, "Observed inside the interval")


def test_scale_toggle_switches_to_logits(page, frame_with):
    prob = frame_with(page, "rest of season")
    assert prob["Partial pooling"].between(0, 1).all()
    page.radio(key="bb_scale").set_value("logit").run()
    assert not page.exception, page.exception
    lg = frame_with(page, "rest of season")
    assert (lg["Partial pooling"] < 0).all()  # batting averages below .5 have negative logits
    assert lg["after 45 at-bats"].iloc[0] == pytest.approx(-0.405, abs=0.001)  # logit(.400)
    assert lg["Partial pooling"].iloc[0] == pytest.approx(-0.9, abs=0.15)
    # Prediction errors stay on the batting-average scale.
    errors = frame_with(page, "total squared error").set_index("method")
    assert errors.loc["Raw averages after 45 at-bats", "total squared error"] == pytest.approx(
        0.075, abs=0.001
    )


def test_tau_prior_slider_changes_the_shrinkage(page, frame_with):
    before = frame_with(page, "rest of season")["Partial pooling"].iloc[0]
    page.slider(key="bb_tau_scale").set_value(0.1).run()
    assert not page.exception, page.exception
    after = frame_with(page, "rest of season")["Partial pooling"].iloc[0]
    assert after < before - 0.005  # a tighter prior on tau pulls Clemente further toward .265
    assert "τ ~ HalfNormal(0.1)" in caption_with(page, "Priors (logit scale)")


def test_predictive_check_options(page):
    rest = caption_with(page, "Observed inside the interval")
    assert "rest-of-season average" in rest
    page.radio(key="bb_target").set_value("first").run()
    assert not page.exception
    assert "first 45 at-bats" in caption_with(page, "Observed inside the interval")
    page.selectbox(key="bb_stat").set_value("max").run()
    assert not page.exception
    assert "highest average" in caption_with(page, "replicated data set")
