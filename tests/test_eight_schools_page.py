"""AppTest of the Eight schools page: the τ slider, the prior switch, BDA3's numbers, exact vs MCMC."""

from __future__ import annotations

import re

import numpy as np
import pytest

PAGE = "app_pages/eight_schools.py"


def summary_line(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("At τ = **"))


def numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"\*\*(-?[\d.]+)\*\*", text)]


def caption_with(at, start: str) -> str:
    """The first caption on the page that starts with ``start``."""
    return next(c.value for c in at.caption if c.value.startswith(start))


def largest_mover(page, family: str, scale: float, tau: float) -> str:
    """The school with the largest |E(θ_j | τ, y) - y_j|, computed here from the exact engine."""
    from hbm_core.data.datasets import load_dataset
    from hbm_core.exact.grid import exact_from_data
    from hbm_core.lessons.eight_schools import priors_for

    at = exact_from_data(load_dataset("eight_schools"), priors_for(family, scale)).at_tau(tau)
    return str(at.loc[(at["mean"] - at["y"]).abs().idxmax(), "group"])


@pytest.fixture
def page(app_test):
    """The page with a small, quick sampler."""
    app_test.run()
    app_test.session_state["es_draws"] = 250
    app_test.session_state["es_chains"] = 2
    return app_test


@pytest.fixture
def flat_page(page):
    """The page with BDA3's flat prior: exact engine only, no sampling."""
    page.session_state["es_prior"] = "flat"
    page.switch_page(PAGE).run()
    assert not page.exception, page.exception
    return page


def test_default_prior_runs_mcmc_and_it_agrees_with_the_exact_engine(page, frame_with):
    page.switch_page(PAGE).run()
    assert not page.exception, page.exception
    assert not page.error, [e.value for e in page.error]
    assert page.session_state["es_prior"] == "half_cauchy"
    table = frame_with(page, "MCMC mean")
    assert list(table["parameter"]) == [f"θ {g}" for g in "ABCDEFGH"] + ["μ", "τ"]
    assert table["MCMC mean"].notna().all()
    gap = np.abs(table["MCMC mean"] - table["exact mean"]) / table["exact sd"]
    assert gap.max() < 0.5, table
    # The three fits' diagnostics are shown.
    diagnostics = frame_with(page, "max R-hat")
    assert list(diagnostics["fit"]) == ["Complete pooling", "No pooling", "Partial pooling"]
    # BDA3's numbers are reproduced whatever prior is chosen (they use the flat prior).
    assert frame_with(page, "BDA3")["agrees"].all()
    assert frame_with(page, "E(θ | τ=10) BDA3")["agrees"].all()
    # One complete-pooling estimate per prior, each named with its prior: 7.6 under mu ~ Normal(0, 50),
    # BDA3's 7.7 with the flat prior on mu; Fig. 5.6's caption gives the page's own value, not 7.7.
    line = summary_line(page)
    assert numbers(line)[2] == pytest.approx(7.6) and "**7.6** under μ ~ Normal(0, 50)" in line
    assert "flat prior on μ it is the precision-weighted mean 7.7" in line
    fig56 = caption_with(page, "At τ = 0 every school gets")
    assert "complete-pooling 7.6 (your prior on μ)" in fig56 and "7.7" not in fig56
    # The shrinkage caption names the school that moved most at the default τ.
    mover = largest_mover(page, "half_cauchy", 25, 10.0)
    assert f"**school {mover}** moves most" in caption_with(page, "Arrows run from each school")


def test_flat_prior_gives_an_info_message_instead_of_mcmc(flat_page, frame_with):
    assert any("MCMC needs a proper prior" in i.value for i in flat_page.info)
    exact = frame_with(flat_page, "exact mean")
    assert "MCMC mean" not in exact.columns and exact["exact mean"].notna().all()
    assert not any("max R-hat" in df.value.columns for df in flat_page.dataframe)
    assert flat_page.slider(key="es_prior_scale").disabled
    # Exact engine, flat prior: BDA3's E(theta_A | tau = 10, y) = 14.2 and complete pooling 7.7.
    a, pooled = numbers(summary_line(flat_page))[1:3]
    assert a == pytest.approx(14.2, abs=0.05)
    assert pooled == pytest.approx(7.7, abs=0.05)
    assert "precision-weighted mean of the y_j (flat prior on μ, as in BDA3)" in summary_line(flat_page)
    assert "Normal(0, 50)" not in summary_line(flat_page)  # one prior, one complete-pooling number
    # The captions that describe results are computed under the chosen prior.
    assert "median at 5.2 SAT points" in caption_with(flat_page, "The filled curve is p(τ | y)")
    assert "At the posterior median τ = 5.2" in caption_with(flat_page, "Posterior means with 94% intervals")
    mover = largest_mover(flat_page, "flat", 0.0, 10.0)
    assert f"**school {mover}** moves most" in caption_with(flat_page, "Arrows run from each school")
    scalars = frame_with(flat_page, "BDA3").set_index("quantity")
    assert scalars.loc["median of τ | y", "this app"] == pytest.approx(5.2, abs=0.05)


def test_tau_slider_moves_every_conditional_display(flat_page):
    at = flat_page
    assert at.slider(key="es_tau").value == 10.0
    at.slider(key="es_tau").set_value(0.0).run()
    assert not at.exception
    line = summary_line(at)
    tau, a, pooled, pooling, prob = numbers(line)
    assert tau == 0 and a == pytest.approx(pooled) and pooling == 1.0  # complete pooling
    assert "every school is pooled completely (pooling factor **1.00**)" in line and "run from" not in line
    assert prob == 0.0
    shrink = caption_with(at, "Arrows run from each school")
    assert f"**school {largest_mover(at, 'flat', 0.0, 0.0)}** moves most" in shrink
    at.slider(key="es_tau").set_value(30.0).run()
    assert not at.exception
    tau, a, pooled, lo, hi, prob = numbers(summary_line(at))
    assert tau == 30 and a > 24  # barely pooled: close to school A's own 28
    assert hi < 0.3 and prob > 0.95
    assert at.session_state["_keep_es_tau"] == 30.0


def test_prior_switch_changes_the_posterior_of_tau(page, frame_with):
    page.session_state["es_prior"] = "flat"
    page.switch_page(PAGE).run()
    prob_flat = numbers(summary_line(page))[-1]
    sens = frame_with(page, "median τ")
    assert len(sens) == 4  # the flat prior is one of the fixed rows
    page.radio(key="es_prior").set_value("half_normal").run()
    page.slider(key="es_prior_scale").set_value(5).run()
    assert not page.exception, page.exception
    assert not page.info or not any("MCMC needs a proper prior" in i.value for i in page.info)
    prob_hn = numbers(summary_line(page))[-1]
    assert prob_hn > prob_flat  # a half-normal(5) prior puts more mass on small tau
    sens = frame_with(page, "median τ").set_index("prior")
    assert "your prior: half-normal, scale 5" in sens.index
    assert sens.loc["your prior: half-normal, scale 5", "median τ"] < sens.loc["flat (BDA3)", "median τ"]
    assert frame_with(page, "MCMC mean")["MCMC mean"].notna().all()


def test_narrow_uniform_prior_is_handled(page, frame_with):
    page.session_state["es_prior"] = "uniform"
    page.session_state["es_prior_scale"] = 1
    page.switch_page(PAGE).run()
    assert not page.exception, page.exception
    assert numbers(summary_line(page))[-1] == 1.0  # P(tau <= 10 | y) under Uniform(0, 1)
    assert frame_with(page, "MCMC mean").set_index("parameter").loc["τ", "MCMC mean"] < 1.0
