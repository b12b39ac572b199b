"""The numpy prior predictive draws (hbm_core.prior_predictive) against PyMC's on the app's own model.

PyMC side: :func:`build_model` filled with :func:`to_model_units` inputs, exactly as the fit service
fills it (model units, centring weights, capacity padding), sampled with
``pm.sample_prior_predictive`` and turned back with :meth:`Units.to_outcome` (``y_obs`` as a
location, m + s y). Both sides: the quantiles 10/25/50/75/90% of μ, τ, θ_j (all groups in use) and
the simulated group statistic (mean, estimate or proportion), and σ and β where the model has them,
must agree: at each PyMC quantile q the share of numpy draws below it must be within
:data:`TOLERANCE` of q (a gap measured in probability, so heavy tails such as the half-Cauchy's do
not need a looser test). Every family of the prior on τ and every outcome family is covered.
The same comparison must fail for numpy draws made with a wrong scale or left in the sampler's
model units, so the tolerance is tight enough to catch a scale or a transform error.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest
import xarray as xr

from hbm_core.data.datasets import load_dataset
from hbm_core.data.groups import DataError, GroupedData, synthetic_groups
from hbm_core.lessons.eight_schools import priors_for
from hbm_core.lessons.real_data import REEDFROGS_PRIORS
from hbm_core.lessons.varying_slopes import Truth, synthetic_slopes, with_varying_slope
from hbm_core.models.build import build_model, set_inputs
from hbm_core.models.inputs import model_inputs, model_units, spec_for, to_model_units
from hbm_core.prior_predictive import (
    EXTREME,
    WIDE_LOGIT_SD,
    PriorDraws,
    draw_prior_predictive,
    extreme_share,
    histogram_frame,
    interval_frame,
    observed_summary,
    script,
    wide_logit_probabilities,
)
from hbm_core.priors import TAU_FAMILIES, TAU_PRIORS, Priors, default_priors

QS = (0.1, 0.25, 0.5, 0.75, 0.9)
DRAWS = 4000
#: Largest allowed gap |F_numpy(PyMC's q-quantile) - q|. Between two samples of 4000 draws from the
#: same distribution its sd is at most 0.011 (at the median); a half-normal scale off by 25% makes
#: a gap of 0.09 at the 90% quantile, a half-Cauchy's 0.07 at the median.
TOLERANCE = 0.035


def _offset_groups() -> GroupedData:
    """Five normal groups around 150 with sds near 12: model units far from the outcome's."""
    means = [140.0, 150.0, 155.0, 160.0, 148.0]
    return synthetic_groups([2, 5, 9, 20, 40], means, [10, 12, 15, 8, 11], seed=4)


# (name, data, priors, sigma): every tau family and every outcome family at least once
CASES = {
    "normal-half_normal-group_sd": (
        _offset_groups,
        Priors(mu_loc=150.0, mu_scale=30.0, tau_family="half_normal", tau_scale=20.0, sigma_scale=25.0),
        "group",
    ),
    "normal-half_cauchy-shared_sd": (
        _offset_groups,
        Priors(mu_loc=100.0, mu_scale=40.0, tau_family="half_cauchy", tau_scale=5.0, sigma_scale=15.0),
        "shared",
    ),
    "radon-predictor-exponential": (
        lambda: load_dataset("radon"),
        default_priors(load_dataset("radon").y).with_(
            tau_family="exponential", tau_scale=0.8, beta_scale=2.0
        ),
        "shared",
    ),
    "eight_schools-uniform": (lambda: load_dataset("eight_schools"), priors_for("uniform", 30.0), "shared"),
    "eight_schools-half_cauchy": (
        lambda: load_dataset("eight_schools"),
        priors_for("half_cauchy", 25.0),
        "shared",
    ),
    "baseball-half_normal": (
        lambda: load_dataset("efron_morris"),
        default_priors(np.zeros(1), "binomial").with_(tau_scale=0.5),
        "shared",
    ),
    "reedfrogs-exponential": (lambda: load_dataset("reedfrogs"), REEDFROGS_PRIORS, "shared"),
}


