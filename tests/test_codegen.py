""" "Show the code": the generated PyMC scripts are valid Python, see exactly the app's data, build
every model variant, and -- run for real in a subprocess -- reproduce the engine's estimates within
Monte Carlo error."""

from __future__ import annotations

import ast
import io
import json
import os
import runpy
import subprocess
import sys
import textwrap
import tokenize
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import pytest
from scipy.special import expit

from hbm_core.codegen import CsvSpec, SyntheticSpec, csv_format, data_file, pymc_script
from hbm_core.data.csv_input import load_csv
from hbm_core.inference.settings import POOLINGS, FitSettings
from hbm_core.priors import Priors, default_priors

ROOT = Path(__file__).resolve().parents[1]
QUICK = FitSettings(draws=300, tune=300, chains=2, seed=5)
EXPLORE_PRIORS = Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=10.0, sigma_scale=10.0)
# Explore's "One tiny group" preset: three groups centered, the tiny one non-centered (mixed form).
TINY = SyntheticSpec(sizes=(50, 50, 50, 2), means=(4.0, 5.0, 6.0, 9.0), sds=(2.0, 2.0, 2.0, 2.0), seed=1)
CLASSIC = SyntheticSpec(sizes=(20, 40, 60), means=(3.0, 5.0, 7.0), sds=(1.0, 2.0, 3.0), seed=1)
THROWS = "player,made,attempts\nAna,41,52\nBen,7,12\nCleo,60,81\nDev,2,2\nEli,23,35\nFay,15,18\nGus,30,47\n"
SCORES = "class;score;hours\n7A;69,5;1\n7A;63;5\n7B;73;4\n7B;75,25;2\n7C;68;2\n7C;55;1\n7C;60;3\n"


def _load(script: str, tmp_path: Path, files: dict[str, bytes] | None = None) -> dict:
    """Run the script's module level (data and model functions, no sampling) in ``tmp_path``."""
    path = tmp_path / "generated.py"
    path.write_text(script, encoding="utf-8")
    for name, content in (files or {}).items():
        (tmp_path / name).write_bytes(content)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return runpy.run_path(str(path), run_name="generated")
    finally:
        os.chdir(cwd)


# ----------------------------------------------------------------------------- fast checks


@pytest.mark.parametrize("sigma", ["group", "shared"])
@pytest.mark.parametrize("spec", [CLASSIC, TINY], ids=["centered", "mixed"])
def test_synthetic_script_sees_the_apps_data(spec, sigma, tmp_path):
    script = pymc_script(spec, EXPLORE_PRIORS, QUICK, sigma=sigma)
    ast.parse(script)
    g = _load(script, tmp_path)
    data = spec.data()
    np.testing.assert_array_equal(g["y"], data.y)  # bit for bit: the same random streams
    np.testing.assert_array_equal(g["group_idx"], data.group_idx)
    assert g["GROUPS"] == list(data.groups)
    for pooling in POOLINGS:
        model = g[
            {"pooled": "complete_pooling", "unpooled": "no_pooling", "hierarchical": "partial_pooling"}[
                pooling
            ]
        ]()
        assert isinstance(model, pm.Model)
        names = {v.name for v in model.free_RVs}
        assert ("sigma" in names) and (model["sigma"].ndim == (1 if sigma == "group" else 0))
        assert np.isfinite(model.compile_logp()(model.initial_point()))
    assert f"SEED = {spec.seed}" in script and "random_seed=SEED" in script
    assert f"DRAWS = {QUICK.draws}" in script and f"CHAINS = {QUICK.chains}" in script


def test_lighter_simple_fits_are_in_the_script(tmp_path):
    """Explore's live fits give complete and no pooling half the draws (#22): the script says so and
    samples each fit with its own draws."""
    spec = SyntheticSpec([3, 6, 12], [6.0, 4.0, 5.0], [3.0, 3.0, 3.0], 1, "y")
    light = FitSettings(draws=1000, tune=300, lighter_simple_fits=True)
    g = _load(pymc_script(spec, EXPLORE_PRIORS, light, sigma="shared"), tmp_path)
    assert g["DRAWS"] == 1000 and g["DRAWS_OF"] == {"pooled": 500, "unpooled": 500} and g["TUNE"] == 300
    assert _load(pymc_script(spec, EXPLORE_PRIORS, QUICK, sigma="shared"), tmp_path)["DRAWS_OF"] == {}


