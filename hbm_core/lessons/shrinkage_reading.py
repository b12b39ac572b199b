"""What a shrinkage chart shows, in words computed from the estimates behind it.

A group's move under partial pooling is

    partial_j - own_j = B_j * (mu - own_j),   B_j = E[se_j^2 / (se_j^2 + tau^2) | y],

so it is the **pooling factor** B_j (large when the group's own standard error se_j is large
next to the between-group sd tau) times the group's **distance** from the population mean. Size
alone does not set it: se_j = sd_j / sqrt(n_j) also depends on the group's spread, and a precise
group far from the others can move further than an imprecise one close to them. The reading
below names the group that moved most and least, gives the numbers, and says which of the two
causes made the difference, so that the text agrees with the chart it stands beside whatever the
data. On synthetic data (true means known) it also names the groups that partial pooling moved
*away* from their truth: pooling helps on average, not every group.

Nothing here is fixed prose about results; :func:`shrinkage_facts` computes every fact and
:func:`shrinkage_reading` only phrases them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from hbm_core.lessons.wording import capital, named, plural

Own = Literal["unpooled", "raw"]

#: Pooling factors at or above this count as "pooled almost completely"; at or below LOW_POOLING
#: as "keeps almost its own estimate".
HIGH_POOLING, LOW_POOLING = 0.9, 0.05


def _number_format(values: np.ndarray) -> int:
    """Decimals that show differences across ``values`` with about three significant digits."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 2
    spread = float(np.ptp(finite)) or float(np.max(np.abs(finite))) or 1.0
    return int(min(max(2 - math.floor(math.log10(spread)), 0), 8))


def group_moves(estimates: pd.DataFrame, own: Own = "unpooled", center: float | None = None) -> pd.DataFrame:
    """One row per group: how far partial pooling moved it, and the two causes of the move.

    ``estimates``: the long table of a page's fits (columns ``group``, ``fit`` in {"pooled",
    "unpooled", "hierarchical"}, ``mean``, ``sd``, ``n``; ``raw_mean``, ``true_mean`` and
    ``pooling`` used when present). ``own``: the group's own estimate the move starts from, the
    no-pooling fit's mean (``"unpooled"``) or the group's raw data summary (``"raw"``: its sample
    mean or observed proportion).

    Returns columns ``group``, ``n``, ``own``, ``partial``, ``pooled`` (the complete-pooling
    estimate, NaN without that fit), ``move`` (partial - own, outcome units), ``size`` (|move|),
    ``se`` (the no-pooling fit's posterior sd, the group's standard error), ``pooling`` (the
    partial-pooling fit's pooling factor, NaN when absent), ``center`` (what partial pooling pulls
    toward: ``center``, the population mean's estimate, when given, else the complete-pooling
    estimate), ``distance`` (|center - own|) and ``true_mean`` (NaN when unknown), in the groups'
    order.
    """
    est = estimates.assign(group=estimates["group"].astype(str))
    order = list(dict.fromkeys(est["group"]))
    by_fit = {fit: rows.set_index("group").reindex(order) for fit, rows in est.groupby("fit", sort=False)}
    for needed in ("unpooled", "hierarchical"):
        if needed not in by_fit:
            raise ValueError(f"group_moves() needs rows with fit == {needed!r}")
    unpooled, hier = by_fit["unpooled"], by_fit["hierarchical"]

    def column(frame: pd.DataFrame, name: str) -> np.ndarray:
        return frame[name].to_numpy(float) if name in frame.columns else np.full(len(order), np.nan)

    own_values = column(unpooled, "raw_mean") if own == "raw" else column(unpooled, "mean")
    partial = column(hier, "mean")
    pooled = column(by_fit["pooled"], "mean") if "pooled" in by_fit else np.full(len(order), np.nan)
    frame = pd.DataFrame(
        {
            "group": order,
            "n": column(unpooled, "n"),
            "own": own_values,
            "partial": partial,
            "pooled": pooled,
            "move": partial - own_values,
            "se": column(unpooled, "sd"),
            "pooling": column(hier, "pooling"),
            "true_mean": column(unpooled, "true_mean"),
        }
    )
    frame["size"] = frame["move"].abs()
    frame["center"] = frame["pooled"] if center is None else float(center)
    frame["distance"] = (frame["center"] - frame["own"]).abs()
    return frame


