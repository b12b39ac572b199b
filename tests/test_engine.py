"""Compile once, refit fast: refits without recompiling, threads, cancellation, failures, defaults."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from hbm_core.data.datasets import load_dataset
from hbm_core.data.groups import synthetic_groups
from hbm_core.inference import jobs
from hbm_core.inference.compile import DEFAULT_CACHE, ModelCache, compile_model
from hbm_core.inference.jobs import FitCancelled, FitError, FitJob
from hbm_core.inference.service import default_service, fit, fit_all
from hbm_core.inference.settings import POOLINGS, FitSettings
from hbm_core.inference.slots import FairSlots
from hbm_core.models.inputs import spec_for
from hbm_core.posterior.results import ESTIMATE_COLUMNS
from hbm_core.priors import default_priors

FAST = FitSettings(draws=300, tune=300, chains=2, seed=3)
SEED_DATA = dict(sizes=[20, 40, 60], means=[3, 5, 7], sds=[1, 2, 3])


def seed_data(seed: int = 1, **changes):
    return synthetic_groups(**{**SEED_DATA, **changes}, seed=seed)


class CountingCompiler:
    """A model cache that counts compiles."""

    def __init__(self):
        self.calls = 0
        self.cache = ModelCache(self._compile)

    def _compile(self, spec):
        self.calls += 1
        return DEFAULT_CACHE(spec)

    def __call__(self, spec):
        return self.cache(spec)


def test_default_synthetic_fits_have_no_divergences_and_converge():
    for seed in (1, 2):
        results = fit_all(seed_data(seed), settings=FitSettings(seed=seed))
        for pooling, result in results.items():
            d = result.diagnostics
            assert d.divergences == 0, (pooling, seed)
            assert d.max_rhat < 1.01 and d.min_ess_bulk > 400 and d.min_ess_tail > 400, d
            assert d.ok
    assert results["hierarchical"].diagnostics.parameterization == "centered"


def test_estimates_table_shape_and_ordering():
    results = fit_all(seed_data(), settings=FAST)
    for pooling, result in results.items():
        table = result.estimates
        assert list(table.columns) == ESTIMATE_COLUMNS
        assert list(table.group) == ["A", "B", "C"]
        assert (table.hdi_low < table["mean"]).all() and (table["mean"] < table.hdi_high).all()
        assert (table.fit == pooling).all()
    pooled = results["pooled"].estimates["mean"]
    assert np.allclose(pooled, pooled.iloc[0])  # one common estimate
    raw = results["unpooled"].estimates.raw_mean.to_numpy()
    np.testing.assert_allclose(results["unpooled"].estimates["mean"], raw, atol=0.15)
    # Partial pooling lies between each group's own mean and the grand mean.
    hier = results["hierarchical"].estimates
    grand = results["pooled"].estimates["mean"].iloc[0]
    lo, hi = np.minimum(raw, grand), np.maximum(raw, grand)
    assert ((hier["mean"] >= lo - 0.05) & (hier["mean"] <= hi + 0.05)).all()
    assert ((hier.pooling > 0) & (hier.pooling < 1)).all()


def test_group_count_and_size_changes_never_recompile():
    compiler = CountingCompiler()
    for n_groups in (2, 3, 5, 8, 12):
        rng = np.random.default_rng(n_groups)
        data = synthetic_groups(
            rng.integers(2, 30, n_groups), rng.normal(5, 2, n_groups), np.full(n_groups, 2.0), seed=n_groups
        )
        for pooling in POOLINGS:
            result = fit(data, pooling, settings=FAST, compiler=compiler)
            assert len(result.estimates) == n_groups
            assert result.idata.posterior.sizes.get("group", n_groups) == n_groups
    assert compiler.calls == 3  # one compile per pooling, whatever the group count


def test_padding_groups_do_not_change_the_posterior():
    """The same data in a model with spare capacity gives the same answer (within MC error)."""
    data = seed_data()
    small = fit(data, "hierarchical", settings=FAST)
    big = FitJob(data, "hierarchical", small.priors, FAST, capacity=24).result()
    assert big.spec.n_groups == 24
    np.testing.assert_allclose(big.estimates["mean"], small.estimates["mean"], atol=0.1)


def test_one_compiled_model_is_safe_to_share_between_threads():
    data = [seed_data(seed) for seed in (4, 5, 6)]
    sequential = [fit(d, "hierarchical", settings=FAST).estimates["mean"].to_numpy() for d in data]
    out = [None] * 3

    def work(i):
        out[i] = fit(data[i], "hierarchical", settings=FAST).estimates["mean"].to_numpy()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(out, sequential, strict=False):
        np.testing.assert_array_equal(got, want)  # same seed, same data: bit-identical


def test_cancel_stops_a_fit_quickly():
    fit(seed_data(), "hierarchical", settings=FAST)  # compiled already
    job = FitJob(
        seed_data(),
        "hierarchical",
        default_priors(seed_data().y),
        FitSettings(draws=200_000, tune=1000, chains=2),
    )
    job.cancel()
    with pytest.raises(FitCancelled):
        job.result(timeout=10)


@pytest.mark.parametrize("sampler", ["nutpie", "pymc"])
def test_a_fit_that_runs_too_long_is_stopped_with_a_message(sampler):
    """Both samplers stop at ``max_seconds`` of sampling (PyMC's counted from its first draw, after
    it has compiled its functions, which on empty caches alone can take longer)."""
    fit(seed_data(), "unpooled", settings=FAST)
    job = FitJob(
        seed_data(),
        "unpooled",
        default_priors(seed_data().y),
        FitSettings(draws=500_000, tune=500, chains=2, max_seconds=0.5, sampler=sampler),
    )
    with pytest.raises(FitError, match="longer than"):
        job.result(timeout=120)


def test_progress_reaches_one():
    job = FitJob(seed_data(), "pooled", default_priors(seed_data().y), FAST)
    job.result(timeout=120)
    assert job.progress == 1.0 and job.done


def test_sampler_exception_becomes_a_fit_error():
    def broken_compiler(spec):
        raise RuntimeError("numba exploded")

    job = FitJob(seed_data(), "pooled", default_priors(seed_data().y), FAST, compiler=broken_compiler)
    with pytest.raises(FitError, match="sampler failed.*numba exploded"):
        job.result(timeout=10)


def test_improper_priors_are_refused_for_mcmc():
    priors = default_priors(seed_data().y).with_(tau_family="flat")
    with pytest.raises(FitError, match="proper priors"):
        fit(seed_data(), "hierarchical", priors, FAST)


def test_weak_data_get_the_non_centered_form_and_eight_schools_has_no_divergences():
    data = load_dataset("eight_schools")
    for seed in (1, 2, 3):
        result = fit(data, "hierarchical", settings=FitSettings(seed=seed))
        assert result.diagnostics.parameterization == "non-centered"
        assert result.diagnostics.divergences == 0, seed


def test_nutpie_agrees_with_pymc_nuts():
    """Same model, two samplers: PyMC's own NUTS is the reference."""
    data = seed_data(sizes=[5, 8, 12], seed=7)
    settings = FitSettings(draws=500, tune=500, chains=2, seed=11)
    a = fit(data, "hierarchical", settings=settings)
    b = fit(data, "hierarchical", settings=settings.with_(sampler="pymc"))
    assert b.diagnostics.sampler == "pymc"
    diff = np.abs(a.estimates["mean"].to_numpy() - b.estimates["mean"].to_numpy())
    tol = 4 * np.hypot(a.estimates.sd, b.estimates.sd).to_numpy() / np.sqrt(300)
    assert (diff < tol).all(), (diff, tol)


