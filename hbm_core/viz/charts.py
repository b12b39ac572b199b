"""Teaching charts: pure functions from tidy pandas DataFrames to Altair charts.

No Streamlit and no model code here. Pages show a chart with
``st.altair_chart(chart, use_container_width=True)``.

Colour scheme (see :mod:`hbm_core.viz.palette`): each kind of pooling has one colour on
every chart -- complete pooling dark grey (always a dashed rule), no pooling blue
(a circle), partial pooling vermillion (a triangle / arrowhead). A true mean, when
known, is a bluish-green hollow diamond; raw observations are light grey. Wherever
fits share a chart they differ in shape (or dash) as well as colour, so nothing relies
on colour alone, and one legend names each mark.

Conventions shared by all charts:

- groups keep the order in which they first appear in the input frame;
- groups sit on the vertical axis and the outcome on the horizontal one, so long group
  names stay readable; beyond ``MAX_LABELLED_GROUPS`` groups the names are dropped
  from the axis (hover a mark: every mark has a tooltip with group, n and estimates);
- the height grows with the number of groups; the width is ``"container"`` unless a
  chart is faceted (then ``width`` is the width of one panel);
- every function takes ``classroom=True`` for projection: ~1.5x fonts, thicker
  marks and the palette's darker projector variants of its lightest colours. Charts
  come back already configured (:func:`apply_theme`), so they cannot be layered
  further; give charts of your own the same look with :func:`apply_theme`;
- tooltips round estimates to 3 significant digits;
- a required column missing from the input raises ``ValueError`` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import altair as alt
import numpy as np
import pandas as pd

from hbm_core.viz.palette import (
    CHAIN_COLORS,
    DATA_COLOR,
    DIVERGENT_COLOR,
    FIT_COLORS,
    FIT_LABELS,
    FITS,
    MEAN_COLOR,
    SERIES_COLORS,
    TRUE_COLOR,
    for_projector,
)

MAX_LABELLED_GROUPS = 30
"""Beyond this many groups, group names are left off the axis (tooltips keep them)."""

# Charts carry DataFrames (see _data); exports and tests turn them into JSON with Altair's default
# transformer, whose 5000-row limit a large data strip or a trace plot passes. Set once, here:
# switching it on and off around each export would race with Streamlit's own transformer switch.
alt.data_transformers.disable_max_rows()

TRUE_LABEL = "True mean"
OBS_LABEL = "Observation"
SAMPLE_MEAN_LABEL = "Sample mean"

_FMT = ".3~r"  # estimates in tooltips: 3 significant digits, no trailing zeros
_VBAR = "M-0.22,-1H0.22V1H-0.22Z"  # SVG path: a thin upright bar, for rules and ticks

# Every mark with a legend entry: label -> (colour, shape). One shared legend per chart.
_KEYS = {
    FIT_LABELS["unpooled"]: (FIT_COLORS["unpooled"], "circle"),
    FIT_LABELS["hierarchical"]: (FIT_COLORS["hierarchical"], "triangle-right"),
    FIT_LABELS["pooled"]: (FIT_COLORS["pooled"], _VBAR),
    TRUE_LABEL: (TRUE_COLOR, "diamond"),
    OBS_LABEL: (DATA_COLOR, "circle"),
    SAMPLE_MEAN_LABEL: (MEAN_COLOR, _VBAR),
}

# --------------------------------------------------------------------------- theme


def theme(classroom: bool = False) -> dict:
    """Vega-Lite config for the app: large, high-contrast text on a white background.

    ``classroom=True`` scales fonts and symbols by 1.5 for a projector. The dict has the
    shape ``{"config": {...}}`` so it can also be registered with ``alt.theme.register``.
    """
    k = 1.5 if classroom else 1.0
    label, title = round(13 * k), round(14 * k)
    ink = "#1a1a1a"
    axis = {
        "labelFontSize": label,
        "titleFontSize": title,
        "labelColor": ink,
        "titleColor": ink,
        "titleFontWeight": "bold",
        "titlePadding": 8 * k,
        "domainColor": "#555",
        "tickColor": "#555",
        "gridColor": "#e3e3e3",
        "labelLimit": 260 * k,
        "labelOverlap": True,
    }
    return {
        "config": {
            "background": "white",
            "padding": 8,
            "view": {"stroke": None},
            "axis": axis,
            "legend": {
                "labelFontSize": label,
                "titleFontSize": label,
                "labelColor": ink,
                "titleColor": ink,
                "symbolSize": 160 * k,
                "symbolStrokeWidth": 2 * k,
                "labelLimit": 400,
                "orient": "top",
                "direction": "horizontal",
                "columnPadding": 14 * k,
                "symbolOpacity": 1,
                # projector sizes: two entries a row, so the legend fits beside a sidebar too
                **({"columns": 2} if classroom else {}),
            },
            # fewer numbers on a projector's axes: 1.5x labels would crowd each other
            "axisQuantitative": {"tickCount": 5 if classroom else 8},
            "header": {
                "labelFontSize": title,
                "titleFontSize": title,
                "labelColor": ink,
                "labelFontWeight": "bold",
            },
            "title": {
                "fontSize": round(17 * k),
                "color": ink,
                "anchor": "start",
                "subtitleFontSize": label,
                "subtitleColor": "#444",
                "offset": 10 * k,
            },
            "text": {"fontSize": label, "color": ink},
            "line": {"strokeWidth": 2 * k},
            "rule": {"strokeWidth": 1.5 * k},
        }
    }


def apply_theme(chart: alt.TopLevelMixin, classroom: bool = False, **properties) -> alt.TopLevelMixin:
    """Give ``chart`` its top-level ``properties`` (width, height, title...) and :func:`theme`.

    Single and layered views also get ``autosize: fit-x``: they stretch to the page's width but
    keep their own height. (Streamlit otherwise fits both directions and squashes the rows.)
    Sets them on ``chart`` itself, which the caller has just built, and returns it: Altair's
    ``.properties()`` and ``.configure()`` copy a layered chart by merging all its layers again,
    a third of the time a page spent building charts.
    """
    if isinstance(chart, (alt.Chart, alt.LayerChart)):
        properties = {"autosize": alt.AutoSizeParams(type="fit-x", contains="padding"), **properties}
    for key, value in properties.items():
        setattr(chart, key, value)
    chart.config = alt.Config(**theme(classroom)["config"])
    return chart


# -------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _Style:
    """Sizes that grow with ``classroom``: k is the scale factor."""

    k: float
    classroom: bool = False

    def color(self, colour: str) -> str:
        """A palette colour, darker in classroom mode when it is too light for a projector."""
        return for_projector(colour) if self.classroom else colour

    @property
    def font(self) -> float:
        return 13 * self.k

    def stroke(self, w: float = 2.0) -> float:
        return w * self.k

    def area(self, a: float) -> float:  # point areas grow with the square of the scale
        return a * self.k**2

    def step(self, n_groups: int, per_group: float = 26.0, dense: float = 9.0) -> float:
        return (per_group if n_groups <= MAX_LABELLED_GROUPS else dense) * self.k

    def height(self, n_groups: int, per_group: float = 26.0, dense: float = 9.0) -> int:
        return int(max(n_groups * self.step(n_groups, per_group, dense), 120 * self.k))


def _style(classroom: bool) -> _Style:
    return _Style(1.5 if classroom else 1.0, classroom=classroom)


def _require(df: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    """Raise a ValueError naming the missing columns (and the ones present)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{where}() needs a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{where}() needs column(s) {missing}; the frame has {list(df.columns)}")
    if df.empty:
        raise ValueError(f"{where}() got an empty frame")


