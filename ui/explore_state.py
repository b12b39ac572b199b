"""The Explore page's settings: defaults, presets, and the round trip through the page's URL.

All settings live in ``st.session_state`` under the widget keys, and a copy under a key no widget
owns, so a visit to another page comes back to the same settings. On a session's first run the
URL's query parameters (``?g=3&n=20,40,60&m=3,5,7&s=1,2,3&seed=1&tau=10``) override the defaults,
so a copied link shows the same groups, seed and results; every run writes the settings back.
Classroom mode adds ``classroom=1&step=N`` (the step-through's step), so a teacher's link opens the
projector view at the same step. The link is read by :func:`hbm_core.url_params.parse` (never a
traceback); what it adjusted stays listed on the page until the user dismisses the note.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from hbm_core import url_params
from hbm_core.data.groups import synthetic_groups
from hbm_core.inference.settings import MAX_GROUPS
from ui import fitting, link_notes
from ui.classroom_mode import STEPS
from ui.controls import SEED_MAX

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
    "Small and large groups": ([3, 6, 12, 25, 50, 100], [6, 4, 5, 3, 7, 5], [3] * 6, "shared"),
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


#: The page's link parameters (see :func:`query_params_for`), read by :func:`hbm_core.url_params.parse`.
URL_SPEC: dict[str, url_params.Param] = {
    "n": url_params.Numbers(
        "group sizes (n)", url_params.Number("size", *SIZE_RANGE, integer=True), MAX_GROUPS, min_len=2
    ),
    "m": url_params.Numbers("true means (m)", url_params.Number("mean", *MEAN_RANGE, step=0.5), MAX_GROUPS),
    "s": url_params.Numbers("true sds (s)", url_params.Number("sd", *SD_RANGE, step=0.1), MAX_GROUPS),
    "seed": url_params.Number("seed", 0, SEED_MAX, integer=True),
    "tau": url_params.Number("prior scale of τ (tau)", 0.5, 20.0, step=0.5),
    "draws": url_params.Nearest("draws", DRAWS),
    "chains": url_params.Number("chains", 1, 4, integer=True),
    "ta": url_params.Nearest("target accept (ta)", TARGET_ACCEPT[1:], words=("auto",)),
    "param": url_params.Choice("parameterization (param)", PARAMS),
    "sd": url_params.Choice("observation sd (sd)", tuple(SIGMA_MODES)),
    "classroom": url_params.Flag("classroom mode"),
    "step": url_params.Number("classroom step", 1, len(STEPS), integer=True),
}
#: Link parameter -> session-state key, for the parameters that are one setting each.
_URL_KEYS = {
    "seed": "seed",
    "tau": "tau_scale",
    "draws": "draws",
    "chains": "chains",
    "ta": "target_accept",
    "param": "param",
    "sd": "sigma",
    "classroom": "classroom",
    "step": "step",
}
_KEEP = "_keep_explore"  # a copy of every setting that survives visits to other pages
NOTES_PAGE = "explore"  # ui.link_notes' name for this page's notes


def _from_query_params(query: dict) -> list[str]:
    """Read settings from the link into session state; return notes on anything adjusted or skipped."""
    values, notes = url_params.parse(query, URL_SPEC)
    groups = ("n", "m", "s")
    if any(k in query for k in groups) and not all(k in values for k in groups if k in query):
        notes.append("The groups in the link could not be read, so the page's groups are shown.")
        values = {k: v for k, v in values.items() if k not in groups}
    values, more = url_params.align_lists(
        values, "n", {"m": DEFAULT_GROUP[1], "s": DEFAULT_GROUP[2]}, "groups"
    )
    notes += more
    if "n" in values:
        _set_groups(values["n"], values["m"], values["s"])
        st.session_state["preset"] = CUSTOM
    for name, key in _URL_KEYS.items():
        if name in values:
            st.session_state[key] = values[name]
    return notes


def _all_keys() -> list[str]:
    return [*_group_keys(), "n_groups", "seed", "preset", *DEFAULTS]


def ensure_state() -> None:
    """Fill session state (first run: defaults, then the link), keep hidden groups' values, and
    show the notes on an adjusted link until they are dismissed.

    Everything is also copied under a key no widget owns, so a visit to another page (which makes
    Streamlit forget the widgets' state) comes back to the same settings.
    """
    ss = st.session_state
    first_run = "n_groups" not in ss
    if first_run:
        kept = ss.get(_KEEP)
        if isinstance(kept, dict) and all(k in kept for k in _all_keys()):
            for key, value in kept.items():
                ss[key] = value
        else:
            ss["preset"] = next(iter(PRESETS))
            for j in range(MAX_GROUPS):
                ss[f"size_{j}"], ss[f"mean_{j}"], ss[f"sd_{j}"] = DEFAULT_GROUP
            for key, value in DEFAULTS.items():
                ss[key] = value
            _set_groups(*PRESETS[ss["preset"]])
        query = st.query_params.to_dict()
        if any(k in query for k in URL_SPEC):
            link_notes.keep(NOTES_PAGE, _from_query_params(query))
    # Re-assigning keeps the values of sliders that are not shown this run (hidden groups):
    # Streamlit otherwise forgets the state of widgets that were not rendered.
    for key in _all_keys():
        ss[key] = ss[key]
    # The preset box names the preset the groups match (a shared link to one opens with its name),
    # and says "Custom" once a slider moves away from every preset.
    if ss["preset"] not in PRESETS or not _matches_preset(ss["preset"]):
        ss["preset"] = next((name for name in PRESETS if _matches_preset(name)), CUSTOM)
    ss[_KEEP] = {key: ss[key] for key in _all_keys()}
    link_notes.show(NOTES_PAGE)


def warm_up() -> None:
    """Start compiling the default Explore page's models in the background; returns at once.

    Home calls it: a class lands on Home, then opens Explore, whose first fits then find their models
    compiled (issue #19: each structure takes seconds to compile on a fresh server). The models depend
    on the family, the group capacity and the observation-sd model only, so the default preset's
    groups stand for any data of the default settings.
    """
    sizes, means, sds, sigma = next(iter(PRESETS.values()))
    fitting.warm_up(synthetic_groups(sizes, means, sds, seed=DEFAULTS["seed"]), sigma=sigma)


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
