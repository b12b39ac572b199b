"""named_spec: DataFrames become datasets named by position, and the spec stays put when data change."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from hbm_core import viz
from hbm_core.viz.chart_spec import named_spec
from tests.test_charts import Y, make_estimates


def without_data(spec: dict) -> str:
    return json.dumps({k: v for k, v in spec.items() if k != "datasets"}, sort_keys=True)


def inline(spec: dict) -> dict:
    """``spec`` with its DataFrame datasets as JSON records (what vl-convert reads)."""
    datasets = {
        name: alt.to_values(frame)["values"] if isinstance(frame, pd.DataFrame) else frame
        for name, frame in spec.get("datasets", {}).items()
    }
    return {**spec, "datasets": datasets}


def chain_draws(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "chain": np.repeat([0, 1], 50),
            "draw": np.tile(np.arange(50), 2),
            "parameter": "mu",
            "value": rng.normal(size=100),
        }
    )


def test_dataframes_become_named_datasets_and_the_chart_is_unchanged():
    chart = viz.shrinkage(make_estimates(), Y, width=400)
    before = chart.to_json()
    spec = named_spec(chart)
    assert chart.to_json() == before  # the caller's chart (kept for downloads) is not touched
    assert list(spec["datasets"]) == [f"data{i}" for i in range(len(spec["datasets"]))]
    assert all(isinstance(frame, pd.DataFrame) for frame in spec["datasets"].values())
    named = {layer["data"]["name"] for layer in spec["layer"] if "data" in layer}
    assert named == set(spec["datasets"])
    assert "values" not in json.dumps(without_data(spec))  # no rows left inline in the spec


def test_the_chart_gets_its_dataframes_back_when_the_conversion_fails(monkeypatch):
    """named_spec names the data inside the chart itself for to_dict, and puts them back in any case."""
    chart = viz.shrinkage(make_estimates(), Y, width=400)
    before = chart.to_json()

    def fails(self, *args, **kwargs):
        raise RuntimeError("conversion failed")

    monkeypatch.setattr(alt.LayerChart, "to_dict", fails)
    with pytest.raises(RuntimeError, match="conversion failed"):
        named_spec(chart)
    monkeypatch.undo()
    assert chart.to_json() == before
    assert any(isinstance(getattr(layer, "data", None), pd.DataFrame) for layer in [chart, *chart.layer])


@pytest.mark.parametrize(
    "build",
    [
        lambda n: viz.shrinkage(make_estimates(n=(n, 40, 60, 2)), Y),
        lambda n: viz.forest(make_estimates(n=(n, 40, 60, 2)), Y),
        lambda n: viz.pooling_bars(make_estimates(n=(n, 40, 60, 2))),
        lambda n: viz.data_strip(
            pd.DataFrame({"group": np.repeat(["A", "B"], [n, 7]), "y": np.arange(n + 7.0)}),
            Y,
            pd.DataFrame({"group": ["A", "B"], "true_mean": [1.0, 2.0]}),
        ),
        lambda n: viz.trace_plot(chain_draws(n)),  # a vertical concatenation of facets
    ],
    ids=["shrinkage", "forest", "pooling", "data_strip", "trace_plot"],
)
def test_new_numbers_in_the_same_chart_leave_the_spec_as_it_was(build):
    # The largest group grows too: neither the labels ("A  (n=..)") nor n's range is in the spec.
    first, second = named_spec(build(20)), named_spec(build(70))
    assert without_data(first) == without_data(second)
    pairs = zip(first["datasets"].values(), second["datasets"].values(), strict=True)
    assert any(not a.equals(b) for a, b in pairs)


def test_the_named_spec_draws_the_same_picture():
    est = make_estimates()
    for chart in (
        viz.shrinkage(est, Y, width=400),
        viz.forest(est, Y, width=400),
        viz.trace_plot(chain_draws(1), width=200),
    ):
        assert vlc.vegalite_to_svg(inline(named_spec(chart))) == vlc.vegalite_to_svg(chart.to_dict())


def test_other_data_stay_inline():
    chart = alt.Chart(alt.Data(values=[{"x": 1}])).mark_point().encode(x="x:Q")
    spec = named_spec(chart)
    assert spec["data"] == {"values": [{"x": 1}]} and "datasets" not in spec
