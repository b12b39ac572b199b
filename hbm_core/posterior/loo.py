"""Which pooling predicts best: PSIS-LOO for each fit and their comparison, with ArviZ.

For each fit, :func:`fit_loo` adds the pointwise log-likelihood
(:mod:`hbm_core.posterior.log_likelihood`) and runs ``az.loo``: the expected log pointwise
predictive density elpd_loo (how well the fit predicts each data row when that row is left out,
summed over rows, in nats; higher is better), its standard error, the effective number of
parameters p_loo and a Pareto k per row. :func:`compare_poolings` puts the fits side by side with
``az.compare`` (the difference to the best fit and the standard error of that difference).

Costs a few tenths of a second per fit (the relative efficiency's ESS, the Pareto fits), so pages
ask for it only when the user does, and each fit's result is kept with the fit itself
(:func:`fit_loo` remembers it per :class:`FitResult` object, which the fit service shares between
sessions; it is dropped with the fit).
"""

from __future__ import annotations

import threading
import warnings
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import pandas as pd

from hbm_core.inference.settings import POOLINGS
from hbm_core.posterior.log_likelihood import Thinning, with_log_likelihood

if TYPE_CHECKING:
    from hbm_core.data.groups import GroupedData
    from hbm_core.inference.jobs import FitResult

#: The Pareto k above which an observation's PSIS estimate is unreliable, for many draws
#: (ArviZ uses min(1 - 1 / log10(S), 0.7) for S draws: lower for fewer than 2,154 draws).
HIGH_K = 0.7

#: Columns of :attr:`Comparison.table`, one row per fit, best first.
TABLE_COLUMNS = (
    "fit",
    "rank",
    "elpd",
    "se",
    "elpd_diff",
    "dse",
    "p_loo",
    "n_high_k",
    "max_k",
    "worst_group",
    "worst_row",
    "good_k",
    "weight",
)


@dataclass(frozen=True)
class FitLoo:
    """PSIS-LOO of one fit.

    ``elpd`` (nats, sum over rows), ``se``, ``p_loo``; ``pareto_k`` and ``elpd_i`` shape (n_rows,);
    ``groups`` the group name of each row; ``good_k`` ArviZ's threshold for these draws;
    ``thinning`` the draws used; ``elpd_data`` ArviZ's own result (for ``az.compare``).
    """

    pooling: str
    elpd: float
    se: float
    p_loo: float
    pareto_k: np.ndarray
    elpd_i: np.ndarray
    groups: np.ndarray
    good_k: float
    thinning: Thinning
    elpd_data: object

    @property
    def high_k(self) -> np.ndarray:
        """Whether each row's Pareto k is above the threshold (bool, shape (n_rows,))."""
        return self.pareto_k > self.good_k


@dataclass(frozen=True)
class Comparison:
    """The fits compared by PSIS-LOO.

    ``table``: one row per fit, best first (columns :data:`TABLE_COLUMNS`; ``elpd_diff`` and ``dse``
    against the best fit, 0 for it; ``worst_group`` / ``worst_row`` where the largest Pareto k is).
    ``pointwise``: one row per fit and data row (``fit``, ``row``, ``group``, ``elpd_i``, ``pareto_k``).
    ``thinning``: per fit, the draws the log-likelihood used.
    """

    table: pd.DataFrame
    pointwise: pd.DataFrame
    thinning: dict[str, Thinning]


#: The comparison in plain PyMC and ArviZ, to append to a page's "Show the code" script (which defines
#: ``FITS``, pooling -> (name, model function, target_accept), and fills ``traces`` when run). PyMC
#: computes the pointwise log-likelihood from its per-observation models, an independent check of
#: this module's numbers (the same within Monte Carlo error).
SCRIPT = """

# --------------------------------------------------------------------
# Which pooling predicts best? PSIS-LOO, as the app's comparison computes it.

if __name__ == "__main__":
    for pooling, (label, build, _) in FITS.items():
        # log p(y_i | draw) for every draw and data row, stored in the trace's log_likelihood group
        pm.compute_log_likelihood(traces[pooling], model=build(), progressbar=False)
    comparison = az.compare({FITS[p][0]: traces[p] for p in FITS}, round_to="none")
    print("\\nPSIS-LOO, best first (elpd: higher is better; elpd_diff and dse: against the best):")
    print(comparison[["elpd", "se", "elpd_diff", "dse", "p", "diag_elpd"]].round(2).to_string())
"""

_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MEMO_LOCK = threading.Lock()


def fit_loo(result: FitResult, data: GroupedData) -> FitLoo:
    """PSIS-LOO of ``result``, a fit of ``data`` (computed once per fit object, then remembered)."""
    with _MEMO_LOCK:
        known = _MEMO.get(result)
    if known is not None:
        return known
    tree, thinning = with_log_likelihood(result.idata, data, result.pooling)
    with warnings.catch_warnings():  # high Pareto k's are reported on the page, not as warnings
        warnings.simplefilter("ignore")
        elpd = az.loo(tree, pointwise=True)
    loo = FitLoo(
        pooling=result.pooling,
        elpd=float(elpd.elpd),
        se=float(elpd.se),
        p_loo=float(elpd.p),
        pareto_k=np.asarray(elpd.pareto_k.values, dtype=float),
        elpd_i=np.asarray(elpd.elpd_i.values, dtype=float),
        groups=np.asarray(tree["log_likelihood"]["group"].values, dtype=str),
        good_k=float(elpd.good_k),
        thinning=thinning,
        elpd_data=elpd,
    )
    with _MEMO_LOCK:
        _MEMO[result] = loo
    return loo


def compare_poolings(results: Mapping[str, FitResult], data: GroupedData) -> Comparison:
    """PSIS-LOO of each fit in ``results`` (by pooling; at least two) and ``az.compare`` of them.

    Raises ValueError with fewer than two fits.
    """
    fits = [p for p in POOLINGS if p in results] + [p for p in results if p not in POOLINGS]
    if len(fits) < 2:
        raise ValueError("comparing predictive accuracy needs at least two fits")
    loos = {p: fit_loo(results[p], data) for p in fits}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compared = az.compare({p: loos[p].elpd_data for p in fits}, round_to="none")
    rows = []
    for fit, row in compared.iterrows():
        loo = loos[fit]
        worst = int(np.nanargmax(loo.pareto_k)) if np.isfinite(loo.pareto_k).any() else 0
        rows.append(
            {
                "fit": fit,
                "rank": int(row["rank"]),
                "elpd": loo.elpd,
                "se": loo.se,
                "elpd_diff": float(row["elpd_diff"]),
                "dse": float(row["dse"]),
                "p_loo": loo.p_loo,
                "n_high_k": int(loo.high_k.sum()),
                "max_k": float(loo.pareto_k[worst]),
                "worst_group": str(loo.groups[worst]),
                "worst_row": worst,
                "good_k": loo.good_k,
                "weight": float(row["weight"]),
            }
        )
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    pointwise = pd.concat(
        [
            pd.DataFrame(
                {
                    "fit": p,
                    "row": np.arange(loos[p].elpd_i.size),
                    "group": loos[p].groups,
                    "elpd_i": loos[p].elpd_i,
                    "pareto_k": loos[p].pareto_k,
                }
            )
            for p in fits
        ],
        ignore_index=True,
    )
    return Comparison(table, pointwise, {p: loos[p].thinning for p in fits})


__all__ = ["HIGH_K", "SCRIPT", "TABLE_COLUMNS", "Comparison", "FitLoo", "compare_poolings", "fit_loo"]
