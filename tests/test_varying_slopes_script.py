"""The Varying slopes page's "show the code" script: it reads the page's data file, builds the same
model (same variables, a finite log density), writes the page's priors and sampler settings, fits the
own lines as the page does, and -- run for real in a subprocess -- reproduces the engine's county pairs
within Monte Carlo error."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hbm_core.codegen import CSV_BEGIN, CSV_END, data_file, varying_slopes_script
from hbm_core.data.datasets import load_dataset
from hbm_core.inference.settings import FitSettings
from hbm_core.lessons.varying_slopes import Truth, own_lines, synthetic_slopes, with_varying_slope
from hbm_core.priors import default_priors

QUICK = FitSettings(draws=400, tune=400, chains=2, seed=4)


def _load(script: str, tmp_path: Path, files: dict[str, bytes]) -> dict:
    """The script's module level (data and model functions, no sampling), run in ``tmp_path``."""
    path = tmp_path / "generated.py"
    path.write_text(script, encoding="utf-8")
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return runpy.run_path(str(path), run_name="generated")
    finally:
        os.chdir(cwd)


def _radon():
    data = with_varying_slope(load_dataset("radon"))
    return data, default_priors(data.y, data.family)


def test_script_reads_the_data_and_builds_the_model(tmp_path):
    data, priors = _radon()
    spec, raw = data_file(data, "radon_varying_slopes.csv")
    script = varying_slopes_script(spec, priors, QUICK, 0.99, script_name="vs.py")
    assert "TARGET_ACCEPT = 0.99" in script and "DRAWS = 400" in script and "pm.LKJCholeskyCov(" in script
    g = _load(script, tmp_path, {spec.file_name: raw})
    np.testing.assert_array_equal(g["x"], data.x)
    np.testing.assert_array_equal(g["y"], data.y)
    assert list(g["GROUPS"]) == list(data.groups)
    model = g["varying_slopes"]()
    assert {v.name for v in model.free_RVs} == {"mu", "beta", "chol_cov", "z", "sigma"}
    assert {"tau", "tau_slope", "rho", "theta", "theta_slope"} <= {v.name for v in model.deterministics}
    assert np.isfinite(model.compile_logp()(model.initial_point()))
    # the script's own lines are the page's (NaN where a county has no own slope)
    own = g["own_lines"]()
    ours = own_lines(data).set_index("group")
    np.testing.assert_allclose(own["own_slope"].to_numpy(), ours["own_slope"].to_numpy(), equal_nan=True)
    np.testing.assert_allclose(
        own["own_intercept"].to_numpy(), ours["own_intercept"].to_numpy(), equal_nan=True
    )


def test_script_needs_a_predictor():
    data, priors = _radon()
    spec, _ = data_file(data.with_(x=None, varying_slope=False))
    with pytest.raises(ValueError, match="predictor"):
        varying_slopes_script(spec, priors, QUICK, 0.99)


@pytest.mark.slow
def test_script_reproduces_the_engine(tmp_path):
    """Synthetic data (quick): the script's printed pairs agree with the engine's posterior means
    within 4 Monte Carlo standard errors plus 5% of a posterior sd (two independent runs)."""
    from hbm_core.inference.service import fit

    data = with_varying_slope(synthetic_slopes(Truth(), n_groups=10, per_group=10, seed=2))
    priors = default_priors(data.y, data.family)
    spec, raw = data_file(data, "synthetic.csv")
    script = varying_slopes_script(spec, priors, QUICK, 0.99, script_name="vs.py")
    (tmp_path / "vs.py").write_text(script, encoding="utf-8")
    (tmp_path / spec.file_name).write_bytes(raw)
    proc = subprocess.run(
        [sys.executable, "vs.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=540,
        env={**os.environ, "PYTHONPATH": ""},  # the script must not need hbm_core
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "Divergent transitions:" in out
    table = pd.read_csv(pd.io.common.StringIO(out.split(CSV_BEGIN)[1].split(CSV_END)[0].strip()))
    result = fit(data, "hierarchical", priors, QUICK.with_(target_accept=0.99))
    import arviz as az

    post = result.idata.posterior
    for var, column in (("theta", "partial_intercept"), ("theta_slope", "partial_slope")):
        draws = post[var].transpose("chain", "draw", "group").to_numpy()
        mean, sd = draws.mean(axis=(0, 1)), draws.std(axis=(0, 1))
        mcse = az.mcse(az.convert_to_dataset({"v": draws}))["v"].values
        gap = np.abs(table[column].to_numpy() - mean)
        assert np.all(gap <= 4 * np.sqrt(2) * mcse + 0.05 * sd), (var, gap, mcse)
