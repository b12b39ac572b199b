"""Charts of the prior predictive check (hbm_core.viz.prior_predictive): valid Vega-Lite, labelled
axes, a legend, tooltips on every mark, no fit colour, and a clear error for a missing column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from hbm_core.data.datasets import load_dataset
from hbm_core.prior_predictive import (
    draw_prior_predictive,
    histogram_frame,
    interval_frame,
    observed_summary,
    spread_bins,
    wide_logit_probabilities,
)
from hbm_core.priors import default_priors
from hbm_core.viz import prior_predictive as charts
from hbm_core.viz.palette import FIT_COLORS


def _walk(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


@pytest.fixture(scope="module")
def built() -> list[tuple[str, object, str]]:
    data = load_dataset("efron_morris")
    draws = draw_prior_predictive(data, default_priors(np.zeros(1), "binomial"), draws=400, seed=1)
    observed = observed_summary(data)
    intervals = interval_frame(draws, observed)
    rows = pd.DataFrame(
        {"quantity": intervals["quantity"].iloc[2], "group": data.groups, "value": observed.group_means}
    )
    spreads = draws.spread()
    return [
        (
            "intervals",
            charts.prior_intervals(
                intervals, rows, "batting average", x_format=".0%", domain=(0, 1), width=400
            ),
            "batting average",
        ),
        (
            "spread",
            charts.prior_spread(
                histogram_frame({charts.SPREAD_DRAWS: spreads}, spread_bins(spreads, observed.spread)),
                observed.spread,
                "sd of the proportions",
                width=400,
            ),
            "sd of the proportions",
        ),
        (
            "trap",
            charts.probability_histogram(
                histogram_frame(
                    {"page": draws.group_probabilities, "wide": wide_logit_probabilities(400)},
                    np.linspace(0, 1, 21),
                ),
                width=400,
            ),
            "implied probability of success",
        ),
    ]


def test_charts_validate_render_and_label_their_axes(built) -> None:
    for name, chart, label in built:
        spec = chart.to_dict()  # validated against the Vega-Lite schema
        titles = [t for d in _walk(spec) for t in (d.get("title"),) if isinstance(t, str)]
        assert name == "intervals" or any("share" in t for t in titles), (name, titles)  # the y axis
        assert label in titles, (name, titles)
        assert vlc.vegalite_to_png(chart.to_json(), scale=0.5).startswith(b"\x89PNG"), name
        layers = spec["layer"]
        marks = [layer for layer in layers if "encoding" in layer]
        assert all("tooltip" in layer["encoding"] for layer in marks), name
        assert any("legend" in (d.get("color") or {}) for d in _walk(spec)), name
        colours = {c for d in _walk(spec) for c in (d.get("range") or []) if isinstance(c, str)}
        assert not colours & set(FIT_COLORS.values()), name  # prior draws are not a fit


def test_intervals_put_the_observed_values_on_their_row(built) -> None:
    spec = built[0][1].to_dict()
    datasets = spec["datasets"].values()
    observed = next(d for d in datasets if d and "value" in d[0])
    assert len(observed) == 18 and {r["quantity"] for r in observed} == {"simulated proportion"}
    assert {r["order"] for r in observed} == {2}


def test_a_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match="q95"):
        charts.prior_intervals(pd.DataFrame({"quantity": ["a"], "order": [0]}), pd.DataFrame(), "x")
    with pytest.raises(ValueError, match="share"):
        charts.prior_spread(pd.DataFrame({"start": [0.0], "end": [1.0]}), 0.5, "x")
