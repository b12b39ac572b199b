"""Landing page: what the lab teaches, and a way into every page."""

import streamlit as st

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

st.header("Where to go")
PAGES = [
    (
        "app_pages/explore.py",
        ":material/tune:",
        "Explore",
        "Build groups with sliders and watch shrinkage happen, with the reason each group moves as it does.",
    ),
    (
        "app_pages/eight_schools.py",
        ":material/school:",
        "Eight schools",
        "Slide τ and see every school's estimate move (BDA3 chapter 5).",
    ),
    (
        "app_pages/baseball.py",
        ":material/sports_baseball:",
        "Baseball (Efron–Morris)",
        "Early-season batting averages: pooling predicts the rest of the season better.",
    ),
    (
        "app_pages/radon.py",
        ":material/home_work:",
        "Radon (85 counties)",
        "Varying intercepts with a predictor, for counties of 1 to 116 houses.",
    ),
    (
        "app_pages/reedfrogs.py",
        ":material/water:",
        "Reed frogs",
        "Tadpole survival in 48 tanks: partial pooling of proportions.",
    ),
    (
        "app_pages/sampling.py",
        ":material/science:",
        "Sampling lesson",
        "Why hierarchical models diverge, and how reparameterizing fixes it.",
    ),
    (
        "app_pages/exercises.py",
        ":material/quiz:",
        "Predict, then reveal",
        "Eight short exercises: predict where an estimate lands, then see the answer and why.",
    ),
    (
        "app_pages/upload.py",
        ":material/upload_file:",
        "Your data",
        "Fit the three poolings to a CSV of your own.",
    ),
]
for path, icon, label, blurb in PAGES:
    left, right = st.columns([1, 3], vertical_alignment="center")
    with left:
        st.page_link(path, label=label, icon=icon)
    right.write(blurb)

st.caption(
    "Every page shows an exact or instant answer first and refines it with MCMC (NUTS via nutpie), "
    "with convergence diagnostics. The Explore page's link carries all its settings: copy it to hand "
    "a class the exact example."
)
