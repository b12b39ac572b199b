"""Explore's lighter live fits (#22): fewer draws for the two simple fits, judged on their own draws,
and the same estimates as full fits within Monte Carlo error."""

from __future__ import annotations

import numpy as np
import pytest

from hbm_core.data.groups import synthetic_groups
from hbm_core.inference.service import FitService
from hbm_core.inference.settings import LIVE_TUNE, MIN_SIMPLE_DRAWS, FitSettings
from hbm_core.priors import Priors
from ui.explore_state import PRESETS

PRIORS = Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=10.0, sigma_scale=10.0)


@pytest.mark.parametrize(
    ("draws", "simple"),
    [(1000, 500), (4000, 2000), (500, 250), (400, MIN_SIMPLE_DRAWS), (250, 250), (100, 100)],
)
def test_simple_fits_get_half_the_draws_never_below_the_floor(draws, simple):
    light = FitSettings(draws=draws, lighter_simple_fits=True)
    assert light.for_pooling("pooled").draws == simple
    assert light.for_pooling("unpooled").draws == simple
    assert light.for_pooling("hierarchical") == light
    assert FitSettings(draws=draws).for_pooling("pooled").draws == draws  # off unless asked for


def test_the_service_runs_each_fit_with_its_own_draws_and_judges_it_on_them():
    sizes, means, sds, sigma = PRESETS["Small and large groups"]
    data = synthetic_groups(sizes, means, sds, seed=3)
    light = FitSettings(draws=400, tune=LIVE_TUNE, chains=2, seed=3, lighter_simple_fits=True)
    service = FitService()
    requests = service.request(data, PRIORS, light, sigma=sigma, owner="test")
    outcome = service.collect(requests)
    assert set(outcome.results) == {"pooled", "unpooled", "hierarchical"}
    for pooling, result in outcome.results.items():
        expected = 400 if pooling == "hierarchical" else MIN_SIMPLE_DRAWS
        d = result.diagnostics
        assert d.draws == expected and result.settings.draws == expected
        assert result.idata.posterior.sizes["draw"] == expected  # diagnosed on these draws


@pytest.mark.parametrize("preset", ["Small and large groups", "Very noisy groups"])
def test_light_simple_fits_agree_with_full_fits_within_monte_carlo_error(preset):
    """The halved fits estimate the same group means: every difference from a fit with twice the
    draws is within four Monte Carlo standard errors of the difference."""
    sizes, means, sds, sigma = PRESETS[preset]
    data = synthetic_groups(sizes, means, sds, seed=11)
    service = FitService()
    full = FitSettings(draws=1000, tune=LIVE_TUNE, seed=11)
    light = full.with_(lighter_simple_fits=True, seed=12)
    for pooling in ("pooled", "unpooled"):
        a = service.fit_all(data, PRIORS, full, (pooling,), sigma)[pooling]
        b = service.fit_all(data, PRIORS, light, (pooling,), sigma)[pooling]
        assert b.diagnostics.draws == 500 and a.diagnostics.draws == 1000
        assert b.diagnostics.ok, b.diagnostics.warnings  # enough draws by the usual rules
        ea, eb = (r.estimates.set_index("group") for r in (a, b))
        # Monte Carlo standard error of each mean: posterior sd / sqrt(ESS), with the fit's min ESS.
        mcse = np.sqrt(
            (ea["sd"] ** 2) / a.diagnostics.min_ess_bulk + (eb["sd"] ** 2) / b.diagnostics.min_ess_bulk
        )
        assert np.all(np.abs(ea["mean"] - eb["mean"]) <= 4 * mcse), (pooling, ea["mean"] - eb["mean"], mcse)
