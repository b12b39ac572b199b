"""Where Explore's group sliders sit (AppTest, issue #20): in the main column, one tab per group,
beside the chart they drive (the shrinkage chart; the step's chart in classroom mode; the data while
Predict first is on), never in the sidebar, which on a phone is an overlay over the charts. The sidebar
keeps the secondary settings. Plus the captions' colour words, which must hold in the dark theme.

Every test uses its own seed: the fit broker is shared by all AppTests in this process.
"""

from __future__ import annotations

import json
import re

from hbm_core.viz.palette import DARK_VARIANTS, MEAN_COLOR
from ui import classroom_mode

EXPLORE = "app_pages/explore.py"
QUICK = {"draws": "250", "chains": "2"}
SECONDARY = {
    "n_groups",
    "tau_scale",
    "chains",
}  # the sidebar's sliders (draws and target_accept: select sliders)


def open_explore(at, **params: str):
    at.query_params.update({**QUICK, **params})
    at.run()
    at.switch_page(EXPLORE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def group_keys(k: int) -> list[str]:
    return [f"{name}_{j}" for j in range(k) for name in ("size", "mean", "sd")]


def chart_text(column) -> str:
    """The Vega-Lite specs of the charts in ``column``, as one JSON text."""
    return json.dumps([json.loads(c.proto.spec) for c in column.get("vega_lite_chart")])


def editor_and_chart(at):
    """The column holding the group sliders and the column right of it (where their chart is)."""
    columns = list(at.columns)
    holding = [i for i, c in enumerate(columns) if any(s.key == "size_0" for s in c.slider)]
    assert len(holding) == 1, [[s.key for s in c.slider] for c in columns]
    i = holding[0]
    assert i + 1 < len(columns), "the sliders' column has no neighbour"
    return columns[i], columns[i + 1]


def estimates_beside(at):
    """The estimates table under the chart beside the sliders ("Estimates as a table")."""
    return editor_and_chart(at)[1].dataframe[0].value


def assert_beside(at, k: int, chart_words: str) -> None:
    """All k groups' sliders in the main column, one tab per group, none in the sidebar, and beside
    them exactly one chart whose spec contains ``chart_words``."""
    assert not at.exception, [e.value for e in at.exception]
    assert not {s.key for s in at.sidebar.slider} & set(group_keys(12))
    editor, chart = editor_and_chart(at)
    assert [s.key for s in editor.slider] == group_keys(k)
    assert [t.label for t in editor.tabs] == [chr(ord("A") + j) for j in range(k)]
    assert len(chart.get("vega_lite_chart")) == 1
    assert chart_words in chart_text(chart)


def test_group_sliders_sit_beside_the_shrinkage_chart_and_the_sidebar_keeps_the_rest(app_test):
    at = open_explore(app_test, seed="7401")
    assert_beside(at, 6, "Partial pooling pulls groups")
    assert {s.key for s in at.sidebar.slider} == SECONDARY
    assert {"preset", "seed", "classroom", "predict_first"} <= {
        w.key for kind in (at.sidebar.selectbox, at.sidebar.number_input, at.sidebar.toggle) for w in kind
    }
    assert any(b.label == "New sample" for b in at.sidebar.button)
    intro = next(m.value for m in at.main.markdown if "true mean" in m.value)
    assert "beside the shrinkage chart" in intro and "sidebar" not in intro

    # A move there changes the data, the link and the estimates beside it; the sliders stay put.
    at.slider(key="size_2").set_value(40).run()
    assert_beside(at, 6, "Partial pooling pulls groups")
    assert at.query_params["n"] in (["3,6,40,25,50,100"], "3,6,40,25,50,100")
    assert list(estimates_beside(at).n) == [3, 6, 40, 25, 50, 100]

    at.slider(key="n_groups").set_value(8).run()  # more groups: a tab each
    assert_beside(at, 8, "Partial pooling pulls groups")
    assert list(estimates_beside(at).group) == list("ABCDEFGH")


def test_with_predict_first_the_sliders_sit_beside_the_data(app_test):
    """Before the reveal there is no shrinkage chart: the sliders sit beside the data strip, and stay
    there after the reveal, so that a slider does not jump away while it is being moved."""
    at = open_explore(app_test, seed="7402")
    at.toggle(key="predict_first").set_value(True).run()
    assert_beside(at, 6, "The data, group by group")
    assert len(at.get("vega_lite_chart")) == 1  # the results wait for the reveal
    intro = next(m.value for m in at.main.markdown if "true mean" in m.value)
    assert "beside the data" in intro

    at.slider(key="mean_0").set_value(12.0).run()  # still movable before the reveal
    assert_beside(at, 6, "The data, group by group")
    assert at.query_params["m"] in (["12,4,5,3,7,5"], "12,4,5,3,7,5")

    at.radio[0].set_value("A").run()  # a prediction, then Reveal: the results follow below
    at.button(key="pf_reveal").click().run()
    assert_beside(at, 6, "The data, group by group")
    assert "2 · Shrinkage" in [h.value for h in at.main.header]


def test_in_classroom_mode_the_sliders_sit_beside_each_steps_chart(app_test):
    at = open_explore(app_test, seed="7403", classroom="1", step="1")
    assert_beside(at, 6, "Sample mean")  # step 1: the data
    assert not at.main.caption  # the step's chart alone, as before: no caption of the editor's
    at.button(key="classroom_next").click().run()
    at.button(key="classroom_next").click().run()
    at.button(key="classroom_next").click().run()
    at.button(key="classroom_next").click().run()
    assert f"**Step 5 of {len(classroom_mode.STEPS)}**" in [m.value for m in at.markdown]
    assert_beside(at, 6, "Partial pooling")  # step 5: shrinkage
    at.slider(key="size_0").set_value(30).run()
    assert_beside(at, 6, "Partial pooling")
    assert at.query_params["n"] in (["30,6,12,25,50,100"], "30,6,12,25,50,100")


# Colour words that the dark theme makes false: palette.on_dark swaps these colours for light ones.
DARK_SWAPPED_WORDS = {MEAN_COLOR: "black"}


def test_captions_name_no_colour_the_dark_theme_changes(app_test):
    """The data strip's sample-mean tick is black on a light page and light grey on a dark one
    (palette.DARK_VARIANTS): the captions name it by its shape."""
    assert set(DARK_SWAPPED_WORDS) <= set(DARK_VARIANTS)
    words = re.compile(r"\b(" + "|".join(DARK_SWAPPED_WORDS.values()) + r")\b", re.IGNORECASE)
    at = open_explore(app_test, seed="7404")
    texts = [c.value for c in at.main.caption] + [m.value for m in at.main.markdown]
    assert any("the tick is the group's sample mean" in t for t in texts), texts
    assert not [t for t in texts if words.search(t)]
    assert not [s.say for s in classroom_mode.STEPS if words.search(s.say)]
