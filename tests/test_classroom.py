"""Classroom mode of the Explore page (AppTest): the toggle hides the model and sampler settings,
downloads and code but keeps their values; Back / Next walk the five steps and stop at the ends; a
link opens a step; switching off brings the full page back. Plus the compact diagnostics line.

Every test uses its own seed: the fit broker is shared by all AppTests in this process.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from hbm_core.posterior.results import Diagnostics
from hbm_core.viz.palette import FIT_LABELS
from ui import classroom_mode

EXPLORE = "app_pages/explore.py"
QUICK = {"draws": "250", "chains": "2"}  # short fits: these tests are about the page, not the sampler
HIDDEN = ("tau_scale", "sigma", "draws", "chains", "target_accept", "param")  # model and sampler keys

# A word each step's chart must show (in its legend) and one it must not.
STEP_CHART = {
    1: (["Observation", "Sample mean", "True mean"], FIT_LABELS["unpooled"]),
    2: ([FIT_LABELS["unpooled"]], FIT_LABELS["hierarchical"]),
    3: (["Observation", FIT_LABELS["pooled"]], FIT_LABELS["hierarchical"]),
    4: ([FIT_LABELS["unpooled"], FIT_LABELS["hierarchical"]], FIT_LABELS["pooled"]),
    5: ([FIT_LABELS["unpooled"], FIT_LABELS["hierarchical"], FIT_LABELS["pooled"]], "Sample mean"),
}


def open_explore(at, **params: str):
    """Open the Explore page with these query parameters (plus QUICK)."""
    at.query_params.update({**QUICK, **params})
    at.run()
    at.switch_page(EXPLORE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def widget_keys(at) -> set[str]:
    """The keys of every widget on the page (main area and sidebar)."""
    kinds = (at.slider, at.select_slider, at.radio, at.selectbox, at.number_input, at.toggle, at.button)
    return {w.key for kind in kinds for w in kind if w.key}


def code_box(at) -> bool:
    """Whether the page offers "Show the code" (an expander drawn only when opened)."""
    return any(e.label.startswith("Show the code") for e in at.expander)


def chart_specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def step_shown(at) -> int:
    """The step the page says it shows ("**Step k of 5**")."""
    heads = [m.value for m in at.markdown if m.value.startswith("**Step ")]
    assert len(heads) == 1, heads
    k, of = heads[0].strip("*").removeprefix("Step ").split(" of ")
    assert int(of) == len(classroom_mode.STEPS) == 5
    return int(k)


def query(at, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


# ---------------------------------------------------------------------------------------------
# The toggle


def test_toggle_hides_model_sampler_downloads_and_code_but_keeps_their_values(app_test):
    at = open_explore(app_test, seed="7101", tau="3", ta="0.9", param="centered", sd="shared")
    before = {key: at.session_state[key] for key in HIDDEN}
    assert before["tau_scale"] == 3.0 and before["target_accept"] == 0.9 and before["sigma"] == "shared"
    assert set(HIDDEN) <= widget_keys(at)
    assert at.get("download_button") and code_box(at)  # the normal page: downloads and the script
    assert "Sampler" in [e.label for e in at.expander]

    at.toggle(key="classroom").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not set(HIDDEN) & widget_keys(at)
    assert {"preset", "n_groups", "seed", "size_0", "mean_0", "sd_0"} <= widget_keys(at)
    assert any(b.label == "New sample" for b in at.sidebar.button)
    assert not at.get("download_button") and not code_box(at)
    assert "Sampler" not in [e.label for e in at.expander]
    assert not at.title  # the classroom page has its own headings
    assert {key: at.session_state[key] for key in HIDDEN} == before
    assert query(at, "classroom") == "1" and query(at, "step") == "1"
    assert query(at, "tau") == "3" and query(at, "ta") == "0.9" and query(at, "draws") == "250"

    # The seed stays a control in classroom mode, and the hidden values survive another run.
    at.number_input(key="seed").set_value(7102).run()
    assert not at.exception
    assert {key: at.session_state[key] for key in HIDDEN} == before

    at.toggle(key="classroom").set_value(False).run()
    assert not at.exception
    assert at.slider(key="tau_scale").value == 3.0
    assert at.select_slider(key="target_accept").value == 0.9
    assert at.select_slider(key="draws").value == 250 and at.slider(key="chains").value == 2
    assert at.radio(key="param").value == "centered" and at.radio(key="sigma").value == "shared"
    assert at.get("download_button") and code_box(at)
    assert query(at, "classroom") is None and query(at, "step") is None


def test_classroom_charts_are_drawn_for_a_projector(app_test):
    at = open_explore(app_test, seed="7111")
    normal = chart_specs(at)[0]["config"]["axis"]["labelFontSize"]
    at.toggle(key="classroom").set_value(True).run()
    (spec,) = chart_specs(at)
    assert spec["config"]["axis"]["labelFontSize"] >= 1.4 * normal
    assert any("st-key-classroom_say" in h.value for h in at.html)  # the larger-text CSS


# ---------------------------------------------------------------------------------------------
# The step-through


def assert_step(at, k: int) -> None:
    """Step k is on screen: heading, sentences, one chart about the right fits, the sampler's line."""
    assert not at.exception, [e.value for e in at.exception]
    assert step_shown(at) == k and query(at, "step") == str(k)
    step = classroom_mode.STEPS[k - 1]
    assert [s.value for s in at.subheader] == [step.title]
    assert any(m.value == step.say for m in at.markdown)
    specs = chart_specs(at)
    assert len(specs) == 1, f"step {k}: {len(specs)} charts"
    text = json.dumps(specs[0])
    shown, absent = STEP_CHART[k]
    assert all(f'"{word}"' in text for word in shown), (k, shown)
    assert f'"{absent}"' not in text, (k, absent)
    captions = [c.value for c in at.main.caption]  # the sidebar has the preset's note
    if k == 1:
        assert not captions  # the data need no fit
    else:
        assert any(classroom_mode.MCMC_NOTE in c for c in captions), captions  # the preview was replaced
    if k == 3:
        assert any("shaded band: its 94% interval" in c for c in captions)
    if k in (2, 4, 5):  # each of these reads its chart: a named group and its numbers
        reading = {2: "has the widest interval", 4: "interval most", 5: "moved most"}[k]
        assert any(reading in c for c in captions), captions
    # the diagnostics stay on screen: green when all is well, a warning otherwise (short fits here)
    lines = [a.value for a in (*at.success, *at.warning) if a.value.startswith("Sampler check:")]
    assert len(lines) == 1, [a.value for a in (*at.success, *at.warning)]
    assert "divergences" in lines[0] and "R\u2011hat" in lines[0]


