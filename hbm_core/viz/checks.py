"""Charts of the model checks: prior against posterior of tau, posterior predictive checks, prediction error.

:func:`tau_prior_posterior` and :func:`tau_posteriors` (what the data say about tau, and how much
the prior matters), :func:`predictive_intervals` and :func:`statistic_histogram` (posterior
predictive checks), :func:`error_bars` (each method's prediction error against published values).
Same look as every chart (:mod:`hbm_core.viz.theme`), a tooltip on every mark.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from hbm_core.viz.palette import DATA_COLOR, FIT_COLORS, FIT_LABELS, FITS, MEAN_COLOR, SERIES_COLORS
from hbm_core.viz.theme import (
    Style,
    apply_theme,
    chart_data,
    chart_title,
    group_y,
    require,
    style_for,
    themed_layers,
    tooltip,
    x_quantity,
)

POSTERIOR_LABEL = "posterior p(τ | y)"
PRIOR_LABEL = "prior p(τ)"
OBSERVED_LABEL = "Observed"
PRIOR_COLOR = SERIES_COLORS[2]  # reddish purple: not a fit colour


def _marker(x: float, label: str | None, field: str, x_enc: alt.X, s: Style) -> list[alt.Chart]:
    """A dashed black vertical rule at ``x``, labelled in bold at the top unless ``label`` is None;
    ``x_enc`` encodes ``field``."""
    m = pd.DataFrame({field: [float(x)], "text": [label or ""]})
    base = alt.Chart(chart_data(m)).encode(x=x_enc, tooltip=[tooltip(field, "value")])
    layers = [base.mark_rule(color=MEAN_COLOR, strokeDash=[4, 3], strokeWidth=s.stroke(2.5))]
    if label:
        layers.append(
            base.mark_text(align="left", dx=5 * s.k, y=0, baseline="top", fontWeight="bold").encode(
                text="text:N"
            )
        )
    return layers


def tau_prior_posterior(
    posterior: pd.DataFrame,
    prior: pd.DataFrame | None = None,
    tau_now: float | None = None,
    *,
    x_label: str = "τ (between-group sd)",
    title: str | None = None,
    width: int | str = "container",
    height: int = 300,
    classroom: bool = False,
) -> alt.LayerChart:
    """``p(tau | y)`` (filled, partial-pooling colour) with the prior density (dashed) and a marker.

    ``posterior`` and ``prior`` columns: ``tau``, ``density`` (both normalised per unit of tau;
    ``prior=None`` for an improper prior, which is not drawn). ``tau_now`` draws a rule labelled
    "τ = ...".
    """
    require(posterior, ["tau", "density"], "tau_prior_posterior")
    s = style_for(classroom)
    frames = [posterior[["tau", "density"]].assign(key=POSTERIOR_LABEL)]
    if prior is not None:
        require(prior, ["tau", "density"], "tau_prior_posterior")
        frames.append(prior[["tau", "density"]].assign(key=PRIOR_LABEL))
    frame = pd.concat(frames, ignore_index=True)
    keys = [POSTERIOR_LABEL] + ([PRIOR_LABEL] if prior is not None else [])
    colour = alt.Color(
        "key:N",
        scale=alt.Scale(domain=keys, range=[FIT_COLORS["hierarchical"], PRIOR_COLOR][: len(keys)]),
        legend=alt.Legend(title=None, symbolStrokeWidth=s.stroke(3)),
    )
    dash = alt.StrokeDash(
        "key:N", scale=alt.Scale(domain=keys, range=[[1, 0], [7, 4]][: len(keys)]), legend=None
    )
    x = x_quantity("tau", x_label, zero=True)
    y = alt.Y("density:Q", title="density (per unit of τ)")
    tips = [tooltip("key", "curve", None), tooltip("tau", "τ"), tooltip("density", "density")]
    base = alt.Chart(chart_data(frame)).encode(x=x, y=y, color=colour, tooltip=tips)
    layers = [
        base.transform_filter(alt.datum.key == POSTERIOR_LABEL).mark_area(opacity=0.18),
        base.mark_line(strokeWidth=s.stroke(2.5)).encode(strokeDash=dash),
        base.mark_point(opacity=0, size=s.area(50)),
    ]
    if tau_now is not None:
        layers += _marker(tau_now, f"τ = {tau_now:.3g}", "tau", x, s)
    return themed_layers(layers, width, int(height * s.k), title, classroom)


def tau_posteriors(
    curves: pd.DataFrame,
    *,
    x_label: str = "τ (between-group sd)",
    title: str | None = None,
    width: int | str = "container",
    height: int = 300,
    classroom: bool = False,
) -> alt.LayerChart:
    """Several posteriors ``p(tau | y)``, one line per prior (series colours, never fit colours).

    ``curves`` columns: ``tau``, ``density``, ``prior`` (label).
    """
    require(curves, ["tau", "density", "prior"], "tau_posteriors")
    s = style_for(classroom)
    labels = [str(p) for p in pd.unique(curves["prior"].astype(str))]
    colour = alt.Color(
        "prior:N",
        sort=labels,
        scale=alt.Scale(
            domain=labels, range=[SERIES_COLORS[i % len(SERIES_COLORS)] for i in range(len(labels))]
        ),
        legend=alt.Legend(title=None, symbolStrokeWidth=s.stroke(3), columns=2),
    )
    base = alt.Chart(chart_data(curves.assign(prior=curves["prior"].astype(str)))).encode(
        x=x_quantity("tau", x_label, zero=True),
        y=alt.Y("density:Q", title="posterior density p(τ | y)"),
        color=colour,
        tooltip=[tooltip("prior", "prior", None), tooltip("tau", "τ"), tooltip("density", "density")],
    )
    layers = [base.mark_line(strokeWidth=s.stroke(2.5)), base.mark_point(opacity=0, size=s.area(40))]
    return themed_layers(layers, width, int(height * s.k), title, classroom)


def predictive_intervals(
    frame: pd.DataFrame,
    x_label: str,
    *,
    group_label: str = "group",
    title: str | None = None,
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """Per group, each fit's predictive interval (a bar) and the observed value (a black diamond).

    ``frame`` columns: ``group``, ``fit`` (one of FITS), ``low``, ``high``, ``mean`` (a short tick),
    ``observed`` (one value per group); ``inside`` (bool), when present, adds "k of 3 fits cover it"
    to the diamond's tooltip.
    """
    require(frame, ["group", "fit", "low", "high", "mean", "observed"], "predictive_intervals")
    s = style_for(classroom)
    df = frame[frame["fit"].isin(FITS)].assign(group=frame["group"].astype(str))
    if df.empty:
        raise ValueError(f"predictive_intervals() needs rows with fit in {FITS}")
    df = df.assign(key=df["fit"].map(FIT_LABELS))
    groups = [str(g) for g in pd.unique(df["group"])]
    fits = [FIT_LABELS[f] for f in FITS if FIT_LABELS[f] in set(df["key"])]
    keys = fits + [OBSERVED_LABEL]
    colours = [FIT_COLORS[f] for f in FITS if FIT_LABELS[f] in fits] + [MEAN_COLOR]
    colour = alt.Color("key:N", scale=alt.Scale(domain=keys, range=colours), legend=alt.Legend(title=None))
    y = group_y(groups, group_label, field="group", by_order=False)
    offset = alt.YOffset("key:N", sort=fits, scale=alt.Scale(domain=fits, paddingOuter=0.3))
    tips = [
        tooltip("group", group_label, None),
        tooltip("key", "fit", None),
        tooltip("mean", "predicted (mean)"),
        tooltip("low", "94% interval low"),
        tooltip("high", "94% interval high"),
        tooltip("observed", "observed"),
    ]
    base = alt.Chart(chart_data(df)).encode(y=y, yOffset=offset, color=colour, tooltip=tips)
    layers = [
        base.mark_rule(strokeWidth=s.stroke(3)).encode(x=x_quantity("low", x_label), x2="high:Q"),
        base.mark_tick(thickness=s.stroke(1.5), size=8 * s.k, opacity=0.9).encode(
            x=x_quantity("mean", x_label)
        ),
    ]
    obs = df.groupby("group", sort=False)[["observed"]].first().reset_index().assign(key=OBSERVED_LABEL)
    if "inside" in df.columns:
        hits = df.groupby("group", sort=False)["inside"].agg(["sum", "size"]).reset_index()
        obs = obs.merge(hits, on="group")
        obs["verdict"] = (
            obs["sum"].astype(int).astype(str) + " of " + obs["size"].astype(str) + " fits cover it"
        )
        obs_tips = [
            tooltip("group", group_label, None),
            tooltip("observed", "observed"),
            tooltip("verdict", "", None),
        ]
    else:
        obs_tips = [tooltip("group", group_label, None), tooltip("observed", "observed")]
    layers.append(
        alt.Chart(chart_data(obs))
        .mark_point(
            shape="diamond", filled=True, size=s.area(110), opacity=1, stroke="white", strokeWidth=0.8
        )
        .encode(x=x_quantity("observed", x_label), y=y, color=colour, tooltip=obs_tips)
    )
    height = int(max(len(groups) * 12 * len(fits) * s.k, 140 * s.k))
    return apply_theme(alt.layer(*layers, width=width, height=height, title=chart_title(title)), classroom)


def statistic_histogram(
    replicated: np.ndarray,
    observed: float,
    x_label: str,
    *,
    fit: str = "hierarchical",
    bins: int = 30,
    title: str | None = None,
    width: int | str = "container",
    height: int = 200,
    domain: tuple[float, float] | None = None,
    classroom: bool = False,
) -> alt.LayerChart:
    """Histogram of a test statistic over replicated data sets, in ``fit``'s colour; the observed value
    is a dashed black rule (no label: say its value in the caption).

    ``domain``: the x axis's range, e.g. one range for the histograms of several fits stacked so
    they can be compared (default: from the smallest to the largest of the values and ``observed``).
    The bins always span this histogram's own values.
    """
    values = np.asarray(replicated, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError("statistic_histogram() needs at least one finite replicated value")
    if fit not in FIT_COLORS:
        raise ValueError(f"fit must be one of {FITS}, not {fit!r}")
    s = style_for(classroom)
    lo = min(values.min(), observed)
    hi = max(values.max(), observed)
    if hi <= lo:
        hi = lo + 1e-9
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    frame = pd.DataFrame(
        {"lo": edges[:-1], "hi": edges[1:], "share": counts / values.size, "count": counts.astype(int)}
    )
    scale = (
        alt.Scale(zero=False, nice=False) if domain is None else alt.Scale(domain=list(domain), nice=False)
    )
    x = alt.X("lo:Q", title=x_label, scale=scale, axis=alt.Axis(tickCount=4))
    bars = (
        alt.Chart(chart_data(frame))
        .mark_rect(color=FIT_COLORS[fit], opacity=0.75, stroke="white", strokeWidth=0.5)
        .encode(
            x=x,
            x2="hi:Q",
            # A fixed room for the labels ("8%" or "12%"): histograms stacked on one x range then
            # start their plots at the same pixel, so one value sits at one place in all of them.
            y=alt.Y(
                "share:Q",
                title="share of simulations",
                axis=alt.Axis(format="%", tickCount=4, minExtent=int(30 * s.k)),
            ),
            y2=alt.datum(0),
            tooltip=[
                tooltip("lo", "from"),
                tooltip("hi", "to"),
                tooltip("count", "replicated data sets", "d"),
            ],
        )
    )
    layers = [bars, *_marker(observed, None, "lo", x, s)]
    return themed_layers(layers, width, int(height * s.k), title, classroom)


def error_bars(
    frame: pd.DataFrame,
    *,
    x_label: str = "total squared error",
    title: str | None = None,
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """Horizontal bars of each method's error, with the published value as a black tick.

    ``frame`` columns: ``method``, ``error``, ``published`` (NaN: none), ``fit`` (one of FITS
    for the model fits, anything else for other methods: drawn grey).
    """
    require(frame, ["method", "error", "published", "fit"], "error_bars")
    s = style_for(classroom)
    df = frame.assign(
        method=frame["method"].astype(str),
        colour=[FIT_COLORS.get(f, DATA_COLOR) for f in frame["fit"]],
        key=["published" if np.isfinite(p) else "" for p in frame["published"].astype(float)],
    )
    methods = list(df["method"])
    y = alt.Y("method:N", sort=methods, title=None, axis=alt.Axis(grid=False))
    top = float(np.nanmax(np.r_[df["error"].to_numpy(float), df["published"].to_numpy(float)]))
    scale = alt.Scale(domain=[0, 1.2 * top], nice=False)
    x = alt.X("error:Q", title=x_label, scale=scale)
    tips = [
        tooltip("method", "method", None),
        tooltip("error", "this app"),
        tooltip("published", "published"),
    ]
    base = alt.Chart(chart_data(df)).encode(y=y, tooltip=tips)
    step = 30 * s.k
    layers = [
        base.mark_bar(size=step * 0.65, opacity=0.85).encode(x=x, color=alt.Color("colour:N", scale=None)),
        base.mark_text(align="left", dx=6 * s.k, fontWeight="bold").encode(
            x=x, text=alt.Text("error:Q", format=".3f")
        ),
        base.transform_filter("isValid(datum.published)")
        .mark_tick(color=MEAN_COLOR, thickness=s.stroke(2), size=step * 0.9)
        .encode(x=alt.X("published:Q", title=x_label, scale=scale)),
    ]
    return apply_theme(
        alt.layer(*layers, width=width, height=int(len(methods) * step), title=chart_title(title)),
        classroom,
    )
