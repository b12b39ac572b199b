"""The one module that talks to nutpie: compiling, swapping data in, starting a sampler, its trace.

Compiling goes through :mod:`hbm_core.inference.nutpie_callbacks` (a tested fork of nutpie's numba
compile whose C callbacks load from numba's disk cache), with PyTensor's numba ``SpecifyShape`` taken
from :mod:`hbm_core.inference.numba_shape_check` (no strings compiled). The rest uses only nutpie's
public API: ``nutpie.sample(..., blocking=False)`` runs in the background, can be polled
(``wait(timeout)`` raises ``TimeoutError`` while it runs) and cancelled, and calls
``progress_callback`` with every chain's progress (also without a progress bar). It returns the raw
Arrow trace (``return_raw_trace=True``): nutpie's own conversion makes hundreds of small calls that
are slow next to busy threads (nutpie 0.16.11: 27 ms alone, 95 ms to 3.9 s beside one busy
thread), so :mod:`hbm_core.inference.nutpie_trace` converts it in a few large steps (4-5 ms).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import nutpie
import xarray as xr

from hbm_core.inference import numba_shape_check, nutpie_callbacks
from hbm_core.inference.nutpie_trace import arrow_to_datatree
from hbm_core.inference.settings import FitSettings

numba_shape_check.install()  # before anything here compiles a graph (see that module)

#: How often (milliseconds) nutpie reports progress.
PROGRESS_RATE_MS = 100


class DataSwapError(ValueError):
    """New data did not match the compiled model's data containers (a bug, not a user error)."""


def compile_model(model):
    """Compile a PyMC model with nutpie (numba backend, no C compiler needed).

    1-3 s with warm disk caches (nutpie's own compile: 6-7 s, its C callbacks built anew in every
    process), 10-20 s on empty ones.
    """
    return nutpie_callbacks.compile_pymc_model(model)


def data_names(compiled) -> frozenset[str]:
    """Names of the ``pm.Data`` containers nutpie kept (those the log density uses).

    ``compiled.shared_data`` is keyed by generated ids (nutpie 0.16.11 with PyMC 6);
    ``shared_var_keys`` maps each shared variable, which carries the container's name, to its id.
    """
    return frozenset(var.name for var in compiled.shared_var_keys)


def data_values(compiled) -> dict[str, np.ndarray]:
    """The data in ``compiled``'s containers, by container name."""
    return {var.name: compiled.shared_data[key] for var, key in compiled.shared_var_keys.items()}


def with_data(compiled, inputs: Mapping[str, np.ndarray], containers: Collection[str] | None = None):
    """A copy of ``compiled`` with ``inputs`` in its data containers (compiled models are immutable).

    ``containers``: the names of the PyMC model's ``pm.Data`` containers (default: those nutpie
    kept). Every input must name one of them, and every container nutpie kept must get a value;
    otherwise a misnamed input would be dropped and the model would sample its placeholder data.
    Raises :class:`DataSwapError` naming the mismatch. Containers the log density does not use
    (nutpie leaves them out, e.g. the group index of a complete-pooling model) are not passed on.
    """
    kept = data_names(compiled)
    unknown = sorted(set(inputs) - set(kept if containers is None else containers))
    missing = sorted(kept - set(inputs))
    if unknown or missing:
        raise DataSwapError(
            "The data do not match the compiled model's data containers: "
            f"unknown {unknown or 'none'}, missing {missing or 'none'} (the model has {sorted(kept)})."
        )
    return compiled.with_data(**{name: value for name, value in inputs.items() if name in kept})


@dataclass
class Sampling:
    """A sampler running in the background.

    ``wait(timeout)`` returns its raw trace, or raises ``TimeoutError`` while it runs; ``cancel()``
    stops it (milliseconds); ``datatree(trace)`` converts the trace.
    """

    sampler: Any
    compiled: Any

    def wait(self, timeout: float | None = None):
        return self.sampler.wait(timeout=timeout)

    def cancel(self) -> None:
        self.sampler.cancel()

    def datatree(self, trace) -> xr.DataTree:
        """The trace ``wait`` returned as a DataTree (``posterior``, ``sample_stats``; no warm-up)."""
        draw_batches, stat_batches = trace.get_arrow_trace()
        return arrow_to_datatree(
            draw_batches, stat_batches, self.compiled.coords, self.compiled.reparameterized_names
        )


def start(compiled, settings: FitSettings, on_progress: Callable[[int, int], None]) -> Sampling:
    """Start sampling ``compiled`` in the background; ``on_progress(done, total)`` counts draws
    of all chains, warm-up included (called on nutpie's thread every :data:`PROGRESS_RATE_MS`)."""
    s = settings

    def report(chains: Sequence[Any]) -> None:  # one nutpie.ChainProgress per chain
        on_progress(sum(c.finished_draws for c in chains), sum(c.total_draws for c in chains))

    extra = {} if s.target_accept is None else {"target_accept": s.target_accept}  # None: nutpie's
    sampler = nutpie.sample(
        compiled,
        draws=s.draws,
        tune=s.tune,
        chains=s.chains,
        cores=min(s.cores, s.chains),
        seed=s.seed,
        save_warmup=False,
        progress_bar=False,  # the callback still runs (progress_template only shapes notebook HTML)
        progress_callback=report,
        progress_rate=PROGRESS_RATE_MS,
        return_raw_trace=True,  # converted by nutpie_trace: quick next to busy threads
        blocking=False,
        **extra,
    )
    return Sampling(sampler, compiled)
