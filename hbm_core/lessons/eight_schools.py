"""The eight schools page's content (no Streamlit): the priors it offers, and its tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hbm_core.data.groups import GroupedData
from hbm_core.exact.grid import ExactPosterior
from hbm_core.lessons.checks import FLAT_PRIORS, exact_vs_mcmc
from hbm_core.priors import Priors, tau_prior

MU_SCALE = 50.0  # mu ~ Normal(0, 50): nearly flat over the plausible effects
PRIOR_NAMES = {
    "half_cauchy": "half-Cauchy",
    "half_normal": "half-normal",
    "uniform": "uniform(0, scale)",
    "flat": "flat (BDA3; exact only)",
}
# Fixed priors for the sensitivity chart (the user's own prior is added when it is not one of them).
SENSITIVITY = {
    "flat (BDA3)": ("flat", 0),
    "half-Cauchy, scale 25": ("half_cauchy", 25),
    "half-normal, scale 10": ("half_normal", 10),
    "half-normal, scale 3": ("half_normal", 3),
}


def priors_for(family: str, scale: float) -> Priors:
    """The page's priors: BDA3's flat prior, or mu ~ Normal(0, 50) with the chosen prior on tau."""
    if family == "flat":
        return FLAT_PRIORS
    return Priors(mu_loc=0.0, mu_scale=MU_SCALE, tau_family=family, tau_scale=float(scale))


def describe(family: str, scale: float) -> str:
    if family == "flat":
        return "p(μ, τ) ∝ 1 (flat on μ and on τ > 0)"
    return f"μ ~ Normal(0, {MU_SCALE:g}), τ ~ {tau_prior(family).math_text(scale)}"


def sensitivity_priors(family: str, scale: float) -> dict[str, Priors]:
    """The priors of the sensitivity chart by label, the user's own added when it is not one of them."""
    choices = dict(SENSITIVITY)
    if (family, scale) not in set(choices.values()):
        choices[f"your prior: {PRIOR_NAMES[family]}, scale {scale:g}"] = (family, scale)
    return {label: priors_for(f, s) for label, (f, s) in choices.items()}


def students(data: GroupedData) -> dict[str, int]:
    """Students in each school's experiment (treated + control)."""
    meta = data.meta
    return {g: int(t + c) for g, t, c in zip(data.groups, meta["n_treat"], meta["n_control"], strict=True)}


def with_students(estimates: pd.DataFrame, data: GroupedData) -> pd.DataFrame:
    """Estimates with n = students in the school's experiment (treated + control)."""
    return estimates.assign(n=estimates["group"].astype(str).map(students(data)))


def data_table(data: GroupedData) -> pd.DataFrame:
    n = students(data)
    return pd.DataFrame(
        {
            "school": list(data.groups),
            "estimated effect y_j": data.y,
            "standard error σ_j": data.se,
            "students": [n[g] for g in data.groups],
        }
    )


def shrinkage_at_tau(data: GroupedData, at: pd.DataFrame, pooled_mean: float) -> pd.DataFrame:
    """The shrinkage chart's table given τ: each school's y_j (no pooling), E(θ_j | τ, y) (partial
    pooling, from ``at``: the exact posterior at τ by group) and the complete-pooling mean."""
    k = data.n_groups
    n = students(data)
    return pd.DataFrame(
        {
            "group": list(data.groups) * 3,
            "fit": ["unpooled"] * k + ["hierarchical"] * k + ["pooled"] * k,
            "mean": np.concatenate([data.y, at["mean"].to_numpy(), np.full(k, pooled_mean)]),
            "n": [n[g] for g in data.groups] * 3,
            "raw_mean": np.tile(data.y, 3),
            "pooling": np.concatenate([np.full(k, np.nan), at["pooling"].to_numpy(), np.full(k, np.nan)]),
        }
    )


def sensitivity_summary(table: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity table as shown: median and 94% HDI of τ, mean of μ and of school A's θ_A."""
    return pd.DataFrame(
        {
            "prior": table["prior"],
            "median τ": table["median τ"],
            "94% HDI of τ": [
                f"{lo:.1f} – {hi:.1f}" for lo, hi in zip(table["τ 94% low"], table["τ 94% high"], strict=True)
            ],
            "mean μ": table["mean μ"],
            "mean θ_A": table["A"],
        }
    )


def exact_vs_mcmc_table(
    exact: ExactPosterior, hier=None, flat: bool = False
) -> tuple[pd.DataFrame, float | None]:
    """Partial pooling's exact posterior beside MCMC's (``hier``: the MCMC fit, or None while it runs;
    ``flat``: no MCMC columns), and the largest gap between the means in posterior sds (None: no MCMC)."""
    table = exact_vs_mcmc(
        exact, hier.estimates if hier is not None else None, hier.population if hier is not None else None
    )
    if flat:
        table = table.drop(columns=["MCMC mean", "MCMC sd"])
    if hier is None:
        return table, None
    return table, float(np.nanmax(np.abs(table["MCMC mean"] - table["exact mean"]) / table["exact sd"]))
