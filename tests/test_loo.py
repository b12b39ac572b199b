"""PSIS-LOO of real fits (hbm_core/posterior/loo.py) against published comparisons.

Reed frogs: Statistical Rethinking (2nd ed., ch. 13) compares m13.1 (no pooling, a_j ~ N(0, 1.5))
and m13.2 (partial pooling, a_j ~ N(a_bar, sigma), a_bar ~ N(0, 1.5), sigma ~ Exponential(1)) by
WAIC: about 215 against about 200. WAIC is on the deviance scale, -2 x (lppd - p_WAIC); the app's
priors on this page are McElreath's (REEDFROGS_PRIORS), so the WAIC of the app's pointwise
log-likelihood must land there, and PSIS-LOO must rank the fits the same way. Eight schools: the
complete and partial pooling predict about equally well (BDA3 ch. 7.3 compares them on these data):
a difference well under 4 elpd.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from hbm_core.data.datasets import load_dataset
from hbm_core.inference.service import fit_all
from hbm_core.inference.settings import FitSettings
from hbm_core.lessons.eight_schools import priors_for
from hbm_core.lessons.loo_reading import loo_reading
from hbm_core.lessons.real_data import REEDFROGS_PRIORS
from hbm_core.posterior.log_likelihood import VARIABLE, with_log_likelihood
from hbm_core.posterior.loo import TABLE_COLUMNS, compare_poolings, fit_loo

SETTINGS = FitSettings(draws=500, tune=500, chains=4, seed=3)
#: McElreath's WAIC (deviance scale) for m13.1 and m13.2.
PUBLISHED_WAIC = {"unpooled": 215.0, "hierarchical": 200.0}


def waic(tree) -> float:
    """WAIC on the deviance scale, -2 (lppd - p_WAIC), from the log_likelihood group: the textbook
    formula (Gelman, Hwang & Vehtari 2014), independent of PSIS."""
    ll = tree["log_likelihood"][VARIABLE].values
    ll = ll.reshape(-1, ll.shape[-1])
    lppd = logsumexp(ll, axis=0) - np.log(ll.shape[0])
    return float(-2 * (lppd.sum() - ll.var(axis=0, ddof=1).sum()))


@pytest.fixture(scope="module")
def frogs():
    data = load_dataset("reedfrogs")
    return data, fit_all(data, REEDFROGS_PRIORS, SETTINGS)


@pytest.fixture(scope="module")
def schools():
    data = load_dataset("eight_schools")
    return data, fit_all(data, priors_for("half_cauchy", 25), SETTINGS)


def test_reedfrogs_waic_matches_statistical_rethinking(frogs):
    data, results = frogs
    for pooling, published in PUBLISHED_WAIC.items():
        tree, _ = with_log_likelihood(results[pooling].idata, data, pooling)
        assert waic(tree) == pytest.approx(published, abs=5), pooling
    # The margin in elpd units (WAIC / -2): McElreath's about 7.5.
    gap = {p: waic(with_log_likelihood(results[p].idata, data, p)[0]) for p in PUBLISHED_WAIC}
    assert (gap["unpooled"] - gap["hierarchical"]) / 2 == pytest.approx(7.5, abs=3)


def test_reedfrogs_partial_pooling_predicts_best(frogs):
    data, results = frogs
    comparison = compare_poolings(results, data)
    table = comparison.table.set_index("fit")
    assert list(comparison.table.columns) == list(TABLE_COLUMNS)
    assert list(comparison.table["fit"]) == ["hierarchical", "unpooled", "pooled"]
    # PSIS-LOO ranks as WAIC does, by more than two SE of the difference. Its margin is larger
    # than WAIC's (about 12 against 7.5): most tanks have k > 0.7, where the two disagree.
    margin = -table.loc["unpooled", "elpd_diff"]
    assert 5 < margin < 20 and margin > 2 * table.loc["unpooled", "dse"]
    assert -table.loc["pooled", "elpd_diff"] > 100  # one survival rate for all tanks predicts badly
    # One row per tank, each the tank's only data: leaving it out moves its own parameter, most k's high.
    assert table.loc["unpooled", "n_high_k"] > 24
    assert table.loc["unpooled", "n_high_k"] >= table.loc["hierarchical", "n_high_k"]
    assert table.loc["pooled", "n_high_k"] == 0
    assert comparison.pointwise.shape == (3 * 48, 5)
    k = comparison.pointwise.query("fit == 'unpooled'")["pareto_k"]
    assert table.loc["unpooled", "max_k"] == pytest.approx(k.max())
    reading = loo_reading(
        comparison.table, comparison.pointwise, dict.fromkeys(data.groups, 1), "tank", "tank"
    )
    assert reading[0].startswith("**Partial pooling** predicts left-out tanks best")
    assert "a clear difference" in reading[1]
    assert any("Every tank has a single data row" in s for s in reading)


def test_eight_schools_complete_and_partial_pooling_predict_alike(schools):
    """Complete and partial pooling predict the schools about equally well (a difference well under 4
    elpd); no pooling, each school on its own with mu's wide prior N(0, 50), predicts a left-out school
    from that prior alone, so it is worse, and PSIS flags its estimate (high k for most schools)."""
    data, results = schools
    comparison = compare_poolings(results, data)
    table = comparison.table.set_index("fit")
    assert set(table.index[:2]) == {"pooled", "hierarchical"}
    close = table.iloc[1]
    assert 0 <= -close["elpd_diff"] < 2
    assert table.loc["unpooled", "rank"] == 2 and table.loc["unpooled", "n_high_k"] >= 4
    reading = loo_reading(
        comparison.table, comparison.pointwise, dict.fromkeys(data.groups, 1), "school", "school"
    )
    assert "too small to matter" in reading[1]
    flagged = next(s for s in reading if s.startswith("High k's make the elpd_loo of"))
    assert "No pooling" in flagged and "Complete pooling" not in flagged, reading


def test_loo_is_computed_once_per_fit(frogs):
    data, results = frogs
    first = fit_loo(results["hierarchical"], data)
    assert fit_loo(results["hierarchical"], data) is first
    with pytest.raises(ValueError):
        compare_poolings({"hierarchical": results["hierarchical"]}, data)


@pytest.mark.slow
def test_the_scripts_comparison_agrees_with_the_app(schools, tmp_path):
    """The page's PyMC script with :data:`SCRIPT` appended: PyMC's own log-likelihood and az.compare
    give the app's elpd_loo per fit within Monte Carlo error."""
    import os
    import subprocess
    import sys

    from hbm_core import codegen
    from hbm_core.posterior.loo import SCRIPT

    data, results = schools
    spec, raw = codegen.data_file(data)
    script = codegen.pymc_script(spec, priors_for("half_cauchy", 25), SETTINGS, data=data) + SCRIPT
    (tmp_path / "script.py").write_text(script, encoding="utf-8")
    (tmp_path / spec.file_name).write_bytes(raw)
    proc = subprocess.run(
        [sys.executable, "script.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    printed = proc.stdout.split("PSIS-LOO, best first")[1].splitlines()[2:5]
    theirs = {line[:16].strip(): float(line[16:].split()[0]) for line in printed}
    app = compare_poolings(results, data).table.set_index("fit")["elpd"]
    # No pooling's PSIS estimate varies more from run to run: most of its k's are high.
    tolerance = {"pooled": 1.0, "hierarchical": 1.0, "unpooled": 3.0}
    labels = {"pooled": "Complete pooling", "unpooled": "No pooling", "hierarchical": "Partial pooling"}
    for pooling, label in labels.items():
        assert theirs[label] == pytest.approx(app[pooling], abs=tolerance[pooling]), (label, theirs, app)
