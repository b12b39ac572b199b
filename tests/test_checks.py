"""hbm_core.lessons.checks (predictive checks, prediction error, James–Stein, BDA3 comparisons, prior
sensitivity), results.logit_estimates_table and the check charts."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy.special import expit, logit
from scipy.stats import binom

from hbm_core import viz
from hbm_core.data.datasets import load_dataset
from hbm_core.exact.grid import exact_from_data
from hbm_core.lessons import checks
from hbm_core.posterior.results import (
    estimates_table,
    logit_estimates_table,
    model_scale_draws,
    summarize_draws,
)
from hbm_core.priors import Priors


@pytest.fixture(scope="module")
def schools():
    return load_dataset("eight_schools")


@pytest.fixture(scope="module")
def flat_post(schools):
    return exact_from_data(schools, checks.FLAT_PRIORS)


@pytest.fixture(scope="module")
def baseball():
    return load_dataset("efron_morris")


def fake_posterior(theta: np.ndarray, mu: np.ndarray, groups) -> xr.DataTree:
    """A DataTree with 2 chains holding the given draws (S must be even)."""
    S, J = theta.shape
    return az.from_dict(
        {
            "posterior": {
                "theta": theta.reshape(2, S // 2, J),
                "mu": mu.reshape(2, S // 2),
                "tau": np.abs(mu).reshape(2, S // 2),
            }
        },
        coords={"group": list(groups)},
        dims={"theta": ["group"]},
    )


# ----------------------------------------------------------------------------- predictive checks


def test_model_scale_draws_shapes_and_pooled_broadcast():
    theta = np.arange(12.0).reshape(6, 2)
    mu = np.array([0.0, 1, 2, 3, 4, 5])
    idata = fake_posterior(theta, mu, ["a", "b"])
    np.testing.assert_array_equal(model_scale_draws(idata, "hierarchical", 2), theta)
    np.testing.assert_array_equal(model_scale_draws(idata.posterior, "unpooled", 2), theta)
    pooled = model_scale_draws(idata, "pooled", 2)
    np.testing.assert_array_equal(pooled, np.column_stack([mu, mu]))
    with pytest.raises(ValueError):
        model_scale_draws(idata, "hierarchical", 3)


def test_replicate_successes_follow_the_binomial():
    S = 40_000
    logits = np.full((S, 2), logit(0.3))
    trials = np.array([45.0, 10.0])
    rep = checks.replicate_successes(logits, trials, seed=3)
    assert rep.shape == (S, 2) and rep.dtype.kind == "i"
    assert rep.min() >= 0 and (rep <= trials).all()
    np.testing.assert_allclose(rep.mean(axis=0), 0.3 * trials, rtol=0.02)
    np.testing.assert_allclose(rep.var(axis=0), 0.3 * 0.7 * trials, rtol=0.05)
    # Same seed, same draws; another seed, other draws.
    np.testing.assert_array_equal(rep, checks.replicate_successes(logits, trials, seed=3))
    assert not np.array_equal(rep, checks.replicate_successes(logits, trials, seed=4))
    # Subsampling posterior draws.
    assert checks.replicate_successes(logits, trials, seed=3, n_draws=100).shape == (100, 2)


def test_replicate_successes_rejects_bad_trials():
    with pytest.raises(ValueError):
        checks.replicate_successes(np.zeros((5, 2)), np.array([1.5, 2.0]))
    with pytest.raises(ValueError):
        checks.replicate_successes(np.zeros((5, 2)), np.array([3.0]))


def test_predictive_intervals_cover_and_flag():
    rng = np.random.default_rng(0)
    rep = rng.normal(0.0, 1.0, size=(20_000, 3))
    out = checks.predictive_intervals(rep, np.array([0.0, 1.5, 3.0]), ["a", "b", "c"])
    assert list(out.columns) == ["group", "mean", "low", "high", "observed", "inside", "p_above"]
    np.testing.assert_allclose(out["low"], -1.881, atol=0.05)  # central 94% of N(0, 1)
    np.testing.assert_allclose(out["high"], 1.881, atol=0.05)
    assert list(out["inside"]) == [True, True, False]
    np.testing.assert_allclose(out["p_above"], [0.5, 0.0668, 0.00135], atol=0.01)
    with pytest.raises(ValueError):
        checks.predictive_intervals(rep, np.zeros(2), ["a", "b"])


def test_statistic_check_p_value():
    rng = np.random.default_rng(1)
    rep = rng.normal(0.0, 1.0, size=(4000, 18))
    calm = np.linspace(-0.1, 0.1, 18)  # far less spread than the replicates
    check = checks.statistic_check(rep, calm, "sd")
    assert check.replicated.shape == (4000,)
    assert check.observed == pytest.approx(np.std(calm, ddof=1))
    assert check.p_value == 1.0  # every replicate is more spread out
    wild = np.linspace(-10, 10, 18)
    assert checks.statistic_check(rep, wild, "sd").p_value == 0.0
    assert checks.statistic_check(rep, wild, "max").observed == 10.0
    assert checks.statistic_check(rep, wild, "min").observed == -10.0
    with pytest.raises(ValueError):
        checks.statistic_check(rep, wild, "kurtosis")


def test_binomial_ppc_end_to_end_detects_a_wrong_model(baseball):
    """A model claiming every player bats .500 fails the check; a plausible one passes it."""
    J = baseball.n_groups
    trials = baseball.trials
    observed = baseball.y / trials
    right = np.full((2000, J), logit(baseball.y.sum() / trials.sum()))
    wrong = np.full((2000, J), logit(0.5))
    for logits, ok in ((right, True), (wrong, False)):
        rates = checks.replicate_successes(logits, trials, seed=0) / trials
        cover = checks.predictive_intervals(rates, observed, baseball.groups)["inside"].sum()
        p = checks.statistic_check(rates, observed, "max").p_value
        if ok:
            assert cover >= 16 and 0.05 < p < 0.95
        else:
            assert cover <= 3 and p > 0.99  # the observed best (.400) is low for a .500 world


# ----------------------------------------------------------------------------- errors, James–Stein


def test_squared_error_and_table():
    assert checks.squared_error([1.0, 2.0], [0.0, 0.0]) == 5.0
    with pytest.raises(ValueError):
        checks.squared_error([1.0], [1.0, 2.0])
    with pytest.raises(ValueError):
        checks.squared_error([np.nan], [1.0])
    table = checks.prediction_errors({"a": [1.0, 1.0], "b": [0.0, 0.0]}, [0.0, 0.0], {"a": 2.1})
    assert list(table["method"]) == ["a", "b"]
    assert list(table["total squared error"]) == [2.0, 0.0]
    assert table["published"].iloc[0] == 2.1 and np.isnan(table["published"].iloc[1])


def test_efron_morris_published_errors(baseball):
    truth = baseball.meta["remaining_avg"]
    raw = baseball.y / baseball.trials
    assert checks.squared_error(raw, truth) == pytest.approx(checks.EFRON_MORRIS["sse_raw"], abs=0.0005)
    published_js = baseball.meta["js_estimate"]
    assert checks.squared_error(published_js, truth) == pytest.approx(
        checks.EFRON_MORRIS["sse_js"], abs=0.0005
    )


def test_james_stein_reproduces_efron_morris(baseball):
    js = checks.james_stein(baseball.y, baseball.trials)
    assert js.c == pytest.approx(checks.EFRON_MORRIS["js_c"], abs=0.0005)
    assert js.grand_mean == pytest.approx(215 / 810)
    np.testing.assert_allclose(js.estimates, baseball.meta["js_estimate"], atol=0.0011)
    # Everyone moves toward the grand mean, by the same factor.
    raw = baseball.y / baseball.trials
    np.testing.assert_allclose(js.estimates - js.grand_mean, js.c * (raw - js.grand_mean))


def test_james_stein_edge_cases():
    same = checks.james_stein([5, 5, 5, 5], [10, 10, 10, 10])
    assert same.c == 0.0 and np.allclose(same.estimates, 0.5)
    # Very spread averages are barely shrunk; c is never negative.
    spread = checks.james_stein([0, 10, 20, 30, 40], [40] * 5)
    assert 0.9 < spread.c < 1.0
    assert checks.james_stein([4, 5, 6, 5], [10] * 4).c == 0.0
    with pytest.raises(ValueError):
        checks.james_stein([1, 2, 3, 4], [10, 10, 10, 20])
    with pytest.raises(ValueError):
        checks.james_stein([1, 2, 3], [10, 10, 10])


# ----------------------------------------------------------------------------- eight schools


def test_bda3_tables_reproduce_the_book(flat_post):
    scalars = checks.bda3_scalars(flat_post).set_index("quantity")
    assert scalars["agrees"].all()
    assert scalars.loc["median of τ | y", "this app"] == pytest.approx(5.24, abs=0.01)
    assert scalars.loc["complete pooling estimate (τ = 0)", "this app"] == pytest.approx(7.69, abs=0.01)
    assert scalars.loc["its standard deviation", "this app"] == pytest.approx(4.07, abs=0.01)
    schools = checks.bda3_schools(flat_post).set_index("school")
    assert list(schools.index) == list("ABCDEFGH")
    assert schools["agrees"].all()
    np.testing.assert_allclose(
        schools["E(θ | τ=10) app"], [14.2, 8.1, 5.0, 7.6, 3.1, 4.9, 13.1, 9.0], atol=0.05
    )


def test_bda3_tables_notice_a_different_prior(schools):
    tight = exact_from_data(schools, Priors(mu_scale=np.inf, tau_family="half_normal", tau_scale=2.0))
    assert not checks.bda3_scalars(tight)["agrees"].all()
    assert not checks.bda3_schools(tight)["agrees"].all()


def test_exact_vs_mcmc_table(flat_post):
    groups = list(flat_post.groups)
    est = pd.DataFrame({"group": groups[::-1], "mean": np.arange(8.0)[::-1], "sd": np.ones(8)})
    pop = pd.DataFrame({"parameter": ["mu", "tau"], "mean": [7.0, 6.0], "sd": [5.0, 4.0]})
    table = checks.exact_vs_mcmc(flat_post, est, pop)
    assert list(table["parameter"]) == [f"θ {g}" for g in groups] + ["μ", "τ"]
    np.testing.assert_array_equal(table["MCMC mean"].to_numpy()[:8], np.arange(8.0))  # matched by name
    assert table["MCMC mean"].iloc[-2:].tolist() == [7.0, 6.0]
    assert table["exact mean"].iloc[-1] == pytest.approx(flat_post.tau_summary()["mean"])
    assert checks.exact_vs_mcmc(flat_post)["MCMC mean"].isna().all()


@pytest.mark.parametrize(
    "family, scale",
    [("half_normal", 3.0), ("half_cauchy", 5.0), ("exponential", 2.0), ("uniform", 10.0)],
)
def test_tau_prior_density_integrates_to_one(family, scale):
    priors = Priors(tau_family=family, tau_scale=scale)
    t = np.linspace(0.0, 20_000.0, 2_000_001)
    dens = checks.tau_prior_density(priors, t)
    assert (dens >= 0).all()
    mass = np.trapezoid(dens, t)
    assert mass == pytest.approx(1.0, abs=0.01 if family == "uniform" else 1e-3)
    assert checks.tau_prior_density(priors, np.array([-1.0]))[0] == 0.0


def test_tau_prior_density_flat_and_bad_scale():
    assert checks.tau_prior_density(checks.FLAT_PRIORS, np.linspace(0, 1, 3)) is None
    with pytest.raises(ValueError):
        checks.tau_prior_density(Priors(tau_scale=0.0), np.ones(2))


def test_tau_probability_below(flat_post):
    median = flat_post.tau_summary()["median"]
    assert checks.tau_probability_below(flat_post, median) == pytest.approx(0.5, abs=1e-3)
    assert checks.tau_probability_below(flat_post, 0.0) == 0.0
    assert checks.tau_probability_below(flat_post, 1e9) == 1.0
    p5, p10 = (checks.tau_probability_below(flat_post, t) for t in (5.0, 10.0))
    assert 0 < p5 < p10 < 1


def test_conditional_curves_match_at_tau(flat_post):
    curves = checks.conditional_curves(flat_post, [0.0, 10.0])
    assert len(curves) == 16 and list(curves.columns) == ["tau", "group", "mean", "sd", "pooling"]
    at10 = curves[curves.tau == 10.0].set_index("group")
    assert at10.loc["A", "mean"] == pytest.approx(14.24, abs=0.01)
    assert (curves[curves.tau == 0.0]["pooling"] == 1.0).all()
    with pytest.raises(ValueError):
        checks.conditional_curves(flat_post, [-1.0])


def test_prior_sensitivity(schools):
    priors = {
        "flat": checks.FLAT_PRIORS,
        "tight": Priors(mu_scale=50.0, tau_family="half_normal", tau_scale=1.0),
    }
    table, curves = checks.prior_sensitivity(schools.y, schools.se, schools.groups, priors)
    assert list(table["prior"]) == ["flat", "tight"]
    flat, tight = table.iloc[0], table.iloc[1]
    assert flat["median τ"] == pytest.approx(5.24, abs=0.01)
    assert tight["median τ"] < 1.5 < flat["median τ"]
    # A tight prior on tau pulls school A much closer to mu.
    assert tight["A"] - tight["mean μ"] < 0.5 * (flat["A"] - flat["mean μ"])
    assert set(curves["prior"]) == {"flat", "tight"}
    for _, sub in curves.groupby("prior"):
        assert np.trapezoid(sub["density"], sub["tau"]) == pytest.approx(1.0, abs=0.02)


# ----------------------------------------------------------------------------- logit estimates


def test_logit_estimates_table_is_the_logit_of_the_probability_table(baseball):
    rng = np.random.default_rng(2)
    J = baseball.n_groups
    theta = rng.normal(-1.0, 0.2, size=(400, J))
    mu = rng.normal(-1.0, 0.05, size=400)
    idata = fake_posterior(theta, mu, baseball.groups)
    data = baseball.with_(true_means=baseball.meta["remaining_avg"])
    for pooling in ("pooled", "unpooled", "hierarchical"):
        lg = logit_estimates_table(idata.posterior, data, pooling)
        pr = estimates_table(idata.posterior, data, pooling)
        assert list(lg.columns) == list(pr.columns)
        draws = np.column_stack([mu] * J) if pooling == "pooled" else theta
        np.testing.assert_allclose(lg["mean"], draws.mean(axis=0))
        np.testing.assert_allclose(lg["sd"], draws.std(axis=0, ddof=1))
        ref = summarize_draws(draws)
        np.testing.assert_allclose(lg[["hdi_low", "hdi_high"]], ref[["hdi_low", "hdi_high"]])
        assert (lg["hdi_low"] < lg["mean"]).all() and (lg["mean"] < lg["hdi_high"]).all()
        # The probability table is the same draws through expit: the means agree to first order.
        np.testing.assert_allclose(expit(lg["mean"]), pr["mean"], atol=0.01)
        np.testing.assert_allclose(lg["raw_mean"], logit(baseball.y / baseball.trials))
        np.testing.assert_allclose(lg["true_mean"], logit(baseball.meta["remaining_avg"]))
        assert (lg["fit"] == pooling).all()
        assert lg["pooling"].notna().all() == (pooling == "hierarchical")


def test_logit_estimates_table_keeps_zero_and_all_successes_finite(baseball):
    data = baseball.with_(y=np.r_[0.0, 45.0, baseball.y[2:]])
    idata = fake_posterior(np.zeros((10, data.n_groups)), np.zeros(10), data.groups)
    table = logit_estimates_table(idata.posterior, data, "unpooled")
    assert np.isfinite(table["raw_mean"]).all()
    assert table["raw_mean"].iloc[0] == pytest.approx(logit(0.5 / 45))
    with pytest.raises(ValueError):
        logit_estimates_table(idata.posterior, load_dataset("eight_schools"), "unpooled")


# ----------------------------------------------------------------------------- charts


def _spec(chart) -> str:
    return str(chart.to_dict())


def _assert_fields_present(chart) -> None:
    """Every layer's x and y fields exist in that layer's data (else Vega-Lite silently drops it)."""
    spec = chart.to_dict()
    for layer in spec["layer"]:
        data = layer["data"]  # inline values, or a dataset of the spec by name
        rows = data["values"] if "values" in data else spec["datasets"][data["name"]]
        for channel in ("x", "x2", "y"):
            field = layer.get("encoding", {}).get(channel, {}).get("field")
            if field is not None:
                assert all(field in row for row in rows), (channel, field, layer["mark"])


def test_check_charts_render_to_vega_lite(flat_post):
    taus = np.linspace(0, 30, 31)
    post = pd.DataFrame({"tau": taus, "density": flat_post.tau_pdf(taus)})
    prior = pd.DataFrame({"tau": taus, "density": np.full(31, 1 / 30)})
    spec = _spec(viz.tau_prior_posterior(post, prior, 10.0, x_label="τ (points)"))
    assert viz.checks.PRIOR_LABEL in spec and "τ = 10" in spec and "τ (points)" in spec
    assert viz.checks.PRIOR_LABEL not in _spec(viz.tau_prior_posterior(post, None, None))
    _assert_fields_present(viz.tau_prior_posterior(post, prior, 10.0))
    curves = pd.concat([post.assign(prior="a"), post.assign(prior="b")])
    assert "posterior density p(τ | y)" in _spec(viz.tau_posteriors(curves))
    frame = pd.DataFrame(
        {
            "group": ["x", "x", "y", "y"],
            "fit": ["pooled", "hierarchical"] * 2,
            "low": [0.1, 0.2, 0.1, 0.2],
            "high": [0.3, 0.4, 0.3, 0.4],
            "mean": [0.2, 0.3, 0.2, 0.3],
            "observed": [0.25, 0.25, 0.5, 0.5],
            "inside": [True, True, False, False],
        }
    )
    _assert_fields_present(viz.predictive_intervals(frame, "batting average"))
    spec = _spec(viz.predictive_intervals(frame, "batting average"))
    assert "batting average" in spec and "0 of 2 fits cover it" in spec
    histogram = viz.statistic_histogram(np.random.default_rng(0).normal(size=500), 0.5, "sd")
    _assert_fields_present(histogram)
    spec = _spec(histogram)
    assert "share of simulations" in spec and "'lo': 0.5" in spec  # the observed value's rule
    errors = pd.DataFrame(
        {
            "method": ["raw", "fit"],
            "error": [0.075, 0.02],
            "published": [0.075, np.nan],
            "fit": ["", "pooled"],
        }
    )
    assert "total squared error" in _spec(viz.error_bars(errors))


def test_histograms_of_several_fits_share_one_x_range():
    narrow = checks.StatisticCheck("sd", "sd", np.array([0.02, 0.03, np.nan]), 0.038, 0.0)
    wide = checks.StatisticCheck("sd", "sd", np.array([0.05, 0.12]), 0.038, 1.0)
    assert checks.common_range([narrow, wide]) == (0.02, 0.12)  # NaN ignored, observed included
    assert checks.common_range([checks.StatisticCheck("sd", "sd", np.array([0.4]), 0.4, 1.0)]) == (
        0.4,
        0.4 + 1e-9,
    )
    with pytest.raises(ValueError):
        checks.common_range([])
    shared = viz.statistic_histogram(narrow.replicated, 0.038, "sd", domain=(0.02, 0.12)).to_dict()
    scales = [
        layer["encoding"]["x"].get("scale", {}) for layer in shared["layer"] if "x" in layer["encoding"]
    ]
    assert {"domain": [0.02, 0.12], "nice": False} in scales
    # The y labels get a fixed room, so stacked histograms start their plots at the same pixel.
    for chart in (
        shared,
        viz.statistic_histogram(wide.replicated, 0.038, "sd", domain=(0.02, 0.12)).to_dict(),
    ):
        y_axes = [layer["encoding"]["y"]["axis"] for layer in chart["layer"] if "y" in layer["encoding"]]
        assert [axis["minExtent"] for axis in y_axes] == [30]
    own = viz.statistic_histogram(narrow.replicated, 0.038, "sd").to_dict()
    assert all("domain" not in str(layer["encoding"]["x"]) for layer in own["layer"])


def test_check_charts_reject_bad_input():
    with pytest.raises(ValueError):
        viz.tau_prior_posterior(pd.DataFrame({"tau": [1.0]}))
    with pytest.raises(ValueError):
        viz.statistic_histogram(np.array([np.nan]), 0.0, "sd")
    with pytest.raises(ValueError):
        viz.statistic_histogram(np.ones(3), 0.0, "sd", fit="nonsense")


def test_binomial_tail_reference():
    """The predictive p-value of a single binomial equals its exact tail probability."""
    rep = checks.replicate_successes(np.full((100_000, 1), logit(0.25)), np.array([45.0]), seed=9)
    out = checks.predictive_intervals(rep, np.array([18.0]), ["Clemente"])
    assert out["p_above"].iloc[0] == pytest.approx(binom.sf(17, 45, 0.25), abs=0.002)
