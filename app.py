"""Partial Pooling Lab: a Streamlit app about hierarchical Bayesian models.

Run from the repository root:  streamlit run app.py
"""

import streamlit as st

st.set_page_config(page_title="Partial Pooling Lab", page_icon=":material/target:", layout="wide")

# The app's pages, in menu order; the first is the landing page. Add a page with one more line.
# Each URL path is the file's name (/explore, /eight_schools, ...). The page files live in app_pages/,
# not pages/: Streamlit treats a pages/ folder as a legacy multipage app and would answer a deep link
# on a fresh server with its own menu of files before this one exists.
PAGES = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/explore.py", title="Explore", icon=":material/tune:"),
    st.Page("app_pages/eight_schools.py", title="Eight schools", icon=":material/school:"),
    st.Page("app_pages/baseball.py", title="Baseball (Efron–Morris)", icon=":material/sports_baseball:"),
    st.Page("app_pages/radon.py", title="Radon (85 counties)", icon=":material/home_work:"),
    st.Page(
        "app_pages/varying_slopes.py",
        title="Varying slopes",
        icon=":material/trending_down:",
        url_path="varying-slopes",
    ),
    st.Page("app_pages/reedfrogs.py", title="Reed frogs", icon=":material/water:"),
    st.Page("app_pages/sampling.py", title="Sampling lesson", icon=":material/science:"),
    st.Page("app_pages/exercises.py", title="Predict, then reveal", icon=":material/quiz:"),
    st.Page("app_pages/upload.py", title="Your data", icon=":material/upload_file:"),
]

st.navigation(PAGES).run()
