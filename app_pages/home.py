"""Landing page: what the lab teaches, and a guided path through its pages with the student's progress
through the exercises (from the session and the link's ``done``, written back into the link)."""

import streamlit as st

from hbm_core.lessons.exercises import EXERCISES
from ui import progress

EXERCISES_PAGE = "app_pages/exercises.py"
BY_KEY = {e.key: e for e in EXERCISES}

st.title("Partial Pooling Lab")

st.markdown(
    """
When data come in groups (schools, hospitals, counties, baseball players), each group's average can
be estimated in three ways: **complete pooling** ignores the groups and gives every one the same
overall mean, **no pooling** estimates each group from its own data alone, and **partial pooling**
fits a hierarchical model that sits in between.
Partial pooling pulls each group's estimate towards the overall mean, and pulls hardest on the
groups whose own estimate is least precise (few or widely spread observations): this is
**shrinkage**.
Every group **borrows strength** from the others, and the model learns from the data how much to
borrow by estimating how different the groups really are.
In this lab you change the data and the priors and watch the estimates move between the two
extremes.
"""
)

# The student's progress: the session's, plus any the link carries; written back so a reload or a
# copied link keeps it. Nothing is stored on the server.
done, notes = progress.from_link(st.query_params.to_dict())
progress.write_link(done)
for note in notes:
    st.warning(f"The link: {note}", icon=":material/link:")


def exercise_link(key: str) -> None:
    """A link to one exercise, marked done or not; it carries the progress to the exercises page."""
    item = BY_KEY[key]
    finished = item.number in done
    st.page_link(
        EXERCISES_PAGE,
        label=f"Exercise {item.number}: {item.title}{' (done)' if finished else ''}",
        icon=":material/check_circle:" if finished else ":material/radio_button_unchecked:",
        query_params={"ex": str(item.number)} | ({"done": progress.as_param(done)} if done else {}),
    )


st.header("Your path through the lab")
st.markdown(
    "Go through the pages in this order: each builds on the one before. After a page, try its "
    "exercises on the *Predict, then reveal* page: predict first, then see the answer and why."
)
PATH = [
    (
        "app_pages/explore.py",
        ":material/tune:",
        "Explore",
        "The three ways to pool on groups you build with sliders: which groups shrink, by how much and "
        "why (a group's standard error against τ). Switch on **Predict first** to guess before you see.",
        ("far_group", "equal_sizes", "alike"),
    ),
    (
        "app_pages/eight_schools.py",
        ":material/school:",
        "Eight schools",
        "A classic with known standard errors: slide τ and see every school's estimate move between "
        "complete pooling and no pooling (BDA3 chapter 5).",
        ("eight_schools",),
    ),
    (
        "app_pages/baseball.py",
        ":material/sports_baseball:",
        "Baseball (Efron–Morris)",
        "Early-season batting averages: why pooling predicts the rest of the season better than each "
        "player's own average.",
        ("baseball",),
    ),
    (
        "app_pages/radon.py",
        ":material/home_work:",
        "Radon (85 counties)",
        "Varying intercepts with a predictor, for counties of 1 to 116 houses: shrinkage against "
        "county size.",
        ("radon",),
    ),
    (
        "app_pages/varying_slopes.py",
        ":material/trending_down:",
        "Varying slopes",
        "Radon again, with every county's own floor effect: intercepts and slopes pooled together, "
        "shrinkage in two dimensions, and synthetic data where the truth is known.",
        (),
    ),
    (
        "app_pages/reedfrogs.py",
        ":material/water:",
        "Reed frogs",
        "Tadpole survival in 48 tanks: partial pooling of proportions, on the log-odds scale.",
        ("reedfrogs",),
    ),
    (
        "app_pages/sampling.py",
        ":material/science:",
        "Sampling lesson",
        "Why hierarchical models diverge (the funnel), how the non-centered form fixes it, and how to "
        "read R-hat, ESS and divergences.",
        ("funnel",),
    ),
    (
        EXERCISES_PAGE,
        ":material/quiz:",
        "Predict, then reveal",
        "All eight exercises in one place, with new numbers from a seed, a teacher view and a glossary.",
        (),
    ),
    (
        "app_pages/upload.py",
        ":material/upload_file:",
        "Your data",
        "Fit the three poolings to a CSV of your own.",
        (),
    ),
]
for number, (path, icon, label, teaches, keys) in enumerate(PATH, start=1):
    left, right = st.columns([1, 3])
    with left:
        st.page_link(path, label=f"{number}. {label}", icon=icon)
    with right:
        st.markdown(teaches)
        for key in keys:
            exercise_link(key)

st.header("Your progress")
st.progress(len(done) / len(EXERCISES), text=f"Exercises revealed: {len(done)} of {len(EXERCISES)}")
upcoming = progress.next_exercise(done, [BY_KEY[k].number for *_, keys in PATH for k in keys])
if upcoming is None:
    upcoming = progress.next_exercise(done)
if upcoming is None:
    st.success(f"All {len(EXERCISES)} exercises revealed.", icon=":material/celebration:")
else:
    st.markdown("Next on the path:")
    exercise_link(EXERCISES[upcoming - 1].key)
st.caption(
    "Your progress lives in your session and in this page's link (`done=`), never on the server: "
    "bookmark or share the link to keep it. Every page shows an exact or instant answer first and "
    "refines it with MCMC (NUTS via nutpie), with convergence diagnostics; the Explore page's link "
    "carries all its settings."
)

# Most visitors go on to Explore: compile its models meanwhile, in the background (once per server).
# Imported here, after the page is drawn: on a fresh server the import takes a moment.
from ui import explore_state  # noqa: E402

explore_state.warm_up()
