"""The engine samples normal outcomes in model units (hbm_core.models.inputs.Units): same posterior.

The change of units is exact only if every input, every prior parameter and every draw moves with
it. The log-density tests check that the model given :func:`to_model_units` inputs, at a point in
model units, and the model given the outcome's inputs, at that point turned back by
:meth:`Units.to_outcome`, differ by one constant (the Jacobian) over many points: the same
posterior. The fit tests check that what a fit hands on (estimates, population table, the DataTree
and its NetCDF download) is in the outcome's units.
"""

from __future__ import annotations

import io

import numpy as np
import pymc as pm
import pytest
import xarray as xr

from hbm_core.data.datasets import load_dataset
from hbm_core.data.groups import GroupedData, synthetic_groups
from hbm_core.exports import trace_netcdf_bytes
from hbm_core.inference.service import fit_all
from hbm_core.inference.settings import FitSettings
from hbm_core.models.build import ModelSpec, build_model, set_inputs
from hbm_core.models.inputs import Units, model_inputs, model_units, to_model_units
from hbm_core.priors import TAU_FAMILIES, Priors

UNITS = Units(location=1234.5, scale=37.0)
PRIORS = Priors(mu_loc=1000.0, mu_scale=300.0, tau_scale=80.0, sigma_scale=60.0, beta_scale=50.0)
CENTERED = np.array([1.0, 0.0, 1.0, 0.0])  # theta_raw: theta for groups 0 and 2, z for 1 and 3


def _data(family: str, predictor: bool = False) -> GroupedData:
    """4 groups around 1234.5 with sds of tens (normal), or the same as estimates with known SEs."""
    data = synthetic_groups([1, 4, 6, 9], [1200.0, 1250.0, 1230.0, 1300.0], [30.0, 20.0, 40.0, 25.0], seed=3)
    if predictor:
        return data.__class__(**{**data.__dict__, "x": np.random.default_rng(1).normal(size=len(data.y))})
    if family == "known_se":
        means = data.group_summary()["mean"].to_numpy()
        return GroupedData(
            groups=data.groups,
            group_idx=np.arange(4),
            y=means,
            family="known_se",
            se=np.array([20.0, 9, 15, 8]),
        )
    return data


def _model_units_points(model: pm.Model, inputs: dict, rng: np.random.Generator, k: int) -> list[dict]:
    """``k`` random points (constrained values of the free variables) in model units, inside the support."""
    points = []
    for _ in range(k):
        point = {}
        for rv in model.free_RVs:
            shape = np.shape(model.initial_point()[model.rvs_to_values[rv].name])
            if rv.name == "tau" and "interval" in model.rvs_to_values[rv].name:
                point["tau"] = inputs["tau_scale"] * rng.uniform(0.05, 0.95)  # uniform on (0, u)
            elif rv.name in ("tau", "sigma"):
                point[rv.name] = np.exp(rng.normal(-0.5, 0.5, size=shape))
            else:
                point[rv.name] = rng.normal(0.0, 1.0, size=shape)
        points.append(point)
    return points


def _logp_constrained(model: pm.Model, inputs: dict, points: list[dict]) -> np.ndarray:
    """log p(values) (no Jacobian of the sampler's transforms) of ``model`` with ``inputs``."""
    with model:
        set_inputs(model, inputs)
    logp = model.compile_logp(jacobian=False)
    out = []
    for point in points:
        values = {}
        for rv in model.free_RVs:
            name, value = model.rvs_to_values[rv].name, np.asarray(point[rv.name], dtype=float)
            if name.endswith("_log__"):
                value = np.log(value)
            elif name.endswith("_interval__"):  # uniform(0, u): log(v) - log(u - v)
                value = np.log(value) - np.log(inputs["tau_scale"] - value)
            values[name] = value
        out.append(logp(values))
    return np.array(out)


def _to_outcome_point(point: dict, units: Units, centered: np.ndarray | None) -> dict:
    """One point through :meth:`Units.to_outcome`, as a (chain=1, draw=1) posterior."""
    ds = xr.Dataset(
        {
            k: (("chain", "draw", *[f"{k}_d{i}" for i in range(np.ndim(v))]), np.asarray(v)[None, None])
            for k, v in point.items()
        }
    )
    back = units.to_outcome(ds, centered)
    return {k: back[k].values[0, 0] for k in point}