def _pymc_prior(data: GroupedData, priors: Priors, sigma: str, seed: int) -> dict[str, np.ndarray]:
    """Prior predictive draws of the app's PyMC model on ``data``, back on the outcome's scale:
    mu (S,), tau (S,), theta (S, J) and the group statistic (S, J) computed from ``y_obs``."""
    spec = spec_for(data, "hierarchical", tau_family=priors.tau_family, sigma=sigma)
    J = data.n_groups
    centered = np.tile([1.0, 0.0], J)[:J]  # both parameterisations at once, as "mixed" does
    units = model_units(data)
    inputs = to_model_units(model_inputs(data, spec, priors, centered), units)
    model = build_model(spec)
    with model:
        set_inputs(model, inputs)
        prior = pm.sample_prior_predictive(draws=DRAWS, random_seed=seed)
    post = prior.prior.to_dataset()
    params = units.to_outcome(
        xr.Dataset({k: post[k] for k in ("mu", "tau", "theta", "sigma", "beta") if k in post}), centered
    )
    y = prior.prior_predictive["y_obs"].values.reshape(DRAWS, -1)
    if data.family == "binomial":
        successes = np.stack([np.bincount(data.group_idx, weights=row, minlength=J) for row in y])
        stat = successes / np.bincount(data.group_idx, weights=data.trials, minlength=J)
    else:
        y = units.location + units.scale * y
        if y.shape[1] == J:  # group means (summarised normal data) or the estimates (known SE)
            stat = y
        else:  # one row per observation: the group means of each simulated data set
            n = np.bincount(data.group_idx, minlength=J)
            stat = np.stack([np.bincount(data.group_idx, weights=row, minlength=J) for row in y]) / n
    out = {
        "mu": params["mu"].values.ravel(),
        "tau": params["tau"].values.ravel(),
        "theta": params["theta"].values.reshape(DRAWS, -1)[:, :J],
        "stat": stat,
    }
    if "sigma" in params:  # one per group (K of them, J in use) or one shared
        out["sigma"] = params["sigma"].values.reshape(DRAWS, -1)[:, :J]
    if "beta" in params:
        out["beta"] = params["beta"].values.ravel()
    return out


def _ours(draws: PriorDraws) -> dict[str, np.ndarray]:
    out = {"mu": draws.mu, "tau": draws.tau, "theta": draws.theta, "stat": draws.group_means}
    out |= {k: v for k, v in (("sigma", draws.sigma), ("beta", draws.beta)) if v is not None}
    return out


