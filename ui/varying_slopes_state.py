"""The Varying slopes page's settings: defaults kept across page switches, and the data they choose.

Settings live in ``st.session_state`` under ``vs_*`` keys (tests may preset them before the first
run, e.g. fewer draws). A value that is not one the page's widgets can hold (stale state, a bad
preset) goes back to its default with a note. On a session's first visit the link chooses the data
(``/varying-slopes?data=synthetic&rho=0.5&groups=12&rows=10&seed=3``), read by
:func:`hbm_core.url_params.parse`: a value it cannot use is listed in a note until dismissed. Every
run writes the data choice (and the synthetic truth's correlation, groups, rows and seed) back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from hbm_core import url_params
from hbm_core.data.datasets import load_dataset
from hbm_core.data.groups import GroupedData
from hbm_core.lessons.varying_slopes import Truth, synthetic_slopes, with_varying_slope
from ui import controls, link_notes

DATA_CHOICES = {
    "radon": "Minnesota radon (85 counties)",
    "synthetic": "Synthetic, with a known truth",
}
#: Ranges of the synthetic truth's sliders: (low, high, step).
RANGES = {
    "vs_true_mu_intercept": (-3.0, 3.0, 0.1),
    "vs_true_mu_slope": (-2.0, 2.0, 0.1),
    "vs_true_sd_intercept": (0.0, 1.5, 0.05),
    "vs_true_sd_slope": (0.0, 1.5, 0.05),
    "vs_true_rho": (-0.9, 0.9, 0.1),
    "vs_true_sigma": (0.2, 2.0, 0.1),
    "vs_groups": (4, 40, 1),
    "vs_per_group": (2, 40, 2),
    "vs_data_seed": (0, controls.SEED_MAX, 1),
}
#: The page's fits take small steps: the population's sds and correlation make a 2-D funnel.
TARGET_ACCEPT = 0.99
DEFAULTS: dict[str, Any] = {
    "vs_data": "radon",
    "vs_seed": 1,
    # 2000 draws x 4 chains after 1000 tuning steps (target_accept 0.99): no divergences on radon over
    # ten fits (seeds 1-7, tune 500 or 1000); the sd of the slopes, near its boundary at 0, mixes slowest:
    # its R-hat was 1.003-1.009 on three of four seeds and 1.014 on one (seed 6), which the page flags.
    "vs_draws": 2000,
    "vs_tune": 1000,
    "vs_chains": 4,
    "vs_true_mu_intercept": 1.5,
    "vs_true_mu_slope": -0.7,
    "vs_true_sd_intercept": 0.5,
    "vs_true_sd_slope": 0.4,
    "vs_true_rho": -0.6,
    "vs_true_sigma": 0.7,
    "vs_groups": 20,
    "vs_per_group": 16,
    "vs_data_seed": 1,
}


def _in_range(key: str) -> Callable[[Any], bool]:
    low, high, _ = RANGES[key]
    return lambda v: isinstance(v, int | float) and not isinstance(v, bool) and low <= v <= high


VALID: dict[str, Callable[[Any], bool]] = {
    "vs_data": lambda v: v in DATA_CHOICES,
    "vs_seed": controls.is_seed,
    "vs_draws": lambda v: v in controls.DRAWS,
    "vs_tune": lambda v: v in controls.TUNE,
    "vs_chains": lambda v: isinstance(v, int) and 1 <= v <= controls.MAX_CHAINS,
    **{key: _in_range(key) for key in RANGES},
}


NOTES_PAGE = "varying_slopes"  # ui.link_notes' name for this page's notes
#: Link parameter -> (session-state key, how the link is read).
LINK = {
    "data": ("vs_data", url_params.Choice("Data", tuple(DATA_CHOICES))),
    "rho": ("vs_true_rho", url_params.Number("True correlation", *RANGES["vs_true_rho"])),
    "groups": ("vs_groups", url_params.Number("Groups", *RANGES["vs_groups"], integer=True)),
    "rows": ("vs_per_group", url_params.Number("Rows per group", *RANGES["vs_per_group"], integer=True)),
    "seed": ("vs_data_seed", url_params.Number("Data seed", 0, controls.SEED_MAX, integer=True)),
}


def _from_link() -> list[str]:
    """Read the link's settings into session state; notes on what was adjusted or not understood."""
    values, notes = url_params.parse(
        st.query_params.to_dict(), {name: spec for name, (_, spec) in LINK.items()}
    )
    for name, value in values.items():
        st.session_state[LINK[name][0]] = value
    return notes


def ensure_state() -> list[str]:
    """Defaults on the first visit (the link's settings, with a note on anything in it that was
    adjusted, shown until dismissed; later visits keep the values); notes on values that were reset."""
    if "_keep_vs_data" not in st.session_state:  # the session's first visit
        link_notes.keep(NOTES_PAGE, _from_link())
    reset = controls.init_state(DEFAULTS, valid=VALID, across_pages=True)
    link_notes.show(NOTES_PAGE)
    return [
        f"The setting {key.removeprefix('vs_')!r} was not valid and went back to its default."
        for key in reset
    ]


def truth() -> Truth:
    """The synthetic data's true population, from the sliders."""
    ss = st.session_state
    return Truth(
        mu_intercept=float(ss["vs_true_mu_intercept"]),
        mu_slope=float(ss["vs_true_mu_slope"]),
        sd_intercept=float(ss["vs_true_sd_intercept"]),
        sd_slope=float(ss["vs_true_sd_slope"]),
        rho=float(ss["vs_true_rho"]),
        sigma=float(ss["vs_true_sigma"]),
    )


def chosen_data() -> GroupedData:
    """The data the page fits, with a varying slope: radon, or synthetic data from the sliders."""
    ss = st.session_state
    if ss["vs_data"] == "synthetic":
        data = synthetic_slopes(
            truth(), int(ss["vs_groups"]), int(ss["vs_per_group"]), int(ss["vs_data_seed"])
        )
    else:
        data = load_dataset("radon")
    return with_varying_slope(data)


def write_query_params() -> None:
    """Put the data choice (and for synthetic data its correlation, groups, rows and seed) in the link."""
    ss = st.session_state
    names = ("data", "rho", "groups", "rows", "seed") if ss["vs_data"] == "synthetic" else ("data",)
    wanted = {name: f"{ss[LINK[name][0]]:g}" if name != "data" else ss["vs_data"] for name in names}
    if {k: st.query_params.get(k) for k in LINK} != {k: wanted.get(k) for k in LINK}:
        st.query_params.from_dict(wanted)
