"""Radon's group-level predictor (Gelman & Hill ch. 12.6): county log uranium, its tables and readings.

The model beside the page's partial pooling: y_i ~ N(alpha_county[i] + beta x_i, sigma_y) with
alpha_j ~ N(gamma0 + gamma1 u_j, sigma_alpha), u_j the county's log uranium (log ppm). In the fit
(:class:`hbm_core.inference.jobs.FitResult` of ``data.with_(u=...)``) gamma0 is ``mu``, gamma1 is
``gamma`` and sigma_alpha is ``tau``; the county intercepts are ``theta``.

Everything here is plain numpy / pandas on draws and tables, no Streamlit; every sentence a page
shows about this model is computed here from the fits and unit-tested on crafted cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hbm_core.data.groups import DataError, GroupedData
from hbm_core.lessons.shrinkage_reading import moved_most
from hbm_core.lessons.wording import capital
from hbm_core.posterior.predict import stacked
from hbm_core.posterior.summaries import HDI_PROB

#: The uranium fit's name beside the page's three fits (results dicts, published table, downloads).
URANIUM_FIT = "uranium"
URANIUM_LABEL = "Partial pooling + uranium"
WITHOUT_LABEL = "Partial pooling, no uranium"
U_LABEL = "county log uranium (log ppm)"
#: Columns of :func:`county_shifts`.
SHIFT_COLUMNS = [
    "county",
    "n",
    "u",
    "no_pooling",
    "partial",
    "target",
    "moved",
    "share_moved",
]


def with_uranium(data: GroupedData) -> GroupedData:
    """Radon ``data`` with each county's log uranium as its group-level predictor ``u`` (shape (J,)).

    Raises :class:`DataError` when ``data.meta`` has no ``uranium`` entry of one value per county.
    """
    u = data.meta.get("uranium")
    if u is None or np.shape(u) != (data.n_groups,):
        raise DataError("These data carry no county uranium (one value per county).")
    return data.with_(u=np.asarray(u, dtype=float).copy())


def _interval(draws: np.ndarray) -> tuple[float, float]:
    """The central ``HDI_PROB`` (94%) equal-tailed interval of ``draws`` (S,)."""
    tail = (1 - HDI_PROB) / 2
    lo, hi = np.quantile(draws, [tail, 1 - tail])
    return float(lo), float(hi)


# ---------------------------------------------------------------------------------------------
# Tables


def line_draws(mu: np.ndarray, gamma: np.ndarray | None, u: Sequence[float]) -> np.ndarray:
    """The groups' prior mean per draw, gamma0 + gamma1 u (or mu alone without ``gamma``): shape (S, len(u)).

    ``mu``, ``gamma``: draws (S,) of the intercept at u = 0 and of the slope (log pCi/L per log ppm).
    """
    mu = np.asarray(mu, dtype=float)[:, None]
    u = np.asarray(u, dtype=float)[None, :]
    if gamma is None:
        return np.broadcast_to(mu, (mu.shape[0], u.shape[1])).copy()
    return mu + np.asarray(gamma, dtype=float)[:, None] * u


def line_frame(result, u_grid: Sequence[float]) -> pd.DataFrame:
    """The fitted line of ``result`` over ``u_grid``: columns u, mean, low, high (94% interval).

    With a ``gamma`` in the posterior: gamma0 + gamma1 u; without (the model with no uranium) the
    flat line mu_alpha, so the page can draw both models alike. Values in log pCi/L.
    """
    posterior = result.idata.posterior
    gamma = stacked(posterior, "gamma") if "gamma" in posterior else None
    draws = line_draws(stacked(posterior, "mu"), gamma, u_grid)
    tail = (1 - HDI_PROB) / 2
    return pd.DataFrame(
        {
            "u": np.asarray(u_grid, dtype=float),
            "mean": draws.mean(axis=0),
            "low": np.quantile(draws, tail, axis=0),
            "high": np.quantile(draws, 1 - tail, axis=0),
        }
    )


def county_shifts(
    no_pooling: pd.Series, partial: pd.Series, target: pd.Series, n: pd.Series, u: pd.Series
) -> pd.DataFrame:
    """How each county moved from its own estimate to partial pooling, and toward what.

    All inputs are indexed by county (``no_pooling``, ``partial``: posterior means of the county's
    intercept in log pCi/L; ``target``: where partial pooling pulls it, the line's value at the
    county's uranium, or mu_alpha without uranium; ``n`` houses; ``u`` log uranium), aligned on
    ``no_pooling``'s index. Columns :data:`SHIFT_COLUMNS`: ``moved`` = partial - no_pooling,
    ``share_moved`` = moved / (target - no_pooling), the fraction of the way to the target (NaN
    where the county sits on its target).
    """
    index = no_pooling.index
    frame = pd.DataFrame(
        {
            "county": [str(c) for c in index],
            "n": n.reindex(index).to_numpy(dtype=int),
            "u": u.reindex(index).to_numpy(dtype=float),
            "no_pooling": no_pooling.to_numpy(dtype=float),
            "partial": partial.reindex(index).to_numpy(dtype=float),
            "target": target.reindex(index).to_numpy(dtype=float),
        }
    )
    frame["moved"] = frame["partial"] - frame["no_pooling"]
    gap = frame["target"] - frame["no_pooling"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["share_moved"] = np.where(np.abs(gap) > 1e-12, frame["moved"] / gap, np.nan)
    return frame[SHIFT_COLUMNS]


def fit_shifts(unpooled, hierarchical, n: pd.Series, u: pd.Series) -> pd.DataFrame:
    """:func:`county_shifts` of two fits: ``unpooled`` (no pooling) and ``hierarchical`` (partial
    pooling with or without uranium, FitResults); the target is each county's line value under
    ``hierarchical`` (posterior mean of gamma0 + gamma1 u_j, or of mu_alpha without uranium)."""
    own = unpooled.estimates.set_index("group")["mean"]
    partial = hierarchical.estimates.set_index("group")["mean"]
    posterior = hierarchical.idata.posterior
    gamma = stacked(posterior, "gamma") if "gamma" in posterior else None
    u_values = u.reindex(own.index).to_numpy(dtype=float)
    target = pd.Series(line_draws(stacked(posterior, "mu"), gamma, u_values).mean(axis=0), index=own.index)
    return county_shifts(own, partial, target, n, u)


# ---------------------------------------------------------------------------------------------
# Readings


@dataclass(frozen=True)
class SpreadExplained:
    """The between-county sd without and with uranium (posterior means, log pCi/L) and what it means.

    ``variance_share``: 1 - (with / without)^2, the share of the between-county variance that uranium
    accounts for (negative when the spread grew); ``sd_drop``: 1 - with / without.
    """

    without: float
    with_: float

    @property
    def variance_share(self) -> float:
        return 1.0 - (self.with_ / self.without) ** 2

    @property
    def sd_drop(self) -> float:
        return 1.0 - self.with_ / self.without


def spread_explained(tau_without: np.ndarray, tau_with: np.ndarray) -> SpreadExplained:
    """:class:`SpreadExplained` from draws (S,) of sigma_alpha without and with uranium.

    Raises ValueError for an empty or non-positive spread without uranium (nothing to explain).
    """
    without, with_ = float(np.mean(tau_without)), float(np.mean(tau_with))
    if not without > 0 or not np.isfinite(with_):
        raise ValueError("the between-county sd without uranium must be positive")
    return SpreadExplained(without, with_)


def spread_reading(spread: SpreadExplained) -> str:
    """How much of the between-county spread uranium explains, in numbers and as a share."""
    numbers = (
        f"Without uranium the county intercepts scatter around one mean with σ_α = {spread.without:.2f}; "
        f"with uranium they scatter around the line with σ_α = {spread.with_:.2f} (log pCi/L)."
    )
    if spread.with_ >= spread.without:
        return f"{numbers} Uranium explains none of the between-county spread on these fits."
    return (
        f"{numbers} The sd falls by {spread.sd_drop:.0%}, so uranium accounts for about "
        f"{spread.variance_share:.0%} of the between-county variance (σ_α² from {spread.without**2:.3f} to "
        f"{spread.with_**2:.3f}): much of what looked like county-to-county noise is geology."
    )


def coefficient_reading(gamma: np.ndarray) -> str:
    """The uranium coefficient gamma1 (draws (S,), log pCi/L per log ppm) with its 94% interval and
    what it means as a ratio of basement radon."""
    mean = float(np.mean(gamma))
    lo, hi = _interval(np.asarray(gamma, dtype=float))
    ratio = float(np.exp(mean))
    head = f"Uranium coefficient γ1 = {mean:.2f} (94% interval {lo:.2f} to {hi:.2f})"
    if lo > 0 or hi < 0:
        sign = "above" if lo > 0 else "below"
        certainty = f"the whole interval lies {sign} 0"
    else:
        certainty = "the interval includes 0, so the data do not settle even its sign"
    direction = "higher" if ratio >= 1 else "lower"
    times = ratio if ratio >= 1 else 1 / ratio
    return (
        f"{head}: a county whose log uranium is 1 higher (e ≈ 2.7 times the uranium) has basement radon "
        f"about {times:.1f} times {direction} (exp({mean:.2f})); {certainty}."
    )


def largest_move(shifts: pd.DataFrame) -> pd.Series:
    """The row of :func:`county_shifts` with the largest |moved| (ties: the first county by name)."""
    if shifts.empty:
        raise ValueError("no counties")
    first = min(moved_most(shifts["moved"].abs().set_axis(shifts["county"].astype(str))))
    return shifts[shifts["county"].astype(str) == first].iloc[0]


def move_reading(shifts: pd.DataFrame, other: pd.DataFrame | None = None, *, uranium: bool = True) -> str:
    """Which county moved most, how far, and toward what, from :func:`county_shifts` (log pCi/L).

    ``uranium``: whether ``shifts`` come from the model with uranium (the target is the county's line
    value) or without it (the one mean mu_alpha). ``other``: the same counties under the other model,
    to say where the county goes there.
    """
    row = largest_move(shifts)
    houses = f"{int(row['n'])} house{'' if int(row['n']) == 1 else 's'}"
    way = "down" if row["moved"] < 0 else "up"
    target = (
        f"its line value {row['target']:.2f} (the line at its uranium)"
        if uranium
        else f"the one mean μ_α = {row['target']:.2f}"
    )
    share = (
        f"{row['share_moved']:.0%} of the way to {target}"
        if np.isfinite(row["share_moved"])
        else f"onto {target}"
    )
    text = (
        f"{capital(row['county'])} ({houses}, log uranium {row['u']:.2f}) moved most "
        f"{'with' if uranium else 'without'} uranium: from its own estimate {row['no_pooling']:.2f} {way} to "
        f"{row['partial']:.2f} ({row['moved']:+.2f}), {share}."
    )
    if other is not None:
        match = other[other["county"] == row["county"]]
        if not match.empty:
            there = match.iloc[0]
            toward = (
                f"toward the one mean μ_α = {there['target']:.2f}"
                if uranium
                else f"toward its line value {there['target']:.2f}"
            )
            text += (
                f" {'Without' if uranium else 'With'} uranium it goes to {there['partial']:.2f} "
                f"({there['moved']:+.2f}), {toward}."
            )
    return text


def toward_line_reading(with_u: pd.DataFrame, without_u: pd.DataFrame) -> str:
    """How the uranium model changes the shrinkage: the mean |move| under each model, and how many
    counties move in the direction of that mean (both frames from :func:`county_shifts`, same counties).

    The sentence leads with the comparison of the means (shown to two decimals, and a tie at that
    precision is called one), then counts the counties that agree with it, so it never leads with
    the minority.
    """
    merged = with_u.merge(without_u, on="county", suffixes=("_u", "_0"))
    if merged.empty:
        raise ValueError("no counties in common")
    move_u, move_0 = merged["moved_u"].abs(), merged["moved_0"].abs()
    mean_u, mean_0 = float(move_u.mean()), float(move_0.mean())
    means = f"mean |move| {mean_u:.2f} against {mean_0:.2f} log pCi/L"
    n = len(merged)
    if round(mean_u, 2) == round(mean_0, 2):
        return (
            f"With uranium the counties move about as far as without it ({means}): the smaller σ_α pulls "
            "each county harder toward its line, and the counties lie nearer to it; the two about cancel."
        )
    if mean_u < mean_0:
        less = int(np.sum(move_u < move_0))
        return (
            f"With uranium the counties move less than without it ({means}; {less} of {n} move less): "
            "many counties' own estimates already lie near their line, so they need less correction than "
            "when they were judged against one state-wide mean."
        )
    further = int(np.sum(move_u > move_0))
    return (
        f"With uranium the counties move further than without it ({means}; {further} of {n} move "
        "further): the smaller σ_α pulls each county harder toward its line, and that outweighs the "
        "counties' being nearer to it."
    )


def diagnostics_line(diagnostics, label: str = URANIUM_LABEL) -> tuple[str, bool]:
    """One line on a fit's health (a :class:`hbm_core.posterior.results.Diagnostics`): divergences,
    the largest R-hat and the smallest effective sample size, and whether all is well (no warnings)."""
    d = diagnostics
    count = f"{d.divergences} divergence{'' if d.divergences == 1 else 's'}"
    ess = min(d.min_ess_bulk, d.min_ess_tail)
    numbers = f"{count}, largest R-hat {d.max_rhat:.3f}, smallest effective sample size {ess:.0f}"
    if d.ok:
        return f"Sampler check, {label}: converged ({numbers}).", True
    return f"Sampler check, {label}: {numbers}; see the warnings below before trusting the numbers.", False
