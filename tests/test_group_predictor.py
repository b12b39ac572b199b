"""A group-level predictor (radon's county uranium): the model's density, its inputs and units, the
structures it must leave alone, and Gelman & Hill's lmer fit (ch. 12.6) reproduced by MCMC."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hbm_core.data.datasets import load_dataset
from hbm_core.data.groups import DataError, synthetic_groups
from hbm_core.inference.broker import data_fingerprint
from hbm_core.inference.service import FitSettings, fit
from hbm_core.lessons.radon_uranium import URANIUM_FIT, with_uranium
from hbm_core.lessons.real_data import RADON_URANIUM_PUBLISHED, compare_published
from hbm_core.models import parameterization as param
from hbm_core.models.build import ModelSpec, build_model, model_fields, set_inputs
from hbm_core.models.inputs import Units, check_inputs, model_inputs, spec_for, to_model_units
from hbm_core.priors import Priors

PRIORS = Priors(mu_loc=0.5, mu_scale=4.0, tau_scale=2.0, sigma_scale=3.0, beta_scale=5.0)


def _data():
    data = synthetic_groups([3, 5, 4], [1.0, 2.0, -0.5], [1.0, 1.0, 1.0], seed=3)
    x = (np.arange(data.n_obs) % 2).astype(float)
    return data.with_(x=x, u=np.array([-0.7, 0.2, 0.9]))


def test_log_density_matches_a_hand_written_one():
    """log p(mu, tau, theta_raw, sigma, beta, gamma | y) at random points equals numpy's, with a mix
    of centred and non-centred groups and one padding group (u = 0, no observations)."""
    data = _data()
    spec = ModelSpec(
        "normal", "hierarchical", n_groups=4, sigma="shared", predictor=True, group_predictor=True
    )
    assert spec_for(data, "hierarchical", capacity=4) == spec
    model = build_model(spec)
    w = np.array([1.0, 0.0, 1.0])
    inputs = model_inputs(data, spec, PRIORS, w)
    with model:
        set_inputs(model, inputs)
    logp = model.compile_logp(jacobian=False)

    rng = np.random.default_rng(1)
    W = np.append(w, 0.0)  # padding group: non-centred
    U = np.append(data.u, 0.0)
    for _ in range(5):
        mu, beta, gamma = rng.normal(size=3)
        tau, sigma = np.exp(rng.normal(scale=0.5, size=2))
        theta_raw = rng.normal(size=4)
        point = {
            "mu": mu,
            "tau_log__": np.log(tau),
            "theta_raw": theta_raw,
            "sigma_log__": np.log(sigma),
            "beta": beta,
            "gamma": gamma,
        }
        center = mu + gamma * U
        theta = center + tau ** (1 - W) * (theta_raw - W * center)
        expected = (
            stats.norm.logpdf(mu, PRIORS.mu_loc, PRIORS.mu_scale)
            + stats.halfnorm.logpdf(tau, scale=PRIORS.tau_scale)
            + stats.halfnorm.logpdf(sigma, scale=PRIORS.sigma_scale)
            + stats.norm.logpdf(beta, 0, PRIORS.beta_scale)
            + stats.norm.logpdf(gamma, 0, PRIORS.beta_scale)  # the slopes share one prior scale
            + stats.norm.logpdf(theta_raw, W * center, tau**W).sum()
            + stats.norm.logpdf(data.y, theta[data.group_idx] + beta * data.x, sigma).sum()
        )
        assert logp(point) == pytest.approx(expected, rel=1e-10, abs=1e-8)


def test_other_structures_are_untouched():
    """Data without u get the specs and models they had; u changes partial pooling's spec only."""
    radon = load_dataset("radon")
    assert radon.u is None
    old = ModelSpec("normal", "hierarchical", n_groups=88, sigma="shared", predictor=True)
    assert spec_for(radon, "hierarchical") == old and not old.group_predictor
    model = build_model(old)
    names = {v.name for v in model.free_RVs} | {f.name for f in model_fields(model)}
    assert {"u", "gamma", "gamma_scale"}.isdisjoint(names)
    uranium = with_uranium(radon)
    assert spec_for(uranium, "hierarchical") == ModelSpec(
        "normal", "hierarchical", n_groups=88, sigma="shared", predictor=True, group_predictor=True
    )
    for pooling in ("pooled", "unpooled"):  # u does not enter these fits: they share the compiled model
        assert spec_for(uranium, pooling) == spec_for(radon, pooling)
        assert "u" not in model_inputs(uranium, spec_for(uranium, pooling), PRIORS)
    # different data for the broker, so a fit with u never answers a request without it
    assert data_fingerprint(uranium) != data_fingerprint(radon)


def test_inputs_and_units():
    data = _data()
    spec = spec_for(data, "hierarchical", capacity=5)
    inputs = model_inputs(data, spec, PRIORS, np.zeros(3))
    assert inputs["u"].tolist() == [-0.7, 0.2, 0.9, 0.0, 0.0]
    units = Units(location=10.0, scale=4.0)
    scaled = to_model_units(inputs, units)
    assert scaled["u"].tolist() == inputs["u"].tolist()  # a predictor keeps its units
    assert scaled["gamma_scale"] == pytest.approx(PRIORS.beta_scale / 4.0)
    import xarray as xr

    posterior = xr.Dataset({"gamma": (("chain", "draw"), np.array([[0.5, -1.0]]))})
    assert units.to_outcome(posterior)["gamma"].values.tolist() == [[2.0, -4.0]]


def test_bad_group_predictor_gets_a_message():
    data = _data()
    with pytest.raises(DataError, match="one value per group"):
        check_inputs(data.with_(u=np.array([1.0, 2.0])), PRIORS)
    with pytest.raises(DataError, match="missing or infinite"):
        check_inputs(data.with_(u=np.array([1.0, np.nan, 2.0])), PRIORS)
    with pytest.raises(DataError, match="no county uranium"):
        with_uranium(data)


def test_tau_estimate_for_parameterization_is_the_spread_around_the_line():
    """Group means on an exact line in u: tau's moment estimate is 0 with u, large without it."""
    u = np.linspace(-1, 1, 6)
    data = synthetic_groups([50] * 6, 3.0 * u, [0.1] * 6, seed=0)
    assert param.tau_moment_estimate(data) > 1.0
    assert param.tau_moment_estimate(data.with_(u=u)) < 0.05


@pytest.fixture(scope="module")
def uranium_fit():
    radon = load_dataset("radon")
    return fit(
        with_uranium(radon), "hierarchical", settings=FitSettings(draws=500, tune=500, chains=2, seed=3)
    )


def test_uranium_fit_matches_gelman_hill(uranium_fit):
    """Gelman & Hill's lmer: gamma0 1.47, gamma1 0.72, beta -0.67, sigma_alpha 0.16, sigma_y 0.76.

    Each posterior mean within one posterior sd of the published value (the posteriors are near
    normal and the priors weak; REML and the posterior mean differ by far less than the sd). A
    model that ignored u (gamma 0, sigma_alpha 0.33) fails the gamma and sigma_alpha rows."""
    assert uranium_fit.diagnostics.divergences == 0
    table = compare_published({URANIUM_FIT: uranium_fit}, RADON_URANIUM_PUBLISHED)
    assert len(table) == 5 and table["this app"].notna().all()
    for _, row in table.iterrows():
        assert abs(row["difference"]) < row["app sd"], row.to_dict()
    tau = table.set_index("quantity").loc["between-county sd σ_α"]
    assert tau["this app"] < 0.25  # well below the 0.33 of the model without uranium
