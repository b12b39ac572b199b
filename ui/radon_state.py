"""The Radon page's settings: defaults, and the county and floor named in the page's link.

Settings live in ``st.session_state`` under ``radon_*`` keys. On a session's first visit the link's
query parameters (``/radon?county=AITKIN&floor=first``) choose the county and the floor; every run
writes them back, so a copied link shows the same county. The link is read by
:func:`hbm_core.url_params.parse`; a county or floor it does not know is listed in a note that stays
on the page until dismissed.
"""

from __future__ import annotations

import streamlit as st

from hbm_core import url_params
from hbm_core.lessons.real_data import RADON_DEFAULT_COUNTY
from ui import controls, link_notes

FLOORS = {"basement": 0.0, "first floor": 1.0}
DEFAULTS = {
    "radon_county": RADON_DEFAULT_COUNTY,
    "radon_floor": "basement",
    "radon_seed": 1,
    "radon_draws": 1000,
    "radon_tune": 500,
    "radon_chains": 4,
    "radon_uranium_view": "with",  # section 4's chart: partial pooling with or without county uranium
}
# How a link may name a floor besides the page's own names, and the page's name for it.
LINK_FLOORS = {
    "basement floor": "basement",
    "0": "basement",
    "first": "first floor",
    "1": "first floor",
    "ground": "first floor",
}
NOTES_PAGE = "radon"  # ui.link_notes' name for this page's notes


def url_spec(counties: list[str]) -> dict[str, url_params.Param]:
    """The page's link parameters, read by :func:`hbm_core.url_params.parse`."""
    return {
        "county": url_params.Choice("county", counties),
        "floor": url_params.Choice("floor", tuple(FLOORS), aliases=LINK_FLOORS),
    }


def _from_link(counties: list[str]) -> list[str]:
    """Read the county and floor from the link into session state; return notes on what was not found."""
    values, notes = url_params.parse(st.query_params.to_dict(), url_spec(counties))
    if "county" in values:
        st.session_state["radon_county"] = values["county"]
    if "floor" in values:
        st.session_state["radon_floor"] = values["floor"]
    return notes


def ensure_state(counties: list[str]) -> list[str]:
    """Defaults (on the first run: the link's county and floor, with a note on anything in the link
    that was not found, shown until dismissed); notes on anything else that was reset."""
    if "radon_county" not in st.session_state:
        link_notes.keep(NOTES_PAGE, _from_link(counties))
    notes = []
    controls.init_state(DEFAULTS, across_pages=True)  # a visit to another page keeps them
    if st.session_state["radon_county"] not in counties:
        notes.append(f"Unknown county {st.session_state['radon_county']!r}; showing {RADON_DEFAULT_COUNTY}.")
        st.session_state["radon_county"] = RADON_DEFAULT_COUNTY
    if st.session_state["radon_floor"] not in FLOORS:
        st.session_state["radon_floor"] = "basement"
    link_notes.show(NOTES_PAGE)
    return notes


def write_query_params() -> None:
    """Put the county and the floor in the link (only when they changed)."""
    floor = st.session_state["radon_floor"]
    wanted = {
        "county": st.session_state["radon_county"],
        "floor": "first" if floor == "first floor" else "basement",
    }
    if {k: st.query_params.get(k) for k in wanted} != wanted:
        st.query_params.from_dict(wanted)
