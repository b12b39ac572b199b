"""The sampler's controls and a page's session-state defaults, shared by every page that samples.

Every page keeps its settings in ``st.session_state`` under its own key prefix (``es_``, ``bb_``,
``radon_``, ``frogs_``, ``upload_``, ``sl_``; Explore none): ``{prefix}seed``, ``{prefix}draws``,
``{prefix}chains`` and, where the page offers it, ``{prefix}tune``. Tests and links preset those keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import streamlit as st

from hbm_core.inference.settings import FitSettings

#: The choices of draws and tuning steps per chain (Explore adds 4000 draws, see ui/explore_state.py).
DRAWS = (250, 500, 1000, 2000)
TUNE = (250, 500, 1000, 2000)
MAX_CHAINS = 4
SEED_MAX = 1_000_000
SEED_HELP = "Random seed of the sampler: same seed, same numbers."


def init_state(
    defaults: Mapping[str, Any],
    *,
    valid: Mapping[str, Callable[[Any], bool]] | None = None,
    across_pages: bool = False,
    keep: Iterable[str] = (),
) -> list[str]:
    """Set a page's defaults on its first run, and keep the values of widgets not drawn this run.

    Re-assigning every key keeps the values of widgets a run does not draw (Streamlit forgets them
    otherwise). ``valid``: a test per key; a value that fails it (stale state, a bad preset) goes
    back to the default. ``across_pages``: the values are also copied under ``_keep_<key>``, which
    survives visits to other pages, and a new visit starts from that copy. ``keep``: further keys
    without a default whose values, once set, are kept the same way. Returns the keys reset.
    """
    reset = []
    for key, default in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = st.session_state.get(f"_keep_{key}", default) if across_pages else default
        value = st.session_state[key]
        if valid and key in valid and not valid[key](value):
            reset.append(key)
            value = default
        st.session_state[key] = value
        if across_pages:
            st.session_state[f"_keep_{key}"] = value
    for key in keep:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    return reset


def is_seed(value: Any) -> bool:
    """Whether ``value`` is a seed the seed boxes accept (a number from 0 to SEED_MAX)."""
    return isinstance(value, int | float) and 0 <= value <= SEED_MAX


def seed_input(key: str, help: str, where=st) -> None:
    """The seed box (``where``: a column or container; the current one by default)."""
    where.number_input("Seed", min_value=0, max_value=SEED_MAX, step=1, key=key, help=help)


def draws_slider(key: str, options: Sequence[int] = DRAWS, help: str | None = None, where=st) -> None:
    where.select_slider("Draws per chain", options, key=key, help=help)


def chains_slider(key: str) -> None:
    st.slider("Chains", 1, MAX_CHAINS, key=key)


def sampler_controls(
    prefix: str,
    *,
    seed_help: str = SEED_HELP,
    tune: int | None = None,
    note: str | None = None,
) -> FitSettings:
    """The sampler's widgets (call inside ``with st.sidebar``) and the settings they give.

    ``tune``: a fixed number of tuning steps; the seed, draws and chains then sit in one expander,
    "Sampler (MCMC)". ``None``: the tuning steps are a widget too (``{prefix}tune``); the seed sits
    under a "Sampler" header and the rest in an expander "Draws and chains", with ``note`` below.
    """
    if tune is None:
        st.header("Sampler")
        seed_input(f"{prefix}seed", seed_help)
        with st.expander("Draws and chains"):
            draws_slider(f"{prefix}draws")
            st.select_slider("Tuning steps per chain", TUNE, key=f"{prefix}tune")
            chains_slider(f"{prefix}chains")
            if note:
                st.caption(note)
    else:
        with st.expander("Sampler (MCMC)"):
            draws_slider(f"{prefix}draws")
            chains_slider(f"{prefix}chains")
            seed_input(f"{prefix}seed", seed_help)
    return settings_from_state(prefix, tune=tune)


def settings_from_state(prefix: str, *, tune: int | None = None, **fixed: Any) -> FitSettings:
    """The sampler settings in session state under ``prefix`` (``tune``: fixed, else ``{prefix}tune``).

    ``fixed``: further FitSettings fields (e.g. ``target_accept``, ``parameterization``).
    """
    ss = st.session_state
    return FitSettings(
        draws=int(ss[f"{prefix}draws"]),
        tune=int(ss[f"{prefix}tune"]) if tune is None else tune,
        chains=int(ss[f"{prefix}chains"]),
        seed=int(ss[f"{prefix}seed"]),
        **fixed,
    )
