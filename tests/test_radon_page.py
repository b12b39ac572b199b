"""AppTest of the radon page: renders, the county picker and the floor toggle change what is shown,
published numbers beside the app's, a bad link gives a message."""

from __future__ import annotations

import pytest

RADON = "app_pages/radon.py"
# Few draws keep the test quick; the page's defaults (1000 x 4) are for people.
QUICK = {"radon_draws": 250, "radon_tune": 500, "radon_chains": 2}


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def delta(at, label: str) -> str:
    return next(m.delta for m in at.metric if m.label == label)


def frame(at, column: str):
    """The first dataframe on the page with ``column``."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def open_page(app_test, **query):
    for key, value in QUICK.items():
        app_test.session_state[key] = value
    app_test.query_params.update(query)
    app_test.run()
    app_test.switch_page(RADON).run()
    assert not app_test.exception, [e.value for e in app_test.exception]
    assert not app_test.error, [e.value for e in app_test.error]
    return app_test


@pytest.fixture
def radon(app_test):
    return open_page(app_test)


def test_defaults_show_lac_qui_parle_beside_gelman_hill(radon):
    assert radon.selectbox(key="radon_county").value == "LAC QUI PARLE"
    assert metric(radon, "Houses measured") == "2"
    assert delta(radon, "No pooling") == "Gelman & Hill: 2.959"
    app = float(metric(radon, "No pooling"))
    assert app == pytest.approx(2.959, abs=0.15)
    # partial pooling pulls the 2-house county far toward the state mean
    assert float(metric(radon, "Partial pooling")) < app - 0.5
    assert "of the way to μ_α" in delta(radon, "Partial pooling")
    table = frame(radon, "published")
    assert {"floor slope β", "between-county sd σ_α", "intercept: AITKIN (n = 4)"} <= set(table.quantity)
    slope = table[(table.model == "Complete pooling") & (table.quantity == "floor slope β")].iloc[0]
    assert slope.published == -0.613 and slope["this app"] == pytest.approx(-0.613, abs=0.05)


def test_county_picker_changes_the_county_shown(radon):
    before = frame(radon, "94% interval pCi/L")
    radon.selectbox(key="radon_county").set_value("AITKIN").run()
    assert not radon.exception
    assert metric(radon, "Houses measured") == "4"
    assert delta(radon, "No pooling") == "Gelman & Hill: 0.841"
    detail = frame(radon, "Gelman & Hill").set_index("fit")
    assert detail.loc["No pooling", "Gelman & Hill"] == "0.841"
    assert detail.loc["Partial pooling", "Gelman & Hill"] == "—"
    assert detail.loc["No pooling", "posterior mean"] == pytest.approx(0.841, abs=0.15)
    after = frame(radon, "94% interval pCi/L")
    assert after["house in"].iloc[0] == "AITKIN" and before["house in"].iloc[0] == "LAC QUI PARLE"
    assert after["median pCi/L"].iloc[2] < before["median pCi/L"].iloc[2]  # a low-radon county
    assert radon.query_params["county"] in ("AITKIN", ["AITKIN"])
    # a county outside Gelman & Hill's printed list gets its no-pooling value added to the table
    radon.selectbox(key="radon_county").set_value("ST LOUIS").run()
    assert "intercept: ST LOUIS (n = 116)" in set(frame(radon, "published").quantity)


def test_floor_toggle_lowers_the_prediction(radon):
    basement = frame(radon, "94% interval pCi/L").set_index(["house in", "fit"])
    radon.radio(key="radon_floor").set_value("first floor").run()
    assert not radon.exception
    first = frame(radon, "94% interval pCi/L").set_index(["house in", "fit"])
    # beta is about -0.7: a first-floor reading is about half a basement reading
    ratio = first["median pCi/L"] / basement["median pCi/L"]
    assert ((ratio > 0.35) & (ratio < 0.65)).all(), ratio
    assert ("a new county", "Partial pooling") in first.index
    assert ("a new county", "No pooling") not in first.index


def test_link_with_county_and_floor(app_test):
    at = open_page(app_test, county="koochiching", floor="first")
    assert at.selectbox(key="radon_county").value == "KOOCHICHING"
    assert at.radio(key="radon_floor").value == "first floor"
    assert delta(at, "No pooling") == "Gelman & Hill: 0.819"


def test_bad_link_gives_a_message_not_a_traceback(app_test):
    at = open_page(app_test, county="NOWHERE", floor="attic")
    assert at.selectbox(key="radon_county").value == "LAC QUI PARLE"
    notes = " ".join(w.value for w in at.warning)
    assert "NOWHERE" in notes and "attic" in notes


def chart_texts(at, title: str) -> str:
    """The spec and the data of the chart whose title holds ``title``, as one text to search."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    for chart in at.get("vega_lite_chart"):
        if title in chart.proto.spec:
            frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
            return chart.proto.spec + "".join(f.to_json(force_ascii=False) for f in frames)
    raise AssertionError(f"no chart titled {title!r}")


