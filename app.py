"""Partial Pooling Lab: a Streamlit app about hierarchical Bayesian models.

Run from the repository root:  streamlit run app.py
"""

import streamlit as st

from pages._ui import require_navigation

st.set_page_config(page_title="Partial Pooling Lab", page_icon=":material/target:", layout="wide")
require_navigation()

# The app's pages, in menu order; the first is the landing page. Add a page with one more line.
# Each URL path is the file's name: on a freshly started server Streamlit resolves the first deep
# link against the files in pages/ before this menu exists (see _ui.require_navigation).
PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/explore.py", title="Explore", icon=":material/tune:"),
    st.Page("pages/eight_schools.py", title="Eight schools", icon=":material/school:"),
    st.Page("pages/baseball.py", title="Baseball (Efron–Morris)", icon=":material/sports_baseball:"),
    st.Page("pages/radon.py", title="Radon (85 counties)", icon=":material/home_work:"),
    st.Page("pages/reedfrogs.py", title="Reed frogs", icon=":material/water:"),
    st.Page("pages/sampling.py", title="Sampling lesson", icon=":material/science:"),
    st.Page("pages/upload.py", title="Your data", icon=":material/upload_file:"),
]

st.navigation(PAGES).run()
