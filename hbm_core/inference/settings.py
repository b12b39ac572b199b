"""Light-weight names shared by the inference modules and the pages (no PyMC import here, so a page can
draw its exact preview before the sampling stack has loaded)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Literal

Pooling = Literal["pooled", "unpooled", "hierarchical"]
POOLINGS: tuple[Pooling, ...] = ("pooled", "unpooled", "hierarchical")
Parameterization = Literal["auto", "centered", "non-centered"]

#: Synthetic data are padded to this many groups so the group slider never recompiles.
MAX_GROUPS = 12

#: At most this many fits sample at once in this process; the others queue. Default: one per two
#: cores, as each sampler runs its chains on two threads (``FitSettings.cores``). More would only
#: share the same cores (bench/load.py, 10 users on 2 cores: two at a time served about as many
#: slider moves as one, with more memory).
MAX_CONCURRENT_SAMPLERS = int(os.environ.get("PPL_MAX_SAMPLERS", max(1, (os.cpu_count() or 2) // 2)))


@dataclass(frozen=True)
class FitSettings:
    """How to sample. ``max_seconds`` stops a fit that runs too long (bounded work per user)."""

    draws: int = 1000
    tune: int = 500  # nutpie's adaptation settles well within this (its own default is 300)
    chains: int = 4
    seed: int = 1
    target_accept: float | None = None  # None: chosen from the data (parameterization.default_target_accept)
    sampler: str = "nutpie"  # or "pymc"
    parameterization: Parameterization = "auto"
    max_seconds: float = 60.0
    cores: int = 2
    #: Halve the draws of the complete- and no-pooling fits (never below :data:`MIN_SIMPLE_DRAWS`):
    #: their draws are nearly independent (bulk ESS 0.5-1.5 per draw on Explore's presets, against
    #: 0.1-0.35 for partial pooling), so half the draws still give several times the ESS of 400 the
    #: diagnostics ask for. The live pages set it (#22: server work per slider move).
    lighter_simple_fits: bool = False

    def with_(self, **changes) -> FitSettings:
        return replace(self, **changes)

    def for_pooling(self, pooling: Pooling) -> FitSettings:
        """The settings one fit of ``pooling`` runs with (see :attr:`lighter_simple_fits`)."""
        if not self.lighter_simple_fits or pooling == "hierarchical":
            return self
        return replace(self, draws=max(min(MIN_SIMPLE_DRAWS, self.draws), self.draws // 2))


#: Fewest draws per chain :attr:`FitSettings.lighter_simple_fits` goes down to.
MIN_SIMPLE_DRAWS = 250

#: Tuning steps per chain of Explore's live fits: nutpie's own default, which every slider move pays
#: for three times (#22). Measured on Explore's six presets x four seeds (partial pooling, 1000 draws):
#: 300 tuning steps left 3 fits with warnings and 12 divergences in all, 500 left 4 and 13; the ESS
#: were alike.
LIVE_TUNE = 300


#: Fewest draws and tuning steps per chain that :func:`under_load` goes down to.
MIN_DRAWS_UNDER_LOAD, MIN_TUNE_UNDER_LOAD = 250, 300


def under_load(settings: FitSettings, pending_fits: int, slots: int = MAX_CONCURRENT_SAMPLERS) -> FitSettings:
    """Lighter settings when many fits wait for the processors, so everyone still gets an answer soon.

    ``pending_fits``: fits running or queued in this process; ``slots``: fits that can sample at
    once. Up to three pending fits per slot (one user's three fits per sampler) nothing changes;
    beyond that draws and tuning steps halve, and beyond six per slot they quarter, down to
    :data:`MIN_DRAWS_UNDER_LOAD` and :data:`MIN_TUNE_UNDER_LOAD` (never below what was asked).
    The lighter fits are judged by the same diagnostics, so a fit that needed its draws says so.
    """
    backlog = pending_fits / max(slots, 1)
    if backlog <= 3:
        return settings
    factor = 2 if backlog <= 6 else 4
    draws = max(min(MIN_DRAWS_UNDER_LOAD, settings.draws), settings.draws // factor)
    tune = max(min(MIN_TUNE_UNDER_LOAD, settings.tune), settings.tune // factor)
    return settings.with_(draws=draws, tune=tune)
