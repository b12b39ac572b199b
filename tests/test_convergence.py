"""Convergence diagnostics of a fit: ArviZ's rank-normalised R-hat and bulk / tail ESS (arviz-stats)."""

from __future__ import annotations

import arviz as az
import numpy as np
import pytest
import xarray as xr

from hbm_core.inference.service import FitSettings, fit
from hbm_core.posterior.results import convergence
from tests.test_engine import seed_data


def arviz_diagnostics(draws: np.ndarray) -> np.ndarray:
    """(3, P): ArviZ's rank R-hat, bulk ESS and tail ESS (at the 5% and 95% quantiles) of each
    parameter of (chain, draw, P), parameter by parameter."""
    prob = 0.9  # written out, not imported: the test checks the app's choice too
    out = []
    for p in range(draws.shape[2]):
        x = draws[:, :, p]
        out.append((az.rhat(x, method="rank"), az.ess(x, method="bulk"), az.ess(x, method="tail", prob=prob)))
    return np.array(out, dtype=float).T


def posterior(x: np.ndarray) -> xr.Dataset:
    return xr.Dataset({"theta": (("chain", "draw", "group"), x), "mu": (("chain", "draw"), x[:, :, 0])})


def test_convergence_reports_the_worst_parameter():
    rng = np.random.default_rng(2)
    good = rng.normal(size=(4, 500, 3))
    bad = good.copy()
    bad[0, :, 2] += 3.0

    rhat_good, bulk, tail = convergence(posterior(good), ["mu", "theta", "absent"])
    expected = arviz_diagnostics(good)
    assert rhat_good == pytest.approx(expected[0].max())
    assert bulk == pytest.approx(expected[1].min()) and tail == pytest.approx(expected[2].min())
    assert convergence(posterior(bad), ["theta"])[0] == pytest.approx(arviz_diagnostics(bad)[0].max())
    assert convergence(posterior(bad), ["theta"])[0] > 1.1
    assert all(np.isnan(convergence(posterior(good), ["absent"])))


def test_undefined_values_are_skipped():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 300, 3))
    x[:, :, 1] = 1.0  # constant: R-hat undefined, ESS the number of draws
    with_nan = x.copy()
    with_nan[1, 5, 2] = np.nan
    rhat, bulk, tail = convergence(posterior(with_nan), ["theta"])
    assert np.isfinite(rhat) and np.isfinite(bulk) and np.isfinite(tail)
    one_chain = convergence(posterior(x[:1]), ["theta"])
    assert np.isnan(one_chain[0]) and np.isfinite(one_chain[1])  # R-hat needs two chains


def test_a_real_fit_matches_arviz_and_a_stuck_chain_is_flagged():
    result = fit(seed_data(), "hierarchical", settings=FitSettings(draws=300, tune=300, chains=4, seed=5))
    post = result.idata.posterior
    names = ("mu", "tau", "theta", "sigma")
    draws = np.concatenate([post[v].values.reshape(4, 300, -1) for v in names], axis=2)
    expected = arviz_diagnostics(draws)
    got = convergence(result.idata, list(names))
    assert got == pytest.approx((expected[0].max(), expected[1].min(), expected[2].min()), rel=1e-9)
    assert (result.diagnostics.max_rhat, result.diagnostics.min_ess_bulk) == pytest.approx(got[:2], rel=1e-9)

    stuck = post.to_dataset().copy(deep=True)
    stuck["theta"][0] += 5 * float(stuck["theta"].std())  # one chain shifted: R-hat must say so
    assert convergence(stuck, ["theta"])[0] > 1.1
