"""Home as a guided path (AppTest): the pages in order with what each teaches, each page's exercises
marked done or not, the progress from the session and from the link (``done=``), written back into the
link; links to the exercises carry it, and the exercises page adds a link's progress to the session's
(a visit to another page or a link never takes progress away)."""

from __future__ import annotations

from urllib.parse import parse_qs

from hbm_core.lessons.exercises import EXERCISES

HOME = "app_pages/home.py"
EXERCISES_PAGE = "app_pages/exercises.py"


def page_links(at) -> list:
    return [p.proto for p in at.get("page_link")]


def exercise_links(at) -> dict[str, dict[str, list[str]]]:
    """The links to the exercises page by label, with their query parameters."""
    return {
        p.label: parse_qs(p.query_string)
        for p in page_links(at)
        if p.page.endswith("exercises") and p.query_string
    }


def progress_text(at) -> str:
    return at.get("progress")[0].proto.text


def query(at, key: str):
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def test_the_path_lists_the_pages_in_order_with_their_exercises(open_page):
    at = open_page(HOME)
    labels = [p.label for p in page_links(at)]
    path = [label for label in labels if label[:1].isdigit()]
    assert path[0] == "1. Explore" and path[6] == "7. Sampling lesson" and path[-1] == "9. Your data"
    assert path[3:5] == ["4. Radon (85 counties)", "5. Varying slopes"]
    assert len(path) == 9
    links = exercise_links(at)
    # every exercise appears once on the path, none done
    on_path = [label for label in links if "(done)" not in label and label.startswith("Exercise ")]
    assert {label.split(":")[0] for label in on_path} == {f"Exercise {e.number}" for e in EXERCISES}
    assert "0 of 8" in progress_text(at)
    assert query(at, "done") is None
    assert [h.value for h in at.header] == ["Your path through the lab", "Your progress"]


def test_a_link_with_progress_marks_it_keeps_it_in_the_link_and_carries_it(open_page):
    at = open_page(HOME, query={"done": "1,4"})
    assert "2 of 8" in progress_text(at)
    links = exercise_links(at)
    done = {label for label in links if label.endswith("(done)")}
    assert done == {f"Exercise 1: {EXERCISES[0].title} (done)", f"Exercise 4: {EXERCISES[3].title} (done)"}
    assert all(params["done"] == ["1,4"] for params in links.values())
    assert links[f"Exercise 2: {EXERCISES[1].title}"]["ex"] == ["2"]
    # the next exercise on the path: the first not done in the path's order (Explore's 2 and 3 first)
    assert any(m.value == "Next on the path:" for m in at.markdown)
    assert query(at, "done") == "1,4"


def test_progress_survives_the_exercises_page_and_a_visit_home(open_page):
    at = open_page(EXERCISES_PAGE, query={"ex": "3", "seed": "21", "done": "2"})
    at.radio[0].set_value("yes").run()
    next(b for b in at.button if b.label == "Reveal").click().run()
    assert not at.exception
    assert query(at, "done") == "2,3"
    at.query_params.clear()  # the menu's link to a page carries no parameters
    at.switch_page(HOME).run()
    assert not at.exception
    assert "2 of 8" in progress_text(at) and query(at, "done") == "2,3"
    at.query_params.clear()
    at.switch_page(EXERCISES_PAGE).run()  # back by the menu: the same exercise, numbers and progress
    assert not at.exception
    assert query(at, "ex") == "3" and query(at, "seed") == "21" and query(at, "done") == "2,3"
    assert at.radio[0].value == "yes" and at.radio[0].disabled  # the revealed prediction, as it was made
    assert "3 of 8" not in at.get("progress")[0].proto.text and "2 of 8" in at.get("progress")[0].proto.text


def test_a_link_adds_progress_never_takes_it_away_and_bad_values_get_a_note(open_page):
    at = open_page(HOME, query={"done": "3"})
    at.query_params.clear()
    at.query_params["done"] = "1,x"  # unreadable: left out, with a note
    at.switch_page(HOME).run()
    assert not at.exception
    assert any("The link: Exercises done" in w.value for w in at.warning)
    assert query(at, "done") == "3" and "1 of 8" in progress_text(at)
    at.query_params.clear()
    at.query_params["done"] = "1"  # a link with less progress adds its own
    at.switch_page(HOME).run()
    assert not at.warning
    assert query(at, "done") == "1,3" and "2 of 8" in progress_text(at)
