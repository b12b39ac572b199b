"""Varying intercepts and slopes: the two-dimensional shrinkage chart and the group lines.

:func:`slope_shrinkage` draws each group's own (no-pooling) pair (intercept, slope) as a hollow circle
with an arrow to its partial-pooling pair, the population's covariance ellipses and centre, groups
without an own slope at their partial-pooling pair only (squares), and, for synthetic data, the true
pairs. :func:`group_lines` draws a few groups' own and partial-pooling lines over x. Pure functions
of tidy DataFrames, no Streamlit.
"""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd

from hbm_core.viz.palette import FIT_COLORS, FIT_LABELS, SERIES_COLORS, TRUE_COLOR
from hbm_core.viz.theme import apply_theme, chart_data, chart_title, legend, require, style_for, tooltip

ELLIPSE_COLOR = FIT_COLORS["pooled"]  # the palette's dark grey (the dark theme lightens it)
# One colour per group in the lines chart: Okabe-Ito hues without the yellow (1.2:1 on white).
LINE_COLORS = (*(c for c in SERIES_COLORS if c != "#F0E442"), "#0072B2")
_LINE_SHAPE = "M-1,-0.15H1V0.15H-1Z"  # a short horizontal bar: a line's legend symbol
SHIFT_FIELDS = [
    "group",
    "n",
    "n_x0",
    "n_other",
    "status",
    "own_intercept",
    "own_slope",
    "partial_intercept",
    "partial_slope",
]


