"""Scoring the three poolings against the truth that simulated data know (Efron–Morris on your settings).

Two scores:

- :func:`truth_errors`: on the data set on the page, each method's error (estimate − true mean) per
  group and its total squared error;
- :func:`many_data_sets`: K data sets simulated from the same settings (group sizes, true means,
  true sds), each scored the same way, so a student sees how often and by how much partial pooling
  beats no pooling and complete pooling, and for which groups it loses.

How :func:`many_data_sets` computes (all vectorised over the K data sets, a few milliseconds for
K = 200 and 12 groups):

- **The data.** Each group's sample mean and sample variance are drawn from their exact sampling
  distributions (``ybar_j ~ Normal(m_j, s_j / sqrt(n_j))``, ``(n_j - 1) S_j^2 / s_j^2 ~ chi^2(n_j - 1)``,
  independent): the same distribution as the sufficient statistics of ``n_j`` simulated normal
  observations, which is all the three estimators use.
- **No pooling**: the sample means. (The app's no-pooling fit adds a weak Normal(0, 20) prior to each
  mean, which moves it by a fraction se^2 / (se^2 + 20^2) of the way to 0: negligible here.)
- **Complete pooling**: the estimate the app uses (:mod:`hbm_core.exact.preview`): with one shared sd
  the mean of all observations; with one sd per group the fixed point mu = sum w_j ybar_j / sum w_j,
  w_j = n_j / s_j(mu)^2 with s_j(mu)^2 the group's mean squared deviation from mu.
- **Partial pooling**: the posterior means of the exact engine (normal hierarchical model with
  plug-in standard errors, as in the preview: own sd_j / sqrt(n_j), or the pooled sd with one
  shared sd and for groups with a single observation), computed on a grid of 256 values of tau per
  data set, ``tau = T u^2`` with ``u`` uniform on [0, 1] and ``T = 10 (sd of the sample means +
  largest se)`` (at least 6 times the prior scale of tau). The tail beyond T is left out: there every
  pooling factor is below 1 %, so it changes the posterior means by a negligible amount (checked
  against :func:`hbm_core.exact.grid.exact_posterior` in tests/test_truth_scores.py).

No Streamlit here; every reading sentence is computed from the result it describes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hbm_core.data.groups import DataError, group_labels
from hbm_core.lessons.given_tau import groups_phrase, join_names, percent
from hbm_core.priors import Priors, tau_log_prior, tau_prior

__all__ = [
    "ManyDataSets",
    "complete_pooling_means",
    "errors_reading",
    "many_data_sets",
    "many_reading",
    "partial_pooling_means",
    "plug_in_standard_errors",
    "total_errors",
    "truth_errors",
]

METHODS = ("pooled", "unpooled", "hierarchical")
#: Grid points over tau per simulated data set.
TAU_POINTS = 256
#: A fixed stream tag mixed into the page seed, so this simulation never reuses the data's draws.
_STREAM = 16


# --------------------------------------------------------------------------- one data set


def truth_errors(estimates: pd.DataFrame, true_means: Sequence[float] | None = None) -> pd.DataFrame:
    """Each method's error against the true means, per group, with the totals.

    ``estimates``: the page's estimates table (columns group, fit, mean and true_mean unless
    ``true_means`` is given, one row per group and fit; optional n). Returns one row per group and
    fit with columns group, fit, n (if present), estimate, true_mean, error (estimate − truth, outcome
    units), squared_error (units²). The totals are :func:`total_errors`.
    """
    cols = ["group", "fit", "mean"] + ([] if true_means is not None else ["true_mean"])
    missing = [c for c in cols if c not in estimates.columns]
    if missing:
        raise ValueError(f"truth_errors() needs column(s) {missing}")
    df = estimates[estimates["fit"].isin(METHODS)].copy()
    if true_means is not None:
        groups = list(pd.unique(df["group"]))
        truth = dict(zip(groups, np.asarray(true_means, dtype=float), strict=True))
        df["true_mean"] = df["group"].map(truth)
    if df["true_mean"].isna().any():
        raise ValueError("every group needs a true mean")
    out = pd.DataFrame(
        {
            "group": df["group"].astype(str).to_numpy(),
            "fit": df["fit"].to_numpy(),
            "estimate": df["mean"].to_numpy(float),
            "true_mean": df["true_mean"].to_numpy(float),
        }
    )
    if "n" in df.columns:
        out.insert(2, "n", df["n"].to_numpy(int))
    out["error"] = out["estimate"] - out["true_mean"]
    out["squared_error"] = out["error"] ** 2
    return out


def total_errors(errors: pd.DataFrame) -> dict[str, float]:
    """Total squared error of each method present in ``errors`` (from :func:`truth_errors`)."""
    totals = errors.groupby("fit", sort=False)["squared_error"].sum()
    return {f: float(totals[f]) for f in METHODS if f in totals.index}


def errors_reading(errors: pd.DataFrame, labels: dict[str, str]) -> str:
    """Which method was closest to the truth in total on this data set, and where each lost.

    ``labels``: the methods' names by fit (e.g. ``FIT_LABELS``).
    """
    totals = total_errors(errors)
    best = min(totals.values())
    winners = [f for f, v in totals.items() if np.isclose(v, best, rtol=1e-9, atol=1e-12)]
    ranked = sorted(totals, key=totals.get)
    parts = ", ".join(f"{labels[f].lower()} {totals[f]:.3g}" for f in ranked)
    if len(winners) == len(totals):
        text = f"On this data set, the three methods tie in total squared error ({best:.3g})."
    elif len(winners) > 1:
        names = join_names([labels[f] for f in winners])
        text = f"On this data set, {names.lower()} tie for the smallest total squared error ({parts})."
    else:
        text = (
            f"On this data set, {labels[winners[0]].lower()} has the smallest total squared error ({parts})."
        )
    if "hierarchical" in totals and "unpooled" in totals:
        wide = errors.pivot(index="group", columns="fit", values="squared_error")
        order = list(pd.unique(errors["group"]))
        wide = wide.reindex(order)
        worse = [
            g for g in order if wide.loc[g, "hierarchical"] > wide.loc[g, "unpooled"] * (1 + 1e-9) + 1e-12
        ]
        if not worse:
            text += " Partial pooling is at least as close to the truth as no pooling for every group."
        elif len(worse) == len(order):
            text += " Partial pooling lands further from the truth than no pooling for every group here."
        else:
            text += (
                f" For {groups_phrase(worse)}, partial pooling lands further from the truth than no "
                "pooling does."
            )
    return text


# --------------------------------------------------------------------------- many data sets


@dataclass(frozen=True)
class ManyDataSets:
    """The three methods scored on K simulated data sets.

    ``totals``: K rows, columns dataset (0..K-1), pooled, unpooled, hierarchical (total squared error,
    units²), best (the fit with the smallest total). ``per_group``: J rows, columns group, n, true_mean,
    mse_pooled, mse_unpooled, mse_hierarchical (mean squared error over the K data sets, units²),
    share_worse (share of data sets in which partial pooling's estimate for the group is further from
    its truth than the sample mean). Scalars: ``share_best`` (partial pooling smallest of the three),
    ``share_beats_unpooled``, ``share_beats_pooled`` (partial pooling's total smaller), ``mean_total``
    (by fit), ``seed``, ``k``.
    """

    totals: pd.DataFrame
    per_group: pd.DataFrame
    share_best: float
    share_beats_unpooled: float
    share_beats_pooled: float
    mean_total: dict[str, float]
    seed: int
    k: int


def _simulate_statistics(sizes, means, sds, k: int, rng: np.random.Generator):
    """Sample means (K, J) and sums of squared deviations (K, J) of K simulated data sets."""
    n = sizes.astype(float)
    ybar = means + sds / np.sqrt(n) * rng.standard_normal((k, sizes.size))
    df = np.maximum(n - 1, 0)
    chi2 = 2.0 * rng.standard_gamma(np.where(df > 0, df, 1.0) / 2, size=(k, sizes.size))
    ss = np.where(df > 0, sds**2 * chi2, 0.0)
    return ybar, ss


def plug_in_standard_errors(sizes: np.ndarray, ss: np.ndarray, shared: bool) -> np.ndarray:
    """Plug-in standard errors (K, J) from group sizes (J,) and sums of squared deviations (K, J).

    As the preview chooses them: each group's own sd / sqrt(n_j), or the pooled within-group sd for
    groups with one observation (or zero spread) and for every group when ``shared``.
    """
    n = sizes.astype(float)
    df = n - 1
    has_sd = df > 0
    pooled = np.sqrt(ss[:, has_sd].sum(axis=1) / df[has_sd].sum())  # (K,)
    sd = np.sqrt(np.where(has_sd, ss / np.where(has_sd, df, 1.0), 0.0))
    own = has_sd & (sd > 0) & (not shared)
    sd = np.where(own, sd, pooled[:, None])
    return sd / np.sqrt(n)


def complete_pooling_means(sizes: np.ndarray, ybar: np.ndarray, ss: np.ndarray, shared: bool) -> np.ndarray:
    """The app's complete-pooling estimate for each of K data sets, shape (K,).

    ``sizes`` (J,), sample means ``ybar`` and sums of squared deviations ``ss`` (K, J); see the module
    docstring for the two cases.
    """
    n = sizes.astype(float)
    mu = ybar @ n / n.sum()  # the mean of all observations
    if shared:
        return mu
    scale = np.sqrt((ss + n * (ybar - mu[:, None]) ** 2).sum(axis=1) / n.sum())
    floor2 = (1e-6 * np.where(scale > 0, scale, 1.0)) ** 2
    for _ in range(100):
        s2 = ss / n + (ybar - mu[:, None]) ** 2 + floor2[:, None]
        w = n / s2
        new = (w * ybar).sum(axis=1) / w.sum(axis=1)
        done = np.all(np.abs(new - mu) < 1e-10 * (1 + np.abs(mu)))
        mu = new
        if done:
            break
    return mu


def partial_pooling_means(
    y: np.ndarray, se: np.ndarray, priors: Priors, points: int = TAU_POINTS
) -> np.ndarray:
    """Posterior means E(theta_j | y) of the normal hierarchical model for K data sets at once.

    ``y`` and ``se``: shape (K, J), outcome units. The posterior of tau is computed on a grid of
    ``points`` values per data set (see the module docstring); returns shape (K, J).
    """
    y, se = np.atleast_2d(np.asarray(y, float)), np.atleast_2d(np.asarray(se, float))
    u = np.linspace(0.0, 1.0, int(points)) ** 2
    spread = y.std(axis=1) + se.max(axis=1)
    top = 10 * spread
    if tau_prior(priors.tau_family).proper and np.isfinite(priors.tau_scale):
        top = np.maximum(top, 6 * priors.tau_scale)
    tau = top[:, None] * u[None, :]  # (K, G)
    prior = tau_prior(priors.tau_family)
    if np.isfinite(prior.upper):  # a bounded prior (uniform): no mass beyond its end
        tau = np.minimum(tau, prior.upper * priors.tau_scale)
    se2 = se[:, None, :] ** 2  # (K, 1, J)
    w = 1.0 / (se2 + tau[:, :, None] ** 2)  # (K, G, J)
    prec = 0.0 if not np.isfinite(priors.mu_scale) else 1.0 / priors.mu_scale**2
    V = 1.0 / (w.sum(axis=2) + prec)  # (K, G)
    mu_hat = V * ((w * y[:, None, :]).sum(axis=2) + priors.mu_loc * prec)
    resid = y[:, None, :] - mu_hat[:, :, None]
    log_post = 0.5 * np.log(V) + 0.5 * np.log(w).sum(axis=2) - 0.5 * (w * resid**2).sum(axis=2)
    if prec > 0:
        log_post -= 0.5 * prec * (priors.mu_loc - mu_hat) ** 2
    log_post = log_post + tau_log_prior(tau, priors)
    dens = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    d = np.diff(tau, axis=1)
    cell = np.zeros_like(tau)  # trapezoid weights along each row
    cell[:, :-1] += d / 2
    cell[:, 1:] += d / 2
    mass = dens * cell
    mass /= mass.sum(axis=1, keepdims=True)
    B = se2 * w  # pooling factor, (K, G, J)
    theta = (1.0 - B) * y[:, None, :] + B * mu_hat[:, :, None]
    return np.einsum("kg,kgj->kj", mass, theta)


def many_data_sets(
    sizes: Sequence[int],
    means: Sequence[float],
    sds: Sequence[float],
    priors: Priors,
    sigma: str = "group",
    k: int = 200,
    seed: int = 0,
) -> ManyDataSets:
    """Score the three methods on ``k`` data sets simulated from the same settings.

    ``sizes``, ``means``, ``sds``: each group's size, true mean and true sd (outcome units), J >= 2;
    ``sigma``: "group" (one sd per group) or "shared" (one sd for all); ``seed``: the page's seed (the
    simulation uses its own stream derived from it, so a link reproduces the result).
    Raises DataError when no group has two observations (no sd to plug in).
    """
    sizes = np.asarray(sizes, dtype=int)
    means = np.asarray(means, dtype=float)
    sds = np.asarray(sds, dtype=float)
    if not (sizes.shape == means.shape == sds.shape) or sizes.ndim != 1 or sizes.size < 2:
        raise DataError("sizes, means and sds must be lists of the same length, two groups or more")
    if np.any(sizes < 1) or np.any(sds <= 0):
        raise DataError("every group needs at least one observation and a positive sd")
    if not np.any(sizes >= 2):
        raise DataError("no group has two observations, so no standard error can be plugged in")
    if sigma not in ("group", "shared"):
        raise ValueError(f"sigma must be 'group' or 'shared', got {sigma!r}")
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be positive, got {k}")
    rng = np.random.default_rng([int(seed), _STREAM])
    shared = sigma == "shared"
    ybar, ss = _simulate_statistics(sizes, means, sds, k, rng)
    se = plug_in_standard_errors(sizes, ss, shared)
    estimates = {
        "pooled": np.repeat(complete_pooling_means(sizes, ybar, ss, shared)[:, None], sizes.size, axis=1),
        "unpooled": ybar,
        "hierarchical": partial_pooling_means(ybar, se, priors),
    }
    sq = {f: (est - means) ** 2 for f, est in estimates.items()}  # (K, J) each
    totals = pd.DataFrame({"dataset": np.arange(k), **{f: sq[f].sum(axis=1) for f in METHODS}})
    stacked = totals[list(METHODS)].to_numpy()
    totals["best"] = np.asarray(METHODS)[np.argmin(stacked, axis=1)]
    hier = totals["hierarchical"]
    per_group = pd.DataFrame(
        {
            "group": list(group_labels(sizes.size)),
            "n": sizes,
            "true_mean": means,
            **{f"mse_{f}": sq[f].mean(axis=0) for f in METHODS},
            "share_worse": (sq["hierarchical"] > sq["unpooled"]).mean(axis=0),
        }
    )
    return ManyDataSets(
        totals=totals,
        per_group=per_group,
        share_best=float(np.mean((hier <= totals["unpooled"]) & (hier <= totals["pooled"]))),
        share_beats_unpooled=float(np.mean(hier < totals["unpooled"])),
        share_beats_pooled=float(np.mean(hier < totals["pooled"])),
        mean_total={f: float(totals[f].mean()) for f in METHODS},
        seed=int(seed),
        k=k,
    )


def many_reading(result: ManyDataSets, labels: dict[str, str]) -> list[str]:
    """Sentences on :func:`many_data_sets`' result: how often and by how much partial pooling wins,
    and the group for which it loses most often (with the reasons the numbers show).

    ``labels``: the methods' names by fit (e.g. ``FIT_LABELS``).
    """
    k = result.k
    m = result.mean_total
    sets = "data set" if k == 1 else "data sets"
    first = (
        f"{labels['hierarchical']} had the smallest total squared error of the three in "
        f"{percent(result.share_best)} of {k} {sets}; it beat {labels['unpooled'].lower()} in "
        f"{percent(result.share_beats_unpooled)} and {labels['pooled'].lower()} in "
        f"{percent(result.share_beats_pooled)}."
    )
    ranked = sorted(METHODS, key=m.get)
    average = (
        "Average total squared error: "
        + ", ".join(f"{labels[f].lower()} {m[f]:.3g}" for f in ranked)
        + " (units²)."
    )
    if m["hierarchical"] > 0 and m["unpooled"] > m["hierarchical"]:
        average += (
            f" {labels['unpooled']}'s is {m['unpooled'] / m['hierarchical']:.2g} times partial pooling's."
        )
    pg = result.per_group.reset_index(drop=True)
    worst_share = float(pg["share_worse"].max())
    losers = [str(g) for g in pg.loc[np.isclose(pg["share_worse"], worst_share), "group"]]
    if worst_share <= 0.5:
        third = (
            "For no group did partial pooling land further from the truth than the sample mean in more than "
            f"half of the data sets; it did so most often for {groups_phrase(losers)} "
            f"({percent(worst_share)}{' each' if len(losers) > 1 else ''})."
        )
        return [first, average, third]
    row = pg.set_index("group").loc[losers[0]]
    size, far = _loser_reasons(pg, losers)
    one = len(losers) == 1
    third = (
        f"It lost most often for {groups_phrase(losers)}"
        + (f" ({size})" if size else "")
        + (f", whose true mean {far}" if far else "")
        + f": pulled toward the others, {'its estimate lands' if one else 'their estimates land'} further "
        f"from the truth than the sample mean in {percent(worst_share)} of data sets"
        + ("" if one else " each")
        + f" (mean squared error {row['mse_hierarchical']:.3g} against {row['mse_unpooled']:.3g} for "
        f"{labels['unpooled'].lower()}{'' if one else ', for ' + str(losers[0])})."
    )
    return [first, average, third]


def _loser_reasons(pg: pd.DataFrame, losers: list[str]) -> tuple[str, str]:
    """Why these groups lose, when the numbers say so: ``(size, far)``.

    ``size``: "n = 2" when the group is (or the tied groups are) the smallest; ``far``: "9 is the
    furthest from the others' average 5" when a single loser's true mean is the furthest from the
    average of the other groups' true means. Empty strings otherwise.
    """
    idx = pg.set_index("group")
    n = idx.loc[losers, "n"]
    size = ""
    if n.nunique() == 1 and n.iloc[0] == pg["n"].min():
        size = f"n = {int(n.iloc[0])}" + (" each" if len(losers) > 1 else "")
    far = ""
    if len(losers) == 1 and len(pg) > 1:
        g = losers[0]
        truth = idx["true_mean"]
        others = (float(truth.sum()) - truth) / (len(truth) - 1)  # each group's others' average
        distance = (truth - others).abs()
        if distance[g] == distance.max() and distance.max() > 0:
            far = f"{truth[g]:g} is the furthest from the others' average {others[g]:.3g}"
    return size, far
