"""Posterior predictions for a new observation: in a group we have data for, or in a new group.

Pure numpy on the posterior draws of a fit (``FitResult.idata``, a DataTree, or its ``posterior``);
no model is rebuilt and nothing is resampled. Notation: S posterior draws (chains x draws,
stacked), J groups, ``x`` the individual-level predictor (radon: floor, 0 = basement).

Which quantities are used depends on the fit, recognised from the variables in the posterior:

=================  ==============================  =======================================
fit                an existing group j             a new group
=================  ==============================  =======================================
complete pooling   ``mu + beta x``                 ``mu + beta x`` (all groups are alike)
no pooling         ``theta_j + beta x``            undefined: :class:`PredictionError`
partial pooling    ``theta_j + beta x``            ``alpha_new + beta x``,
                                                   ``alpha_new ~ Normal(mu, tau)``
=================  ==============================  =======================================

A new observation adds the observation noise: ``y_new ~ Normal(location, sigma)`` (normal
outcomes, with a shared ``sigma`` or the group's own). For binomial fits the location is the
logit of the success probability and there is no ``sigma``: use :func:`location_draws`.

Every function takes a ``seed`` where it draws random numbers, so a page shows the same
picture on every rerun.

:func:`stacked` (draws with chains stacked), :func:`group_index` (a group's position) and
:func:`posterior_dataset` are how every part of the app reads a posterior's draws.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import xarray as xr

    #: A fit's DataTree (ArviZ 1.x), its ``posterior`` node, or the posterior Dataset.
    Posterior = xr.DataTree | xr.Dataset

#: Central interval reported for predictions (matches the app's 94% HDIs elsewhere).
PRED_PROB = 0.94

#: EPA's recommended action level for indoor radon, in pCi/L.
EPA_ACTION_LEVEL = 4.0


class PredictionError(ValueError):
    """A prediction the fit cannot make (e.g. a new group under no pooling); message for the user."""


def posterior_dataset(fit_or_posterior: Posterior) -> xr.Dataset:
    """The posterior Dataset of a fit's DataTree, of its ``posterior`` node (or the Dataset itself),
    dims (chain, draw[, group])."""
    import xarray as xr  # loaded already by whoever holds a posterior

    posterior = fit_or_posterior
    if isinstance(posterior, xr.DataTree) and "posterior" in posterior.children:
        posterior = posterior["posterior"]
    return posterior.to_dataset() if isinstance(posterior, xr.DataTree) else posterior


def stacked(posterior: Posterior, name: str) -> np.ndarray:
    """Draws of variable ``name`` with chains stacked: shape (S,) for scalars, (S, J) per group.

    ``posterior``: a fit's ``xarray.DataTree``, its ``posterior`` node or the posterior Dataset,
    with dims (chain, draw[, group]).
    """
    posterior = posterior_dataset(posterior)
    if name not in posterior:
        raise PredictionError(f"The fit has no parameter {name!r}.")
    values = np.asarray(posterior[name].values, dtype=float)
    return values.reshape((-1,) + values.shape[2:])


def fit_kind(posterior) -> str:
    """``"hierarchical"``, ``"unpooled"`` or ``"pooled"``, from the variables present."""
    posterior = posterior_dataset(posterior)
    if "tau" in posterior:
        return "hierarchical"
    if "theta" in posterior:
        return "unpooled"
    return "pooled"


def group_index(posterior: Posterior, group: str | int) -> int:
    """Position of ``group`` (a label of the ``group`` coordinate, or an index) in the group dim."""
    posterior = posterior_dataset(posterior)
    labels = [str(g) for g in posterior["group"].values] if "group" in posterior.coords else []
    if isinstance(group, int | np.integer):
        if not 0 <= int(group) < len(labels):
            raise PredictionError(f"There is no group number {group}; the fit has {len(labels)} groups.")
        return int(group)
    if str(group) not in labels:
        raise PredictionError(f"There is no group called {group!r} in this fit.")
    return labels.index(str(group))


def _slope_term(posterior, x: float) -> np.ndarray | float:
    """``beta * x`` per draw, shape (S,), or 0.0 when x is 0 or the fit has no predictor."""
    posterior = posterior_dataset(posterior)
    if "beta" not in posterior:
        if x != 0:
            raise PredictionError("This fit has no predictor, so x must be 0.")
        return 0.0
    return stacked(posterior, "beta") * float(x)


def location_draws(posterior, group: str | int | None, x: float = 0.0, seed: int = 0) -> np.ndarray:
    """The mean of a new observation per posterior draw, shape (S,), on the model's scale.

    ``group``: a group's label (or index) for an observation in that group, ``None`` for a group
    the data do not contain. For partial pooling a new group's intercept is drawn once per
    posterior draw, ``alpha_new = mu + tau z`` with ``z ~ Normal(0, 1)`` from ``seed``.
    For binomial fits this is the logit of the success probability.
    """
    posterior = posterior_dataset(posterior)
    kind = fit_kind(posterior)
    if kind == "pooled":
        base = stacked(posterior, "mu")
    elif group is not None:
        base = stacked(posterior, "theta")[:, group_index(posterior, group)]
    elif kind == "unpooled":
        raise PredictionError(
            "No pooling treats every group on its own, so it says nothing about a group without data."
        )
    else:
        mu, tau = stacked(posterior, "mu"), stacked(posterior, "tau")
        z = np.random.default_rng([int(seed), 1]).standard_normal(mu.shape[0])
        base = mu + tau * z
    return base + _slope_term(posterior, x)


def _sigma_draws(posterior, group: str | int | None) -> np.ndarray:
    """Observation sd per draw, shape (S,): the shared sigma, or the group's own."""
    posterior = posterior_dataset(posterior)
    if "sigma" not in posterior:
        raise PredictionError("This fit has no observation sd (binomial data): use location_draws.")
    sigma = stacked(posterior, "sigma")
    if sigma.ndim == 1:
        return sigma
    if group is None:
        raise PredictionError("With one sd per group there is no observation sd for a new group.")
    return sigma[:, group_index(posterior, group)]


