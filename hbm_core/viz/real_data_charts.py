"""Charts of the real-data pages (radon, reed frogs): pure functions from tidy frames to Altair.

Same conventions as :mod:`hbm_core.viz.charts`: colours from :mod:`hbm_core.viz.palette` (complete pooling
dark grey and dashed, no pooling blue circles, partial pooling vermillion triangles), one legend
on top, labelled axes with units, ``classroom=True`` for projection, charts returned already
themed with :func:`hbm_core.viz.charts.apply_theme`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from hbm_core.viz.charts import _bandwidth, _data, _kernel_density, apply_theme
from hbm_core.viz.palette import FIT_COLORS, FIT_LABELS, FITS, MEAN_COLOR

_FMT = ".3~r"
POPULATION_LABEL = "Population median"
OBSERVED_LABEL = "No pooling (observed)"


def _k(classroom: bool) -> float:
    return 1.5 if classroom else 1.0


def _require(df: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{where}() needs column(s) {missing}; the frame has {list(df.columns)}")
    if df.empty:
        raise ValueError(f"{where}() got an empty frame")


def _legend(k: float) -> alt.Legend:
    return alt.Legend(title=None, symbolSize=150 * k**2, symbolStrokeWidth=2.5 * k, symbolOpacity=1)


# ------------------------------------------------------------------------ reed-frog tanks


def tank_survival(
    tanks: pd.DataFrame,
    population_median: float | None = None,
    *,
    groups: dict[int, str] | None = None,
    title: str | None = "Survival in each tank: no pooling vs partial pooling",
    width: int | str = "container",
    height: int = 380,
    classroom: bool = False,
) -> alt.LayerChart:
    """Statistical Rethinking's Figure 13.1: proportion surviving per tank, tanks grouped by density.

    ``tanks`` columns: ``tank`` (1..T, already ordered by density), ``density``, ``observed``
    (proportion surviving: the no-pooling estimate), ``hierarchical`` (partial pooling's posterior
    mean survival); optional ``pooled``, ``unpooled``, ``survivors``, ``predator``, ``size``,
    ``pooling`` (tooltips). Each tank gets a blue circle (its observed proportion, i.e. no pooling)
    and a vermillion triangle (partial pooling) pointing the way it moved; the dashed lines are
    complete pooling (grey) and partial pooling's population median ``expit(mu)`` (vermillion),
    labelled at their right ends. ``groups``: density -> label written over its block of tanks.
    """
    _require(tanks, ["tank", "density", "observed", "hierarchical"], "tank_survival")
    k = _k(classroom)
    df = tanks.copy()
    df["angle"] = np.where(df["hierarchical"] >= df["observed"], 270, 90)
    x_scale = alt.Scale(domain=[0.5, float(df["tank"].max()) + 0.5], nice=False, zero=False)
    x = alt.X(
        "tank:Q",
        title="tank (grouped by number of tadpoles per tank)",
        scale=x_scale,
        axis=alt.Axis(values=[1, *range(8, int(df["tank"].max()) + 1, 8)], grid=False),
    )
    y_scale = alt.Scale(domain=[0, 1.1], nice=False)
    y_axis = alt.Axis(values=[0, 0.2, 0.4, 0.6, 0.8, 1.0], format=".0%")

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title="proportion surviving", scale=y_scale, axis=y_axis)

    # The two fits are in the legend; the two horizontal lines are labelled where they end.
    keys = [OBSERVED_LABEL, FIT_LABELS["hierarchical"]]
    has_pooled = "pooled" in df.columns and df["pooled"].notna().any()
    colors = {OBSERVED_LABEL: FIT_COLORS["unpooled"], FIT_LABELS["hierarchical"]: FIT_COLORS["hierarchical"]}
    shapes = {OBSERVED_LABEL: "circle", FIT_LABELS["hierarchical"]: "triangle-right"}
    color = alt.Color(
        "key:N", scale=alt.Scale(domain=keys, range=[colors[c] for c in keys]), legend=_legend(k)
    )
    shape = alt.Shape(
        "key:N", scale=alt.Scale(domain=keys, range=[shapes[c] for c in keys]), legend=_legend(k)
    )

    tips = [alt.Tooltip("tank:Q", title="tank"), alt.Tooltip("density:Q", title="tadpoles in tank")]
    for col, name in (("survivors", "survivors"), ("predator", "predators"), ("size", "tadpole size")):
        if col in df.columns:
            tips.append(alt.Tooltip(f"{col}:N", title=name))
    if "observed" in df.columns:
        tips.append(alt.Tooltip("observed:Q", title="observed proportion", format=".0%"))
    for fit in FITS:
        if fit in df.columns:
            name = FIT_LABELS[fit] + (" (model, own prior)" if fit == "unpooled" else "")
            tips.append(alt.Tooltip(f"{fit}:Q", title=name, format=".1%"))
    if "pooling" in df.columns:
        tips.append(alt.Tooltip("pooling:Q", title="pooling factor", format=".2f"))

    base = alt.Chart(_data(df)).encode(x=x, tooltip=tips)
    layers: list[alt.Chart] = []
    # Block separators and labels (where the density changes).
    starts = df.groupby("density", sort=False)["tank"].agg(["min", "max"]).reset_index()
    seps = pd.DataFrame({"tank": (starts["min"].iloc[1:] - 0.5).to_numpy()})
    if not seps.empty:
        layers.append(
            alt.Chart(_data(seps))
            .mark_rule(color="#9a9a9a", strokeWidth=1.2 * k)
            .encode(x=alt.X("tank:Q", scale=x_scale))
        )
    labels = starts.assign(
        tank=(starts["min"] + starts["max"]) / 2,
        text=[(groups or {}).get(int(d), f"{int(d)} tadpoles per tank") for d in starts["density"]],
        y=1.05,
    )
    layers.append(
        alt.Chart(_data(labels))
        .mark_text(fontWeight="bold", fontSize=round(13 * k), color="#333")
        .encode(x=alt.X("tank:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="text:N")
    )
    right = float(df["tank"].max()) + 0.5
    for label, value, dash, colour in (
        (
            FIT_LABELS["pooled"].lower(),
            float(df["pooled"].dropna().iloc[0]) if has_pooled else None,
            [7, 5],
            FIT_COLORS["pooled"],
        ),
        (POPULATION_LABEL.lower(), population_median, [3, 3], FIT_COLORS["hierarchical"]),
    ):
        if value is None:
            continue
        rule = pd.DataFrame({"value": [value], "tank": [right], "text": [f"{label} {value:.0%}"]})
        line = alt.Chart(_data(rule)).encode(
            y=y("value"),
            tooltip=[alt.Tooltip("text:N", title="line"), alt.Tooltip("value:Q", format=".1%")],
        )
        text = {"align": "right", "baseline": "bottom", "dx": -4 * k, "dy": -3 * k, "fontSize": round(12 * k)}
        layers += [
            line.mark_rule(strokeDash=dash, strokeWidth=2.5 * k, color=colour),
            line.mark_text(stroke="white", strokeWidth=4 * k, strokeJoin="round", **text).encode(
                x=alt.X("tank:Q", scale=x_scale), text="text:N"
            ),
            line.mark_text(color=colour, fontWeight="bold", **text).encode(
                x=alt.X("tank:Q", scale=x_scale), text="text:N"
            ),
        ]
    layers += [
        base.mark_rule(color="#a8a8a8", strokeWidth=1.5 * k).encode(y=y("observed"), y2="hierarchical:Q"),
        base.transform_calculate(key=json.dumps(OBSERVED_LABEL))
        .mark_point(filled=True, opacity=0.9, size=70 * k**2)
        .encode(y=y("observed"), color=color, shape=shape),
        base.transform_calculate(key=json.dumps(FIT_LABELS["hierarchical"]))
        .mark_point(filled=True, opacity=1, size=80 * k**2)
        .encode(y=y("hierarchical"), color=color, shape=shape, angle=alt.Angle("angle:Q", scale=None)),
    ]
    chart = alt.layer(*layers, width=width, height=int(height * k), title=title or "")
    return apply_theme(chart, classroom)


def density_shrinkage(
    summary: pd.DataFrame,
    *,
    title: str | None = "Average shrinkage by tank size",
    width: int | str = "container",
    classroom: bool = False,
) -> alt.LayerChart:
    """Bars of the mean |partial pooling - observed| survival per tank size, in percentage points.

    ``summary``: :func:`hbm_core.lessons.real_data.density_summary` (columns ``tank size``,
    ``mean_shift``; ``max_shift``, ``tanks``, ``pooling`` in tooltips).
    """
    _require(summary, ["tank size", "mean_shift"], "density_shrinkage")
    k = _k(classroom)
    order = list(summary["tank size"])
    tips = [alt.Tooltip("tank size:N"), alt.Tooltip("mean_shift:Q", title="mean |shift| (pp)", format=".1f")]
    for col, name, fmt in (("max_shift", "largest |shift| (pp)", ".1f"), ("pooling", "mean pooling", ".2f")):
        if col in summary.columns:
            tips.append(alt.Tooltip(f"{col}:Q", title=name, format=fmt))
    base = alt.Chart(_data(summary)).encode(
        y=alt.Y("tank size:N", sort=order, title=None),
        x=alt.X(
            "mean_shift:Q",
            title="mean shift (percentage points of survival)",
            scale=alt.Scale(domain=[0, float(summary["mean_shift"].max()) * 1.15], nice=False),
        ),
        tooltip=tips,
    )
    chart = alt.layer(
        base.mark_bar(color=FIT_COLORS["hierarchical"], opacity=0.85, size=34 * k),
        base.mark_text(align="left", dx=5 * k, fontSize=round(13 * k)).encode(
            text=alt.Text("mean_shift:Q", format=".1f")
        ),
    ).properties(width=width, height=int(150 * k), title=title or "")
    return apply_theme(chart, classroom)


# -------------------------------------------------------------------- predictive densities


def _kde(values: np.ndarray, grid: np.ndarray, bounds: tuple[float, float] | None) -> np.ndarray:
    """Gaussian KDE (Silverman's bandwidth) on ``grid``; reflected at ``bounds`` when given."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    centres = v if bounds is None else np.concatenate([v, 2 * bounds[0] - v, 2 * bounds[1] - v])
    return _kernel_density(centres, grid, _bandwidth(v), v.size)


def predictive_density(
    draws: pd.DataFrame,
    x_label: str,
    *,
    domain: tuple[float, float] | None = None,
    bounds: tuple[float, float] | None = None,
    marker: float | None = None,
    marker_label: str | None = None,
    y_label: str = "predictive density",
    x_format: str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    width: int | str = "container",
    height: int = 260,
    classroom: bool = False,
) -> alt.LayerChart:
    """Density of predictive draws, one curve per fit (fit colours; complete pooling dashed).

    ``draws`` columns: ``value`` and ``fit`` (one of FITS). ``domain``: x range (share it between
    charts that should be compared); ``bounds``: hard limits of the variable (e.g. (0, 1) for a
    probability), where the density is reflected instead of leaking past them. ``marker`` draws
    a labelled vertical rule (e.g. a threshold). Curves overlap (they are not stacked).
    """
    _require(draws, ["value", "fit"], "predictive_density")
    k = _k(classroom)
    values = draws["value"].to_numpy(dtype=float)
    lo, hi = domain if domain is not None else (np.nanmin(values), np.nanmax(values))
    if bounds is not None:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    grid = np.linspace(lo, hi, 240)
    rows = []
    fits = [f for f in FITS if f in set(draws["fit"])]
    for fit in fits:
        v = draws.loc[draws["fit"] == fit, "value"].to_numpy(dtype=float)
        q = np.quantile(v, [0.03, 0.97])
        rows.append(
            pd.DataFrame(
                {
                    "value": grid,
                    "density": _kde(v, grid, bounds),
                    "key": FIT_LABELS[fit],
                    "mean": float(np.mean(v)),
                    "lo": float(q[0]),
                    "hi": float(q[1]),
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    keys = [FIT_LABELS[f] for f in fits]
    color = alt.Color(
        "key:N",
        scale=alt.Scale(domain=keys, range=[FIT_COLORS[f] for f in fits]),
        legend=_legend(k),
    )
    dash = alt.StrokeDash(
        "key:N",
        scale=alt.Scale(domain=keys, range=[[7, 5] if f == "pooled" else [1, 0] for f in fits]),
        legend=None,
    )
    fmt = x_format or _FMT
    x_scale = alt.Scale(domain=[float(lo), float(hi)], nice=False, zero=False)
    x = alt.X(
        "value:Q",
        title=x_label,
        scale=x_scale,
        axis=alt.Axis(format=x_format) if x_format else alt.Axis(),
    )
    tips = [
        alt.Tooltip("key:N", title="fit"),
        alt.Tooltip("mean:Q", title="predictive mean", format=fmt),
        alt.Tooltip("lo:Q", title="3% quantile", format=fmt),
        alt.Tooltip("hi:Q", title="97% quantile", format=fmt),
    ]
    # headroom above the highest curve, where the marker's label goes
    y = alt.Y(
        "density:Q",
        title=y_label,
        stack=None,
        scale=alt.Scale(domain=[0, float(frame["density"].max()) * 1.18], nice=False),
    )
    base = alt.Chart(_data(frame)).encode(x=x, y=y, color=color, detail="key:N", tooltip=tips)
    layers = [
        base.mark_area(opacity=0.12),
        base.mark_line(strokeWidth=2.5 * k).encode(strokeDash=dash),
    ]
    if marker is not None and lo <= marker <= hi:
        m = pd.DataFrame({"value": [float(marker)], "text": [marker_label or f"{marker:.3g}"]})
        mb = alt.Chart(_data(m)).encode(x=alt.X("value:Q", scale=x_scale), text="text:N")
        # the label sits on the roomier side of the rule, on a white halo so curves never hide it
        left = marker > (lo + hi) / 2
        text = {
            "align": "right" if left else "left",
            "baseline": "top",
            "dx": (-6 if left else 6) * k,
            "y": 4,
            "fontSize": round(12 * k),
        }
        layers += [
            mb.mark_rule(color=MEAN_COLOR, strokeDash=[4, 3], strokeWidth=1.5 * k),
            mb.mark_text(stroke="white", strokeWidth=4 * k, strokeJoin="round", **text),
            mb.mark_text(color=MEAN_COLOR, **text),
        ]
    heading = alt.TitleParams(title or "", subtitle=subtitle) if subtitle else (title or "")
    chart = alt.layer(*layers, width=width, height=int(height * k), title=heading)
    return apply_theme(chart, classroom)
