"""Grouped data: the one container every model, engine and chart reads.

A :class:`GroupedData` holds observations tagged with a group index. Three outcome
families are supported:

- ``"normal"``: one real-valued outcome per row (``y``), e.g. synthetic groups or radon;
- ``"known_se"``: one estimate per group with a known standard error (eight schools);
- ``"binomial"``: ``y`` successes out of ``trials`` per row (baseball hits, frog survival).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

Family = Literal["normal", "known_se", "binomial"]


class DataError(ValueError):
    """Input data that cannot be modelled; the message is meant for the user."""


@dataclass(frozen=True, eq=False)
class GroupedData:
    """Observations in groups.

    Attributes
    ----------
    family : "normal" | "known_se" | "binomial"
    groups : tuple of str, length J
        Group labels in index order.
    group_idx : int64 array, shape (n_obs,)
        Group of each row, values in ``0..J-1``. For ``known_se`` it is ``arange(J)``.
    y : float64 array, shape (n_obs,)
        Outcome (normal), the group's estimate (known_se) or successes (binomial).
    se : float64 array, shape (J,), optional
        Known standard error of each group's estimate (known_se only).
    trials : float64 array, shape (n_obs,), optional
        Number of trials per row (binomial only).
    x : float64 array, shape (n_obs,), optional
        An individual-level predictor with a slope common to all groups (radon: floor).
    u : float64 array, shape (J,), optional
        A group-level predictor of the group means (radon: the county's log uranium); partial
        pooling then draws each group's intercept from Normal(gamma0 + gamma1 u_j, tau).
    true_means : float64 array, shape (J,), optional
        The means the data were simulated from (synthetic data only).
    varying_slope : bool
        Whether partial pooling gives each group its own slope on ``x`` (intercepts and slopes
        drawn from a bivariate normal); needs ``x``. The other fits ignore it.
    """

    family: Family
    groups: tuple[str, ...]
    group_idx: np.ndarray
    y: np.ndarray
    se: np.ndarray | None = None
    trials: np.ndarray | None = None
    x: np.ndarray | None = None
    true_means: np.ndarray | None = None
    name: str = "data"
    y_label: str = "y"
    x_label: str | None = None
    source: str = ""
    meta: dict = field(default_factory=dict)
    u: np.ndarray | None = None
    varying_slope: bool = False

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    @property
    def n_obs(self) -> int:
        return int(self.y.shape[0])

    def counts(self) -> np.ndarray:
        """Rows per group, int array of shape (J,). For binomial data: trials per group."""
        if self.family == "binomial":
            return np.bincount(self.group_idx, weights=self.trials, minlength=self.n_groups)
        return np.bincount(self.group_idx, minlength=self.n_groups)

    def with_(self, **changes) -> GroupedData:
        """A copy with some fields replaced."""
        return replace(self, **changes)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per observation with columns group, y (+ se, trials, x)."""
        frame = pd.DataFrame(
            {
                "group": pd.Categorical(
                    np.asarray(self.groups, dtype=object)[self.group_idx],
                    categories=list(self.groups),
                ),
                "y": self.y,
            }
        )
        if self.se is not None:
            frame["se"] = self.se[self.group_idx]
        if self.trials is not None:
            frame["trials"] = self.trials
        if self.x is not None:
            frame["x"] = self.x
        return frame

    def normal_summaries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each group's count n, mean and within-group sum of squares sum (y - mean)^2, shapes (J,).

        For normal outcomes these three numbers carry all the data say about the group's mean and sd.
        """
        J, idx = self.n_groups, self.group_idx
        n = np.bincount(idx, minlength=J)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(idx, weights=self.y, minlength=J) / n
        ss = np.bincount(idx, weights=(self.y - mean[idx]) ** 2, minlength=J)
        return n, mean, ss

    def group_summary(self) -> pd.DataFrame:
        """Per-group raw summary: n, mean and sd of y (or successes/trials for binomial).

        Columns: group, n, mean, sd, se. ``mean`` is the raw (no-pooling) estimate:
        sample mean, the given estimate (known_se) or the proportion (binomial).
        ``se`` is its standard error (NaN where it cannot be computed, e.g. n = 1).
        """
        J = self.n_groups
        idx = self.group_idx
        if self.family == "known_se":
            return pd.DataFrame(
                {
                    "group": list(self.groups),
                    "n": np.ones(J, int),
                    "mean": self.y,
                    "sd": np.full(J, np.nan),
                    "se": self.se,
                }
            )
        if self.family == "binomial":
            succ = np.bincount(idx, weights=self.y, minlength=J)
            trials = np.bincount(idx, weights=self.trials, minlength=J)
            with np.errstate(invalid="ignore", divide="ignore"):
                p = succ / trials
                se = np.sqrt(p * (1 - p) / trials)
            return pd.DataFrame(
                {
                    "group": list(self.groups),
                    "n": trials.astype(int),
                    "mean": p,
                    "sd": np.full(J, np.nan),
                    "se": se,
                    "successes": succ.astype(int),
                }
            )
        n, mean, ss = self.normal_summaries()
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(ss / (n - 1))
            sd[n < 2] = np.nan
            se = sd / np.sqrt(n)
        return pd.DataFrame({"group": list(self.groups), "n": n, "mean": mean, "sd": sd, "se": se})


def group_labels(n_groups: int) -> tuple[str, ...]:
    """Default labels A, B, ..., Z, AA, AB, ... for ``n_groups`` groups."""
    labels = []
    for i in range(n_groups):
        label, k = "", i
        while True:
            label = chr(ord("A") + k % 26) + label
            k = k // 26 - 1
            if k < 0:
                break
        labels.append(label)
    return tuple(labels)


def synthetic_groups(
    sizes: list[int] | np.ndarray,
    means: list[float] | np.ndarray,
    sds: list[float] | np.ndarray,
    seed: int = 0,
    y_label: str = "outcome (units)",
) -> GroupedData:
    """Draw normal observations for each group: ``y ~ Normal(means[j], sds[j])``, ``sizes[j]`` rows.

    The draws for group j depend only on (seed, j, sizes[j], means[j], sds[j]), so moving
    one group's slider leaves the other groups' points where they were.
    """
    sizes = np.asarray(sizes, dtype=int)
    means = np.asarray(means, dtype=float)
    sds = np.asarray(sds, dtype=float)
    if not (sizes.shape == means.shape == sds.shape) or sizes.ndim != 1:
        raise DataError("sizes, means and sds must be lists of the same length.")
    if len(sizes) < 2:
        raise DataError("Partial pooling needs at least two groups.")
    if np.any(sizes < 1):
        empty = [g for g, n in zip(group_labels(len(sizes)), sizes, strict=False) if n < 1]
        raise DataError(f"Every group needs at least one observation; empty: {', '.join(empty)}.")
    if np.any(sds <= 0) or not np.all(np.isfinite(sds)):
        raise DataError("Every group's standard deviation must be positive.")
    if not np.all(np.isfinite(means)):
        raise DataError("Every group's mean must be a finite number.")
    # Standard-normal draws per group from a stream keyed by (seed, group): stable per group.
    ys = [
        mean + sd * np.random.default_rng([int(seed), j]).standard_normal(int(n))
        for j, (n, mean, sd) in enumerate(zip(sizes, means, sds, strict=False))
    ]
    return GroupedData(
        family="normal",
        groups=group_labels(len(sizes)),
        group_idx=np.repeat(np.arange(len(sizes)), sizes).astype(np.int64),
        y=np.concatenate(ys),
        true_means=means.copy(),
        name="synthetic",
        y_label=y_label,
        source=f"Simulated: y ~ Normal(true mean, true sd) per group, seed {int(seed)}.",
    )
