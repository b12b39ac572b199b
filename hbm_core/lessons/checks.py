"""Checking models: against new data, against their own data, against published results.

Pure numpy/pandas (no Streamlit), used by the real-data pages:

- **posterior predictive checks** for binomial fits: replicate the successes from posterior
  draws (:func:`replicate_successes`), then see where the observed values fall, group by group
  (:func:`predictive_intervals`) or through a test statistic (:func:`statistic_check`);
- **prediction error**: the total squared error of estimates against held-out truth
  (:func:`squared_error`, :func:`prediction_errors`), and the James–Stein estimator
  (:func:`james_stein`) of Efron & Morris;
- **published numbers** (:data:`BDA3_EIGHT_SCHOOLS`, :data:`EFRON_MORRIS`) and tables that put the
  app's own numbers beside them (:func:`bda3_scalars`, :func:`bda3_schools`);
- **exact against MCMC** (:func:`exact_vs_mcmc`) and **prior sensitivity** (:func:`tau_prior_density`,
  :func:`prior_sensitivity`, :func:`conditional_curves`, :func:`tau_probability_below`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from hbm_core.exact.grid import ExactPosterior, exact_posterior
from hbm_core.priors import Priors, tau_prior

PREDICTIVE_PROB = 0.94

# ------------------------------------------------------------------------------------------
# Published numbers (sources in hbm_core/data/files/SOURCES.md)

#: Gelman et al., Bayesian Data Analysis (3rd ed.), section 5.5, flat prior p(mu, tau) ∝ 1.
BDA3_EIGHT_SCHOOLS: dict = {
    "tau_median": 5.2,
    "tau_mean": 6.6,
    "pooled_mean": 7.7,
    "pooled_sd": 4.1,
    "theta_at_tau10": {"A": 14.2, "B": 8.1, "C": 5.0, "D": 7.6, "E": 3.1, "F": 4.9, "G": 13.1, "H": 9.0},
    "theta_median": {"A": 10.2, "B": 7.9, "C": 6.7, "D": 7.7, "E": 5.7, "F": 6.6, "G": 10.1, "H": 8.2},
}

#: Efron & Morris (1975, 1977): total squared error of predicting the rest-of-season average.
EFRON_MORRIS: dict = {"sse_raw": 0.075, "sse_js": 0.021, "js_c": 0.212, "grand_mean": 0.265}

#: The flat prior of BDA3 section 5.4 (exact engine only).
FLAT_PRIORS = Priors(tau_family="flat", mu_scale=np.inf)


# ------------------------------------------------------------------------------------------
# Posterior predictive checks (binomial)


def replicate_successes(
    logits: np.ndarray, trials: np.ndarray, seed: int = 0, n_draws: int | None = None
) -> np.ndarray:
    """Replicated successes ``y_rep ~ Binomial(trials_j, expit(logit_sj))``, shape (S, J), integers.

    ``logits``: posterior draws (S, J) on the logit scale; ``trials``: (J,) numbers of trials (the
    data's own, or new ones such as the rest of the season). ``n_draws``: use that many posterior
    draws chosen at random without replacement (default: all of them).
    """
    logits = np.asarray(logits, dtype=float)
    trials = np.asarray(trials, dtype=float)
    if logits.ndim != 2 or trials.shape != (logits.shape[1],):
        raise ValueError(f"logits {logits.shape} and trials {trials.shape} do not match")
    if np.any(trials < 0) or not np.all(np.isfinite(trials)) or np.any(trials != np.round(trials)):
        raise ValueError("trials must be non-negative whole numbers")
    rng = np.random.default_rng(seed)
    if n_draws is not None and n_draws < logits.shape[0]:
        logits = logits[rng.choice(logits.shape[0], size=int(n_draws), replace=False)]
    return rng.binomial(trials.astype(np.int64)[None, :], expit(logits))


def predictive_intervals(
    replicated: np.ndarray,
    observed: np.ndarray,
    groups,
    prob: float = PREDICTIVE_PROB,
) -> pd.DataFrame:
    """Where each group's observed value falls in its posterior predictive distribution.

    ``replicated``: (S, J) replicated values (e.g. batting averages ``y_rep / trials``);
    ``observed``: (J,) the observed values on the same scale.

    Returns J rows: group, mean (of the replicates), low, high (central ``prob`` interval),
    observed, inside (low <= observed <= high), p_above (share of replicates >= observed: near 0 or
    1 means the observed value is surprising for the model).
    """
    rep = np.asarray(replicated, dtype=float)
    obs = np.asarray(observed, dtype=float)
    groups = list(groups)
    if rep.ndim != 2 or obs.shape != (rep.shape[1],) or len(groups) != rep.shape[1]:
        raise ValueError(
            f"replicated {rep.shape}, observed {obs.shape} and {len(groups)} groups do not match"
        )
    if not 0 < prob < 1:
        raise ValueError(f"prob must be in (0, 1), got {prob!r}")
    tail = (1 - prob) / 2
    low, high = np.quantile(rep, [tail, 1 - tail], axis=0)
    return pd.DataFrame(
        {
            "group": groups,
            "mean": rep.mean(axis=0),
            "low": low,
            "high": high,
            "observed": obs,
            "inside": (obs >= low) & (obs <= high),
            "p_above": (rep >= obs[None, :]).mean(axis=0),
        }
    )


#: Test statistics of a set of group rates, each (S, J) -> (S,): name -> (label, function).
STATISTICS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "sd": ("spread (sd) of the averages", lambda r: np.std(r, axis=-1, ddof=1)),
    "max": ("highest average", lambda r: np.max(r, axis=-1)),
    "min": ("lowest average", lambda r: np.min(r, axis=-1)),
}


@dataclass(frozen=True)
class StatisticCheck:
    """A test statistic over replicated data sets, and its observed value.

    ``p_value``: share of replicated data sets whose statistic is at least the observed one
    (the posterior predictive p-value; near 0 or 1 flags a misfit).
    """

    name: str
    label: str
    replicated: np.ndarray
    observed: float
    p_value: float


def statistic_check(replicated: np.ndarray, observed: np.ndarray, name: str = "sd") -> StatisticCheck:
    """Posterior predictive check with one of :data:`STATISTICS` applied to every data set.

    ``replicated``: (S, J) replicated rates; ``observed``: (J,) observed rates.
    """
    if name not in STATISTICS:
        raise ValueError(f"unknown statistic {name!r}; choose one of {', '.join(STATISTICS)}")
    label, stat = STATISTICS[name]
    rep = np.asarray(replicated, dtype=float)
    obs = np.asarray(observed, dtype=float)
    if rep.ndim != 2 or obs.shape != (rep.shape[1],):
        raise ValueError(f"replicated {rep.shape} and observed {obs.shape} do not match")
    values = stat(rep)
    observed_value = float(stat(obs[None, :])[0])
    return StatisticCheck(name, label, values, observed_value, float(np.mean(values >= observed_value)))


def common_range(checks: Sequence[StatisticCheck]) -> tuple[float, float]:
    """(smallest, largest) of the finite replicated values and the observed values of ``checks``:
    one x range for their histograms, so that fits are compared on one scale."""
    values = [c.replicated[np.isfinite(c.replicated)] for c in checks]
    values += [np.array([c.observed]) for c in checks if np.isfinite(c.observed)]
    pooled = np.concatenate(values) if values else np.zeros(0)
    if pooled.size == 0:
        raise ValueError("common_range() needs at least one finite value")
    lo, hi = float(pooled.min()), float(pooled.max())
    return (lo, hi) if hi > lo else (lo, lo + 1e-9)


# ------------------------------------------------------------------------------------------
# Prediction error and James–Stein


def squared_error(estimate, truth) -> float:
    """Total squared error ``sum_j (estimate_j - truth_j)^2``."""
    est = np.asarray(estimate, dtype=float)
    tru = np.asarray(truth, dtype=float)
    if est.shape != tru.shape or est.ndim != 1:
        raise ValueError(f"estimate {est.shape} and truth {tru.shape} must be vectors of the same length")
    if not (np.all(np.isfinite(est)) and np.all(np.isfinite(tru))):
        raise ValueError("estimates and truth must be finite numbers")
    return float(np.sum((est - tru) ** 2))


def prediction_errors(
    estimates: Mapping[str, np.ndarray], truth, published: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """One row per method: method, total squared error, published (NaN where none is given)."""
    published = published or {}
    rows = [
        {
            "method": name,
            "total squared error": squared_error(values, truth),
            "published": float(published.get(name, np.nan)),
        }
        for name, values in estimates.items()
    ]
    return pd.DataFrame(rows, columns=["method", "total squared error", "published"])


@dataclass(frozen=True)
class JamesStein:
    """James–Stein estimates ``grand_mean + c (y_j - grand_mean)`` and the shrinkage factor ``c``."""

    estimates: np.ndarray
    c: float
    grand_mean: float


def james_stein(successes, trials) -> JamesStein:
    """The James–Stein estimator of k proportions with equal trials (Efron & Morris 1977).

    ``c = 1 - (k - 3) s^2 / sum_j (y_j - ybar)^2`` with ``y_j = successes_j / n``, ``ybar`` the grand
    mean and ``s^2 = ybar (1 - ybar) / n`` the binomial variance of one average; ``c`` is floored at 0.
    Needs k >= 4 groups, all with the same number of trials n.
    """
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if s.ndim != 1 or n.shape != s.shape:
        raise ValueError("successes and trials must be vectors of the same length")
    if s.size < 4:
        raise ValueError("James–Stein needs at least 4 groups")
    if not np.allclose(n, n[0]) or n[0] <= 0:
        raise ValueError("this James–Stein formula needs the same positive number of trials in every group")
    y = s / n
    ybar = float(s.sum() / n.sum())
    spread = float(np.sum((y - ybar) ** 2))
    var = ybar * (1 - ybar) / n[0]
    c = 0.0 if spread == 0 else max(0.0, 1.0 - (s.size - 3) * var / spread)
    return JamesStein(ybar + c * (y - ybar), float(c), ybar)


# ------------------------------------------------------------------------------------------
# Eight schools: exact engine against BDA3, exact against MCMC, prior sensitivity


def bda3_scalars(post: ExactPosterior) -> pd.DataFrame:
    """BDA3's summary numbers beside the exact engine's (call with the flat-prior posterior).

    Rows: median and mean of tau | y, complete pooling estimate (tau = 0) and its sd.
    Columns: quantity, BDA3, this app, agrees (the app's value rounds to BDA3's one decimal).
    """
    at0 = post.at_tau(0.0).iloc[0]
    tau = post.tau_summary()
    ref = BDA3_EIGHT_SCHOOLS
    rows = [
        ("median of τ | y", ref["tau_median"], tau["median"]),
        ("mean of τ | y", ref["tau_mean"], tau["mean"]),
        ("complete pooling estimate (τ = 0)", ref["pooled_mean"], float(at0["mean"])),
        ("its standard deviation", ref["pooled_sd"], float(at0["sd"])),
    ]
    frame = pd.DataFrame(rows, columns=["quantity", "BDA3", "this app"])
    frame["agrees"] = _agrees(frame["this app"], frame["BDA3"])
    return frame


def bda3_schools(post: ExactPosterior) -> pd.DataFrame:
    """Per school: E(theta_j | tau = 10, y) and the posterior median of theta_j, BDA3 beside the app.

    Columns: school, E(θ | τ=10) BDA3, E(θ | τ=10) app, median θ BDA3, median θ app, agrees.
    BDA3's medians come from 200 simulation draws, so the app's exact medians may differ by 0.1.
    """
    ref = BDA3_EIGHT_SCHOOLS
    groups = list(post.groups)
    at10 = post.at_tau(10.0).set_index("group")["mean"].reindex(groups)
    med = post.group_summary().set_index("group")["median"].reindex(groups)
    frame = pd.DataFrame(
        {
            "school": groups,
            "E(θ | τ=10) BDA3": [ref["theta_at_tau10"].get(g, np.nan) for g in groups],
            "E(θ | τ=10) app": at10.to_numpy(),
            "median θ BDA3": [ref["theta_median"].get(g, np.nan) for g in groups],
            "median θ app": med.to_numpy(),
        }
    )
    frame["agrees"] = _agrees(frame["E(θ | τ=10) app"], frame["E(θ | τ=10) BDA3"]) & (
        (frame["median θ app"] - frame["median θ BDA3"]).abs() <= 0.15
    )
    return frame


def _agrees(app: pd.Series, published: pd.Series) -> pd.Series:
    """The app's value, rounded to the published number's one decimal, equals it (±0.05 + rounding)."""
    return (app.astype(float) - published.astype(float)).abs() <= 0.05 + 1e-9


def exact_vs_mcmc(
    exact: ExactPosterior, estimates: pd.DataFrame | None = None, population: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Posterior means and sds of every theta_j, mu and tau from the exact engine beside MCMC.

    ``estimates``/``population``: a hierarchical fit's tables (``FitResult.estimates`` and
    ``.population``), or None (MCMC columns are NaN). Columns: parameter, exact mean, MCMC mean,
    exact sd, MCMC sd.
    """
    groups = exact.group_summary()
    mu, tau = exact.mu_summary(), exact.tau_summary()
    frame = pd.DataFrame(
        {
            "parameter": [f"θ {g}" for g in groups["group"]] + ["μ", "τ"],
            "exact mean": [*groups["mean"], mu["mean"], tau["mean"]],
            "exact sd": [*groups["sd"], mu["sd"], tau["sd"]],
        }
    )
    mean = np.full(len(frame), np.nan)
    sd = np.full(len(frame), np.nan)
    if estimates is not None:
        est = estimates.set_index(estimates["group"].astype(str))
        idx = [str(g) for g in groups["group"]]
        mean[: len(idx)] = est["mean"].reindex(idx).to_numpy(dtype=float)
        sd[: len(idx)] = est["sd"].reindex(idx).to_numpy(dtype=float)
    if population is not None and not population.empty:
        pop = population.set_index("parameter")
        for i, name in ((len(frame) - 2, "mu"), (len(frame) - 1, "tau")):
            if name in pop.index:
                mean[i], sd[i] = pop.loc[name, "mean"], pop.loc[name, "sd"]
    frame["MCMC mean"] = mean
    frame["MCMC sd"] = sd
    return frame[["parameter", "exact mean", "MCMC mean", "exact sd", "MCMC sd"]]


def tau_prior_density(priors: Priors, tau) -> np.ndarray | None:
    """The normalised prior density of tau at ``tau`` (per unit of tau); None for the improper flat prior."""
    prior = tau_prior(priors.tau_family)
    if not prior.proper:
        return None
    s = float(priors.tau_scale)
    if not (0 < s < np.inf):
        raise ValueError(f"the scale of the prior on tau must be a positive number, got {s!r}")
    return np.asarray(prior.density(np.asarray(tau, dtype=float), s), dtype=float)


def tau_probability_below(post: ExactPosterior, tau: float) -> float:
    """``P(tau <= t | y)`` from the exact density (trapezoid rule on the posterior's own grid)."""
    t = float(tau)
    if not np.isfinite(t):
        raise ValueError(f"tau must be a finite number, got {tau!r}")
    grid, dens = post.tau_grid, post.tau_density
    cdf = np.concatenate([[0.0], np.cumsum(np.diff(grid) * (dens[1:] + dens[:-1]) / 2)])
    return float(np.clip(np.interp(t, grid, cdf / cdf[-1]), 0.0, 1.0))


def conditional_curves(post: ExactPosterior, taus) -> pd.DataFrame:
    """E, sd and pooling factor of every theta_j given tau, at each of ``taus`` (BDA3 Figs 5.6, 5.7).

    Tidy: ``len(taus) * J`` rows with columns tau, group, mean, sd, pooling (computed exactly).
    """
    taus = np.asarray(taus, dtype=float).ravel()
    if taus.size == 0 or np.any(taus < 0) or not np.all(np.isfinite(taus)):
        raise ValueError("taus must be finite numbers >= 0")
    frames = [post.at_tau(t)[["tau", "group", "mean", "sd", "pooling"]] for t in taus]
    return pd.concat(frames, ignore_index=True)


def prior_sensitivity(
    y, se, groups, priors: Mapping[str, Priors], taus=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The exact posterior under several priors: a summary table and p(tau | y) curves.

    Returns ``(table, curves)``: table rows per prior with columns prior, median τ, τ 94% low,
    τ 94% high, mean μ, then the posterior mean of each group; curves with columns tau, density,
    prior (``taus`` default: 0..30 in 301 steps).
    """
    taus = np.linspace(0.0, 30.0, 301) if taus is None else np.asarray(taus, dtype=float)
    rows, curves = [], []
    for label, p in priors.items():
        post = exact_posterior(y, se, groups, p)
        tau = post.tau_summary()
        row = {
            "prior": label,
            "median τ": tau["median"],
            "τ 94% low": tau["hdi_low"],
            "τ 94% high": tau["hdi_high"],
            "mean μ": post.mu_summary()["mean"],
        }
        row.update(dict(zip(post.groups, post.group_summary()["mean"], strict=True)))
        rows.append(row)
        curves.append(pd.DataFrame({"tau": taus, "density": post.tau_pdf(taus), "prior": label}))
    return pd.DataFrame(rows), pd.concat(curves, ignore_index=True)
