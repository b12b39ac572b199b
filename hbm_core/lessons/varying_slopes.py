"""Varying intercepts and slopes (Gelman & Hill ch. 13.1): the tables and readings of the lesson.

The model: y_i ~ N(alpha_g[i] + b_g[i] x_i, sigma_y), (alpha_j, b_j) ~ MvNormal((mu_alpha, mu_b), Sigma),
Sigma = diag(s) R diag(s). In a fit of ``data.with_(varying_slope=True)``
(:class:`hbm_core.inference.jobs.FitResult`) alpha_j is ``theta``, b_j ``theta_slope``, mu_alpha ``mu``,
mu_b ``beta``, the sds ``tau`` and ``tau_slope`` and the correlation ``rho``.

No pooling here is each group's own least-squares line (y on x within the group): exact, no MCMC.
A group whose x takes one value only (radon: all its houses on one floor) has no own slope, and no
own intercept either unless that value is x = 0; such groups are kept and marked (``status``),
never given a made-up value. Everything is numpy / pandas, no Streamlit; every sentence the page
shows about a result is computed here and unit-tested on crafted cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from hbm_core.data.groups import DataError, GroupedData, group_labels
from hbm_core.lessons.wording import capital, join_names, plural
from hbm_core.posterior.predict import stacked
from hbm_core.posterior.summaries import HDI_PROB

#: Status of a group's own (no-pooling) line.
BOTH, INTERCEPT_ONLY, NEITHER = "intercept and slope", "intercept only", "neither"
#: Columns of :func:`own_lines`.
OWN_COLUMNS = ["group", "n", "n_x0", "n_other", "status", "own_intercept", "own_slope"]
#: Columns of :func:`pair_shifts`.
SHIFT_COLUMNS = [
    *OWN_COLUMNS,
    "partial_intercept",
    "partial_slope",
    "moved_intercept",
    "moved_slope",
    "distance",
]
#: Probabilities of the population's contours in the 2-D shrinkage chart.
ELLIPSE_LEVELS = (0.5, 0.9)
PARTIAL_LABEL = "Partial pooling (varying slopes)"


def with_varying_slope(data: GroupedData) -> GroupedData:
    """``data`` fitted with a varying slope on its predictor x (radon: floor). Raises DataError without x."""
    if data.x is None:
        raise DataError("Varying slopes need a predictor x (radon: the floor).")
    if data.family != "normal":
        raise DataError("Varying slopes are offered for normal outcomes only.")
    return data.with_(varying_slope=True)


# ---------------------------------------------------------------------------------------------
# Tables


def own_lines(data: GroupedData) -> pd.DataFrame:
    """Each group's own least-squares line of y on x: one row per group, columns :data:`OWN_COLUMNS`.

    ``n`` rows, ``n_x0`` of them at x = 0 (radon: basement) and ``n_other`` elsewhere; ``status``
    :data:`BOTH` when x takes two or more values in the group, :data:`INTERCEPT_ONLY` when it only
    takes x = 0 (the intercept is the group's mean, the slope NaN), :data:`NEITHER` when it only takes
    one other value (only alpha + b x is known: both NaN). Units: y per unit of x for the slope.
    """
    if data.x is None:
        raise DataError("Own lines need a predictor x.")
    x, y, idx = np.asarray(data.x, float), np.asarray(data.y, float), data.group_idx
    rows = []
    for j, name in enumerate(data.groups):
        xs, ys = x[idx == j], y[idx == j]
        at_zero = int(np.sum(xs == 0))
        if np.unique(xs).size >= 2:
            slope, intercept = np.polyfit(xs, ys, 1)
            status = BOTH
        elif xs.size and np.all(xs == 0):
            intercept, slope, status = float(np.mean(ys)), np.nan, INTERCEPT_ONLY
        else:
            intercept, slope, status = np.nan, np.nan, NEITHER
        rows.append((str(name), int(xs.size), at_zero, int(xs.size) - at_zero, status, intercept, slope))
    return pd.DataFrame(rows, columns=OWN_COLUMNS)


def partial_pairs(result) -> pd.DataFrame:
    """Posterior means of each group's (intercept, slope) from a varying-slopes fit: columns group,
    partial_intercept, partial_slope."""
    posterior = result.idata.posterior
    return pd.DataFrame(
        {
            "group": [str(g) for g in posterior["theta"].coords["group"].values],
            "partial_intercept": stacked(posterior, "theta").mean(axis=0),
            "partial_slope": stacked(posterior, "theta_slope").mean(axis=0),
        }
    )


def pair_shifts(own: pd.DataFrame, partial: pd.DataFrame) -> pd.DataFrame:
    """How each group's pair moved from its own line to partial pooling: columns :data:`SHIFT_COLUMNS`.

    ``own`` from :func:`own_lines`, ``partial`` from :func:`partial_pairs` (same groups). ``moved_*``
    is partial - own (NaN where the own value is missing) and ``distance`` the length of the move in
    the (intercept, slope) plane (NaN unless both are known).
    """
    frame = own.merge(partial, on="group", how="left", validate="one_to_one")
    if frame["partial_intercept"].isna().any():
        raise ValueError("every group needs a partial-pooling pair")
    frame["moved_intercept"] = frame["partial_intercept"] - frame["own_intercept"]
    frame["moved_slope"] = frame["partial_slope"] - frame["own_slope"]
    frame["distance"] = np.hypot(frame["moved_intercept"], frame["moved_slope"])
    return frame[SHIFT_COLUMNS]


@dataclass(frozen=True)
class Population:
    """The population of (intercept, slope) pairs, posterior means: ``mean`` (2,), ``cov`` (2, 2)
    (the posterior mean of Sigma), the sds and the correlation; units of y and of y per unit x."""

    mean: np.ndarray
    cov: np.ndarray
    sd_intercept: float
    sd_slope: float
    rho: float


def population(result) -> Population:
    """:class:`Population` from a varying-slopes fit's draws of mu, beta, tau, tau_slope and rho."""
    p = result.idata.posterior
    mu, beta = stacked(p, "mu"), stacked(p, "beta")
    tau, tau_b, rho = stacked(p, "tau"), stacked(p, "tau_slope"), stacked(p, "rho")
    cov = np.array(
        [
            [np.mean(tau**2), np.mean(rho * tau * tau_b)],
            [np.mean(rho * tau * tau_b), np.mean(tau_b**2)],
        ]
    )
    return Population(
        np.array([np.mean(mu), np.mean(beta)]),
        cov,
        float(np.mean(tau)),
        float(np.mean(tau_b)),
        float(np.mean(rho)),
    )


def ellipse_frame(
    mean: np.ndarray, cov: np.ndarray, levels=ELLIPSE_LEVELS, points: int = 73, group: str = "group"
) -> pd.DataFrame:
    """Contours of the bivariate normal N(mean, cov) holding ``levels`` of its mass: columns
    ``level`` (e.g. "50% of counties" for ``group`` "county"), ``order``, ``intercept``, ``slope``;
    each closed (first point repeated). The radius is sqrt of the chi-square(2) quantile,
    sqrt(-2 log(1 - p))."""
    mean, cov = np.asarray(mean, float), np.asarray(cov, float)
    values, vectors = np.linalg.eigh(cov)
    root = vectors @ np.diag(np.sqrt(np.clip(values, 0, None)))
    angle = np.linspace(0, 2 * np.pi, points)
    circle = np.vstack([np.cos(angle), np.sin(angle)])
    frames = []
    for p in levels:
        radius = np.sqrt(stats.chi2.ppf(p, df=2))
        xy = mean[:, None] + radius * root @ circle
        frames.append(
            pd.DataFrame(
                {
                    "level": f"{p:.0%} of {plural(group)}",
                    "order": np.arange(points),
                    "intercept": xy[0],
                    "slope": xy[1],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def line_points(shifts: pd.DataFrame, groups: list[str], x_values=(0.0, 1.0)) -> pd.DataFrame:
    """Each chosen group's own line and partial-pooling line at ``x_values``: columns group, fit
    ("own" or "partial"), x, y, for the county-lines chart. Groups without an own line get the
    partial one only."""
    rows = []
    chosen = shifts.set_index("group").loc[groups]
    for group, r in chosen.iterrows():
        for x in x_values:
            rows.append((group, "partial", x, r["partial_intercept"] + r["partial_slope"] * x))
            if r["status"] == BOTH:
                rows.append((group, "own", x, r["own_intercept"] + r["own_slope"] * x))
    return pd.DataFrame(rows, columns=["group", "fit", "x", "y"])


def lines_selection(shifts: pd.DataFrame, count: int = 6) -> list[str]:
    """Groups for the lines chart, all with an own line: half of them the groups whose pair moved most,
    the others those that moved least (radon: small counties against large ones); in data order."""
    usable = shifts[shifts["status"] == BOTH].sort_values(["distance", "group"], ascending=[False, True])
    most = list(usable["group"].head((count + 1) // 2))
    rest = usable[~usable["group"].isin(most)]
    least = list(rest["group"].tail(count - len(most)))
    chosen = set(most) | set(least)
    return [g for g in shifts["group"] if g in chosen]


# ---------------------------------------------------------------------------------------------
# Readings


def _count(n: int, word: str) -> str:
    """'1 house', '3 houses'."""
    return f"{n} {word if n == 1 else plural(word)}"


def _interval(draws: np.ndarray) -> tuple[float, float]:
    tail = (1 - HDI_PROB) / 2
    lo, hi = np.quantile(np.asarray(draws, float), [tail, 1 - tail])
    return float(lo), float(hi)


def correlation_reading(
    rho: np.ndarray, *, x0: str = "at x = 0", x1: str = "at x = 1", group: str = "group"
) -> str:
    """The correlation of intercepts and slopes (draws (S,)), its 94% interval and what its sign means.

    ``x0``, ``x1``: where x = 0 and x = 1 are (radon: "in the basement", "on the first floor").
    """
    mean = float(np.mean(rho))
    lo, hi = _interval(rho)
    head = (
        f"The correlation between the intercepts and the slopes is ρ = {mean:.2f} "
        f"(94% interval {lo:.2f} to {hi:.2f})"
    )
    if mean < 0:
        meaning = (
            f"It is negative: {plural(group)} with a high intercept (high {x0}) tend to have a lower "
            f"slope, so {x1} they lie less far above the others"
        )
    else:
        meaning = (
            f"It is positive: {plural(group)} with a high intercept (high {x0}) tend to have a higher "
            f"slope too, so {x1} they lie even further above the others"
        )
    if lo < 0 < hi:
        certainty = (
            "but the interval includes 0: the data do not settle even its sign, and the LKJ prior "
            "(η = 2) keeps it away from ±1"
        )
    else:
        certainty = f"and the whole interval lies {'below' if hi < 0 else 'above'} 0"
    return f"{head}. {meaning}; {certainty}."


def moved_most_reading(
    shifts: pd.DataFrame,
    *,
    x0: str = "at x = 0",
    x_other: str = "at other x",
    row: str = "row",
    group: str = "group",
) -> str:
    """Which group's (intercept, slope) pair moved most and why (few rows, few rows away from x = 0),
    among the groups with an own line (``shifts`` from :func:`pair_shifts`). ``row``, ``group``:
    what a row and a group are called (radon: house, county)."""
    usable = shifts[shifts["status"] == BOTH]
    if usable.empty:
        raise ValueError("no group has an own line")
    top = usable.sort_values(["distance", "group"], ascending=[False, True]).iloc[0]
    median_n = float(np.median(usable["n"]))
    median_other = float(np.median(usable["n_other"]))
    r = top
    text = (
        f"{capital(str(r['group']))} moved most: its own line has intercept {r['own_intercept']:.2f} and "
        f"slope {r['own_slope']:.2f}; partial pooling puts it at {r['partial_intercept']:.2f} and "
        f"{r['partial_slope']:.2f} (intercept {r['moved_intercept']:+.2f}, slope {r['moved_slope']:+.2f})."
    )
    reasons = []
    if r["n"] < median_n:
        reasons.append(f"it has only {_count(int(r['n']), row)} (the median {group} has {median_n:g})")
    if r["n_other"] < median_other or r["n_other"] <= 2:
        reasons.append(
            f"its slope rests on {_count(int(r['n_other']), row)} {x_other} against "
            f"{_count(int(r['n_x0']), row)} {x0}"
        )
    if reasons:
        text += (
            f" Why: {join_names(reasons)}, so its own line is a noisy estimate and the population "
            "pulls it in."
        )
    else:
        text += (
            f" It is not a small {group}: its own line lies far from the population's centre, so even "
            "a modest pull moves it a long way."
        )
    return text


def spread_reading(
    shifts: pd.DataFrame,
    pop: Population,
    *,
    slope_unit: str = "per unit of x",
    group: str = "group",
    row: str = "row",
) -> str:
    """How much the slopes shrink compared with the intercepts: the sd across groups (with an own
    line) of the own and the partial-pooling values, in each direction, and the population's sds."""
    usable = shifts[shifts["status"] == BOTH]
    if len(usable) < 2:
        raise ValueError("need two groups with an own line")
    own_i, own_s = float(np.std(usable["own_intercept"])), float(np.std(usable["own_slope"]))
    part_i, part_s = float(np.std(usable["partial_intercept"])), float(np.std(usable["partial_slope"]))
    keep_i = part_i / own_i if own_i > 0 else np.nan
    keep_s = part_s / own_s if own_s > 0 else np.nan
    text = (
        f"Across the {_count(len(usable), group)} with their own line, the spread of the intercepts "
        f"falls from {own_i:.2f} to {part_i:.2f} ({keep_i:.0%} of it kept) and the spread of the slopes from "
        f"{own_s:.2f} to {part_s:.2f} ({keep_s:.0%} kept)."
    )
    if keep_s < keep_i:
        text += (
            f" The slopes shrink more: a {group}'s slope is a difference between its {plural(row)} at two "
            f"values of x, noisier than its intercept, and the model finds the slopes vary less between "
            f"{plural(group)} "
            f"than their own estimates suggest (σ_β = {pop.sd_slope:.2f} {slope_unit}, "
            f"σ_α = {pop.sd_intercept:.2f})."
        )
    else:
        text += (
            " The intercepts shrink at least as much as the slopes here: the groups' own slopes are "
            f"already near the population's spread (σ_β = {pop.sd_slope:.2f} {slope_unit}, "
            f"σ_α = {pop.sd_intercept:.2f})."
        )
    return text


def missing_reading(
    shifts: pd.DataFrame,
    *,
    x0: str = "at x = 0",
    other: str = "at one other value",
    group: str = "group",
    row: str = "row",
) -> str:
    """Which groups have no own slope (all their rows at one x) and how the chart shows them."""
    only0 = shifts[shifts["status"] == INTERCEPT_ONLY]["group"].tolist()
    neither = shifts[shifts["status"] == NEITHER]["group"].tolist()
    if not only0 and not neither:
        return f"Every {group} has {plural(row)} at two or more values of x: every {group} has its own line."
    parts = []
    if only0:
        parts.append(f"{_count(len(only0), group)} with all {plural(row)} {x0} ({_names(only0)})")
    if neither:
        parts.append(f"{_count(len(neither), group)} with all {plural(row)} {other} ({_names(neither)})")
    total = len(only0) + len(neither)
    verb = "has" if total == 1 else "have"
    return (
        f"{capital(join_names(parts))} {verb} no own slope: one value of x cannot tell a slope. "
        f"{'It is' if total == 1 else 'They are'} not dropped: the chart shows "
        f"{'it' if total == 1 else 'them'} at the partial-pooling pair only (squares, no arrow), "
        f"which borrows its slope from the other {plural(group)} through the population."
    )


def _names(names: list[str], limit: int = 4) -> str:
    shown = names[:limit]
    more = len(names) - len(shown)
    return join_names([*shown, f"{more} more"]) if more else join_names(shown)


# ---------------------------------------------------------------------------------------------
# Synthetic data with a known truth


@dataclass(frozen=True)
class Truth:
    """The population synthetic data are drawn from (units of y, and of y per unit of x)."""

    mu_intercept: float = 1.5
    mu_slope: float = -0.7
    sd_intercept: float = 0.5
    sd_slope: float = 0.4
    rho: float = -0.5
    sigma: float = 0.7


def synthetic_slopes(truth: Truth, n_groups: int, per_group: int, seed: int) -> GroupedData:
    """Data with varying intercepts and slopes drawn from ``truth``: ``n_groups`` groups of
    ``per_group`` rows, x alternating 0, 1 within a group (half the rows at each), true pairs in
    ``meta["true_intercept"]`` and ``meta["true_slope"]`` (shapes (J,)). Raises DataError for
    fewer than 2 groups or rows per group, or |rho| >= 1 or a negative sd."""
    if n_groups < 2 or per_group < 2:
        raise DataError("Synthetic varying slopes need at least 2 groups of at least 2 rows.")
    if not -1 < truth.rho < 1 or min(truth.sd_intercept, truth.sd_slope) < 0 or truth.sigma <= 0:
        raise DataError("The true correlation must lie strictly between -1 and 1, and the sds be positive.")
    rng = np.random.default_rng(seed)
    s = np.array([truth.sd_intercept, truth.sd_slope])
    cov = np.diag(s) @ np.array([[1, truth.rho], [truth.rho, 1]]) @ np.diag(s)
    pairs = rng.multivariate_normal([truth.mu_intercept, truth.mu_slope], cov, size=n_groups)
    idx = np.repeat(np.arange(n_groups), per_group)
    x = np.tile(np.arange(per_group) % 2, n_groups).astype(float)
    y = pairs[idx, 0] + pairs[idx, 1] * x + rng.normal(0, truth.sigma, size=idx.size)
    return GroupedData(
        family="normal",
        groups=group_labels(n_groups),
        group_idx=idx.astype(np.int64),
        y=y,
        x=x,
        name="synthetic varying slopes",
        y_label="outcome (units)",
        x_label="x (0 or 1)",
        source=f"Simulated (seed {seed}).",
        meta={"true_intercept": pairs[:, 0], "true_slope": pairs[:, 1]},
    )


def truth_reading(shifts: pd.DataFrame, true_intercept, true_slope) -> str:
    """How far the own lines and the partial-pooling pairs lie from the true pairs (mean distance
    in the plane over groups with an own line), and in how many groups partial pooling is closer."""
    usable = shifts["status"] == BOTH
    ti, ts = np.asarray(true_intercept, float)[usable], np.asarray(true_slope, float)[usable]
    sub = shifts[usable]
    own = np.hypot(sub["own_intercept"] - ti, sub["own_slope"] - ts).to_numpy()
    part = np.hypot(sub["partial_intercept"] - ti, sub["partial_slope"] - ts).to_numpy()
    if own.size == 0:
        raise ValueError("no group has an own line")
    closer = int(np.sum(part < own))
    verdict = (
        "closer to the truth on average" if part.mean() < own.mean() else "not closer on average this time"
    )
    return (
        f"Against the true pairs: the own lines miss by {own.mean():.2f} on average, partial pooling by "
        f"{part.mean():.2f}, {verdict}; partial pooling is closer in {closer} of {own.size} groups."
    )


def lines_reading(
    shifts: pd.DataFrame, groups: list[str], mean_slope: float, *, row: str = "row", x_other: str = "at x = 1"
) -> str:
    """What the lines chart shows for ``groups`` (from :func:`lines_selection`): the chosen group whose
    slope moved most, and the one whose pair moved least, their own and partial slopes against the
    population's mean slope ``mean_slope``."""
    chosen = shifts[shifts["group"].isin(groups) & (shifts["status"] == BOTH)]
    if chosen.empty:
        raise ValueError("no chosen group has an own line")
    moved = chosen.assign(size=chosen["moved_slope"].abs()).sort_values(
        ["size", "group"], ascending=[False, True]
    )
    m = moved.iloc[0]
    text = (
        f"{capital(str(m['group']))}'s own slope {m['own_slope']:+.2f} rests on "
        f"{_count(int(m['n_other']), row)} {x_other}; partial pooling turns it to {m['partial_slope']:+.2f}, "
        f"toward the mean slope {mean_slope:+.2f}."
    )
    still = chosen.sort_values(["distance", "group"]).iloc[0]
    if still["group"] != m["group"]:
        text += (
            f" {capital(str(still['group']))}, with {_count(int(still['n']), row)}, moved least: its slope "
            f"{still['own_slope']:+.2f} becomes {still['partial_slope']:+.2f} and its intercept "
            f"{still['own_intercept']:.2f} becomes {still['partial_intercept']:.2f}."
        )
    return text
