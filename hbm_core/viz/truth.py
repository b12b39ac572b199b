"""Charts of why groups shrink and of scoring the poolings against the truth (Explore, issue #16).

- :func:`pooling_curve_chart`: the posterior-mean pooling factor against a group's standard error,
  with the current groups marked on the curve;
- :func:`truth_errors_chart`: each method's error (estimate − true mean) per group on one data set;
- :func:`many_totals_chart`: K simulated data sets, partial pooling's total squared error against no
  pooling's (below the diagonal: partial pooling was closer to the truth);
- :func:`group_risk_chart`: each method's mean squared error per group over the K data sets.

Pure functions of tidy DataFrames (see :mod:`hbm_core.lessons.truth_scores` and
:mod:`hbm_core.exact.pooling_curve`); same look as every chart (:mod:`hbm_core.viz.theme`), a
tooltip on every mark. No Streamlit here.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from hbm_core.viz.palette import DATA_COLOR, FIT_COLORS, FIT_LABELS, FITS, MEAN_COLOR
from hbm_core.viz.theme import (
    MAX_LABELLED_GROUPS,
    TRUE_LABEL,
    chart_data,
    group_order,
    group_y,
    key_encoding,
    legend,
    require,
    style_for,
    themed_layers,
    tooltip,
)

CURVE_LABEL = "E(pooling factor | y) at each standard error"
GROUPS_LABEL = "The groups"
PP_BETTER = "Partial pooling closer to the truth"
NP_BETTER = "No pooling closer to the truth"


def _labels(groups: list[str], n: pd.Series | None) -> dict[str, str]:
    if n is None:
        return {g: g for g in groups}
    return {g: f"{g}  (n={int(k)})" for g, k in zip(groups, n, strict=True)}


def _point_labels(points: pd.DataFrame, curve: pd.DataFrame) -> pd.DataFrame:
    """One label per spot on the curve: groups whose points nearly coincide (within 1 % of the axes'
    ranges) share one label, "A, B, C", at their first member's point."""
    dx = 0.01 * float(max(curve["se"].max(), points["se"].max()))
    rows: list[dict] = []
    for _, p in points.iterrows():
        for row in rows:
            if abs(row["se"] - p["se"]) < dx and abs(row["pooling"] - p["pooling"]) < 0.01:
                row["text"] += f", {p['group']}"
                break
        else:
            rows.append({"se": float(p["se"]), "pooling": float(p["pooling"]), "text": str(p["group"])})
    return pd.DataFrame(rows)


def pooling_curve_chart(
    curve: pd.DataFrame,
    points: pd.DataFrame,
    *,
    x_label: str = "standard error of a group's mean (units)",
    title: str | None = None,
    width: int | str = "container",
    height: int = 320,
    classroom: bool = False,
) -> alt.LayerChart:
    """The pooling factor against the standard error, with the groups on the curve.

    ``curve`` columns: ``se``, ``pooling`` (from :func:`hbm_core.exact.pooling_curve.pooling_curve`);
    ``points`` columns: ``group``, ``se``, ``pooling`` and optionally ``n`` (one row per group).
    """
    require(curve, ["se", "pooling"], "pooling_curve_chart")
    require(points, ["group", "se", "pooling"], "pooling_curve_chart")
    s = style_for(classroom)
    keys = [CURVE_LABEL, GROUPS_LABEL]
    colour = alt.Color(
        "key:N",
        scale=alt.Scale(domain=keys, range=[s.color(FIT_COLORS["hierarchical"]), MEAN_COLOR]),
        legend=legend(s),
    )
    x = alt.X("se:Q", title=x_label, scale=alt.Scale(zero=True))
    y = alt.Y(
        "pooling:Q",
        title="pooling factor (0 = none, 1 = complete)",
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(values=[0, 0.25, 0.5, 0.75, 1], format=".2~f"),
    )
    line_df = curve[["se", "pooling"]].assign(key=CURVE_LABEL)
    pts = points.assign(group=points["group"].astype(str), key=GROUPS_LABEL)
    point_tips = [tooltip("group", "group", None)]
    if "n" in pts.columns:
        point_tips.append(tooltip("n", "n", "d"))
    point_tips += [tooltip("se", "standard error"), tooltip("pooling", "pooling factor", ".2f")]
    line = alt.Chart(chart_data(line_df)).encode(
        x=x,
        y=y,
        color=colour,
        tooltip=[tooltip("se", "standard error"), tooltip("pooling", "pooling factor", ".2f")],
    )
    dots = alt.Chart(chart_data(pts)).encode(x=x, y=y, tooltip=point_tips)
    layers = [
        line.mark_line(strokeWidth=s.stroke(2.5)),
        line.mark_point(opacity=0, size=s.area(40)),
        dots.mark_point(filled=True, size=s.area(90), opacity=1).encode(color=colour),
    ]
    if len(pts) <= MAX_LABELLED_GROUPS:
        layers.append(
            alt.Chart(chart_data(_point_labels(pts, curve)))
            .mark_text(align="right", dx=-8 * s.k, dy=-8 * s.k, fontWeight="bold")
            .encode(x=x, y=y, text="text:N", tooltip=[tooltip("text", "groups", None)])
        )
    return themed_layers(layers, width, int(height * s.k), title, classroom)