def slope_shrinkage(
    shifts: pd.DataFrame,
    ellipses: pd.DataFrame,
    centre: tuple[float, float],
    *,
    x_label: str,
    y_label: str,
    partial_label: str = "Partial pooling",
    missing_label: str = "Partial pooling (no own slope)",
    group_word: str = "group",
    truth: pd.DataFrame | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    width: int | str = "container",
    height: int = 420,
    classroom: bool = False,
) -> alt.LayerChart:
    """Each group's (intercept, slope): its own line's pair, an arrow to partial pooling's pair, and
    the population's contours.

    ``shifts``: one row per group, columns :data:`SHIFT_FIELDS` (as
    :func:`hbm_core.lessons.varying_slopes.pair_shifts` gives them; ``own_*`` NaN where the group
    has no own value). ``ellipses``: columns level, order, intercept, slope (closed contours);
    ``centre``: the population mean (mu_intercept, mu_slope). ``truth``: optional columns group,
    true_intercept, true_slope. Intercepts on the x axis, slopes on the y axis. Raises ValueError for
    a missing column or an empty frame.
    """
    require(shifts, SHIFT_FIELDS, "slope_shrinkage")
    require(ellipses, ["level", "order", "intercept", "slope"], "slope_shrinkage")
    s = style_for(classroom)
    own_label = FIT_LABELS["unpooled"]
    levels = list(dict.fromkeys(ellipses["level"]))
    contour_keys = [f"Population: {lvl}" for lvl in levels]
    centre_label = "Population mean"
    # the legend names the squares only when some group has no own slope
    any_missing = not shifts["status"].eq("intercept and slope").all()
    keys = [own_label, partial_label, *([missing_label] if any_missing else []), centre_label, *contour_keys]
    colours = [FIT_COLORS["unpooled"], FIT_COLORS["hierarchical"]]
    colours += [FIT_COLORS["hierarchical"]] * any_missing + [ELLIPSE_COLOR] * (1 + len(contour_keys))
    shapes = ["circle", "circle", *(["square"] if any_missing else []), "diamond"]
    shapes += [_LINE_SHAPE] * len(contour_keys)
    if truth is not None:
        require(truth, ["group", "true_intercept", "true_slope"], "slope_shrinkage")
        keys.append("True pair")
        colours.append(TRUE_COLOR)
        shapes.append("cross")
    color = alt.Color("key:N", scale=alt.Scale(domain=keys, range=colours), legend=legend(s))
    shape = alt.Shape("key:N", scale=alt.Scale(domain=keys, range=shapes), legend=legend(s))

    df = shifts.copy()
    df["has_own"] = df["status"].eq("intercept and slope")
    if truth is not None:
        df = df.merge(truth[["group", "true_intercept", "true_slope"]], on="group", how="left")
    own = df[df["has_own"]]
    columns = [df["partial_intercept"], own["own_intercept"], ellipses["intercept"]]
    rows = [df["partial_slope"], own["own_slope"], ellipses["slope"]]
    if truth is not None:
        columns.append(df["true_intercept"])
        rows.append(df["true_slope"])
    x_scale = _padded(np.concatenate([np.asarray(c, float) for c in columns]))
    y_scale = _padded(np.concatenate([np.asarray(r, float) for r in rows]))

    def xy(ix: str, sl: str) -> dict:
        return {
            "x": alt.X(f"{ix}:Q", title=x_label, scale=x_scale),
            "y": alt.Y(f"{sl}:Q", title=y_label, scale=y_scale),
        }

    tips = [
        tooltip("group", group_word, None),
        alt.Tooltip("n:Q", title="rows" if group_word == "group" else "houses"),
        alt.Tooltip("n_x0:Q", title="at x = 0" if group_word == "group" else "basement"),
        alt.Tooltip("n_other:Q", title="elsewhere" if group_word == "group" else "first floor"),
        tooltip("own_intercept", f"{own_label}: intercept", ".2f"),
        tooltip("own_slope", f"{own_label}: slope", ".2f"),
        tooltip("partial_intercept", f"{partial_label}: intercept", ".2f"),
        tooltip("partial_slope", f"{partial_label}: slope", ".2f"),
        tooltip("status", "own line gives", None),
    ]
    if truth is not None:
        tips += [
            tooltip("true_intercept", "true intercept", ".2f"),
            tooltip("true_slope", "true slope", ".2f"),
        ]

    def keyed(chart: alt.Chart, label: str) -> alt.Chart:
        return chart.transform_calculate(key=json.dumps(label))

    contours = ellipses.assign(key="Population: " + ellipses["level"].astype(str))
    layers = [
        alt.Chart(chart_data(contours))
        .mark_line(strokeWidth=s.stroke(1.5), opacity=0.8)
        .encode(
            **xy("intercept", "slope"),
            order="order:Q",
            detail="key:N",
            color=color,
            # the inner contour solid, the outer ones dashed
            strokeDash=alt.StrokeDash(
                "key:N",
                scale=alt.Scale(domain=contour_keys, range=[[1, 0], *[[6, 4]] * (len(contour_keys) - 1)]),
                legend=None,
            ),
        ),
        alt.Chart(chart_data(own))
        .mark_rule(color=FIT_COLORS["hierarchical"], strokeWidth=s.stroke(1.2), opacity=0.7)
        .encode(
            **xy("own_intercept", "own_slope"), x2="partial_intercept:Q", y2="partial_slope:Q", tooltip=tips
        ),
        keyed(alt.Chart(chart_data(own)), own_label)
        .mark_point(filled=False, strokeWidth=s.stroke(1.5), size=s.area(50), opacity=0.9)
        .encode(**xy("own_intercept", "own_slope"), color=color, shape=shape, tooltip=tips),
        keyed(alt.Chart(chart_data(df[df["has_own"]])), partial_label)
        .mark_point(filled=True, size=s.area(40), opacity=1)
        .encode(**xy("partial_intercept", "partial_slope"), color=color, shape=shape, tooltip=tips),
    ]
    missing = df[~df["has_own"]]
    if not missing.empty:
        layers.append(
            keyed(alt.Chart(chart_data(missing)), missing_label)
            .mark_point(filled=False, strokeWidth=s.stroke(1.5), size=s.area(55), opacity=1)
            .encode(**xy("partial_intercept", "partial_slope"), color=color, shape=shape, tooltip=tips)
        )
    if truth is not None:
        layers.append(
            keyed(alt.Chart(chart_data(df)), "True pair")
            .mark_point(filled=True, size=s.area(60), opacity=0.9)
            .encode(**xy("true_intercept", "true_slope"), color=color, shape=shape, tooltip=tips)
        )
    centre_frame = pd.DataFrame({"intercept": [centre[0]], "slope": [centre[1]]})
    layers.append(
        keyed(alt.Chart(centre_frame), centre_label)
        .mark_point(filled=True, size=s.area(140), opacity=1)
        .encode(
            **xy("intercept", "slope"),
            color=color,
            shape=shape,
            tooltip=[tooltip("intercept", "mean intercept", ".2f"), tooltip("slope", "mean slope", ".2f")],
        )
    )
    chart = alt.layer(*layers, width=width, height=int(height * s.k), title=chart_title(title, subtitle))
    return apply_theme(chart, classroom)


