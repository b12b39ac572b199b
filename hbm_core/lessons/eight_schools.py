"""The eight schools page's content (no Streamlit): the priors it offers, and its tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hbm_core.data.groups import GroupedData
from hbm_core.exact.grid import ExactPosterior
from hbm_core.lessons.checks import FLAT_PRIORS, exact_vs_mcmc
from hbm_core.lessons.shrinkage_reading import moved_least, moved_most
from hbm_core.lessons.wording import capital, named
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


# ---------------------------------------------------------------------------------------------
# Readings of the τ slider, computed from the exact posterior at τ (no fixed prose about results)

TIE = 0.05  # estimates are shown to 1 decimal (SAT points): moves within this of each other are a tie


def _schools(groups: list[str]) -> str:
    """ "school A", "schools B and G", "schools A, B and C"."""
    return named(groups, "school")


def complete_pooling_text(here: float, flat: float, family: str) -> str:
    """The complete-pooling estimate (τ = 0) named with the prior on μ it is computed under.

    ``here``: E(μ | τ = 0, y) under the page's prior; ``flat``: the same under BDA3's flat prior on
    μ, i.e. the precision-weighted mean of the y_j (BDA3's 7.7). At τ = 0 the prior on τ plays no
    part: only the prior on μ can move the number, so a page with μ ~ Normal(0, 50) shows the two
    values side by side, each with its prior, and a flat prior shows one.
    """
    if family == "flat" or round(here, 1) == round(flat, 1):
        return (
            f"complete pooling (τ = 0) gives **{here:.1f}**, the precision-weighted mean of the y_j "
            "(flat prior on μ, as in BDA3)"
        )
    return (
        f"complete pooling (τ = 0) gives **{here:.1f}** under μ ~ Normal(0, {MU_SCALE:g}), which pulls it "
        f"slightly toward 0; with BDA3's flat prior on μ it is the precision-weighted mean {flat:.1f}"
    )


def pooling_range_text(at: pd.DataFrame) -> str:
    """The range of the pooling factors B_j = σ_j² / (σ_j² + τ²) at one τ, with ties and a single value.

    ``at``: :meth:`ExactPosterior.at_tau` (columns group, tau, pooling, se). At τ = 0 every B_j is 1.
    """
    tau = float(at["tau"].iloc[0])
    shown = at["pooling"].round(2)
    if tau == 0:
        return "At τ = 0 every school is pooled completely (pooling factor **1.00**)."
    if shown.nunique() == 1:
        return f"Every school has about the same pooling factor, **{shown.iloc[0]:.2f}**."

    def end(value: float) -> str:
        rows = at[shown == value]
        sigmas = ", ".join(f"{s:g}" for s in dict.fromkeys(rows["se"]))
        return f"**{value:.2f}** ({_schools(list(rows['group']))}, σ = {sigmas})"

    return (
        f"Pooling factors σ_j² / (σ_j² + τ²) run from {end(shown.min())} to {end(shown.max())}: the larger "
        "a school's standard error next to τ, the larger the share of the way to the schools' mean it moves."
    )


def mu_given_tau(at: pd.DataFrame) -> float:
    """E(μ | τ, y), the point every school is pulled toward at this τ, recovered from ``at``:
    E(θ_j | τ, y) = (1 − B_j) y_j + B_j E(μ | τ, y) for every school with B_j > 0."""
    b = at["pooling"].to_numpy(float)
    mu = (at["mean"].to_numpy(float) - (1 - b) * at["y"].to_numpy(float)) / b
    return float(np.mean(mu[b > 1e-9])) if np.any(b > 1e-9) else float("nan")


def tau_reading(at: pd.DataFrame) -> str:
    """Which school moves most and least at this τ, by how much, and why.

    ``at``: :meth:`ExactPosterior.at_tau` (columns group, tau, mean, pooling, y, se). A school's
    move is B_j (μ̂ − y_j), μ̂ = E(μ | τ, y): its pooling factor B_j (its σ_j against τ) times its
    distance from μ̂. The reading names the mover(s) (ties at the shown precision named together)
    and says which of the two made the difference.
    """
    tau = float(at["tau"].iloc[0])
    mu = mu_given_tau(at)
    frame = at.assign(move=at["mean"] - at["y"], distance=(mu - at["y"]).abs())
    frame["size"] = frame["move"].abs()
    groups = frame["group"].astype(str)
    sizes = frame["size"].set_axis(groups)
    most, least = list(moved_most(sizes, TIE)), list(moved_least(sizes, TIE))
    by = frame.set_index(groups)
    top_pooling = list(groups[frame["pooling"].round(2) == frame["pooling"].round(2).max()])
    low_pooling = list(groups[frame["pooling"].round(2) == frame["pooling"].round(2).min()])

    if frame["size"].max() < TIE:
        return f"At τ = {tau:g} no school moves visibly from its own estimate."
    if len(most) == len(frame):
        return f"At τ = {tau:g} every school moves by about {frame['size'].mean():.1f} points."
    if len(most) == 1:
        g = most[0]
        r = by.loc[g]
        head = (
            f"At τ = {tau:g}, **school {g}** moves most: from its own {r['y']:g} to {r['mean']:.1f} "
            f"({r['size']:.1f} points toward μ̂ = {mu:.1f}, the schools' mean given τ)."
        )
    else:
        head = (
            f"At τ = {tau:g}, **{_schools(most)}** move most, by {by.loc[most[0], 'size']:.1f} points each "
            f"toward μ̂ = {mu:.1f}, the schools' mean given τ."
        )
    sentences = [head]
    g = most[0]
    r = by.loc[g]
    if len(top_pooling) == len(frame):
        whose = "its" if len(most) == 1 else "their"
        sentences.append(
            f"Every school has the same pooling factor ({r['pooling']:.2f}), so the moves follow each "
            f"school's distance from μ̂ alone: {_schools(most)} {'moves' if len(most) == 1 else 'move'} "
            f"furthest because {whose} own estimate is furthest from it."
        )
    elif len(most) == 1 and g in top_pooling:
        sentences.append(
            f"A move is the pooling factor times the distance to μ̂: school {g}'s standard error "
            f"σ = {r['se']:g} is large next to τ = {tau:g}, so its pooling factor {r['pooling']:.2f} is the "
            f"largest, and it sits {r['distance']:.1f} points from μ̂."
        )
    elif len(most) == 1:
        h = top_pooling[0]
        sentences.append(
            f"Its pooling factor {r['pooling']:.2f} (σ = {r['se']:g} against τ = {tau:g}) is not the largest "
            f"(school {h}: {by.loc[h, 'pooling']:.2f}, σ = {by.loc[h, 'se']:g}), but a move is the pooling "
            f"factor times the distance to μ̂, and school {g} sits {r['distance']:.1f} points from μ̂, "
            f"school {h} only {by.loc[h, 'distance']:.1f}."
        )
    if len(most) < len(frame) and len(top_pooling) < len(frame):
        low = least[0]
        lr = by.loc[low]
        if len(least) > 1:
            why = "each"
            sentences.append(f"{capital(_schools(least))} move least ({lr['size']:.1f} points {why}).")
        elif low in low_pooling and lr["distance"] >= frame["distance"].median():
            sentences.append(
                f"School {low} moves least ({lr['size']:.1f} points): its σ = {lr['se']:g} is the smallest "
                f"next to τ, so its pooling factor ({lr['pooling']:.2f}) is the smallest."
            )
        else:
            sentences.append(
                f"School {low} moves least ({lr['size']:.1f} points) although its pooling factor is "
                f"{lr['pooling']:.2f}: its own {lr['y']:g} is only {lr['distance']:.1f} points from μ̂."
            )
    return " ".join(sentences)


def uncertainty_reading(at: pd.DataFrame) -> str:
    """Which school's uncertainty pooling narrows most at this τ: σ_j against sd(θ_j | τ, y).

    ``at``: :meth:`ExactPosterior.at_tau` (columns group, tau, sd, se). Ties at the shown precision
    (1 decimal) are named together.
    """
    tau = float(at["tau"].iloc[0])
    gain = at["se"] - at["sd"]
    groups = at["group"].astype(str)
    best = list(groups[gain >= gain.max() - TIE])
    if gain.max() < TIE:
        return f"At τ = {tau:g} pooling barely narrows any school's uncertainty."
    first = at[groups == best[0]].iloc[0]
    if len(best) == len(at):
        return f"At τ = {tau:g} pooling narrows every school's uncertainty by about {gain.mean():.1f} points."
    verb = "narrows" if len(best) == 1 else "narrow"
    largest_se = set(groups[at["se"] == at["se"].max()])
    why = (
        f": the largest σ_j ({first['se']:g}) has the most to gain from borrowing"
        if set(best) & largest_se
        else f" (σ_j = {first['se']:g})"
    )
    return (
        f"At τ = {tau:g} pooling {verb} the uncertainty of {_schools(best)} most, from "
        f"σ = {first['se']:g} to {first['sd']:.1f} points{why}."
    )


def tau_posterior_reading(post: ExactPosterior) -> str:
    """What the chart of p(τ | y) shows under the chosen prior: its median, its 94% HDI, and how the
    density at τ = 5 compares with τ = 0 (computed, so it stays true whatever the prior)."""
    summary = post.tau_summary()
    at0, at5 = post.tau_pdf(np.array([0.0, 5.0]))
    ratio = (
        f" Its density at τ = 5 is {at5 / at0:.2f} times that at τ = 0."
        if at0 > 0
        else " Its density at τ = 0 is zero."
    )
    return (
        f"Under this prior p(τ | y) has its median at {summary['median']:.1f} SAT points and 94% of its mass "
        f"between {summary['hdi_low']:.1f} and {summary['hdi_high']:.1f}.{ratio}"
    )


def forest_reading(post: ExactPosterior) -> str:
    """Where partial pooling sits between the two extremes, read off the pooling factors at the
    posterior median of τ (B_j > 0.5: nearer complete pooling than its own y_j)."""
    median = float(post.tau_quantile(0.5))
    pooling = post.at_tau(median)["pooling"]
    lo, hi = float(pooling.min()), float(pooling.max())
    if lo > 0.5:
        where = "every school sits nearer complete pooling than its own y_j"
    elif hi < 0.5:
        where = "every school sits nearer its own y_j than complete pooling"
    else:
        where = "some schools sit nearer complete pooling, others nearer their own y_j"
    factors = (
        f"every pooling factor is about {lo:.2f}"
        if round(lo, 2) == round(hi, 2)
        else f"the pooling factors run from {lo:.2f} to {hi:.2f}"
    )
    return f"At the posterior median τ = {median:.1f} {factors}, so {where}."


def sensitivity_reading(table: pd.DataFrame) -> str:
    """How much the prior on τ moves the answers, from the sensitivity table (columns prior,
    median τ, A: mean of θ_A)."""
    rows = table.set_index("prior")
    low, high = rows["median τ"].idxmin(), rows["median τ"].idxmax()
    a_low, a_high = rows["A"].min(), rows["A"].max()
    spread = rows.loc[high, "median τ"] - rows.loc[low, "median τ"]
    verdict = (
        "the prior on τ matters"
        if spread > 0.25 * rows.loc[high, "median τ"]
        else "the prior on τ matters little here"
    )
    return (
        f"Across these priors the median of τ runs from {rows.loc[low, 'median τ']:.1f} ({low}) to "
        f"{rows.loc[high, 'median τ']:.1f} ({high}), and school A's mean θ_A from {a_low:.1f} to "
        f"{a_high:.1f}: with 8 schools, {verdict}."
    )
