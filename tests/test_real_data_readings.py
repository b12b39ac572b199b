"""The real-data pages' computed readings and chart additions on crafted estimates (no sampling)."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest

from hbm_core import viz
from hbm_core.lessons.radon import moves_by_size, size_reading
from hbm_core.viz.palette import FIT_COLORS
from hbm_core.viz.real_data import with_population_mean


def long_table(own, partial, n, pooling=None, pooled: float = 0.0) -> pd.DataFrame:
    """A long estimates table (groups G0, G1, ...) with the three fits."""
    k = len(own)
    groups = [f"G{i}" for i in range(k)]
    pooling = np.full(k, np.nan) if pooling is None else np.asarray(pooling, float)
    frames = [
        pd.DataFrame({"group": groups, "fit": "unpooled", "mean": own, "sd": 0.1, "n": n, "pooling": np.nan}),
        pd.DataFrame(
            {"group": groups, "fit": "hierarchical", "mean": partial, "sd": 0.1, "n": n, "pooling": pooling}
        ),
        pd.DataFrame(
            {"group": groups, "fit": "pooled", "mean": pooled, "sd": 0.01, "n": n, "pooling": np.nan}
        ),
    ]
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------ radon: moves by county size


def test_moves_by_size_averages_each_band():
    est = long_table(
        [1.0, 2.0, 1.0, 1.0], [0.5, 1.0, 0.9, 0.99], [1, 3, 10, 50], pooling=[0.6, 0.5, 0.2, 0.05]
    )
    table = moves_by_size(est)
    assert list(table["band"]) == ["1–5 houses", "6–20 houses", "more than 20 houses"]
    assert list(table["counties"]) == [2, 1, 1]
    assert table["mean_move"].tolist() == pytest.approx([0.75, 0.1, 0.01])
    assert table["mean_pooling"].tolist() == pytest.approx([0.55, 0.2, 0.05])


def test_size_reading_says_small_counties_moved_more_only_when_they_did():
    falling = long_table(
        [1.0, 2.0, 1.0, 1.0], [0.5, 1.0, 0.9, 0.99], [1, 3, 10, 50], pooling=[0.6, 0.5, 0.2, 0.05]
    )
    text = size_reading(falling)
    assert "0.75 log pCi/L for the 2 counties with 1–5 houses, mean pooling factor 0.55" in text
    assert "and 0.01 log pCi/L for the 1 county with more than 20 houses" in text
    assert "smaller counties moved more on average" in text
    # Small counties that already sit on the mean barely move: the reading must not claim they moved most.
    flat = long_table(
        [0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.8, 0.95], [1, 2, 10, 50], pooling=[0.7, 0.6, 0.2, 0.05]
    )
    text = size_reading(flat)
    assert "does not fall steadily with size" in text and "smaller counties moved more" not in text


def test_size_reading_with_a_single_band():
    est = long_table([1.0, 0.0], [0.6, 0.1], [2, 3])
    assert size_reading(est) == "Every county has 1–5 houses: the average move is 0.25 log pCi/L."


# ------------------------------------------------------------------ radon: mu_alpha on the chart


def test_population_mean_line_is_drawn_and_labelled_beside_complete_pooling():
    est = long_table(
        [1.0, 2.0, 0.5, 1.2], [1.2, 1.6, 0.9, 1.25], [1, 3, 10, 50], pooling=[0.6, 0.5, 0.2, 0.05], pooled=1.1
    )
    base = viz.shrinkage(est, "log radon", style="by_n")
    chart = with_population_mean(base, 1.46, "log radon")
    assert len(chart.layer) == len(base.layer) + 3  # rule, halo, label: the original is unchanged
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    added = spec["layer"][-3:]
    assert added[0]["mark"]["type"] == "rule" and added[0]["mark"]["color"] == FIT_COLORS["hierarchical"]
    assert added[2]["encoding"]["x"] == {"value": "width"}  # the label sits at the plot's right end
    data = json.dumps(spec["datasets"], ensure_ascii=False)
    assert "population mean μ_α 1.46" in data
    assert isinstance(chart, alt.LayerChart)


def test_tank_survival_still_labels_its_two_lines():
    tanks = pd.DataFrame(
        {
            "tank": [1, 2, 3, 4],
            "density": [10, 10, 25, 25],
            "observed": [0.2, 1.0, 0.5, 0.7],
            "hierarchical": [0.3, 0.9, 0.5, 0.7],
        }
    ).assign(pooled=0.6)
    spec = viz.tank_survival(tanks, 0.65).to_dict()
    data = json.dumps(spec["datasets"], ensure_ascii=False)
    assert "complete pooling 60%" in data and "population median 65%" in data


# ------------------------------------------------------------------ baseball


def test_relabel_renames_the_truth_everywhere_and_leaves_the_chart_alone():
    from hbm_core.viz.real_data import relabel
    from hbm_core.viz.theme import TRUE_LABEL

    est = long_table([0.2, 0.3, 0.25], [0.22, 0.28, 0.25], [45, 45, 45], pooling=[0.5, 0.5, 0.5], pooled=0.25)
    est = est.assign(true_mean=np.tile([0.21, 0.27, 0.3], 3), hdi_low=0.1, hdi_high=0.4)
    names = {TRUE_LABEL: "Rest-of-season average", TRUE_LABEL.lower(): "rest-of-season average"}
    for chart in (viz.shrinkage(est, "x"), viz.forest(est, "x")):
        before = json.dumps(chart.to_dict())
        after = json.dumps(relabel(chart, names).to_dict())  # still a valid Vega-Lite spec
        assert TRUE_LABEL in before and "true mean" in before
        assert TRUE_LABEL not in after and "true mean" not in after
        assert after.count("Rest-of-season average") == before.count(TRUE_LABEL)
        assert json.dumps(chart.to_dict()) == before  # the input chart is not changed


class _Data:
    """The few attributes of GroupedData that prediction_reading reads."""

    def __init__(self, groups, rest):
        self.groups = list(groups)
        self.meta = pd.DataFrame({"remaining_avg": rest})


def test_prediction_reading_counts_winners_names_losers_and_the_largest_gain():
    from hbm_core.lessons.baseball import prediction_reading

    players = ["Ann", "Bob", "Cid"]
    est = long_table([0.400, 0.200, 0.300], [0.300, 0.240, 0.280], [45] * 3)
    est["group"] = est["group"].map({"G0": "Ann", "G1": "Bob", "G2": "Cid"})
    text = prediction_reading(est, _Data(players, [0.290, 0.250, 0.310]))
    assert "for 2 of 3 players" in text
    assert "further from it for Cid" in text
    assert "The largest gain is Ann's: no pooling 0.400, partial pooling 0.300" in text
    tie = prediction_reading(est, _Data(players, [0.350, 0.250, 0.310]))  # Ann: 0.050 off either way
    assert "for 1 of 3 players; it is further from it for Cid" in tie and "(equally near for Ann)" in tie
    none = prediction_reading(est, _Data(players, [0.350, 0.220, 0.290]))  # every player a tie
    assert "for 0 of 3 players (equally near for Ann, Bob and Cid)." in none and "largest gain" not in none


def test_error_table_never_shows_none_and_error_reading_compares_with_raw():
    from hbm_core.lessons.baseball import error_reading, error_table

    errors = pd.DataFrame(
        {
            "method": ["Raw", "James–Stein", "No pooling", "Partial pooling"],
            "total squared error": [0.075, 0.021, 0.074, 0.15],
            "published": [0.075, 0.021, np.nan, np.nan],
            "fit": ["raw", "js", "unpooled", "hierarchical"],
        }
    )
    shown = error_table(errors)
    assert list(shown["published"]) == ["0.075", "0.021", "—", "—"]
    text = error_reading(errors)
    assert "James–Stein 0.0210 (3.6 times smaller)" in text
    assert "No pooling 0.0740 (about the same)" in text
    assert "Partial pooling 0.1500 (2.0 times larger)" in text
    assert text.endswith("Lowest here: James–Stein.")


# ------------------------------------------------------------------ reed frogs


def summary(shifts, pooling, densities=(10, 25, 35)) -> pd.DataFrame:
    from hbm_core.lessons.real_data import DENSITY_NAMES as names

    k = len(shifts)
    return pd.DataFrame(
        {
            "density": list(densities)[:k],
            "tank size": [names[d] for d in list(densities)[:k]],
            "tanks": 16,
            "mean_shift": shifts,
            "max_shift": shifts,
            "pooling": pooling,
        }
    )


def test_density_reading_follows_the_numbers():
    from hbm_core.lessons.real_data import density_reading

    falling = density_reading(summary([3.7, 2.2, 1.7], [0.24, 0.13, 0.12]))
    assert "3.7 pp for the 16 small tanks (10 tadpoles), mean pooling factor 0.24" in falling
    assert "falls as tanks get bigger" in falling and "either" not in falling
    rising = density_reading(summary([1.0, 2.2, 1.7], [0.24, 0.13, 0.12]))
    assert "does not fall steadily" in rising and "falls as tanks get bigger" not in rising
    tie = density_reading(summary([2.0, 2.0, 1.0], [0.2, 0.2, 0.1]))
    assert "does not fall steadily" in tie and "pooling factor does not fall steadily" in tie
    assert density_reading(summary([2.5], [0.2])) == (
        "Every tank has the same size: the mean shift is 2.5 pp for the 16 small tanks (10 tadpoles), "
        "mean pooling factor 0.20."
    )


def test_full_survival_reading_single_and_several():
    from hbm_core.lessons.real_data import full_survival_reading

    tanks = pd.DataFrame({"observed": [1.0, 0.5, 1.0], "hierarchical": [0.95, 0.55, 0.97]})
    assert full_survival_reading(tanks).startswith("The 2 tanks where every tadpole survived get 95% to 97%")
    one = full_survival_reading(tanks.iloc[:2])
    assert one.startswith("The tank where every tadpole survived gets 95% under partial pooling")
    assert full_survival_reading(tanks.iloc[1:2]) == ""


def test_sigma_reading_reads_the_pooling_factors():
    from hbm_core.lessons.real_data import sigma_reading

    low = sigma_reading(1.6, pd.DataFrame({"pooling": [0.1, 0.2, 0.45]}))
    assert "pooling factors of 0.10 to 0.45 (mean 0.25)" in low and "keeps most of its own estimate" in low
    high = sigma_reading(0.2, pd.DataFrame({"pooling": [0.6, 0.9]}))
    assert "pulled more than halfway" in high
    assert sigma_reading(1.0, pd.DataFrame({"pooling": [np.nan]})).endswith("on the log-odds scale.")
