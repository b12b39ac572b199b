"""A student's progress through the exercises, kept in the session and in links (never on the server).

The exercises page (``app_pages/exercises.py``) adds an exercise to the session's list when the
student reveals it and writes the list into its link (``?done=1,2``); the Home page shows it as the
guided path's progress and writes it into its own link. Either page opened from a link with ``done``
adds the link's exercises to the session's (a link never takes progress away), so a reload, a shared
link or a visit to another page keeps it. Functions only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import streamlit as st

from hbm_core import url_params
from hbm_core.lessons.exercises import EXERCISES

#: The session's list of exercises revealed (numbers, 1-based, sorted).
DONE_KEY = "ex_done"
#: The link parameter and how it is read.
DONE_PARAM = "done"
DONE_SPEC = url_params.Numbers(
    "Exercises done", url_params.Number("Exercise", 1, len(EXERCISES), integer=True), max_len=len(EXERCISES)
)


def merge(done: Iterable[int]) -> list[int]:
    """Add ``done`` to the session's list (exercise numbers outside 1..N dropped); return the list."""
    n = len(EXERCISES)
    merged = sorted({int(k) for k in (*st.session_state.get(DONE_KEY, []), *done) if 1 <= int(k) <= n})
    st.session_state[DONE_KEY] = merged
    return merged


def from_link(query: Mapping[str, object]) -> tuple[list[int], list[str]]:
    """The session's progress with the link's ``done`` added, and notes on anything the link adjusted."""
    values, notes = url_params.parse(query, {DONE_PARAM: DONE_SPEC})
    return merge(values.get(DONE_PARAM, [])), notes


def as_param(done: Iterable[int]) -> str:
    """The link's value for ``done``: ``"1,2,4"`` ('' for none)."""
    return ",".join(str(k) for k in sorted(set(done)))


def write_link(done: Iterable[int]) -> None:
    """Put ``done`` in the current page's link (and take it out when there is none)."""
    text = as_param(done)
    if text:
        if st.query_params.get(DONE_PARAM) != text:
            st.query_params[DONE_PARAM] = text
    elif DONE_PARAM in st.query_params:
        del st.query_params[DONE_PARAM]


def next_exercise(done: Iterable[int], among: Iterable[int] | None = None) -> int | None:
    """The first exercise not yet done (among ``among``, default all); None when all are done."""
    finished = set(done)
    pool = list(among) if among is not None else [e.number for e in EXERCISES]
    return next((k for k in pool if k not in finished), None)
