"""The graph the three poolings share (hbm_core.models.build, "One graph for the three poolings").

A freshly started server compiles partial pooling's graph once and fits complete and no pooling on
it too, with the data switching the pooling, until their own graphs are compiled in the background.
These tests check that a pooling on the shared graph is exactly its own model plus parameters that
touch nothing else (so the same posterior), that its fits agree with fits on its own graph within
Monte Carlo error and keep only its own variables, and the cache's choice of graph.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from hbm_core.data.datasets import load_dataset
from hbm_core.data.groups import synthetic_groups
from hbm_core.inference.compile import DEFAULT_CACHE, ModelCache
from hbm_core.inference.jobs import FitJob
from hbm_core.inference.service import FitService
from hbm_core.inference.settings import FitSettings
from hbm_core.lessons.radon_uranium import with_uranium
from hbm_core.models.build import ModelSpec, build_model, pooling_variables, set_inputs
from hbm_core.models.inputs import model_inputs, pooling_inputs, spec_for
from hbm_core.priors import Priors, default_priors

EXPLORE = synthetic_groups([3, 6, 12, 25, 50, 100], [6, 4, 5, 3, 7, 5], [3] * 6, seed=1)
PRIORS = Priors(mu_loc=0.5, mu_scale=8.0, tau_family="half_cauchy", tau_scale=2.0, sigma_scale=6.0)


def _data_sets():
    radon = load_dataset("radon")
    return {
        "normal, one sd per group": (EXPLORE, "group", PRIORS),
        "normal, shared sd": (EXPLORE, "shared", PRIORS),
        "normal with a predictor (radon)": (radon, None, default_priors(radon.y)),
        "known se (eight schools)": (load_dataset("eight_schools"), None, PRIORS),
        "binomial (reed frogs)": (load_dataset("reedfrogs"), None, default_priors(None, "binomial")),
    }


def _logp(model):
    """log density of ``model`` as a function of a point (dict of value variables), and a start."""
    fn = model.compile_logp()
    return fn, model.initial_point()


@pytest.mark.parametrize("pooling", ["pooled", "unpooled"])
@pytest.mark.parametrize("name", list(_data_sets()))
def test_a_pooling_on_the_shared_graph_is_its_own_model_plus_independent_parameters(name, pooling):
    """log p_shared(own, unused) = log p_own(own) + g(unused): differences between two points of the
    pooling's own parameters agree exactly, whatever the unused parameters are."""
    data, sigma, priors = _data_sets()[name]
    spec = spec_for(data, pooling, tau_family=priors.tau_family, sigma=sigma)
    _assert_own_model_plus_independent_parameters(data, spec, priors, spec.shared)


@pytest.mark.parametrize("pooling", ["pooled", "unpooled", "hierarchical"])
def test_a_fit_on_the_graph_with_a_group_predictor_is_its_own_model_plus_independent_parameters(pooling):
    """Radon's three fits on the graph with county uranium (u = 0 for them; ModelSpec.widest)."""
    radon = load_dataset("radon")
    priors = default_priors(radon.y)
    spec = spec_for(radon, pooling, tau_family=priors.tau_family)
    assert not spec.group_predictor and spec.widest.group_predictor and spec.widest in spec.graphs
    assert spec.widest == spec_for(with_uranium(radon), "hierarchical", tau_family=priors.tau_family)
    _assert_own_model_plus_independent_parameters(radon, spec, priors, spec.widest)
    assert np.all(model_inputs(radon, spec, priors, graph=spec.widest)["u"] == 0)
    assert "gamma" not in pooling_variables(spec)
    assert "gamma" in pooling_variables(spec.widest)


