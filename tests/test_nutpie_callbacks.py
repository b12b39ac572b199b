"""The fork of nutpie's numba compile whose C callbacks load from numba's disk cache, against nutpie."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap

import numpy as np
import nutpie
import pytest

from hbm_core.inference import backend, nutpie_callbacks
from hbm_core.models.build import ModelSpec, build_model, pack_inputs
from hbm_core.models.inputs import model_inputs
from hbm_core.priors import default_priors
from tests.test_engine import seed_data

SPEC = ModelSpec(family="normal", pooling="hierarchical", n_groups=4)
#: The same parameters and data layout as SPEC; only the log density differs (tau's prior).
OTHER_PRIOR = ModelSpec(family="normal", pooling="hierarchical", n_groups=4, tau_family="half_cauchy")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty callback cache folder for this test (background compiles of other tests in this
    process may write to it too: count cache hits of this test's models, not files)."""
    monkeypatch.setattr(nutpie_callbacks, "cache_dir", lambda: tmp_path)
    return tmp_path


def _with_seed_data(compiled, spec: ModelSpec):
    data = seed_data()
    inputs = model_inputs(data, spec, default_priors(data.y), np.ones(data.n_groups))
    return backend.with_data(compiled, pack_inputs(spec, inputs))


def _logp_and_grad(compiled, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Call the compiled log-density callback as nutpie's Rust sampler does."""
    grad, logp = np.zeros_like(x), np.zeros(())
    double = ctypes.POINTER(ctypes.c_double)
    code = compiled.compiled_logp_func.ctypes(
        x.size,
        x.ctypes.data_as(double),
        grad.ctypes.data_as(double),
        logp.ctypes.data_as(double),
        compiled.user_data.ctypes.data,
    )
    assert code == 0
    return float(logp), grad


def test_same_log_density_gradient_and_draws_as_nutpie(cache):
    ours = _with_seed_data(nutpie_callbacks.compile_pymc_model(build_model(SPEC)), SPEC)
    theirs = _with_seed_data(nutpie.compile_pymc_model(build_model(SPEC)), SPEC)
    assert ours.n_dim == theirs.n_dim
    assert (ours.compiled_logp_func._cache_hits, ours.compiled_expand_func._cache_hits) == (0, 0)
    again = nutpie_callbacks.compile_pymc_model(build_model(SPEC))  # both callbacks were stored
    assert (again.compiled_logp_func._cache_hits, again.compiled_expand_func._cache_hits) == (1, 1)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(size=ours.n_dim)
        logp, grad = _logp_and_grad(ours, x)
        np.testing.assert_allclose(logp, _logp_and_grad(theirs, x)[0], rtol=1e-12)
        np.testing.assert_allclose(grad, _logp_and_grad(theirs, x)[1], rtol=1e-12)
    draws = [
        nutpie.sample(c, draws=30, tune=30, chains=1, seed=3, progress_bar=False).posterior["theta"].values
        for c in (ours, theirs)
    ]
    np.testing.assert_array_equal(draws[0], draws[1])


def test_a_graph_that_differs_only_inside_pytensor_gets_its_own_callbacks(cache):
    first = nutpie_callbacks.compile_pymc_model(build_model(SPEC))
    other = nutpie_callbacks.compile_pymc_model(build_model(OTHER_PRIOR))
    assert other.n_dim == first.n_dim and other.user_data.dtype == first.user_data.dtype
    assert other.compiled_logp_func._cache_hits == 0  # not the first graph's entry
    # tau's prior does not enter the expand function: PyTensor gives it the same key, so it is shared.
    assert other.compiled_expand_func._cache_hits == 1
    theirs = _with_seed_data(nutpie.compile_pymc_model(build_model(OTHER_PRIOR)), OTHER_PRIOR)
    other = _with_seed_data(other, OTHER_PRIOR)
    x = np.random.default_rng(1).normal(size=other.n_dim)
    np.testing.assert_allclose(_logp_and_grad(other, x)[0], _logp_and_grad(theirs, x)[0], rtol=1e-12)
    assert _logp_and_grad(other, x)[0] != pytest.approx(_logp_and_grad(_with_seed_data(first, SPEC), x)[0])


def test_a_new_process_loads_both_callbacks_from_the_cache(tmp_path, repo_root):
    """Empty caches, then warm ones, each in a new process; compiling on empty caches builds no
    numba string function (the callbacks' element-wise copies and ``numba_shape_check``)."""
    script = textwrap.dedent(
        """
        import numba.core.event as ev
        from hbm_core.inference import backend
        from hbm_core.models.build import ModelSpec, build_model

        class Strings(ev.Listener):
            count = 0
            def on_start(self, event):
                module = event.data["dispatcher"].py_func.__module__ or ""
                Strings.count += module.startswith("numba.cpython.unicode")
            def on_end(self, event):
                pass

        ev.register("numba:compile", Strings())
        spec = ModelSpec(family="binomial", pooling="unpooled", n_groups=3)
        compiled = backend.compile_model(build_model(spec))
        logp, expand = compiled.compiled_logp_func, compiled.compiled_expand_func
        print(Strings.count, logp._cache_hits, expand._cache_hits)
        """
    )
    env = {"NUMBA_CACHE_DIR": str(tmp_path), "PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'pytensor'}"}
    hits = []
    for _ in range(2):
        run = subprocess.run(
            [sys.executable, "-c", script],
            cwd=repo_root,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, **env},
        )
        assert run.returncode == 0, run.stderr[-2000:]
        hits.append(run.stdout.split()[-3:])
    assert hits == [["0", "0", "0"], ["0", "1", "1"]]  # [string functions compiled, logp hits, expand hits]
    assert len(list((tmp_path / "nutpie-callbacks").glob("*.nbc"))) == 2


def test_other_versions_compile_with_nutpie_itself(monkeypatch):
    monkeypatch.setattr(nutpie, "__version__", "0.17.0")
    monkeypatch.setattr(nutpie, "compile_pymc_model", lambda model: ("nutpie's own", model))
    assert not nutpie_callbacks.supported()
    assert nutpie_callbacks.compile_pymc_model("model") == ("nutpie's own", "model")


def test_no_cache_key_or_no_cache_folder_compiles_uncached(tmp_path, monkeypatch):
    monkeypatch.setattr(nutpie_callbacks, "cache_dir", lambda: tmp_path)
    assert nutpie_callbacks.callback_key("logp", object(), (3,), np.zeros(()), [], {}) is None
    compiled = nutpie_callbacks.cached_cfunc(lambda a: a + 1, "int64(int64)", key=None)
    assert compiled.ctypes(41) == 42 and not list(tmp_path.iterdir())
    monkeypatch.setattr(nutpie_callbacks, "cache_dir", lambda: None)
    compiled = nutpie_callbacks.cached_cfunc(lambda a: a + 2, "int64(int64)", key="k" * 64)
    assert compiled.ctypes(40) == 42


def test_a_damaged_cache_entry_is_compiled_anew(cache):
    key = "e" * 64
    assert nutpie_callbacks.cached_cfunc(lambda a: a + 1, "int64(int64)", key).ctypes(41) == 42
    (entry,) = cache.glob("*.nbc")
    entry.write_bytes(b"not a pickle")
    with pytest.warns(RuntimeWarning, match="unreadable, compiling anew"):
        again = nutpie_callbacks.cached_cfunc(lambda a: a + 1, "int64(int64)", key)
    assert again.ctypes(41) == 42 and again._cache_hits == 0
    assert (
        nutpie_callbacks.cached_cfunc(lambda a: a + 1, "int64(int64)", key)._cache_hits == 1
    )  # stored over it
