"""Scoring the poolings against the truth (hbm_core/lessons/truth_scores.py) and its charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hbm_core import viz
from hbm_core.data.groups import DataError, synthetic_groups
from hbm_core.exact.grid import exact_posterior
from hbm_core.exact.preview import preview
from hbm_core.lessons import truth_scores
from hbm_core.lessons.truth_scores import (
    errors_reading,
    many_data_sets,
    many_reading,
    partial_pooling_means,
    total_errors,
    truth_errors,
)
from hbm_core.priors import Priors
from hbm_core.viz.palette import FIT_LABELS

PRIORS = Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=10.0, sigma_scale=10.0)


def _estimates(pooled, unpooled, hier, truth):
    groups = list("ABC"[: len(truth)])
    rows = []
    for fit, values in (("pooled", pooled), ("unpooled", unpooled), ("hierarchical", hier)):
        rows += [
            {"group": g, "fit": fit, "mean": v, "true_mean": t, "n": 10}
            for g, v, t in zip(groups, values, truth, strict=True)
        ]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- one data set


def test_errors_by_hand():
    est = _estimates([5, 5, 5], [3.5, 5.5, 7.0], [4.0, 5.2, 6.0], truth=[3, 5, 7])
    errors = truth_errors(est)
    hier = errors[errors.fit == "hierarchical"]
    np.testing.assert_allclose(hier["error"], [1.0, 0.2, -1.0])
    totals = total_errors(errors)
    assert totals == pytest.approx({"pooled": 8.0, "unpooled": 0.5, "hierarchical": 2.04})
    text = errors_reading(errors, FIT_LABELS)
    assert text.startswith("On this data set, no pooling has the smallest total squared error")
    assert "(no pooling 0.5, partial pooling 2.04, complete pooling 8)" in text
    assert "For groups A and C, partial pooling lands further from the truth than no pooling does." in text
    viz.truth_errors_chart(errors).to_dict()


def test_errors_reading_ties_and_single_loser():
    tie = truth_errors(_estimates([5, 5], [4, 6], [4, 6], truth=[5, 5]))
    text = errors_reading(tie, FIT_LABELS)
    assert text.startswith("On this data set, complete pooling has the smallest total squared error")
    assert "at least as close to the truth as no pooling for every group" in text
    two = truth_errors(_estimates([4.5, 5.5], [4, 6], [4.2, 5.8], truth=[4, 6]))
    assert "partial pooling lands further from the truth than no pooling for every group" in (
        errors_reading(two, FIT_LABELS).lower()
    )
    both = truth_errors(_estimates([6, 4], [5, 5], [5.5, 4.5], truth=[5, 5]))
    assert "further from the truth than no pooling for every group" in errors_reading(both, FIT_LABELS)
    assert errors_reading(both, FIT_LABELS).startswith("On this data set, no pooling has")
    one = truth_errors(_estimates([5, 5, 5], [4, 5.7, 5.5], [4.5, 5.8, 5.2], truth=[4, 6, 5]))
    assert "For group A, partial pooling lands" in errors_reading(one, FIT_LABELS)
    three_way = truth_errors(_estimates([5, 5], [5, 5], [5, 5], truth=[5, 5]))
    assert "the three methods tie" in errors_reading(three_way, FIT_LABELS)


def test_truth_errors_takes_the_page_estimates():
    data = synthetic_groups([5, 20, 40], [2.0, 5.0, 6.0], [2.0, 2.0, 2.0], seed=3)
    quick = preview(data, PRIORS, sigma="shared")
    errors = truth_errors(quick.estimates)
    assert len(errors) == 9 and errors["true_mean"].tolist()[:3] == [2.0, 5.0, 6.0]
    with pytest.raises(ValueError):
        truth_errors(quick.estimates.drop(columns="true_mean"))


# --------------------------------------------------------------------------- the engine inside


@pytest.mark.parametrize(
    "priors",
    [
        PRIORS,
        Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=0.5),
        Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_cauchy", tau_scale=2.0),
    ],
    ids=["half-normal 10", "half-normal 0.5", "half-cauchy 2"],
)
def test_vectorised_posterior_means_match_the_exact_engine(priors):
    rng = np.random.default_rng(7)
    for _ in range(8):
        J = int(rng.integers(2, 13))
        y = rng.normal(5, rng.uniform(0.1, 5), J)
        se = rng.uniform(0.1, 3, J)
        post = exact_posterior(y, se, priors=priors)
        exact = post.tau_mass @ post.theta_mean
        fast = partial_pooling_means(y[None, :], se[None, :], priors)[0]
        assert np.max(np.abs(fast - exact) / se) < 2e-3


def test_complete_pooling_and_standard_errors_match_the_preview():
    """On one data set the simulation's estimators equal the app's (from the sufficient statistics)."""
    sizes, means, sds = np.array([4, 12, 30]), np.array([1.0, 4.0, 6.0]), np.array([1.0, 2.0, 3.0])
    data = synthetic_groups(sizes, means, sds, seed=5)
    summary = data.group_summary()
    ybar = summary["mean"].to_numpy()[None, :]
    ss = ((summary["n"] - 1) * summary["sd"] ** 2).to_numpy()[None, :]
    for sigma in ("group", "shared"):
        quick = preview(data, PRIORS, sigma=sigma)
        pooled = quick.estimates[quick.estimates.fit == "pooled"]["mean"].iloc[0]
        mine = truth_scores.complete_pooling_means(sizes, ybar, ss, sigma == "shared")[0]
        assert mine == pytest.approx(pooled)
        se = truth_scores.plug_in_standard_errors(sizes, ss, sigma == "shared")[0]
        np.testing.assert_allclose(se, quick.exact.se, rtol=1e-10)


# --------------------------------------------------------------------------- many data sets


def test_all_groups_alike_partial_pooling_nearly_always_beats_no_pooling():
    result = many_data_sets([20] * 5, [5.0] * 5, [2.0] * 5, PRIORS, sigma="shared", k=200, seed=1)
    assert result.share_beats_unpooled > 0.9
    assert result.mean_total["hierarchical"] < result.mean_total["unpooled"]
    assert (result.per_group["share_worse"] < 0.5).all()
    text = many_reading(result, FIT_LABELS)
    assert "For no group did partial pooling land further from the truth" in text[2]
    assert len(result.totals) == 200 and set(result.totals["best"]) <= {"pooled", "unpooled", "hierarchical"}


def test_one_far_tiny_group_is_named_as_the_loser():
    """The "One tiny group" preset: D (n = 2, true mean 9) is pulled away from its truth."""
    result = many_data_sets([50, 50, 50, 2], [4.0, 5.0, 6.0, 9.0], [2.0] * 4, PRIORS, sigma="shared", seed=1)
    pg = result.per_group.set_index("group")
    assert pg["share_worse"].idxmax() == "D" and pg.loc["D", "share_worse"] > 0.5
    assert pg.loc["D", "mse_hierarchical"] > pg.loc["D", "mse_unpooled"]
    text = many_reading(result, FIT_LABELS)[2]
    assert text.startswith("It lost most often for group D (n = 2), whose true mean 9 is the furthest from")
    share = f"{100 * pg.loc['D', 'share_worse']:.0f}%"
    assert f"in {share} of data sets" in text


def test_many_reading_numbers_come_from_the_result():
    result = many_data_sets([3, 6, 12], [9.0, 1.0, 5.0], [3.0] * 3, PRIORS, sigma="group", k=300, seed=4)
    first = many_reading(result, FIT_LABELS)[0]
    totals = result.totals
    best = np.mean((totals.hierarchical <= totals.unpooled) & (totals.hierarchical <= totals.pooled))
    assert first.startswith(
        f"Partial pooling had the smallest total squared error of the three in {100 * best:.0f}%"
    )
    assert "of 300 data sets" in first
    assert result.mean_total["pooled"] == pytest.approx(totals.pooled.mean())


def test_seed_reproduces_and_changes_the_simulation():
    args = ([3, 10, 30], [2.0, 5.0, 6.0], [2.0, 2.0, 2.0], PRIORS)
    a = many_data_sets(*args, seed=11)
    b = many_data_sets(*args, seed=11)
    c = many_data_sets(*args, seed=12)
    pd.testing.assert_frame_equal(a.totals, b.totals)
    assert not np.allclose(a.totals["unpooled"], c.totals["unpooled"])


def test_sample_means_have_their_sampling_distribution():
    result = many_data_sets([4, 25], [0.0, 10.0], [2.0, 5.0], PRIORS, sigma="group", k=4000, seed=2)
    # E(ybar - m)^2 = s^2 / n: 1 and 1 (sd of the estimate ~ sqrt(2/4000) relative).
    np.testing.assert_allclose(result.per_group["mse_unpooled"], [1.0, 1.0], rtol=0.08)


def test_bad_settings_raise():
    with pytest.raises(DataError):
        many_data_sets([1, 1], [0.0, 1.0], [1.0, 1.0], PRIORS)
    with pytest.raises(DataError):
        many_data_sets([5], [0.0], [1.0], PRIORS)


def test_singleton_groups_use_the_pooled_sd():
    result = many_data_sets([1, 10, 10], [0.0, 5.0, 6.0], [1.0, 1.0, 1.0], PRIORS, sigma="group", seed=3)
    assert np.isfinite(result.totals[["pooled", "unpooled", "hierarchical"]].to_numpy()).all()


def test_many_charts_render():
    result = many_data_sets([3, 6, 12, 25], [9.0, 1.0, 7.0, 3.0], [3.0] * 4, PRIORS, sigma="shared", seed=1)
    scatter = viz.many_totals_chart(result.totals).to_dict()
    risk = viz.group_risk_chart(result.per_group, classroom=True).to_dict()
    assert scatter["layer"] and risk["layer"]
