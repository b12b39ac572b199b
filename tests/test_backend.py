"""The nutpie backend: the version check, the public-API fallback and loud data swaps."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from hbm_core.data.datasets import load_dataset
from hbm_core.inference import backend
from hbm_core.inference.compile import DEFAULT_CACHE, data_containers
from hbm_core.inference.jobs import FitCancelled, FitJob
from hbm_core.inference.service import fit
from hbm_core.inference.settings import FitSettings
from hbm_core.models.inputs import model_inputs, spec_for
from hbm_core.priors import default_priors
from tests.test_engine import seed_data

SETTINGS = FitSettings(draws=1000, tune=500, chains=2, seed=5)


@pytest.fixture
def public_path(monkeypatch, caplog):
    """Sample as on a nutpie version the fast path was not written for (e.g. 0.16.11)."""
    monkeypatch.setattr(backend, "nutpie_version", lambda text=None: (0, 16, 11))
    monkeypatch.setattr(backend, "_warned", set())
    caplog.set_level(logging.WARNING, logger=backend.__name__)
    return caplog


def test_version_check():
    assert backend.nutpie_version("0.16.8") == (0, 16, 8)
    assert backend.nutpie_version("0.17.0rc1+local") == (0, 17, 0)
    assert backend.fast_path_supported((0, 16, 8)) and backend.fast_path_supported((0, 16, 0))
    assert not backend.fast_path_supported((0, 16, 11))  # _make_sampler's signature changed there
    assert not backend.fast_path_supported((0, 15, 3)) and not backend.fast_path_supported((1, 0, 0))
    installed = backend.nutpie_version()
    assert backend.fast_path_supported() == ((0, 16, 0) <= installed <= (0, 16, 8))


def _compiled_with_inputs(pooling="hierarchical"):
    data = seed_data()
    spec = spec_for(data, pooling)
    centered = np.ones(3) if pooling == "hierarchical" else None
    inputs = model_inputs(data, spec, default_priors(data.y), centered)
    return DEFAULT_CACHE(spec), inputs


def test_data_swap_names_every_container_and_fails_loudly_otherwise():
    compiled, inputs = _compiled_with_inputs()
    assert set(compiled.shared_data) == set(inputs)  # names, not generated ids, on this version
    swapped = backend.with_data(compiled, inputs)
    np.testing.assert_array_equal(swapped.shared_data["ybar"], inputs["ybar"])
    with pytest.raises(backend.DataSwapError, match=r"unknown \['bogus'\]"):
        backend.with_data(compiled, {**inputs, "bogus": np.zeros(3)})
    with pytest.raises(backend.DataSwapError, match=r"unknown \['bogus'\]"):
        backend.with_data(compiled, {**inputs, "bogus": np.zeros(3)}, containers=set(inputs))
    with pytest.raises(backend.DataSwapError, match=r"missing \['tau_scale'\]"):
        backend.with_data(compiled, {k: v for k, v in inputs.items() if k != "tau_scale"})
    # Data keyed by something else than the containers' names (as nutpie 0.16.11 with PyMC 6 does).
    renamed = {f"id{i}": v for i, v in enumerate(inputs.values())}
    with pytest.raises(backend.DataSwapError, match="missing"):
        backend.with_data(compiled, renamed, containers=set(renamed))


def test_containers_the_log_density_does_not_use_are_not_passed_on():
    """Complete pooling with known standard errors: nutpie leaves out the unused group index."""
    data = load_dataset("eight_schools")
    spec = spec_for(data, "pooled")
    compiled = DEFAULT_CACHE(spec)
    inputs = model_inputs(data, spec, default_priors(data.y, data.family))
    assert "group_idx" in inputs and "group_idx" not in compiled.shared_data
    assert "group_idx" in data_containers(spec)
    swapped = backend.with_data(compiled, inputs, data_containers(spec))
    np.testing.assert_array_equal(swapped.shared_data["se"], inputs["se"])
    with pytest.raises(backend.DataSwapError, match=r"unknown \['group_idx'\]"):
        backend.with_data(compiled, inputs)  # without the model's containers: not known


def test_a_fit_whose_inputs_do_not_match_fails_with_a_message(monkeypatch):
    from hbm_core.inference import jobs

    def inputs_with_a_typo(*args):
        out = model_inputs(*args)
        out["ybarr"] = out.pop("ybar")
        return out

    monkeypatch.setattr(jobs, "model_inputs", inputs_with_a_typo)
    with pytest.raises(jobs.FitError, match="DataSwapError.*ybarr"):
        fit(seed_data(), "pooled", settings=SETTINGS)


def test_fast_path_reports_progress():
    compiled, inputs = _compiled_with_inputs("pooled")
    seen: list[str] = []
    sampling = backend.start(backend.with_data(compiled, inputs), SETTINGS, seen.append)
    idata = sampling.inference_data(sampling.wait())
    assert sampling.path == "fast" and sampling.reports_progress
    assert seen and seen[-1].split("/")[0] == seen[-1].split("/")[1]  # "done/total", done at the end
    assert idata.posterior.sizes["draw"] == SETTINGS.draws


def test_an_unknown_version_samples_through_the_public_api_and_says_so(public_path):
    result = fit(seed_data(), "pooled", settings=SETTINGS)
    assert not result.progress_reported and result.diagnostics.divergences == 0
    assert "is not a version the fast sampler path was written for" in public_path.text
    assert "without progress reporting" in public_path.text


def test_public_path_result_matches_fast_path_within_monte_carlo_error(monkeypatch):
    data = seed_data(sizes=[5, 8, 12], seed=7)
    fast = fit(data, "hierarchical", settings=SETTINGS)
    assert fast.progress_reported
    monkeypatch.setattr(backend, "fast_path_supported", lambda version=None: False)
    public = fit(data, "hierarchical", settings=SETTINGS.with_(seed=6))  # another random path
    assert not public.progress_reported
    assert public.idata.posterior.sizes == fast.idata.posterior.sizes
    assert set(public.idata.posterior.data_vars) == set(fast.idata.posterior.data_vars)
    assert not public.idata.sample_stats["tuning"].values.any()  # warm-up dropped there too
    for a, b in ((fast.estimates, public.estimates), (fast.population, public.population)):
        diff = np.abs(a["mean"].to_numpy() - b["mean"].to_numpy())
        tol = 4 * np.hypot(a["sd"], b["sd"]).to_numpy() / np.sqrt(300)
        assert (diff < tol).all(), (diff, tol)


def test_a_failing_fast_path_falls_back_to_the_public_api(monkeypatch, caplog):
    def changed_signature(compiled, settings, on_progress):
        raise TypeError("_make_sampler() takes 5 positional arguments but 6 were given")

    monkeypatch.setattr(backend, "_start_fast", changed_signature)
    monkeypatch.setattr(backend, "_warned", set())
    caplog.set_level(logging.WARNING, logger=backend.__name__)
    result = fit(seed_data(), "pooled", settings=SETTINGS)
    assert not result.progress_reported and result.diagnostics.divergences == 0
    assert "fast sampler path failed (TypeError" in caplog.text


def test_public_path_can_be_cancelled(public_path):
    fit(seed_data(), "hierarchical", settings=SETTINGS)  # compiled already
    long = FitSettings(draws=200_000, tune=500, chains=2)
    job = FitJob(seed_data(), "hierarchical", default_priors(seed_data().y), long)
    deadline = time.monotonic() + 60
    while job.state != "sampling" and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # sampling for a while
    assert not job.done and not job.reports_progress and job.progress == 0.0
    asked = time.perf_counter()
    job.cancel()
    with pytest.raises(FitCancelled):
        job.result(timeout=10)
    assert time.perf_counter() - asked < 2
