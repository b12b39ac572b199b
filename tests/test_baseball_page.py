"""AppTest of the Baseball page: three fits, prediction error vs Efron–Morris, scale toggle, τ prior
slider, posterior predictive check."""

from __future__ import annotations

import pytest

PAGE = "app_pages/baseball.py"
RAW = "Raw averages after 45 at-bats"


def caption_with(at, text: str) -> str:
    return next(c.value for c in at.caption if text in c.value)


@pytest.fixture
def page(open_page):
    return open_page(PAGE, state={"bb_draws": 250, "bb_chains": 2})


def test_renders_and_pooling_beats_the_raw_averages(page, frame_with):
    assert not page.error, [e.value for e in page.error]
    errors = frame_with(page, "total squared error").set_index("method")
    assert errors.loc["Raw averages after 45 at-bats", "total squared error"] == pytest.approx(
        0.075, abs=0.001
    )
    assert errors.loc["James–Stein (Efron & Morris)", "total squared error"] == pytest.approx(
        0.021, abs=0.001
    )
    assert errors.loc["Raw averages after 45 at-bats", "published"] == "0.075"
    partial = errors.loc["Partial pooling (MCMC)", "total squared error"]
    assert (
        partial < 0.035 and partial < 0.5 * errors.loc["Raw averages after 45 at-bats", "total squared error"]
    )
    table = frame_with(page, "rest of season")
    assert len(table) == 18 and table["player"].iloc[0] == "Roberto Clemente"
    assert table["Partial pooling"].iloc[0] == pytest.approx(0.29, abs=0.03)
    interval = table["94% interval"].str.split(" – ", expand=True).astype(float)
    assert (interval[0] < table["Partial pooling"]).all()
    assert (table["Partial pooling"] < interval[1]).all()
    assert "c = 0.212" in caption_with(page, "James–Stein computed here")
    assert list(frame_with(page, "max R-hat")["fit"]) == ["Complete pooling", "No pooling", "Partial pooling"]
    assert "Observed inside the interval" in caption_with(page, "Observed inside the interval")


def test_scale_toggle_switches_to_logits(page, frame_with):
    prob = frame_with(page, "rest of season")
    assert prob["Partial pooling"].between(0, 1).all()
    page.radio(key="bb_scale").set_value("logit").run()
    assert not page.exception, page.exception
    lg = frame_with(page, "rest of season")
    assert (lg["Partial pooling"] < 0).all()  # batting averages below .5 have negative logits
    assert lg["after 45 at-bats"].iloc[0] == pytest.approx(-0.405, abs=0.001)  # logit(.400)
    assert lg["Partial pooling"].iloc[0] == pytest.approx(-0.9, abs=0.15)
    # Prediction errors stay on the batting-average scale.
    errors = frame_with(page, "total squared error").set_index("method")
    assert errors.loc["Raw averages after 45 at-bats", "total squared error"] == pytest.approx(
        0.075, abs=0.001
    )


def test_tau_prior_slider_changes_the_shrinkage(page, frame_with):
    before = frame_with(page, "rest of season")["Partial pooling"].iloc[0]
    page.slider(key="bb_tau_scale").set_value(0.1).run()
    assert not page.exception, page.exception
    after = frame_with(page, "rest of season")["Partial pooling"].iloc[0]
    assert after < before - 0.005  # a tighter prior on tau pulls Clemente further toward .265
    assert "τ ~ HalfNormal(0.1)" in caption_with(page, "Priors (logit scale)")


def test_predictive_check_options(page):
    rest = caption_with(page, "Observed inside the interval")
    assert "rest-of-season average" in rest
    page.radio(key="bb_target").set_value("first").run()
    assert not page.exception
    assert "first 45 at-bats" in caption_with(page, "Observed inside the interval")
    page.selectbox(key="bb_stat").set_value("max").run()
    assert not page.exception
    assert "highest average" in caption_with(page, "replicated data set")


def chart_texts(at, marker: str) -> str:
    """The specs and data of the charts whose spec holds ``marker``, as one text to search."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    texts = []
    for chart in at.get("vega_lite_chart"):
        if marker in chart.proto.spec:
            frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
            texts.append(chart.proto.spec + "".join(f.to_json(force_ascii=False) for f in frames))
    assert texts, f"no chart with {marker!r}"
    return "".join(texts)


def test_rest_of_season_is_called_so_and_no_cell_prints_none(page, frame_with):
    """The truth here is the rest-of-season batting average, not a true mean: legend, tooltips and
    captions say so; methods without a published value show "—", never None."""
    for marker in ("moved by", "94% HDI low"):  # the shrinkage and the forest chart
        texts = chart_texts(page, marker)
        assert "True mean" not in texts and "true mean" not in texts
        assert "Rest-of-season average" in texts and '"title": "rest-of-season average"' in texts
    assert not any("true mean" in c.value.lower() for c in page.caption)
    published = frame_with(page, "total squared error")["published"]
    assert published.notna().all() and not published.isin(["None", "nan", ""]).any()
    assert (published == "—").sum() == 3 and set(published) - {"—"} == {"0.075", "0.021"}


def test_captions_name_the_player_who_moved_most(page, frame_with):
    table = frame_with(page, "rest of season").set_index("player")
    moved = (table["Partial pooling"] - table["No pooling"]).abs()
    caption = caption_with(page, "Each arrow runs from a player's own estimate")
    assert f"Player {moved.idxmax()} (n = 45) moved most" in caption
    errors = caption_with(page, "Total squared error = sum over the 18 players")
    # nearer by more than the shown precision (3 decimals)
    nearer = (table["Partial pooling"] - table["rest of season"]).abs() < (
        table["No pooling"] - table["rest of season"]
    ).abs() - 0.0005
    assert f"rest-of-season average for {int(nearer.sum())} of 18 players" in errors