def _assert_own_model_plus_independent_parameters(data, spec: ModelSpec, priors: Priors, graph: ModelSpec):
    own, shared = build_model(spec.own), build_model(graph)
    set_inputs(own, model_inputs(data, spec, priors))
    set_inputs(shared, model_inputs(data, spec, priors, graph=graph))
    logp_own, start_own = _logp(own)
    logp_shared, start_shared = _logp(shared)
    # No pooling's theta is the shared graph's theta_raw (centred: theta_raw_j = theta_j).
    alias = {"theta": "theta_raw"} if spec.pooling == "unpooled" else {}
    assert {alias.get(k, k) for k in start_own} <= set(start_shared)

    rng = np.random.default_rng(7)

    def jitter(point: dict) -> dict:
        return {k: v + rng.normal(0, 0.3, np.shape(v)) for k, v in point.items()}

    own_points = [jitter(start_own) for _ in range(3)]
    unused_points = [jitter(start_shared) for _ in range(2)]
    for unused in unused_points:
        values = []
        for point in own_points:
            full = dict(unused)
            full.update({alias.get(k, k): v for k, v in point.items()})
            values.append(logp_shared(full) - logp_own(point))
        # the same g(unused) for every point of the pooling's own parameters
        np.testing.assert_allclose(values, values[0], rtol=0, atol=1e-8)
    # ... and it really is a function of the unused parameters only: moving them changes it
    full_a = {**unused_points[0], **{alias.get(k, k): v for k, v in own_points[0].items()}}
    full_b = {**unused_points[1], **{alias.get(k, k): v for k, v in own_points[0].items()}}
    assert logp_shared(full_a) != logp_shared(full_b)


def test_a_fit_on_the_graph_with_a_group_predictor_agrees_with_its_own_graph():
    """Radon's partial pooling without uranium on the graph with it (u = 0): gamma is dropped, the
    rest agrees with a fit on its own graph within Monte Carlo error."""
    radon = load_dataset("radon")
    priors = default_priors(radon.y)
    settings = FitSettings(draws=500, tune=300, seed=4)

    class Widest(_SharedOnly):
        def for_fit(self, spec: ModelSpec):
            return spec.widest, self.cache(spec.widest)

    own = FitJob(radon, "hierarchical", priors, settings, compiler=DEFAULT_CACHE).result(300)
    on_widest = FitJob(radon, "hierarchical", priors, settings, compiler=Widest(DEFAULT_CACHE)).result(300)
    post_own, post_widest = own.idata["posterior"], on_widest.idata["posterior"]
    assert set(post_widest.data_vars) == set(post_own.data_vars) and "gamma" not in post_widest
    assert on_widest.diagnostics.divergences == 0 and on_widest.diagnostics.max_rhat < 1.01
    for name in ["mu", "tau", "sigma", "beta", "theta"]:
        a, b = post_own[name].values, post_widest[name].values
        se = np.sqrt(a.var(axis=(0, 1)) / 400 + b.var(axis=(0, 1)) / 400)
        assert np.all(np.abs(a.mean(axis=(0, 1)) - b.mean(axis=(0, 1))) < 4 * se), name


def test_a_fit_waits_for_the_page_warm_up_and_takes_the_graph_it_compiles():
    """Radon's page warms up the graph with county uranium; a fit that starts meanwhile waits for it
    instead of compiling the shared graph beside it, and all four fits then use that one graph."""
    radon = load_dataset("radon")
    compiled: list[ModelSpec] = []
    gate = threading.Event()

    def compiler(graph: ModelSpec):
        gate.wait(10)
        if threading.current_thread().name != "compile-own":  # not the own graphs' later compiles
            compiled.append(graph)
        return f"model of {graph.pooling}, group predictor {graph.group_predictor}"

    cache = ModelCache(compiler)
    service = FitService(cache)
    service.warm_up(radon, group_predictor=True)  # the page, first
    service.warm_up(radon)  # then its request for the three fits warms up their models too
    pooled = spec_for(radon, "pooled")
    got: dict[str, tuple] = {}
    fit = threading.Thread(target=lambda: got.update(pooled=cache.for_fit(pooled)))
    fit.start()
    fit.join(1.0)
    assert fit.is_alive() and not compiled  # waiting for the warm-up, not compiling
    gate.set()
    fit.join(10)
    assert got["pooled"] == (pooled.widest, "model of hierarchical, group predictor True")
    for spec in (
        spec_for(radon, "unpooled"),
        spec_for(radon, "hierarchical"),
        spec_for(with_uranium(radon), "hierarchical"),
    ):
        assert cache.for_fit(spec)[0] == pooled.widest
    assert compiled == [pooled.widest]  # one compile for the four fits


