"""MCMC fits reproduce published results: Efron–Morris, Gelman & Hill radon, Rethinking reedfrogs."""

from __future__ import annotations

import numpy as np
import pytest

from hbm_core.data.datasets import load_dataset, reference_table
from hbm_core.inference.service import FitSettings, fit
from hbm_core.priors import Priors

SETTINGS = FitSettings(draws=500, tune=500, chains=2, seed=5)


def test_efron_morris_partial_pooling_beats_raw_averages():
    data = load_dataset("efron_morris")
    truth = data.meta["remaining_avg"]
    result = fit(data, "hierarchical", settings=SETTINGS)
    raw = result.estimates.raw_mean.to_numpy()
    pooled = result.estimates["mean"].to_numpy()
    sse_raw = np.sum((raw - truth) ** 2)
    sse_pooled = np.sum((pooled - truth) ** 2)
    assert sse_raw == pytest.approx(0.075, abs=0.002)  # Efron & Morris (1975)
    assert sse_pooled < 0.035  # James–Stein: 0.021; a Bayesian fit lands close
    assert sse_pooled < 0.5 * sse_raw
    # Clemente's .400 is pulled toward the grand mean .265 (James–Stein: .294).
    assert result.estimates["mean"].iloc[0] == pytest.approx(0.294, abs=0.02)


@pytest.fixture(scope="module")
def radon():
    return load_dataset("radon")


def test_radon_no_pooling_matches_gelman_hill(radon):
    result = fit(radon, "unpooled", settings=SETTINGS)
    reference = reference_table("radon_counties")
    got = result.estimates.set_index("group")["mean"]
    want = reference.set_index("county")["nopool_ols_alpha_gh"]
    assert list(got.index) == list(want.index)
    # Flat-ish priors: posterior means equal the OLS estimates up to Monte Carlo error.
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), atol=0.08)
    assert np.mean(np.abs(got.to_numpy() - want.to_numpy())) < 0.02
    beta = result.population.set_index("parameter").loc["beta", "mean"]
    assert beta == pytest.approx(-0.7205, abs=0.02)
    assert got["LAC QUI PARLE"] == pytest.approx(2.959, abs=0.08)


def test_radon_partial_pooling_shrinks_small_counties_most(radon):
    result = fit(radon, "hierarchical", settings=SETTINGS)
    assert result.diagnostics.divergences == 0
    pop = result.population.set_index("parameter")["mean"]
    assert pop["mu"] == pytest.approx(1.46, abs=0.06)  # lmer: mu_alpha 1.46
    assert pop["tau"] == pytest.approx(0.33, abs=0.06)  # sigma_alpha 0.33
    assert pop["beta"] == pytest.approx(-0.69, abs=0.04)
    reference = reference_table("radon_counties").set_index("county")
    est = result.estimates.set_index("group")
    nopool = reference["nopool_ols_alpha_gh"]
    grand = pop["mu"]
    # Each county's estimate lies between its no-pooling estimate and the grand mean...
    lo, hi = np.minimum(nopool, grand), np.maximum(nopool, grand)
    inside = (est["mean"] >= lo - 0.03) & (est["mean"] <= hi + 0.03)
    assert inside.all(), est[~inside]
    # ...and the fraction of the way it moves falls with county size.
    moved = (nopool - est["mean"]) / (nopool - grand)
    small = reference["n_houses"] <= 3
    large = reference["n_houses"] >= 20
    assert moved[small].median() > 0.5 > moved[large].median()
    assert moved["LAC QUI PARLE"] > moved["ST LOUIS"]
    assert est.loc["LAC QUI PARLE", "pooling"] > 0.5 > est.loc["ST LOUIS", "pooling"]


def test_reedfrogs_matches_statistical_rethinking():
    data = load_dataset("reedfrogs")
    priors = Priors(mu_loc=0.0, mu_scale=1.5, tau_family="exponential", tau_scale=1.0)  # m13.2
    result = fit(data, "hierarchical", priors, settings=SETTINGS.with_(draws=1000, chains=4))
    pop = result.population.set_index("parameter")
    assert pop.loc["mu", "mean"] == pytest.approx(1.35, abs=0.1)
    assert pop.loc["tau", "mean"] == pytest.approx(1.62, abs=0.1)
    assert result.diagnostics.divergences == 0