def test_shrinkage_chart_draws_mu_alpha_and_its_caption_is_computed(radon):
    """The arrows head for μ_α, so the chart draws it (labelled) beside complete pooling; the caption
    names the county that moved most on these fits and gives the moves by county size."""
    mu = frame(radon, "published").set_index(["model", "quantity"])
    mu_alpha = mu.loc[("Partial pooling", "mean intercept μ_α"), "this app"]
    texts = chart_texts(radon, "against the number of houses")
    assert f"population mean μ_α {mu_alpha:.2f}" in texts
    caption = next(c.value for c in radon.caption if c.value.startswith("Each blue dot is a county"))
    assert f"μ_α = {mu_alpha:.2f}" in caption
    # The county with the largest |partial - no pooling|, from the page's own table of all counties.
    table = frame(radon, "Complete pooling").set_index("county")  # the table of all 85 counties
    moved = (table["Partial pooling"] - table["No pooling"]).abs()
    assert f"County {moved.idxmax()} (n = {int(table.loc[moved.idxmax(), 'houses'])}) moved most" in caption
    assert "Average move from no pooling to partial pooling: " in caption and "1–5 houses" in caption
    assert "Small counties shrink the most" not in [h.value for h in radon.header]


def test_uranium_section_reads_its_own_table(radon):
    """Section 4 fits the model with county uranium: sigma_alpha drops, the published table gains Gelman
    & Hill's lmer numbers, and the captions name the county that moved most in the section's table,
    with uranium and, after the toggle, without it."""
    headers = [h.value for h in radon.header]
    assert "4 · County uranium: a group-level predictor" in headers
    assert headers.index("4 · County uranium: a group-level predictor") < headers.index(
        "5 · Gelman & Hill vs this app"
    )
    assert float(metric(radon, "σ_α with uranium")) < float(metric(radon, "σ_α without uranium"))
    table = frame(radon, "published").set_index(["model", "quantity"])
    gamma = table.loc[("Partial pooling + uranium", "uranium coefficient γ1")]
    assert gamma.published == 0.72 and gamma["this app"] == pytest.approx(0.72, abs=0.2)

    for view, words in (("with", "with uranium"), ("without", "without uranium")):
        if view == "without":
            radon.radio(key="radon_uranium_view").set_value("without").run()
            assert not radon.exception
        moves = frame(radon, "moved by")
        top = moves.loc[moves["moved by"].abs().idxmax(), "county"]
        assert moves["county"].iloc[0] == top  # largest first
        captions = [c.value for c in radon.caption]
        chart_caption = next(c for c in captions if c.startswith("Each hollow blue circle"))
        assert f"{top} (" in chart_caption and f"moved most {words}" in chart_caption
        table_caption = next(c for c in captions if c.startswith("The 10 counties that moved most"))
        assert f"moved most {words}" in table_caption and f"{top} leads" in table_caption
    assert "μ_α" in moves.columns
    assert any(
        s.value.startswith("Sampler check, Partial pooling + uranium")
        for s in [*radon.success, *radon.warning]
    )