def test_partial_pooling_inputs_leave_its_graph_as_it_was():
    spec = spec_for(EXPLORE, "hierarchical")
    weights = np.array([0, 1, 1, 1, 1, 1.0])
    switch = pooling_inputs(spec, EXPLORE.n_groups, weights)
    assert switch["population"] == 1 and switch["spread"] == 1
    np.testing.assert_array_equal(switch["centered"], np.r_[weights, np.zeros(spec.n_groups - 6)])
    assert pooling_inputs(spec_for(EXPLORE, "unpooled"), 6)["centered"].min() == 1
    pooled = pooling_inputs(spec_for(EXPLORE, "pooled"), 6)
    assert pooled["spread"] == 0 and pooled["centered"].max() == 0
    with pytest.raises(ValueError, match="cannot run"):
        model_inputs(EXPLORE, spec_for(EXPLORE, "pooled"), PRIORS, graph=spec_for(EXPLORE, "unpooled"))


class _SharedOnly:
    """A compiler that always gives the shared graph (as a fresh server does)."""

    def __init__(self, cache: ModelCache) -> None:
        self.cache = cache

    def for_fit(self, spec: ModelSpec):
        return spec.shared, self.cache(spec.shared)

    def __call__(self, spec: ModelSpec):
        return self.cache(spec)


@pytest.mark.parametrize("pooling", ["pooled", "unpooled"])
def test_fits_on_the_shared_graph_agree_with_fits_on_their_own(pooling):
    settings = FitSettings(draws=1000, tune=300, seed=3)
    own = FitJob(EXPLORE, pooling, PRIORS, settings, compiler=DEFAULT_CACHE).result(120)
    on_shared = FitJob(EXPLORE, pooling, PRIORS, settings, compiler=_SharedOnly(DEFAULT_CACHE)).result(120)
    post_own, post_shared = own.idata["posterior"], on_shared.idata["posterior"]
    # the pooling's own variables, and none of the shared graph's others
    assert set(post_shared.data_vars) == set(post_own.data_vars) <= pooling_variables(own.spec)
    assert on_shared.diagnostics.divergences == 0 and on_shared.diagnostics.max_rhat < 1.01
    for name in post_own.data_vars:
        a, b = post_own[name].values, post_shared[name].values
        mean_a, mean_b = a.mean(axis=(0, 1)), b.mean(axis=(0, 1))
        # Monte Carlo error of each mean from its ESS (at least 400 here), z below 4 for every entry
        se = np.sqrt(a.var(axis=(0, 1)) / 400 + b.var(axis=(0, 1)) / 400)
        assert np.all(np.abs(mean_a - mean_b) < 4 * se), name
        np.testing.assert_allclose(a.std(axis=(0, 1)), b.std(axis=(0, 1)), rtol=0.15)


def test_the_cache_serves_the_shared_graph_until_the_own_one_is_compiled():
    compiled: list[ModelSpec] = []
    release = threading.Event()

    def compiler(graph: ModelSpec):
        if graph.pooling != "hierarchical":
            release.wait(10)  # an own graph compiling in the background
        compiled.append(graph)
        return f"model of {graph.pooling}"

    cache = ModelCache(compiler)
    pooled = spec_for(EXPLORE, "pooled", tau_family="half_cauchy")
    hierarchical = spec_for(EXPLORE, "hierarchical", tau_family="half_cauchy")
    assert cache.for_fit(pooled) == (pooled.shared, "model of hierarchical")
    assert cache.for_fit(hierarchical) == (hierarchical, "model of hierarchical")
    assert compiled == [hierarchical]  # one compile for both fits
    busy = threading.Event()
    busy.set()
    cache.compile_later(pooled, idle=lambda: not busy.is_set())
    cache.compile_later(pooled)  # asked twice: compiled once
    threading.Event().wait(1.5)
    assert compiled == [hierarchical]  # waits while the process is busy
    busy.clear()
    threading.Event().wait(1.5)
    assert cache.for_fit(pooled)[0] == pooled.shared  # not compiled yet: the shared graph serves
    release.set()
    for _ in range(100):
        if pooled in cache:
            break
        threading.Event().wait(0.05)
    assert cache.for_fit(pooled) == (pooled.own, "model of pooled")
    assert compiled == [hierarchical, pooled.own]
    assert pooled.own.tau_family == "none"  # complete pooling's own graph has no tau prior