def _gaps(ours: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> dict[str, float]:
    """Per quantity, the largest |share of our draws below the reference's q-quantile - q| over QS
    (draws equal to the quantile count half)."""
    out = {}
    for name, ref in reference.items():
        r = np.quantile(ref.ravel(), QS)
        v = ours[name].ravel()[:, None]
        below = (np.mean(v < r, axis=0) + np.mean(v <= r, axis=0)) / 2  # ties: proportions are discrete
        out[name] = float(np.max(np.abs(below - np.asarray(QS))))
    return out


@pytest.fixture(scope="module")
def pymc_draws() -> dict[str, dict[str, np.ndarray]]:
    return {}


def _reference(name: str, cache: dict) -> tuple[GroupedData, Priors, str, dict[str, np.ndarray]]:
    make, priors, sigma = CASES[name]
    data = make()
    if name not in cache:
        cache[name] = _pymc_prior(data, priors, sigma, seed=11)
    return data, priors, sigma, cache[name]


def test_cases_cover_every_tau_family_and_outcome_family() -> None:
    families = {priors.tau_family for _, priors, _ in CASES.values()}
    assert families == set(TAU_FAMILIES)
    outcomes = {make().family for make, _, _ in CASES.values()}
    assert outcomes == {"normal", "known_se", "binomial"}


@pytest.mark.parametrize("name", list(CASES))
def test_numpy_draws_match_pymc_prior_predictive(name: str, pymc_draws) -> None:
    data, priors, sigma, reference = _reference(name, pymc_draws)
    ours = draw_prior_predictive(data, priors, sigma=sigma, draws=DRAWS, seed=5)
    gaps = _gaps(_ours(ours), reference)
    assert set(gaps) >= {"mu", "tau", "theta", "stat"}
    assert max(gaps.values()) < TOLERANCE, gaps
    assert ours.theta.shape == ours.group_means.shape == (DRAWS, data.n_groups)


@pytest.mark.parametrize(
    ("name", "change", "quantity"),
    [
        ("normal-half_normal-group_sd", {"tau_scale": 20.0 * 1.25}, "tau"),
        ("eight_schools-half_cauchy", {"tau_scale": 25.0 * 1.25}, "tau"),
        ("normal-half_normal-group_sd", {"sigma_scale": 25.0 * 3}, "stat"),
        ("reedfrogs-exponential", {"mu_scale": 1.5 * 1.3}, "mu"),
        ("radon-predictor-exponential", {"beta_scale": 2.0 * 1.3}, "beta"),
        ("radon-predictor-exponential", {"mu_scale": 2.0}, "stat"),
    ],
)
def test_a_wrong_scale_fails_the_comparison(name: str, change: dict, quantity: str, pymc_draws) -> None:
    data, priors, sigma, reference = _reference(name, pymc_draws)
    wrong = draw_prior_predictive(data, priors.with_(**change), sigma=sigma, draws=DRAWS, seed=5)
    assert _gaps(_ours(wrong), reference)[quantity] > TOLERANCE


def test_draws_left_in_model_units_fail_the_comparison(pymc_draws) -> None:
    """The sampler's units are not the user's: numpy draws from the priors in model units differ."""
    data, priors, sigma, reference = _reference("normal-half_normal-group_sd", pymc_draws)
    units = model_units(data)
    m, s = units.location, units.scale
    in_model_units = priors.with_(
        mu_loc=(priors.mu_loc - m) / s,
        mu_scale=priors.mu_scale / s,
        tau_scale=priors.tau_scale / s,
        sigma_scale=priors.sigma_scale / s,
    )
    # the data in model units too, so only the missing turn-back differs
    data_mu = data.with_(y=(data.y - m) / s)
    wrong = _gaps(_ours(draw_prior_predictive(data_mu, in_model_units, sigma=sigma, seed=5)), reference)
    assert all(wrong[k] > TOLERANCE for k in ("mu", "tau", "theta", "stat", "sigma")), wrong


def test_every_proper_tau_family_has_a_numpy_sampler_with_the_right_scale() -> None:
    rng = np.random.default_rng(0)
    for family, prior in TAU_PRIORS.items():
        if not prior.proper:
            assert prior.draw is None
            continue
        draws = prior.draw(rng, 3.0, 200_000)
        assert draws.min() >= 0
        # the median of each family at scale 3, from its definition
        expected = {
            "half_normal": 3.0 * 0.6744897501960817,
            "half_cauchy": 3.0,
            "exponential": 3.0 * np.log(2),
            "uniform": 1.5,
        }[family]
        assert np.median(draws) == pytest.approx(expected, rel=0.02), family


def test_improper_and_bad_priors_get_a_message() -> None:
    data = load_dataset("eight_schools")
    with pytest.raises(DataError, match="improper"):
        draw_prior_predictive(data, priors_for("flat", 0.0))
    with pytest.raises(DataError, match="tau_scale"):
        draw_prior_predictive(data, priors_for("half_normal", 0.0))


def test_wide_logit_prior_puts_most_mass_near_0_and_1() -> None:
    """θ ~ N(0, 10): P(p < 0.05 or p > 0.95) = P(|θ| > logit 0.95) = 2 (1 - Φ(2.944 / 10)) = 0.768."""
    from scipy.stats import norm

    # The policy lives in hbm_core.prior_predictive: the classic trap is this sd and this edge.
    assert (WIDE_LOGIT_SD, EXTREME) == (10.0, 0.05)
    exact = 2 * norm.sf(np.log((1 - EXTREME) / EXTREME) / WIDE_LOGIT_SD)
    assert exact == pytest.approx(0.768, abs=0.001)
    assert extreme_share(wide_logit_probabilities(40_000, seed=1)) == pytest.approx(exact, abs=0.01)
    # the app's binomial prior, mu ~ N(0, 1.5) and tau ~ HalfNormal(1): about one group in ten
    app = draw_prior_predictive(load_dataset("efron_morris"), default_priors(np.zeros(1), "binomial"), seed=1)
    assert 0.05 < extreme_share(app.group_probabilities) < 0.2


def test_draws_are_seeded_and_shaped() -> None:
    data = load_dataset("radon")
    priors = default_priors(data.y)
    a = draw_prior_predictive(data, priors, draws=50, seed=3)
    b = draw_prior_predictive(data, priors, draws=50, seed=3)
    np.testing.assert_array_equal(a.group_means, b.group_means)
    assert a.observation.shape == (50, data.n_groups) and a.beta.shape == (50,) and a.sigma.shape == (50,)
    assert draw_prior_predictive(_offset_groups(), priors, draws=50).sigma.shape == (50, 5)


def test_interval_frame_and_histogram_frame() -> None:
    data = load_dataset("efron_morris")
    draws = draw_prior_predictive(data, default_priors(np.zeros(1), "binomial"), draws=500, seed=0)
    frame = interval_frame(draws, observed_summary(data))
    assert list(frame["order"]) == [0, 1, 2]  # no single observation for counts
    assert frame[["q05", "q25", "q50", "q75", "q95"]].to_numpy().min() >= 0  # probabilities
    assert (frame[["q05", "q25", "q50", "q75", "q95"]].diff(axis=1).iloc[:, 1:] >= 0).all().all()
    hist = histogram_frame({"a": np.array([-5.0, 0.1, 0.2, 0.9, 7.0])}, np.linspace(0, 1, 11))
    assert hist["share"].sum() == pytest.approx(1.0)
    assert hist.loc[0, "share"] == pytest.approx(0.2) and hist.loc[9, "share"] == pytest.approx(0.4)
    assert hist.loc[1, "density"] == pytest.approx(0.2 / 0.1)


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("normal-half_normal-group_sd", "half_normal"),
        ("normal-half_cauchy-shared_sd", "half_cauchy"),
        ("radon-predictor-exponential", "exponential"),
        ("eight_schools-uniform", "uniform"),
        ("baseball-half_normal", "half_normal"),
    ],
)
def test_the_script_makes_the_same_draws(name: str, family: str) -> None:
    """'Show the code': the standalone script reproduces the page's draws, number for number."""
    make, priors, sigma = CASES[name]
    data = make()
    ours = draw_prior_predictive(data, priors, sigma=sigma, draws=300, seed=7)
    namespace: dict = {"__name__": "prior_script"}
    exec(compile(script(data, priors, sigma=sigma, draws=300, seed=7), "prior_script.py", "exec"), namespace)
    for ours_values, name_in_script in ((ours.mu, "mu"), (ours.tau, "tau"), (ours.theta, "theta")):
        np.testing.assert_allclose(namespace[name_in_script], ours_values, rtol=1e-12)
    np.testing.assert_allclose(namespace["simulated"], ours.group_means, rtol=1e-12)
    if ours.observation is not None:
        np.testing.assert_allclose(namespace["observation"], ours.observation, rtol=1e-12)
    assert priors.tau_family == family


