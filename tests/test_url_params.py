"""Issue #21 item 2: every page's link is read by hbm_core.url_params.parse, which never raises and
says what it adjusted; the note stays on the page until dismissed; a fuzz over every page's
parameters gives no exception (AppTest)."""

from __future__ import annotations

import random

import pytest

from hbm_core.url_params import Choice, Flag, Nearest, Number, Numbers, align_lists, parse
from ui.explore_state import URL_SPEC
from ui.radon_state import url_spec

EXPLORE = "app_pages/explore.py"
RADON = "app_pages/radon.py"
HOSTILE = (
    "1e999", "-1e999", "inf", "-inf", "nan", "NaN", "", " ", "abc", "-1", "0", "1.5", "1,2,3", "inf,5",
    "nan,nan", ",,,", "1e-999", "0x10", "１２", "<b>x</b>", "[x](http://evil.example)", "**", "$x$",
    "'; drop", "\x00", "9" * 400, "1," * 3000, "true", "first", "AITKIN",
)  # fmt: skip


@pytest.mark.parametrize(
    ("query", "key", "value"),
    [
        ({"seed": "1e999"}, "seed", 1_000_000),
        ({"seed": "-inf"}, "seed", 0),
        ({"n": "inf,5"}, "n", [500, 5]),
        ({"draws": "inf"}, "draws", 4000),
        ({"draws": "-inf"}, "draws", 250),
        ({"chains": "-inf"}, "chains", 1),
        ({"chains": "9"}, "chains", 4),
        ({"step": "inf"}, "step", 5),
        ({"tau": "-3"}, "tau", 0.5),
        ({"ta": "0.87"}, "ta", 0.85),
        ({"m": "1.3,99"}, "m", [1.5, 20.0]),
    ],
)
def test_crafted_explore_links_are_adjusted_with_a_note(query, key, value):
    values, notes = parse(query, URL_SPEC)
    assert values[key] == value
    assert len(notes) == 1 and notes[0].startswith(URL_SPEC[key].label)


@pytest.mark.parametrize("query", [{"seed": "nan"}, {"n": "nan,5"}, {"chains": "many"}, {"sd": "both"}])
def test_unreadable_values_are_skipped_with_a_note(query):
    values, notes = parse(query, URL_SPEC)
    assert values == {} and len(notes) == 1 and "left as it was" in notes[0]


def test_values_in_range_pass_without_a_note():
    query = {"n": "5,80", "m": "1,9", "s": "2,2", "seed": "42", "tau": "3", "draws": "500", "chains": "2"}
    query |= {"ta": "auto", "param": "centered", "sd": "shared", "classroom": "1", "step": "3"}
    values, notes = parse(query, URL_SPEC)
    assert notes == []
    assert values == {
        "n": [5, 80], "m": [1.0, 9.0], "s": [2.0, 2.0], "seed": 42, "tau": 3.0, "draws": 500, "chains": 2,
        "ta": "auto", "param": "centered", "sd": "shared", "classroom": True, "step": 3,
    }  # fmt: skip


def test_spec_kinds_and_list_alignment():
    spec = {
        "k": Number("k", 0, 10, integer=True),
        "xs": Numbers("xs", Number("x", 0, 1, step=0.25), max_len=3),
        "c": Choice("c", ("Alpha", "Beta"), aliases={"a": "Alpha"}),
        "near": Nearest("near", (1, 10, 100), words=("auto",)),
        "f": Flag("f"),
    }
    values, notes = parse(
        {"k": "2.6", "xs": "0.3,2,0,1", "c": "A", "near": "AUTO", "f": "off", "z": "?"}, spec
    )
    assert values == {"k": 3, "xs": [0.25, 1.0, 0.0], "c": "Alpha", "near": "auto", "f": False}
    assert [n.split(":")[0] for n in notes] == ["k", "xs"]
    aligned, more = align_lists({"n": [1, 2, 3], "m": [5.0]}, "n", {"m": 0.0, "s": 9.0}, "groups")
    assert aligned == {"n": [1, 2, 3], "m": [5.0, 0.0, 0.0], "s": [9.0, 9.0, 9.0]} and len(more) == 1


def test_parse_never_raises_on_random_links():
    rng = random.Random(21)
    specs = [URL_SPEC, url_spec(["AITKIN", "ANOKA"])]
    for _ in range(3000):
        spec = rng.choice(specs)
        query = {k: rng.choice(HOSTILE) for k in spec if rng.random() < 0.6}
        query |= {"n": [rng.choice(HOSTILE), "3,4"]} if rng.random() < 0.1 else {}
        values, notes = parse(query, spec)
        assert set(values) <= set(spec) and all(isinstance(n, str) for n in notes)


def test_radon_link_names_county_and_floor_any_case():
    values, notes = parse({"county": " aitkin ", "floor": "First"}, url_spec(["AITKIN", "ANOKA"]))
    assert values == {"county": "AITKIN", "floor": "first floor"} and notes == []
    values, notes = parse({"county": "Atlantis", "floor": "attic"}, url_spec(["AITKIN", "ANOKA"]))
    assert values == {} and len(notes) == 2


# ----------------------------------------------------------------------------- the pages


QUICK = {"draws": "250", "chains": "1"}


def _warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def test_crafted_explore_link_shows_a_note_until_dismissed(open_page):
    at = open_page(EXPLORE, query={**QUICK, "seed": "1e999", "n": "inf,5", "classroom": "1", "step": "inf"})
    assert at.session_state["seed"] == 1_000_000 and at.session_state["step"] == 5
    assert at.session_state["size_0"] == 500 and at.session_state["size_1"] == 5
    note = [w for w in _warnings(at) if "adjusted" in w]
    assert note and "seed" in note[0] and "group sizes" in note[0] and "classroom step" in note[0]
    at.run()  # still there on the next run
    assert any("adjusted" in w for w in _warnings(at))
    at.button(key="link_notes_explore_dismiss").click().run()
    assert not any("adjusted" in w for w in _warnings(at))


@pytest.mark.slow
@pytest.mark.parametrize("value", HOSTILE[:16] + ("[x](http://evil.example)", "9" * 400))
def test_fuzzed_links_of_every_page_give_no_exception(open_page, value):
    """Every parameter of Explore and Radon set to the same hostile value: no traceback."""
    at = open_page(EXPLORE, query={**{k: value for k in URL_SPEC}, **QUICK})
    assert not at.exception
    at = open_page(RADON, query={"county": value, "floor": value, "radon_draws": "250"})
    assert not at.exception


def test_explore_from_a_link_comes_back_the_same_after_another_page(open_page):
    """Item 3: settings from a custom link, another page, Explore again: the same settings and link."""
    link = {**QUICK, "n": "5,80", "m": "1,9", "s": "2,2", "seed": "42", "tau": "3", "sd": "shared"}
    at = open_page(EXPLORE, query=link)
    at.slider(key="size_0").set_value(7).run()
    at.switch_page("app_pages/home.py").run()
    at.query_params.clear()  # as in the browser: the menu's link to a page carries no parameters
    at.switch_page(EXPLORE).run()
    assert not at.exception
    ss = at.session_state
    assert (ss["n_groups"], ss["size_0"], ss["size_1"], ss["mean_1"]) == (2, 7, 80, 9.0)
    assert (ss["seed"], ss["tau_scale"], ss["sigma"], ss["chains"]) == (42, 3.0, "shared", 1)
    assert at.query_params["n"] in ("7,80", ["7,80"]) and at.query_params["seed"] in ("42", ["42"])
