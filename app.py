"""Partial Pooling Lab: a Streamlit app about hierarchical Bayesian models.

Run from the repository root:  streamlit run app.py
"""

import streamlit as st

st.set_page_config(page_title="Partial Pooling Lab", page_icon="🎯", layout="wide")

# The app's pages, in menu order; the first is the landing page. Add a page with one more line:
#     st.Page("pages/<file>.py", title="...", icon=":material/<name>:"),
PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/explore.py", title="Explore", icon=":material/tune:", url_path="explore"),
]

st.navigation(PAGES).run()