def _padded(values: np.ndarray) -> alt.Scale:
    """A scale over the finite ``values`` with 5% room each side."""
    values = values[np.isfinite(values)]
    lo, hi = float(values.min()), float(values.max())
    pad = 0.05 * ((hi - lo) or 1.0)
    return alt.Scale(domain=[lo - pad, hi + pad], nice=False, zero=False)


def group_lines(
    lines: pd.DataFrame,
    *,
    x_label: str,
    y_label: str,
    x_ticks: dict[float, str] | None = None,
    partial_label: str = "Partial pooling",
    group_word: str = "group",
    title: str | None = None,
    subtitle: str | None = None,
    width: int | str = "container",
    height: int = 320,
    classroom: bool = False,
) -> alt.LayerChart:
    """A few groups' own lines (dashed) and partial-pooling lines (solid) over x, one colour per group.

    ``lines``: columns group, fit ("own" or "partial"), x, y (two x values per line), as
    :func:`hbm_core.lessons.varying_slopes.line_points` gives them; ``x_ticks`` names x values on the
    axis (radon: 0 "basement", 1 "first floor"). Raises ValueError for a missing column or no rows.
    """
    require(lines, ["group", "fit", "x", "y"], "group_lines")
    s = style_for(classroom)
    own_label = FIT_LABELS["unpooled"]
    df = lines.assign(line=lines["fit"].map({"own": own_label, "partial": partial_label}))
    groups = list(dict.fromkeys(df["group"].astype(str)))
    color = alt.Color(
        "group:N",
        scale=alt.Scale(domain=groups, range=[LINE_COLORS[i % len(LINE_COLORS)] for i in range(len(groups))]),
        legend=alt.Legend(title=group_word.capitalize(), symbolStrokeWidth=s.stroke(2.5)),
    )
    dash = alt.StrokeDash(
        "line:N",
        scale=alt.Scale(domain=[own_label, partial_label], range=[[6, 4], [1, 0]]),
        legend=alt.Legend(title=None, symbolStrokeWidth=s.stroke(2), symbolStrokeColor=ELLIPSE_COLOR),
    )
    values = sorted(float(v) for v in df["x"].unique())
    axis = alt.Axis(values=values, **({"labelExpr": _label_expr(x_ticks)} if x_ticks else {}))
    base = alt.Chart(chart_data(df)).encode(
        x=alt.X("x:Q", title=x_label, axis=axis, scale=alt.Scale(padding=24, nice=False)),
        y=alt.Y("y:Q", title=y_label, scale=alt.Scale(zero=False)),
        color=color,
        detail="line:N",
        tooltip=[
            tooltip("group", group_word, None),
            tooltip("line", "line", None),
            tooltip("x", "x", ".2g"),
            tooltip("y", "value", ".2f"),
        ],
    )
    chart = alt.layer(
        base.mark_line(strokeWidth=s.stroke(2)).encode(strokeDash=dash),
        base.mark_point(filled=True, size=s.area(35), opacity=1),
        width=width,
        height=int(height * s.k),
        title=chart_title(title, subtitle),
    )
    return apply_theme(chart, classroom)


def _label_expr(ticks: dict[float, str]) -> str:
    """A Vega expression naming the axis values in ``ticks`` (others keep their number)."""
    expr = "datum.label"
    for value, name in ticks.items():
        expr = f"datum.value == {value:g} ? {json.dumps(name)} : ({expr})"
    return expr