CASES = [
    *[
        (ModelSpec("normal", p, n_groups=4, sigma=s), None)
        for p in ("pooled", "unpooled")
        for s in ("group", "shared")
    ],
    *[
        (ModelSpec("normal", "hierarchical", n_groups=4, sigma="group", tau_family=f), CENTERED)
        for f in TAU_FAMILIES
    ],
    (ModelSpec("normal", "hierarchical", n_groups=6, sigma="group"), CENTERED),  # two padding groups
    (ModelSpec("normal", "hierarchical", n_groups=4, sigma="shared", predictor=True), CENTERED),
    (ModelSpec("normal", "unpooled", n_groups=4, sigma="shared", predictor=True), None),
    (ModelSpec("known_se", "hierarchical", n_groups=4, tau_family="half_cauchy"), CENTERED),
    (ModelSpec("known_se", "pooled", n_groups=4), None),
]


@pytest.mark.parametrize(
    ("spec", "centered"),
    CASES,
    ids=lambda c: (
        getattr(c, "family", None)
        and f"{c.family}-{c.pooling}-{c.sigma}-{c.tau_family}-{c.predictor}-{c.n_groups}"
    ),
)
def test_model_units_give_the_same_posterior(spec: ModelSpec, centered):
    """log p_outcome(to_outcome(x')) - log p_model(x') is one constant over points x' in model units."""
    data = _data(spec.family, spec.predictor)
    inputs = model_inputs(data, spec, PRIORS.with_(tau_family=spec.tau_family), centered)
    weights = inputs.get("centered")  # (K,): padding groups are non-centred
    scaled = to_model_units(inputs, UNITS)
    model = build_model(spec)
    points = _model_units_points(model, scaled, np.random.default_rng(0), 8)
    in_model_units = _logp_constrained(model, scaled, points)
    in_outcome_units = _logp_constrained(
        build_model(spec), inputs, [_to_outcome_point(p, UNITS, weights) for p in points]
    )
    assert np.all(np.isfinite(in_model_units)) and np.all(np.isfinite(in_outcome_units))
    assert np.ptp(in_model_units) > 1.0  # the points are not all alike
    difference = in_outcome_units - in_model_units
    assert np.ptp(difference) < 1e-7 * np.max(np.abs(in_model_units)), difference


def test_a_wrong_prior_transform_is_caught():
    """The log-density check above can fail: forget to scale tau's prior and the difference varies."""
    spec, centered = ModelSpec("normal", "hierarchical", n_groups=4, sigma="group"), CENTERED
    inputs = model_inputs(_data("normal"), spec, PRIORS, centered)
    scaled = {**to_model_units(inputs, UNITS), "tau_scale": inputs["tau_scale"]}  # left in outcome units
    model = build_model(spec)
    points = _model_units_points(model, scaled, np.random.default_rng(0), 8)
    a = _logp_constrained(model, scaled, points)
    b = _logp_constrained(build_model(spec), inputs, [_to_outcome_point(p, UNITS, centered) for p in points])
    assert np.ptp(b - a) > 1e-3


def test_inputs_in_model_units():
    data = _data("normal")
    spec = ModelSpec("normal", "hierarchical", n_groups=6, sigma="group")
    inputs = model_inputs(data, spec, PRIORS, CENTERED)
    scaled = to_model_units(inputs, UNITS)
    m, s = UNITS.location, UNITS.scale
    np.testing.assert_allclose(scaled["ybar"], (inputs["ybar"] - m) / s)
    np.testing.assert_allclose(scaled["ss"], inputs["ss"] / s**2)
    assert scaled["mu_loc"] == pytest.approx((1000.0 - m) / s)
    for name in ("mu_scale", "tau_scale", "sigma_scale"):
        assert scaled[name] == pytest.approx(getattr(PRIORS, name) / s)
    for name in ("n", "group_idx", "ss_group", "ss_df", "centered"):
        np.testing.assert_array_equal(scaled[name], inputs[name])
    assert inputs["mu_loc"] == 1000.0  # the caller's inputs are untouched
    se_inputs = to_model_units({"y": np.array([s + m]), "se": np.array([s])}, UNITS)
    assert se_inputs == {"y": pytest.approx([1.0]), "se": pytest.approx([1.0])}