# ------------------------------------------------------------------------ varying slopes


def _slopes_data(name: str) -> GroupedData:
    """Radon with a varying floor effect, or synthetic data with unequal x by group (so x̄_j varies)."""
    if name == "radon":
        return with_varying_slope(load_dataset("radon"))
    truth = Truth(mu_intercept=1.0, mu_slope=-0.5, sd_intercept=0.4, sd_slope=0.3, rho=-0.5, sigma=0.6)
    return with_varying_slope(synthetic_slopes(truth, 12, 6, seed=3))


SLOPE_PRIORS = {
    "radon": Priors(mu_loc=1.3, mu_scale=0.5, tau_scale=1.5, sigma_scale=0.8, beta_scale=0.5),
    "synthetic": Priors(mu_loc=1.0, mu_scale=1.0, tau_scale=1.2, sigma_scale=0.7, beta_scale=2.0),
}


def _pymc_slopes(data: GroupedData, priors: Priors, seed: int) -> dict[str, np.ndarray]:
    """Prior predictive draws of the app's varying-slopes model (build_model of its spec, filled in
    model units as the fit service fills it), on the outcome's scale: mu, tau (σ_α), theta (α_j),
    slope (b_j), tau_slope, rho, sigma, beta (S,) or (S, J), and the group means of ``y_obs``."""
    spec = spec_for(data, "hierarchical", tau_family=priors.tau_family)
    assert spec.varying_slope and spec.sigma == "shared"
    J = data.n_groups
    units = model_units(data)
    model = build_model(spec)
    with model:
        set_inputs(model, to_model_units(model_inputs(data, spec, priors), units))
        prior = pm.sample_prior_predictive(draws=DRAWS, random_seed=seed)
    post = prior.prior.to_dataset()
    names = ("mu", "tau", "theta", "theta_slope", "tau_slope", "rho", "sigma", "beta")
    params = units.to_outcome(xr.Dataset({k: post[k] for k in names}))
    y = units.location + units.scale * prior.prior_predictive["y_obs"].values.reshape(DRAWS, -1)
    n = np.bincount(data.group_idx, minlength=J)
    stat = np.stack([np.bincount(data.group_idx, weights=row, minlength=J) for row in y]) / n
    out = {k: params[k].values.reshape(DRAWS, -1)[:, :J] for k in ("theta", "theta_slope")}
    out = {"theta": out["theta"], "slope": out["theta_slope"], "stat": stat}
    out |= {k: params[k].values.ravel() for k in ("mu", "tau", "tau_slope", "rho", "sigma", "beta")}
    return out


