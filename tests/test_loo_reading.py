"""The PSIS-LOO reading (hbm_core/lessons/loo_reading.py) and chart on crafted comparison tables."""

from __future__ import annotations

import pandas as pd
import pytest

from hbm_core.lessons.loo_reading import (
    comparison_sentences,
    convergence_note,
    diagnostics_line,
    loo_reading,
    page_table,
    pareto_k_sentences,
)
from hbm_core.viz.loo import elpd_differences


def _table(rows) -> pd.DataFrame:
    """rows: (fit, elpd, se, elpd_diff, dse, p_loo, n_high_k, max_k, worst_group)."""
    cols = ["fit", "elpd", "se", "elpd_diff", "dse", "p_loo", "n_high_k", "max_k", "worst_group"]
    frame = pd.DataFrame(rows, columns=cols)
    return frame.assign(rank=range(len(frame)), good_k=0.7, weight=0.0, worst_row=0)


def _pointwise(ks: dict[str, list[tuple]]) -> pd.DataFrame:
    """ks: per fit, (group, pareto_k[, elpd_i]) per row."""
    rows = [
        (fit, i, item[0], item[2] if len(item) > 2 else -1.0, item[1])
        for fit, items in ks.items()
        for i, item in enumerate(items)
    ]
    return pd.DataFrame(rows, columns=["fit", "row", "group", "elpd_i", "pareto_k"])


CLEAR = _table(
    [
        ("hierarchical", -109.9, 4.1, 0.0, 0.0, 30.9, 0, 0.5, "1"),
        ("unpooled", -122.0, 2.7, -12.1, 2.7, 40.2, 0, 0.6, "14"),
        ("pooled", -292.4, 34.7, -182.5, 32.9, 11.0, 0, 0.3, "3"),
    ]
)
CLOSE = _table(
    [
        ("hierarchical", -30.8, 1.1, 0.0, 0.0, 1.1, 0, 0.4, "A"),
        ("pooled", -30.9, 1.0, -0.1, 0.3, 1.0, 0, 0.3, "C"),
        ("unpooled", -35.8, 1.0, -5.0, 3.0, 3.0, 0, 0.6, "A"),
    ]
)


def test_the_best_fit_and_clear_differences_in_se_units():
    text = comparison_sentences(CLEAR, "tank")
    assert text[0] == "**Partial pooling** predicts left-out tanks best: elpd_loo -109.9 (SE 4.1)."
    assert (
        "No pooling is 12.1 lower, 4.5 times the standard error of the difference (2.7): a clear" in text[1]
    )
    assert "Complete pooling is 182.5 lower, 5.5 times" in text[2]
    assert not any("cannot tell" in s for s in text)


def test_differences_within_two_se_or_small_cannot_be_told_apart():
    text = comparison_sentences(CLOSE, "school")
    assert text[1] == (
        "Complete pooling is only 0.1 lower (0.3 times the standard error of the difference, 0.3): "
        "a difference under 4 is too small to matter, whatever its SE."
    )
    assert text[2] == "No pooling is 5.0 lower, only 1.7 times the standard error of the difference (3.0)."
    assert text[-1] == "The differences are within about two SE or small: the data cannot tell them apart."
    small_but_many_se = CLOSE.copy()
    small_but_many_se.loc[1, "dse"] = 0.01  # 10 SE, still only 0.1 in elpd
    assert "too small to matter" in comparison_sentences(small_but_many_se)[1]


def test_one_close_and_one_clear_fit():
    mixed = CLOSE.copy()
    mixed.loc[2, ["elpd_diff", "dse"]] = [-9.0, 2.0]
    text = comparison_sentences(mixed)
    assert "a clear difference" in text[2]
    assert text[-1] == (
        "Complete pooling and Partial pooling are within about two SE or too close to matter: "
        "the data cannot tell them apart."
    )


def test_a_difference_without_standard_error_is_said_so():
    odd = CLOSE.copy()
    odd.loc[1, "dse"] = float("nan")
    assert "has no standard error" in comparison_sentences(odd)[1]


def test_needs_two_fits():
    with pytest.raises(ValueError):
        comparison_sentences(CLEAR.iloc[:1])


def test_high_k_when_every_group_is_one_row():
    table = CLEAR.copy()
    table.loc[1, ["n_high_k", "max_k", "worst_group"]] = [2, 1.22, "14"]
    points = _pointwise(
        {
            "hierarchical": [("1", 0.2), ("14", 0.5), ("3", 0.1)],
            "unpooled": [("1", 0.9), ("14", 1.22), ("3", 0.4)],
            "pooled": [("1", 0.1), ("14", 0.2), ("3", 0.1)],
        }
    )
    text = pareto_k_sentences(table, points, {"1": 1, "14": 1, "3": 1}, "tank", "tank")
    assert text[0].startswith(
        "No pooling: 2 of 3 tanks have a Pareto k above 0.7 (the highest, 1.22, is tank 14)."
    )
    assert (
        "Every tank has a single data row: left out, the tank's own parameter is left to its prior alone"
        in text[0]
    )
    assert text[-1].startswith("High k's make the elpd_loo of No pooling unreliable")
    assert "refitting without each tank" in text[-1]