@dataclass(frozen=True)
class ShrinkageFacts:
    """The facts a shrinkage reading states, all computed from one estimates table.

    ``most`` / ``least``: the groups whose move is largest / smallest at the shown precision
    (several on a tie); ``cause``: why ``most`` moved most — ``"precision"`` (it has the largest
    pooling factor), ``"distance"`` (another group has a larger pooling factor but sits closer
    to the others), ``"equal_pooling"`` (all pooling factors are equal, so only the distance
    differs), ``"none_moved"`` (no visible move) or ``""`` (no pooling factors to judge by, or
    every group moved alike); ``regime``: ``"all_pooled"`` (every pooling factor >=
    HIGH_POOLING), ``"none_pooled"`` (every pooling factor <= LOW_POOLING) or ``""``;
    ``largest_pooling``: the groups with the largest pooling factor; ``equal_sizes``: every
    group has the same n; ``smallest_n``: the groups with the smallest n;
    ``away_from_truth``: groups that ended visibly further from their true mean than their own
    estimate was (empty when the truth is unknown); ``decimals``: the precision the numbers
    are shown at; ``center_name``: what the moves are measured toward, in words.
    """

    moves: pd.DataFrame
    most: tuple[str, ...]
    least: tuple[str, ...]
    cause: str
    regime: str
    largest_pooling: tuple[str, ...]
    equal_sizes: bool
    smallest_n: tuple[str, ...]
    away_from_truth: tuple[str, ...]
    decimals: int
    center_name: str = "the complete-pooling estimate"


def _ties(values: pd.Series, groups: pd.Series, target: float, tol: float) -> tuple[str, ...]:
    return tuple(groups[(values - target).abs() <= tol].tolist())


def moved_most(sizes: pd.Series, tol: float = 0.0) -> tuple[str, ...]:
    """The groups that moved most: ``sizes`` holds each group's |move| (any unit), indexed by group;
    moves within ``tol`` of the largest tie with it (e.g. half the last digit shown). In the groups'
    order: the first is the group ``sizes.idxmax()`` names. Every reading that names "the group that
    moved most" picks it here."""
    return tuple(str(g) for g in _ties(sizes, sizes.index.to_series(), float(sizes.max()), tol))


def moved_least(sizes: pd.Series, tol: float = 0.0) -> tuple[str, ...]:
    """The groups that moved least (``sizes`` and ``tol`` as in :func:`moved_most`)."""
    return tuple(str(g) for g in _ties(sizes, sizes.index.to_series(), float(sizes.min()), tol))


def shrinkage_facts(
    estimates: pd.DataFrame,
    own: Own = "unpooled",
    center: float | None = None,
    center_label: str = "the population mean μ",
) -> ShrinkageFacts:
    """Every fact :func:`shrinkage_reading` states, from the long estimates table (:func:`group_moves`).

    ``center``: the population mean's estimate (μ), which partial pooling pulls toward; without it
    moves are measured against the complete-pooling estimate, which can differ from μ (the
    average observation against the average group); ``center_label`` names it.
    """
    moves = group_moves(estimates, own, center)
    decimals = _number_format(np.concatenate([moves["own"].to_numpy(), moves["partial"].to_numpy()]))
    tol = 0.5 * 10.0**-decimals  # two moves that print the same are a tie
    size, groups = moves["size"], moves["group"]
    most, least = moved_most(size.set_axis(groups), tol), moved_least(size.set_axis(groups), tol)
    pooling = moves["pooling"]
    has_pooling = bool(pooling.notna().all())
    largest_pooling = _ties(pooling, groups, float(pooling.max()), 0.005) if has_pooling else ()
    n = moves["n"]
    has_n = bool(n.notna().all())
    equal_sizes = has_n and n.nunique() == 1
    smallest_n = tuple(groups[n == n.min()].tolist()) if has_n else ()

    regime = ""
    if has_pooling and pooling.min() >= HIGH_POOLING:
        regime = "all_pooled"
    elif has_pooling and pooling.max() <= LOW_POOLING:
        regime = "none_pooled"
    if size.max() < tol:
        cause = "none_moved"
    elif not has_pooling or len(most) == len(moves):
        cause = ""
    elif float(pooling.max() - pooling.min()) < 0.005:
        cause = "equal_pooling"
    elif set(most) & set(largest_pooling):
        cause = "precision"
    else:
        cause = "distance"

    truth = moves["true_mean"]
    away: tuple[str, ...] = ()
    if truth.notna().all():
        # Visibly further: the errors differ at the precision the numbers are shown at.
        err_partial = (moves["partial"] - truth).abs().round(decimals)
        err_own = (moves["own"] - truth).abs().round(decimals)
        away = tuple(groups[(err_partial > err_own) & (size >= tol)].tolist())
    center_name = "the complete-pooling estimate" if center is None else center_label
    return ShrinkageFacts(
        moves,
        most,
        least,
        cause,
        regime,
        largest_pooling,
        equal_sizes,
        smallest_n,
        away,
        decimals,
        center_name,
    )


