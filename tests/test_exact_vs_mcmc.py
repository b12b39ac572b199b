"""The exact engine and MCMC agree under the same prior; the preview matches the MCMC fits."""

from __future__ import annotations

import numpy as np
import pytest

from hbm_core.data.datasets import load_dataset
from hbm_core.data.groups import synthetic_groups
from hbm_core.exact.grid import exact_from_data
from hbm_core.exact.preview import preview
from hbm_core.inference.service import FitSettings, fit, fit_all
from hbm_core.priors import Priors, default_priors


@pytest.mark.parametrize("tau_family", ["half_normal", "half_cauchy"])
def test_eight_schools_exact_and_mcmc_agree(tau_family):
    data = load_dataset("eight_schools")
    priors = Priors(mu_loc=0.0, mu_scale=20.0, tau_family=tau_family, tau_scale=10.0)
    exact = exact_from_data(data, priors)
    result = fit(data, "hierarchical", priors, FitSettings(draws=2000, tune=1000, chains=4, seed=2))
    posterior = result.idata.posterior
    ess = float(result.diagnostics.min_ess_bulk)

    def close(draws: np.ndarray, mean: float, sd: float) -> None:
        mcse = sd / np.sqrt(ess)
        assert abs(draws.mean() - mean) < 4 * mcse + 0.02 * sd, (draws.mean(), mean, mcse)
        assert draws.std() == pytest.approx(sd, rel=0.06)

    mu, tau = exact.mu_summary(), exact.tau_summary()
    close(posterior["mu"].values.ravel(), mu["mean"], mu["sd"])
    close(posterior["tau"].values.ravel(), tau["mean"], tau["sd"])
    groups = exact.group_summary()
    for j, row in groups.iterrows():
        close(posterior["theta"].values[..., j].ravel(), row["mean"], row["sd"])
    # The MCMC table's pooling factors are the exact ones up to Monte Carlo error.
    np.testing.assert_allclose(result.estimates.pooling, groups.pooling, atol=0.03)


def test_preview_matches_mcmc_on_the_seed_data():
    data = synthetic_groups([20, 40, 60], [3, 5, 7], [1, 2, 3], seed=1)
    priors = default_priors(data.y)
    quick = preview(data, priors).estimates.set_index(["fit", "group"])
    fits = fit_all(data, priors, FitSettings(seed=4))
    for pooling, result in fits.items():
        mcmc = result.estimates.set_index("group")
        exact = quick.loc[pooling]
        np.testing.assert_allclose(exact["mean"], mcmc["mean"], atol=0.1 * mcmc["sd"].max() + 0.02)
        np.testing.assert_allclose(exact["sd"], mcmc["sd"], rtol=0.35)


def test_preview_of_binomial_is_on_the_probability_scale():
    data = load_dataset("efron_morris")
    est = preview(data, default_priors(data.y, "binomial")).estimates
    assert est["mean"].between(0, 1).all()
    pooled = est[est.fit == "pooled"]["mean"]
    assert pooled.iloc[0] == pytest.approx(215 / 810, abs=0.005)
    hier = est[est.fit == "hierarchical"].set_index("group")["mean"]
    assert hier["Roberto Clemente"] == pytest.approx(0.294, abs=0.02)


def test_no_preview_with_a_predictor():
    assert preview(load_dataset("radon"), Priors()) is None
