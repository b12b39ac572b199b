"""The reading of the PSIS-LOO comparison: which pooling predicts best, by how much, how sure.

Every sentence is computed from the comparison (:class:`hbm_core.posterior.loo.Comparison`):
which fit has the highest elpd_loo, how far each other fit is behind it in units of the standard
error of the difference, whether the data can tell the fits apart (a difference within about two
standard errors, or under 4, cannot), and which rows have a high Pareto k, in which groups, and why
(a row that is its group's only data, or one of few, leaves that group's own parameter to its prior
when left out: the posterior without it differs too much from the full one for importance sampling).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from hbm_core.lessons.wording import join_names, plural
from hbm_core.viz.palette import FIT_LABELS

#: A difference within this many standard errors of itself is not a difference the data can show.
CLEAR_SE = 2.0
#: An elpd difference below this is small whatever its standard error: the fits predict alike, and the
#: normal approximation behind the SE is poor (Sivula, Magnusson, Matamoros & Vehtari 2022; ArviZ's
#: ``az.compare`` flags it as ``|elpd_diff| < 4``).
SMALL_DIFF = 4.0
#: At most this many group names in a sentence.
MAX_NAMES = 4


def _count(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else plural(word)}"


def _fit(fit: str) -> str:
    return FIT_LABELS.get(fit, fit)


def comparison_sentences(table: pd.DataFrame, row_word: str = "observation") -> list[str]:
    """Which fit predicts best, and each other fit's distance from it in standard errors.

    ``table``: one row per fit, best first, with columns ``fit``, ``elpd``, ``se``, ``elpd_diff``
    (≤ 0, against the best) and ``dse`` (its standard error), as :attr:`Comparison.table`.
    """
    if len(table) < 2:
        raise ValueError("a comparison needs at least two fits")
    best = table.iloc[0]
    out = [
        f"**{_fit(best['fit'])}** predicts left-out {plural(row_word)} best: elpd_loo "
        f"{best['elpd']:.1f} (SE {best['se']:.1f})."
    ]
    unclear = []
    for _, row in table.iloc[1:].iterrows():
        diff, dse = -float(row["elpd_diff"]), float(row["dse"])
        name = _fit(row["fit"])
        if not (np.isfinite(dse) and dse > 0):
            out.append(f"{name} is {diff:.1f} lower; the difference has no standard error.")
            unclear.append(name)
            continue
        ratio = diff / dse
        if diff < SMALL_DIFF:
            out.append(
                f"{name} is only {diff:.1f} lower ({ratio:.1f} times the standard error of the difference, "
                f"{dse:.1f}): a difference under {SMALL_DIFF:g} is too small to matter, whatever its SE."
            )
            unclear.append(name)
        elif ratio > CLEAR_SE:
            out.append(
                f"{name} is {diff:.1f} lower, {ratio:.1f} times the standard error of the difference "
                f"({dse:.1f}): a clear difference."
            )
        else:
            out.append(
                f"{name} is {diff:.1f} lower, only {ratio:.1f} times the standard error of the "
                f"difference ({dse:.1f})."
            )
            unclear.append(name)
    if len(unclear) == len(table) - 1:
        out.append("The differences are within about two SE or small: the data cannot tell them apart.")
    elif unclear:
        out.append(
            f"{join_names(unclear)} and {_fit(best['fit'])} are within about two SE or too close to matter: "
            "the data cannot tell them apart."
        )
    return out


def pareto_k_sentences(
    table: pd.DataFrame,
    pointwise: pd.DataFrame,
    rows_per_group: Mapping[str, int],
    row_word: str = "observation",
    group_word: str = "group",
) -> list[str]:
    """How many rows of each fit have a high Pareto k, where they are, and what it means.

    ``table`` as for :func:`comparison_sentences` plus ``good_k`` (the threshold) per fit;
    ``pointwise``: ``fit``, ``group``, ``pareto_k`` per fit and row; ``rows_per_group``: each group's
    number of rows in the data. When the row is the group (one row per group: tanks, schools) the
    sentences name the rows by the group word alone.
    """
    one_row_each = all(n == 1 for n in rows_per_group.values())
    rows = plural(row_word)
    out = []
    flagged = []
    for _, row in table.iterrows():
        fit, good_k = row["fit"], float(row["good_k"])
        ks = pointwise[pointwise["fit"] == fit]
        high = ks[ks["pareto_k"] > good_k]
        if high.empty:
            continue
        flagged.append(_fit(fit))
        worst = high.loc[high["pareto_k"].idxmax()]
        where = f"{'' if one_row_each else 'in '}{group_word} {worst['group']}"
        verb = "has" if len(high) == 1 else "have"
        sentence = (
            f"{_fit(fit)}: {len(high)} of {len(ks)} {rows} {verb} a Pareto k above {good_k:.2g} "
            f"(the highest, {worst['pareto_k']:.2f}, is {where})."
        )
        if one_row_each:
            left_to = {"unpooled": "its prior alone", "hierarchical": "the population's spread"}
            if fit in left_to:
                sentence += (
                    f" Every {group_word} has a single data row: left out, the {group_word}'s own "
                    f"parameter is left to {left_to[fit]}, a posterior far from the full one."
                )
        else:
            sentence += " " + _where_high_k(high, ks, rows_per_group, row_word, group_word)
        out.append(sentence)
    if not flagged:
        threshold = float(table["good_k"].min())
        return [f"Every Pareto k is below {threshold:.2g}: the PSIS estimates are reliable."]
    out.append(
        f"High k's make the elpd_loo of {join_names(flagged)} unreliable: "
        "read the differences involving "
        + ("it" if len(flagged) == 1 else "them")
        + " as rough, or check them by refitting without each "
        + (group_word if one_row_each else row_word)
        + " (exact leave-one-out or K-fold)."
    )
    return out


def _where_high_k(
    high: pd.DataFrame,
    ks: pd.DataFrame,
    rows_per_group: Mapping[str, int],
    row_word: str,
    group_word: str,
) -> str:
    """Which groups hold the high-k rows ``high`` (of one fit's rows ``ks``), and why: how many are
    in groups smaller than the median group, and how many of the others are among the rows the fit
    predicts worst (its lowest tenth of elpd_i: unusual rows, whose absence moves the fit)."""
    counts = high.groupby("group", observed=True).size().sort_values(ascending=False, kind="stable")
    names = [str(g) for g in counts.index[:MAX_NAMES]]
    if len(counts) > MAX_NAMES:
        names.append(_count(len(counts) - MAX_NAMES, "other"))
    median = float(np.median(list(rows_per_group.values())))
    sizes = np.array([rows_per_group.get(str(g), 0) for g in high["group"]], dtype=float)
    small = sizes < median
    worst_tenth = float(np.quantile(ks["elpd_i"], 0.1))
    far = (~small) & (high["elpd_i"].to_numpy(float) < worst_tenth)
    pronoun = "It is" if len(high) == 1 else "They are"
    text = f"{pronoun} in {group_word if len(counts) == 1 else plural(group_word)} {join_names(names)}"
    one = len(high) == 1
    reasons = []
    if small.any():
        n = int(small.sum())
        how_many = "" if one else ("all " if n == len(high) else f"{n} ")
        where = f"a small {group_word}" if one else f"{how_many}in small {plural(group_word)}"
        reasons.append(
            f"{where} (fewer {plural(row_word)} than the median {group_word}'s {median:g}), where each "
            f"{row_word} weighs heavily on its {group_word}'s parameter"
        )
    if far.any():
        n = int(far.sum())
        how_many = "" if one else ("all " if n == len(high) else f"{n} ")
        their, leaving = ("its", "leaving it out") if one else ("their", "leaving one out")
        reasons.append(
            f"{how_many}among the {plural(row_word)} the fit predicts worst (unusual for {their} "
            f"{group_word}: {leaving} moves the fit)"
        )
    return text + (": " + "; ".join(reasons) + "." if reasons else ".")


def loo_reading(
    table: pd.DataFrame,
    pointwise: pd.DataFrame,
    rows_per_group: Mapping[str, int],
    row_word: str = "observation",
    group_word: str = "group",
) -> list[str]:
    """The whole reading: :func:`comparison_sentences` then :func:`pareto_k_sentences`."""
    return [
        *comparison_sentences(table, row_word),
        *pareto_k_sentences(table, pointwise, rows_per_group, row_word, group_word),
    ]


def page_table(table: pd.DataFrame, n_rows: int) -> pd.DataFrame:
    """The comparison as the page shows it: one row per fit, best first, readable column names.

    ``table`` as :attr:`Comparison.table`; ``n_rows``: the data rows (for "k > 0.7: 3 of 48").
    """
    return pd.DataFrame(
        {
            "fit": [_fit(f) for f in table["fit"]],
            "elpd_loo": table["elpd"].to_numpy(float),
            "SE": table["se"].to_numpy(float),
            "difference to best": table["elpd_diff"].to_numpy(float),
            "SE of difference": table["dse"].to_numpy(float),
            "p_loo": table["p_loo"].to_numpy(float),
            "high Pareto k": [
                f"{int(n)} of {n_rows} (k > {k:.2g})"
                for n, k in zip(table["n_high_k"], table["good_k"], strict=True)
            ],
            "highest k": [
                f"{k:.2f} ({g})" for k, g in zip(table["max_k"], table["worst_group"], strict=True)
            ],
        }
    )


def diagnostics_line(diagnostics: Mapping[str, object]) -> str:
    """One line on the fits compared: each fit's largest R-hat, smallest bulk ESS and divergences
    (``diagnostics``: by fit, objects with ``max_rhat``, ``min_ess_bulk`` and ``divergences``)."""
    parts = [
        f"{_fit(fit)} {d.max_rhat:.3f}, {d.min_ess_bulk:,.0f}, {d.divergences}"
        for fit, d in diagnostics.items()
    ]
    return "The fits compared (largest R-hat, smallest bulk ESS, divergences): " + "; ".join(parts) + "."


def convergence_note(problems: Mapping[str, int]) -> str | None:
    """A warning when a compared fit did not pass its diagnostics (``problems``: warnings per fit)."""
    bad = [_fit(f) for f, n in problems.items() if n]
    if not bad:
        return None
    return (
        f"{join_names(bad)} did not pass the sampler's checks (see *Did the sampler work?*): an elpd_loo "
        "computed from draws that do not represent the posterior is not to be trusted either."
    )


__all__ = [
    "CLEAR_SE",
    "comparison_sentences",
    "convergence_note",
    "diagnostics_line",
    "loo_reading",
    "page_table",
    "pareto_k_sentences",
]