def test_parameterization_follows_the_app(tmp_path):
    centered = pymc_script(CLASSIC, EXPLORE_PRIORS, QUICK)
    assert 'theta = pm.Normal("theta", mu=mu, sigma=tau, dims="group")' in centered
    non = pymc_script(CLASSIC, EXPLORE_PRIORS, QUICK.with_(parameterization="non-centered"))
    assert 'theta = pm.Deterministic("theta", mu + tau * z, dims="group")' in non
    mixed = pymc_script(TINY, EXPLORE_PRIORS, QUICK)
    assert "w = np.array([1, 1, 1, 0], dtype=float)" in mixed
    # target_accept: the app's automatic choice per fit (0.99 only with groups under 10), or the user's
    assert '"hierarchical": ("Partial pooling", partial_pooling, 0.95)' in centered
    assert '"hierarchical": ("Partial pooling", partial_pooling, 0.99)' in mixed
    fixed = pymc_script(CLASSIC, EXPLORE_PRIORS, QUICK.with_(target_accept=0.9))
    assert fixed.count(", 0.9),") == 3


@pytest.mark.parametrize("family", ["half_normal", "half_cauchy", "exponential", "uniform"])
def test_every_tau_prior_builds(family, tmp_path):
    priors = EXPLORE_PRIORS.with_(tau_family=family, tau_scale=4.0)
    g = _load(pymc_script(CLASSIC, priors, QUICK, poolings=("hierarchical",)), tmp_path)
    model = g["partial_pooling"]()
    assert np.isfinite(model.compile_logp()(model.initial_point()))
    assert "complete_pooling" not in g  # only the poolings asked for


def test_flat_prior_cannot_be_written():
    with pytest.raises(ValueError, match="cannot be sampled"):
        pymc_script(CLASSIC, EXPLORE_PRIORS.with_(tau_family="flat"), QUICK)


