"""The nutpie backend: nutpie's public API with progress, cancelling, and loud data swaps."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from hbm_core.data.datasets import load_dataset
from hbm_core.inference import backend
from hbm_core.inference.compile import DEFAULT_CACHE
from hbm_core.inference.jobs import FitCancelled, FitJob
from hbm_core.inference.service import fit
from hbm_core.inference.settings import FitSettings
from hbm_core.models.build import data_layout, pack_inputs
from hbm_core.models.data_block import unpack
from hbm_core.models.inputs import model_inputs, spec_for
from hbm_core.priors import default_priors
from tests.test_engine import seed_data

SETTINGS = FitSettings(draws=1000, tune=500, chains=2, seed=5)


def _compiled_with_inputs(pooling="hierarchical"):
    """(compiled model, the values of its two data containers) for the seed data."""
    data = seed_data()
    spec = spec_for(data, pooling)
    centered = np.ones(3) if pooling == "hierarchical" else None
    inputs = model_inputs(data, spec, default_priors(data.y), centered)
    return DEFAULT_CACHE(spec), pack_inputs(spec, inputs)


def test_data_swap_names_every_container_and_fails_loudly_otherwise():
    compiled, packed = _compiled_with_inputs()
    assert not set(compiled.shared_data) & set(packed)  # nutpie 0.16.11 + PyMC 6: generated ids
    assert backend.data_names(compiled) == set(packed) == {"floats", "ints"}
    swapped = backend.with_data(compiled, packed)
    for name, value in packed.items():
        np.testing.assert_array_equal(backend.data_values(swapped)[name], value)
    with pytest.raises(backend.DataSwapError, match=r"unknown \['bogus'\]"):
        backend.with_data(compiled, {**packed, "bogus": np.zeros(3)})
    with pytest.raises(backend.DataSwapError, match=r"unknown \['bogus'\]"):
        backend.with_data(compiled, {**packed, "bogus": np.zeros(3)}, containers=set(packed))
    with pytest.raises(backend.DataSwapError, match=r"missing \['ints'\]"):
        backend.with_data(compiled, {"floats": packed["floats"]})
    # Data keyed by something else than the containers' names, e.g. nutpie's generated ids.
    renamed = dict(zip(compiled.shared_data, packed.values(), strict=False))
    with pytest.raises(backend.DataSwapError, match="missing"):
        backend.with_data(compiled, renamed, containers=set(renamed))


@pytest.mark.parametrize("name", ["eight_schools", "radon", "reedfrogs"])
@pytest.mark.parametrize("pooling", ["pooled", "unpooled", "hierarchical"])
def test_every_field_reaches_the_containers_and_a_misnamed_one_fails(name, pooling):
    """The named inputs survive packing (read back from the containers), and a missing or unknown
    name is refused instead of leaving the model on its placeholder data."""
    data = load_dataset(name)
    spec = spec_for(data, pooling, capacity=data.n_groups)
    centered = np.ones(data.n_groups) if pooling == "hierarchical" else None
    inputs = model_inputs(data, spec, default_priors(data.y, data.family), centered)
    back = unpack(data_layout(spec), pack_inputs(spec, inputs))
    assert set(back) == set(inputs)
    for key, value in inputs.items():
        np.testing.assert_array_equal(back[key], value)
    with pytest.raises(ValueError, match=r"missing \['mu_scale'\]"):
        pack_inputs(spec, {k: v for k, v in inputs.items() if k != "mu_scale"})
    with pytest.raises(ValueError, match=r"unknown \['bogus'\]"):
        pack_inputs(spec, {**inputs, "bogus": np.zeros(2)})
    with pytest.raises(ValueError, match="scalar"):
        pack_inputs(spec, {**inputs, "mu_loc": np.zeros(2)})


def test_a_fit_whose_inputs_do_not_match_fails_with_a_message(monkeypatch):
    from hbm_core.inference import jobs

    def inputs_with_a_typo(*args):
        out = model_inputs(*args)
        out["ybarr"] = out.pop("ybar")
        return out

    monkeypatch.setattr(jobs, "model_inputs", inputs_with_a_typo)
    with pytest.raises(jobs.FitError, match=r"missing \['ybar'\], unknown \['ybarr'\]"):
        fit(seed_data(), "pooled", settings=SETTINGS)


def test_refit_with_new_data_changes_the_answer():
    """The data really reach the sampler: eight schools' pooled mean is 7.7 (BDA3), +50 with y + 50.

    Guards against sampling the model's placeholder data when data names do not line up.
    """
    data = load_dataset("eight_schools")
    settings = FitSettings(draws=1000, tune=500, chains=2, seed=3)
    real = fit(data, "pooled", settings=settings)
    shifted = fit(replace(data, y=np.asarray(data.y) + 50.0), "pooled", settings=settings)
    mu, mu_shifted = (float(r.population.set_index("parameter").loc["mu", "mean"]) for r in (real, shifted))
    assert mu == pytest.approx(7.7, abs=0.5)
    assert mu_shifted == pytest.approx(57.7, abs=1.0)  # the prior (sd 10 x data scale) hardly pulls


def test_progress_is_reported_through_the_public_api():
    compiled, packed = _compiled_with_inputs("pooled")
    seen: list[tuple[int, int]] = []
    sampling = backend.start(backend.with_data(compiled, packed), SETTINGS, lambda d, t: seen.append((d, t)))
    idata = sampling.datatree(sampling.wait())
    total = SETTINGS.chains * (SETTINGS.draws + SETTINGS.tune)
    assert seen and all(t == total for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # counts only go up
    assert idata.posterior.sizes["draw"] == SETTINGS.draws
    assert not idata.sample_stats["tuning"].values.any()  # warm-up dropped


def test_a_fit_reports_progress_while_it_samples():
    fit(seed_data(), "hierarchical", settings=SETTINGS)  # compiled already
    long = FitSettings(draws=20_000, tune=500, chains=2)
    job = FitJob(seed_data(), "hierarchical", default_priors(seed_data().y), long)
    deadline = time.monotonic() + 60
    while not 0 < job.progress < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert 0 < job.progress < 1 and not job.done
    job.cancel()
    with pytest.raises(FitCancelled):
        job.result(timeout=10)


def test_a_fit_can_be_cancelled():
    fit(seed_data(), "hierarchical", settings=SETTINGS)  # compiled already
    long = FitSettings(draws=200_000, tune=500, chains=2)
    job = FitJob(seed_data(), "hierarchical", default_priors(seed_data().y), long)
    deadline = time.monotonic() + 60
    while job.state != "sampling" and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # sampling for a while
    assert not job.done
    asked = time.perf_counter()
    job.cancel()
    with pytest.raises(FitCancelled):
        job.result(timeout=10)
    assert time.perf_counter() - asked < 2
