"""The radon page's tables (no Streamlit): predictions for a new house, and every county's estimates."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from hbm_core.lessons.page_tables import fit_means
from hbm_core.posterior.predict import predictive_draws, summarize_log_scale
from hbm_core.viz.palette import FIT_LABELS


def predictions(results: Mapping, county: str, x: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictive draws of log radon in a new house (floor ``x``) in ``county`` (every fit) and in a
    new county (complete and partial pooling: no pooling knows nothing of a new county), and their
    summaries, one row per place and fit. Raises ``PredictionError`` or ``KeyError`` (a missing fit)."""
    frames, rows = [], []
    for where, group, fits in (
        (county, county, ("pooled", "unpooled", "hierarchical")),
        ("a new county", None, ("pooled", "hierarchical")),
    ):
        for fit in fits:
            draws = predictive_draws(results[fit].idata, group, x=x, seed=seed)
            frames.append(pd.DataFrame({"value": draws, "fit": fit, "where": where}))
            s = summarize_log_scale(draws)
            rows.append(
                {
                    "house in": where,
                    "fit": FIT_LABELS[fit],
                    "median pCi/L": s.natural_median,
                    "94% interval pCi/L": f"{s.natural_low:.1f} – {s.natural_high:.1f}",
                    "mean pCi/L": s.natural_mean,
                    "P(> 4 pCi/L)": s.p_above,
                    "mean log pCi/L": s.mean,
                    "sd log pCi/L": s.sd,
                }
            )
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows)


def county_table(estimates: pd.DataFrame, sizes: pd.Series) -> pd.DataFrame:
    """Every county: houses measured and each fit's intercept (``sizes``: houses by county, in order)."""
    counties = list(sizes.index)
    wide = fit_means(estimates, counties)
    table = pd.DataFrame({"county": counties, "houses": sizes.to_numpy()})
    for fit in ("unpooled", "hierarchical", "pooled"):
        if fit in wide.columns:
            table[FIT_LABELS[fit]] = wide[fit].to_numpy()
    return table
