"""The quick conversion of nutpie's Arrow trace builds what nutpie's own conversion builds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import xarray as xr
from nutpie.sample import _arrow_to_arviz

from hbm_core.inference import backend
from hbm_core.inference.compile import DEFAULT_CACHE
from hbm_core.inference.nutpie_trace import arrow_to_inference_data
from hbm_core.inference.service import fit
from hbm_core.inference.settings import FitSettings
from hbm_core.models.inputs import model_inputs, spec_for
from hbm_core.models.parameterization import centered_weights
from hbm_core.priors import default_priors
from tests.test_engine import seed_data

#: The per-draw statistics nutpie leaves out unless asked to store them (its ``_extract``).
NUTPIE_SKIPS = [
    "gradient",
    "unconstrained_draw",
    "mass_matrix_inv",
    "mass_matrix_eigvals",
    "mass_matrix_stds",
    "divergence_start",
    "divergence_end",
    "divergence_momentum",
    "divergence_start_gradient",
]


@pytest.fixture(scope="module")
def raw_trace():
    """(draw batches, stat batches, compiled model) of a short hierarchical run, warm-up included."""
    data = seed_data()
    spec = spec_for(data, "hierarchical")
    priors = default_priors(data.y, data.family)
    inputs = model_inputs(data, spec, priors, centered_weights(data, "auto"))
    compiled = backend.with_data(DEFAULT_CACHE(spec), inputs)
    settings = FitSettings(draws=200, tune=150, chains=3, seed=7, target_accept=0.9)
    sampler = backend.start(compiled, settings, lambda text: None)
    assert sampler.path == "fast"  # the raw Arrow trace
    trace = sampler.wait()
    draws, stats = trace.get_arrow_trace()
    return draws, stats, compiled


def test_same_posterior_and_stats_as_nutpie(raw_trace):
    draws, stats, compiled = raw_trace
    ours = arrow_to_inference_data(draws, stats, compiled.coords)
    coords = {k: pd.Index(v) for k, v in compiled.coords.items()}
    theirs = _arrow_to_arviz(draws, stats, skip_vars=NUTPIE_SKIPS, coords=coords, save_warmup=False)

    xr.testing.assert_identical(ours.posterior.drop_attrs(), theirs.posterior.drop_attrs())
    xr.testing.assert_identical(ours.sample_stats.drop_attrs(), theirs.sample_stats.drop_attrs())
    assert ours.posterior.sizes["chain"] == 3 and ours.posterior.sizes["draw"] == 200
    assert not ours.sample_stats["tuning"].values.any()  # warm-up dropped
    assert list(ours.posterior["theta"].dims) == ["chain", "draw", "group"]


def test_rejects_chains_of_different_lengths(raw_trace):
    draws, stats, compiled = raw_trace
    short = [pa.record_batch(draws[0]).slice(0, 100), *draws[1:]]
    short_stats = [pa.record_batch(stats[0]).slice(0, 100), *stats[1:]]
    with pytest.raises(ValueError, match="different numbers of draws"):
        arrow_to_inference_data(short, short_stats, compiled.coords)


def test_a_fit_uses_it(raw_trace):
    """FitJob's posterior comes through the quick conversion: no warm-up, nutpie's variables."""
    result = fit(seed_data(), "hierarchical", settings=FitSettings(draws=120, tune=100, chains=2, seed=2))
    post = result.idata.posterior
    assert post.sizes["draw"] == 120 and post.sizes["group"] == 3
    assert {"mu", "tau", "theta", "theta_raw", "sigma"} <= set(post.data_vars)
    assert np.isfinite(result.diagnostics.max_rhat)
