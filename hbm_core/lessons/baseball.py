"""The baseball page's tables (no Streamlit): estimates beside the rest of the season, and each
method's prediction error (Efron & Morris 1975)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from hbm_core.data.groups import GroupedData
from hbm_core.lessons import checks
from hbm_core.lessons.page_tables import fit_means
from hbm_core.viz.palette import FIT_LABELS


def data_table(data: GroupedData, on_scale: Callable) -> pd.DataFrame:
    """The 18 players: hits and average after 45 at-bats, the rest of the season and James–Stein."""
    return pd.DataFrame(
        {
            "player": list(data.groups),
            "hits in 45 at-bats": data.y.astype(int),
            "average after 45": on_scale(data.y / data.trials),
            "rest-of-season at-bats": data.meta["remaining_at_bats"].astype(int),
            "rest-of-season average": on_scale(data.meta["remaining_avg"]),
            "James–Stein (Efron & Morris)": on_scale(data.meta["js_estimate"]),
        }
    )


def player_table(
    estimates: pd.DataFrame, data: GroupedData, on_scale: Callable
) -> tuple[pd.DataFrame, float]:
    """Each player's average after 45 at-bats, no and partial pooling (with its 94% interval),
    James–Stein and the rest of the season, on the page's scale (``on_scale``: probabilities -> it);
    and complete pooling's one estimate for everybody."""
    players = list(data.groups)
    wide = fit_means(estimates, players)
    hier = estimates[estimates.fit == "hierarchical"].set_index("group").reindex(players)
    table = pd.DataFrame(
        {
            "player": players,
            "after 45 at-bats": on_scale(data.y / data.trials),
            FIT_LABELS["unpooled"]: wide["unpooled"].to_numpy(),
            FIT_LABELS["hierarchical"]: wide["hierarchical"].to_numpy(),
            "94% interval": [
                f"{lo:.3f} – {hi:.3f}" for lo, hi in zip(hier["hdi_low"], hier["hdi_high"], strict=True)
            ],
            "James–Stein": on_scale(data.meta["js_estimate"]),
            "rest of season": on_scale(data.meta["remaining_avg"]),
        }
    )
    return table, float(wide["pooled"].iloc[0])


def prediction_errors(prob_estimates: pd.DataFrame, data: GroupedData, source: str) -> pd.DataFrame:
    """Total squared error against the rest-of-season averages of the raw averages, James–Stein and
    the three fits (``source``: where their estimates come from), with the published values."""
    means = fit_means(prob_estimates, data.groups)
    methods = {
        "Raw averages after 45 at-bats": (data.y / data.trials, checks.EFRON_MORRIS["sse_raw"], "raw"),
        "James–Stein (Efron & Morris)": (data.meta["js_estimate"], checks.EFRON_MORRIS["sse_js"], "js"),
    }
    for fit in ("unpooled", "hierarchical", "pooled"):
        methods[f"{FIT_LABELS[fit]} ({source})"] = (means[fit].to_numpy(), np.nan, fit)
    errors = checks.prediction_errors(
        {k: v[0] for k, v in methods.items()},
        data.meta["remaining_avg"],
        {k: v[1] for k, v in methods.items() if np.isfinite(v[1])},
    )
    errors["fit"] = [v[2] for v in methods.values()]
    return errors


def coverage_verdicts(intervals: pd.DataFrame) -> str:
    """Per fit: how many players' observed values fall inside their predictive intervals, and who missed."""
    verdicts = []
    for pooling, sub in intervals.groupby("fit", sort=False):
        missed = list(sub.loc[~sub["inside"], "group"])
        text = f"{FIT_LABELS[pooling]} {int(sub['inside'].sum())} of {len(sub)}"
        if missed:
            more = f" and {len(missed) - 3} more" if len(missed) > 3 else ""
            text += f" (missed: {', '.join(missed[:3])}{more})"
        verdicts.append(text)
    return "; ".join(verdicts)