def _data(df: pd.DataFrame) -> pd.DataFrame:
    """Chart data as a DataFrame (NaN shows as a missing value).

    Streamlit ships a DataFrame as Arrow and Altair does not check it value by value; inline
    ``alt.Data(values=...)`` records cost a schema check each (~0.1-0.3 s per chart, a third of a
    slider move). Exports go through Altair's default transformer, without its 5000-row limit
    (set when this module is imported): a data strip of 12 groups of 500 has 6000 rows.
    """
    return df.reset_index(drop=True)


def _groups(df: pd.DataFrame) -> list[str]:
    """Group labels in order of first appearance."""
    return [str(g) for g in pd.unique(df["group"].astype(str))]


def _labelled(groups: Sequence[str], n: Sequence[int] | None) -> list[str]:
    """Axis labels: ``"A  (n=20)"`` so group size is readable next to each group."""
    if n is None:
        return list(groups)
    return [f"{g}  (n={int(k)})" if pd.notna(k) else str(g) for g, k in zip(groups, n, strict=False)]


def _ordered(frame: pd.DataFrame, groups: Sequence[str]) -> pd.DataFrame:
    """``frame`` with an ``order`` column: the position of each row's group in ``groups``."""
    return frame.assign(order=frame["group"].astype(str).map({g: i for i, g in enumerate(groups)}))


def _group_y(labels: Sequence[str], title: str, field: str = "label", by_order: bool = True) -> alt.Y:
    """Groups on the y axis, in the order of ``labels``; names dropped when there are many.

    ``by_order=True``: every layer's data has the ``order`` column of :func:`_ordered` and the axis
    is sorted by it, not by a list of the labels. The labels carry n ("A  (n=20)"), so a list would
    change the spec with every group size: the browser would build the chart anew where it can
    otherwise swap the data of the chart on screen.
    """
    many = len(labels) > MAX_LABELLED_GROUPS
    axis = alt.Axis(
        title=f"{title} ({len(labels)}; hover for names)" if many else title,
        labels=not many,
        ticks=not many,
        grid=False,
    )
    sort = alt.EncodingSortField("order", op="min") if by_order else list(labels)
    return alt.Y(f"{field}:N", sort=sort, axis=axis)


def _key(
    keys: Sequence[str],
    s: _Style,
    shape: bool = True,
    shapes: dict[str, str] | None = None,
    symbol_stroke: float | None = None,
) -> dict:
    """``color`` (and ``shape``) encodings of the shared legend, on the ``key`` field.

    Colours and shapes come from ``_KEYS`` (so from the palette); ``shapes`` overrides
    some shapes, unknown keys get series colours. ``symbol_stroke`` sets the legend symbols'
    outline width (0 keeps the gaps of a dashed symbol open).
    """
    keys = list(dict.fromkeys(keys))
    colors = [
        s.color(_KEYS[k][0]) if k in _KEYS else SERIES_COLORS[i % len(SERIES_COLORS)]
        for i, k in enumerate(keys)
    ]
    stroke = s.stroke(2.5) if symbol_stroke is None else symbol_stroke
    legend = alt.Legend(title=None, symbolSize=s.area(150), symbolStrokeWidth=stroke, symbolOpacity=1)
    enc = {"color": alt.Color("key:N", scale=alt.Scale(domain=keys, range=colors), legend=legend)}
    if shape:
        shapes = {**{k: v[1] for k, v in _KEYS.items()}, **(shapes or {})}
        enc["shape"] = alt.Shape(
            "key:N",
            legend=legend,
            scale=alt.Scale(domain=keys, range=[shapes.get(k, "circle") for k in keys]),
        )
    return enc