def test_next_and_back_walk_the_five_steps_and_stop_at_the_ends(app_test):
    at = open_explore(app_test, seed="7121", classroom="1")
    assert_step(at, 1)
    assert at.button(key="classroom_back").disabled
    for k in range(2, 6):
        at.button(key="classroom_next").click().run()
        assert_step(at, k)
    assert at.button(key="classroom_next").disabled  # the end: no step 6 (AppTest refuses the click)
    assert not at.button(key="classroom_back").disabled
    for k in range(4, 0, -1):
        at.button(key="classroom_back").click().run()
        assert step_shown(at) == k
    assert_step(at, 1)
    assert at.button(key="classroom_back").disabled and not at.button(key="classroom_next").disabled


def test_link_opens_classroom_mode_at_its_step(app_test):
    at = open_explore(app_test, seed="7131", classroom="1", step="3")
    assert at.toggle(key="classroom").value is True
    assert_step(at, 3)


@pytest.mark.parametrize(("step", "shown"), [("9", 5), ("0", 1), ("2.0", 2)])
def test_link_with_a_step_out_of_range_is_clamped(app_test, step, shown):
    at = open_explore(app_test, seed="7141", classroom="1", step=step)
    assert step_shown(at) == shown


def test_switching_off_restores_the_full_page_and_on_again_the_same_step(app_test):
    at = open_explore(app_test, seed="7151", classroom="1", step="4")
    assert_step(at, 4)
    at.toggle(key="classroom").set_value(False).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Explore partial pooling"]
    assert [s.value for s in at.main.header][:2] == ["1 · The data", "2 · Shrinkage"]
    assert len(chart_specs(at)) >= 4  # data, shrinkage, forest, population
    assert not [m for m in at.markdown if m.value.startswith("**Step ")]
    assert not any("st-key-classroom_say" in h.value for h in at.html)  # no classroom CSS
    assert at.get("download_button") and code_box(at) and at.dataframe
    at.toggle(key="classroom").set_value(True).run()
    assert_step(at, 4)


# ---------------------------------------------------------------------------------------------
# The compact diagnostics line


def _diag(divergences: int = 0, rhat: float = 1.002, warnings: tuple[str, ...] = ()) -> SimpleNamespace:
    d = Diagnostics(divergences, rhat, 900.0, 800.0, "nutpie", "centered", 0.3, 1000, 4, 0.95, list(warnings))
    return SimpleNamespace(diagnostics=d)


def test_diagnostics_line_all_well():
    from ui.fitting import FitOutcome

    line, ok = classroom_mode.diagnostics_line(
        FitOutcome(results={"pooled": _diag(), "unpooled": _diag(rhat=1.004), "hierarchical": _diag()})
    )
    assert ok
    assert line == "Sampler check: 3 fits converged, 0 divergences, R\u2011hat ≤ 1.004."


def test_diagnostics_line_names_each_fit_when_something_is_wrong():
    from ui.fitting import FitOutcome

    outcome = FitOutcome(
        results={"pooled": _diag(), "hierarchical": _diag(12, 1.031, ("12 divergent transitions",))},
        errors={"unpooled": "ran out of time"},
    )
    line, ok = classroom_mode.diagnostics_line(outcome)
    assert not ok
    assert "Partial pooling: 12 divergences, R\u2011hat 1.031 · " in line  # ESS 800 is fine: not named
    assert "Complete pooling: 0 divergences, R\u2011hat 1.002" in line
    assert "No pooling: failed" in line
    assert classroom_mode.diagnostics_line(FitOutcome()) == ("Sampler check: no finished fits yet.", False)


def test_diagnostics_line_names_too_few_effective_draws_and_counts_one_divergence():
    from ui.fitting import FitOutcome

    thin = _diag(1, 1.004, ("1 divergent transition",))
    thin.diagnostics.min_ess_tail = 150.0  # 4 chains: at least 400 wanted
    line, ok = classroom_mode.diagnostics_line(FitOutcome(results={"hierarchical": thin}))
    assert not ok
    assert line == "Sampler check: Partial pooling: 1 divergence, R\u2011hat 1.004, only 150 effective draws."
