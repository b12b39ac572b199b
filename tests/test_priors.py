"""The table of priors on tau (hbm_core.priors.TAU_PRIORS): each entry's parts agree with each other."""

import numpy as np
import pymc as pm
import pytest
from scipy.integrate import quad

from hbm_core.priors import TAU_FAMILIES, TAU_PRIORS, Priors, tau_log_prior, tau_prior

SCALE = 2.5


def test_families_and_their_order():
    assert tuple(TAU_PRIORS) == ("half_normal", "half_cauchy", "exponential", "uniform", "flat")
    assert TAU_FAMILIES == ("half_normal", "half_cauchy", "exponential", "uniform")
    assert [f for f, p in TAU_PRIORS.items() if not p.proper] == ["flat"]
    with pytest.raises(ValueError, match="unknown tau prior family 'gamma'"):
        tau_prior("gamma")


@pytest.mark.parametrize("family", TAU_FAMILIES)
def test_density_is_normalised_and_matches_the_log_density(family):
    prior = tau_prior(family)
    total = quad(lambda t: float(prior.density(np.array(t), SCALE)), 0, np.inf, limit=200)[0]
    assert total == pytest.approx(1.0, abs=1e-6)
    t = np.linspace(0.1, 0.95 * SCALE, 7)  # inside every support
    log_ratio = np.log(prior.density(t, SCALE)) - tau_log_prior(t, Priors(tau_family=family, tau_scale=SCALE))
    np.testing.assert_allclose(log_ratio, log_ratio[0], atol=1e-12)  # equal up to a constant
    assert prior.density(np.array([-1.0]), SCALE)[0] == 0.0


@pytest.mark.parametrize("family", TAU_FAMILIES)
def test_the_model_and_the_script_use_the_same_distribution(family):
    prior = tau_prior(family)
    with pm.Model() as model:
        prior.build(SCALE)
    rv = model["tau"]
    assert type(rv.owner.op).__name__ == f"{prior.pymc}RV"
    code = prior.code(SCALE)
    assert code.startswith(f'pm.{prior.pymc}("tau", ')
    # The script's distribution has the same log density as the model's.
    namespace = {"pm": pm}
    with pm.Model() as script_model:
        exec(f"tau = {code}", namespace)
    t = np.array([0.3, 1.0, 2.0])
    ours = pm.logp(rv, t).eval()
    theirs = pm.logp(script_model["tau"], t).eval()
    np.testing.assert_allclose(ours, theirs)
    np.testing.assert_allclose(np.exp(ours), prior.density(t, SCALE), rtol=1e-6)  # PyTensor floats


def test_flat_is_for_the_exact_engine_only():
    flat = tau_prior("flat")
    assert flat.density is None and flat.tail_exponent == 0.0
    for attempt in (lambda: flat.code(1.0), lambda: flat.build(1.0)):
        with pytest.raises(ValueError, match="cannot be sampled with MCMC"):
            attempt()


def test_texts():
    assert [tau_prior(f).math_text(10) for f in TAU_PRIORS] == [
        "HalfNormal(10)",
        "HalfCauchy(10)",
        "Exponential(mean 10)",
        "Uniform(0, 10)",
        "flat on (0, ∞)",
    ]
    assert tau_prior("exponential").code(10) == 'pm.Exponential("tau", scale=10.0)  # mean 10'
    assert tau_prior("uniform").code(2.5) == 'pm.Uniform("tau", lower=0.0, upper=2.5)'
