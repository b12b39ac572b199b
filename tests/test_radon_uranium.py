"""Radon's uranium lesson on crafted cases: the county table, the readings and the chart."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hbm_core.lessons.radon_uranium import (
    SHIFT_COLUMNS,
    U_LABEL,
    URANIUM_LABEL,
    coefficient_reading,
    county_shifts,
    diagnostics_line,
    largest_move,
    line_draws,
    move_reading,
    spread_explained,
    spread_reading,
    toward_line_reading,
)
from hbm_core.viz.uranium import uranium_shrinkage

COUNTIES = ["AA", "BB", "CC", "DD"]


def _shifts(partial, target, no_pooling=(2.0, 1.0, 0.5, 1.5)) -> pd.DataFrame:
    index = pd.Index(COUNTIES)
    return county_shifts(
        pd.Series(no_pooling, index=index),
        pd.Series(partial, index=index),
        pd.Series(target, index=index),
        pd.Series([2, 10, 3, 40], index=index),
        pd.Series([0.5, -0.2, -0.8, 0.1], index=index),
    )


def test_county_shifts_measure_the_move_and_the_share_of_the_way():
    frame = _shifts(partial=[1.5, 1.0, 0.9, 1.5], target=[1.0, 1.0, 1.3, 1.5])
    assert list(frame.columns) == SHIFT_COLUMNS
    row = frame.set_index("county")
    assert row.loc["AA", "moved"] == pytest.approx(-0.5)
    assert row.loc["AA", "share_moved"] == pytest.approx(0.5)  # half way from 2.0 to 1.0
    assert row.loc["CC", "share_moved"] == pytest.approx(0.5)
    assert np.isnan(row.loc["BB", "share_moved"])  # sits on its target: no way to go


def test_largest_move_and_its_reading_name_the_county_and_its_line_value():
    with_u = _shifts(partial=[1.9, 1.0, 1.1, 1.5], target=[1.8, 1.0, 1.7, 1.5])
    without = _shifts(partial=[1.7, 1.1, 0.8, 1.45], target=[1.2, 1.2, 1.2, 1.2])
    assert largest_move(with_u)["county"] == "CC"  # moved +0.6, more than AA's -0.1
    text = move_reading(with_u, without)
    assert text.startswith("CC (3 houses, log uranium -0.80) moved most")
    assert "from its own estimate 0.50 up to 1.10 (+0.60)" in text
    assert "50% of the way to its line value 1.70" in text
    assert "Without uranium it goes to 0.80 (+0.30), toward the one mean μ_α = 1.20" in text
    # read from the model without uranium: AA moved most there (-0.30), toward the one mean
    other = move_reading(without, with_u, uranium=False)
    assert other.startswith("AA (2 houses, log uranium 0.50) moved most without uranium")
    assert "38% of the way to the one mean μ_α = 1.20" in other
    assert "With uranium it goes to 1.90 (-0.10), toward its line value 1.80" in other
    # a tie in |moved| goes to the first county by name
    tie = _shifts(partial=[1.5, 1.0, 1.0, 1.5], target=[1.0, 1.0, 1.0, 1.5])
    assert largest_move(tie)["county"] == "AA"


def test_spread_reading_gives_the_numbers_and_the_share():
    spread = spread_explained(np.array([0.30, 0.34]), np.array([0.15, 0.17]))
    assert spread.variance_share == pytest.approx(0.75)
    assert spread.sd_drop == pytest.approx(0.5)
    text = spread_reading(spread)
    assert "σ_α = 0.32" in text and "σ_α = 0.16" in text
    assert "falls by 50%" in text and "about 75% of the between-county variance" in text
    grown = spread_reading(spread_explained(np.array([0.2]), np.array([0.25])))
    assert "explains none" in grown and "%" not in grown
    with pytest.raises(ValueError):
        spread_explained(np.array([0.0]), np.array([0.1]))


def test_coefficient_reading_says_whether_the_interval_excludes_zero():
    rng = np.random.default_rng(0)
    clear = coefficient_reading(rng.normal(0.72, 0.09, 4000))
    assert clear.startswith("Uranium coefficient γ1 = 0.72 (94% interval 0.5")
    assert "about 2.1 times higher" in clear and "whole interval lies above 0" in clear
    unclear = coefficient_reading(rng.normal(-0.1, 0.3, 4000))
    assert "times lower" in unclear and "includes 0" in unclear


def test_toward_line_reading_follows_the_numbers():
    without = _shifts(partial=[1.5, 1.1, 0.9, 1.45], target=[1.2] * 4)
    calmer = _shifts(partial=[1.9, 1.0, 0.6, 1.5], target=[1.8, 1.0, 0.7, 1.5])
    calm = toward_line_reading(calmer, without)
    assert calm.startswith(
        "With uranium the counties move less than without it (mean |move| 0.05 against 0.26"
    )
    assert "4 of 4 move less" in calm and "already lie near their line" in calm
    harder = _shifts(partial=[1.0, 0.5, 1.5, 1.0], target=[0.9, 0.4, 1.6, 0.9])
    hard = toward_line_reading(harder, without)
    assert hard.startswith(
        "With uranium the counties move further than without it (mean |move| 0.75 against 0.26"
    )
    assert "4 of 4 move further" in hard and "pulls each county harder" in hard


def test_toward_line_reading_counts_the_counties_that_agree_with_the_means():
    """Most counties move a little less, one much further: the mean says further, and the count is
    of the counties that move further (the minority), not of those that move less (the seed's wording
    led with the minority's opposite)."""
    without = _shifts(partial=[1.5, 1.1, 0.9, 1.45], target=[1.2] * 4)  # moves 0.5, 0.1, 0.4, 0.05
    mixed = _shifts(partial=[1.6, 1.05, 0.85, 0.3], target=[1.2] * 4)  # moves 0.4, 0.05, 0.35, 1.2
    text = toward_line_reading(mixed, without)
    assert text.startswith(
        "With uranium the counties move further than without it (mean |move| 0.50 against 0.26"
    )
    assert "1 of 4 move further" in text


def test_toward_line_reading_calls_a_tie_a_tie():
    without = _shifts(partial=[1.5, 1.1, 0.9, 1.45], target=[1.2] * 4)
    same = _shifts(partial=[1.5, 1.1, 0.9, 1.45], target=[1.3] * 4)
    text = toward_line_reading(same, without)
    assert "about as far as without it" in text and "outweighs" not in text


def test_line_draws_with_and_without_a_slope():
    mu, gamma = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    assert line_draws(mu, gamma, [0.0, 2.0]).tolist() == [[1.0, 2.0], [2.0, 0.0]]
    assert line_draws(mu, None, [0.0, 2.0]).tolist() == [[1.0, 1.0], [2.0, 2.0]]


def _chart():
    counties = _shifts(partial=[1.9, 1.0, 1.1, 1.5], target=[1.8, 1.0, 1.7, 1.5])
    line = pd.DataFrame({"u": [-1.0, 1.0], "mean": [0.8, 2.2], "low": [0.6, 2.0], "high": [1.0, 2.4]})
    return uranium_shrinkage(
        counties,
        line,
        x_label=U_LABEL,
        y_label="county intercept (log pCi/L)",
        partial_label=URANIUM_LABEL,
        line_label="Fitted line γ0 + γ1·u",
        title="Counties against uranium",
    )


def test_chart_has_axes_legend_and_tooltips():
    spec = _chart().to_dict()
    text = json.dumps(spec, ensure_ascii=False)
    assert U_LABEL in text and "county intercept (log pCi/L)" in text
    domains = [
        layer["encoding"]["color"]["scale"]["domain"]
        for layer in spec["layer"]
        if "color" in layer["encoding"]
    ]
    assert domains and all(d == ["No pooling", URANIUM_LABEL, "Fitted line γ0 + γ1·u"] for d in domains)
    tips = {t["title"] for layer in spec["layer"] for t in layer["encoding"].get("tooltip", [])}
    assert {"county", "houses", "log uranium", "moved by", "pulled toward (line at its u)"} <= tips
    # the arrowheads point the way each county moved: down (180) for AA, up (0) for CC
    data = next(rows for rows in spec["datasets"].values() if "angle" in rows[0])
    angles = {row["county"]: row["angle"] for row in data}
    assert angles["AA"] == 180 and angles["CC"] == 0


def test_chart_refuses_a_missing_column():
    line = pd.DataFrame({"u": [0.0], "mean": [1.0], "low": [0.9], "high": [1.1]})
    with pytest.raises(ValueError, match="target"):
        uranium_shrinkage(
            pd.DataFrame(
                {"county": ["A"], "n": [1], "u": [0.0], "no_pooling": [1.0], "partial": [1.0], "moved": [0]}
            ),
            line,
            x_label="u",
            y_label="y",
            partial_label="p",
            line_label="l",
        )


def test_diagnostics_line_names_the_numbers_and_the_verdict():
    from hbm_core.posterior.results import Diagnostics

    good = Diagnostics(0, 1.0042, 812.0, 950.0, "nutpie", "non-centered", 1.0, 1000, 4, 0.99)
    line, ok = diagnostics_line(good)
    assert ok and line == (
        "Sampler check, Partial pooling + uranium: converged (0 divergences, largest R-hat 1.004, "
        "smallest effective sample size 812)."
    )
    bad = Diagnostics(1, 1.03, 150.0, 90.0, "nutpie", "non-centered", 1.0, 500, 2, 0.99, warnings=["R-hat"])
    line, ok = diagnostics_line(bad)
    assert not ok and "1 divergence," in line and "size 90;" in line and "warnings below" in line
