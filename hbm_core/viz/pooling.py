"""The pooling charts: the data, and what each kind of pooling makes of it, group by group.

:func:`data_strip` (each group's observations and sample mean), :func:`complete_pooling_strip` (the
same with the one common estimate), :func:`shrinkage` (each group's move from no pooling to partial
pooling), :func:`forest` (the three fits' estimates and intervals) and :func:`pooling_bars` (how much
each group borrows). Groups sit on the vertical axis, labelled with their size n; the fits wear the
shared legend's colours and shapes (:mod:`hbm_core.viz.theme`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal

import altair as alt
import numpy as np
import pandas as pd

from hbm_core.viz.palette import FIT_COLORS, FIT_LABELS, FITS
from hbm_core.viz.theme import (
    MAX_LABELLED_GROUPS,
    OBS_LABEL,
    OWN_DATA_LABEL,
    SAMPLE_MEAN_LABEL,
    TRUE_LABEL,
    Style,
    apply_theme,
    chart_data,
    chart_title,
    group_order,
    group_y,
    key_encoding,
    require,
    style_for,
    tooltip,
    x_quantity,
)

# ------------------------------------------------------------------------ helpers


def _labelled(groups: Sequence[str], n: Sequence[int] | None) -> list[str]:
    """Axis labels: ``"A  (n=20)"`` so group size is readable next to each group."""
    if n is None:
        return list(groups)
    return [f"{g}  (n={int(k)})" if pd.notna(k) else str(g) for g, k in zip(groups, n, strict=False)]


def _ordered(frame: pd.DataFrame, groups: Sequence[str]) -> pd.DataFrame:
    """``frame`` with an ``order`` column: the position of each row's group in ``groups``."""
    return frame.assign(order=frame["group"].astype(str).map({g: i for i, g in enumerate(groups)}))


def _paint(
    layers: Sequence[alt.Chart],
    keys: Sequence[str],
    s: Style,
    shapes: dict[str, str] | None = None,
    symbol_stroke: float | None = None,
) -> list[alt.Chart]:
    """Give point layers the shared legend's colour and shape, rules and ticks its colour.

    Other marks (text, grey connecting lines) keep their own colour. A shape on a rule
    would draw a stray symbol at the rule's start, hence the distinction.
    """
    enc = key_encoding(keys, s, shapes=shapes, symbol_stroke=symbol_stroke)
    by_mark = {"point": enc, "rule": {"color": enc["color"]}, "tick": {"color": enc["color"]}}
    return [lyr.encode(**by_mark.get(getattr(lyr.mark, "type", lyr.mark), {})) for lyr in layers]


def _as_key(chart: alt.Chart, label: str) -> alt.Chart:
    return chart.transform_calculate(key=json.dumps(label))


def _has_truth(df: pd.DataFrame) -> bool:
    return "true_mean" in df.columns and bool(df["true_mean"].notna().any())


# ------------------------------------------------------------------- data strip


def _strip_layers(
    obs: pd.DataFrame, y_label: str, true_means: pd.DataFrame | None, group_label: str, s: Style
) -> tuple[list[alt.Chart], list[str], int]:
    """The strip plot's layers (observations, sample-mean ticks, true means), legend keys, height."""
    groups = group_order(obs)
    obs = obs.assign(group=obs["group"].astype(str))
    summ = obs.groupby("group", sort=False)["y"].agg(n="size", mean="mean", sd="std")
    summ = summ.reindex(groups).reset_index()
    labels = _labelled(groups, summ["n"])
    summ["label"] = labels
    summ = _ordered(summ, groups)
    label_of = dict(zip(groups, labels, strict=False))
    step = s.height(len(groups)) / len(groups)  # a row's height: rows grow to fill a classroom chart
    rng = np.random.default_rng(0)  # deterministic jitter: the same picture every rerun
    pts = _ordered(obs[["group", "y"]], groups).assign(
        label=obs["group"].map(label_of), jitter=rng.uniform(-1, 1, len(obs))
    )
    y = group_y(labels, group_label)
    keys = [OBS_LABEL, SAMPLE_MEAN_LABEL]
    layers = [
        _as_key(alt.Chart(chart_data(pts)), OBS_LABEL)
        .mark_point(
            filled=True,
            # on a projector the grey dots need more ink to be seen at the back of the room
            opacity=0.7 if s.classroom else 0.55,
            size=s.area(28 if len(groups) <= 30 else 10),
        )
        .encode(
            x=x_quantity("y", y_label),
            y=y,
            # offsets count from the top of the row's band (80% of the step): centre them
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-1, 1], range=[step * 0.1, step * 0.7])),
            tooltip=[tooltip("group", group_label, None), tooltip("y", y_label)],
        ),
        _as_key(alt.Chart(chart_data(summ)), SAMPLE_MEAN_LABEL)
        .mark_tick(
            thickness=s.stroke(3),
            size=step * 0.8,
            orient="vertical",
            opacity=1,
        )
        .encode(
            x=x_quantity("mean", y_label),
            y=y,
            tooltip=[
                tooltip("group", group_label, None),
                tooltip("n", "n", "d"),
                tooltip("mean", "sample mean"),
                tooltip("sd", "sample sd"),
            ],
        ),
    ]
    if true_means is not None:
        require(true_means, ["group", "true_mean"], "data_strip(true_means)")
        tm = true_means.assign(group=true_means["group"].astype(str))
        tm = tm[tm["group"].isin(label_of) & tm["true_mean"].notna()]
        tm = _ordered(tm, groups).assign(label=tm["group"].map(label_of))
        if not tm.empty:
            keys.append(TRUE_LABEL)
            layers.append(_true_marks(alt.Chart(chart_data(tm)), "true_mean", y, y_label, group_label, s))
    return layers, keys, s.height(len(groups))


