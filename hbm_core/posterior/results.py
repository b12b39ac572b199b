"""Turning posterior draws into what the pages show: estimates per group and diagnostics."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit

from hbm_core.data.groups import GroupedData
from hbm_core.models.parameterization import group_standard_errors
from hbm_core.posterior.predict import posterior_dataset, stacked
from hbm_core.posterior.rank_diagnostics import rank_diagnostics
from hbm_core.posterior.summaries import ESTIMATE_COLUMNS, HDI_PROB, summarize_draws  # noqa: F401  (re-exported)
from hbm_core.posterior.thresholds import MAX_RHAT, MIN_ESS_PER_CHAIN


@dataclass
class Diagnostics:
    """Convergence diagnostics of one fit, and how it was made.

    ``max_rhat``, ``min_ess_bulk`` and ``min_ess_tail`` are over the parameters of the
    groups in use (padding groups excluded). ``seconds`` is sampling wall time.
    """

    divergences: int
    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    sampler: str
    parameterization: str
    seconds: float
    draws: int
    chains: int
    target_accept: float
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.warnings

    def to_dict(self) -> dict:
        out = asdict(self)
        out["ok"] = self.ok
        for key in ("max_rhat", "min_ess_bulk", "min_ess_tail", "seconds"):
            out[key] = round(float(out[key]), 4)
        return out


def plain_warnings(
    divergences: int, max_rhat: float, min_ess_bulk: float, min_ess_tail: float, chains: int, draws: int
) -> list[str]:
    """Plain-language readings of the diagnostics; empty when all is well."""
    notes = []
    total = chains * draws
    if divergences:
        notes.append(
            f"{divergences} divergent transitions ({100 * divergences / total:.1f}% of draws): the sampler "
            "hit a region it could not explore (often the funnel of a hierarchical model), so the "
            "posterior may be biased. Try the other parameterization or a higher target_accept."
        )
    if not np.isfinite(max_rhat) or max_rhat > MAX_RHAT:
        notes.append(
            f"R-hat is {max_rhat:.3f} (should be at most {MAX_RHAT}): the chains disagree, so they have "
            "not converged to the same distribution. Run longer or reparameterize."
        )
    min_ess = MIN_ESS_PER_CHAIN * chains
    if not np.isfinite(min_ess_bulk) or min_ess_bulk < min_ess:
        notes.append(
            f"Bulk effective sample size is only {min_ess_bulk:.0f} (want at least {min_ess}): "
            "estimates of means and sds are noisy. Draw more samples."
        )
    if not np.isfinite(min_ess_tail) or min_ess_tail < min_ess:
        notes.append(
            f"Tail effective sample size is only {min_ess_tail:.0f} (want at least {min_ess}): "
            "the interval ends are unreliable. Draw more samples."
        )
    return notes


def model_scale_draws(posterior, pooling: str, n_groups: int) -> np.ndarray:
    """Each group's location per draw on the model's scale (logits for binomial), shape (S, J).

    Complete pooling (``pooling == "pooled"``) gives every group the common ``mu``; the other fits
    use ``theta``, which must have ``n_groups`` groups. With a predictor these are intercepts
    (x = 0). ``posterior``: a fit's DataTree, its posterior node or Dataset, dims (chain, draw[, group]).
    """
    if pooling == "pooled":
        return np.repeat(stacked(posterior, "mu")[:, None], n_groups, axis=1)
    theta = stacked(posterior, "theta")
    if theta.ndim != 2 or theta.shape[1] != n_groups:
        raise ValueError(f"theta has shape {theta.shape[1:]}, expected ({n_groups},) groups")
    return theta


def group_draws(posterior, data: GroupedData, pooling: str) -> np.ndarray:
    """Each group's estimate per draw, shape (S, J), on the outcome scale (probabilities for binomial).

    :func:`model_scale_draws`, back-transformed for binomial data.
    """
    draws = model_scale_draws(posterior, pooling, data.n_groups)
    return expit(draws) if data.family == "binomial" else draws


def pooling_factors(posterior, data: GroupedData) -> np.ndarray:
    """Posterior mean pooling factor se_j^2 / (se_j^2 + tau^2) per group, shape (J,).

    0 means the group keeps its own estimate, 1 means it is pulled all the way to mu.
    se_j is sigma_j / sqrt(n_j) per draw when sigma is a parameter, else the data's se.
    """
    tau = stacked(posterior, "tau")[:, None]
    if data.family == "normal" and "sigma" in posterior:
        sigma = stacked(posterior, "sigma")
        if sigma.ndim == 1:
            sigma = sigma[:, None]
        n = np.bincount(data.group_idx, minlength=data.n_groups)
        se2 = sigma**2 / n
    else:
        se2 = group_standard_errors(data)[None, :] ** 2
    return np.mean(se2 / (se2 + tau**2), axis=0)


def estimates_table(posterior, data: GroupedData, pooling: str) -> pd.DataFrame:
    """Tidy per-group estimates for one fit; columns :data:`ESTIMATE_COLUMNS`."""
    table = summarize_draws(group_draws(posterior, data, pooling))
    raw = data.group_summary()
    table.insert(0, "group", list(data.groups))
    table.insert(1, "fit", pooling)
    table["n"] = raw["n"].to_numpy()
    table["raw_mean"] = raw["mean"].to_numpy()
    table["true_mean"] = data.true_means if data.true_means is not None else np.nan
    # The pooling factor se^2 / (se^2 + tau^2) is that of a group mean: with a varying slope each
    # intercept also borrows through its slope's correlation, so it has no such single number.
    simple = pooling == "hierarchical" and "theta_slope" not in posterior
    table["pooling"] = pooling_factors(posterior, data) if simple else np.nan
    table["source"] = "mcmc"
    return table[ESTIMATE_COLUMNS]


def population_table(posterior) -> pd.DataFrame:
    """Summary of the population-level parameters present (mu, tau, beta, shared sigma, and gamma,
    the slope on a group-level predictor; a varying slope adds tau_slope and rho).

    Columns: parameter, mean, sd, hdi_low, hdi_high; on the model's scale (logit for binomial).
    """
    rows = []
    for name in ("mu", "tau", "beta", "sigma", "gamma", "tau_slope", "rho"):
        if name in posterior and posterior[name].ndim == 2:
            row = summarize_draws(stacked(posterior, name)[:, None]).iloc[0].to_dict()
            rows.append({"parameter": name, **row})
    return pd.DataFrame(rows, columns=["parameter", "mean", "sd", "hdi_low", "hdi_high"])


def convergence(posterior, var_names: list[str]) -> tuple[float, float, float]:
    """(max R-hat, min bulk ESS, min tail ESS) over ``var_names``: ArviZ's rank-normalised split
    R-hat and bulk / tail ESS (tail ESS at the 5% and 95% quantiles, as Vehtari et al. 2021 define
    it), all parameters at once through :func:`~hbm_core.posterior.rank_diagnostics.rank_diagnostics`
    (see there why it is not ArviZ's own loop).

    R-hat ignores undefined values; an undefined ESS (NaN) is skipped unless every ESS is.
    ``posterior``: a fit's DataTree, its ``posterior`` node or the posterior Dataset.
    """
    posterior = posterior_dataset(posterior)
    present = [v for v in var_names if v in posterior]
    if not present:
        return np.nan, np.nan, np.nan
    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    columns = [
        posterior[v].transpose("chain", "draw", ...).values.reshape(chains, draws, -1) for v in present
    ]
    rhat, ess_bulk, ess_tail = rank_diagnostics(np.concatenate(columns, axis=2))

    def smallest(values: np.ndarray) -> float:
        return float(np.nanmin(values)) if values.size and not np.isnan(values).all() else np.nan

    finite = rhat[np.isfinite(rhat)]
    return (float(finite.max()) if finite.size else np.nan), smallest(ess_bulk), smallest(ess_tail)


def logit_estimates_table(posterior, data: GroupedData, pooling: str) -> pd.DataFrame:
    """:func:`estimates_table` of a binomial fit on the logit scale (the model's own scale).

    Same columns; ``mean``, ``sd`` and the HDI summarise the logit draws of ``theta`` (``mu`` for
    complete pooling), ``raw_mean`` is the logit of each group's raw proportion (clipped to
    [0.5/n, 1 - 0.5/n] so that 0 and 1 stay finite) and ``true_mean`` the logit of ``data.true_means``.
    """
    if data.family != "binomial":
        raise ValueError(f"logit estimates need binomial data, not {data.family!r}")
    table = summarize_draws(model_scale_draws(posterior, pooling, data.n_groups))
    raw = data.group_summary()
    n = raw["n"].to_numpy(dtype=float)
    p = np.clip(raw["mean"].to_numpy(dtype=float), 0.5 / n, 1 - 0.5 / n)
    table.insert(0, "group", list(data.groups))
    table.insert(1, "fit", pooling)
    table["n"] = raw["n"].to_numpy()
    table["raw_mean"] = np.log(p / (1 - p))
    if data.true_means is not None:
        t = np.asarray(data.true_means, dtype=float)
        with np.errstate(divide="ignore"):
            table["true_mean"] = np.log(t / (1 - t))
    else:
        table["true_mean"] = np.nan
    table["pooling"] = pooling_factors(posterior, data) if pooling == "hierarchical" else np.nan
    table["source"] = "mcmc"
    return table[ESTIMATE_COLUMNS]
