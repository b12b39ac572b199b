"""Pointwise log-likelihood of a fit: one value per draw and per data row, for PSIS-LOO.

PSIS-LOO (``az.loo``) needs log p(y_i | parameters) for every posterior draw and every
observation i. The app's models cannot give it themselves: normal data without a predictor enter
them through each group's count, mean and sum of squares (:mod:`hbm_core.models.build`), whose
likelihood terms are per group, not per observation. So it is computed here from the posterior
draws and the data, in NumPy, for all draws and rows at once:

=========  ======================================================  ===========================
family     log p(y_i | draw)                                       one row is
=========  ======================================================  ===========================
normal     log Normal(y_i | loc_g[i] + beta x_i, sigma_g[i])        an observation (a house)
known_se   log Normal(y_j | theta_j, se_j)                          a group (a school)
binomial   log Binomial(y_i | n_i, logit^-1(loc_g[i] + beta x_i))   a row of successes/trials
=========  ======================================================  ===========================

``loc`` is mu for complete pooling and theta_j otherwise; sigma is one per group or shared. The
binomial coefficient is included, as in PyMC's and R's ``dbinom`` log densities, so elpd values
are comparable with published ones. ``tests/test_log_likelihood.py`` checks the values against
PyMC's own ``pm.compute_log_likelihood`` on per-observation models of every family, and their sum
against the app's summarised models.

Why not PyMC: ``pm.compute_log_likelihood`` compiles a function of the per-observation model and
calls it draw by draw (seconds for 919 houses x 4000 draws); here it is a few array operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.special import gammaln, log_expit

from hbm_core.data.groups import GroupedData
from hbm_core.inference.settings import Pooling

#: The name of the pointwise log-likelihood in the ``log_likelihood`` group (as PyMC names it).
VARIABLE = "y_obs"
#: The dim of the data rows in the ``log_likelihood`` group.
OBS_DIM = "obs"
#: At most this many values (draws x rows) are computed: beyond it every k-th draw of each chain is
#: used (memory: 8 bytes each, a few copies inside PSIS; time: about linear in it).
MAX_VALUES = 6_000_000
_LOG_2PI = float(np.log(2 * np.pi))


@dataclass(frozen=True)
class Thinning:
    """How many draws went into the pointwise log-likelihood: every ``step``-th of ``draws`` per chain."""

    step: int
    draws: int

    @property
    def used(self) -> int:
        """Draws per chain kept."""
        return len(range(0, self.draws, self.step))


def thinning_for(chains: int, draws: int, rows: int, max_values: int = MAX_VALUES) -> Thinning:
    """The smallest thinning step that keeps ``chains x draws / step x rows`` within ``max_values``."""
    step = 1
    while chains * len(range(0, draws, step)) * rows > max_values and len(range(0, draws, step)) > 1:
        step += 1
    return Thinning(step, draws)


def _draws(posterior: xr.Dataset, name: str) -> np.ndarray:
    """Draws of ``name`` as (chain, draw[, group]) float array."""
    if name not in posterior:
        raise ValueError(f"the posterior has no variable {name!r}")
    return np.asarray(posterior[name].values, dtype=float)


def _per_row(draws: np.ndarray, group_idx: np.ndarray) -> np.ndarray:
    """(chain, draw) -> (chain, draw, 1) for a shared value; (chain, draw, J) -> (chain, draw, n) by row."""
    return draws[..., None] if draws.ndim == 2 else draws[..., group_idx]


def pointwise_log_likelihood(posterior: xr.Dataset, data: GroupedData, pooling: Pooling) -> np.ndarray:
    """log p(y_i | draw) for every draw and data row: array (chain, draw, n_rows), in nats.

    ``posterior``: the fit's draws in the outcome's units (as :class:`FitResult` keeps them):
    ``mu`` (complete pooling) or ``theta`` (chain, draw, J), ``beta`` with a predictor, ``sigma``
    (chain, draw[, J]) for normal outcomes. ``data``: the data the fit was made from (J groups,
    n rows). Raises ValueError when the posterior lacks a parameter the likelihood needs.
    """
    idx = np.asarray(data.group_idx, dtype="int64")
    location = _per_row(_draws(posterior, "mu" if pooling == "pooled" else "theta"), idx)
    if location.ndim == 3 and location.shape[-1] == 1:
        location = np.broadcast_to(location, (*location.shape[:2], idx.size))
    if location.shape[-1] != idx.size:
        raise ValueError(f"the posterior has {location.shape[-1]} groups' values for {idx.size} rows")
    if data.x is not None:
        location = location + _draws(posterior, "beta")[..., None] * np.asarray(data.x, dtype=float)
    y = np.asarray(data.y, dtype=float)
    if data.family == "binomial":
        n = np.asarray(data.trials, dtype=float)
        log_choose = gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)
        return log_choose + y * log_expit(location) + (n - y) * log_expit(-location)
    if data.family == "known_se":
        sd = np.asarray(data.se, dtype=float)[idx]
    else:
        sd = _per_row(_draws(posterior, "sigma"), idx)
    z = (y - location) / sd
    return -0.5 * (_LOG_2PI + z * z) - np.log(sd)


def with_log_likelihood(
    idata: xr.DataTree, data: GroupedData, pooling: Pooling, max_values: int = MAX_VALUES
) -> tuple[xr.DataTree, Thinning]:
    """A new DataTree with ``idata``'s ``posterior`` and ``sample_stats`` and a ``log_likelihood``
    group holding :data:`VARIABLE` (chain, draw, obs): what ``az.loo`` reads.

    When draws x rows exceed ``max_values`` every k-th draw of each chain is used, in all three
    groups alike (so ArviZ's relative efficiency matches); the :class:`Thinning` says so. ``idata``
    is untouched: fits are shared between sessions. The ``obs`` coordinate is the row number and
    ``group`` (along ``obs``) each row's group name.
    """
    posterior = idata["posterior"].to_dataset()
    stats = idata["sample_stats"].to_dataset() if "sample_stats" in idata.children else None
    thin = thinning_for(posterior.sizes["chain"], posterior.sizes["draw"], data.n_obs, max_values)
    if thin.step > 1:
        posterior = posterior.isel(draw=slice(None, None, thin.step))
        stats = stats.isel(draw=slice(None, None, thin.step)) if stats is not None else None
    values = pointwise_log_likelihood(posterior, data, pooling)
    groups = np.asarray(data.groups, dtype=object)[np.asarray(data.group_idx, dtype="int64")]
    log_lik = xr.Dataset(
        {VARIABLE: (("chain", "draw", OBS_DIM), values)},
        coords={
            "chain": posterior["chain"].values,
            "draw": posterior["draw"].values,
            OBS_DIM: np.arange(data.n_obs),
            "group": (OBS_DIM, groups.astype(str)),
        },
    )
    tree = {"posterior": posterior, "log_likelihood": log_lik}
    if stats is not None:
        tree["sample_stats"] = stats
    return xr.DataTree.from_dict(tree), thin
