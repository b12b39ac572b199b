"""Charts of the prior predictive check: what the priors alone imply, beside the observed data.

:func:`prior_intervals` (where the priors put μ, a group's θ_j, a simulated group mean and one
observation, with the observed group values), :func:`prior_spread` (the spread between groups that
the priors allow, against the observed spread) and :func:`probability_histogram` (implied
probabilities under two priors, for the logit-scale trap). Tidy frames in (made by
:mod:`hbm_core.prior_predictive`), themed charts out; prior draws in the prior colour of
:mod:`hbm_core.viz.checks`, never a fit's colour, observed values in black.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from hbm_core.viz.checks import PRIOR_COLOR
from hbm_core.viz.palette import MEAN_COLOR, SERIES_COLORS
from hbm_core.viz.theme import (
    chart_data,
    require,
    style_for,
    themed_layers,
    tooltip,
)

PRIOR_90 = "prior: 90% of draws"
PRIOR_50 = "prior: middle 50%"
PRIOR_MEDIAN = "prior: median"
OBSERVED = "observed"
SPREAD_DRAWS = "prior draws"
_VBAR = "M-0.22,-1H0.22V1H-0.22Z"  # SVG path: a thin upright bar, the median's legend symbol
_HBAR = "M-1,-0.3H1V0.3H-1Z"  # a flat bar: the thin 90% interval's legend symbol
WIDE_COLOR = SERIES_COLORS[0]  # orange: the wide prior of the trap, beside the page's own (PRIOR_COLOR)


def _axis_format(fmt: str | None) -> dict:
    return {"format": fmt} if fmt else {}


def prior_intervals(
    intervals: pd.DataFrame,
    observed: pd.DataFrame,
    x_label: str,
    *,
    x_format: str | None = None,
    domain: tuple[float, float] | None = None,
    title: str | None = None,
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """One row per quantity: the prior's 90% interval (thin bar), middle 50% (thick bar) and median
    (tick); the observed values (black diamonds) on the row ``observed`` names.

    ``intervals`` columns: ``quantity``, ``order``, ``q05``, ``q25``, ``q50``, ``q75``, ``q95`` (from
    :func:`hbm_core.prior_predictive.interval_frame`); ``observed`` columns: ``quantity`` (the row),
    ``group``, ``value``. ``x_format``: a d3 format of the x axis and tooltips (e.g. ``".0%"``);
    ``domain``: the x axis's ends (e.g. (0, 1) for probabilities; default: the data's).
    """
    require(intervals, ["quantity", "order", "q05", "q25", "q50", "q75", "q95"], "prior_intervals")
    require(observed, ["quantity", "group", "value"], "prior_intervals")
    s = style_for(classroom)
    fmt = x_format or ".3~r"
    keys = [PRIOR_90, PRIOR_50, PRIOR_MEDIAN, OBSERVED]
    colour = alt.Color(
        "key:N",
        scale=alt.Scale(domain=keys, range=[PRIOR_COLOR, PRIOR_COLOR, MEAN_COLOR, MEAN_COLOR]),
        legend=alt.Legend(title=None, symbolStrokeWidth=s.stroke(2.5)),
    )
    shape = alt.Shape(
        "key:N",
        scale=alt.Scale(domain=keys, range=[_HBAR, "square", _VBAR, "diamond"]),
        legend=alt.Legend(title=None),
    )
    order = intervals.set_index("quantity")["order"]
    obs = observed.assign(order=observed["quantity"].map(order).fillna(len(order)), key=OBSERVED)
    y = alt.Y(
        "quantity:N",
        sort=alt.EncodingSortField("order", op="min"),
        axis=alt.Axis(title=None, labelLimit=int(240 * s.k), grid=False),
    )
    x_title = alt.Axis(title=x_label, **_axis_format(x_format))
    x_scale = alt.Scale(domain=list(domain)) if domain else alt.Scale(zero=False, padding=12)
    tips = [
        tooltip("quantity", "quantity", None),
        alt.Tooltip("q05:Q", title="5%", format=fmt),
        alt.Tooltip("q25:Q", title="25%", format=fmt),
        alt.Tooltip("q50:Q", title="median", format=fmt),
        alt.Tooltip("q75:Q", title="75%", format=fmt),
        alt.Tooltip("q95:Q", title="95%", format=fmt),
    ]
    base = alt.Chart(chart_data(intervals)).encode(y=y, tooltip=tips)
    layers = [
        base.mark_bar(size=s.stroke(3), opacity=0.55)
        .encode(x=alt.X("q05:Q", axis=x_title, scale=x_scale), x2="q95:Q")
        .transform_calculate(key=f"'{PRIOR_90}'")
        .encode(color=colour),
        base.mark_bar(size=s.stroke(12), opacity=0.85)
        .encode(x="q25:Q", x2="q75:Q")
        .transform_calculate(key=f"'{PRIOR_50}'")
        .encode(color=colour),
        base.mark_tick(thickness=s.stroke(2), size=s.stroke(20))
        .encode(x="q50:Q")
        .transform_calculate(key=f"'{PRIOR_MEDIAN}'")
        .encode(color=colour),
        alt.Chart(chart_data(obs))
        .mark_point(filled=True, size=s.area(70), opacity=0.9)
        .encode(
            x="value:Q",
            y=y,
            color=colour,
            shape=shape,
            tooltip=[
                tooltip("group", "group", None),
                alt.Tooltip("value:Q", title=str(observed["quantity"].iloc[0]), format=fmt),
            ],
        ),
    ]
    height = int(max(44 * len(intervals), 120) * s.k)
    return themed_layers(layers, width, height, title, classroom)


def prior_spread(
    histogram: pd.DataFrame,
    observed_spread: float,
    x_label: str,
    *,
    x_format: str | None = None,
    title: str | None = None,
    width: int | str = "container",
    height: int = 220,
    classroom: bool = False,
) -> alt.LayerChart:
    """The spread between groups the priors imply: a histogram of the prior draws' sd of the group
    means (share of draws per bin), and the observed sd as a dashed black rule.

    ``histogram`` columns: ``start``, ``end``, ``share`` (from
    :func:`hbm_core.prior_predictive.histogram_frame`; the last bin holds the tail beyond it).
    """
    require(histogram, ["start", "end", "share"], "prior_spread")
    s = style_for(classroom)
    fmt = x_format or ".3~r"
    keys = [SPREAD_DRAWS, OBSERVED]
    colour = alt.Color(
        "key:N",
        scale=alt.Scale(domain=keys, range=[PRIOR_COLOR, MEAN_COLOR]),
        legend=alt.Legend(title=None, symbolStrokeWidth=s.stroke(2.5)),
    )
    x = alt.X("start:Q", title=x_label, axis=alt.Axis(**_axis_format(x_format)), scale=alt.Scale(zero=True))
    bars = (
        alt.Chart(chart_data(histogram.assign(key=SPREAD_DRAWS)))
        .mark_bar(opacity=0.75, binSpacing=0)
        .encode(
            x=x,
            x2="end:Q",
            y=alt.Y("share:Q", title="share of prior draws", axis=alt.Axis(format=".1~%")),
            y2=alt.datum(0),
            color=colour,
            tooltip=[
                alt.Tooltip("start:Q", title="spread from", format=fmt),
                alt.Tooltip("end:Q", title="to", format=fmt),
                alt.Tooltip("share:Q", title="share of draws", format=".1%"),
            ],
        )
    )
    rule = (
        alt.Chart(chart_data(pd.DataFrame({"start": [float(observed_spread)], "key": [OBSERVED]})))
        .mark_rule(strokeDash=[5, 3], strokeWidth=s.stroke(2.5))
        .encode(
            x="start:Q", color=colour, tooltip=[alt.Tooltip("start:Q", title="observed spread", format=fmt)]
        )
    )
    return themed_layers([bars, rule], width, int(height * s.k), title, classroom)


def probability_histogram(
    histogram: pd.DataFrame,
    x_label: str = "implied probability of success",
    *,
    title: str | None = None,
    width: int | str = "container",
    height: int = 220,
    classroom: bool = False,
) -> alt.LayerChart:
    """Implied probabilities under several priors (one outlined histogram each, on 0 to 1), with the
    regions below 5% and above 95% shaded.

    ``histogram`` columns: ``series`` (the prior's label), ``start``, ``end``, ``share``.
    """
    require(histogram, ["series", "start", "end", "share"], "probability_histogram")
    s = style_for(classroom)
    series = [str(v) for v in pd.unique(histogram["series"].astype(str))]
    colour = alt.Color(
        "series:N",
        sort=series,
        scale=alt.Scale(domain=series, range=[PRIOR_COLOR, WIDE_COLOR, *SERIES_COLORS[1:]][: len(series)]),
        legend=alt.Legend(title=None, symbolStrokeWidth=s.stroke(2.5), columns=1),
    )
    edges = pd.DataFrame({"start": [0.0, 0.95], "end": [0.05, 1.0], "region": ["below 5%", "above 95%"]})
    shade = (
        alt.Chart(chart_data(edges))
        .mark_rect(color="#eeeeee")
        .encode(x="start:Q", x2="end:Q", tooltip=[tooltip("region", "region", None)])
    )
    x = alt.X("start:Q", title=x_label, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1]))
    bars = (
        alt.Chart(chart_data(histogram.assign(series=histogram["series"].astype(str))))
        .mark_bar(opacity=0.45, binSpacing=0, strokeWidth=s.stroke(1.5))
        .encode(
            x=x,
            x2="end:Q",
            y=alt.Y("share:Q", title="share of draws", axis=alt.Axis(format=".1~%"), stack=None),
            y2=alt.datum(0),
            color=colour,
            stroke=colour,
            tooltip=[
                tooltip("series", "prior", None),
                alt.Tooltip("start:Q", title="from", format=".0%"),
                alt.Tooltip("end:Q", title="to", format=".0%"),
                alt.Tooltip("share:Q", title="share of draws", format=".1%"),
            ],
        )
    )
    return themed_layers([shade, bars], width, int(height * s.k), title, classroom)
