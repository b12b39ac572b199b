"""Every page keeps what the user set when they visit another page and come back (issue #21)."""

from __future__ import annotations

import pytest

# page, widget kind, key, a value other than the default
CHANGES = [
    ("app_pages/eight_schools.py", "slider", "es_tau", None),
    ("app_pages/baseball.py", "radio", "bb_scale", "logit"),
    ("app_pages/radon.py", "selectbox", "radon_county", "AITKIN"),
    ("app_pages/reedfrogs.py", "number_input", "frogs_seed", 2),
    ("app_pages/sampling.py", "radio", "sl_regime", "strong"),
]


def _widget(at, kind: str, key: str):
    return getattr(at, kind)(key=key)


@pytest.mark.slow
@pytest.mark.parametrize(("page", "kind", "key", "value"), CHANGES, ids=[c[2] for c in CHANGES])
def test_a_page_keeps_its_settings_across_a_visit_to_another_page(open_page, page, kind, key, value):
    at = open_page(page)
    widget = _widget(at, kind, key)
    if value is None:  # a slider: one step up from where it is
        value = widget.value + (widget.step or 1)
    widget.set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _widget(at, kind, key).value == value
    at.query_params.clear()  # the menu's link to a page carries no settings
    at.switch_page("app_pages/home.py").run()
    at.query_params.clear()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _widget(at, kind, key).value == value
