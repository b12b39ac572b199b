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
    DataFrames themselves (Streamlit sends them as Arrow). The spec is not checked against the
    Vega-Lite schema (the chart tests do that). Other data (inline values, URLs, named data) stay
    as they are.

    The names are put into ``chart`` itself for ``to_dict`` and its DataFrames put back afterwards,
    so ``chart`` is as it was when this returns; call it from the thread that built ``chart``. Why
    not on a copy: copying a layered chart makes Altair merge its layers again, deep-copying each
    twice (a shrinkage chart's spec took 23 ms that way, 14 ms now; #22).
    """
    frames: dict[int, tuple[str, pd.DataFrame]] = {}
    moved: list[tuple[alt.SchemaBase, pd.DataFrame]] = []  # (node, its DataFrame), to put back

    def name_data(node) -> None:
        data = getattr(node, "data", alt.Undefined)
        if isinstance(data, pd.DataFrame):
            if id(data) not in frames:
                frames[id(data)] = (f"data{len(frames)}", data)
            moved.append((node, data))
            node.data = alt.NamedData(frames[id(data)][0])
        for attr in _CHILDREN:
            children = getattr(node, attr, alt.Undefined)
            if isinstance(children, list):
                for child in children:
                    name_data(child)
        spec = getattr(node, "spec", alt.Undefined)
        if isinstance(spec, alt.SchemaBase):  # facet and repeat charts
            name_data(spec)

    try:
        name_data(chart)
        spec = chart.to_dict(validate=False)
    finally:
        for node, data in reversed(moved):
            node.data = data
    if frames:
        spec["datasets"] = {**spec.get("datasets", {}), **dict(frames.values())}
    return spec