def test_compile_model_builds_every_structure_of_the_app():
    spec = spec_for(seed_data(), "pooled")
    assert compile_model(spec).n_dim >= 1


def test_sampling_slots_queue_fits_and_queued_fits_can_be_cancelled(monkeypatch):
    fit(seed_data(), "pooled", settings=FAST)  # compiled already
    monkeypatch.setattr(jobs, "SAMPLING_SLOTS", FairSlots(1))
    priors = default_priors(seed_data().y)
    long = FitJob(
        seed_data(), "pooled", priors, FitSettings(draws=2_000_000, tune=500, chains=2)
    )  # cancelled below
    queued = FitJob(seed_data(seed=8), "pooled", priors, FAST)
    deadline = time.monotonic() + 30
    while queued.state != "queued" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert queued.state == "queued" and long.state == "sampling"
    queued.cancel()
    with pytest.raises(FitCancelled):
        queued.result(timeout=10)
    long.cancel()
    with pytest.raises(FitCancelled):
        long.result(timeout=10)
    after = FitJob(seed_data(seed=9), "pooled", priors, FAST)  # the slot was released
    assert after.result(timeout=60).diagnostics.divergences == 0


def test_a_chain_of_fits_queues_once_and_never_leaks_a_slot(monkeypatch):
    """One user's three fits hand their sampling slot down the chain: a second user who queued in
    the meantime waits for the whole chain, and cancelled or failed links give the slot back."""
    fit_all(seed_data(), settings=FAST)  # compiled already
    slots = FairSlots(1)
    monkeypatch.setattr(jobs, "SAMPLING_SLOTS", slots)
    priors = default_priors(seed_data().y)
    slow = FitSettings(draws=3000, tune=300, chains=2, seed=4)
    first = default_service().start(seed_data(seed=21), priors, slow)
    deadline = time.monotonic() + 30
    while first["pooled"].state != "sampling" and time.monotonic() < deadline:
        time.sleep(0.02)
    second = default_service().start(seed_data(seed=22), priors, slow)
    for job in [*first.values(), *second.values()]:
        job.result(timeout=120)
    started = {name: job._sampling_started for name, job in first.items()}
    assert second["pooled"]._sampling_started > started["hierarchical"]  # waited for the chain
    assert slots.acquire(timeout=0)  # the slot came back
    slots.release()

    # Cancel the middle link while the first samples: the chain still returns its slot.
    chain = default_service().start(seed_data(seed=23), priors, slow)
    chain["unpooled"].cancel()
    for job in chain.values():
        job._done.wait(120)
    assert chain["unpooled"].cancelled
    assert slots.acquire(timeout=5)
    slots.release()


def test_the_r_hat_bound_is_at_most_1_01_and_the_warning_says_so():
    """A fit's R-hat passes up to and including 1.01 (shown as "1.010"), so the texts say "at most",
    not "below", which a reader would hold against the "1.010" in the diagnostics table."""
    from hbm_core.posterior.results import plain_warnings

    assert plain_warnings(0, 1.01, 2000.0, 2000.0, 4, 1000) == []
    (note,) = plain_warnings(0, 1.0104, 2000.0, 2000.0, 4, 1000)
    assert "R-hat is 1.010 (should be at most 1.01)" in note
