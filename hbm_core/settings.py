"""Light-weight names shared by the engine and the pages (no PyMC import here, so a page can
draw its exact preview before the sampling stack has loaded)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Pooling = Literal["pooled", "unpooled", "hierarchical"]
POOLINGS: tuple[Pooling, ...] = ("pooled", "unpooled", "hierarchical")
Parameterization = Literal["auto", "centered", "non-centered"]

#: Synthetic data are padded to this many groups so the group slider never recompiles.
MAX_GROUPS = 12


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

    def with_(self, **changes) -> FitSettings:
        return replace(self, **changes)
