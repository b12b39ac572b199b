"""The pooling-factor curve (hbm_core/exact/pooling_curve.py) and the readings of the curve and of
the estimates given τ (hbm_core/lessons/given_tau.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hbm_core.exact.grid import exact_posterior
from hbm_core.exact.pooling_curve import expected_pooling, group_pooling_points, pooling_curve
from hbm_core.lessons.given_tau import (
    estimates_at_tau,
    factor_text,
    groups_phrase,
    join_names,
    percent,
    pooling_reading,
    tau_reading,
    tau_slider_range,
)
from hbm_core.priors import Priors

PRIORS = Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=5.0)


@pytest.fixture(scope="module")
def post():
    y = np.array([9.5, 1.2, 7.1, 3.3, 6.0, 4.1])
    se = np.array([1.7, 1.2, 0.87, 0.6, 0.42, 0.3])
    return exact_posterior(y, se, priors=PRIORS)


# --------------------------------------------------------------------------- the curve


def test_group_points_equal_the_engines_pooling_column(post):
    points = group_pooling_points(post, n=[3, 6, 12, 25, 50, 100])
    np.testing.assert_allclose(points["pooling"], post.group_summary()["pooling"], rtol=1e-12)
    assert list(points["n"]) == [3, 6, 12, 25, 50, 100]


def test_curve_is_the_posterior_average_of_the_conditional_pooling_factor(post):
    """Against at_tau on the grid (the definition) and against exact posterior draws (Monte Carlo)."""
    se = np.array([0.2, 1.0, 2.5])
    by_grid = np.array(
        [
            sum(m * (s**2 / (s**2 + t**2)) for m, t in zip(post.tau_mass, post.tau_grid, strict=True))
            for s in se
        ]
    )
    np.testing.assert_allclose(expected_pooling(post, se), by_grid, rtol=1e-10)
    # at_tau's pooling column is B_j(tau) for the groups' own se: the curve at a group's se.
    weights = post.tau_mass[::50]
    conditional = np.array([post.at_tau(t)["pooling"].to_numpy() for t in post.tau_grid[::50]])
    coarse = weights @ conditional / weights.sum()
    assert np.all(np.abs(expected_pooling(post, post.se) - coarse) < 0.05)
    tau = post.draws(40_000, seed=3)["tau"]
    mc = np.array([np.mean(s**2 / (s**2 + tau**2)) for s in se])
    np.testing.assert_allclose(expected_pooling(post, se), mc, atol=0.01)


def test_curve_range_and_shape(post):
    curve = pooling_curve(post, n_points=50)
    assert len(curve) == 50 and curve["se"].iloc[0] > 0
    assert curve["se"].iloc[-1] == pytest.approx(1.5 * post.se.max())
    assert np.all(np.diff(curve["pooling"]) > 0)  # more noise, more pull
    assert curve["pooling"].between(0, 1).all()
    with pytest.raises(ValueError):
        expected_pooling(post, [0.0])


# --------------------------------------------------------------------------- words


def test_names_and_percentages():
    assert join_names(["A"]) == "A" and join_names(["A", "B"]) == "A and B"
    assert join_names(["A", "B", "C"]) == "A, B and C"
    assert groups_phrase(["D"]) == "group D" and groups_phrase(["A", "E"]) == "groups A and E"
    assert percent(0.003) == "under 1%" and percent(0.998) == "over 99%" and percent(0.0) == "0%"
    assert percent(1.0) == "100%" and percent(0.44) == "44%"
    assert factor_text(0.004) == "0.004" and factor_text(0.25) == "0.25" and factor_text(0.0) == "0.00"


def _points(pooling, se, n=None):
    frame = pd.DataFrame({"group": list("ABCD"[: len(pooling)]), "se": se, "pooling": pooling})
    if n is not None:
        frame["n"] = n
    return frame


def test_pooling_reading_names_most_and_least_and_a_size_precision_inversion():
    text = pooling_reading(_points([0.02, 0.04, 0.12], [0.22, 0.32, 0.39], n=[20, 40, 60]))
    assert text.startswith("Group C (n = 60, standard error 0.39) is pulled the most: pooling factor 0.12")
    assert "Group A (n = 20, standard error 0.22) is pulled the least (0.02)" in text
    assert "Group C has more observations than group A (60 against 20) but a larger standard error" in text


def test_pooling_reading_ties_and_size_going_with_precision():
    text = pooling_reading(_points([0.31, 0.03, 0.03, 0.03], [1.4, 0.29, 0.29, 0.29], n=[2, 50, 50, 50]))
    assert text.startswith("Group A (n = 2, standard error 1.4) is pulled the most")
    assert "Groups B, C and D (n = 50, standard error 0.29 each) are pulled the least (0.03)" in text
    assert "size and pull go together" in text


def test_pooling_reading_all_alike_and_a_single_group():
    text = pooling_reading(_points([0.7, 0.7, 0.7], [0.4, 0.4, 0.4]))
    assert text.startswith("All 3 groups have pooling factor 0.70") and "(all 0.4)" in text
    one = pooling_reading(_points([0.3], [1.0], n=[5]))
    assert one.startswith("The only group, A (n = 5, standard error 1), has pooling factor 0.30")


# --------------------------------------------------------------------------- tau


def test_slider_reaches_beyond_the_posterior_and_no_pooling(post):
    top, step = tau_slider_range(post)
    assert top >= post.tau_quantile(0.995) and top >= 3 * post.se.max()
    assert top / step == pytest.approx(round(top / step)) and 50 <= top / step <= 101
    at = post.at_tau(top)
    assert at["pooling"].max() <= 0.1 + 1e-12


def test_tau_reading_at_zero_is_complete_pooling(post):
    at = post.at_tau(0.0)
    text = tau_reading(at, 0.0, 0.0)
    value = at["mean"].iloc[0]
    assert np.allclose(at["mean"], value)
    assert f"At τ = 0 every group sits at the same estimate, {value:.2f}" in text
    assert text.endswith("P(τ ≤ 0 | y) = 0.00.")


def test_tau_reading_between_and_nearly_none(post):
    mid = tau_reading(post.at_tau(2.0), 2.0)
    at = post.at_tau(2.0).set_index("group")
    most, least = at["pooling"].idxmax(), at["pooling"].idxmin()
    assert f"({groups_phrase([least])}) and {percent(at['pooling'].max())} ({groups_phrase([most])})" in mid
    far = tau_reading(post.at_tau(200.0), 200.0)
    moved = (post.at_tau(200.0)["mean"] - post.y).abs().max()
    assert far.startswith(f"At τ = 200 every estimate is within {moved:.2g} of its own sample mean")


def test_tau_reading_ties_and_a_single_group():
    at = pd.DataFrame(
        {"group": list("ABC"), "mean": [4.0, 5.0, 6.0], "pooling": [0.3] * 3, "y": [3.0, 5.0, 7.5]}
    )
    assert "every estimate moves 30% of the way" in tau_reading(at, 1.5)
    tied = at.assign(pooling=[0.3, 0.1, 0.3])
    assert "between 10% (group B) and 30% (groups A and C)" in tau_reading(tied, 1.5)
    one = pd.DataFrame({"group": ["A"], "mean": [4.0], "pooling": [1.0], "y": [3.0]})
    assert tau_reading(one, 0.0).startswith("At τ = 0 the group sits at the same estimate, 4.00")


def test_estimates_at_tau_feed_the_shrinkage_chart(post):
    from hbm_core import viz

    frame = estimates_at_tau(post.at_tau(2.0), post.at_tau(0.0), [3, 6, 12, 25, 50, 100], [9, 1, 7, 3, 6, 4])
    assert len(frame) == 18 and set(frame["fit"]) == {"pooled", "unpooled", "hierarchical"}
    hier = frame[frame["fit"] == "hierarchical"]
    np.testing.assert_allclose(hier["mean"], post.at_tau(2.0)["mean"])
    viz.shrinkage(frame, "outcome (units)").to_dict()


def test_curve_chart_merges_the_labels_of_coinciding_groups(post):
    from hbm_core import viz

    points = _points([0.03, 0.03, 0.03, 0.31], [0.29, 0.29, 0.29, 1.4], n=[50, 50, 50, 2])
    curve = pd.DataFrame({"se": np.linspace(0.01, 2.0, 20), "pooling": np.linspace(0.0, 0.5, 20)})
    spec = viz.pooling_curve_chart(curve, points, classroom=True).to_dict()
    texts = [row["text"] for values in spec["datasets"].values() for row in values if "text" in row]
    assert sorted(texts) == ["A, B, C", "D"]
