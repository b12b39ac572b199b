"""The models' likelihoods: group summaries give exactly the per-observation posterior."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest

from hbm_core.data.groups import synthetic_groups
from hbm_core.models.build import ModelSpec, build_model, set_inputs, uses_group_summaries
from hbm_core.models.inputs import model_inputs
from hbm_core.priors import Priors

PRIORS = Priors(mu_loc=1.0, mu_scale=8.0, tau_scale=3.0, sigma_scale=6.0)


def _logp_at(model: pm.Model, inputs: dict, points: list[dict]) -> np.ndarray:
    with model:
        set_inputs(model, inputs)
    logp = model.compile_logp()
    return np.array([logp(p) for p in points])


@pytest.mark.parametrize("pooling", ["pooled", "unpooled", "hierarchical"])
@pytest.mark.parametrize("sigma", ["group", "shared"])
def test_group_summaries_give_the_per_observation_log_posterior(pooling, sigma):
    """log p(params | y) from (n, ybar, ss) equals the sum over observations, up to one constant.

    The per-observation model is the predictor form with x = 0 and beta held at 0, so only the
    likelihood's form differs. A singleton group (no sum of squares) is included on purpose.
    """
    data = synthetic_groups([1, 4, 9], [2.0, -1.0, 4.0], [1.0, 2.0, 0.5], seed=5)
    summary = ModelSpec("normal", pooling, n_groups=3, sigma=sigma)
    rows = ModelSpec("normal", pooling, n_groups=3, sigma=sigma, predictor=True)
    assert uses_group_summaries(summary) and not uses_group_summaries(rows)
    centered = np.array([1.0, 0.0, 1.0]) if pooling == "hierarchical" else None
    m_summary, m_rows = build_model(summary), build_model(rows)
    inputs = model_inputs(data, summary, PRIORS, centered)
    rows_data = data.__class__(**{**data.__dict__, "x": np.zeros(len(data.y))})
    rows_inputs = model_inputs(rows_data, rows, PRIORS, centered)

    rng = np.random.default_rng(0)
    points = []
    for _ in range(6):
        point = {
            v.name: rng.normal(0.0, 1.0, size=np.shape(m_summary.initial_point()[v.name]))
            for v in m_summary.value_vars
        }
        points.append(point)
    a = _logp_at(m_summary, inputs, points)
    b = _logp_at(m_rows, rows_inputs, [{**p, "beta": np.array(0.0)} for p in points])
    assert np.ptp(a - b) < 1e-8, a - b  # same function of the parameters
    assert np.ptp(a) > 1.0  # and the points are not all alike


def test_unused_groups_only_get_a_sum_of_squares_for_their_own_sigma():
    data = synthetic_groups([5, 6], [0.0, 1.0], [1.0, 1.0], seed=2)
    own = model_inputs(data, ModelSpec("normal", "hierarchical", n_groups=5, sigma="group"), PRIORS)
    assert list(own["group_idx"]) == [0, 1] and len(own["ybar"]) == 2  # no mean for an unused group
    assert list(own["ss_group"]) == [0, 1, 2, 3, 4]
    shared = model_inputs(data, ModelSpec("normal", "hierarchical", n_groups=5, sigma="shared"), PRIORS)
    assert list(shared["ss_group"]) == [0, 1]  # stand-ins would bias a shared sigma


@pytest.mark.parametrize("sigma", ["group", "shared"])
def test_partial_pooling_with_mixed_centring_is_the_textbook_model(sigma):
    """The partial-pooling graph (groups 1 and 3 centred, group 2 not) against the model written as
    in a textbook, theta_j ~ Normal(mu, tau) and y_i ~ Normal(theta_g[i], sigma), one term per row.

    With theta_j = mu + tau^(1 - w_j) (theta_raw_j - w_j mu) the two log densities differ by the
    Jacobian log tau of each non-centred group and a constant, at any point: so the graph's choice of
    tau^w_j by a switch (build_model) computes the same model as the powers in its docstring.
    """
    data = synthetic_groups([1, 4, 9], [2.0, -1.0, 4.0], [1.0, 2.0, 0.5], seed=5)
    spec = ModelSpec("normal", "hierarchical", n_groups=3, sigma=sigma)
    w = np.array([1.0, 0.0, 1.0])
    graph = build_model(spec)
    with pm.Model(coords={"group": ["a", "b", "c"]}) as textbook:
        mu = pm.Normal("mu", PRIORS.mu_loc, PRIORS.mu_scale)
        tau = pm.HalfNormal("tau", PRIORS.tau_scale)
        theta = pm.Normal("theta", mu, tau, dims="group")
        s = pm.HalfNormal("sigma", PRIORS.sigma_scale, dims="group" if sigma == "group" else None)
        sd = s[data.group_idx] if sigma == "group" else s
        pm.Normal("y", theta[data.group_idx], sd, observed=data.y)

    rng = np.random.default_rng(3)
    points = [
        {v.name: rng.normal(0.0, 1.0, size=np.shape(graph.initial_point()[v.name])) for v in graph.value_vars}
        for _ in range(8)
    ]
    a = _logp_at(graph, model_inputs(data, spec, PRIORS, w), points)
    reference = textbook.compile_logp()
    b = []
    for p in points:
        tau_value = np.exp(p["tau_log__"])
        theta_value = p["mu"] + tau_value ** (1 - w) * (p["theta_raw"] - w * p["mu"])
        point = {**p, "theta": theta_value}
        del point["theta_raw"]
        b.append(reference(point) + np.sum(1 - w) * p["tau_log__"])
    assert np.ptp(a - np.array(b)) < 1e-8, a - np.array(b)
    assert np.ptp(a) > 1.0