def _ours_slopes(draws: PriorDraws) -> dict[str, np.ndarray]:
    return _ours(draws) | {"slope": draws.slope, "tau_slope": draws.tau_slope, "rho": draws.rho}


def _slopes_reference(name: str, cache: dict) -> tuple[GroupedData, Priors, dict[str, np.ndarray]]:
    data, priors = _slopes_data(name), SLOPE_PRIORS[name]
    if ("slopes", name) not in cache:
        cache[("slopes", name)] = _pymc_slopes(data, priors, seed=13)
    return data, priors, cache[("slopes", name)]


def _spread_gap(a: np.ndarray, b: np.ndarray) -> float:
    """The largest |share of ``a`` below b's q-quantile - q| over QS, ``a`` and ``b`` (S,) each."""
    return _gaps({"v": a}, {"v": b})["v"]


@pytest.mark.parametrize("name", list(SLOPE_PRIORS))
def test_varying_slope_draws_match_pymc_prior_predictive(name: str, pymc_draws) -> None:
    data, priors, reference = _slopes_reference(name, pymc_draws)
    ours = draw_prior_predictive(data, priors, draws=DRAWS, seed=5)
    gaps = _gaps(_ours_slopes(ours), reference)
    assert set(gaps) == {"mu", "tau", "theta", "slope", "tau_slope", "rho", "sigma", "beta", "stat"}
    assert max(gaps.values()) < TOLERANCE, gaps
    # the spread between the simulated group means: the statistic the box's second chart shows
    assert _spread_gap(ours.spread(), reference["stat"].std(axis=1)) < TOLERANCE
    assert ours.slope.shape == ours.theta.shape == ours.group_means.shape == (DRAWS, data.n_groups)


