"""Tables the pages show, built from data and fit results (pandas only, no Streamlit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hbm_core.inference.settings import POOLINGS
from hbm_core.viz.palette import FIT_LABELS

if TYPE_CHECKING:
    from hbm_core.data.groups import GroupedData


def fit_means(estimates: pd.DataFrame, groups) -> pd.DataFrame:
    """Each fit's posterior mean per group: one row per group (in ``groups``' order), a column per fit."""
    wide = estimates.pivot_table(index="group", columns="fit", values="mean", sort=False)
    return wide.reindex(list(groups))


def estimates_table(estimates: pd.DataFrame, data: GroupedData) -> pd.DataFrame:
    """Group by group: its size n, its true mean (simulated data), its raw estimate and each fit's mean.

    The raw estimate is the observed proportion for counts (n = trials), else the sample mean.
    """
    wide = fit_means(estimates, data.groups)
    summary = data.group_summary()
    table = pd.DataFrame({"group": wide.index, "n": summary["n"].to_numpy()})
    if data.true_means is not None:
        table["true mean"] = data.true_means
    raw_label = "observed proportion" if data.family == "binomial" else "sample mean"
    means = summary["mean"].to_numpy(dtype=float)
    digits = decimals_for(means)
    table[raw_label] = np.round(means, digits)
    for fit in POOLINGS:
        if fit in wide.columns:
            table[FIT_LABELS[fit]] = np.round(wide[fit].to_numpy(dtype=float), digits)
    return table


def decimals_for(values, significant: int = 3, least: int = 3) -> int:
    """Decimals that show the differences between ``values`` to ``significant`` digits (at least
    ``least``): 3 for values spread over units, 9 for values around 3e-6 spread by 1e-6."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return least
    spread = float(np.ptp(values)) if values.size > 1 else 0.0
    size = spread if spread > 0 else float(np.max(np.abs(values)))
    if not size > 0:
        return least
    return max(least, significant - 1 - int(np.floor(np.log10(size))))


def sampling_seconds(results) -> float:
    """The sampling wall time of all fits (``results``: FitResult by name)."""
    return float(np.sum([r.diagnostics.seconds for r in results.values()]))
