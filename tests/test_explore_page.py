"""AppTest of the Explore page: renders, reacts to sliders and presets, URL round trip, bad input."""

from __future__ import annotations

import pytest

from ui.explore_state import PRESETS

EXPLORE = "app_pages/explore.py"


def estimates(at):
    """The 'Estimates as a table' dataframe (first dataframe on the page)."""
    return at.dataframe[0].value


@pytest.fixture
def explore(open_page):
    return open_page(EXPLORE)


def test_page_renders_defaults_with_converged_fits(explore):
    table = estimates(explore)
    assert list(table.group) == ["A", "B", "C", "D", "E", "F"]
    assert list(table.n) == [3, 6, 12, 25, 50, 100]
    assert not explore.error
    assert any("All fits converged" in s.value for s in explore.success)
    assert explore.query_params["n"] in (["3,6,12,25,50,100"], "3,6,12,25,50,100")


def test_slider_changes_the_data_and_the_estimates(explore):
    before = estimates(explore)
    explore.slider(key="size_5").set_value(2).run()  # the largest group (n = 100) becomes tiny
    assert not explore.exception
    after = estimates(explore)
    assert after.n.iloc[5] == 2
    assert after["sample mean"].iloc[5] != before["sample mean"].iloc[5]
    assert after["Partial pooling"].iloc[5] != before["Partial pooling"].iloc[5]
    # The group is now pulled further from its own mean than before.
    pull = lambda t: abs(t["Partial pooling"].iloc[5] - t["No pooling"].iloc[5])  # noqa: E731
    assert pull(after) > pull(before)
    assert explore.session_state["preset"] == "Custom"


def test_presets_and_group_count(explore):
    explore.selectbox(key="preset").set_value("Many small groups").run()
    assert not explore.exception
    table = estimates(explore)
    assert len(table) == 12 and (table.n == 3).all()
    explore.slider(key="n_groups").set_value(4).run()
    assert len(estimates(explore)) == 4


def test_new_sample_button_changes_seed_and_data(explore):
    before = estimates(explore)["sample mean"].to_numpy()
    explore.button[0].click().run()
    assert explore.session_state["seed"] == 2
    assert (estimates(explore)["sample mean"].to_numpy() != before).all()


def test_url_round_trip_restores_settings(open_page):
    link = {"n": "5,80", "m": "1,9", "s": "2,2", "seed": "42", "tau": "3", "sd": "shared"}
    at = open_page(EXPLORE, query=link)
    table = estimates(at)
    assert list(table.n) == [5, 80] and list(table["true mean"]) == [1.0, 9.0]
    assert at.session_state["seed"] == 42 and at.session_state["tau_scale"] == 3.0
    assert at.session_state["sigma"] == "shared"


def test_link_to_a_preset_names_it_in_the_preset_box(open_page):
    sizes, means, sds, sigma = PRESETS["Very noisy groups"]
    link = {"g": str(len(sizes)), "n": ",".join(map(str, sizes)), "m": ",".join(f"{m:g}" for m in means)}
    at = open_page(EXPLORE, query=link | {"s": ",".join(f"{s:g}" for s in sds), "sd": sigma})
    assert at.session_state["preset"] == "Very noisy groups"
    at.slider(key="size_0").set_value(sizes[0] + 1).run()
    assert at.session_state["preset"] == "Custom"
    at.slider(key="size_0").set_value(sizes[0]).run()  # back on the preset's settings
    assert at.session_state["preset"] == "Very noisy groups"


def test_absurd_link_gets_clamped_not_a_traceback(open_page):
    at = open_page(EXPLORE, query={"n": "0,100000,7", "m": "abc", "s": "1,1,1"})
    assert list(estimates(at).n) == [3, 6, 12, 25, 50, 100]  # the defaults


def test_out_of_range_link_is_moved_into_range(open_page):
    at = open_page(EXPLORE, query={"n": "0,100000", "m": "-50,99", "s": "0,50"})
    table = estimates(at)
    assert list(table.n) == [1, 500] and list(table["true mean"]) == [-10.0, 20.0]


def test_all_singleton_groups_give_a_message_not_a_traceback(explore):
    explore.selectbox(key="preset").set_value("Classic example (3 groups)").run()
    for j in range(3):
        explore.slider(key=f"size_{j}").set_value(1)
    explore.run()
    assert not explore.exception
    assert any("single observation" in i.value for i in explore.info) or explore.info


REASONS = (
    "least precise",
    "larger pooling factor",
    "same pooling factor",
    "keeps almost its own",
    "pooled almost",
)


@pytest.mark.parametrize("preset", [None, "Classic example (3 groups)", "One tiny group", "All groups alike"])
def test_the_shrinkage_caption_names_the_group_that_moved_most_and_why(open_page, preset):
    """On the default and on presets, the sentence beside the chart agrees with the estimates table."""
    at = open_page(EXPLORE, state={"draws": 250, "chains": 2})
    if preset is not None:
        at.selectbox(key="preset").set_value(preset).run()
    table = estimates(at)
    moved = (table["Partial pooling"] - table["No pooling"]).abs()
    top = table.group[moved == moved.max()].tolist()
    caption = next(c.value for c in at.main.caption if "moved most" in c.value)
    head = caption.split("moved most")[0]
    assert any(f"Group {g} " in head or f" {g} " in head or f" {g}," in head for g in top), (top, caption)
    assert any(reason in caption for reason in REASONS), caption
    assert "small groups" not in caption.lower()
