"""Radon's group-level predictor: county intercepts against county log uranium (Gelman & Hill fig. 12.6).

:func:`uranium_shrinkage` draws each county's no-pooling intercept (hollow circle) with an arrow to
its partial-pooling intercept, at the county's log uranium, over the fitted line gamma0 + gamma1 u
and its band: under the model with uranium the arrows head for the line, under the model without
it (a flat "line" at mu_alpha) for one mean. Pure function of tidy DataFrames, no Streamlit.
"""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd

from hbm_core.viz.palette import FIT_COLORS, FIT_LABELS
from hbm_core.viz.theme import apply_theme, chart_data, chart_title, legend, require, style_for, tooltip

# The fitted line and its band: the palette's dark grey, apart from both fits' colours (a palette colour,
# so the dark theme swaps in its light variant, see palette.on_dark).
LINE_COLOR = FIT_COLORS["pooled"]
_LINE_SHAPE = "M-1,-0.15H1V0.15H-1Z"  # a short horizontal bar: the line's legend symbol


def uranium_shrinkage(
    counties: pd.DataFrame,
    line: pd.DataFrame,
    *,
    x_label: str,
    y_label: str,
    partial_label: str,
    line_label: str,
    title: str | None = None,
    subtitle: str | None = None,
    width: int | str = "container",
    height: int = 380,
    classroom: bool = False,
) -> alt.LayerChart:
    """County intercepts against the county-level predictor: no pooling, partial pooling, the line.

    ``counties``: one row per county, columns ``county``, ``n`` (houses), ``u`` (the predictor, the
    x axis), ``no_pooling`` and ``partial`` (posterior means of the intercept, the y axis),
    ``target`` (where partial pooling pulls the county: the line at its u) and ``moved``
    (partial - no_pooling), as :func:`hbm_core.lessons.radon_uranium.county_shifts` gives them.
    ``line``: columns ``u``, ``mean``, ``low``, ``high`` (the fitted line and its interval band,
    sorted by u). ``partial_label`` and ``line_label`` name the arrowheads and the line in the
    legend (e.g. "Partial pooling + uranium", "Fitted line γ0 + γ1·u"). Raises ValueError for a
    missing column or an empty frame.
    """
    require(counties, ["county", "n", "u", "no_pooling", "partial", "target", "moved"], "uranium_shrinkage")
    require(line, ["u", "mean", "low", "high"], "uranium_shrinkage")
    s = style_for(classroom)
    df = counties.assign(angle=np.where(counties["moved"] >= 0, 0, 180))
    own_label = FIT_LABELS["unpooled"]
    keys = [own_label, partial_label, line_label]
    colours = [FIT_COLORS["unpooled"], FIT_COLORS["hierarchical"], LINE_COLOR]
    shapes = ["circle", "triangle-up", _LINE_SHAPE]
    color = alt.Color("key:N", scale=alt.Scale(domain=keys, range=colours), legend=legend(s))
    shape = alt.Shape("key:N", scale=alt.Scale(domain=keys, range=shapes), legend=legend(s))

    values = np.concatenate([df["no_pooling"], df["partial"], line["low"], line["high"]])
    pad = 0.05 * float(np.ptp(values) or 1.0)
    y_scale = alt.Scale(domain=[float(values.min() - pad), float(values.max() + pad)], nice=False)
    u_values = np.concatenate([df["u"], line["u"]])
    x_scale = alt.Scale(domain=[float(u_values.min()), float(u_values.max())], nice=False, padding=10)
    x = alt.X("u:Q", title=x_label, scale=x_scale)

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title=y_label, scale=y_scale)

    tips = [
        tooltip("county", "county", None),
        alt.Tooltip("n:Q", title="houses"),
        tooltip("u", "log uranium", ".2f"),
        tooltip("no_pooling", own_label, ".2f"),
        tooltip("partial", partial_label, ".2f"),
        tooltip("target", "pulled toward (line at its u)", ".2f"),
        tooltip("moved", "moved by", "+.2f"),
    ]
    line_tips = [
        tooltip("u", "log uranium", ".2f"),
        tooltip("mean", line_label, ".2f"),
        tooltip("low", "94% interval from", ".2f"),
        tooltip("high", "94% interval to", ".2f"),
    ]
    lines = alt.Chart(chart_data(line)).encode(x=x, tooltip=line_tips)
    base = alt.Chart(chart_data(df)).encode(x=x, tooltip=tips)

    def keyed(chart: alt.Chart, label: str) -> alt.Chart:
        return chart.transform_calculate(key=json.dumps(label))

    layers = [
        lines.mark_area(color=LINE_COLOR, opacity=0.15).encode(y=y("low"), y2="high:Q"),
        keyed(lines, line_label)
        .mark_line(strokeWidth=s.stroke(2.5))
        .encode(y=y("mean"), color=color, shape=shape),
        base.mark_rule(color=FIT_COLORS["hierarchical"], strokeWidth=s.stroke(1.5), opacity=0.8).encode(
            y=y("no_pooling"), y2="partial:Q"
        ),
        keyed(base, own_label)
        .mark_point(filled=False, strokeWidth=s.stroke(1.5), size=s.area(55), opacity=0.9)
        .encode(y=y("no_pooling"), color=color, shape=shape),
        keyed(base, partial_label)
        .mark_point(filled=True, size=s.area(45), opacity=1)
        .encode(y=y("partial"), color=color, shape=shape, angle=alt.Angle("angle:Q", scale=None)),
    ]
    chart = alt.layer(*layers, width=width, height=int(height * s.k), title=chart_title(title, subtitle))
    return apply_theme(chart, classroom)