def shrinkage_reading(
    estimates: pd.DataFrame,
    *,
    unit: str = "",
    group_word: str = "group",
    own: Own = "unpooled",
    center: float | None = None,
    center_label: str = "the population mean μ",
) -> str:
    """A short reading of the shrinkage chart drawn from ``estimates`` (Markdown, 2–4 sentences).

    Which group moved most and least and by how much, why (its pooling factor, i.e. its standard
    error against τ, or its distance from the others), whether group size explains it, and, when
    true means are known, which groups were pulled away from the truth. ``unit``: appended to
    amounts (e.g. "units"; "" for none); ``group_word``: "group", "school", "county", …;
    ``own``, ``center``, ``center_label``: see :func:`shrinkage_facts`.
    """
    facts = shrinkage_facts(estimates, own, center, center_label)
    m = facts.moves.set_index("group")
    d = facts.decimals

    def num(x: float) -> str:
        return f"{x:.{d}f}"

    def amount(x: float) -> str:
        return f"{num(x)} {unit}".strip()

    def who(g: str) -> str:
        n = m.loc[g, "n"]
        return f"{group_word} {g}" + (f" (n = {int(n)})" if np.isfinite(n) else "")

    if facts.cause == "none_moved":
        return (
            f"No {group_word} moved visibly: every partial-pooling estimate is within "
            f"{amount(float(m['size'].max()))} of the {group_word}'s own estimate."
        )
    sentences = []
    top = facts.most
    if len(top) == len(m):
        sentences.append(f"Every {group_word} moved by about {amount(float(m['size'].mean()))}.")
    elif len(top) == 1:
        g = top[0]
        row = m.loc[g]
        toward = ""
        if np.isfinite(row["center"]):
            toward_center = np.sign(row["move"]) == np.sign(row["center"] - row["own"])
            direction = "toward" if toward_center else "away from"
            toward = f", {direction} {facts.center_name} {num(float(row['center']))}"
        sentences.append(
            f"{capital(who(g))} moved most: from {num(float(row['own']))} to {num(float(row['partial']))} "
            f"({amount(float(row['size']))}{toward})."
        )
    else:
        sentences.append(
            f"{capital(named(top, group_word))} moved most, by {amount(float(m.loc[top[0], 'size']))} each."
        )
    sentences.extend(_why(facts, m, num, group_word))
    if len(top) < len(m):
        low = facts.least
        each = " each" if len(low) > 1 else ""
        why_least = ""
        if (
            len(low) == 1
            and m["pooling"].notna().all()
            and m.loc[low[0], "pooling"] > m["pooling"].min() + 0.005
        ):
            # Not the most precise group: it moved least because it already sits near the others.
            why_least = f": it sits only {num(float(m.loc[low[0], 'distance']))} from {facts.center_name}"
        sentences.append(
            f"{capital(named(low, group_word)) if len(low) > 1 else capital(who(low[0]))} moved least "
            f"({amount(float(m.loc[low[0], 'size']))}{each}){why_least}."
        )

    if facts.away_from_truth:
        away = facts.away_from_truth
        if len(away) == 1:
            g = away[0]
            sentences.append(
                f"Partial pooling moved {group_word} {g} away from its true mean "
                f"{num(float(m.loc[g, 'true_mean']))} (own estimate {num(float(m.loc[g, 'own']))}, partial "
                f"pooling {num(float(m.loc[g, 'partial']))}): "
                "borrowing strength helps on average, not every group."
            )
        else:
            sentences.append(
                f"Partial pooling left {len(away)} of {len(m)} {plural(group_word)} ({', '.join(away)}) "
                "further from their true means than their own estimates: borrowing strength lowers the total "
                "error on average, not every group's."
            )
    return " ".join(sentences)


