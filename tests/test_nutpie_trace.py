"""The quick conversion of nutpie's Arrow trace builds what nutpie's own conversion builds."""

from __future__ import annotations

import numpy as np
import nutpie
import pyarrow as pa
import pytest
import xarray as xr

from hbm_core.inference import backend
from hbm_core.inference.compile import DEFAULT_CACHE
from hbm_core.inference.nutpie_trace import arrow_to_datatree
from hbm_core.inference.service import fit
from hbm_core.inference.settings import FitSettings
from hbm_core.models.build import pack_inputs
from hbm_core.models.inputs import model_inputs, spec_for
from hbm_core.models.parameterization import centered_weights
from hbm_core.priors import default_priors
from tests.test_engine import seed_data

SETTINGS = FitSettings(draws=200, tune=150, chains=3, seed=7, target_accept=0.9)


@pytest.fixture(scope="module")
def raw_trace():
    """(draw batches, stat batches, compiled model) of a short hierarchical run, warm-up included."""
    data = seed_data()
    spec = spec_for(data, "hierarchical")
    priors = default_priors(data.y, data.family)
    inputs = model_inputs(data, spec, priors, centered_weights(data, "auto"))
    compiled = backend.with_data(DEFAULT_CACHE(spec), pack_inputs(spec, inputs))
    sampler = backend.start(compiled, SETTINGS, lambda done, total: None)
    draws, stats = sampler.wait().get_arrow_trace()
    return draws, stats, compiled


def test_same_posterior_and_stats_as_nutpie(raw_trace):
    """The same run (same seed) converted by nutpie's public ``sample`` gives the same groups."""
    draws, stats, compiled = raw_trace
    ours = arrow_to_datatree(draws, stats, compiled.coords, compiled.reparameterized_names)
    s = SETTINGS
    theirs = nutpie.sample(
        compiled, draws=s.draws, tune=s.tune, chains=s.chains, cores=min(s.cores, s.chains), seed=s.seed,
        target_accept=s.target_accept, save_warmup=False, progress_bar=False,
    )  # fmt: skip

    assert isinstance(ours, xr.DataTree) and set(ours.children) == {"posterior", "sample_stats"}
    for group in ("posterior", "sample_stats"):
        mine, nutpies = (tree[group].to_dataset().drop_attrs() for tree in (ours, theirs))
        xr.testing.assert_identical(mine, nutpies)
    assert ours.posterior.sizes["chain"] == 3 and ours.posterior.sizes["draw"] == 200
    assert not ours.sample_stats["tuning"].values.any()  # warm-up dropped
    assert list(ours.posterior["theta"].dims) == ["chain", "draw", "group"]
    assert "tau_log__" not in ours.posterior  # unconstrained values left out, as nutpie does


def test_rejects_chains_of_different_lengths(raw_trace):
    draws, stats, compiled = raw_trace
    short = [pa.record_batch(draws[0]).slice(0, 100), *draws[1:]]
    short_stats = [pa.record_batch(stats[0]).slice(0, 100), *stats[1:]]
    with pytest.raises(ValueError, match="different numbers of draws"):
        arrow_to_datatree(short, short_stats, compiled.coords)


def test_a_fit_uses_it(raw_trace):
    """FitJob's posterior comes through the quick conversion: no warm-up, nutpie's variables."""
    result = fit(seed_data(), "hierarchical", settings=FitSettings(draws=120, tune=100, chains=2, seed=2))
    post = result.idata.posterior
    assert post.sizes["draw"] == 120 and post.sizes["group"] == 3
    assert {"mu", "tau", "theta", "theta_raw", "sigma"} <= set(post.data_vars)
    assert np.isfinite(result.diagnostics.max_rhat)