def _effect_correlation(theta, slope, mu, beta, rho, keep) -> float:
    """The correlation of the groups' departures (α_j − μ_α, b_j − μ_β) over the draws ``keep``."""
    a, b = theta[keep] - mu[keep, None], slope[keep] - beta[keep, None]
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_varying_slope_draws_would_catch_a_wrong_rho_or_slope(pymc_draws) -> None:
    """The checks are tight enough to catch a wrong ρ prior, a ρ left out of the slopes, or a group
    mean without its slope term (radon's counties measured mostly on the first floor show it)."""
    data, priors, ref = _slopes_reference("radon", pymc_draws)
    ours = draw_prior_predictive(data, priors, draws=DRAWS, seed=5)
    # ρ's prior: LKJ(1) (uniform ρ) or ρ = 0 instead of LKJ(2) fails the quantile comparison
    assert _spread_gap(2 * np.random.default_rng(1).random(DRAWS) - 1, ref["rho"]) > TOLERANCE
    assert _spread_gap(np.zeros(DRAWS), ref["rho"]) > TOLERANCE
    # ρ enters the groups' pairs: among draws with ρ > 0.5 intercepts and slopes move together, as in
    # PyMC's draws (pooled over draws whose sds differ, so less than ρ); slopes drawn independently of
    # the intercepts would show no correlation
    mine = _effect_correlation(ours.theta, ours.slope, ours.mu, ours.beta, ours.rho, ours.rho > 0.5)
    theirs = _effect_correlation(
        ref["theta"], ref["slope"], ref["mu"], ref["beta"], ref["rho"], ref["rho"] > 0.5
    )
    assert mine > 0.3 and theirs > 0.3 and abs(mine - theirs) < 0.05, (mine, theirs)
    z = np.random.default_rng(2).standard_normal(ours.slope.shape)
    independent = ours.beta[:, None] + ours.tau_slope[:, None] * z
    wrong = _effect_correlation(ours.theta, independent, ours.mu, ours.beta, ours.rho, ours.rho > 0.5)
    assert abs(wrong - theirs) > 0.3
    # the slope term: without it the simulated means of first-floor-heavy counties are too narrow
    n = np.bincount(data.group_idx, minlength=data.n_groups)
    x_bar = np.bincount(data.group_idx, weights=data.x, minlength=data.n_groups) / n
    upstairs = np.argsort(-x_bar, kind="stable")[:3]  # x̄_j of 0.75 and 0.67: mostly first-floor
    assert x_bar[upstairs].min() > 0.6
    no_slope = ours.group_means - ours.slope * x_bar  # the group mean without b_j x̄_j
    for j in upstairs:
        assert _spread_gap(ours.group_means[:, j], ref["stat"][:, j]) < TOLERANCE
        assert _spread_gap(no_slope[:, j], ref["stat"][:, j]) > TOLERANCE, (j, x_bar[j])


def test_varying_slope_bad_priors_get_a_message() -> None:
    data = _slopes_data("synthetic")
    with pytest.raises(DataError, match="tau_scale"):
        draw_prior_predictive(data, SLOPE_PRIORS["synthetic"].with_(tau_scale=0.0))
    with pytest.raises(DataError, match="half-normal"):
        draw_prior_predictive(data, SLOPE_PRIORS["synthetic"].with_(tau_family="exponential"))
    with pytest.raises(DataError, match="improper"):
        draw_prior_predictive(data, SLOPE_PRIORS["synthetic"].with_(tau_family="flat"))


@pytest.mark.parametrize("name", list(SLOPE_PRIORS))
def test_the_varying_slope_script_makes_the_same_draws(name: str) -> None:
    data, priors = _slopes_data(name), SLOPE_PRIORS[name]
    ours = draw_prior_predictive(data, priors, draws=300, seed=7)
    namespace: dict = {"__name__": "prior_script"}
    exec(compile(script(data, priors, draws=300, seed=7), "prior_script.py", "exec"), namespace)
    pairs = {"mu": ours.mu, "tau": ours.tau, "theta": ours.theta, "slope": ours.slope, "rho": ours.rho}
    pairs |= {"beta": ours.beta, "sigma": ours.sigma, "simulated": ours.group_means}
    pairs |= {"observation": ours.observation}
    for name_in_script, values in pairs.items():
        np.testing.assert_allclose(namespace[name_in_script], values, rtol=1e-12, err_msg=name_in_script)


def test_binomial_draws_work_where_pytensor_runs_in_python():
    """The number of trials is an integer in the graph: NumPy's binomial, which PyTensor calls when
    it runs the Op in Python (FAST_COMPILE here; its fallback when a Numba compile fails), refuses a
    float n ("Cannot cast array data from dtype('float64') to dtype('int64')")."""
    data = load_dataset("reedfrogs")
    spec = spec_for(data, "hierarchical", tau_family=REEDFROGS_PRIORS.tau_family, sigma="shared")
    model = build_model(spec)
    with model:
        set_inputs(model, model_inputs(data, spec, REEDFROGS_PRIORS))
        prior = pm.sample_prior_predictive(draws=20, random_seed=1, compile_kwargs={"mode": "FAST_COMPILE"})
    y = prior.prior_predictive["y_obs"].values.reshape(20, -1)
    assert np.all((y >= 0) & (y <= np.asarray(data.trials)))
