"""The sampling lesson's claims, measured: centered vs non-centered on weak and strong data, and the
sampler-statistics helpers of hbm_core.lessons.sampling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import pytest

from hbm_core.inference.service import FitSettings, fit
from hbm_core.lessons import sampling as sst
from hbm_core.posterior.results import convergence


def lesson_settings(form: str, seed: int = sst.DEFAULT_SEED, **changes) -> FitSettings:
    """The page's default settings for one form."""
    settings = FitSettings(
        draws=sst.DEFAULT_DRAWS,
        tune=sst.DEFAULT_TUNE,
        chains=sst.DEFAULT_CHAINS,
        seed=seed,
        target_accept=sst.DEFAULT_TARGET_ACCEPT,
        parameterization=form,
    )
    return settings.with_(**changes)


def lesson_fit(regime: str, form: str, seed: int = sst.DEFAULT_SEED, **changes):
    r = sst.REGIMES[regime]
    return fit(r.data(), "hierarchical", r.priors, lesson_settings(form, seed, **changes))


# ---------------------------------------------------------------------------------------------
# The lesson's contrast, with the page's default settings (measured counts in the comments)


@pytest.mark.slow
# Divergence counts depend on the processor's floating point (numba compiles for the host): centered
# 101 / 40 on the machine these seeds were first measured on, 18 / 16 on an AMD EPYC (seeds 1-6 there:
# 16-74); non-centered 0 on both. So the test asks for many divergences, not a machine's count.
@pytest.mark.parametrize("seed", [1, 2])
def test_weak_data_centered_diverges_and_non_centered_does_not(seed):
    centered = lesson_fit("weak", "centered", seed)
    non_centered = lesson_fit("weak", "non-centered", seed)
    assert centered.diagnostics.divergences >= 10, centered.diagnostics
    assert non_centered.diagnostics.divergences == 0, non_centered.diagnostics
    assert non_centered.diagnostics.min_ess_bulk > 2 * centered.diagnostics.min_ess_bulk
    winner, sentence = sst.verdict(
        "weak", sst.sampler_summary(centered.idata), sst.sampler_summary(non_centered.idata)
    )
    assert winner == "non-centered" and "funnel" in sentence


@pytest.mark.slow
# Seeds 1 and 3 as before the move to nutpie 0.16.11; its non-centered fits diverge less often here
# (seeds 1-6: 23-134, centered 0-1), so the test asks for the reversal, not a count of 50.
@pytest.mark.parametrize("seed", [1, 3])
def test_strong_data_reverses_it(seed):
    centered = lesson_fit("strong", "centered", seed)
    non_centered = lesson_fit("strong", "non-centered", seed)
    c, n = centered.diagnostics.divergences, non_centered.diagnostics.divergences
    assert c <= 5, centered.diagnostics
    assert n >= 20 and n > 10 * max(c, 1), (c, n)
    winner, _ = sst.verdict(
        "strong", sst.sampler_summary(centered.idata), sst.sampler_summary(non_centered.idata)
    )
    assert winner == "centered"


@pytest.mark.slow
def test_raising_target_accept_removes_most_centered_divergences_on_weak_data():
    """The sweep's message: smaller steps help the centered form, but do not fix it for every data
    set and seed. Over seeds 1-3 (measured 143/92/79 at 0.8 against 0/1/5 at 0.99) the count drops
    by more than half, and some seed still diverges at 0.99; one seed alone may reach 0."""

    def divergences(seed: int, target_accept: float) -> int:
        return lesson_fit("weak", "centered", seed, target_accept=target_accept).diagnostics.divergences

    at_08 = [divergences(seed, 0.8) for seed in (1, 2, 3)]
    at_099 = [divergences(seed, 0.99) for seed in (1, 2, 3)]
    assert sum(at_099) < sum(at_08) / 2, (at_08, at_099)
    assert max(at_099) > 0, (at_08, at_099)


@pytest.mark.slow
def test_sampler_summary_of_a_real_fit_agrees_with_the_engine():
    result = lesson_fit("weak", "centered", draws=300, tune=300, chains=2)
    s = sst.sampler_summary(result.idata)
    d = result.diagnostics
    assert (s.chains, s.draws) == (2, 300)
    assert s.divergences == d.divergences
    assert s.max_rhat == pytest.approx(d.max_rhat)
    assert s.min_ess_bulk == pytest.approx(d.min_ess_bulk)
    assert 0 < s.mean_step_size < 5
    assert 1 <= s.mean_tree_depth <= sst.MAX_TREE_DEPTH
    assert s.mean_leapfrog_steps >= 1
    assert 0 <= s.max_depth_share <= 1
    frame = sst.funnel_frame(result.idata, "A", "centered")
    assert len(frame) == 600 and frame["diverging"].sum() == d.divergences
    # centered: theta_raw is theta itself
    raw = sst.funnel_frame(result.idata, "A", "centered", variable="theta_raw")
    np.testing.assert_allclose(raw["theta"], frame["theta"])