def predictive_draws(
    posterior, group: str | int | None, x: float = 0.0, seed: int = 0, per_draw: int = 1
) -> np.ndarray:
    """Draws of a new observation ``y_new ~ Normal(location, sigma)``, shape (S * per_draw,).

    ``group`` and ``x`` as in :func:`location_draws`; ``per_draw`` new observations are drawn for
    every posterior draw (more makes a smoother density, not a more accurate one). Draws are in
    posterior-draw order, repeated ``per_draw`` times: ``out.reshape(per_draw, S)``.
    """
    if per_draw < 1:
        raise PredictionError("per_draw must be at least 1.")
    loc = location_draws(posterior, group, x, seed)
    sigma = _sigma_draws(posterior, group)
    eps = np.random.default_rng([int(seed), 2]).standard_normal((int(per_draw), loc.shape[0]))
    return (loc[None, :] + sigma[None, :] * eps).ravel()


@dataclass(frozen=True)
class PredictiveMoments:
    """Exact mean and sd of the predictive distribution given the posterior draws.

    By the law of total variance, ``sd**2 = sd_location**2 + sd_group**2 + sd_noise**2``:
    uncertainty about the group's (or population's) mean, the spread between groups (new group
    under partial pooling only) and house-to-house noise. Units: the outcome's.
    """

    mean: float
    sd: float
    sd_location: float
    sd_group: float
    sd_noise: float


def predictive_moments(posterior, group: str | int | None, x: float = 0.0) -> PredictiveMoments:
    """Mean and sd of ``y_new`` without Monte Carlo noise from the new draws (see the class)."""
    posterior = posterior_dataset(posterior)
    kind = fit_kind(posterior)
    new_group = group is None and kind == "hierarchical"
    if new_group:
        loc = stacked(posterior, "mu") + _slope_term(posterior, x)
        var_group = float(np.mean(stacked(posterior, "tau") ** 2))
    else:
        loc = location_draws(posterior, group, x)
        var_group = 0.0
    var_noise = float(np.mean(_sigma_draws(posterior, group) ** 2))
    var_loc = float(np.var(loc))
    return PredictiveMoments(
        mean=float(np.mean(loc)),
        sd=float(np.sqrt(var_loc + var_group + var_noise)),
        sd_location=float(np.sqrt(var_loc)),
        sd_group=float(np.sqrt(var_group)),
        sd_noise=float(np.sqrt(var_noise)),
    )


@dataclass(frozen=True)
class LogScaleSummary:
    """A prediction made on the log scale, summarised there and back on the original scale.

    ``mean``, ``sd``, ``median``, ``low``, ``high``: log scale (``low``/``high``: central
    ``prob`` interval). ``natural_*``: the same on the original scale, ``exp(...)`` of the
    quantiles (so the interval and median carry over exactly) and the mean of ``exp(draws)``.
    ``p_above``: the probability of exceeding ``threshold`` (original scale).
    """

    mean: float
    sd: float
    median: float
    low: float
    high: float
    natural_mean: float
    natural_median: float
    natural_low: float
    natural_high: float
    threshold: float
    p_above: float
    prob: float

    def to_dict(self) -> dict:
        return asdict(self)


def summarize_log_scale(
    draws: np.ndarray, prob: float = PRED_PROB, threshold: float = EPA_ACTION_LEVEL
) -> LogScaleSummary:
    """Summary of log-scale draws, shape (S,), e.g. log radon, with ``exp`` back to pCi/L."""
    draws = np.asarray(draws, dtype=float).ravel()
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        raise PredictionError("No finite draws to summarise.")
    if not 0 < prob < 1:
        raise PredictionError("The interval probability must be between 0 and 1.")
    lo, med, hi = np.quantile(draws, [(1 - prob) / 2, 0.5, (1 + prob) / 2])
    with np.errstate(over="ignore"):
        natural_mean = float(np.mean(np.exp(draws)))
    return LogScaleSummary(
        mean=float(np.mean(draws)),
        sd=float(np.std(draws, ddof=1)) if draws.size > 1 else 0.0,
        median=float(med),
        low=float(lo),
        high=float(hi),
        natural_mean=natural_mean,
        natural_median=float(np.exp(med)),
        natural_low=float(np.exp(lo)),
        natural_high=float(np.exp(hi)),
        threshold=float(threshold),
        p_above=float(np.mean(draws > np.log(threshold))),
        prob=float(prob),
    )
