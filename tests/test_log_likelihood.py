"""The pointwise log-likelihood (hbm_core/posterior/log_likelihood.py) against PyMC's own.

Reference: per-observation PyMC models (one ``y_obs`` term per data row, as in the README's model
table) and ``pm.compute_log_likelihood`` on the same draws. Then the sum over rows against the app's
own (summarised) models at a posterior point, and the DataTree that ``az.loo`` reads.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest
import xarray as xr

from hbm_core.data.datasets import load_dataset
from hbm_core.data.groups import GroupedData
from hbm_core.models.build import build_model, set_inputs
from hbm_core.models.inputs import model_inputs, spec_for
from hbm_core.posterior.log_likelihood import (
    OBS_DIM,
    VARIABLE,
    pointwise_log_likelihood,
    thinning_for,
    with_log_likelihood,
)
from hbm_core.priors import Priors
from tests.test_engine import seed_data

CHAINS, DRAWS = 2, 30


def _normal_with_x() -> GroupedData:
    rng = np.random.default_rng(3)
    idx = np.repeat(np.arange(4), [1, 3, 5, 8])
    x = rng.integers(0, 2, idx.size).astype(float)
    y = np.array([1.0, -0.5, 2.0, 0.3])[idx] - 0.7 * x + rng.normal(0, 0.8, idx.size)
    return GroupedData("normal", ("a", "b", "c", "d"), idx, y, x=x)


def _binomial_with_x() -> GroupedData:
    frogs = load_dataset("reedfrogs")
    keep = np.isin(frogs.group_idx, np.arange(6))
    x = np.linspace(-1, 1, int(keep.sum()))
    return frogs.with_(
        groups=frogs.groups[:6],
        group_idx=frogs.group_idx[keep],
        y=frogs.y[keep],
        trials=frogs.trials[keep],
        x=x,
    )


CASES = {
    "normal, one sigma per group": (seed_data(), "group"),
    "normal, shared sigma, predictor": (_normal_with_x(), "shared"),
    "known standard errors": (load_dataset("eight_schools"), None),
    "binomial": (load_dataset("reedfrogs"), None),
    "binomial with a predictor": (_binomial_with_x(), None),
}


def _random_posterior(data: GroupedData, pooling: str, sigma: str | None, seed: int = 0) -> xr.Dataset:
    """Draws of every parameter the likelihood reads (values need not be a real posterior)."""
    rng = np.random.default_rng(seed)
    J, shape = data.n_groups, (CHAINS, DRAWS)
    center = float(np.mean(data.y)) if data.family != "binomial" else 0.5
    out = {}
    if pooling == "pooled":
        out["mu"] = (("chain", "draw"), rng.normal(center, 1.0, shape))
    else:
        out["theta"] = (("chain", "draw", "group"), rng.normal(center, 1.5, (*shape, J)))
    if data.x is not None:
        out["beta"] = (("chain", "draw"), rng.normal(-0.5, 0.3, shape))
    if data.family == "normal":
        if sigma == "group":
            out["sigma"] = (("chain", "draw", "group"), rng.gamma(4.0, 0.5, (*shape, J)))
        else:
            out["sigma"] = (("chain", "draw"), rng.gamma(4.0, 0.5, shape))
    return xr.Dataset(out, coords={"group": list(data.groups)})


def _reference_model(data: GroupedData, pooling: str, sigma: str | None) -> pm.Model:
    """The per-observation model: one likelihood term per data row (priors do not matter here)."""
    idx = np.asarray(data.group_idx)
    with pm.Model(coords={"group": list(data.groups)}) as model:
        if pooling == "pooled":
            location = pm.Normal("mu", 0.0, 10.0)
        else:
            location = pm.Normal("theta", 0.0, 10.0, dims="group")[idx]
        if data.x is not None:
            location = location + pm.Normal("beta", 0.0, 10.0) * data.x
        if data.family == "binomial":
            pm.Binomial("y_obs", n=data.trials, logit_p=location, observed=data.y)
        elif data.family == "known_se":
            pm.Normal("y_obs", mu=location, sigma=data.se[idx], observed=data.y)
        elif sigma == "group":
            pm.Normal(
                "y_obs", mu=location, sigma=pm.HalfNormal("sigma", 10.0, dims="group")[idx], observed=data.y
            )
        else:
            pm.Normal("y_obs", mu=location, sigma=pm.HalfNormal("sigma", 10.0), observed=data.y)
    return model


@pytest.mark.parametrize("pooling", ["pooled", "unpooled"])
@pytest.mark.parametrize("case", list(CASES))
def test_matches_pymc_compute_log_likelihood(case, pooling):
    data, sigma = CASES[case]
    posterior = _random_posterior(data, pooling, sigma)
    ours = pointwise_log_likelihood(posterior, data, pooling)
    assert ours.shape == (CHAINS, DRAWS, data.n_obs)

    tree = xr.DataTree.from_dict({"posterior": posterior})
    ref = pm.compute_log_likelihood(
        tree, model=_reference_model(data, pooling, sigma), extend_inferencedata=False, progressbar=False
    )
    expected = ref["y_obs"].values
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-10)


def test_hierarchical_reads_theta_like_no_pooling():
    data, sigma = CASES["binomial"]
    posterior = _random_posterior(data, "unpooled", sigma)
    hier = posterior.assign(
        mu=(("chain", "draw"), np.zeros((CHAINS, DRAWS))), tau=(("chain", "draw"), np.ones((CHAINS, DRAWS)))
    )
    np.testing.assert_array_equal(
        pointwise_log_likelihood(hier, data, "hierarchical"),
        pointwise_log_likelihood(posterior, data, "unpooled"),
    )


def test_missing_parameter_is_an_error():
    data, sigma = CASES["normal, one sigma per group"]
    posterior = _random_posterior(data, "unpooled", sigma).drop_vars("sigma")
    with pytest.raises(ValueError, match="sigma"):
        pointwise_log_likelihood(posterior, data, "unpooled")


# ---------------------------------------------------------------------------------------------
# The sum over rows against the app's own models (normal data enter them summarised)


def _app_model_log_likelihood(data: GroupedData, pooling: str, sigma: str, point: dict) -> float:
    """The observed-data log-likelihood of the app's model (build_model) at ``point``: the y_obs
    term plus the within-group sums of squares, plus the constant the summarised form drops."""
    spec = spec_for(data, pooling, sigma=sigma, capacity=data.n_groups)
    priors = Priors(mu_scale=10.0, tau_scale=5.0, sigma_scale=10.0, beta_scale=10.0)
    centered = np.ones(data.n_groups) if pooling == "hierarchical" else None
    model = build_model(spec)
    with model:
        set_inputs(model, model_inputs(data, spec, priors, centered))
    # Potentials are graphs of the random variables: evaluate them at the point's values, not at draws.
    terms = [
        model.logp(vars=[model["y_obs"]], jacobian=False),
        *model.replace_rvs_by_values(model.potentials),
    ]
    values = model.compile_fn(terms, point_fn=True)({**model.initial_point(), **point})
    total = float(sum(np.sum(v) for v in values))
    if data.family == "normal" and data.x is None:  # summarised: add what the identity drops
        n = np.bincount(data.group_idx, minlength=data.n_groups).astype(float)
        total += float(np.sum(-(n - 1) / 2 * np.log(2 * np.pi) - 0.5 * np.log(n)))
    return total


@pytest.mark.parametrize(
    ("case", "pooling", "sigma"),
    [
        ("normal, one sigma per group", "unpooled", "group"),
        ("normal, one sigma per group", "pooled", "shared"),
        ("normal, shared sigma, predictor", "hierarchical", "shared"),
        ("known standard errors", "hierarchical", None),
        ("binomial", "unpooled", None),
    ],
)
def test_sum_matches_the_app_model_at_the_posterior_mean(case, pooling, sigma):
    data, _ = CASES[case]
    post = _random_posterior(data, "pooled" if pooling == "pooled" else "unpooled", sigma or "shared", seed=4)
    mean = post.mean(("chain", "draw"))  # one point: the draws' mean
    point, one_draw = {}, {}
    for name, values in mean.data_vars.items():
        v = np.asarray(values.values, dtype=float)
        one_draw[name] = (("chain", "draw", *values.dims), v[None, None])
        key = {"theta": "theta_raw" if pooling == "hierarchical" else "theta", "sigma": "sigma_log__"}.get(
            name, name
        )
        point[key] = np.log(v) if name == "sigma" else v
    if pooling == "hierarchical":
        point["mu"] = np.asarray(0.0)
    ours = pointwise_log_likelihood(xr.Dataset(one_draw), data, pooling).sum()
    np.testing.assert_allclose(
        ours, _app_model_log_likelihood(data, pooling, sigma or "shared", point), rtol=1e-9
    )


# ---------------------------------------------------------------------------------------------
# The DataTree for az.loo


def test_with_log_likelihood_adds_the_group_and_leaves_the_fit_alone():
    data, sigma = CASES["normal, one sigma per group"]
    posterior = _random_posterior(data, "unpooled", sigma)
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((CHAINS, DRAWS), bool))})
    idata = xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})
    tree, thin = with_log_likelihood(idata, data, "unpooled")
    assert thin.step == 1 and set(idata.children) == {"posterior", "sample_stats"}
    ll = tree["log_likelihood"][VARIABLE]
    assert ll.dims == ("chain", "draw", OBS_DIM) and ll.shape == (CHAINS, DRAWS, data.n_obs)
    assert list(tree["log_likelihood"]["group"].values[:3]) == [data.groups[0]] * 3


def test_large_data_use_every_kth_draw_in_every_group():
    data, sigma = CASES["normal, one sigma per group"]
    posterior = _random_posterior(data, "unpooled", sigma)
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((CHAINS, DRAWS), bool))})
    idata = xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})
    limit = CHAINS * 10 * data.n_obs  # room for 10 draws per chain
    tree, thin = with_log_likelihood(idata, data, "unpooled", max_values=limit)
    assert thin.step == 3 and thin.used == 10
    for group in ("posterior", "sample_stats", "log_likelihood"):
        assert tree[group].sizes["draw"] == 10
    assert tree["log_likelihood"][VARIABLE].size <= limit
    assert thinning_for(4, 1000, 919).step == 1  # radon: 919 houses x 4 x 1000 draws, all kept
    assert thinning_for(4, 1000, 6000).step == 4  # Explore's largest: 12 groups of 500
