"""Charts of the real-data pages: the reed-frog tanks of Statistical Rethinking (chapter 13).

:func:`tank_survival` (each tank's survival, no pooling against partial pooling, Figure 13.1) and
:func:`density_shrinkage` (how far partial pooling moves tanks of each size). The predictive
densities of the radon and reed-frog pages are :func:`hbm_core.viz.density.predictive_density`.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import altair as alt
import numpy as np
import pandas as pd

from hbm_core.viz.palette import FIT_COLORS, FIT_LABELS, FITS
from hbm_core.viz.theme import (
    Style,
    apply_theme,
    chart_data,
    chart_title,
    legend,
    require,
    style_for,
    tooltip,
)

POPULATION_LABEL = "Population median"
OBSERVED_LABEL = "No pooling (observed)"


def tank_survival(
    tanks: pd.DataFrame,
    population_median: float | None = None,
    *,
    groups: dict[int, str] | None = None,
    title: str | None = "Survival in each tank: no pooling vs partial pooling",
    width: int | str = "container",
    height: int = 380,
    classroom: bool = False,
) -> alt.LayerChart:
    """Statistical Rethinking's Figure 13.1: proportion surviving per tank, tanks grouped by density.

    ``tanks`` columns: ``tank`` (1..T, already ordered by density), ``density``, ``observed``
    (proportion surviving: the no-pooling estimate), ``hierarchical`` (partial pooling's posterior
    mean survival); optional ``pooled``, ``unpooled``, ``survivors``, ``predator``, ``size``,
    ``pooling`` (tooltips). Each tank gets a blue circle (its observed proportion, i.e. no pooling)
    and a vermillion triangle (partial pooling) pointing the way it moved; the dashed lines are
    complete pooling (grey) and partial pooling's population median ``expit(mu)`` (vermillion),
    labelled at their right ends. ``groups``: density -> label written over its block of tanks.
    """
    require(tanks, ["tank", "density", "observed", "hierarchical"], "tank_survival")
    s = style_for(classroom)
    df = tanks.copy()
    df["angle"] = np.where(df["hierarchical"] >= df["observed"], 270, 90)
    x_scale = alt.Scale(domain=[0.5, float(df["tank"].max()) + 0.5], nice=False, zero=False)
    x = alt.X(
        "tank:Q",
        title="tank (grouped by number of tadpoles per tank)",
        scale=x_scale,
        axis=alt.Axis(values=[1, *range(8, int(df["tank"].max()) + 1, 8)], grid=False),
    )
    y_scale = alt.Scale(domain=[0, 1.1], nice=False)
    y_axis = alt.Axis(values=[0, 0.2, 0.4, 0.6, 0.8, 1.0], format=".0%")

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title="proportion surviving", scale=y_scale, axis=y_axis)

    # The two fits are in the legend; the two horizontal lines are labelled where they end.
    keys = [OBSERVED_LABEL, FIT_LABELS["hierarchical"]]
    has_pooled = "pooled" in df.columns and df["pooled"].notna().any()
    colors = {OBSERVED_LABEL: FIT_COLORS["unpooled"], FIT_LABELS["hierarchical"]: FIT_COLORS["hierarchical"]}
    shapes = {OBSERVED_LABEL: "circle", FIT_LABELS["hierarchical"]: "triangle-right"}
    color = alt.Color(
        "key:N", scale=alt.Scale(domain=keys, range=[colors[c] for c in keys]), legend=legend(s)
    )
    shape = alt.Shape(
        "key:N", scale=alt.Scale(domain=keys, range=[shapes[c] for c in keys]), legend=legend(s)
    )

    tips = [alt.Tooltip("tank:Q", title="tank"), alt.Tooltip("density:Q", title="tadpoles in tank")]
    for col, name in (("survivors", "survivors"), ("predator", "predators"), ("size", "tadpole size")):
        if col in df.columns:
            tips.append(tooltip(col, name, None))
    if "observed" in df.columns:
        tips.append(tooltip("observed", "observed proportion", ".0%"))
    for fit in FITS:
        if fit in df.columns:
            name = FIT_LABELS[fit] + (" (model, own prior)" if fit == "unpooled" else "")
            tips.append(tooltip(fit, name, ".1%"))
    if "pooling" in df.columns:
        tips.append(tooltip("pooling", "pooling factor", ".2f"))

    base = alt.Chart(chart_data(df)).encode(x=x, tooltip=tips)
    layers: list[alt.Chart] = []
    # Block separators and labels (where the density changes).
    starts = df.groupby("density", sort=False)["tank"].agg(["min", "max"]).reset_index()
    seps = pd.DataFrame({"tank": (starts["min"].iloc[1:] - 0.5).to_numpy()})
    if not seps.empty:
        layers.append(
            alt.Chart(chart_data(seps))
            .mark_rule(color="#9a9a9a", strokeWidth=s.stroke(1.2))
            .encode(x=alt.X("tank:Q", scale=x_scale))
        )
    labels = starts.assign(
        tank=(starts["min"] + starts["max"]) / 2,
        text=[(groups or {}).get(int(d), f"{int(d)} tadpoles per tank") for d in starts["density"]],
        y=1.05,
    )
    layers.append(
        alt.Chart(chart_data(labels))
        .mark_text(fontWeight="bold", fontSize=round(13 * s.k), color="#333")
        .encode(x=alt.X("tank:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="text:N")
    )
    for label, value, dash, colour in (
        (
            FIT_LABELS["pooled"].lower(),
            float(df["pooled"].dropna().iloc[0]) if has_pooled else None,
            [7, 5],
            FIT_COLORS["pooled"],
        ),
        (POPULATION_LABEL.lower(), population_median, [3, 3], FIT_COLORS["hierarchical"]),
    ):
        if value is not None:
            layers += _labelled_rule(value, f"{label} {value:.0%}", y, colour, dash, s, value_format=".1%")
    layers += [
        base.mark_rule(color="#a8a8a8", strokeWidth=s.stroke(1.5)).encode(
            y=y("observed"), y2="hierarchical:Q"
        ),
        base.transform_calculate(key=json.dumps(OBSERVED_LABEL))
        .mark_point(filled=True, opacity=0.9, size=s.area(70))
        .encode(y=y("observed"), color=color, shape=shape),
        base.transform_calculate(key=json.dumps(FIT_LABELS["hierarchical"]))
        .mark_point(filled=True, opacity=1, size=s.area(80))
        .encode(y=y("hierarchical"), color=color, shape=shape, angle=alt.Angle("angle:Q", scale=None)),
    ]
    chart = alt.layer(*layers, width=width, height=int(height * s.k), title=chart_title(title))
    return apply_theme(chart, classroom)


def _labelled_rule(
    value: float,
    text: str,
    y: Callable[[str], alt.Y],
    colour: str,
    dash: list[int],
    s: Style,
    value_format: str = ".3~r",
) -> list[alt.Chart]:
    """A dashed horizontal rule at ``value`` across the whole plot, labelled ``text`` at its right end
    (in ``colour``, on a white halo so that it reads over the marks). ``y``: field -> the chart's y
    encoding, so the rule shares the chart's scale. Returns the layers (rule, halo, text)."""
    rule = pd.DataFrame({"value": [value], "text": [text]})
    line = alt.Chart(chart_data(rule)).encode(
        y=y("value"),
        tooltip=[alt.Tooltip("text:N", title="line"), alt.Tooltip("value:Q", format=value_format)],
    )
    where = {
        "x": alt.value("width"),  # the right edge of the plot, whatever its x scale
        "text": alt.Text("text:N"),
    }
    font = {
        "align": "right",
        "baseline": "bottom",
        "dx": -4 * s.k,
        "dy": -3 * s.k,
        "fontSize": round(12 * s.k),
    }
    return [
        line.mark_rule(strokeDash=dash, strokeWidth=s.stroke(2.5), color=colour),
        line.mark_text(stroke="white", strokeWidth=s.stroke(4), strokeJoin="round", **font).encode(**where),
        line.mark_text(color=colour, fontWeight="bold", **font).encode(**where),
    ]