def data_strip(
    obs: pd.DataFrame,
    y_label: str,
    true_means: pd.DataFrame | None = None,
    *,
    group_label: str = "group",
    title: str | None = "The data, group by group",
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """Jittered strip plot of each group's observations with its sample mean.

    ``obs`` columns: ``group``, ``y`` (one row per observation).
    ``true_means`` (optional) columns: ``group``, ``true_mean`` -- drawn as diamonds.
    Each group's sample mean is a bold black tick; tooltips give n, mean and sd.
    """
    require(obs, ["group", "y"], "data_strip")
    s = style_for(classroom)
    layers, keys, height = _strip_layers(obs, y_label, true_means, group_label, s)
    return apply_theme(
        alt.layer(*_paint(layers, keys, s), width=width, height=height, title=chart_title(title)),
        classroom,
    )


# An SVG path of three short bars on a vertical line: the legend symbol of a dashed vertical rule,
# so it cannot be mistaken for the solid sample-mean tick next to it.
_DASHED_VBAR = "M-0.22,-1H0.22V-0.5H-0.22Z M-0.22,-0.2H0.22V0.2H-0.22Z M-0.22,0.5H0.22V1H-0.22Z"


def complete_pooling_strip(
    obs: pd.DataFrame,
    estimates: pd.DataFrame,
    y_label: str,
    true_means: pd.DataFrame | None = None,
    *,
    group_label: str = "group",
    title: str | None = "Complete pooling: one estimate for every group",
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """The data strip with the complete-pooling estimate drawn across all groups.

    ``obs`` columns: ``group``, ``y`` (as :func:`data_strip`). ``estimates``: the long
    estimates table; its first ``fit == "pooled"`` row gives ``mean``, ``hdi_low`` and
    ``hdi_high``, drawn as a dashed rule over a shaded 94% interval spanning every group, so
    the gap between each group's sample mean (black tick) and the common line is plain.
    """
    require(obs, ["group", "y"], "complete_pooling_strip")
    require(estimates, ["fit", "mean", "hdi_low", "hdi_high"], "complete_pooling_strip")
    pooled = estimates[estimates["fit"] == "pooled"]
    if pooled.empty:
        raise ValueError("complete_pooling_strip() needs a row with fit == 'pooled'")
    s = style_for(classroom)
    layers, keys, height = _strip_layers(obs, y_label, true_means, group_label, s)
    label = FIT_LABELS["pooled"]
    line = pd.DataFrame([pooled.iloc[0][["mean", "hdi_low", "hdi_high"]].astype(float)])
    tips = [
        tooltip("mean", f"{label} estimate"),
        tooltip("hdi_low", "94% HDI low"),
        tooltip("hdi_high", "94% HDI high"),
    ]
    base = alt.Chart(chart_data(line)).encode(tooltip=tips)
    band = base.mark_rect(color=s.color(FIT_COLORS["pooled"]), opacity=0.14).encode(
        x=x_quantity("hdi_low", y_label), x2="hdi_high:Q"
    )
    rule = (
        _as_key(base, label)
        .mark_rule(strokeDash=[8, 5], strokeWidth=s.stroke(3))
        .encode(x=x_quantity("mean", y_label))
    )
    # band under the dots, the line over them
    layers = [band, *layers, rule]
    keys = [*keys, label]
    return apply_theme(
        alt.layer(
            *_paint(layers, keys, s, shapes={label: _DASHED_VBAR}, symbol_stroke=0),
            width=width,
            height=height,
            title=chart_title(title, "Dashed line: the one common estimate; shaded: its 94% interval."),
        ),
        classroom,
    )


def _true_marks(base: alt.Chart, field: str, y, y_label: str, group_label: str, s: Style) -> alt.Chart:
    """Hollow green diamonds at the true means."""
    return (
        _as_key(base, TRUE_LABEL)
        .mark_point(
            filled=False,
            strokeWidth=s.stroke(2),
            size=s.area(110),
            opacity=1,
        )
        .encode(
            x=x_quantity(field, y_label),
            y=y,
            tooltip=[tooltip("group", group_label, None), tooltip(field, "true mean")],
        )
    )


# ---------------------------------------------------------------------- shrinkage


def _shrink_table(estimates: pd.DataFrame, own: str = "unpooled") -> pd.DataFrame:
    """One row per group: n, sample mean, the three fits' means, shift, pooling, truth.

    ``own="raw"``: the arrow starts at the group's raw data summary (``raw_mean``), which then
    takes the place of the no-pooling mean in the ``unpooled`` column.
    """
    est = estimates.assign(group=estimates["group"].astype(str))
    groups = group_order(est)
    means = est.groupby(["group", "fit"], sort=False)["mean"].first().unstack("fit")
    lacking = [f for f in ("unpooled", "hierarchical") if f not in means.columns]
    if lacking:
        raise ValueError(f"shrinkage() needs rows with fit == {lacking}")
    first = est.groupby("group", sort=False).first().reindex(groups)
    wide = pd.DataFrame({"group": groups, "n": first["n"].to_numpy()})
    for f in FITS:
        wide[f] = means[f].reindex(groups).to_numpy() if f in means.columns else np.nan
    for col in ("raw_mean", "true_mean"):
        wide[col] = first[col].to_numpy() if col in first.columns else np.nan
    if own == "raw":
        wide["unpooled"] = wide["raw_mean"]
    wide["shift"] = wide["hierarchical"] - wide["unpooled"]
    hier = est[est["fit"] == "hierarchical"].groupby("group", sort=False).first()
    wide["pooling"] = hier["pooling"].reindex(groups).to_numpy() if "pooling" in hier.columns else np.nan
    wide["label"] = _labelled(groups, wide["n"])
    return _ordered(wide, groups)


def _shrink_tooltip(wide: pd.DataFrame, group_label: str, start: str) -> list[alt.Tooltip]:
    tips = [tooltip("group", group_label, None), tooltip("n", "n", "d")]
    if wide["raw_mean"].notna().any() and start != OWN_DATA_LABEL:
        tips.append(tooltip("raw_mean", "sample mean"))
    tips += [
        tooltip("unpooled", start),
        tooltip("hierarchical", FIT_LABELS["hierarchical"]),
        tooltip("shift", "moved by"),
    ]
    if wide["pooling"].notna().any():
        tips.append(tooltip("pooling", "pooling factor", ".2f"))
    if wide["true_mean"].notna().any():
        tips.append(tooltip("true_mean", "true mean"))
    return tips


def _pooled_rule(wide: pd.DataFrame, channel: str, title: str, s: Style) -> alt.Chart | None:
    """The complete-pooling estimate as one dashed rule across the whole chart."""
    pooled = wide["pooled"].dropna()
    if pooled.empty:
        return None
    frame = pd.DataFrame({"pooled": [float(pooled.iloc[0])]})
    scale = alt.Scale(zero=False)
    enc = {
        channel: alt.X("pooled:Q", title=title, scale=scale)
        if channel == "x"
        else alt.Y("pooled:Q", title=title, scale=scale),
        "tooltip": [tooltip("pooled", FIT_LABELS["pooled"])],
    }
    return (
        _as_key(alt.Chart(chart_data(frame)), FIT_LABELS["pooled"])
        .mark_rule(strokeDash=[7, 5], strokeWidth=s.stroke(2.5))
        .encode(**enc)
    )


def shrinkage(
    estimates: pd.DataFrame,
    y_label: str,
    *,
    style: Literal["arrows", "by_n"] = "arrows",
    group_label: str = "group",
    title: str | None = "Partial pooling pulls groups toward the overall mean",
    width: int | str = "container",
    classroom: bool = False,
    own: Literal["unpooled", "raw"] = "unpooled",
) -> alt.LayerChart:
    """Shrinkage: each group's move from its no-pooling to its partial-pooling estimate.

    ``estimates``: the long estimates table, columns ``group``, ``fit``, ``mean``, ``n``
    (``raw_mean``, ``true_mean``, ``pooling`` used when present). Needs rows with
    ``fit == "unpooled"`` and ``"hierarchical"``; the ``"pooled"`` mean, if present, is
    drawn as a dashed rule.

    ``style``:

    - ``"arrows"`` (default): one row per group, an arrow from the no-pooling circle
      (area ~ n) to the partial-pooling arrowhead;
    - ``"by_n"``: estimate against group size (log scale), vertical arrows -- how the pull
      varies with n when there are many groups.

    ``own``: where each arrow starts: the no-pooling fit's mean (``"unpooled"``) or the group's
    own data, ``raw_mean`` (``"raw"``: for counts, the observed proportion, which a no-pooling
    posterior under a prior cannot reach at 0 or 1), labelled as such in the legend.
    """
    require(estimates, ["group", "fit", "mean", "n"], "shrinkage")
    if style not in ("arrows", "by_n"):
        raise ValueError(f"shrinkage(style=...) must be 'arrows' or 'by_n', not {style!r}")
    s = style_for(classroom)
    if own not in ("unpooled", "raw"):
        raise ValueError(f"shrinkage(own=...) must be 'unpooled' or 'raw', not {own!r}")
    wide = _shrink_table(estimates, own)
    start = OWN_DATA_LABEL if own == "raw" else FIT_LABELS["unpooled"]
    build = {"arrows": _shrink_arrows, "by_n": _shrink_by_n}[style]
    chart, height = build(wide, y_label, group_label, s, start)
    # Ideas only: which group moved most depends on the data and is said beside the chart.
    origin = "its own data" if own == "raw" else "no pooling"
    subtitle = {
        "arrows": f"Each arrow runs from {origin} to partial pooling (circle area ~ n).",
        "by_n": f"Each arrow runs from {origin} to partial pooling, groups by size.",
    }[style]
    return apply_theme(chart, classroom, width=width, height=height, title=chart_title(title, subtitle))


def _shrink_keys(wide: pd.DataFrame, start: str) -> list[str]:
    keys = [start, FIT_LABELS["hierarchical"]]
    if wide["pooled"].notna().any():
        keys.append(FIT_LABELS["pooled"])
    if wide["true_mean"].notna().any():
        keys.append(TRUE_LABEL)
    return keys


def _n_size(wide: pd.DataFrame, s: Style, biggest: float, legend: bool = True) -> alt.Size:
    """Point area proportional to n (a small group is a small dot), with an n legend.

    The legend sits on the right so that the top legend stays narrow enough for a
    Streamlit column even in classroom mode.
    """
    n = wide["n"].dropna().astype(int)
    shown = sorted({int(n.min()), int(n.median()), int(n.max())})
    return alt.Size(
        "n:Q",
        title="group size n",
        scale=alt.Scale(domainMin=0, range=[s.area(25), biggest]),  # max: the largest n (data)
        legend=alt.Legend(
            title="group size n",
            values=shown,
            orient="right",
            direction="vertical",
            symbolFillColor="#777",
            symbolStrokeColor="#777",
            symbolOpacity=1,
        )
        if legend
        else None,
    )


def _shrink_arrows(wide, y_label, group_label, s, start):
    """Groups on y; a hollow circle (area ~ n) at no pooling, an arrow to partial pooling.

    n is also in the axis labels, so the circle sizes need no legend of their own. The circle
    is hollow so that an arrow shorter than its circle still shows inside it. Truth goes under
    the arrows, so a diamond never hides an arrowhead.
    """
    J = len(wide)
    step = s.step(J, per_group=30)
    wide = wide.assign(angle=np.where(wide["shift"] >= 0, 0, 180))
    y = group_y(wide["label"], group_label)
    tips = _shrink_tooltip(wide, group_label, start)
    base = alt.Chart(chart_data(wide)).encode(y=y, tooltip=tips)
    biggest = min((0.9 * step) ** 2, s.area(420))
    layers = [
        _as_key(base, start)
        .mark_point(filled=False, opacity=1, strokeWidth=s.stroke(2))
        .encode(x=x_quantity("unpooled", y_label), size=_n_size(wide, s, biggest, legend=False)),
        _as_key(base, FIT_LABELS["hierarchical"])
        .mark_rule(
            strokeWidth=s.stroke(2.5 if J <= MAX_LABELLED_GROUPS else 1.5),
            opacity=0.85,
        )
        .encode(x=x_quantity("unpooled", y_label), x2="hierarchical:Q"),
        _as_key(base, FIT_LABELS["hierarchical"])
        .mark_point(
            filled=True,
            opacity=1,
            size=min(s.area(110), (0.8 * step) ** 2),
        )
        .encode(x=x_quantity("hierarchical", y_label), angle=alt.Angle("angle:Q", scale=None)),
    ]
    if wide["true_mean"].notna().any():
        layers.insert(0, _true_marks(base, "true_mean", y, y_label, group_label, s))
    rule = _pooled_rule(wide, "x", y_label, s)
    layers = ([rule] if rule is not None else []) + layers
    return alt.layer(*_paint(layers, _shrink_keys(wide, start), s)), s.height(J, per_group=30)


def _shrink_by_n(wide, y_label, group_label, s, start):
    """Estimate against group size (log scale, small groups on the left): vertical arrows."""
    rng = np.random.default_rng(0)
    dup = wide["n"].duplicated(keep=False).to_numpy()
    wide = wide.assign(
        n_pos=wide["n"] * np.exp(np.where(dup, rng.uniform(-0.06, 0.06, len(wide)), 0.0)),
        angle=np.where(wide["shift"] >= 0, 270, 90),
    )
    x = alt.X(
        "n_pos:Q", title="group size n (log scale)", scale=alt.Scale(type="log", nice=False, padding=20 * s.k)
    )
    base = alt.Chart(chart_data(wide)).encode(x=x, tooltip=_shrink_tooltip(wide, group_label, start))
    size = s.area(70 if len(wide) <= MAX_LABELLED_GROUPS else 40)

    def yq(field):
        return alt.Y(f"{field}:Q", title=y_label, scale=alt.Scale(zero=False, padding=14))

    layers = [
        _as_key(base, FIT_LABELS["hierarchical"])
        .mark_rule(strokeWidth=s.stroke(1.5), opacity=0.8)
        .encode(y=yq("unpooled"), y2="hierarchical:Q"),
        _as_key(base, start).mark_point(filled=True, size=size, opacity=0.85).encode(y=yq("unpooled")),
        _as_key(base, FIT_LABELS["hierarchical"])
        .mark_point(filled=True, size=size, opacity=1)
        .encode(y=yq("hierarchical"), angle=alt.Angle("angle:Q", scale=None)),
    ]
    if wide["true_mean"].notna().any():
        layers.append(
            _as_key(base, TRUE_LABEL)
            .mark_point(filled=False, size=s.area(90), strokeWidth=s.stroke(1.5), opacity=1)
            .encode(y=yq("true_mean"))
        )
    rule = _pooled_rule(wide, "y", y_label, s)
    layers = ([rule] if rule is not None else []) + layers
    return alt.layer(*_paint(layers, _shrink_keys(wide, start), s)), int(420 * s.k)


# ------------------------------------------------------------------------- forest


def forest(
    estimates: pd.DataFrame,
    y_label: str,
    *,
    group_label: str = "group",
    title: str | None = "Estimates and 94% intervals, three ways",
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """For each group the three fits side by side: posterior mean and 94% HDI bar.

    ``estimates`` columns: ``group``, ``fit``, ``mean``, ``hdi_low``, ``hdi_high``, ``n``
    (``sd`` and ``true_mean`` used when present; truth is drawn as a diamond).
    """
    require(estimates, ["group", "fit", "mean", "hdi_low", "hdi_high", "n"], "forest")
    s = style_for(classroom)
    est = estimates[estimates["fit"].isin(FITS)].assign(group=estimates["group"].astype(str))
    if est.empty:
        raise ValueError(f"forest() needs rows with fit in {FITS}")
    groups = group_order(est)
    n_of = est.groupby("group", sort=False)["n"].first().reindex(groups)
    label_of = dict(zip(groups, _labelled(groups, n_of), strict=False))
    est = _ordered(est, groups).assign(label=est["group"].map(label_of), key=est["fit"].map(FIT_LABELS))
    fits = [FIT_LABELS[f] for f in FITS if f in set(est["fit"])]
    J = len(groups)
    y = group_y(list(label_of.values()), group_label)
    offset = alt.YOffset("key:N", sort=fits, scale=alt.Scale(domain=fits, paddingOuter=0.3))
    tips = [
        tooltip("group", group_label, None),
        tooltip("n", "n", "d"),
        tooltip("key", "fit", None),
        tooltip("mean", "posterior mean"),
    ]
    if "sd" in est.columns:
        tips.append(tooltip("sd", "posterior sd"))
    tips += [tooltip("hdi_low", "94% HDI low"), tooltip("hdi_high", "94% HDI high")]
    keys = fits + ([TRUE_LABEL] if _has_truth(est) else [])
    base = alt.Chart(chart_data(est)).encode(y=y, yOffset=offset, tooltip=tips)
    layers = [
        base.mark_rule(strokeWidth=s.stroke(2.5 if J <= MAX_LABELLED_GROUPS else 1.5)).encode(
            x=x_quantity("hdi_low", y_label), x2="hdi_high:Q"
        ),
        base.mark_point(filled=True, opacity=1, size=s.area(60 if J <= MAX_LABELLED_GROUPS else 14)).encode(
            x=x_quantity("mean", y_label)
        ),
    ]
    if _has_truth(est):
        truth = est.groupby("group", sort=False).first().reset_index().dropna(subset=["true_mean"])
        layers.append(_true_marks(alt.Chart(chart_data(truth)), "true_mean", y, y_label, group_label, s))
    layers = _paint(layers, keys, s, shapes={FIT_LABELS["pooled"]: "square"})
    per_group = 12 * len(fits)
    return apply_theme(
        alt.layer(
            *layers,
            width=width,
            height=s.height(J, per_group=per_group, dense=5 * len(fits)),
            title=chart_title(title),
        ),
        classroom,
    )


# ------------------------------------------------------------------ pooling factors


def pooling_bars(
    estimates: pd.DataFrame,
    *,
    group_label: str = "group",
    title: str | None = "How much each group borrows from the others",
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """The hierarchical pooling factor per group: 0 = no pooling, 1 = complete pooling.

    ``estimates`` columns: ``group``, ``fit``, ``pooling``, ``n`` (uses the
    ``fit == "hierarchical"`` rows).
    """
    require(estimates, ["group", "fit", "pooling", "n"], "pooling_bars")
    s = style_for(classroom)
    hier = estimates[estimates["fit"] == "hierarchical"].assign(group=lambda d: d["group"].astype(str))
    if hier.empty:
        raise ValueError("pooling_bars() needs rows with fit == 'hierarchical'")
    hier = hier.groupby("group", sort=False)[["n", "pooling"]].first().reset_index()
    hier["label"] = _labelled(hier["group"], hier["n"])
    hier = _ordered(hier, list(hier["group"]))
    J = len(hier)
    y = group_y(hier["label"], group_label)
    x = alt.X(
        "pooling:Q",
        scale=alt.Scale(domain=[0, 1]),
        title="pooling factor (0 = no pooling, 1 = complete pooling)",
        axis=alt.Axis(values=[0, 0.25, 0.5, 0.75, 1], format=".2~f"),
    )
    base = alt.Chart(chart_data(hier)).encode(
        y=y,
        x=x,
        tooltip=[
            tooltip("group", group_label, None),
            tooltip("n", "n", "d"),
            tooltip("pooling", "pooling factor", ".2f"),
        ],
    )
    layers = [
        base.mark_bar(
            color=s.color(FIT_COLORS["hierarchical"]), opacity=0.85, size=s.step(J, per_group=26) * 0.7
        )
    ]
    if J <= MAX_LABELLED_GROUPS:
        layers.append(
            base.mark_text(align="left", dx=4 * s.k).encode(text=alt.Text("pooling:Q", format=".2f"))
        )
    return apply_theme(
        alt.layer(*layers, width=width, height=s.height(J), title=chart_title(title)), classroom
    )
