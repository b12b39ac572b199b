"""Varying slopes' tables, readings and charts on crafted cases (no MCMC): own lines and the groups
that have none, the shifts, the population's ellipses, and every sentence the page shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hbm_core.data.groups import DataError, GroupedData
from hbm_core.lessons import varying_slopes as vs
from hbm_core.viz.varying_slopes import group_lines, slope_shrinkage


def _data(rows: list[tuple[int, float, float]], groups=("A", "B", "C", "D")) -> GroupedData:
    """Rows (group index, x, y)."""
    idx, x, y = (np.array(c) for c in zip(*rows, strict=True))
    return GroupedData("normal", tuple(groups), idx.astype(np.int64), y.astype(float), x=x.astype(float))


# A: a line through (0, 1), (1, 3); B: all at x = 0; C: all at x = 1; D: three x values on y = 2 - x.
ROWS = [
    (0, 0, 1.0),
    (0, 1, 3.0),
    (0, 0, 1.0),
    (1, 0, 4.0),
    (1, 0, 6.0),
    (2, 1, 5.0),
    (3, 0, 2),
    (3, 1, 1),
    (3, 2, 0),
]


def test_own_lines_mark_groups_without_a_slope():
    own = vs.own_lines(_data(ROWS)).set_index("group")
    assert own.loc["A", "status"] == vs.BOTH
    assert own.loc["A", ["own_intercept", "own_slope"]].tolist() == pytest.approx([1.0, 2.0])
    assert own.loc["B", "status"] == vs.INTERCEPT_ONLY and own.loc["B", "own_intercept"] == 5.0
    assert np.isnan(own.loc["B", "own_slope"])
    assert own.loc["C", "status"] == vs.NEITHER and own.loc[["C"], ["own_intercept", "own_slope"]].isna().all(
        None
    )
    assert own.loc["D", ["own_intercept", "own_slope"]].tolist() == pytest.approx([2.0, -1.0])
    assert own["n"].tolist() == [3, 2, 1, 3] and own["n_x0"].tolist() == [2, 2, 0, 1]
    with pytest.raises(DataError, match="predictor"):
        vs.own_lines(_data(ROWS).with_(x=None))


def _shifts() -> pd.DataFrame:
    own = vs.own_lines(_data(ROWS))
    partial = pd.DataFrame(
        {
            "group": list("ABCD"),
            "partial_intercept": [1.5, 4.0, 2.5, 2.0],
            "partial_slope": [0.5, -0.5, 0.0, -0.9],
        }
    )
    return vs.pair_shifts(own, partial)


def test_shifts_and_the_group_that_moved_most():
    shifts = _shifts().set_index("group")
    assert shifts.loc["A", "moved_slope"] == pytest.approx(-1.5)
    assert shifts.loc["A", "distance"] == pytest.approx(np.hypot(0.5, 1.5))
    assert np.isnan(shifts.loc["B", "distance"])  # no own slope: no length of a move
    text = vs.moved_most_reading(_shifts(), x0="in the basement", x_other="on the first floor", row="house")
    assert text.startswith("A moved most: its own line has intercept 1.00 and slope 2.00")
    assert "(intercept +0.50, slope -1.50)" in text
    # A has 3 rows like D (the median), but its slope rests on 1 row away from 0 (D: 2)
    assert "its slope rests on 1 house on the first floor against 2 houses in the basement" in text
    assert "only" not in text


def test_a_large_group_far_out_is_explained_otherwise():
    frame = _shifts()
    frame.loc[frame["group"] == "A", ["n", "n_other"]] = [50, 25]
    text = vs.moved_most_reading(frame, group="county")
    assert "It is not a small county" in text


def test_missing_reading_names_the_groups_without_a_slope():
    text = vs.missing_reading(
        _shifts(), x0="in the basement", other="on the first floor", group="county", row="house"
    )
    assert text.startswith(
        "1 county with all houses in the basement (B) and 1 county with all houses on the first"
    )
    assert "(C) have no own slope" in text and "squares, no arrow" in text
    one = _shifts()[lambda f: f["group"] != "C"]
    assert "It is not dropped" in vs.missing_reading(one)
    full = _shifts()[lambda f: f["status"] == vs.BOTH]
    assert vs.missing_reading(full).startswith("Every group has rows at two or more values")


def test_spread_reading_compares_how_much_each_direction_keeps():
    pop = vs.Population(np.zeros(2), np.eye(2), 0.35, 0.30, -0.2)
    shifts = _shifts()
    text = vs.spread_reading(shifts, pop, slope_unit="log pCi/L", group="county", row="house")
    # A and D: own intercepts 1, 2 (sd 0.5) -> 1.5, 2 (0.25); own slopes 2, -1 (1.5) -> 0.5, -0.9 (0.7)
    assert "spread of the intercepts falls from 0.50 to 0.25 (50% of it kept)" in text
    assert "slopes from 1.50 to 0.70 (47% kept)" in text
    assert "The slopes shrink more" in text and "σ_β = 0.30 log pCi/L, σ_α = 0.35" in text
    shifts.loc[shifts["group"] == "D", "partial_slope"] = -1.0  # slopes now keep more than intercepts
    assert "The intercepts shrink at least as much" in vs.spread_reading(shifts, pop)


@pytest.mark.parametrize(
    ("draws", "sign", "settled"),
    [
        (np.linspace(-0.9, 0.3, 201), "negative", False),
        (np.linspace(0.2, 0.8, 201), "positive", True),
        (np.linspace(-0.8, -0.3, 201), "negative", True),
    ],
)
def test_correlation_reading(draws, sign, settled):
    text = vs.correlation_reading(draws, x0="in the basement", x1="on the first floor", group="county")
    assert f"ρ = {np.mean(draws):.2f}" in text and f"It is {sign}: counties with a high intercept" in text
    assert ("the interval includes 0" in text) != settled
    if settled:
        assert ("below 0" if sign == "negative" else "above 0") in text


def test_lines_selection_and_reading():
    shifts = _shifts()
    assert vs.lines_selection(shifts, count=2) == ["A", "D"]  # only A and D have own lines
    assert vs.lines_selection(shifts, count=1) == ["A"]  # the one that moved most
    points = vs.line_points(shifts, ["A", "B"])
    assert len(points) == 2 * 2 + 2  # A: own and partial at x = 0, 1; B: partial only
    assert points.query("group == 'A' and fit == 'own' and x == 1")["y"].item() == pytest.approx(3.0)
    text = vs.lines_reading(shifts, ["A", "D"], -0.68, row="house", x_other="on the first floor")
    assert text.startswith(
        "A's own slope +2.00 rests on 1 house on the first floor; partial pooling turns it to +0.50"
    )
    assert "toward the mean slope -0.68" in text
    # D moved least (0.1): its slope -1.00 becomes -0.90, its intercept stays at 2.00
    assert (
        "D, with 3 houses, moved least: its slope -1.00 becomes -0.90 and its intercept 2.00 becomes 2.00"
        in text
    )
    assert "moved least" not in vs.lines_reading(shifts, ["A"], -0.68)


def test_ellipses_hold_the_stated_mass():
    mean, cov = np.array([1.0, -0.5]), np.array([[0.09, -0.03], [-0.03, 0.04]])
    frame = vs.ellipse_frame(mean, cov, group="county")
    assert list(dict.fromkeys(frame["level"])) == ["50% of counties", "90% of counties"]
    inverse = np.linalg.inv(cov)
    for level, p in (("50% of counties", 0.5), ("90% of counties", 0.9)):
        pts = frame[frame["level"] == level][["intercept", "slope"]].to_numpy() - mean
        d2 = np.einsum("ij,jk,ik->i", pts, inverse, pts)
        np.testing.assert_allclose(d2, stats.chi2.ppf(p, 2), rtol=1e-9)  # on the contour


def test_synthetic_data_follow_the_truth():
    truth = vs.Truth(mu_intercept=1.0, mu_slope=-0.5, sd_intercept=0.6, sd_slope=0.4, rho=-0.7, sigma=0.1)
    data = vs.synthetic_slopes(truth, n_groups=400, per_group=4, seed=3)
    pairs = np.column_stack([data.meta["true_intercept"], data.meta["true_slope"]])
    assert pairs.mean(axis=0) == pytest.approx([1.0, -0.5], abs=0.08)
    assert np.corrcoef(pairs.T)[0, 1] == pytest.approx(-0.7, abs=0.08)
    assert data.x[:4].tolist() == [0, 1, 0, 1] and data.n_groups == 400
    own = vs.own_lines(data)  # sigma is small: own lines near the true pairs
    assert np.abs(own["own_slope"] - pairs[:, 1]).max() < 0.5
    with pytest.raises(DataError, match="correlation"):
        vs.synthetic_slopes(vs.Truth(rho=1.0), 5, 4, 1)
    with pytest.raises(DataError, match="at least 2"):
        vs.synthetic_slopes(truth, 1, 4, 1)


def test_truth_reading_counts_the_groups_nearer_the_truth():
    shifts = _shifts()
    # true pairs: A (1.4, 0.6) is nearer its partial pair; D (2.0, -1.0) is its own line exactly
    text = vs.truth_reading(shifts, [1.4, 5.0, 5.0, 2.0], [0.6, 0.0, 0.0, -1.0])
    own = (np.hypot(0.4, 1.4) + 0) / 2
    part = (np.hypot(0.1, 0.1) + 0.1) / 2
    assert f"own lines miss by {own:.2f} on average, partial pooling by {part:.2f}" in text
    assert "closer to the truth on average; partial pooling is closer in 1 of 2 groups" in text


def test_charts_are_built_from_the_tables():
    shifts = _shifts()
    ellipses = vs.ellipse_frame(np.zeros(2), np.eye(2))
    truth = pd.DataFrame({"group": list("ABCD"), "true_intercept": [1.0] * 4, "true_slope": [0.0] * 4})
    spec = slope_shrinkage(
        shifts, ellipses, (0.0, 0.0), x_label="intercept (u)", y_label="slope (u)", truth=truth
    )
    spec = spec.to_dict()
    domain = spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert domain[-1] == "True pair" and "Population: 90% of groups" in domain
    assert spec["layer"][0]["encoding"]["x"]["title"] == "intercept (u)"
    assert len(spec["layer"]) == 7  # contours, arrows, own, partial, no own slope, truth, population mean
    lines = group_lines(
        vs.line_points(shifts, ["A", "D"]), x_label="floor", y_label="y", x_ticks={0: "b", 1: "f"}
    )
    assert "datum.value == 1 ?" in str(lines.to_dict())
    plain = group_lines(
        vs.line_points(shifts, ["A", "D"]), x_label="x", y_label="y"
    ).to_dict()  # no tick names
    assert "labelExpr" not in str(plain)
    every = slope_shrinkage(shifts[shifts["status"] == vs.BOTH], ellipses, (0, 0), x_label="a", y_label="b")
    legend = every.to_dict()["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert not any("no own slope" in k for k in legend) and "no own slope" in str(domain)
    with pytest.raises(ValueError, match="needs column"):
        slope_shrinkage(shifts.drop(columns="status"), ellipses, (0, 0), x_label="a", y_label="b")
