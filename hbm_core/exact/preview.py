"""The instant preview: all three fits from exact calculations, while MCMC runs.

For normal outcomes with known (or plug-in) standard errors se_j every pooling has a
closed form (normal prior on mu, sigma treated as known):

- complete pooling: the hierarchical model at tau = 0 (precision-weighted mean);
- no pooling: each group alone, theta_j ~ Normal(mu_loc, mu_scale) updated by y_j ± se_j;
- partial pooling: the exact grid posterior of :mod:`hbm_core.exact.grid`.

Binomial data use the normal approximation on the logit scale, reported as probabilities.
Data with a predictor have no preview (``None``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm

from hbm_core.data.groups import DataError, GroupedData
from hbm_core.exact.grid import ExactPosterior, exact_from_data, exact_posterior
from hbm_core.models.parameterization import group_standard_errors
from hbm_core.posterior.summaries import ESTIMATE_COLUMNS, HDI_PROB, summarize_draws
from hbm_core.priors import Priors

_Z = norm.ppf(0.5 + HDI_PROB / 2)  # half-width of a central 94% normal interval, in sds


@dataclass(frozen=True, eq=False)
class Preview:
    """Exact (or approximate) estimates of all three fits, and the exact posterior behind them.

    ``estimates``: the same columns as an MCMC fit's table, ``source == "exact"``, three fits.
    ``approximate``: plug-in standard errors or a logit-scale normal approximation were used.
    """

    estimates: pd.DataFrame
    exact: ExactPosterior
    approximate: bool


def _normal_interval(mean: np.ndarray, sd: np.ndarray) -> dict[str, np.ndarray]:
    return {"mean": mean, "sd": sd, "hdi_low": mean - _Z * sd, "hdi_high": mean + _Z * sd}


def _from_draws(draws: np.ndarray, binomial: bool) -> dict[str, np.ndarray]:
    return summarize_draws(expit(draws) if binomial else draws).to_dict(orient="list")


def _complete_pooling(
    data: GroupedData, exact: ExactPosterior, priors: Priors, shared_sigma: bool = False
) -> dict[str, np.ndarray]:
    """One common mean, on the model's scale, matching the complete-pooling model of each family.

    Normal data with one sd per group: that sd is measured around the *common* mean (the model
    fits sigma_j given mu), so we solve mu = sum(w_j ybar_j) / sum(w_j), w_j = n_j / s_j(mu)^2 by
    fixed-point iteration. Binomial: the logit of the overall proportion. Known SE: the
    precision-weighted mean (the hierarchical model at tau = 0).
    """
    J = data.n_groups
    if data.family == "binomial":
        s, n = float(np.sum(data.y)), float(np.sum(data.trials))
        p = (s + 0.5) / (n + 1.0)
        mean, sd = np.log(p / (1 - p)), 1.0 / np.sqrt(n * p * (1 - p))
        return {"mean": np.full(J, mean), "sd": np.full(J, sd)}
    if data.family == "known_se":
        at0 = exact.at_tau(0.0)
        return {"mean": at0["mean"].to_numpy(), "sd": at0["sd"].to_numpy()}
    idx, y = data.group_idx, data.y
    if shared_sigma:  # one sd around one mean: the plain mean of all observations
        return {
            "mean": np.full(J, float(np.mean(y))),
            "sd": np.full(J, float(np.std(y, ddof=1)) / np.sqrt(y.size)),
        }
    n = np.bincount(idx, minlength=J).astype(float)
    ybar = np.bincount(idx, weights=y, minlength=J) / n
    mu = float(np.mean(y))
    spread = float(np.std(y)) or 1.0
    floor = 1e-6 * spread
    for _ in range(100):
        s2 = np.bincount(idx, weights=(y - mu) ** 2, minlength=J) / n + floor**2
        w = n / s2
        new = float(np.sum(w * ybar) / np.sum(w))
        # Converged relative to the data's spread, not to |mu|: data at 1e6 +- 1e-6 need steps of 1e-13.
        if abs(new - mu) < 1e-10 * spread:
            break
        mu = new
    return {"mean": np.full(J, mu), "sd": np.full(J, 1.0 / np.sqrt(np.sum(w)))}


def preview(data: GroupedData, priors: Priors, seed: int = 0, sigma: str = "group") -> Preview | None:
    """Exact estimates of the three fits for ``data``, or ``None`` when no exact form applies.

    ``sigma="shared"``: normal data are modelled with one observation sd, so every group's
    standard error uses the pooled within-group sd.
    """
    if data.x is not None:
        return None
    shared = sigma == "shared" and data.family == "normal"
    try:
        if shared:
            se = group_standard_errors(data, pooled_sd=True)
            means = data.group_summary()["mean"].to_numpy()
            exact = exact_posterior(means, se, data.groups, priors)
            exact = replace(exact, approximate=True)
        else:
            exact = exact_from_data(data, priors)
    except (DataError, ValueError):
        return None
    y, se = exact.y, exact.se
    binomial = data.family == "binomial"
    prior_prec = 0.0 if not np.isfinite(priors.mu_scale) else 1.0 / priors.mu_scale**2

    pooled = _complete_pooling(data, exact, priors, shared)
    prec = 1.0 / se**2 + prior_prec
    unpooled = {"mean": (y / se**2 + priors.mu_loc * prior_prec) / prec, "sd": 1.0 / np.sqrt(prec)}

    if binomial:
        # Summaries on the probability scale from draws of the logit-scale normals.
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((4000, 1))
        stats = {
            "pooled": _from_draws(pooled["mean"] + z * pooled["sd"], True),
            "unpooled": _from_draws(unpooled["mean"] + z * unpooled["sd"], True),
            "hierarchical": _from_draws(exact.draws(4000, seed)["theta"], True),
        }
    else:
        hier = exact.group_summary()
        stats = {
            "pooled": _normal_interval(pooled["mean"], pooled["sd"]),
            "unpooled": _normal_interval(unpooled["mean"], unpooled["sd"]),
            "hierarchical": {k: hier[k].to_numpy() for k in ("mean", "sd", "hdi_low", "hdi_high")},
        }

    raw = data.group_summary()
    pooling = exact.group_summary()["pooling"].to_numpy()
    frames = []
    for fit, values in stats.items():
        frame = pd.DataFrame({"group": list(data.groups), "fit": fit, **values})
        frame["n"] = raw["n"].to_numpy()
        frame["raw_mean"] = raw["mean"].to_numpy()
        frame["true_mean"] = data.true_means if data.true_means is not None else np.nan
        frame["pooling"] = pooling if fit == "hierarchical" else np.nan
        frame["source"] = "exact"
        frames.append(frame[ESTIMATE_COLUMNS])
    return Preview(pd.concat(frames, ignore_index=True), exact, exact.approximate)
