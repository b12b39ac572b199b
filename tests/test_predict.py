"""hbm_core.posterior.predict: predictive draws on synthetic posteriors match analytic means and sds."""

from __future__ import annotations

import arviz as az
import numpy as np
import pytest
import xarray as xr
from scipy.stats import norm

from hbm_core.posterior.predict import (
    PredictionError,
    fit_kind,
    location_draws,
    predictive_draws,
    predictive_moments,
    stacked,
    summarize_log_scale,
)

CHAINS, DRAWS = 4, 5000
GROUPS = ["A", "B", "C"]


def posterior(**variables) -> xr.DataTree:
    """A DataTree whose posterior holds the given arrays (chain, draw[, group])."""
    dims = {name: ["group"] for name, v in variables.items() if np.ndim(v) == 3}
    return az.from_dict({"posterior": variables}, coords={"group": GROUPS}, dims=dims)


def const(value, groups: bool = False) -> np.ndarray:
    shape = (CHAINS, DRAWS, len(GROUPS)) if groups else (CHAINS, DRAWS)
    return np.broadcast_to(np.asarray(value, dtype=float), shape).copy()


@pytest.fixture
def hierarchical_fixed():
    """Partial pooling with every parameter known exactly: mu 1.2, tau 0.4, beta -0.7, sigma 0.8."""
    return posterior(
        mu=const(1.2),
        tau=const(0.4),
        beta=const(-0.7),
        sigma=const(0.8),
        theta=const([2.0, 0.5, 1.0], groups=True),
    )


def test_new_group_is_normal_with_tau_and_sigma_added_in_quadrature(hierarchical_fixed):
    draws = predictive_draws(hierarchical_fixed, None, x=1.0, seed=3)
    assert draws.shape == (CHAINS * DRAWS,)
    # y_new ~ N(mu + beta, sqrt(tau^2 + sigma^2)) = N(0.5, 0.894)
    assert np.mean(draws) == pytest.approx(0.5, abs=0.02)
    assert np.std(draws) == pytest.approx(np.hypot(0.4, 0.8), abs=0.015)
    m = predictive_moments(hierarchical_fixed, None, x=1.0)
    assert m.mean == pytest.approx(0.5)
    assert m.sd == pytest.approx(np.hypot(0.4, 0.8))
    assert (m.sd_location, m.sd_group, m.sd_noise) == pytest.approx((0.0, 0.4, 0.8))


def test_existing_group_uses_its_own_intercept_and_only_sigma(hierarchical_fixed):
    basement = predictive_draws(hierarchical_fixed, "A", x=0.0, seed=3)
    first = predictive_draws(hierarchical_fixed, 0, x=1.0, seed=3)  # by index: group A
    assert np.mean(basement) == pytest.approx(2.0, abs=0.02)
    assert np.std(basement) == pytest.approx(0.8, abs=0.015)
    assert np.mean(first) == pytest.approx(1.3, abs=0.02)
    np.testing.assert_allclose(basement - first, 0.7)  # same noise draws, shifted by -beta
    assert predictive_moments(hierarchical_fixed, "B", x=1.0).mean == pytest.approx(-0.2)


def test_uncertain_parameters_add_their_posterior_variance():
    rng = np.random.default_rng(0)
    theta = np.stack([rng.normal(m, 0.3, (CHAINS, DRAWS)) for m in (2.0, 0.5, 1.0)], axis=-1)
    mu = rng.normal(1.0, 0.1, (CHAINS, DRAWS))
    idata = posterior(
        mu=mu, tau=const(0.5), beta=rng.normal(-0.7, 0.05, (CHAINS, DRAWS)), sigma=const(0.8), theta=theta
    )
    # an existing group: var = var(theta_j + beta x) + sigma^2 = 0.3^2 + 0.05^2 + 0.8^2 at x = 1
    want_sd = np.sqrt(0.3**2 + 0.05**2 + 0.8**2)
    draws = predictive_draws(idata, "C", x=1.0, seed=1, per_draw=2)
    assert draws.shape == (2 * CHAINS * DRAWS,)
    assert np.std(draws) == pytest.approx(want_sd, abs=0.015)
    assert predictive_moments(idata, "C", x=1.0).sd == pytest.approx(want_sd, abs=0.005)
    # a new group: var = var(mu + beta x) + tau^2 + sigma^2
    new = predictive_draws(idata, None, x=1.0, seed=1)
    want_new = np.sqrt(0.1**2 + 0.05**2 + 0.5**2 + 0.8**2)
    assert np.mean(new) == pytest.approx(0.3, abs=0.02)
    assert np.std(new) == pytest.approx(want_new, abs=0.015)
    assert predictive_moments(idata, None, x=1.0).sd == pytest.approx(want_new, abs=0.005)