def test_draws_back_in_outcome_units():
    m, s = UNITS.location, UNITS.scale
    x = np.array([[[-1.0, 0.5, 2.0, 0.0]]])  # (chain, draw, group)
    ds = xr.Dataset(
        {
            "mu": (("chain", "draw"), np.array([[0.5]])),
            "tau": (("chain", "draw"), np.array([[2.0]])),
            "sigma": (("chain", "draw", "group"), 3 * np.ones((1, 1, 4))),
            "beta": (("chain", "draw"), np.array([[-0.25]])),
            "theta": (("chain", "draw", "group"), x),
            "theta_raw": (("chain", "draw", "group"), x),
        }
    )
    back = UNITS.to_outcome(ds, CENTERED)
    assert back["mu"].item() == pytest.approx(m + 0.5 * s)
    assert back["tau"].item() == pytest.approx(2 * s)
    assert back["beta"].item() == pytest.approx(-0.25 * s)
    np.testing.assert_allclose(back["sigma"].values, 3 * s)
    np.testing.assert_allclose(back["theta"].values, m + s * x)
    # centred groups hold theta (outcome units), non-centred ones z (no units)
    np.testing.assert_allclose(back["theta_raw"].values[0, 0], [m - s, 0.5, m + 2 * s, 0.0])
    np.testing.assert_allclose(ds["mu"].values, 0.5)  # the input is untouched
    assert Units().to_outcome(ds) is ds
    with pytest.raises(ValueError, match="centring weights"):
        UNITS.to_outcome(ds)
    with pytest.raises(ValueError, match="no outcome units known.*'lambda'"):
        UNITS.to_outcome(ds.assign(**{"lambda": ds["mu"]}), CENTERED)


def test_units_follow_the_data():
    data = _data("normal")
    units = model_units(data)
    assert units.location == pytest.approx(np.mean(data.y)) and units.scale == pytest.approx(np.std(data.y))
    known = _data("known_se")
    units = model_units(known)
    assert units.scale == pytest.approx(np.sqrt(np.var(known.y) + np.mean(known.se**2)))
    assert model_units(load_dataset("reedfrogs")) == Units()  # binomial: logits need nothing
    constant = GroupedData(
        family="normal", groups=("a", "b"), group_idx=np.array([0, 0, 1, 1]), y=np.full(4, -5.0)
    )
    assert model_units(constant) == Units(-5.0, 5.0)
    zeros = GroupedData(family="normal", groups=("a",), group_idx=np.zeros(2, int), y=np.zeros(2))
    assert model_units(zeros) == Units(0.0, 1.0)
    huge = GroupedData(
        family="normal", groups=("a",), group_idx=np.zeros(2, int), y=np.array([1e308, -1e308])
    )
    assert model_units(huge) == Units()


@pytest.mark.slow
def test_a_fit_hands_on_draws_and_estimates_in_the_outcomes_units():
    """Data around 1e4 with sd 3: the DataTree, its NetCDF download, the estimates and the population
    table are in the outcome's units (the sampler's are about (y - 1e4) / 3)."""
    data = synthetic_groups([10, 12, 14], [1e4 - 3, 1e4, 1e4 + 4], [3.0, 3.0, 3.0], seed=4)
    priors = Priors(mu_loc=1e4, mu_scale=30.0, tau_scale=10.0, sigma_scale=10.0)
    settings = FitSettings(draws=400, tune=400, chains=2, seed=3)
    results = fit_all(data, priors, settings, sigma="shared")
    means = data.group_summary()["mean"].to_numpy()
    within = np.sqrt(data.normal_summaries()[2].sum() / (len(data.y) - 3))
    for pooling, result in results.items():
        assert result.diagnostics.divergences == 0 and result.diagnostics.max_rhat < 1.05
        posterior = xr.open_datatree(io.BytesIO(trace_netcdf_bytes(result.idata)), engine="h5netcdf")[
            "posterior"
        ]
        sigma = float(posterior["sigma"].mean())
        want = np.std(data.y, ddof=1) if pooling == "pooled" else within  # pooled: the groups' spread too
        assert abs(sigma - want) < 0.6, (pooling, sigma, want)
        estimates = result.estimates["mean"].to_numpy()
        if pooling == "pooled":
            assert float(posterior["mu"].mean()) == pytest.approx(np.mean(data.y), abs=1.0)
            np.testing.assert_allclose(estimates, np.mean(data.y), atol=1.0)
        else:
            theta = posterior["theta"].mean(("chain", "draw")).values
            np.testing.assert_allclose(theta, means, atol=1.5)
            np.testing.assert_allclose(estimates, theta, rtol=1e-12)
        if pooling == "hierarchical":
            raw = posterior["theta_raw"].values
            theta = posterior["theta"].values
            w = result.centered
            assert w is not None
            np.testing.assert_allclose(raw[..., w == 1], theta[..., w == 1], rtol=1e-9)  # centred: theta
            tau = result.population.set_index("parameter").loc["tau", "mean"]
            assert 0.5 < tau < 15, tau


