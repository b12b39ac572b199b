"""AppTest of the sampling lesson: renders, the weak/strong toggle changes the diagnostics, the funnel's
group choice, the target_accept sweep, stale settings."""

from __future__ import annotations

import pytest

SAMPLING = "app_pages/sampling.py"

pytestmark = pytest.mark.slow


@pytest.fixture
def lesson(open_page):
    return open_page(SAMPLING)


def divergences(at) -> dict[str, int]:
    """The two 'divergences' metrics: centered first, then non-centered."""
    values = [int(m.value) for m in at.metric if m.label == "divergences"]
    assert len(values) == 2, [m.label for m in at.metric]
    return dict(zip(("centered", "non-centered"), values, strict=True))


def diagnostics(at):
    """The diagnostics table (quantity, centered, reading, non-centered, reading)."""
    return at.table[0].value


def test_default_page_shows_the_weak_data_lesson(lesson):
    assert not lesson.error
    assert lesson.radio(key="sl_regime").value == "weak"
    div = divergences(lesson)
    assert div["centered"] > 0 and div["non-centered"] == 0, div
    assert any("**non-centered** form wins" in s.value for s in lesson.success)
    table = diagnostics(lesson)
    assert list(table["quantity"])[:4] == ["R-hat (max)", "bulk ESS (min)", "tail ESS (min)", "divergences"]
    assert "diverged" in table.set_index("quantity").loc["divergences", "what it says (centered)"]
    headers = [h.value for h in lesson.header]
    assert any("funnel" in h for h in headers) and any("target_accept" in h for h in headers)
    # the sweep runs only on demand
    assert lesson.button(key="sl_sweep_button")


def test_toggle_to_strong_data_changes_the_diagnostics(lesson):
    weak_table, weak_div = diagnostics(lesson), divergences(lesson)
    lesson.radio(key="sl_regime").set_value("strong").run()
    assert not lesson.exception, lesson.exception
    strong_table, strong_div = diagnostics(lesson), divergences(lesson)
    assert not strong_table.equals(weak_table)
    assert strong_div != weak_div
    assert strong_div["non-centered"] > strong_div["centered"], strong_div
    assert any("**centered** form wins" in s.value for s in lesson.success)
    assert "group A (n = 20)" in lesson.selectbox(key="sl_group_strong").options[0]
    # and back: the weak-data results come from the cache, unchanged
    lesson.radio(key="sl_regime").set_value("weak").run()
    assert divergences(lesson) == weak_div
    assert diagnostics(lesson).equals(weak_table)


def test_choosing_another_group_redraws_the_funnel(lesson):
    lesson.selectbox(key="sl_group_weak").set_value(3).run()
    assert not lesson.exception
    captions = " ".join(c.value for c in lesson.caption)
    assert "θ_D" in captions
    assert lesson.session_state["sl_group_weak"] == 3
    # the optional views: trace plots instead of rank plots, and θ from both fits
    lesson.radio(key="sl_chain_plot").set_value("Trace plots").run()
    lesson.toggle(key="sl_same_theta").set_value(True).run()
    assert not lesson.exception
    assert any("5% quantile of τ" in c.value for c in lesson.caption)
    assert any("fuzzy caterpillars" in c.value for c in lesson.caption)


def test_target_accept_sweep_on_demand(lesson):
    lesson.button(key="sl_sweep_button").click().run()
    assert not lesson.exception, lesson.exception
    sweep = lesson.dataframe[-1].value
    assert len(sweep) == 8
    assert set(sweep["target_accept"]) == {0.8, 0.9, 0.95, 0.99}
    centered = sweep[sweep.form == "centered"].set_index("target_accept")["divergences"]
    assert centered[0.99] < centered[0.8]
    assert ("weak", 1000, 1) in lesson.session_state["sl_sweeps"]
    # the sweep stays for these settings, and the button is gone
    lesson.run()
    assert not [b for b in lesson.button if b.key == "sl_sweep_button"]


def test_changing_target_accept_refits(lesson):
    before = divergences(lesson)
    lesson.select_slider(key="sl_target_accept").set_value(0.95).run()
    assert not lesson.exception
    assert divergences(lesson) != before
    assert any("target_accept 0.95" in c.value for c in lesson.caption)


def test_stale_settings_give_a_message_not_a_traceback(app_test):
    app_test.session_state["sl_target_accept"] = 0.42
    app_test.session_state["sl_draws"] = "lots"
    app_test.session_state["sl_seed"] = -5
    app_test.run()
    app_test.switch_page(SAMPLING).run()
    assert not app_test.exception, app_test.exception
    assert app_test.session_state["sl_target_accept"] == 0.9
    assert app_test.session_state["sl_draws"] == 1000 and app_test.session_state["sl_seed"] == 1
    assert any("Reset to the default" in t.value for t in app_test.toast)