def test_new_group_location_spreads_by_tau(hierarchical_fixed):
    loc = location_draws(hierarchical_fixed, None, seed=0)
    assert np.mean(loc) == pytest.approx(1.2, abs=0.01)
    assert np.std(loc) == pytest.approx(0.4, abs=0.01)


def test_complete_and_no_pooling():
    pooled = posterior(mu=const(1.3), beta=const(-0.6), sigma=const(0.8))
    assert fit_kind(pooled) == "pooled"
    for group in ("B", None):  # complete pooling: every county, known or new, is the same
        draws = predictive_draws(pooled, group, x=1.0, seed=2)
        assert np.mean(draws) == pytest.approx(0.7, abs=0.02)
        assert np.std(draws) == pytest.approx(0.8, abs=0.015)
    unpooled = posterior(theta=const([2.0, 0.5, 1.0], groups=True), beta=const(0.0), sigma=const(1.0))
    assert fit_kind(unpooled) == "unpooled"
    assert np.mean(predictive_draws(unpooled, "B")) == pytest.approx(0.5, abs=0.03)
    with pytest.raises(PredictionError, match="says nothing"):
        predictive_draws(unpooled, None)


def test_seeds_reproduce_and_differ(hierarchical_fixed):
    a = predictive_draws(hierarchical_fixed, None, seed=5)
    np.testing.assert_array_equal(a, predictive_draws(hierarchical_fixed, None, seed=5))
    assert not np.array_equal(a, predictive_draws(hierarchical_fixed, None, seed=6))


def test_bad_requests_raise_prediction_errors(hierarchical_fixed):
    with pytest.raises(PredictionError, match="no group called"):
        predictive_draws(hierarchical_fixed, "NOWHERE")
    with pytest.raises(PredictionError, match="no group number"):
        predictive_draws(hierarchical_fixed, 7)
    with pytest.raises(PredictionError, match="per_draw"):
        predictive_draws(hierarchical_fixed, "A", per_draw=0)
    binomial = posterior(mu=const(1.0), tau=const(1.0), theta=const([0.0, 1.0, 2.0], groups=True))
    with pytest.raises(PredictionError, match="binomial"):
        predictive_draws(binomial, "A")
    with pytest.raises(PredictionError, match="no predictor"):
        location_draws(binomial, "A", x=1.0)
    per_group_sigma = posterior(mu=const(0.0), tau=const(1.0), theta=const(0.0, True), sigma=const(1.0, True))
    with pytest.raises(PredictionError, match="new group"):
        predictive_draws(per_group_sigma, None)


def test_stacked_shapes(hierarchical_fixed):
    assert stacked(hierarchical_fixed, "mu").shape == (CHAINS * DRAWS,)
    assert stacked(hierarchical_fixed.posterior, "theta").shape == (CHAINS * DRAWS, len(GROUPS))


def test_log_scale_summary_matches_the_lognormal():
    m, s = 1.0, 0.8
    draws = np.random.default_rng(4).normal(m, s, 400_000)
    out = summarize_log_scale(draws, prob=0.94, threshold=4.0)
    assert out.mean == pytest.approx(m, abs=0.005)
    assert out.sd == pytest.approx(s, abs=0.005)
    assert out.natural_median == pytest.approx(np.exp(m), rel=0.01)
    assert out.natural_mean == pytest.approx(np.exp(m + s**2 / 2), rel=0.01)  # lognormal mean
    z = norm.ppf(0.97)
    assert out.natural_low == pytest.approx(np.exp(m - z * s), rel=0.01)
    assert out.natural_high == pytest.approx(np.exp(m + z * s), rel=0.01)
    assert out.p_above == pytest.approx(norm.sf((np.log(4.0) - m) / s), abs=0.003)
    assert out.to_dict()["prob"] == 0.94
    with pytest.raises(PredictionError):
        summarize_log_scale(np.array([np.nan]))
    with pytest.raises(PredictionError):
        summarize_log_scale(draws, prob=1.5)
