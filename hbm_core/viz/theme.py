"""The look every chart shares, and the building blocks every chart family uses.

One place for what makes the charts of :mod:`hbm_core.viz` look and behave alike, so a family module
(:mod:`~hbm_core.viz.pooling`, :mod:`~hbm_core.viz.density`, ...) only says what it draws:

- :func:`theme` and :func:`apply_theme`: fonts, colours of text and axes, top legend, the
  ``classroom`` (projector) sizes; charts come back already configured, so they cannot be layered
  further; give charts of your own the same look with :func:`apply_theme`;
- :class:`Style` (from :func:`style_for`): mark sizes and colours that grow or darken with
  ``classroom=True`` (~1.5x fonts, thicker marks, the palette's projector variants);
- the shared legend of the fits, the true mean and the observations (:func:`key_encoding`,
  :func:`legend`): each kind of pooling keeps one colour and one shape on every chart
  (see :mod:`hbm_core.viz.palette`), so nothing relies on colour alone;
- input checks and chart data (:func:`require`, :func:`chart_data`), groups on the vertical axis in
  the order they first appear (:func:`group_order`, :func:`group_y`; beyond
  ``MAX_LABELLED_GROUPS`` groups the names leave the axis and stay in the tooltips), tooltips
  rounding estimates to 3 significant digits (:func:`tooltip`), quantitative x encodings
  (:func:`x_quantity`) and titles (:func:`chart_title`).

Conventions: a required column missing from the input raises ``ValueError`` naming it; the width
is ``"container"`` unless a chart is faceted (then ``width`` is one panel's); the height grows with
the number of groups. Pages show a chart with ``st.altair_chart(chart, use_container_width=True)``;
no Streamlit here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

from hbm_core.viz.palette import (
    DATA_COLOR,
    FIT_COLORS,
    FIT_LABELS,
    MEAN_COLOR,
    SERIES_COLORS,
    TRUE_COLOR,
    for_projector,
)

MAX_LABELLED_GROUPS = 30
"""Beyond this many groups, group names are left off the axis (tooltips keep them)."""

CLASSROOM_PLOT_HEIGHT = 420
"""The least height (px) of a chart's plot in classroom mode: on a 1920x1080 projector the chart then
fills the screen between the step's sentence and its caption (at 26 px per group, six groups left
~40% of the screen blank)."""

NUMBER_FORMAT = ".3~r"
"""Estimates in tooltips: 3 significant digits, no trailing zeros (a d3 format)."""

# Charts carry DataFrames (see chart_data); exports and tests turn them into JSON with Altair's default
# transformer, whose 5000-row limit a large data strip or a trace plot passes. Set once, here:
# switching it on and off around each export would race with Streamlit's own transformer switch.
alt.data_transformers.disable_max_rows()

TRUE_LABEL = "True mean"
OBS_LABEL = "Observation"
#: The start of a shrinkage arrow drawn at the group's own data (observed proportion), not at
#: the no-pooling posterior: same colour and shape as no pooling, which it stands for.
OWN_DATA_LABEL = "Own data (observed)"
SAMPLE_MEAN_LABEL = "Sample mean"

_VBAR = "M-0.22,-1H0.22V1H-0.22Z"  # SVG path: a thin upright bar, for rules and ticks

# Every mark with a legend entry: label -> (colour, shape). One shared legend per chart.
_KEYS = {
    FIT_LABELS["unpooled"]: (FIT_COLORS["unpooled"], "circle"),
    FIT_LABELS["hierarchical"]: (FIT_COLORS["hierarchical"], "triangle-right"),
    FIT_LABELS["pooled"]: (FIT_COLORS["pooled"], _VBAR),
    OWN_DATA_LABEL: (FIT_COLORS["unpooled"], "circle"),
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
        # labels closer than this are thinned out too: touching ones ("2.53.0") read as one number
        # on a narrow chart (a chart beside its controls at 1024 px)
        "labelSeparation": 4 * k,
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
                # two entries a row: a legend does not wrap by itself, and three or four entries in
                # one row ran past a half-page chart at 1024 px and a phone-wide one (issue #20)
                "columns": 2,
            },
            # fewer numbers on a projector's axes: 1.5x labels would crowd each other
            "axisQuantitative": {"tickCount": 5 if classroom else 8},
            # a number axis whose domain ends between ticks (nice=False) centres an end label on its
            # tick, which then ran past the chart's edge ("0.14" cut on a narrow histogram): labels
            # within this many px of an end are aligned flush to it instead (Vega's labelFlush)
            "axisXQuantitative": {"labelFlush": round(20 * k)},
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
    chart.config = _config(classroom)
    return chart


@functools.cache
def _config(classroom: bool) -> alt.Config:
    """:func:`theme` as one ``alt.Config`` per flavour, made once: Altair checks a new Config against
    the Vega-Lite schema, which took a fifth of the time to build a chart. Charts only read it."""
    return alt.Config(**theme(classroom)["config"])


def themed_layers(
    layers: list, width: int | str, height: int, title: str | None, classroom: bool
) -> alt.LayerChart:
    """``layers`` as one themed layered chart of the given size (``height`` in pixels, already scaled)."""
    return apply_theme(alt.layer(*layers, width=width, height=height, title=chart_title(title)), classroom)


# --------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Style:
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
        """The plot's height (px) for ``n_groups`` rows; in classroom mode at least a projector's
        :data:`CLASSROOM_PLOT_HEIGHT`."""
        least = CLASSROOM_PLOT_HEIGHT if self.classroom else 120 * self.k
        return int(max(n_groups * self.step(n_groups, per_group, dense), least))


def style_for(classroom: bool) -> Style:
    """The sizes of a chart on a screen (scale 1) or, ``classroom=True``, on a projector (1.5)."""
    return Style(1.5 if classroom else 1.0, classroom=classroom)


# -------------------------------------------------------------------------- legend


def legend(s: Style, symbol_stroke: float | None = None) -> alt.Legend:
    """The legend of the fits' colours and shapes: no title, large opaque symbols.

    ``symbol_stroke`` sets the symbols' outline width (0 keeps the gaps of a dashed symbol open).
    """
    stroke = s.stroke(2.5) if symbol_stroke is None else symbol_stroke
    return alt.Legend(title=None, symbolSize=s.area(150), symbolStrokeWidth=stroke, symbolOpacity=1)


def key_encoding(
    keys: Sequence[str],
    s: Style,
    shape: bool = True,
    shapes: dict[str, str] | None = None,
    symbol_stroke: float | None = None,
) -> dict:
    """``color`` (and ``shape``) encodings of the shared legend, on the ``key`` field.

    Colours and shapes come from the legend's entries (so from the palette); ``shapes`` overrides
    some shapes, unknown keys get series colours.
    """
    keys = list(dict.fromkeys(keys))
    colors = [
        s.color(_KEYS[k][0]) if k in _KEYS else SERIES_COLORS[i % len(SERIES_COLORS)]
        for i, k in enumerate(keys)
    ]
    shared = legend(s, symbol_stroke)
    enc = {"color": alt.Color("key:N", scale=alt.Scale(domain=keys, range=colors), legend=shared)}
    if shape:
        shapes = {**{k: v[1] for k, v in _KEYS.items()}, **(shapes or {})}
        enc["shape"] = alt.Shape(
            "key:N",
            legend=shared,
            scale=alt.Scale(domain=keys, range=[shapes.get(k, "circle") for k in keys]),
        )
    return enc


# ---------------------------------------------------------------- data and encodings


def require(df: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    """Raise a ValueError naming the missing columns (and the ones present)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{where}() needs a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{where}() needs column(s) {missing}; the frame has {list(df.columns)}")
    if df.empty:
        raise ValueError(f"{where}() got an empty frame")


