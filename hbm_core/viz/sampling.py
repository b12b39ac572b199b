"""Sampling charts: how the MCMC sampler did (Neal's funnel, rank plots, trace plots).

:func:`funnel` shows where the sampler struggles (divergent transitions in the neck of the funnel);
:func:`rank_plot` and :func:`trace_plot` show whether the chains agree, one colour per chain.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from hbm_core.viz.palette import CHAIN_COLORS, DATA_COLOR, DIVERGENT_COLOR, MEAN_COLOR
from hbm_core.viz.theme import (
    apply_theme,
    chart_data,
    chart_title,
    group_order,
    require,
    style_for,
    tooltip,
    x_quantity,
)


def funnel(
    draws: pd.DataFrame,
    theta_label: str,
    *,
    log_tau_label: str = "log τ",
    title: str | None = "Neal's funnel: where the sampler struggles",
    width: int | str = "container",
    height: int = 300,
    classroom: bool = False,
) -> alt.FacetChart | alt.LayerChart:
    """Scatter of a group parameter (x) against log tau (y), one panel per ``form``.

    ``draws`` columns: ``log_tau``, ``theta``, ``diverging`` (bool), ``form`` (str, e.g.
    ``"centered"`` / ``"non-centered"``). Divergent transitions are drawn on top, larger,
    in a colour no fit uses; the panel header counts them. One form: a single panel as wide as
    its container (``width="container"``), the count in its subtitle; several forms: panels of
    ``width`` px each (320 when ``width`` is not a number).
    """
    require(draws, ["log_tau", "theta", "diverging", "form"], "funnel")
    s = style_for(classroom)
    df = draws[["log_tau", "theta", "diverging", "form"]].assign(
        diverging=draws["diverging"].astype(bool), form=draws["form"].astype(str)
    )
    forms = group_order(df.rename(columns={"form": "group"}))
    counts = df.groupby("form", sort=False)["diverging"].agg(["sum", "size"])
    panel = {f: f"{f}: {int(counts.loc[f, 'sum'])} divergent of {int(counts.loc[f, 'size'])}" for f in forms}
    df["panel"] = df["form"].map(panel)
    df["key"] = np.where(df["diverging"], "divergent transition", "draw")
    df = df.sort_values("diverging", kind="stable")  # divergent last = on top
    enc = {
        "color": alt.Color(
            "key:N",
            legend=alt.Legend(title=None),
            scale=alt.Scale(
                domain=["draw", "divergent transition"], range=[s.color(DATA_COLOR), DIVERGENT_COLOR]
            ),
        )
    }
    base = alt.Chart().encode(
        x=x_quantity("theta", theta_label),
        y=alt.Y("log_tau:Q", title=log_tau_label),
        tooltip=[
            tooltip("form", "form", None),
            tooltip("theta", theta_label),
            tooltip("log_tau", log_tau_label),
            tooltip("diverging", "divergent", None),
        ],
        **enc,
    )
    layers = alt.layer(
        base.transform_filter("!datum.diverging").mark_point(filled=True, opacity=0.3, size=s.area(12)),
        base.transform_filter("datum.diverging").mark_point(
            filled=True, opacity=0.95, size=s.area(55), stroke="white", strokeWidth=0.6 * s.k
        ),
        data=chart_data(df),
    )
    if len(forms) == 1:  # one panel: no facet, so it can follow its container's width
        size = {"width": width if isinstance(width, str) else int(width * s.k), "height": int(height * s.k)}
        return apply_theme(layers, classroom, **size, title=chart_title(title, panel[forms[0]]))
    panel_width = int((320 if isinstance(width, str) else width) * s.k)
    layers = layers.properties(width=panel_width, height=int(height * s.k))
    chart = layers.facet(column=alt.Column("panel:N", sort=[panel[f] for f in forms], title=None))
    return apply_theme(chart, classroom, title=chart_title(title))


# ------------------------------------------------------------------ MCMC diagnostics


def _chains(draws: pd.DataFrame, where: str, legend: bool = True) -> tuple[pd.DataFrame, dict]:
    require(draws, ["chain", "draw", "value", "parameter"], where)
    df = draws[["chain", "draw", "value", "parameter"]].assign(
        chain=draws["chain"].astype(str), parameter=draws["parameter"].astype(str)
    )
    chains = list(dict.fromkeys(df["chain"]))
    colour = alt.Color(
        "chain:N",
        title="chain",
        sort=chains,
        legend=alt.Legend() if legend else None,
        scale=alt.Scale(
            domain=chains, range=[CHAIN_COLORS[i % len(CHAIN_COLORS)] for i in range(len(chains))]
        ),
    )
    return df, {"color": colour}


def rank_plot(
    draws: pd.DataFrame,
    *,
    bins: int = 20,
    title: str | None = "Rank plots: flat bars = chains agree",
    width: int = 150,
    height: int = 90,
    classroom: bool = False,
) -> alt.VConcatChart:
    """Rank histograms: one block per parameter, one panel per chain (two panels a row).

    ``draws`` columns: ``chain``, ``draw``, ``value``, ``parameter``. Draws are ranked over
    all chains per parameter; if the chains mix well every histogram is flat, near the
    dashed line (the count expected under uniform ranks). Within a parameter's block the panels
    share the count axis, so a chain stuck high or low shows as a slope.
    """
    df, enc = _chains(draws, "rank_plot", legend=False)  # the panel headers name the chains
    s = style_for(classroom)
    rank = df.groupby("parameter", sort=False)["value"].rank(method="average")
    total = df.groupby("parameter", sort=False)["value"].transform("size")
    df["bin"] = np.minimum(((rank - 1) / total * bins).astype(int), bins - 1)
    counts = df.groupby(["parameter", "chain", "bin"], sort=False).size().rename("count").reset_index()
    per_chain = df.groupby(["parameter", "chain"], sort=False).size().rename("draws")
    counts = counts.join(per_chain, on=["parameter", "chain"])
    counts["expected"] = counts["draws"] / bins
    counts["lo"], counts["hi"] = counts["bin"] / bins, (counts["bin"] + 1) / bins
    chains = list(dict.fromkeys(counts["chain"]))
    tips = [
        tooltip("parameter", "parameter", None),
        tooltip("chain", "chain", None),
        tooltip("count", "draws in bin", "d"),
        tooltip("expected", "expected", ".1f"),
    ]
    rows = []
    for i, (param, sub) in enumerate(counts.groupby("parameter", sort=False)):
        last = i == counts["parameter"].nunique() - 1  # only the bottom row shows the x axis
        x = alt.X(
            "lo:Q",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(
                values=[0, 0.5, 1], format=".1~f", labels=last, ticks=last, title="rank" if last else None
            ),
        )
        panel = alt.layer(
            alt.Chart()
            .mark_rect(stroke="white", strokeWidth=0.5)
            .encode(
                x=x,
                x2="hi:Q",
                y=alt.Y(
                    "count:Q",
                    title=param,
                    axis=alt.Axis(titleAngle=0, titleAlign="right", titleBaseline="middle", tickCount=3),
                ),
                y2=alt.datum(0),
                tooltip=tips,
                **enc,
            ),
            alt.Chart()
            .mark_rule(color=MEAN_COLOR, strokeDash=[4, 3], strokeWidth=s.stroke(1.5))
            .encode(y="mean(expected):Q"),
            data=chart_data(sub),
        ).properties(width=int(width * s.k), height=int(height * s.k))
        header = alt.Header(labelFontSize=round(13 * s.k), labelExpr="'chain ' + datum.value")
        # two chains a row: four panels side by side ran past a half page at 1024 px and a phone (#20)
        rows.append(
            panel.facet(facet=alt.Facet("chain:N", sort=chains, title=None, header=header), columns=2)
        )
    chart = alt.vconcat(*rows, spacing=8 * s.k).properties(
        title=chart_title(
            title, "Bars: draws per rank bin, all chains ranked together. Dashed: the count if chains agree."
        )
    )
    return apply_theme(chart, classroom)


def trace_plot(
    draws: pd.DataFrame,
    *,
    title: str | None = "Trace plots: chains should overlap like fuzzy caterpillars",
    width: int = 620,
    height: int = 120,
    classroom: bool = False,
) -> alt.FacetChart:
    """Value against draw number, one colour per chain, one row per parameter.

    ``draws`` columns: ``chain``, ``draw``, ``value``, ``parameter``.
    """
    df, enc = _chains(draws, "trace_plot")
    s = style_for(classroom)
    params = list(dict.fromkeys(df["parameter"]))
    chart = (
        alt.Chart(chart_data(df))
        .mark_line(strokeWidth=s.stroke(1), opacity=0.8)
        .encode(
            x=alt.X("draw:Q", title="draw (iteration)"),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False), axis=alt.Axis(tickCount=4)),
            detail="chain:N",
            **enc,
        )
        .properties(width=int(width * s.k), height=int(height * s.k))
        .facet(
            row=alt.Row(
                "parameter:N", sort=params, title=None, header=alt.Header(labelAngle=0, labelAlign="left")
            ),
        )
        .resolve_scale(y="independent")
    )
    return apply_theme(chart, classroom, title=chart_title(title))
