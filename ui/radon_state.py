"""The Radon page's settings: defaults, and the county and floor named in the page's link.

Settings live in ``st.session_state`` under ``radon_*`` keys. On a session's first visit the link's
query parameters (``/radon?county=AITKIN&floor=first``) choose the county and the floor; every run
writes them back, so a copied link shows the same county.
"""

from __future__ import annotations

import streamlit as st

from hbm_core.lessons.real_data import RADON_DEFAULT_COUNTY
from ui import controls

FLOORS = {"basement": 0.0, "first floor": 1.0}
DEFAULTS = {
    "radon_county": RADON_DEFAULT_COUNTY,
    "radon_floor": "basement",
    "radon_seed": 1,
    "radon_draws": 1000,
    "radon_tune": 500,
    "radon_chains": 4,
}
# How a link may name a floor (after dropping " floor"), and the page's name for it.
LINK_FLOORS = {"basement": "basement", "0": "basement", "first": "first floor", "1": "first floor"}


def _from_link(counties: list[str]) -> list[str]:
    """Read the county and floor from the link into session state; return notes on what was not found."""
    notes = []
    link_county = st.query_params.get("county")
    if link_county:
        match = [c for c in counties if c.lower() == link_county.strip().lower()]
        if match:
            st.session_state["radon_county"] = match[0]
        else:
            notes.append(
                f"There is no county called “{link_county}” in the data; showing {RADON_DEFAULT_COUNTY}."
            )
    link_floor = st.query_params.get("floor")
    if link_floor:
        floor = LINK_FLOORS.get(link_floor.strip().lower().replace(" floor", ""))
        if floor:
            st.session_state["radon_floor"] = floor
        else:
            notes.append(f"“{link_floor}” is not a floor (use basement or first); showing a basement.")
    return notes


def ensure_state(counties: list[str]) -> list[str]:
    """Defaults (on the first run: the link's county and floor); notes on anything that was reset."""
    notes = _from_link(counties) if "radon_county" not in st.session_state else []
    controls.init_state(DEFAULTS)
    if st.session_state["radon_county"] not in counties:
        notes.append(f"Unknown county {st.session_state['radon_county']!r}; showing {RADON_DEFAULT_COUNTY}.")
        st.session_state["radon_county"] = RADON_DEFAULT_COUNTY
    if st.session_state["radon_floor"] not in FLOORS:
        st.session_state["radon_floor"] = "basement"
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