def chart_data(df: pd.DataFrame) -> pd.DataFrame:
    """Chart data as a DataFrame (NaN shows as a missing value).

    Streamlit ships a DataFrame as Arrow and Altair does not check it value by value; inline
    ``alt.Data(values=...)`` records cost a schema check each (~0.1-0.3 s per chart, a third of a
    slider move). Exports go through Altair's default transformer, without its 5000-row limit
    (set when this module is imported): a data strip of 12 groups of 500 has 6000 rows.
    """
    return df.reset_index(drop=True)


def group_order(df: pd.DataFrame) -> list[str]:
    """Group labels (the ``group`` column, as text) in order of first appearance."""
    return [str(g) for g in pd.unique(df["group"].astype(str))]


def group_y(labels: Sequence[str], title: str, field: str = "label", by_order: bool = True) -> alt.Y:
    """Groups on the y axis, in the order of ``labels``; names dropped when there are many.

    ``by_order=True``: every layer's data has an ``order`` column (the position of the row's group)
    and the axis is sorted by it, not by a list of the labels. The labels carry n ("A  (n=20)"), so
    a list would change the spec with every group size: the browser would build the chart anew where
    it can otherwise swap the data of the chart on screen.
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


def tooltip(field: str, title: str, fmt: str | None = NUMBER_FORMAT) -> alt.Tooltip:
    """A tooltip line: numbers (with a d3 format) or, with ``fmt=None``, text."""
    if fmt:
        return alt.Tooltip(f"{field}:Q", title=title, format=fmt)
    return alt.Tooltip(f"{field}:N", title=title)


def x_quantity(field: str, title: str, zero: bool = False, **scale) -> alt.X:
    """A quantitative x; ``zero=False`` scales get padding so edge marks are not cut."""
    if not zero:
        scale.setdefault("padding", 14)
    return alt.X(f"{field}:Q", title=title, scale=alt.Scale(zero=zero, **scale))


def chart_title(text: str | None, subtitle: str | None = None) -> alt.TitleParams | str:
    """A chart's title: none for ``None``, with a subtitle line when one is given."""
    if text is None:
        return ""
    return alt.TitleParams(text, subtitle=subtitle) if subtitle else text


# Colours of the chart's frame that Streamlit's theme gives in the browser (its light or dark theme's
# background, text and grid colours, switched live with the theme): left out of the spec sent there.
_THEMED_BY_STREAMLIT = {
    "": ("background",),
    "axis": ("labelColor", "titleColor", "domainColor", "tickColor", "gridColor"),
    "legend": ("labelColor", "titleColor"),
    "header": ("labelColor", "titleColor"),
    "title": ("color", "subtitleColor"),
}


def for_streamlit_theme(spec: dict) -> dict:
    """``spec`` (a dict, shared ``datasets``) without the frame colours of :func:`theme`, which then come
    from Streamlit's light or dark theme (``st.vega_lite_chart(..., theme=None)`` merges its theme's
    colours under the spec's config). Exports keep :func:`theme`'s white background and dark ink."""
    config = dict(spec.get("config", {}))
    for section, keys in _THEMED_BY_STREAMLIT.items():
        part = config if section == "" else dict(config.get(section, {}))
        for key in keys:
            part.pop(key, None)
        if section:
            config[section] = part
    return {**spec, "config": config}