def test_csv_script_reads_the_file_like_the_app(tmp_path):
    raw = SCORES.encode("cp1252")
    fmt = csv_format(raw)
    assert fmt == {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"}
    data = load_csv(raw, "class", "score", x_col="hours")
    spec = CsvSpec("scores.csv", "class", "score", x_col="hours", **fmt)
    script = pymc_script(spec, default_priors(data.y), QUICK, data=data)
    assert 'CSV_FILE = "scores.csv"' in script and "beta * x" in script
    g = _load(script, tmp_path, {"scores.csv": raw})
    np.testing.assert_array_equal(g["y"], data.y)  # 69,5 -> 69.5
    np.testing.assert_array_equal(g["x"], data.x)
    np.testing.assert_array_equal(g["group_idx"], data.group_idx)
    assert g["GROUPS"] == list(data.groups)
    model = g["partial_pooling"]()
    assert model["sigma"].ndim == 0  # shared sigma with a predictor, as the engine
    assert "beta" in {v.name for v in model.free_RVs}


def test_csv_binomial_and_odd_encodings(tmp_path):
    text = "spieler\tgetroffen\tversuche\nJürgen\t3\t10\nZoë\t7\t9\nJürgen\t4\t8\n"
    raw = text.encode("cp1252")
    fmt = csv_format(raw)
    assert fmt == {"sep": "\t", "decimal": ".", "encoding": "cp1252"}
    data = load_csv(raw, "spieler", "getroffen", trials_col="versuche")
    spec = CsvSpec("würfe.csv", "spieler", "getroffen", trials_col="versuche", **fmt)
    script = pymc_script(spec, default_priors(data.y, "binomial"), QUICK, data=data)
    g = _load(script, tmp_path, {"würfe.csv": raw})
    assert g["GROUPS"] == ["Jürgen", "Zoë"]
    np.testing.assert_array_equal(g["trials"], data.trials)
    model = g["partial_pooling"]()
    assert "sigma" not in {v.name for v in model.free_RVs}
    assert "pm.Binomial" in script and "logit -> probability" in script


def test_csv_spec_needs_the_data_for_automatic_choices():
    spec = CsvSpec("x.csv", "g", "y")
    with pytest.raises(ValueError, match="pass data="):
        pymc_script(spec, Priors(), QUICK)
    script = pymc_script(spec, Priors(), QUICK.with_(target_accept=0.9, parameterization="centered"))
    ast.parse(script)


# ----------------------------------------------------------------------------- the real thing

_RUNNER = textwrap.dedent(
    """
    import json, runpy, sys
    import numpy as np
    g = runpy.run_path(sys.argv[1], run_name="__main__")
    out = {}
    for pooling, idata in g["traces"].items():
        post = idata.posterior
        draws = post["mu"].values[..., None] if pooling == "pooled" else post["theta"].values
        out[pooling] = {"draws": np.asarray(draws, dtype=float).tolist(),
                        "printed_means": [float(v) for v in g["group_means"](pooling, idata)]}
    print("RESULT-JSON:" + json.dumps(out))
    """
)


def _run_script(script: str, tmp_path: Path, files: dict[str, bytes] | None = None) -> dict:
    path = tmp_path / "partial_pooling.py"
    path.write_text(script, encoding="utf-8")
    for name, content in (files or {}).items():
        (tmp_path / name).write_bytes(content)
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=540,
        env={**os.environ, "PYTHONPATH": ""},  # the script must not need hbm_core
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Posterior mean of each group's" in proc.stdout  # its own printout
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT-JSON:"))
    return json.loads(line[len("RESULT-JSON:") :])


def _mean_and_mcse(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: posterior mean, its Monte Carlo standard error, posterior sd. draws: (chain, draw, J)."""
    mcse = az.mcse(az.convert_to_dataset({"v": draws}))["v"].values
    return draws.mean(axis=(0, 1)), mcse, draws.std(axis=(0, 1))


def _assert_same_estimates(script_out: dict, results: dict, binomial: bool) -> None:
    for pooling, result in results.items():
        post = result.idata.posterior
        engine = post["mu"].values[..., None] if pooling == "pooled" else post["theta"].values
        script = np.asarray(script_out[pooling]["draws"])
        if binomial:
            engine, script = expit(engine), expit(script)
        m_e, se_e, sd_e = _mean_and_mcse(engine)
        m_s, se_s, _ = _mean_and_mcse(script)
        tolerance = 4 * np.sqrt(se_e**2 + se_s**2) + 0.01 * sd_e
        assert np.all(np.abs(m_s - m_e) <= tolerance), (pooling, m_s, m_e, tolerance)
        # the printed group means are the same summary (of the probability for binomial data)
        printed = script_out[pooling]["printed_means"]
        np.testing.assert_allclose(printed, np.broadcast_to(m_s, len(printed)), rtol=1e-9)
        # and they agree with the app's estimates table
        table = result.estimates
        np.testing.assert_allclose(table["mean"].to_numpy(), np.broadcast_to(m_e, len(table)), rtol=1e-9)


@pytest.mark.slow
def test_synthetic_script_reproduces_the_engine(tmp_path):
    from hbm_core.inference.service import fit_all

    sigma = "shared"
    script = pymc_script(TINY, EXPLORE_PRIORS, QUICK, sigma=sigma)
    out = _run_script(script, tmp_path)
    results = fit_all(TINY.data(), EXPLORE_PRIORS, QUICK, sigma=sigma)
    _assert_same_estimates(out, results, binomial=False)


@pytest.mark.slow
def test_csv_script_reproduces_the_engine(tmp_path):
    from hbm_core.inference.service import fit_all

    raw = THROWS.encode()
    data = load_csv(raw, "player", "made", trials_col="attempts")
    priors = default_priors(data.y, "binomial")
    spec = CsvSpec("throws.csv", "player", "made", trials_col="attempts", **csv_format(raw))
    out = _run_script(pymc_script(spec, priors, QUICK, data=data), tmp_path, {"throws.csv": raw})
    results = fit_all(data, priors, QUICK)
    _assert_same_estimates(out, results, binomial=True)


# ----------------------------------------------------------------------------- built-in data sets


@pytest.mark.parametrize("name", ["eight_schools", "efron_morris", "radon", "reedfrogs"])
def test_builtin_data_sets_go_to_the_script_as_a_csv_file(name, tmp_path):
    from hbm_core.data.datasets import load_dataset

    data = load_dataset(name)
    spec, raw = data_file(data)
    assert spec.file_name == f"{data.name}.csv"
    priors = default_priors(data.y, data.family)
    script = pymc_script(spec, priors, QUICK, data=data)
    g = _load(script, tmp_path, {spec.file_name: raw})
    np.testing.assert_array_equal(g["y"], data.y)  # bit for bit through the CSV
    np.testing.assert_array_equal(g["group_idx"], data.group_idx)
    assert g["GROUPS"] == list(data.groups)
    for column, values in (("trials", data.trials), ("x", data.x)):
        if values is not None:
            np.testing.assert_array_equal(g[column], values)
    if data.family == "known_se":
        np.testing.assert_array_equal(g["se"], data.se)
        assert "sigma=se, observed=y" in script
    model = g["partial_pooling"]()
    assert np.isfinite(model.compile_logp()(model.initial_point()))


@pytest.mark.slow
def test_known_se_script_reproduces_the_engine(tmp_path):
    from hbm_core.data.datasets import load_dataset
    from hbm_core.inference.service import fit_all

    data = load_dataset("eight_schools")
    priors = Priors(mu_loc=0.0, mu_scale=100.0, tau_family="half_cauchy", tau_scale=25.0)
    spec, raw = data_file(data)
    settings = QUICK.with_(draws=500, chains=4)
    script = pymc_script(spec, priors, settings, data=data, poolings=("hierarchical", "unpooled"))
    out = _run_script(script, tmp_path, {spec.file_name: raw})
    results = fit_all(data, priors, settings, poolings=("hierarchical", "unpooled"))
    _assert_same_estimates(out, results, binomial=False)


# ----------------------------------------------------------------------------- hostile names

HOSTILE = ['a"b', "c'd", 'e"""f', "g'''h", "i\\j", "k\nl = 1", "m\r\nn", "o\\", '"; import os #', "p\u2028q"]


def _skeleton(script: str) -> tuple[str, list[str]]:
    """The script's syntax tree with every string emptied, and its comments: what a name could change."""
    tree = ast.parse(script)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    comments = [
        tok.string
        for tok in tokenize.generate_tokens(io.StringIO(script).readline)
        if tok.type == tokenize.COMMENT
    ]
    return ast.dump(tree), comments


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_user_strings_are_data_not_code(name, tmp_path):
    """File, column and script names go in as string literals: the script compiles, has exactly the
    template's statements and comments, and the names reach no docstring."""
    data = load_csv(THROWS.encode(), "player", "made", trials_col="attempts")
    priors = default_priors(data.y, "binomial")

    def script_for(n: str) -> str:
        spec = CsvSpec(f"{n}.csv", f"{n} g", f"{n} y", trials_col=f"{n} t", x_col=None)
        return pymc_script(spec, priors, QUICK, data=data, script_name=f"{n}.py")

    hostile, plain = script_for(name), script_for("plain")
    compile(hostile, "generated.py", "exec")
    assert _skeleton(hostile) == _skeleton(plain)
    assert repr(f"{name} g") in hostile or _str_literal(f"{name} g") in hostile
    # the docstring names only the script, with the characters a file name may not carry replaced
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "_.-") else "_" for c in name)
    assert ast.get_docstring(ast.parse(hostile)) == ast.get_docstring(ast.parse(plain)).replace("plain", safe)

    # and the script reads a file with those names
    frame = pd.DataFrame({f"{name} g": ["A", "A", "B"], f"{name} y": [1, 2, 3], f"{name} t": [4, 5, 6]})
    if "\n" in name or "\r" in name or "\u2028" in name:
        return  # a line break cannot be part of a CSV column name that pandas strips back the same way
    g = _load(hostile, tmp_path, {f"{name}.csv": frame.to_csv(index=False).encode()})
    assert g["GROUPS"] == ["A", "B"] and list(g["trials"]) == [4.0, 5.0, 6.0]