def _why(facts: ShrinkageFacts, m: pd.DataFrame, num, word: str) -> list[str]:
    """The sentences on why the top mover moved most (see ShrinkageFacts.cause and .regime)."""
    pooling = m["pooling"]

    def pf(g: str) -> str:
        return f"{pooling[g]:.2f}"

    out = []
    if facts.regime == "all_pooled":
        out.append(
            f"Every {word} is pooled almost completely (pooling factors {pooling.min():.2f} to "
            f"{pooling.max():.2f}): the {plural(word)}' own estimates differ little more than their noise "
            "would make them, so τ is estimated near 0."
        )
    elif facts.regime == "none_pooled":
        out.append(
            f"Every {word} keeps almost its own estimate (pooling factors at most {pooling.max():.2f}): "
            f"each {word}'s standard error is small next to τ, the spread between {plural(word)}."
        )
    if facts.cause not in ("precision", "distance", "equal_pooling"):
        return out
    g = facts.most[0]
    if facts.cause == "equal_pooling":
        out.append(
            f"Every {word} has the same pooling factor ({pooling.mean():.2f}), so each moves the same share "
            f"of its distance to the others, and {word} {g} sits furthest from {facts.center_name} "
            f"({num(float(m.loc[g, 'distance']))} away)."
        )
        return out
    if facts.cause == "precision":
        out.append(
            f"{capital(word)} {g}'s own estimate is the least precise next to τ (standard error "
            f"{num(float(m.loc[g, 'se']))}), so its pooling factor is the largest ({pf(g)})."
        )
    else:
        h = facts.largest_pooling[0]
        out.append(
            f"{capital(word)} {h} has the larger pooling factor ({pf(h)} against {pf(g)}), but a move is "
            f"the pooling factor times the distance to the others: {word} {g} sits "
            f"{num(float(m.loc[g, 'distance']))} from {facts.center_name}, {word} {h} only "
            f"{num(float(m.loc[h, 'distance']))}."
        )
    if facts.equal_sizes:
        out.append(
            f"All {plural(word)} have the same size (n = {int(m['n'].iloc[0])}), so their different pooling "
            "factors come from their different spreads, not from n."
        )
    elif facts.smallest_n and not set(facts.smallest_n) & set(facts.largest_pooling):
        out.append(
            f"The smallest {word} is not the one pulled hardest: the pull follows the standard error "
            "(sd/√n), not n alone."
        )
    return out


def own_estimate_for(family: str) -> Own:
    """Where a shrinkage arrow starts for data of ``family`` ("normal", "binomial", "known_se").

    Counts start at the observed proportion: a no-pooling posterior under a prior on the logit
    cannot reach 0 or 1 (2 successes in 2 trials give about 0.73), so starting there would hide
    the largest moves. Other families start at the no-pooling fit, which sits on the sample mean
    (or the given estimate) up to its weak prior.
    """
    return "raw" if family == "binomial" else "unpooled"


def own_data_note(estimates: pd.DataFrame, *, group_word: str = "group", threshold: float = 0.05) -> str:
    """For counts: the groups whose no-pooling posterior mean differs from their observed proportion
    by more than ``threshold`` (probability scale), named with both numbers; '' when none do.

    Says why the arrows (which start at the observed proportion, :func:`own_estimate_for`) and the
    no-pooling fit's estimates differ for those groups.
    """
    moves_fit, moves_raw = group_moves(estimates, "unpooled"), group_moves(estimates, "raw")
    gap = (moves_fit["own"] - moves_raw["own"]).abs()
    far = moves_fit.loc[gap > threshold, "group"].tolist()
    if not far:
        return ""
    worst = str(moves_fit.loc[gap.idxmax(), "group"])
    raw = float(moves_raw.set_index("group").loc[worst, "own"])
    fit = float(moves_fit.set_index("group").loc[worst, "own"])
    others = len(far) - 1
    more = f" (and {others} other {group_word}{'s' if others > 1 else ''})" if others else ""
    return (
        f"The arrows start at each {group_word}'s observed proportion. The no-pooling fit is a posterior "
        f"under its prior on the logit scale, so it keeps {group_word} {worst}{more} away from its own data: "
        f"{fit:.3f} against the observed {raw:.3f}."
    )