# ---------------------------------------------------------------------------------------------
# Sampler statistics (sampler_summary, readings) on a hand-made DataTree with known values

C, D, J = 2, 5, 3


@pytest.fixture
def idata():
    rng = np.random.default_rng(0)
    tau = np.exp(rng.normal(size=(C, D)))
    theta_raw = rng.normal(size=(C, D, J))
    diverging = np.zeros((C, D), bool)
    diverging[0, 1] = diverging[1, 4] = True
    depth = np.full((C, D), 3)
    depth[1, 0] = 10
    return az.from_dict(
        {
            "posterior": {
                "mu": rng.normal(size=(C, D)),
                "tau": tau,
                "theta_raw": theta_raw,
                "theta": 5 + tau[..., None] * theta_raw,
            },
            "sample_stats": {
                "diverging": diverging,
                "step_size": np.array([[0.2] * D, [0.4] * D]),
                "depth": depth,
                "n_steps": 2.0**depth - 1,
                "maxdepth_reached": depth >= 10,
            },
        },
        coords={"group": ["A", "B", "C"]},
        dims={"theta": ["group"], "theta_raw": ["group"]},
    )


def test_funnel_frame_shape_values_and_order(idata):
    frame = sst.funnel_frame(idata, "B", "non-centered", variable="theta_raw")
    assert list(frame.columns) == ["chain", "draw", "log_tau", "theta", "diverging", "form"]
    assert len(frame) == C * D
    post = idata.posterior
    np.testing.assert_allclose(frame["log_tau"], np.log(post["tau"].values).ravel())
    np.testing.assert_allclose(frame["theta"], post["theta_raw"].values[:, :, 1].ravel())
    assert frame["diverging"].dtype == bool and frame["diverging"].sum() == 2
    assert frame.loc[1, "diverging"] and frame.loc[D + 4, "diverging"]  # chain-major order
    assert set(frame["form"]) == {"non-centered"}
    # a position works as well as a label
    pd.testing.assert_frame_equal(frame, sst.funnel_frame(idata, 1, "non-centered", variable="theta_raw"))


def test_funnel_frame_thinning_keeps_every_divergence(idata):
    frame = sst.funnel_frame(idata, "A", "centered", max_points=4, seed=1)
    assert len(frame) == 4 and frame["diverging"].sum() == 2
    assert frame.equals(sst.funnel_frame(idata, "A", "centered", max_points=4, seed=1))  # reproducible
    # fewer points allowed than divergences: the divergences still all stay
    assert sst.funnel_frame(idata, "A", "centered", max_points=1)["diverging"].sum() == 2
    assert len(sst.funnel_frame(idata, "A", "centered", max_points=100)) == C * D


def test_funnel_frame_errors_name_the_problem(idata):
    with pytest.raises(ValueError, match="no group called 'Z'"):
        sst.funnel_frame(idata, "Z", "centered")
    with pytest.raises(ValueError, match="no group number 7"):
        sst.funnel_frame(idata, 7, "centered")
    with pytest.raises(ValueError, match="no 'z'"):
        sst.funnel_frame(idata, 0, "centered", variable="z")


def test_chain_frame_feeds_rank_and_trace_plots(idata):
    frame = sst.chain_frame(idata, {"τ": ("tau", None), "θ_C": ("theta", "C")})
    assert list(frame.columns) == ["chain", "draw", "value", "parameter"]
    assert len(frame) == 2 * C * D
    assert list(pd.unique(frame["parameter"])) == ["τ", "θ_C"]
    assert sorted(frame["chain"].unique()) == [1, 2]  # 1-based
    theta = frame[frame.parameter == "θ_C"]
    np.testing.assert_allclose(theta["value"], idata.posterior["theta"].values[:, :, 2].ravel())
    assert list(theta["draw"][:D]) == list(range(D))
    with pytest.raises(ValueError, match="say which group"):
        sst.chain_frame(idata, {"θ": ("theta", None)})
    from hbm_core import viz

    viz.rank_plot(frame, bins=2).to_dict()  # the charts accept it
    viz.trace_plot(frame).to_dict()


