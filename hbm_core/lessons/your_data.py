"""The "Your data" page's content: example tables, and guessing which column is which (no Streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hbm_core.priors import Priors, default_priors, outcome_priors

EXAMPLE_SCORES = """class,score,hours
7A,69,1
7A,63,5
7A,77,5
7A,71,4
7A,64,2
7A,63,0
7A,83,5
7A,76,1
7A,55,1
7A,60,1
7A,76,0
7A,79,4
7B,73,4
7B,75,4
7B,75,4
7B,74,2
7B,81,3
7B,66,0
7B,70,3
7B,76,2
7B,71,0
7C,68,2
7C,68,5
7C,55,2
8A,62,2
8A,58,1
8A,73,4
8A,84,5
8A,69,3
8A,79,4
8A,80,5
8A,71,1
8A,61,1
8A,83,2
8B,86,5
8B,70,2
8B,83,1
8B,77,3
8B,87,5
8B,82,5
8C,78,2
8C,79,3
"""
EXAMPLE_THROWS = """player,made,attempts
Ana,41,52
Ben,7,12
Cleo,60,81
Dev,2,2
Eli,23,35
Fay,15,18
Gus,30,47
Hana,4,9
"""

NO_X = "(none)"  # the predictor box's "no predictor"
GROUP_NAMES = (
    "group", "class", "school", "team", "county", "tank", "site", "player", "clinic", "hospital",
    "ward", "unit", "subject", "cluster", "region", "state", "country", "village", "store", "id",
)  # fmt: skip
TRIALS_NAMES = ("trials", "attempts", "tries", "total", "shots", "games", "n", "at_bats", "atbats")


def numeric_share(column: pd.Series) -> float:
    """Share of the filled cells that are numbers."""
    filled = column.dropna()
    if filled.empty:
        return 0.0
    return float(pd.to_numeric(filled.astype(str), errors="coerce").notna().mean())


def guess_columns(frame: pd.DataFrame) -> dict[str, str | None]:
    """Likely roles of the columns, from their names and contents, keyed by the page's widget keys."""
    columns = list(frame.columns)
    lower = {c: str(c).strip().lower() for c in columns}
    numeric = {c: numeric_share(frame[c]) >= 0.5 for c in columns}
    group = next((c for c in columns if lower[c] in GROUP_NAMES), None)
    group = group or next((c for c in columns if not numeric[c]), columns[0])
    rest = [c for c in columns if c != group]
    trials = next((c for c in rest if lower[c] in TRIALS_NAMES), None)
    outcome = next((c for c in rest if numeric[c] and c != trials), None) or next(
        (c for c in rest if c != trials), rest[0]
    )
    return {
        "upload_group": group,
        "upload_y": outcome,
        "upload_trials": trials,
        "upload_x": NO_X,
        "upload_kind": "counts" if trials is not None and trials != outcome else "measurement",
    }


def rounded_priors(y, family: str, x=None) -> Priors:
    """The priors for these data, rounded so they read well on screen and in the code.

    Counts: the logit-scale defaults. Measurements: centred on the outcome's mean and scaled to its
    spread (:func:`~hbm_core.priors.outcome_priors`, right for data around 1e6 or 3e-6 alike); the
    scales rounded to 3 significant digits, the centre to a hundredth of the prior's sd on mu.
    """
    priors = default_priors(y, family) if family == "binomial" else outcome_priors(y, x)
    names = ("mu_scale", "tau_scale", "sigma_scale", "beta_scale")
    priors = priors.with_(**{name: float(f"{getattr(priors, name):.3g}") for name in names})
    digits = 2 - int(np.floor(np.log10(priors.mu_scale)))
    return priors.with_(mu_loc=round(priors.mu_loc, digits) + 0.0)  # + 0.0: never "-0"


def checked_choices(choices: dict, frame: pd.DataFrame) -> dict:
    """The user's column choices (keyed like :func:`guess_columns`), with every choice that names no
    column of ``frame`` replaced by a guess: choices survive a new table where they still fit."""
    columns = list(frame.columns)
    guess = guess_columns(frame)
    out = dict(choices)
    for key in ("upload_group", "upload_y"):
        if out.get(key) not in columns:
            out[key] = guess[key]
    if out.get("upload_trials") not in (None, *columns):
        out["upload_trials"] = guess["upload_trials"]
    if out.get("upload_x") not in (NO_X, *columns):
        out["upload_x"] = NO_X
    if out.get("upload_kind") == "counts" and out.get("upload_trials") is None:
        out["upload_trials"] = next((c for c in columns if c != out["upload_y"]), None)
    return out


def constant_groups(data) -> list[str]:
    """Groups with several rows that all have the same outcome: a standard deviation of their own
    would be 0 (one sd per group cannot be fitted to them; one shared sd can)."""
    flat = []
    for j, group in enumerate(data.groups):
        y = data.y[data.group_idx == j]
        if y.size >= 2 and np.all(y == y[0]):
            flat.append(group)
    return flat


def counts_table(data) -> pd.DataFrame:
    """Each group's rows, successes, trials and observed proportion (counts summed over its rows)."""
    summary = data.group_summary()
    return pd.DataFrame(
        {
            "group": list(data.groups),
            "rows": np.bincount(data.group_idx, minlength=data.n_groups),
            "successes": summary["successes"].to_numpy(),
            "trials": summary["n"].to_numpy(),
            "observed proportion": summary["mean"].to_numpy(),
        }
    )