def interval_reading(
    estimates: pd.DataFrame, *, fit: str = "unpooled", unit: str = "", group_word: str = "group"
) -> str:
    """Which group's 94% interval under ``fit`` is widest and why (few observations or a wide spread).

    ``estimates``: the long table (``hdi_low``, ``hdi_high``, ``sd``, ``n`` used). The spread of a
    group's observations is recovered as se * sqrt(n) (the no-pooling posterior sd is its standard
    error), so "why" is told from the same numbers the interval comes from.
    """
    rows = estimates[estimates["fit"] == fit].assign(group=lambda f: f["group"].astype(str))
    if rows.empty or rows[["hdi_low", "hdi_high"]].isna().any().any():
        return ""
    width = (rows["hdi_high"] - rows["hdi_low"]).to_numpy(float)
    d = _number_format(width)
    tol = 0.5 * 10.0**-d
    groups = rows["group"].to_numpy()
    widest = groups[width >= width.max() - tol]
    if len(widest) == len(groups):
        return f"Every {group_word}'s interval is about {width.mean():.{d}f} {unit} wide.".replace("  ", " ")
    g = widest[0]
    i = int(np.flatnonzero(groups == g)[0])
    amount = f"{width[i]:.{d}f} {unit}".strip()
    n = rows["n"].to_numpy(float) if "n" in rows.columns else np.full(len(groups), np.nan)
    name = named(tuple(widest), group_word)
    text = f"{capital(name)} {'has' if len(widest) == 1 else 'have'} the widest interval ({amount} wide)"
    its = "its" if len(widest) == 1 else "their"
    if not np.isfinite(n).all():
        return text + "."
    if n[i] == n.min() and (n > n.min()).any():
        return text + f": {its} mean rests on the fewest observations."
    if n.min() == n.max():
        return text + f": with equal sizes, {its} observations are the most spread out."
    spread = rows["sd"].to_numpy(float) * np.sqrt(n)
    return (
        text + f": not the smallest {group_word}, but {its} observations are more spread out "
        f"(sd about {spread[i]:.{_number_format(spread)}f})."
    )


def narrowing_reading(estimates: pd.DataFrame, *, unit: str = "", group_word: str = "group") -> str:
    """Whose 94% interval partial pooling narrowed most, from the no-pooling width to its own."""
    wide = {
        fit: rows.assign(group=rows["group"].astype(str)).set_index("group")
        for fit, rows in estimates.groupby("fit", sort=False)
        if fit in ("unpooled", "hierarchical")
    }
    if len(wide) < 2:
        return ""
    before = wide["unpooled"]["hdi_high"] - wide["unpooled"]["hdi_low"]
    after = (wide["hierarchical"]["hdi_high"] - wide["hierarchical"]["hdi_low"]).reindex(before.index)
    gain = before - after
    if gain.isna().all():
        return ""
    d = _number_format(np.concatenate([before.to_numpy(float), after.to_numpy(float)]))
    g = str(gain.idxmax())
    if gain[g] <= 0.5 * 10.0**-d:
        return f"No {group_word}'s interval got narrower under partial pooling."
    if gain[g] < 0.05 * before[g]:  # under 5%: too little to call a narrowing
        return (
            f"Partial pooling left the intervals about as wide as no pooling ({group_word} {g}'s narrowed "
            f"most, by {gain[g]:.{d}f} {unit}).".replace(" )", ")")
        )
    return (
        f"Partial pooling narrowed {group_word} {g}'s interval most: from {before[g]:.{d}f} to "
        f"{after[g]:.{d}f} {unit} wide.".replace("  ", " ").replace(" .", ".")
    )


def population_center(mu: float | None, family: str) -> float | None:
    """What partial pooling pulls toward, on the scale the estimates are shown: μ (the population
    mean's posterior mean, on the model's scale) for normal and known-SE data, expit(μ) for counts
    (the model pools on the logit scale; expit keeps the direction of every move). None stays None.
    """
    if mu is None or not np.isfinite(mu):
        return None
    return float(1.0 / (1.0 + np.exp(-mu))) if family == "binomial" else float(mu)