def truth_errors_chart(
    errors: pd.DataFrame,
    *,
    x_label: str = "estimate − true mean (units)",
    group_label: str = "group",
    title: str | None = None,
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """Each method's error per group: a point per group and method, the truth at 0 (dashed line).

    ``errors`` columns: ``group``, ``fit`` (one of FITS), ``error``, ``estimate``, ``true_mean``,
    ``squared_error`` and optionally ``n`` (from :func:`hbm_core.lessons.truth_scores.truth_errors`).
    """
    require(errors, ["group", "fit", "error", "estimate", "true_mean", "squared_error"], "truth_errors_chart")
    s = style_for(classroom)
    df = errors[errors["fit"].isin(FITS)].assign(group=errors["group"].astype(str))
    groups = group_order(df)
    n = df.groupby("group", sort=False)["n"].first().reindex(groups) if "n" in df.columns else None
    label_of = _labels(groups, n)
    order = {g: i for i, g in enumerate(groups)}
    df = df.assign(
        label=df["group"].map(label_of), order=df["group"].map(order), key=df["fit"].map(FIT_LABELS)
    )
    fits = [FIT_LABELS[f] for f in FITS if f in set(df["fit"])]
    y = group_y(list(label_of.values()), group_label)
    offset = alt.YOffset("key:N", sort=fits, scale=alt.Scale(domain=fits, paddingOuter=0.3))
    x = alt.X("error:Q", title=x_label)
    tips = [
        tooltip("group", group_label, None),
        tooltip("key", "method", None),
        tooltip("estimate", "estimate"),
        tooltip("true_mean", "true mean"),
        tooltip("error", "error"),
        tooltip("squared_error", "squared error"),
    ]
    zero = pd.DataFrame({"error": [0.0], "key": [TRUE_LABEL]})
    enc = key_encoding([*fits, TRUE_LABEL], s, shapes={FIT_LABELS["pooled"]: "square"})
    base = alt.Chart(chart_data(df)).encode(y=y, yOffset=offset, x=x, tooltip=tips)
    layers = [
        alt.Chart(chart_data(zero))
        .mark_rule(strokeDash=[5, 3], strokeWidth=s.stroke(2))
        .encode(x=x, color=enc["color"], tooltip=[tooltip("error", "true mean − true mean")]),
        base.mark_rule(color=DATA_COLOR, strokeWidth=s.stroke(1)).encode(x2=alt.datum(0)),
        base.mark_point(filled=True, opacity=1, size=s.area(70)).encode(**enc),
    ]
    J = len(groups)
    height = s.height(J, per_group=12 * len(fits), dense=5 * len(fits))
    return themed_layers(layers, width, height, title, classroom)


def many_totals_chart(
    totals: pd.DataFrame,
    *,
    units: str = "units²",
    title: str | None = None,
    width: int | str = "container",
    height: int = 340,
    classroom: bool = False,
) -> alt.LayerChart:
    """One point per simulated data set: no pooling's total squared error (x) against partial
    pooling's (y), with the diagonal y = x; points below it are data sets where partial pooling won.

    ``totals`` columns: ``dataset``, ``unpooled``, ``hierarchical``, ``pooled`` (total squared errors,
    ``units``) from :class:`hbm_core.lessons.truth_scores.ManyDataSets`.
    """
    require(totals, ["dataset", "unpooled", "hierarchical", "pooled"], "many_totals_chart")
    s = style_for(classroom)
    df = totals.assign(
        key=np.where(totals["hierarchical"] < totals["unpooled"], PP_BETTER, NP_BETTER),
        gain=totals["unpooled"] - totals["hierarchical"],
    )
    top = float(max(df["unpooled"].max(), df["hierarchical"].max())) * 1.05 or 1.0
    scale = alt.Scale(domain=[0, top], nice=False)
    x = alt.X("unpooled:Q", title=f"{FIT_LABELS['unpooled']}: total squared error ({units})", scale=scale)
    y = alt.Y(
        "hierarchical:Q", title=f"{FIT_LABELS['hierarchical']}: total squared error ({units})", scale=scale
    )
    keys = [PP_BETTER, NP_BETTER]
    colour = alt.Color(
        "key:N",
        scale=alt.Scale(domain=keys, range=[s.color(FIT_COLORS["hierarchical"]), FIT_COLORS["unpooled"]]),
        legend=legend(s),
    )
    shape = alt.Shape(
        "key:N", scale=alt.Scale(domain=keys, range=["triangle-down", "circle"]), legend=legend(s)
    )
    tips = [
        tooltip("dataset", "data set", "d"),
        tooltip("unpooled", f"{FIT_LABELS['unpooled']} total"),
        tooltip("hierarchical", f"{FIT_LABELS['hierarchical']} total"),
        tooltip("pooled", f"{FIT_LABELS['pooled']} total"),
        tooltip("gain", "no pooling − partial pooling"),
    ]
    diagonal = pd.DataFrame({"unpooled": [0.0, top], "hierarchical": [0.0, top]})
    layers = [
        alt.Chart(chart_data(diagonal))
        .mark_line(color=MEAN_COLOR, strokeDash=[5, 3], strokeWidth=s.stroke(1.5))
        .encode(x=x, y=y),
        alt.Chart(chart_data(df))
        .mark_point(filled=True, opacity=0.65, size=s.area(45))
        .encode(x=x, y=y, color=colour, shape=shape, tooltip=tips),
    ]
    return themed_layers(layers, width, int(height * s.k), title, classroom)


def group_risk_chart(
    per_group: pd.DataFrame,
    *,
    units: str = "units²",
    group_label: str = "group",
    title: str | None = None,
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """Each method's mean squared error per group over the simulated data sets (log scale).

    ``per_group`` columns: ``group``, ``n``, ``true_mean``, ``mse_pooled``, ``mse_unpooled``,
    ``mse_hierarchical``, ``share_worse`` (from :class:`hbm_core.lessons.truth_scores.ManyDataSets`).
    """
    cols = ["group", "n", "true_mean", "share_worse", *(f"mse_{f}" for f in FITS)]
    require(per_group, cols, "group_risk_chart")
    s = style_for(classroom)
    pg = per_group.assign(group=per_group["group"].astype(str))
    groups = list(pg["group"])
    label_of = _labels(groups, pg["n"])
    long = pg.melt(
        id_vars=["group", "n", "true_mean", "share_worse"],
        value_vars=[f"mse_{f}" for f in FITS],
        var_name="fit",
        value_name="mse",
    )
    long["fit"] = long["fit"].str.removeprefix("mse_")
    long = long.assign(
        key=long["fit"].map(FIT_LABELS),
        label=long["group"].map(label_of),
        order=long["group"].map({g: i for i, g in enumerate(groups)}),
        mse=np.maximum(long["mse"].to_numpy(float), 1e-12),
    )
    fits = [FIT_LABELS[f] for f in FITS]
    y = group_y(list(label_of.values()), group_label)
    offset = alt.YOffset("key:N", sort=fits, scale=alt.Scale(domain=fits, paddingOuter=0.3))
    x = alt.X(
        "mse:Q",
        title=f"mean squared error over the data sets ({units}, log scale)",
        scale=alt.Scale(type="log"),
    )
    enc = key_encoding(fits, s, shapes={FIT_LABELS["pooled"]: "square"})
    tips = [
        tooltip("group", group_label, None),
        tooltip("n", "n", "d"),
        tooltip("true_mean", "true mean"),
        tooltip("key", "method", None),
        tooltip("mse", "mean squared error"),
        tooltip("share_worse", "partial pooling further than no pooling", ".0%"),
    ]
    layers = [
        alt.Chart(chart_data(long))
        .mark_point(filled=True, opacity=1, size=s.area(70))
        .encode(y=y, yOffset=offset, x=x, tooltip=tips, **enc)
    ]
    J = len(groups)
    height = s.height(J, per_group=12 * len(fits), dense=5 * len(fits))
    return themed_layers(layers, width, height, title, classroom)


__all__ = ["group_risk_chart", "many_totals_chart", "pooling_curve_chart", "truth_errors_chart"]
