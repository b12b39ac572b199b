"""AppTest of the Varying slopes page: both data choices render without an exception, with the
diagnostics line, the readings computed from the fit, the downloads and the script; settings survive a
visit to another page; a bad preset goes back to its default with a note."""

from __future__ import annotations

import re

import pytest

PAGE = "app_pages/varying_slopes.py"
# Few draws keep the test quick; the page's defaults (2000 x 4 after 1000) are for people.
QUICK = {"vs_draws": 250, "vs_tune": 250, "vs_chains": 2}


def open_page(app_test, **state):
    for key, value in {**QUICK, **state}.items():
        app_test.session_state[key] = value
    app_test.run()
    app_test.switch_page(PAGE).run()
    assert not app_test.exception, [e.value for e in app_test.exception]
    assert not app_test.error, [e.value for e in app_test.error]
    return app_test


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def diagnostics(at) -> str:
    lines = [s.value for s in at.success] + [w.value for w in at.warning]
    return next(v for v in lines if v.startswith("Sampler check, Partial pooling (varying slopes)"))


def test_radon_is_the_default_and_reads_its_fit(app_test):
    at = open_page(app_test)
    assert at.radio(key="vs_data").value == "radon"
    assert [h.value for h in at.main.header] == [
        "1 · Shrinkage in two dimensions",
        "2 · County lines: own and partially pooled",
        "3 · The population and the sampler",
        "4 · Take it with you",
    ]
    assert re.search(
        r"\d+ divergences?, largest R-hat \d\.\d{3}, smallest effective sample size \d+", diagnostics(at)
    )
    text = captions(at)
    # the 2-D chart's caption: the county that moved most (computed), and the 25 basement-only counties
    assert re.search(r"[A-Z ]+ moved most: its own line has intercept -?\d\.\d\d and slope -?\d\.\d\d", text)
    assert "25 counties with all houses in the basement" in text and "no own slope" in text
    assert "toward the mean slope" in text  # the lines chart's reading
    prose = markdown(at)
    assert re.search(r"ρ = -?0\.\d\d \(94% interval", prose)
    assert "Across the 60 counties with their own line" in prose
    rho = next(m for m in at.metric if m.label == "Correlation ρ")
    assert -0.7 < float(rho.value) < 0.3
    table = next(df.value for df in at.dataframe if "quantity" in df.value.columns)
    assert len(table) == 6 and table["quantity"].str.contains("correlation").any()
    assert any("Show the code: varying slopes" in e.label for e in at.expander)


def test_synthetic_data_show_the_truth_and_keep_their_settings(app_test):
    at = open_page(app_test, vs_data="synthetic", vs_groups=8, vs_per_group=6, vs_true_rho=0.5)
    assert at.slider(key="vs_true_rho").value == 0.5
    assert "8 groups of 6 rows drawn from the population" in captions(at)
    assert re.search(r"Against the true pairs: the own lines miss by \d\.\d\d on average", captions(at))
    assert "Every group has rows at two or more values of x" in captions(at)
    diagnostics(at)
    # a visit to another page keeps the choice and the truth
    at.switch_page("app_pages/home.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.radio(key="vs_data").value == "synthetic" and at.slider(key="vs_true_rho").value == 0.5


@pytest.mark.parametrize(("key", "value"), [("vs_true_rho", 3.0), ("vs_data", "mars"), ("vs_draws", 7)])
def test_a_bad_preset_goes_back_to_its_default_with_a_note(app_test, key, value):
    at = open_page(app_test, **{key: value})
    name = key.removeprefix("vs_")
    assert any(f"The setting {name!r} was not valid" in w.value for w in at.warning)


def test_a_link_chooses_synthetic_data_and_a_bad_one_gets_a_note(app_test):
    app_test.query_params.update({"data": "synthetic", "rho": "0.5", "groups": "6", "rows": "4"})
    at = open_page(app_test)
    assert at.radio(key="vs_data").value == "synthetic"
    assert at.slider(key="vs_true_rho").value == 0.5 and at.slider(key="vs_groups").value == 6
    assert "6 groups of 4 rows drawn from the population" in captions(at)
    assert at.query_params["data"] in ("synthetic", ["synthetic"])  # written back


def test_a_bad_link_gets_a_note_not_a_traceback(app_test):
    app_test.query_params.update({"data": "mars", "rho": "7", "rows": "3.5"})
    at = open_page(app_test)
    note = next(w.value for w in at.warning if w.value.startswith("Some values in the link were adjusted"))
    assert "Data: “mars” is not one of radon, synthetic, so it was left as it was" in note
    assert "True correlation: “7” is outside -0.9 to 0.9, so 0.9 is used" in note
    assert "Rows per group: “3.5” is not a multiple of 2, so 4 is used" in note
    assert at.radio(key="vs_data").value == "radon"  # the unusable choice left the default
    assert at.session_state["vs_true_rho"] == 0.9 and at.session_state["vs_per_group"] == 4
