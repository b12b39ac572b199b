"""The PSIS-LOO comparison chart: each fit's elpd_loo difference to the best, with ±1 SE bars.

Same look as every chart (:mod:`hbm_core.viz.theme`), fit colours from the palette, a tooltip on
every mark.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from hbm_core.viz.palette import DATA_COLOR, FIT_COLORS, FIT_LABELS, MEAN_COLOR
from hbm_core.viz.theme import apply_theme, chart_data, chart_title, require, style_for, tooltip

X_TITLE = "elpd_loo difference to the best fit (higher is better)"


def elpd_differences(
    table: pd.DataFrame,
    *,
    title: str | None = None,
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """One row per fit: its elpd_loo minus the best fit's (a dot) with ±1 standard error of that
    difference (a bar), and a dashed line at 0, the best fit.

    ``table``: columns ``fit`` (a pooling, or any name: grey), ``elpd_diff`` (≤ 0, nats), ``dse``
    (≥ 0), ``elpd``, ``se`` and ``p_loo`` (for the tooltip), in the order to draw (best first).
    """
    require(table, ["fit", "elpd_diff", "dse", "elpd", "se", "p_loo"], "elpd_differences")
    s = style_for(classroom)
    diff = table["elpd_diff"].to_numpy(float)
    dse = np.nan_to_num(table["dse"].to_numpy(float))
    df = table.assign(
        label=[FIT_LABELS.get(f, str(f)) for f in table["fit"]],
        colour=[s.color(FIT_COLORS.get(f, DATA_COLOR)) for f in table["fit"]],
        low=diff - dse,
        high=diff + dse,
    )
    labels = list(df["label"])
    lowest = float(np.min(df["low"]))
    span = max(-lowest, 1.0)
    scale = alt.Scale(domain=[lowest - 0.1 * span, 0.1 * span], nice=False, zero=False)
    x = alt.X("elpd_diff:Q", title=X_TITLE, scale=scale)
    y = alt.Y("label:N", sort=labels, title=None, axis=alt.Axis(grid=False))
    tips = [
        tooltip("label", "fit", None),
        tooltip("elpd", "elpd_loo", ".1f"),
        tooltip("se", "SE", ".1f"),
        tooltip("elpd_diff", "difference to the best", ".1f"),
        tooltip("dse", "SE of the difference", ".1f"),
        tooltip("p_loo", "p_loo", ".1f"),
    ]
    base = alt.Chart(chart_data(df)).encode(y=y, tooltip=tips)
    colour = alt.Color("colour:N", scale=None)
    step = 34 * s.k
    zero = alt.Chart(chart_data(pd.DataFrame({"elpd_diff": [0.0]}))).mark_rule(
        color=MEAN_COLOR, strokeDash=[4, 3], strokeWidth=s.stroke(1.5)
    )
    layers = [
        zero.encode(x=x, tooltip=[tooltip("elpd_diff", "the best fit", ".1f")]),
        base.mark_rule(strokeWidth=s.stroke(3)).encode(
            x=alt.X("low:Q", title=X_TITLE, scale=scale), x2="high:Q", color=colour
        ),
        base.mark_point(filled=True, size=s.area(140), opacity=1).encode(x=x, color=colour),
    ]
    return apply_theme(
        alt.layer(*layers, width=width, height=int(len(labels) * step), title=chart_title(title)),
        classroom,
    )
