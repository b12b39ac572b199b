"""AppTest of the section "Which pooling predicts best?" (ui/predictive_accuracy.py) on Explore and
Reed frogs: nothing is computed until asked; asked, the table, the reading and the downloads; a
slider move brings the button back instead of computing again."""

from __future__ import annotations

from ui.predictive_accuracy import BUTTON, LABEL, box_key

EXPLORE = "app_pages/explore.py"
FROGS = "app_pages/reedfrogs.py"
FROGS_QUICK = {"frogs_draws": 250, "frogs_tune": 500, "frogs_chains": 2}


def comparison(at):
    return next((df.value for df in at.dataframe if "elpd_loo" in df.value.columns), None)


def reading(at) -> str:
    return next((m.value for m in at.markdown if "predicts left-out" in m.value), "")


def ask(at, key: str):
    """Open the box (as the browser does, without its callback) and press the button."""
    at.session_state[box_key(key)] = True
    at.run()
    assert comparison(at) is None  # open but not asked yet: the button
    next(b for b in at.button if b.label == BUTTON).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_explore_compares_only_when_asked_and_again_after_a_move(open_page):
    at = open_page(EXPLORE)
    assert any(e.label == LABEL for e in at.expander)
    assert comparison(at) is None and not reading(at)
    ask(at, "results")
    table = comparison(at)
    assert list(table["fit"]) and set(table["fit"]) == {"Complete pooling", "No pooling", "Partial pooling"}
    assert table["difference to best"].iloc[0] == 0 and (table["difference to best"].iloc[1:] < 0).all()
    assert (table["SE"] > 0).all() and (table["p_loo"] > 0).all()
    text = reading(at)
    assert text.startswith(f"- **{table['fit'].iloc[0]}** predicts left-out observations best")
    assert any(b.label == "Comparison (CSV)" for b in at.get("download_button"))

    at.run()  # another run with the same fits: still shown, from memory
    assert comparison(at) is not None

    at.slider(key="size_0").set_value(4).run()  # new fits: the button again, nothing computed
    assert not at.exception
    assert comparison(at) is None
    assert any(b.label == BUTTON for b in at.button)


def test_reedfrogs_partial_pooling_predicts_best(open_page):
    at = open_page(FROGS, state=FROGS_QUICK)
    ask(at, "frogs")
    table = comparison(at)
    assert table["fit"].iloc[0] == "Partial pooling"
    assert table.set_index("fit").loc["No pooling", "difference to best"] < -4
    text = reading(at)
    assert text.startswith("- **Partial pooling** predicts left-out tanks best")
    assert "Every tank has a single data row" in text