def _paint(
    layers: Sequence[alt.Chart],
    keys: Sequence[str],
    s: _Style,
    shapes: dict[str, str] | None = None,
    symbol_stroke: float | None = None,
) -> list[alt.Chart]:
    """Give point layers the shared legend's colour and shape, rules and ticks its colour.

    Other marks (text, grey connecting lines) keep their own colour. A shape on a rule
    would draw a stray symbol at the rule's start, hence the distinction.
    """
    enc = _key(keys, s, shapes=shapes, symbol_stroke=symbol_stroke)
    by_mark = {"point": enc, "rule": {"color": enc["color"]}, "tick": {"color": enc["color"]}}
    return [lyr.encode(**by_mark.get(getattr(lyr.mark, "type", lyr.mark), {})) for lyr in layers]


def _as_key(chart: alt.Chart, label: str) -> alt.Chart:
    return chart.transform_calculate(key=json.dumps(label))


def _tip(field: str, title: str, fmt: str | None = _FMT) -> alt.Tooltip:
    """A tooltip line: numbers (with a d3 format) or, with ``fmt=None``, text."""
    if fmt:
        return alt.Tooltip(f"{field}:Q", title=title, format=fmt)
    return alt.Tooltip(f"{field}:N", title=title)


def _x(field: str, title: str, zero: bool = False, **scale) -> alt.X:
    """A quantitative x; ``zero=False`` scales get padding so edge marks are not cut."""
    if not zero:
        scale.setdefault("padding", 14)
    return alt.X(f"{field}:Q", title=title, scale=alt.Scale(zero=zero, **scale))


def _has_truth(df: pd.DataFrame) -> bool:
    return "true_mean" in df.columns and bool(df["true_mean"].notna().any())


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


def _title(text: str | None, subtitle: str | None = None) -> alt.TitleParams | str:
    if text is None:
        return ""
    return alt.TitleParams(text, subtitle=subtitle) if subtitle else text


# ------------------------------------------------------------------- data strip


def _strip_layers(
    obs: pd.DataFrame, y_label: str, true_means: pd.DataFrame | None, group_label: str, s: _Style
) -> tuple[list[alt.Chart], list[str], int]:
    """The strip plot's layers (observations, sample-mean ticks, true means), legend keys, height."""
    groups = _groups(obs)
    obs = obs.assign(group=obs["group"].astype(str))
    summ = obs.groupby("group", sort=False)["y"].agg(n="size", mean="mean", sd="std")
    summ = summ.reindex(groups).reset_index()
    labels = _labelled(groups, summ["n"])
    summ["label"] = labels
    summ = _ordered(summ, groups)
    label_of = dict(zip(groups, labels, strict=False))
    step = s.step(len(groups))
    rng = np.random.default_rng(0)  # deterministic jitter: the same picture every rerun
    pts = _ordered(obs[["group", "y"]], groups).assign(
        label=obs["group"].map(label_of), jitter=rng.uniform(-1, 1, len(obs))
    )
    y = _group_y(labels, group_label)
    keys = [OBS_LABEL, SAMPLE_MEAN_LABEL]
    layers = [
        _as_key(alt.Chart(_data(pts)), OBS_LABEL)
        .mark_point(
            filled=True,
            # on a projector the grey dots need more ink to be seen at the back of the room
            opacity=0.7 if s.classroom else 0.55,
            size=s.area(28 if len(groups) <= 30 else 10),
        )
        .encode(
            x=_x("y", y_label),
            y=y,
            # offsets count from the top of the row's band (80% of the step): centre them
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-1, 1], range=[step * 0.1, step * 0.7])),
            tooltip=[_tip("group", group_label, None), _tip("y", y_label)],
        ),
        _as_key(alt.Chart(_data(summ)), SAMPLE_MEAN_LABEL)
        .mark_tick(
            thickness=s.stroke(3),
            size=step * 0.8,
            orient="vertical",
            opacity=1,
        )
        .encode(
            x=_x("mean", y_label),
            y=y,
            tooltip=[
                _tip("group", group_label, None),
                _tip("n", "n", "d"),
                _tip("mean", "sample mean"),
                _tip("sd", "sample sd"),
            ],
        ),
    ]
    if true_means is not None:
        _require(true_means, ["group", "true_mean"], "data_strip(true_means)")
        tm = true_means.assign(group=true_means["group"].astype(str))
        tm = tm[tm["group"].isin(label_of) & tm["true_mean"].notna()]
        tm = _ordered(tm, groups).assign(label=tm["group"].map(label_of))
        if not tm.empty:
            keys.append(TRUE_LABEL)
            layers.append(_true_marks(alt.Chart(_data(tm)), "true_mean", y, y_label, group_label, s))
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
    _require(obs, ["group", "y"], "data_strip")
    s = _style(classroom)
    layers, keys, height = _strip_layers(obs, y_label, true_means, group_label, s)
    return apply_theme(
        alt.layer(*_paint(layers, keys, s), width=width, height=height, title=_title(title)),
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
    _require(obs, ["group", "y"], "complete_pooling_strip")
    _require(estimates, ["fit", "mean", "hdi_low", "hdi_high"], "complete_pooling_strip")
    pooled = estimates[estimates["fit"] == "pooled"]
    if pooled.empty:
        raise ValueError("complete_pooling_strip() needs a row with fit == 'pooled'")
    s = _style(classroom)
    layers, keys, height = _strip_layers(obs, y_label, true_means, group_label, s)
    label = FIT_LABELS["pooled"]
    line = pd.DataFrame([pooled.iloc[0][["mean", "hdi_low", "hdi_high"]].astype(float)])
    tips = [
        _tip("mean", f"{label} estimate"),
        _tip("hdi_low", "94% HDI low"),
        _tip("hdi_high", "94% HDI high"),
    ]
    base = alt.Chart(_data(line)).encode(tooltip=tips)
    band = base.mark_rect(color=s.color(FIT_COLORS["pooled"]), opacity=0.14).encode(
        x=_x("hdi_low", y_label), x2="hdi_high:Q"
    )
    rule = (
        _as_key(base, label)
        .mark_rule(strokeDash=[8, 5], strokeWidth=s.stroke(3))
        .encode(x=_x("mean", y_label))
    )
    # band under the dots, the line over them
    layers = [band, *layers, rule]
    keys = [*keys, label]
    return apply_theme(
        alt.layer(
            *_paint(layers, keys, s, shapes={label: _DASHED_VBAR}, symbol_stroke=0),
            width=width,
            height=height,
            title=_title(title, "Dashed line: the one common estimate; shaded: its 94% interval."),
        ),
        classroom,
    )


def _true_marks(base: alt.Chart, field: str, y, y_label: str, group_label: str, s: _Style) -> alt.Chart:
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
            x=_x(field, y_label),
            y=y,
            tooltip=[_tip("group", group_label, None), _tip(field, "true mean")],
        )
    )


