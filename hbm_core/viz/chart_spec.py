"""An Altair chart as a Vega-Lite spec whose data sit in datasets named by position.

Streamlit names a chart's datasets by a hash of their content, so new data make a new spec, and the
browser builds the chart anew (Vega-Lite compile, Vega parse, a new view) on every slider move.
When the spec itself stays the same and only its datasets change, Streamlit's frontend swaps the
data of the chart on screen instead, which is several times less work for the browser.
:func:`named_spec` gives each DataFrame a name from its place in the chart (``data0``, ``data1``,
...), so a chart redrawn with new numbers but the same structure has the same spec.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

#: Chart attributes that hold sub-charts (layers, concatenations, the spec of a facet or repeat).
_CHILDREN = ("layer", "hconcat", "vconcat", "concat")


def named_spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec of ``chart``, its DataFrames moved to ``spec["datasets"]``.

    Each distinct DataFrame (by identity: layers built from one base chart share theirs) becomes
    ``{"name": "data<i>"}`` where it was, ``i`` counting in the order the chart is walked (top level
    first, then layers and sub-charts depth first). ``spec["datasets"]`` maps the names to the
    DataFrames themselves (Streamlit sends them as Arrow). ``chart`` is not changed; the spec is not
    checked against the Vega-Lite schema (the chart tests do that).

    Other data (inline values, URLs, named data) stay as they are.
    """
    frames: dict[int, tuple[str, pd.DataFrame]] = {}

    def name_of(frame: pd.DataFrame) -> alt.NamedData:
        if id(frame) not in frames:
            frames[id(frame)] = (f"data{len(frames)}", frame)
        return alt.NamedData(frames[id(frame)][0])

    def renamed(node):
        node = node.copy(deep=False)  # a new node sharing its children: ``chart`` stays as it is
        if isinstance(getattr(node, "data", alt.Undefined), pd.DataFrame):
            node.data = name_of(node.data)
        for attr in _CHILDREN:
            children = getattr(node, attr, alt.Undefined)
            if isinstance(children, list):
                setattr(node, attr, [renamed(child) for child in children])
        spec = getattr(node, "spec", alt.Undefined)
        if isinstance(spec, alt.SchemaBase):  # facet and repeat charts
            node.spec = renamed(spec)
        return node

    spec = renamed(chart).to_dict(validate=False)
    if frames:
        spec["datasets"] = {**spec.get("datasets", {}), **dict(frames.values())}
    return spec