def _str_literal(text: str) -> str:
    from hbm_core.codegen import _str

    return _str(text)


# ----------------------------------------------------------------------------- a group-level predictor


def _uranium():
    from hbm_core.data.datasets import load_dataset
    from hbm_core.lessons.radon_uranium import with_uranium

    data = with_uranium(load_dataset("radon"))
    return data, default_priors(data.y, data.family)


def test_group_predictor_script_reads_u_per_county(tmp_path):
    """Radon with county uranium: the CSV carries u on every row, the script recovers one value per
    county in the order of GROUPS, and partial pooling centres each county on mu + gamma * u."""
    data, priors = _uranium()
    spec, raw = data_file(data)
    assert spec.u_col == "u"
    script = pymc_script(spec, priors, QUICK, poolings=("unpooled", "hierarchical"), data=data)
    assert "center = mu + gamma * u" in script and '"gamma"' in script
    g = _load(script, tmp_path, {spec.file_name: raw})
    np.testing.assert_array_equal(g["u"], data.u)
    model = g["partial_pooling"]()
    assert {"mu", "gamma", "tau", "sigma", "beta"} <= {v.name for v in model.free_RVs}
    assert np.isfinite(model.compile_logp()(model.initial_point()))
    assert "gamma" not in {v.name for v in g["no_pooling"]().free_RVs}  # u enters partial pooling only
    with pytest.raises(ValueError, match="do not match"):
        pymc_script(spec, priors, QUICK, data=data.with_(u=None))


@pytest.mark.slow
def test_group_predictor_script_reproduces_the_engine(tmp_path):
    from hbm_core.inference.service import fit_all

    data, priors = _uranium()
    spec, raw = data_file(data)
    poolings = ("unpooled", "hierarchical")
    script = pymc_script(spec, priors, QUICK, poolings=poolings, data=data)
    out = _run_script(script, tmp_path, {spec.file_name: raw})
    results = fit_all(data, priors, QUICK, poolings=poolings)
    _assert_same_estimates(out, results, binomial=False)