def with_population_mean(
    chart: alt.LayerChart,
    value: float,
    y_label: str,
    *,
    label: str = "population mean μ_α",
    classroom: bool = False,
) -> alt.LayerChart:
    """``chart`` (a layered chart with a quantitative y axis titled ``y_label``, e.g.
    :func:`hbm_core.viz.shrinkage` with ``style="by_n"``) with partial pooling's population mean
    drawn as a labelled vermillion dashed line, as :func:`tank_survival` draws it: the point the
    arrows head for, which is not the complete-pooling line. ``chart`` itself is not changed."""
    s = style_for(classroom)

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title=y_label, scale=alt.Scale(zero=False))

    out = chart.copy(deep=False)
    out.layer = [
        *chart.layer,
        *_labelled_rule(value, f"{label} {value:.2f}", y, FIT_COLORS["hierarchical"], [3, 3], s),
    ]
    return out


def density_shrinkage(
    summary: pd.DataFrame,
    *,
    title: str | None = "Average shrinkage by tank size",
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """Bars of the mean |partial pooling - observed| survival per tank size, in percentage points.

    ``summary``: :func:`hbm_core.lessons.real_data.density_summary` (columns ``tank size``,
    ``mean_shift``; ``max_shift``, ``tanks``, ``pooling`` in tooltips).
    """
    require(summary, ["tank size", "mean_shift"], "density_shrinkage")
    s = style_for(classroom)
    order = list(summary["tank size"])
    tips = [alt.Tooltip("tank size:N"), tooltip("mean_shift", "mean |shift| (pp)", ".1f")]
    for col, name, fmt in (("max_shift", "largest |shift| (pp)", ".1f"), ("pooling", "mean pooling", ".2f")):
        if col in summary.columns:
            tips.append(tooltip(col, name, fmt))
    base = alt.Chart(chart_data(summary)).encode(
        y=alt.Y("tank size:N", sort=order, title=None),
        x=alt.X(
            "mean_shift:Q",
            title="mean shift (percentage points of survival)",
            scale=alt.Scale(domain=[0, float(summary["mean_shift"].max()) * 1.15], nice=False),
        ),
        tooltip=tips,
    )
    chart = alt.layer(
        base.mark_bar(color=FIT_COLORS["hierarchical"], opacity=0.85, size=34 * s.k),
        base.mark_text(align="left", dx=5 * s.k, fontSize=round(13 * s.k)).encode(
            text=alt.Text("mean_shift:Q", format=".1f")
        ),
    ).properties(width=width, height=int(150 * s.k), title=chart_title(title))
    return apply_theme(chart, classroom)


def _renamed(value, names: dict[str, str]):
    """``value`` (a spec fragment: dicts, lists, strings) with every string in ``names`` replaced,
    also inside a Vega expression that is only that string (a constant such as ``"True mean"``)."""
    if isinstance(value, dict):
        return {k: _renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    if isinstance(value, str):
        if value in names:
            return names[value]
        quoted = {json.dumps(old): json.dumps(new) for old, new in names.items()}
        return quoted.get(value, value)
    return value


def relabel(chart: alt.LayerChart, names: dict[str, str]) -> alt.LayerChart:
    """``chart`` with legend entries and tooltip titles renamed (``names``: old -> new), e.g. the
    shared charts' "True mean" when the page's truth is not a true mean but an observed quantity
    (baseball's rest-of-season average). Renames in the layers' encodings (legend domains, tooltip
    titles, axis titles) and in their constant ``key`` transforms; data and ``chart`` stay as they are."""
    out = chart.copy(deep=False)
    layers = []
    for layer in chart.layer:
        layer = layer.copy(deep=False)
        if isinstance(layer, alt.LayerChart):
            layer = relabel(layer, names)
        else:
            if layer.encoding is not alt.Undefined:
                spec = _renamed(layer.encoding.to_dict(validate=False), names)
                layer.encoding = alt.FacetedEncoding.from_dict(spec, validate=False)
            if layer.transform is not alt.Undefined:
                layer.transform = [
                    type(t).from_dict(_renamed(t.to_dict(validate=False), names), validate=False)
                    for t in layer.transform
                ]
        layers.append(layer)
    out.layer = layers
    return out