def test_sampler_summary_from_sample_stats(idata):
    s = sst.sampler_summary(idata, var_names=("mu", "tau", "theta"))
    assert (s.chains, s.draws, s.total_draws) == (C, D, C * D)
    assert s.divergences == 2 and s.divergent_share == pytest.approx(0.2)
    assert s.mean_step_size == pytest.approx(0.3)
    assert s.mean_tree_depth == pytest.approx((3 * 9 + 10) / 10)
    assert s.mean_leapfrog_steps == pytest.approx((7 * 9 + 1023) / 10)
    assert s.max_depth_share == pytest.approx(0.1)
    expected = convergence(idata.posterior, ["mu", "tau", "theta"])
    assert (s.max_rhat, s.min_ess_bulk, s.min_ess_tail) == pytest.approx(expected)


def summary(**changes) -> sst.SamplerSummary:
    base = dict(
        chains=4,
        draws=1000,
        divergences=0,
        max_rhat=1.003,
        min_ess_bulk=1500.0,
        min_ess_tail=1200.0,
        mean_step_size=0.5,
        mean_tree_depth=3.0,
        mean_leapfrog_steps=7.0,
        max_depth_share=0.0,
    )
    return sst.SamplerSummary(**{**base, **changes})


def test_readings_of_a_healthy_fit():
    table = sst.readings(summary())
    assert list(table.columns) == sst.READING_COLUMNS
    assert list(table["quantity"]) == [
        "R-hat (max)",
        "bulk ESS (min)",
        "tail ESS (min)",
        "divergences",
        "step size (mean)",
        "tree depth (mean)",
        "draws at max depth",
    ]
    ok = dict(zip(table["quantity"], table["ok"], strict=True))
    assert ok["step size (mean)"] is None and ok["tree depth (mean)"] is None
    assert all(v is True for k, v in ok.items() if k not in ("step size (mean)", "tree depth (mean)"))
    assert "chains agree" in table.loc[0, "reading"]


def test_readings_spell_out_the_problems():
    unconverged = dict(max_rhat=1.04, min_ess_bulk=273, min_ess_tail=156)
    struggles = dict(divergences=95, mean_step_size=0.25, mean_leapfrog_steps=15, max_depth_share=0.02)
    bad = summary(**unconverged, **struggles)
    table = sst.readings(bad, other=summary()).set_index("quantity")
    assert not table["ok"].drop(["step size (mean)", "tree depth (mean)"]).any()
    assert table.loc["R-hat (max)", "reading"].startswith("1.040 > 1.01: the chains disagree")
    assert "273 < 400" in table.loc["bulk ESS (min)", "reading"]
    assert "95 of 4000 draws (2.4%) diverged" in table.loc["divergences", "reading"]
    assert "Smaller than the other form's (0.5)" in table.loc["step size (mean)", "reading"]
    assert "2.1× the other form's" in table.loc["tree depth (mean)", "reading"]
    assert "2.0%" in table.loc["draws at max depth", "reading"]
    one = sst.readings(summary(divergences=1)).set_index("quantity")
    assert "(<0.1%)" in one.loc["divergences", "reading"]
    nan = sst.readings(summary(max_rhat=float("nan"), max_depth_share=float("nan")))
    assert nan.loc[0, "value"] == "n/a" and nan.iloc[-1]["value"] == "n/a"


def test_verdict():
    good, bad = summary(), summary(divergences=40, min_ess_bulk=200)
    assert sst.verdict("weak", bad, good)[0] == "non-centered"
    assert sst.verdict("strong", good, bad)[0] == "centered"
    winner, sentence = sst.verdict("weak", good, bad)  # the unusual outcome is flagged
    assert winner == "centered" and "not the usual outcome" in sentence
    assert sst.verdict("weak", good, summary(min_ess_bulk=500))[0] == "centered"  # on ESS
    assert sst.verdict("weak", good, summary(min_ess_bulk=1400))[0] == "tie"
    assert "1 divergence against" in sst.verdict("weak", summary(divergences=1), bad)[1]


def test_regimes_are_what_the_page_describes():
    weak, strong = sst.REGIMES["weak"].data(), sst.REGIMES["strong"].data()
    assert weak.name == "eight_schools" and weak.n_groups == 8
    assert list(strong.counts()) == [20, 40, 60]
    assert sst.DEFAULT_TARGET_ACCEPT == 0.9
    assert sst.SWEEP_TARGET_ACCEPTS == (0.8, 0.9, 0.95, 0.99)


def test_the_lesson_loads_without_scipy_stats():
    """The page imports the lesson before any fit: it reads the thresholds without scipy.stats."""
    code = "import sys, hbm_core.lessons.sampling; print('scipy.stats' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False"