# ---------------------------------------------------------------------- shrinkage


def _shrink_table(estimates: pd.DataFrame) -> pd.DataFrame:
    """One row per group: n, sample mean, the three fits' means, shift, pooling, truth."""
    est = estimates.assign(group=estimates["group"].astype(str))
    groups = _groups(est)
    means = est.groupby(["group", "fit"], sort=False)["mean"].first().unstack("fit")
    lacking = [f for f in ("unpooled", "hierarchical") if f not in means.columns]
    if lacking:
        raise ValueError(f"shrinkage() needs rows with fit == {lacking}")
    first = est.groupby("group", sort=False).first().reindex(groups)
    wide = pd.DataFrame({"group": groups, "n": first["n"].to_numpy()})
    for f in FITS:
        wide[f] = means[f].reindex(groups).to_numpy() if f in means.columns else np.nan
    wide["shift"] = wide["hierarchical"] - wide["unpooled"]
    for col in ("raw_mean", "true_mean"):
        wide[col] = first[col].to_numpy() if col in first.columns else np.nan
    hier = est[est["fit"] == "hierarchical"].groupby("group", sort=False).first()
    wide["pooling"] = hier["pooling"].reindex(groups).to_numpy() if "pooling" in hier.columns else np.nan
    wide["label"] = _labelled(groups, wide["n"])
    return _ordered(wide, groups)


def _shrink_tooltip(wide: pd.DataFrame, group_label: str) -> list[alt.Tooltip]:
    tips = [_tip("group", group_label, None), _tip("n", "n", "d")]
    if wide["raw_mean"].notna().any():
        tips.append(_tip("raw_mean", "sample mean"))
    tips += [
        _tip("unpooled", FIT_LABELS["unpooled"]),
        _tip("hierarchical", FIT_LABELS["hierarchical"]),
        _tip("shift", "moved by"),
    ]
    if wide["pooling"].notna().any():
        tips.append(_tip("pooling", "pooling factor", ".2f"))
    if wide["true_mean"].notna().any():
        tips.append(_tip("true_mean", "true mean"))
    return tips


def _pooled_rule(wide: pd.DataFrame, channel: str, title: str, s: _Style) -> alt.Chart | None:
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
        "tooltip": [_tip("pooled", FIT_LABELS["pooled"])],
    }
    return (
        _as_key(alt.Chart(_data(frame)), FIT_LABELS["pooled"])
        .mark_rule(strokeDash=[7, 5], strokeWidth=s.stroke(2.5))
        .encode(**enc)
    )


