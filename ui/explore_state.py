"""The Explore page's settings: defaults, presets, and the round trip through the page's URL.

All settings live in ``st.session_state`` under the widget keys. On a session's first run the
URL's query parameters (``?g=3&n=20,40,60&m=3,5,7&s=1,2,3&seed=1&tau=10``) override the defaults,
so a copied link shows the same groups, seed and results; every run writes the settings back.
Classroom mode adds ``classroom=1&step=N`` (the step-through's step), so a teacher's link opens the
projector view at the same step.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from hbm_core.inference.settings import MAX_GROUPS
from ui.classroom_mode import STEPS

SIZE_RANGE, MEAN_RANGE, SD_RANGE = (1, 500), (-10.0, 20.0), (0.1, 10.0)
DRAWS = (250, 500, 1000, 2000, 4000)
TARGET_ACCEPT = ("auto", 0.8, 0.85, 0.9, 0.95, 0.99)
PARAMS = ("auto", "centered", "non-centered")

# Presets: (sizes, means, sds, observation-sd model). Groups beyond a preset's count keep
# DEFAULT_GROUP. Presets whose groups share one true sd use the shared-sd model: it is the right
# model there, and a tiny group's own sd is barely identified.
# The first preset is the default: it has to show shrinkage at first sight (group sizes from 3 to
# 100 with one shared sd, so the standard errors, and with them the pulls, differ widely).
PRESETS: dict[str, tuple[list[int], list[float], list[float], str]] = {
    "Small and large groups": ([3, 6, 12, 25, 50, 100], [9, 1, 7, 3, 6, 4], [3] * 6, "shared"),
    "Classic example (3 groups)": ([20, 40, 60], [3, 5, 7], [1, 2, 3], "group"),
    "One tiny group": ([50, 50, 50, 2], [4, 5, 6, 9], [2, 2, 2, 2], "shared"),
    "All groups alike": ([20] * 5, [5] * 5, [2] * 5, "shared"),
    "Very noisy groups": ([5] * 6, [2, 4, 5, 6, 8, 3], [6] * 6, "shared"),
    "Many small groups": ([3] * 12, [2, 8, 4, 6, 5, 3, 7, 5.5, 4.5, 6.5, 3.5, 2.5], [2] * 12, "shared"),
}
#: One line per preset under the preset box: what its settings make happen (ideas, not results).
PRESET_NOTES: dict[str, str] = {
    "Small and large groups": "Sizes from 3 to 100 with one spread: the small groups' means are noisy, "
    "so partial pooling pulls them hardest.",
    "Classic example (3 groups)": "The smallest group (n = 20) also has the smallest spread (sd 1), so its "
    "mean is the most precise of the three: precision, not size alone, sets the pull.",
    "One tiny group": "Four groups, one of them with 2 observations: its mean is pulled toward the others, "
    "whether or not its data happen to be right.",
    "All groups alike": "Equal true means: the spread between sample means is noise, τ is near 0 and "
    "partial pooling comes close to complete pooling.",
    "Very noisy groups": "Six groups of 5 with a large spread: every mean is uncertain, so all are pulled "
    "strongly toward the overall mean.",
    "Many small groups": "Twelve groups of 3: each group's own data say little, and borrowing from the "
    "others helps most.",
}
SIGMA_MODES = {"group": "one per group", "shared": "one shared by all groups"}
CUSTOM = "Custom"
DEFAULT_GROUP = (20, 5.0, 2.0)
DEFAULTS = {
    "seed": 1,
    "tau_scale": 10.0,
    "draws": 1000,
    "chains": 4,
    "target_accept": "auto",
    "param": "auto",
    "sigma": "group",
    "classroom": False,  # classroom mode: projector sizes, fewer controls, the step-through
    "step": 1,  # the classroom step-through's step, 1..len(STEPS); kept while classroom mode is off
}


@dataclass(frozen=True)
class Settings:
    """Everything the page's results depend on."""

    sizes: tuple[int, ...]
    means: tuple[float, ...]
    sds: tuple[float, ...]
    seed: int
    tau_scale: float
    draws: int
    chains: int
    target_accept: float | None  # None: chosen from the data
    param: str
    sigma: str  # observation sd: "group" or "shared"
    # How the page shows the results (the results do not depend on these):
    classroom: bool = False
    step: int = 1

    @property
    def n_groups(self) -> int:
        return len(self.sizes)


