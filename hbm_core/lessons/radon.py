"""The radon page's tables (no Streamlit): predictions for a new house, and every county's estimates."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
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


#: County size bands of the shrinkage-by-size reading: (smallest n, largest n, label).
SIZE_BANDS = ((1, 5, "1–5 houses"), (6, 20, "6–20 houses"), (21, None, "more than 20 houses"))


def moves_by_size(estimates: pd.DataFrame, bands=SIZE_BANDS) -> pd.DataFrame:
    """How far partial pooling moved the counties of each size band, from the long estimates table
    (columns group, fit, mean, n; ``pooling`` on the partial-pooling rows when present).

    One row per non-empty band, in order: ``band``, ``counties``, ``mean_move`` (mean |partial −
    no pooling|), ``mean_pooling`` (mean pooling factor, NaN when unknown).
    """
    est = estimates.assign(group=estimates["group"].astype(str))
    unpooled = est[est["fit"] == "unpooled"].set_index("group")
    hier = est[est["fit"] == "hierarchical"].set_index("group").reindex(unpooled.index)
    move = (hier["mean"] - unpooled["mean"]).abs()
    pooling = hier["pooling"] if "pooling" in hier.columns else pd.Series(np.nan, index=hier.index)
    n = unpooled["n"]
    rows = []
    for low, high, label in bands:
        inside = (n >= low) & (n <= (high if high is not None else np.inf))
        if inside.any():
            rows.append(
                {
                    "band": label,
                    "counties": int(inside.sum()),
                    "mean_move": float(move[inside].mean()),
                    "mean_pooling": float(pooling[inside].mean()),
                }
            )
    return pd.DataFrame(rows, columns=["band", "counties", "mean_move", "mean_pooling"])


def size_reading(estimates: pd.DataFrame, unit: str = "log pCi/L", bands=SIZE_BANDS) -> str:
    """What the shrinkage-against-size chart shows, computed: the average move of each size band
    (with its mean pooling factor) and whether the moves fall with county size on these data.

    Smaller counties have larger standard errors σ_y/√n, hence larger pooling factors; whether they
    also *move* more depends on how far their own estimates sit from μ_α, so the verdict is read off
    the numbers, not assumed.
    """
    table = moves_by_size(estimates, bands)
    if table.empty:
        return ""

    def band(row) -> str:
        pf = f", mean pooling factor {row.mean_pooling:.2f}" if np.isfinite(row.mean_pooling) else ""
        word = "county" if row.counties == 1 else "counties"
        return f"{row.mean_move:.2f} {unit} for the {row.counties} {word} with {row.band}{pf}"

    parts = [band(row) for row in table.itertuples()]
    if len(parts) == 1:
        only = table.iloc[0]
        return f"Every county has {only['band']}: the average move is {only['mean_move']:.2f} {unit}."
    listed = "; ".join(parts[:-1]) + f"; and {parts[-1]}"
    moves = table["mean_move"].to_numpy()
    if np.all(np.diff(moves) < 0):
        verdict = (
            "On these data smaller counties moved more on average: their own estimates rest on few houses, "
            "so their standard errors σ_y/√n are large next to σ_α and their pooling factors are high."
        )
    else:
        verdict = (
            "On these data the average move does not fall steadily with size: a move is the pooling factor "
            "times the county's distance from μ_α, and some counties sit closer to it than others."
        )
    return f"Average move from no pooling to partial pooling: {listed}. {verdict}"