@pytest.mark.slow
def test_pymcs_sampler_also_hands_on_the_outcomes_units():
    """The fallback sampler gets the same inputs in model units and its draws are turned back too."""
    data = synthetic_groups([10, 12, 14], [1e4 - 3, 1e4, 1e4 + 4], [3.0, 3.0, 3.0], seed=4)
    priors = Priors(mu_loc=1e4, mu_scale=30.0, tau_scale=10.0, sigma_scale=10.0)
    settings = FitSettings(draws=300, tune=300, chains=2, seed=3, sampler="pymc")
    result = fit_all(data, priors, settings, poolings=("hierarchical",), sigma="shared")["hierarchical"]
    theta = result.idata["posterior"]["theta"].mean(("chain", "draw")).values
    np.testing.assert_allclose(theta, data.group_summary()["mean"].to_numpy(), atol=1.5)
    assert 1e4 - 5 < result.population.set_index("parameter").loc["mu", "mean"] < 1e4 + 5


@pytest.mark.slow
@pytest.mark.parametrize(("offset", "scale"), [(1e3, 1e-6), (-50.0, 1e3)])
def test_the_engines_answers_do_not_depend_on_the_outcomes_units(offset, scale):
    """The same data in other units, z and offset + scale * z, give the same posterior up to those units.

    The sampler sees the same numbers in model units either way (up to rounding), so with the same
    seed the chains start alike (they part after a while: rounding differences grow in NUTS's
    trajectories), and the posterior means agree well within Monte Carlo error.
    """
    z = synthetic_groups([4, 8, 12, 6], [-1.0, 0.0, 0.5, 2.0], [1.0, 0.7, 1.3, 1.0], seed=8)
    moved = z.__class__(**{**z.__dict__, "y": offset + scale * z.y})
    priors = Priors(mu_loc=0.5, mu_scale=3.0, tau_scale=2.0, sigma_scale=2.0, tau_family="half_cauchy")
    moved_priors = priors.with_(
        mu_loc=offset + scale * 0.5, mu_scale=3.0 * scale, tau_scale=2.0 * scale, sigma_scale=2.0 * scale
    )
    settings = FitSettings(draws=1000, tune=500, chains=2, seed=11)
    base = fit_all(z, priors, settings, sigma="shared")
    other = fit_all(moved, moved_priors, settings, sigma="shared")
    for pooling in base:
        a, b = base[pooling].idata["posterior"], other[pooling].idata["posterior"]
        for fitted in (base[pooling], other[pooling]):
            d = fitted.diagnostics
            assert d.divergences == 0 and d.max_rhat < 1.05 and d.min_ess_bulk > 200, (pooling, d)
        # Monte Carlo error of a difference of two posterior means, each with at least this bulk ESS
        ess = min(base[pooling].diagnostics.min_ess_bulk, other[pooling].diagnostics.min_ess_bulk)
        for name in ("mu", "tau", "theta", "sigma"):
            if name in a:
                shift = offset if name in ("mu", "theta") else 0.0
                got = ((b[name] - shift) / scale).mean(("chain", "draw")).values
                want, sd = a[name].mean(("chain", "draw")).values, a[name].std(("chain", "draw")).values
                mcse = sd * np.sqrt(2 / ess)
                assert np.all(np.abs(got - want) < 4 * mcse), (pooling, name, (got - want) / mcse)
