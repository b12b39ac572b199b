"""Notes on a page's link that stay on the page until the user dismisses them.

:func:`keep` stores the notes of :func:`hbm_core.url_params.parse` under a page's key in session
state; :func:`show` draws them (a warning with a dismiss button) on every run until dismissed, so a
reader who looks away does not miss which values of the link were adjusted.
"""

from __future__ import annotations

import streamlit as st

from hbm_core.markdown_text import escape

_PREFIX = "link_notes_"


def keep(page: str, notes: list[str]) -> None:
    """Store ``notes`` on ``page``'s link (replacing older ones); nothing to store clears them."""
    if notes:
        st.session_state[_PREFIX + page] = list(notes)
    else:
        st.session_state.pop(_PREFIX + page, None)


def pending(page: str) -> list[str]:
    """The notes on ``page``'s link not yet dismissed."""
    return list(st.session_state.get(_PREFIX + page, []))


def _dismiss(page: str) -> None:
    st.session_state.pop(_PREFIX + page, None)


def show(page: str) -> None:
    """Draw ``page``'s notes, if any, as a warning the user dismisses with its button."""
    notes = pending(page)
    if not notes:
        return
    st.warning(
        "Some values in the link were adjusted:\n\n" + "\n".join(f"- {escape(n)}" for n in notes), icon="🔧"
    )
    st.button(
        "Dismiss", key=f"{_PREFIX}{page}_dismiss", on_click=_dismiss, args=(page,), icon=":material/close:"
    )
