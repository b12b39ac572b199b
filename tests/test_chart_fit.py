"""Chart text fitted to the container's width (hbm_core/viz/fit.py) and tables that stack their rows
where their columns would not fit (ui/tables.py): issue #20's layouts at phone and half-page widths."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import streamlit as st
import vl_convert as vlc

from hbm_core import viz
from hbm_core.viz.chart_spec import named_spec
from hbm_core.viz.fit import WIDTH, fit_to_container, fitted_text, wrappings
from ui import tables

LONG = "Partial pooling pulls groups toward the overall mean"


def test_wrappings_keep_every_word_in_order_and_shorten_the_lines():
    options = wrappings(LONG)
    assert [len(o) for o in options] == [1, 2, 3, 4]
    for lines in options:
        assert " ".join(lines) == LONG
    longest = [max(len(line) for line in lines) for lines in options]
    assert longest == sorted(longest, reverse=True) and longest[1] < len(LONG)


def test_fitted_text_chooses_lines_by_the_container_width():
    assert fitted_text("μ and τ", 17, 56) == "μ and τ"  # fits any column: unchanged
    expr = fitted_text(LONG, 17, 56)["expr"]
    assert WIDTH in expr and json.dumps(LONG, ensure_ascii=False) in expr
    assert json.dumps(wrappings(LONG)[1], ensure_ascii=False) in expr
    # the one-line text is chosen off screen (width 0) and on wide containers: evaluate the ternaries
    for width, lines in [(0, LONG), (2000, LONG), (400, wrappings(LONG)[1]), (120, wrappings(LONG)[3])]:
        js = expr.replace(WIDTH, str(width)).replace("||", " or ").replace("!(", "not (")
        value = eval(_python_ternary(js))  # noqa: S307 (our own expression, numbers and literals only)
        assert value == lines, width


def _python_ternary(expr: str) -> str:
    """``(c) ? a : rest`` chains as Python's ``a if c else rest``."""
    if "?" not in expr:
        return expr
    cond, rest = expr.split(" ? ", 1)
    value, rest = _split_value(rest)
    return f"({value} if {cond} else {_python_ternary(rest)})"


def _split_value(text: str) -> tuple[str, str]:
    depth, in_str = 0, False
    for i, ch in enumerate(text):
        if ch == '"' and text[i - 1] != "\\":
            in_str = not in_str
        elif not in_str and ch in "[(":
            depth += 1
        elif not in_str and ch in "])":
            depth -= 1
        elif not in_str and depth == 0 and text[i : i + 3] == " : ":
            return text[:i], text[i + 3 :]
    raise ValueError(text)


@pytest.fixture
def totals() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {"dataset": range(20), "unpooled": rng.gamma(2, 2, 20), "hierarchical": rng.gamma(2, 1, 20)}
    ).assign(pooled=lambda d: d["unpooled"] * 1.5)


def test_fit_to_container_wraps_titles_axis_titles_and_legends(totals):
    chart = viz.many_totals_chart(totals, title="Total squared error, data set by data set")
    spec = named_spec(chart)
    before = json.dumps({k: v for k, v in spec.items() if k != "datasets"}, sort_keys=True)
    fitted = fit_to_container(spec)
    assert json.dumps({k: v for k, v in spec.items() if k != "datasets"}, sort_keys=True) == before
    assert fitted["datasets"] is spec["datasets"]  # the data are shared, not copied
    assert "expr" in fitted["title"]["text"]
    x_titles = [layer["encoding"]["x"]["axis"]["title"] for layer in fitted["layer"]]
    assert all("expr" in t and "No pooling: total squared error" in t["expr"] for t in x_titles)
    assert fitted["config"]["legend"]["columns"] == {"expr": f"({WIDTH} >= 560 || !({WIDTH} > 0)) ? 2 : 1"}


def test_fitted_specs_compile_and_render_as_before_off_screen(totals):
    chart = viz.many_totals_chart(totals, title="Total squared error, data set by data set")
    spec = chart.to_dict()
    fitted = fit_to_container(spec)
    vega = vlc.vegalite_to_vega(fitted, vl_version="6.4")
    assert vega["title"]["text"]["signal"].startswith(f"({WIDTH} >= ")

    # off screen there is no container: the same one-line texts as the chart without fitting
    def texts(chart_spec: dict) -> list[str]:
        return re.findall(r"<text[^>]*>([^<]*)</text>", vlc.vegalite_to_svg(chart_spec, vl_version="6.4"))

    assert "Total squared error, data set by data set" in texts(spec)
    assert sorted(texts(fitted)) == sorted(texts(spec))


def test_stacked_table_shows_each_row_with_its_formatted_values_escaped():
    frame = pd.DataFrame({"fit": ["<b>A</b>", "No pooling"], "max R-hat": [1.0034, np.nan], "n": [3, 4]})
    config = {"max R-hat": st.column_config.NumberColumn("R-hat", format="%.3f")}
    html = tables.stacked_html(frame, config)
    assert "&lt;b&gt;A&lt;/b&gt;" in html and "<b>A</b>" not in html
    assert "R-hat:</span> 1.003" in html and "n:</span> 4" in html
    assert html.count("<li>") == 2 and html.count("R-hat:") == 1  # a missing value is left out


def test_natural_width_grows_with_columns_and_long_cells():
    narrow = pd.DataFrame({"fit": ["ok"], "x": [1.0]})
    wide = narrow.assign(parameterization=["mixed (3 of 6 groups centered)"], sampler=["nutpie"])
    assert tables.natural_width(wide, {}) > tables.natural_width(narrow, {}) + 300


def test_dark_theme_spec_takes_frame_colours_from_streamlit_and_lightens_dark_marks(totals):
    from hbm_core.viz.palette import DARK_VARIANTS, FIT_COLORS, MEAN_COLOR, on_dark
    from hbm_core.viz.theme import for_streamlit_theme

    spec = named_spec(viz.many_totals_chart(totals))
    themed = for_streamlit_theme(spec)
    assert "background" not in themed["config"] and "labelColor" not in themed["config"]["axis"]
    assert spec["config"]["background"] == "white"  # the chart's own spec (and exports) keep theirs
    assert themed["config"]["axis"]["labelFontSize"] == spec["config"]["axis"]["labelFontSize"]
    dark = json.dumps(on_dark(themed)["layer"])
    assert MEAN_COLOR in json.dumps(themed["layer"]) and MEAN_COLOR not in dark
    assert DARK_VARIANTS[MEAN_COLOR] in dark and FIT_COLORS["hierarchical"] in dark  # other colours stay
    assert on_dark(themed)["datasets"] is spec["datasets"]