def _group_keys() -> list[str]:
    return [f"{k}_{j}" for j in range(MAX_GROUPS) for k in ("size", "mean", "sd")]


def _set_groups(sizes, means, sds, sigma: str | None = None) -> None:
    st.session_state["n_groups"] = len(sizes)
    if sigma is not None:
        st.session_state["sigma"] = sigma
    for j, (n, m, s) in enumerate(zip(sizes, means, sds, strict=False)):
        st.session_state[f"size_{j}"] = int(n)
        st.session_state[f"mean_{j}"] = float(m)
        st.session_state[f"sd_{j}"] = float(s)


def apply_preset() -> None:
    """Widget callback: load the chosen preset into the sliders."""
    name = st.session_state.get("preset")
    if name in PRESETS:
        _set_groups(*PRESETS[name])


def _clamp(value: float, lo: float, hi: float) -> float:
    return min(max(value, lo), hi)


def _snap(value: float, step: float) -> float:
    return round(round(value / step) * step, 6)


def _numbers(text: str, cast) -> list:
    return [cast(v) for v in text.split(",") if v.strip() != ""]


def _from_query_params() -> list[str]:
    """Read settings from the URL into session state; return notes on anything out of range."""
    qp = st.query_params
    notes: list[str] = []
    try:
        if "n" in qp:
            sizes = _numbers(qp["n"], lambda v: int(float(v)))
            means = _numbers(qp.get("m", ""), float) or [DEFAULT_GROUP[1]] * len(sizes)
            sds = _numbers(qp.get("s", ""), float) or [DEFAULT_GROUP[2]] * len(sizes)
            k = min(len(sizes), MAX_GROUPS)
            if len(sizes) > MAX_GROUPS:
                notes.append(f"at most {MAX_GROUPS} groups")
            if not (len(means) >= k and len(sds) >= k):
                raise ValueError("lists of different lengths")
            clean_n = [int(_clamp(n, *SIZE_RANGE)) for n in sizes[:k]]
            clean_m = [_snap(_clamp(m, *MEAN_RANGE), 0.5) for m in means[:k]]
            clean_s = [_snap(_clamp(s, *SD_RANGE), 0.1) for s in sds[:k]]
            if (clean_n, clean_m, clean_s) != (sizes[:k], means[:k], sds[:k]):
                notes.append("group settings were moved into the sliders' ranges")
            if k < 2:
                raise ValueError("fewer than two groups")
            _set_groups(clean_n, clean_m, clean_s)
            st.session_state["preset"] = CUSTOM
        if "seed" in qp:
            st.session_state["seed"] = int(_clamp(int(float(qp["seed"])), 0, 1_000_000))
        if "tau" in qp:
            st.session_state["tau_scale"] = _snap(_clamp(float(qp["tau"]), 0.5, 20.0), 0.5)
        if "draws" in qp:
            draws = int(float(qp["draws"]))
            st.session_state["draws"] = min(DRAWS, key=lambda d: abs(d - draws))
        if "chains" in qp:
            st.session_state["chains"] = int(_clamp(int(float(qp["chains"])), 1, 4))
        if "ta" in qp and qp["ta"] != "auto":
            ta = float(qp["ta"])
            st.session_state["target_accept"] = min(TARGET_ACCEPT[1:], key=lambda t: abs(t - ta))
        if "param" in qp and qp["param"] in PARAMS:
            st.session_state["param"] = qp["param"]
        if "sd" in qp and qp["sd"] in SIGMA_MODES:
            st.session_state["sigma"] = qp["sd"]
        if "classroom" in qp:
            st.session_state["classroom"] = qp["classroom"].strip().lower() in ("1", "true", "on", "yes")
        if "step" in qp:
            st.session_state["step"] = int(_clamp(int(float(qp["step"])), 1, len(STEPS)))
    except (ValueError, TypeError) as err:
        notes.append(f"the link could not be read ({err}); defaults are used for the rest")
    return notes


