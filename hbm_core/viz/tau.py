"""τ curves: how the hierarchical model's group estimates change with the between-group sd τ.

:func:`tau_curves` draws each group's conditional posterior mean, sd or pooling factor as a
function of τ (BDA3 Figs 5.6 and 5.7), every line named at its right end.
"""

from __future__ import annotations

from typing import Literal

import altair as alt
import numpy as np
import pandas as pd

from hbm_core.viz.palette import FIT_COLORS, MEAN_COLOR
from hbm_core.viz.theme import (
    MAX_LABELLED_GROUPS,
    apply_theme,
    chart_data,
    chart_title,
    group_order,
    require,
    style_for,
    tooltip,
    x_quantity,
)

_TAU_VALUES = {"mean": "posterior mean of θ_j", "sd": "posterior sd of θ_j", "pooling": "pooling factor"}


def tau_curves(
    curves: pd.DataFrame,
    value: Literal["mean", "sd", "pooling"] = "mean",
    tau_now: float | None = None,
    y_label: str | None = None,
    *,
    x_label: str = "τ (between-group sd)",
    title: str | None = None,
    width: int | str = "container",
    height: int = 380,
    classroom: bool = False,
) -> alt.LayerChart:
    """Conditional posterior summaries as functions of tau (BDA3 Figs 5.6/5.7).

    ``curves`` columns: ``tau``, ``group`` and the column named by ``value`` (``mean``,
    ``sd`` or ``pooling``). One line per group, named at its right end; ``tau_now``
    draws a vertical rule. ``y_label`` defaults to a description of ``value``.
    """
    if value not in _TAU_VALUES:
        raise ValueError(f"tau_curves(value=...) must be one of {list(_TAU_VALUES)}, not {value!r}")
    require(curves, ["tau", "group", value], "tau_curves")
    s = style_for(classroom)
    y_label = y_label or _TAU_VALUES[value]
    df = curves.assign(group=curves["group"].astype(str)).sort_values("tau", kind="stable")
    groups = group_order(curves)
    height = int(height * s.k)
    scale = alt.Scale(domain=[0, 1]) if value == "pooling" else alt.Scale(zero=False)
    yy = alt.Y(f"{value}:Q", title=y_label, scale=scale)
    x = x_quantity("tau", x_label, zero=True)
    tips = [tooltip("group", "group", None), tooltip("tau", "τ"), tooltip(value, y_label)]
    colour = s.color(FIT_COLORS["hierarchical"])
    few = len(groups) <= MAX_LABELLED_GROUPS
    base = alt.Chart(chart_data(df[["tau", "group", value]])).encode(x=x, y=yy, tooltip=tips)
    layers = [
        base.mark_line(
            color=colour, strokeWidth=s.stroke(2 if few else 1), opacity=0.85 if few else 0.5
        ).encode(detail="group:N"),
        base.mark_point(opacity=0, size=s.area(50)),  # invisible hover targets
    ]
    ends = df.groupby("group", sort=False).last().reindex(groups).reset_index()
    if few:
        lo, hi = (0.0, 1.0) if value == "pooling" else (df[value].min(), df[value].max())
        gap = (hi - lo or 1.0) * 1.1 * s.font / height
        ends["ylab"] = _spread(ends[value].to_numpy(), gap)
        layers.append(
            alt.Chart(chart_data(ends))
            .mark_text(align="left", dx=6 * s.k)
            .encode(
                x=x,
                y=alt.Y("ylab:Q", title=y_label, scale=scale),
                text="group:N",
                tooltip=[tooltip("group", "group", None), tooltip(value, y_label)],
            )
        )
    if tau_now is not None:
        m = pd.DataFrame({"tau": [float(tau_now)], "text": [f"τ = {tau_now:.3g}"]})
        mb = alt.Chart(chart_data(m)).encode(x=x)
        layers += [
            mb.mark_rule(color=MEAN_COLOR, strokeDash=[4, 3], strokeWidth=s.stroke(2)),
            mb.mark_text(align="left", dx=5 * s.k, y=0, baseline="top", fontWeight="bold").encode(
                text="text:N"
            ),
        ]
    return apply_theme(alt.layer(*layers, width=width, height=height, title=chart_title(title)), classroom)


def _spread(values: np.ndarray, gap: float) -> np.ndarray:
    """Nudge label positions apart so neighbours are at least ``gap`` apart."""
    order = np.argsort(values, kind="stable")
    target = np.asarray(values, dtype=float)[order]
    out = target.copy()
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] + gap)
    out -= (out - target).mean()  # keep the block centred on the curves
    res = np.empty_like(out)
    res[order] = out
    return res
