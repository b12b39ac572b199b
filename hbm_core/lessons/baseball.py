"""The baseball page's tables (no Streamlit): estimates beside the rest of the season, and each
method's prediction error (Efron & Morris 1975)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from hbm_core.data.groups import GroupedData
from hbm_core.lessons import checks
from hbm_core.lessons.page_tables import fit_means
from hbm_core.lessons.wording import join_names
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


#: The baseball page's name for its truth: an observed average over new at-bats, not a true mean.
TRUTH_LABEL = "rest-of-season average"


def error_table(errors: pd.DataFrame) -> pd.DataFrame:
    """:func:`prediction_errors` as shown: the published value as text, "—" where there is none
    (a missing number must not print as "None")."""
    return pd.DataFrame(
        {
            "method": errors["method"],
            "total squared error": errors["total squared error"],
            "published": [f"{v:.3f}" if np.isfinite(v) else "—" for v in errors["published"]],
        }
    )


def error_reading(errors: pd.DataFrame) -> str:
    """How each method's total squared error compares with the raw averages', computed from
    :func:`prediction_errors` (its ``fit`` column names the raw averages ``"raw"``)."""
    table = errors.set_index("fit")
    raw = float(table.loc["raw", "total squared error"])
    best = errors.loc[errors["total squared error"].idxmin(), "method"]
    parts = []
    for _, row in table.drop(index="raw").iterrows():
        err = float(row["total squared error"])
        ratio = raw / err if err > 0 else np.inf
        if 1 / 1.05 < ratio < 1.05:
            how = "about the same"
        else:
            how = f"{ratio:.1f} times smaller" if ratio > 1 else f"{1 / ratio:.1f} times larger"
        parts.append(f"{row['method']} {err:.4f} ({how})")
    return (
        f"Against the raw averages' {raw:.4f}: {'; '.join(parts)}. Lowest here: {best}."
        if parts
        else f"Raw averages: {raw:.4f}."
    )


def prediction_reading(prob_estimates: pd.DataFrame, data: GroupedData) -> str:
    """For how many players partial pooling predicts the rest-of-season average better than no
    pooling, who it serves worse, and the largest gain: computed from the fits' estimates on the
    probability scale (``prob_estimates``: long table with ``unpooled`` and ``hierarchical`` rows)."""
    players = list(data.groups)
    means = fit_means(prob_estimates, players)
    truth = np.asarray(data.meta["remaining_avg"], dtype=float)
    own_error = np.abs(means["unpooled"].to_numpy() - truth)
    partial_error = np.abs(means["hierarchical"].to_numpy() - truth)
    tol = 0.0005  # averages are shown to 3 decimals
    better = partial_error < own_error - tol
    worse = partial_error > own_error + tol
    text = f"Partial pooling is nearer than no pooling to the {TRUTH_LABEL} for {int(better.sum())} of "
    text += f"{len(players)} players"
    losers = [p for p, w in zip(players, worse, strict=True) if w]
    if losers:
        text += (
            f"; it is further from it for {join_names(losers)}: pooling helps on average, not every player"
        )
    even = [p for p, b, w in zip(players, better, worse, strict=True) if not b and not w]
    if even:
        text += f" (equally near for {join_names(even)})"
    text += "."
    if better.any():
        gain = own_error - partial_error
        j = int(np.argmax(gain))
        text += (
            f" The largest gain is {players[j]}'s: no pooling {means['unpooled'].iloc[j]:.3f}, partial "
            f"pooling {means['hierarchical'].iloc[j]:.3f}, {TRUTH_LABEL} {truth[j]:.3f}."
        )
    return text