def shrinkage(
    estimates: pd.DataFrame,
    y_label: str,
    *,
    style: Literal["arrows", "slope", "by_n"] = "arrows",
    group_label: str = "group",
    title: str | None = "Partial pooling pulls groups toward the overall mean",
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """Shrinkage: each group's move from its no-pooling to its partial-pooling estimate.

    ``estimates``: the long estimates table, columns ``group``, ``fit``, ``mean``, ``n``
    (``raw_mean``, ``true_mean``, ``pooling`` used when present). Needs rows with
    ``fit == "unpooled"`` and ``"hierarchical"``; the ``"pooled"`` mean, if present, is
    drawn as a dashed rule.

    ``style``:

    - ``"arrows"`` (default): one row per group, an arrow from the no-pooling circle
      (area ~ n) to the partial-pooling arrowhead;
    - ``"slope"``: the two columns "No pooling" and "Partial pooling", a line per group;
    - ``"by_n"``: estimate against group size (log scale), vertical arrows -- the
      clearest picture of "small groups move most" when there are many groups.
    """
    _require(estimates, ["group", "fit", "mean", "n"], "shrinkage")
    if style not in ("arrows", "slope", "by_n"):
        raise ValueError(f"shrinkage(style=...) must be 'arrows', 'slope' or 'by_n', not {style!r}")
    s = _style(classroom)
    wide = _shrink_table(estimates)
    build = {"arrows": _shrink_arrows, "slope": _shrink_slope, "by_n": _shrink_by_n}[style]
    chart, height = build(wide, y_label, group_label, s)
    subtitle = {
        "arrows": "Each arrow runs from no pooling to partial pooling; "
        "small groups (small circles) move the most.",
        "slope": "Each line is a group; small groups (small dots) move the most.",
        "by_n": "Each arrow runs from no pooling to partial pooling; "
        "small groups (on the left) move the most.",
    }[style]
    return apply_theme(chart, classroom, width=width, height=height, title=_title(title, subtitle))


def _shrink_keys(wide: pd.DataFrame) -> list[str]:
    keys = [FIT_LABELS["unpooled"], FIT_LABELS["hierarchical"]]
    if wide["pooled"].notna().any():
        keys.append(FIT_LABELS["pooled"])
    if wide["true_mean"].notna().any():
        keys.append(TRUE_LABEL)
    return keys


def _n_size(wide: pd.DataFrame, s: _Style, biggest: float, legend: bool = True) -> alt.Size:
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


def _shrink_arrows(wide, y_label, group_label, s):
    """Groups on y; a circle (area ~ n) at no pooling, an arrow to partial pooling.

    n is also in the axis labels, so the circle sizes need no legend of their own.
    Truth goes under the arrows, so a diamond never hides an arrowhead.
    """
    J = len(wide)
    step = s.step(J, per_group=30)
    wide = wide.assign(angle=np.where(wide["shift"] >= 0, 0, 180))
    y = _group_y(wide["label"], group_label)
    tips = _shrink_tooltip(wide, group_label)
    base = alt.Chart(_data(wide)).encode(y=y, tooltip=tips)
    biggest = min((0.9 * step) ** 2, s.area(420))
    layers = [
        _as_key(base, FIT_LABELS["unpooled"])
        .mark_point(filled=True, opacity=0.9)
        .encode(x=_x("unpooled", y_label), size=_n_size(wide, s, biggest, legend=False)),
        _as_key(base, FIT_LABELS["hierarchical"])
        .mark_rule(
            strokeWidth=s.stroke(2.5 if J <= MAX_LABELLED_GROUPS else 1.5),
            opacity=0.85,
        )
        .encode(x=_x("unpooled", y_label), x2="hierarchical:Q"),
        _as_key(base, FIT_LABELS["hierarchical"])
        .mark_point(
            filled=True,
            opacity=1,
            size=min(s.area(110), (0.8 * step) ** 2),
        )
        .encode(x=_x("hierarchical", y_label), angle=alt.Angle("angle:Q", scale=None)),
    ]
    if wide["true_mean"].notna().any():
        layers.insert(0, _true_marks(base, "true_mean", y, y_label, group_label, s))
    rule = _pooled_rule(wide, "x", y_label, s)
    layers = ([rule] if rule is not None else []) + layers
    return alt.layer(*_paint(layers, _shrink_keys(wide), s)), s.height(J, per_group=30)


def _shrink_slope(wide, y_label, group_label, s):
    """Columns No pooling -> Partial pooling (-> True mean); one line per group."""
    truth = wide["true_mean"].notna().any()
    fits = {"unpooled": FIT_LABELS["unpooled"], "hierarchical": FIT_LABELS["hierarchical"]}
    columns = list(fits.values()) + ([TRUE_LABEL] if truth else [])
    long = wide.melt(id_vars=["group"], value_vars=list(fits), var_name="fit", value_name="estimate").join(
        wide.set_index("group"), on="group"
    )
    long["key"] = long["fit"].map(fits)
    # columns at x = 0, 1, 2 on a quantitative axis whose labels name them
    long["pos"] = long["key"].map({c: i for i, c in enumerate(columns)})
    x = alt.X(
        "pos:Q",
        title=None,
        scale=alt.Scale(domain=[-0.6, len(columns) - 0.4]),
        axis=alt.Axis(
            values=list(range(len(columns))),
            labelExpr=f"{columns}[datum.value]",
            labelFontWeight="bold",
            domain=False,
            ticks=False,
            grid=False,
            labelPadding=8,
            orient="top",
        ),
    )

    def yq(field):
        return alt.Y(f"{field}:Q", title=y_label, scale=alt.Scale(zero=False, padding=10))

    tips = _shrink_tooltip(wide, group_label)
    height = int(440 * s.k)
    base = alt.Chart(_data(long)).encode(x=x, y=yq("estimate"), tooltip=tips)
    layers = [
        base.mark_line(color="#a8a8a8", strokeWidth=s.stroke(1.5)).encode(detail="group:N"),
        base.mark_point(filled=True, opacity=0.95).encode(size=_n_size(wide, s, s.area(320))),
    ]
    if truth:
        # a dotted line from each group's partial-pooling estimate to its true mean
        tr = long[long["fit"] == "hierarchical"].dropna(subset=["true_mean"])
        tr = pd.concat([tr, tr.assign(pos=2, estimate=tr["true_mean"])])
        layers.append(
            alt.Chart(_data(tr))
            .mark_line(color=s.color(TRUE_COLOR), strokeDash=[2, 3], strokeWidth=s.stroke(1.2), opacity=0.7)
            .encode(x=x, y=yq("estimate"), detail="group:N", tooltip=tips)
        )
        layers.append(
            _as_key(alt.Chart(_data(tr[tr["pos"] == 2])), TRUE_LABEL)
            .mark_point(filled=False, strokeWidth=s.stroke(2), size=s.area(110), opacity=1)
            .encode(x=x, y=yq("estimate"), tooltip=tips)
        )
    if len(wide) <= MAX_LABELLED_GROUPS:  # group names left of the no-pooling column
        span = float(long["estimate"].max() - long["estimate"].min()) or 1.0
        lab = wide.assign(pos=0, ylab=_spread(wide["unpooled"].to_numpy(), span * 1.25 * s.font / height))
        layers.append(
            alt.Chart(_data(lab))
            .mark_text(align="right", dx=-14 * s.k)
            .encode(x=x, y=yq("ylab"), text="group:N", tooltip=tips)
        )
    rule = _pooled_rule(wide, "y", y_label, s)
    layers = ([rule] if rule is not None else []) + layers
    return alt.layer(*_paint(layers, _shrink_keys(wide), s)), height


def _shrink_by_n(wide, y_label, group_label, s):
    """Estimate against group size: vertical arrows, small groups on the left move most."""
    rng = np.random.default_rng(0)
    dup = wide["n"].duplicated(keep=False).to_numpy()
    wide = wide.assign(
        n_pos=wide["n"] * np.exp(np.where(dup, rng.uniform(-0.06, 0.06, len(wide)), 0.0)),
        angle=np.where(wide["shift"] >= 0, 270, 90),
    )
    x = alt.X(
        "n_pos:Q", title="group size n (log scale)", scale=alt.Scale(type="log", nice=False, padding=20 * s.k)
    )
    base = alt.Chart(_data(wide)).encode(x=x, tooltip=_shrink_tooltip(wide, group_label))
    size = s.area(70 if len(wide) <= MAX_LABELLED_GROUPS else 40)

    def yq(field):
        return alt.Y(f"{field}:Q", title=y_label, scale=alt.Scale(zero=False, padding=14))

    layers = [
        _as_key(base, FIT_LABELS["hierarchical"])
        .mark_rule(strokeWidth=s.stroke(1.5), opacity=0.8)
        .encode(y=yq("unpooled"), y2="hierarchical:Q"),
        _as_key(base, FIT_LABELS["unpooled"])
        .mark_point(filled=True, size=size, opacity=0.85)
        .encode(y=yq("unpooled")),
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
    return alt.layer(*_paint(layers, _shrink_keys(wide), s)), int(420 * s.k)


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
    _require(estimates, ["group", "fit", "mean", "hdi_low", "hdi_high", "n"], "forest")
    s = _style(classroom)
    est = estimates[estimates["fit"].isin(FITS)].assign(group=estimates["group"].astype(str))
    if est.empty:
        raise ValueError(f"forest() needs rows with fit in {FITS}")
    groups = _groups(est)
    n_of = est.groupby("group", sort=False)["n"].first().reindex(groups)
    label_of = dict(zip(groups, _labelled(groups, n_of), strict=False))
    est = _ordered(est, groups).assign(label=est["group"].map(label_of), key=est["fit"].map(FIT_LABELS))
    fits = [FIT_LABELS[f] for f in FITS if f in set(est["fit"])]
    J = len(groups)
    y = _group_y(list(label_of.values()), group_label)
    offset = alt.YOffset("key:N", sort=fits, scale=alt.Scale(domain=fits, paddingOuter=0.3))
    tips = [
        _tip("group", group_label, None),
        _tip("n", "n", "d"),
        _tip("key", "fit", None),
        _tip("mean", "posterior mean"),
    ]
    if "sd" in est.columns:
        tips.append(_tip("sd", "posterior sd"))
    tips += [_tip("hdi_low", "94% HDI low"), _tip("hdi_high", "94% HDI high")]
    keys = fits + ([TRUE_LABEL] if _has_truth(est) else [])
    base = alt.Chart(_data(est)).encode(y=y, yOffset=offset, tooltip=tips)
    layers = [
        base.mark_rule(strokeWidth=s.stroke(2.5 if J <= MAX_LABELLED_GROUPS else 1.5)).encode(
            x=_x("hdi_low", y_label), x2="hdi_high:Q"
        ),
        base.mark_point(filled=True, opacity=1, size=s.area(60 if J <= MAX_LABELLED_GROUPS else 14)).encode(
            x=_x("mean", y_label)
        ),
    ]
    if _has_truth(est):
        truth = est.groupby("group", sort=False).first().reset_index().dropna(subset=["true_mean"])
        layers.append(_true_marks(alt.Chart(_data(truth)), "true_mean", y, y_label, group_label, s))
    layers = _paint(layers, keys, s, shapes={FIT_LABELS["pooled"]: "square"})
    per_group = 12 * len(fits)
    return apply_theme(
        alt.layer(
            *layers,
            width=width,
            height=s.height(J, per_group=per_group, dense=5 * len(fits)),
            title=_title(title),
        ),
        classroom,
    )


# ---------------------------------------------------------------------- densities


def _bandwidth(v: np.ndarray) -> float:
    """Silverman's bandwidth for the finite draws ``v`` (from a spread of 1 when they have none)."""
    sd = v.std(ddof=1) if v.size > 1 else 0.0
    iqr = np.subtract(*np.percentile(v, [75, 25])) if v.size > 1 else 0.0
    spread = min(sd, iqr / 1.34) if iqr > 0 else sd
    return 0.9 * (spread if spread > 0 else 1.0) * max(v.size, 1) ** -0.2


def _kernel_density(centres: np.ndarray, grid: np.ndarray, bw: float, n_draws: int) -> np.ndarray:
    """Gaussian kernels (sd ``bw``) at ``centres`` summed at ``grid`` and divided by ``n_draws``.

    ``centres`` are the draws, plus their mirror images where a density is reflected at a bound
    (so there can be more centres than draws). They are binned linearly onto a fine grid (an
    eighth of a bandwidth or finer) and the counts convolved with the kernel, then read off at
    ``grid``: the same curve as one kernel per centre (within 0.2% of its peak) in a fraction of
    the time for thousands of draws.
    """
    reach = 5 * bw  # the kernel is below 4e-6 of its peak beyond 5 bandwidths
    lo, hi = grid[0] - reach, grid[-1] + reach
    c = centres[(centres > lo) & (centres < hi)]
    bins = int(np.clip(np.ceil(8 * (hi - lo) / bw), 512, 2**17)) + 1
    step = (hi - lo) / (bins - 1)
    pos = (c - lo) / step
    left = np.floor(pos).astype(int)
    right_share = pos - left
    counts = np.bincount(left, 1 - right_share, bins) + np.bincount(left + 1, right_share, bins + 1)[:bins]
    offsets = np.arange(-np.ceil(reach / step), np.ceil(reach / step) + 1) * step
    smooth = np.convolve(counts, np.exp(-0.5 * (offsets / bw) ** 2), mode="same")
    dens = np.interp(grid, lo + step * np.arange(bins), smooth)
    return dens / (n_draws * bw * np.sqrt(2 * np.pi))


def _kde(values: np.ndarray, grid_n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian kernel density with Silverman's bandwidth, on a grid past the data.

    Draws that are all >= 0 (a scale parameter: tau, sigma) are reflected at 0: no mass below it.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    bw = _bandwidth(v)
    positive = v.min() >= 0
    grid = np.linspace(0.0 if positive else v.min() - 3 * bw, v.max() + 3 * bw, grid_n)
    centres = np.concatenate([v, -v]) if positive else v
    return grid, _kernel_density(centres, grid, bw, v.size)


def posterior_density(
    draws: pd.DataFrame,
    x_label: str,
    *,
    title: str | None = None,
    width: int | str = "container",
    height: int = 260,
    classroom: bool = False,
) -> alt.LayerChart:
    """Posterior density curves (Gaussian KDE computed here).

    ``draws`` columns: ``value`` and either ``fit`` (one of FITS: coloured with the fit
    colours) or ``parameter`` (any label: colour-blind-safe series colours).
    """
    by = "fit" if "fit" in draws.columns else "parameter"
    _require(draws, ["value", by], "posterior_density")
    s = _style(classroom)
    rows = []
    for name, sub in draws.groupby(by, sort=False):
        grid, dens = _kde(sub["value"].to_numpy())
        rows.append(
            pd.DataFrame(
                {
                    "key": FIT_LABELS.get(name, str(name)) if by == "fit" else str(name),
                    "value": grid,
                    "density": dens,
                    "mean": sub["value"].mean(),
                    "sd": sub["value"].std(),
                    "lo": sub["value"].quantile(0.03),
                    "hi": sub["value"].quantile(0.97),
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    keys = list(dict.fromkeys(frame["key"]))
    if by == "fit":
        keys = [FIT_LABELS[f] for f in FITS if FIT_LABELS[f] in keys] + [
            k for k in keys if k not in FIT_LABELS.values()
        ]
    enc = _key(keys, s, shape=False)
    tips = [
        _tip("key", by, None),
        _tip("mean", "posterior mean"),
        _tip("sd", "posterior sd"),
        _tip("lo", "3% quantile"),
        _tip("hi", "97% quantile"),
    ]
    base = alt.Chart(_data(frame)).encode(
        x=_x("value", x_label),
        y=alt.Y("density:Q", title="posterior density"),
        detail="key:N",
        tooltip=tips,
        **enc,
    )
    chart = alt.layer(base.mark_area(opacity=0.18), base.mark_line(strokeWidth=s.stroke(2.5)))
    return apply_theme(chart, classroom, width=width, height=int(height * s.k), title=_title(title))


def grid_density(
    frame: pd.DataFrame,
    x_label: str,
    marker: float | None = None,
    *,
    y_label: str = "posterior density",
    marker_label: str = "now",
    title: str | None = None,
    width: int | str = "container",
    height: int = 260,
    classroom: bool = False,
) -> alt.LayerChart:
    """An exactly computed density on a grid, e.g. p(tau | y), with an optional marker.

    ``frame`` columns: ``x`` (grid, increasing), ``density``. A frame with ``density`` and
    one other column (``ExactPosterior.tau_frame()``: ``tau``, ``density``) works too.
    ``marker`` draws a vertical rule labelled ``"<marker_label> = <marker>"`` at that x.
    """
    others = [c for c in frame.columns if c != "density"] if isinstance(frame, pd.DataFrame) else []
    if "x" not in others and len(others) == 1:
        frame = frame.rename(columns={others[0]: "x"})
    _require(frame, ["x", "density"], "grid_density")
    s = _style(classroom)
    colour = s.color(FIT_COLORS["hierarchical"])
    base = alt.Chart(_data(frame[["x", "density"]])).encode(
        x=_x("x", x_label),
        y=alt.Y("density:Q", title=y_label),
        tooltip=[_tip("x", x_label), _tip("density", y_label)],
    )
    layers = [
        base.mark_area(opacity=0.2, color=colour),
        base.mark_line(color=colour, strokeWidth=s.stroke(2.5)),
        base.mark_point(opacity=0, size=s.area(60)),
    ]  # invisible: hover targets
    if marker is not None:
        m = pd.DataFrame({"x": [float(marker)], "text": [f"{marker_label} = {marker:.3g}"]})
        mb = alt.Chart(_data(m)).encode(x=_x("x", x_label))
        layers += [
            mb.mark_rule(color=MEAN_COLOR, strokeWidth=s.stroke(2), strokeDash=[4, 3]),
            mb.mark_text(align="left", dx=5 * s.k, dy=2, baseline="top", y=0, fontWeight="bold").encode(
                text="text:N"
            ),
        ]
    return apply_theme(
        alt.layer(*layers, width=width, height=int(height * s.k), title=_title(title)), classroom
    )


# ---------------------------------------------------------------------- tau curves


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
    _require(curves, ["tau", "group", value], "tau_curves")
    s = _style(classroom)
    y_label = y_label or _TAU_VALUES[value]
    df = curves.assign(group=curves["group"].astype(str)).sort_values("tau", kind="stable")
    groups = _groups(curves)
    height = int(height * s.k)
    scale = alt.Scale(domain=[0, 1]) if value == "pooling" else alt.Scale(zero=False)
    yy = alt.Y(f"{value}:Q", title=y_label, scale=scale)
    x = _x("tau", x_label, zero=True)
    tips = [_tip("group", "group", None), _tip("tau", "τ"), _tip(value, y_label)]
    colour = s.color(FIT_COLORS["hierarchical"])
    few = len(groups) <= MAX_LABELLED_GROUPS
    base = alt.Chart(_data(df[["tau", "group", value]])).encode(x=x, y=yy, tooltip=tips)
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
            alt.Chart(_data(ends))
            .mark_text(align="left", dx=6 * s.k)
            .encode(
                x=x,
                y=alt.Y("ylab:Q", title=y_label, scale=scale),
                text="group:N",
                tooltip=[_tip("group", "group", None), _tip(value, y_label)],
            )
        )
    if tau_now is not None:
        m = pd.DataFrame({"tau": [float(tau_now)], "text": [f"τ = {tau_now:.3g}"]})
        mb = alt.Chart(_data(m)).encode(x=x)
        layers += [
            mb.mark_rule(color=MEAN_COLOR, strokeDash=[4, 3], strokeWidth=s.stroke(2)),
            mb.mark_text(align="left", dx=5 * s.k, y=0, baseline="top", fontWeight="bold").encode(
                text="text:N"
            ),
        ]
    return apply_theme(alt.layer(*layers, width=width, height=height, title=_title(title)), classroom)


# --------------------------------------------------------------------------- funnel


def funnel(
    draws: pd.DataFrame,
    theta_label: str,
    *,
    log_tau_label: str = "log τ",
    title: str | None = "Neal's funnel: where the sampler struggles",
    width: int = 320,
    height: int = 300,
    classroom: bool = False,
) -> alt.FacetChart:
    """Scatter of a group parameter (x) against log tau (y), one panel per ``form``.

    ``draws`` columns: ``log_tau``, ``theta``, ``diverging`` (bool), ``form`` (str, e.g.
    ``"centered"`` / ``"non-centered"``). Divergent transitions are drawn on top, larger,
    in a colour no fit uses; the panel header counts them.
    """
    _require(draws, ["log_tau", "theta", "diverging", "form"], "funnel")
    s = _style(classroom)
    df = draws[["log_tau", "theta", "diverging", "form"]].assign(
        diverging=draws["diverging"].astype(bool), form=draws["form"].astype(str)
    )
    forms = _groups(df.rename(columns={"form": "group"}))
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
        x=_x("theta", theta_label),
        y=alt.Y("log_tau:Q", title=log_tau_label),
        tooltip=[
            _tip("form", "form", None),
            _tip("theta", theta_label),
            _tip("log_tau", log_tau_label),
            _tip("diverging", "divergent", None),
        ],
        **enc,
    )
    layers = alt.layer(
        base.transform_filter("!datum.diverging").mark_point(filled=True, opacity=0.3, size=s.area(12)),
        base.transform_filter("datum.diverging").mark_point(
            filled=True, opacity=0.95, size=s.area(55), stroke="white", strokeWidth=0.6 * s.k
        ),
        data=_data(df),
    ).properties(width=int(width * s.k), height=int(height * s.k))
    chart = layers.facet(column=alt.Column("panel:N", sort=[panel[f] for f in forms], title=None))
    return apply_theme(chart, classroom, title=_title(title))


# ------------------------------------------------------------------ MCMC diagnostics


def _chains(draws: pd.DataFrame, where: str, legend: bool = True) -> tuple[pd.DataFrame, dict]:
    _require(draws, ["chain", "draw", "value", "parameter"], where)
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
    """Rank histograms: one row per parameter, one panel per chain.

    ``draws`` columns: ``chain``, ``draw``, ``value``, ``parameter``. Draws are ranked over
    all chains per parameter; if the chains mix well every histogram is flat, near the
    dashed line (the count expected under uniform ranks). Within a row the panels share
    the count axis, so a chain stuck high or low shows as a slope.
    """
    df, enc = _chains(draws, "rank_plot", legend=False)  # the panel headers name the chains
    s = _style(classroom)
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
        _tip("parameter", "parameter", None),
        _tip("chain", "chain", None),
        _tip("count", "draws in bin", "d"),
        _tip("expected", "expected", ".1f"),
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
            data=_data(sub),
        ).properties(width=int(width * s.k), height=int(height * s.k))
        header = (
            alt.Header(labelFontSize=round(13 * s.k), labelExpr="'chain ' + datum.value")
            if i == 0
            else alt.Header(labels=False)
        )
        rows.append(panel.facet(column=alt.Column("chain:N", sort=chains, title=None, header=header)))
    chart = alt.vconcat(*rows, spacing=8 * s.k).properties(
        title=_title(
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
    s = _style(classroom)
    params = list(dict.fromkeys(df["parameter"]))
    chart = (
        alt.Chart(_data(df))
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
    return apply_theme(chart, classroom, title=_title(title))


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
    _require(estimates, ["group", "fit", "pooling", "n"], "pooling_bars")
    s = _style(classroom)
    hier = estimates[estimates["fit"] == "hierarchical"].assign(group=lambda d: d["group"].astype(str))
    if hier.empty:
        raise ValueError("pooling_bars() needs rows with fit == 'hierarchical'")
    hier = hier.groupby("group", sort=False)[["n", "pooling"]].first().reset_index()
    hier["label"] = _labelled(hier["group"], hier["n"])
    hier = _ordered(hier, list(hier["group"]))
    J = len(hier)
    y = _group_y(hier["label"], group_label)
    x = alt.X(
        "pooling:Q",
        scale=alt.Scale(domain=[0, 1]),
        title="pooling factor (0 = no pooling, 1 = complete pooling)",
        axis=alt.Axis(values=[0, 0.25, 0.5, 0.75, 1], format=".2~f"),
    )
    base = alt.Chart(_data(hier)).encode(
        y=y,
        x=x,
        tooltip=[
            _tip("group", group_label, None),
            _tip("n", "n", "d"),
            _tip("pooling", "pooling factor", ".2f"),
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
    return apply_theme(alt.layer(*layers, width=width, height=s.height(J), title=_title(title)), classroom)
