"""Vectorised rank-normalised R-hat and ESS: the same numbers as ArviZ's, parameter by parameter."""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np
import pytest
import xarray as xr

from hbm_core.inference.service import FitSettings, fit
from hbm_core.posterior.rank_diagnostics import TAIL_PROBS, rank_diagnostics
from hbm_core.posterior.results import convergence
from tests.test_engine import seed_data


def arviz_diagnostics(draws: np.ndarray) -> np.ndarray:
    """(3, P): ArviZ's rank R-hat, bulk ESS and tail ESS of each parameter of (chain, draw, P)."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in range(draws.shape[2]):
            x = draws[:, :, p]
            tail = az.ess(x, method="tail", prob=TAIL_PROBS)
            out.append((az.rhat(x, method="rank"), az.ess(x, method="bulk"), tail))
    return np.array(out, dtype=float).T


def _cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    with_nan = rng.normal(size=(4, 200, 3))
    with_nan[1, 5, 1] = np.nan
    walk = np.cumsum(rng.normal(size=(4, 1000, 3)), axis=1)
    shifted = rng.normal(3, 1, size=(1, 200, 2))
    # a sampler that stays put now and then (NUTS rejecting); its own generator leaves the others' draws
    repeated = np.random.default_rng(2).normal(size=(4, 500, 3))
    repeated[:, 1::7, 1] = repeated[:, 0:-1:7, 1]
    return {
        "repeated draws": repeated,
        "independent": rng.normal(size=(4, 1000, 5)),
        "autocorrelated": walk * 0.1 + rng.normal(size=(4, 1000, 3)),
        "one chain elsewhere": np.concatenate([rng.normal(size=(3, 200, 2)), shifted]),
        "random walk": np.cumsum(rng.normal(size=(4, 300, 2)), axis=1),
        "single chain": rng.normal(size=(1, 500, 3)),
        "odd number of draws": rng.normal(size=(3, 101, 2)),
        "ties": rng.integers(0, 3, size=(4, 400, 3)).astype(float),
        "constant": np.ones((4, 100, 2)),
        "too few draws": rng.normal(size=(2, 3, 2)),
        "a NaN": with_nan,
        "heavy tails": rng.standard_cauchy(size=(4, 500, 2)),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_matches_arviz(name):
    draws = _cases()[name]
    ours = np.array(rank_diagnostics(draws))
    np.testing.assert_allclose(ours, arviz_diagnostics(draws), rtol=1e-9, atol=0, equal_nan=True)


def test_matches_arviz_on_a_real_fit_and_flags_a_stuck_chain():
    result = fit(seed_data(), "hierarchical", settings=FitSettings(draws=300, tune=300, chains=4, seed=5))
    post = result.idata.posterior
    draws = np.concatenate(
        [post[v].values.reshape(4, 300, -1) for v in ("mu", "tau", "theta", "sigma")], axis=2
    )
    np.testing.assert_allclose(np.array(rank_diagnostics(draws)), arviz_diagnostics(draws), rtol=1e-9)

    stuck = draws.copy()
    stuck[0] += 5 * draws.std(axis=(0, 1))  # one chain shifted: R-hat must say so
    rhat, _, _ = rank_diagnostics(stuck)
    assert np.all(rhat > 1.1)


def test_convergence_reports_the_worst_parameter():
    rng = np.random.default_rng(2)
    good = rng.normal(size=(4, 500, 3))
    bad = good.copy()
    bad[0, :, 2] += 3.0

    def posterior(x):
        return xr.Dataset({"theta": (("chain", "draw", "group"), x), "mu": (("chain", "draw"), x[:, :, 0])})

    rhat_good, bulk, tail = convergence(posterior(good), ["mu", "theta", "absent"])
    expected = arviz_diagnostics(good)
    assert rhat_good == pytest.approx(expected[0].max())
    assert bulk == pytest.approx(expected[1].min()) and tail == pytest.approx(expected[2].min())
    assert convergence(posterior(bad), ["theta"])[0] == pytest.approx(arviz_diagnostics(bad)[0].max())
    assert convergence(posterior(bad), ["theta"])[0] > 1.1
    assert all(np.isnan(convergence(posterior(good), ["absent"])))


def test_rejects_the_wrong_shape():
    with pytest.raises(ValueError, match="chain, draw, parameter"):
        rank_diagnostics(np.zeros((4, 100)))


def test_undefined_values_are_skipped():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 300, 3))
    x[:, :, 1] = 1.0  # constant: R-hat undefined, ESS the number of draws
    with_nan = x.copy()
    with_nan[1, 5, 2] = np.nan

    def posterior(v: np.ndarray) -> xr.Dataset:
        return xr.Dataset({"theta": (("chain", "draw", "group"), v)})

    rhat, bulk, tail = convergence(posterior(with_nan), ["theta"])
    assert np.isfinite(rhat) and np.isfinite(bulk) and np.isfinite(tail)
    one_chain = convergence(posterior(x[:1]), ["theta"])
    assert np.isnan(one_chain[0]) and np.isfinite(one_chain[1])  # R-hat needs two chains