def test_high_k_in_small_groups_and_far_observations():
    sizes = {"A": 1, "B": 2, "C": 30, "D": 40, "E": 50}
    table = _table([("unpooled", -50, 3, 0, 0, 9, 2, 1.1, "A"), ("pooled", -60, 3, -10, 3, 1, 0, 0.1, "C")])
    ordinary = [("C", 0.2, -1.0)] * 20
    small = _pointwise(
        {"unpooled": [("A", 1.1, -1.0), ("B", 0.8, -1.0), *ordinary], "pooled": [("C", 0.1, -1.0)]}
    )
    text = pareto_k_sentences(table, small, sizes)
    assert text[0].startswith(
        "No pooling: 2 of 22 observations have a Pareto k above 0.7 (the highest, 1.10, is in group A)."
    )
    assert (
        "They are in groups A and B: all in small groups (fewer observations than the median group's 30), "
        "where each observation weighs heavily on its group's parameter." in text[0]
    )

    far = _pointwise({"unpooled": [("D", 0.9, -9.0), *ordinary], "pooled": [("C", 0.1, -1.0)]})
    text = pareto_k_sentences(table.assign(n_high_k=[1, 0]), far, sizes)
    assert "1 of 21 observations has a Pareto k" in text[0]
    assert (
        "It is in group D: among the observations the fit predicts worst (unusual for its group: leaving "
        "it out moves the fit)." in text[0]
    )

    mixed = _pointwise(
        {
            "unpooled": [("A", 1.2, -1.0), ("D", 0.9, -9.0), ("E", 0.8, -1.0), *ordinary],
            "pooled": [("C", 0.1, -1.0)],
        }
    )
    text = pareto_k_sentences(table, mixed, sizes)
    assert "They are in groups A, D and E: 1 in small groups" in text[0]
    assert "; 1 among the observations the fit predicts worst (unusual for their group" in text[0]


def test_no_high_k_is_said_to_be_reliable():
    points = _pointwise({f: [("A", 0.1), ("B", 0.3)] for f in ("hierarchical", "pooled", "unpooled")})
    assert pareto_k_sentences(CLOSE, points, {"A": 1, "B": 1}) == [
        "Every Pareto k is below 0.7: the PSIS estimates are reliable."
    ]
    reading = loo_reading(CLOSE, points, {"A": 1, "B": 1}, "school", "school")
    assert reading[0].startswith("**Partial pooling** predicts left-out schools best")
    assert reading[-1].startswith("Every Pareto k is below")


def test_page_table_and_convergence_note():
    shown = page_table(CLEAR.assign(n_high_k=[0, 43, 0]), 48)
    assert list(shown["fit"]) == ["Partial pooling", "No pooling", "Complete pooling"]
    assert shown.loc[1, "high Pareto k"] == "43 of 48 (k > 0.7)"
    assert shown.loc[1, "highest k"] == "0.60 (14)"
    assert convergence_note({"pooled": 0, "unpooled": 0}) is None
    assert convergence_note({"pooled": 0, "unpooled": 2}).startswith("No pooling did not pass")


def test_chart_has_one_row_per_fit_and_the_se_bars():
    spec = elpd_differences(CLEAR).to_dict()
    values = next(iter(spec["datasets"].values())) if "datasets" in spec else None
    layers = spec["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["rule", "rule", "point"]
    assert layers[1]["encoding"]["x2"]["field"] == "high"
    data = elpd_differences(CLEAR).layer[2].data
    assert list(data["label"]) == ["Partial pooling", "No pooling", "Complete pooling"]
    assert data["low"].tolist() == pytest.approx([0.0, -14.8, -215.4])
    assert data["high"].tolist() == pytest.approx([0.0, -9.4, -149.6])
    assert values is None or values
    with pytest.raises(ValueError):
        elpd_differences(CLEAR.drop(columns="dse"))


def test_diagnostics_line_names_each_fit():
    from types import SimpleNamespace

    line = diagnostics_line(
        {
            "hierarchical": SimpleNamespace(max_rhat=1.0042, min_ess_bulk=1234.4, divergences=0),
            "unpooled": SimpleNamespace(max_rhat=1.02, min_ess_bulk=85.0, divergences=3),
        }
    )
    assert line == (
        "The fits compared (largest R-hat, smallest bulk ESS, divergences): Partial pooling 1.004, 1,234, 0; "
        "No pooling 1.020, 85, 3."
    )