def ensure_state() -> None:
    """Fill session state with defaults (first run: from the URL) and keep hidden groups' values."""
    first_run = "n_groups" not in st.session_state
    if first_run:
        st.session_state["preset"] = next(iter(PRESETS))
        for j in range(MAX_GROUPS):
            st.session_state[f"size_{j}"], st.session_state[f"mean_{j}"], st.session_state[f"sd_{j}"] = (
                DEFAULT_GROUP[0],
                DEFAULT_GROUP[1],
                DEFAULT_GROUP[2],
            )
        for key, value in DEFAULTS.items():
            st.session_state[key] = value
        _set_groups(*PRESETS[st.session_state["preset"]])
        notes = _from_query_params()
        if notes:
            st.toast("Some settings in the link were adjusted: " + "; ".join(notes), icon=":material/build:")
    # Re-assigning keeps the values of sliders that are not shown this run (hidden groups):
    # Streamlit otherwise forgets the state of widgets that were not rendered.
    for key in [*_group_keys(), "n_groups", "seed", "preset", *DEFAULTS]:
        st.session_state[key] = st.session_state[key]
    # Once a slider moves away from the preset, the preset box says "Custom".
    if st.session_state["preset"] in PRESETS and not _matches_preset(st.session_state["preset"]):
        st.session_state["preset"] = CUSTOM


def settings_from_state() -> Settings:
    """The current settings from the widgets' state."""
    ss = st.session_state
    k = int(ss["n_groups"])
    settings = Settings(
        sizes=tuple(int(ss[f"size_{j}"]) for j in range(k)),
        means=tuple(float(ss[f"mean_{j}"]) for j in range(k)),
        sds=tuple(float(ss[f"sd_{j}"]) for j in range(k)),
        seed=int(ss["seed"]),
        tau_scale=float(ss["tau_scale"]),
        draws=int(ss["draws"]),
        chains=int(ss["chains"]),
        param=str(ss["param"]),
        sigma=str(ss["sigma"]),
        target_accept=None if ss["target_accept"] == "auto" else float(ss["target_accept"]),
        classroom=bool(ss["classroom"]),
        step=int(_clamp(int(ss["step"]), 1, len(STEPS))),
    )
    return settings


def _matches_preset(name: str) -> bool:
    sizes, means, sds, sigma = PRESETS[name]
    ss = st.session_state
    if int(ss["n_groups"]) != len(sizes) or ss["sigma"] != sigma:
        return False
    return all(
        (ss[f"size_{j}"], ss[f"mean_{j}"], ss[f"sd_{j}"]) == (n, float(m), float(s))
        for j, (n, m, s) in enumerate(zip(sizes, means, sds, strict=False))
    )


def _fmt(values) -> str:
    return ",".join(f"{v:g}" for v in values)


def query_params_for(settings: Settings) -> dict[str, str]:
    """The URL's query parameters for ``settings`` (classroom mode and its step only when on)."""
    params = {
        "g": str(settings.n_groups),
        "n": _fmt(settings.sizes),
        "m": _fmt(settings.means),
        "s": _fmt(settings.sds),
        "seed": str(settings.seed),
        "tau": f"{settings.tau_scale:g}",
        "draws": str(settings.draws),
        "chains": str(settings.chains),
        "ta": "auto" if settings.target_accept is None else f"{settings.target_accept:g}",
        "param": settings.param,
        "sd": settings.sigma,
    }
    if settings.classroom:
        params |= {"classroom": "1", "step": str(settings.step)}
    return params


def write_query_params(settings: Settings) -> None:
    """Put the settings in the URL (only when they changed, to avoid needless browser updates)."""
    wanted = query_params_for(settings)
    # The whole dict: switching classroom mode off must drop its parameters from the URL.
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
