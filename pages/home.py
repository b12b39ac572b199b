"""Landing page: what the lab teaches."""

import streamlit as st

st.title("Partial Pooling Lab")

st.markdown(
    """
When data come in groups (schools, hospitals, counties, baseball players), each group's average can
be estimated in three ways: **complete pooling** ignores the groups and gives every one the same
overall mean, **no pooling** estimates each group from its own data alone, and **partial pooling**
fits a hierarchical model that sits in between.
Partial pooling pulls each group's estimate towards the overall mean, and pulls hardest on small,
noisy groups: this is **shrinkage**.
Every group **borrows strength** from the others, and the model learns from the data how much to
borrow by estimating how different the groups really are.
In this lab you change the data and the priors and watch the estimates move between the two
extremes.
"""
)
