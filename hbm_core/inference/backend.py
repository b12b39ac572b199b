"""The one module that talks to nutpie: compiling, swapping data in, starting a sampler, its trace.

nutpie's public ``nutpie.sample(..., blocking=False)`` runs in the background and can be polled
and cancelled, but in 0.16 it reports progress only inside notebooks and converts its trace
itself, with hundreds of small calls that are slow next to busy threads (see
:mod:`hbm_core.inference.nutpie_trace`). The *fast path* therefore builds nutpie's background
sampler the way ``nutpie.sample`` does, with two differences: a progress callback, and the raw
Arrow trace. It uses nutpie internals (``_lib``, ``_BackgroundSampler``, ``_make_sampler``), so
it runs only on the versions it was written for (:data:`FAST_PATH_VERSIONS`; 0.16.11 changed
``_make_sampler``'s signature). On any other version, or if the fast path fails to start, the
*public path* samples through ``nutpie.sample`` instead: same settings, same results, but no
progress (``Sampling.reports_progress`` is false, and a warning is logged once).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import arviz as az
import numpy as np
import nutpie

from hbm_core.inference.nutpie_trace import arrow_to_inference_data
from hbm_core.inference.settings import FitSettings

log = logging.getLogger(__name__)

#: nutpie versions the fast path was written and tested for (inclusive range).
FAST_PATH_VERSIONS = ((0, 16, 0), (0, 16, 8))
#: What nutpie's progress template renders for the callback: "finished draws/total draws".
PROGRESS_TEMPLATE = "{{ total_finished_draws }}/{{ total_draws }}"


class DataSwapError(ValueError):
    """New data did not match the compiled model's data containers (a bug, not a user error)."""


def nutpie_version(text: str | None = None) -> tuple[int, ...]:
    """nutpie's version as numbers, e.g. (0, 16, 8); pre-release tags are ignored."""
    numbers = re.findall(r"\d+", (text or nutpie.__version__).split("+")[0])[:3]
    return tuple(int(n) for n in numbers)


def fast_path_supported(version: tuple[int, ...] | None = None) -> bool:
    """Whether the installed (or given) nutpie version is one the fast path was written for."""
    low, high = FAST_PATH_VERSIONS
    return low <= (version or nutpie_version()) <= high


def compile_model(model):
    """Compile a PyMC model with nutpie (numba backend, no C compiler needed). Takes 5-20 s."""
    return nutpie.compile_pymc_model(model)


def with_data(compiled, inputs: Mapping[str, np.ndarray], containers: Collection[str] | None = None):
    """A copy of ``compiled`` with ``inputs`` in its data containers (compiled models are immutable).

    ``containers``: the names of the PyMC model's ``pm.Data`` containers (default: those nutpie
    kept). Every input must name one of them, and every container nutpie kept must get a value;
    otherwise a misnamed input would be dropped and the model would sample its placeholder data
    (as when nutpie keys its data by generated ids). Raises :class:`DataSwapError` naming the
    mismatch. Containers the log density does not use (nutpie leaves them out, e.g. the group
    index of a complete-pooling model) are not passed on.
    """
    kept = set(compiled.shared_data)
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

    ``wait(timeout)`` returns its trace, or raises ``TimeoutError`` while it runs; ``cancel()``
    stops it (milliseconds). ``reports_progress``: whether ``on_progress`` is called while it runs
    (``path`` "fast"), or not (``path`` "public").
    """

    sampler: Any
    path: str
    compiled: Any

    @property
    def reports_progress(self) -> bool:
        return self.path == "fast"

    def wait(self, timeout: float | None = None):
        return self.sampler.wait(timeout=timeout)

    def cancel(self) -> None:
        self.sampler.cancel()

    def inference_data(self, trace) -> az.InferenceData:
        """The trace ``wait`` returned as ``InferenceData`` (posterior and sample stats, no warm-up)."""
        if isinstance(trace, az.InferenceData):
            return trace
        draw_batches, stat_batches = trace.get_arrow_trace()
        return arrow_to_inference_data(draw_batches, stat_batches, self.compiled.coords)


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning(message)


def start(compiled, settings: FitSettings, on_progress: Callable[[str], None]) -> Sampling:
    """Start sampling ``compiled`` in the background; ``on_progress("done/total")`` on the fast path."""
    if fast_path_supported():
        try:
            return Sampling(_start_fast(compiled, settings, on_progress), "fast", compiled)
        except Exception as err:  # nutpie internals not as expected: sample without progress
            _warn_once(
                f"nutpie {nutpie.__version__}: the fast sampler path failed ({type(err).__name__}: {err}); "
                "sampling through nutpie.sample, without progress reporting."
            )
    else:
        _warn_once(
            f"nutpie {nutpie.__version__} is not a version the fast sampler path was written for "
            f"({'.'.join(map(str, FAST_PATH_VERSIONS[0]))} to {'.'.join(map(str, FAST_PATH_VERSIONS[1]))}); "
            "sampling through nutpie.sample, without progress reporting."
        )
    return Sampling(_start_public(compiled, settings), "public", compiled)


def _start_public(compiled, s: FitSettings):
    """nutpie's public API: no progress, and nutpie converts its own trace."""
    extra = {} if s.target_accept is None else {"target_accept": s.target_accept}  # None: nutpie's
    return nutpie.sample(
        compiled,
        draws=s.draws,
        tune=s.tune,
        chains=s.chains,
        cores=min(s.cores, s.chains),
        seed=s.seed,
        save_warmup=False,
        progress_bar=False,
        return_raw_trace=False,  # the raw format may change between versions: nutpie converts
        blocking=False,
        **extra,
    )


def _start_fast(compiled, s: FitSettings, on_progress: Callable[[str], None]):
    """What ``nutpie.sample(blocking=False, return_raw_trace=True, save_warmup=False)`` builds in
    0.16, with a template callback for progress (nutpie calls it only inside notebooks)."""
    from nutpie import _lib
    from nutpie.sample import _BackgroundSampler

    cores = min(s.cores, s.chains)
    settings = _lib.PyNutsSettings.Diag(s.seed)
    settings.num_tune, settings.num_draws, settings.num_chains = s.tune, s.draws, s.chains
    if s.target_accept is not None:  # None: nutpie's default
        settings.target_accept = s.target_accept
    progress = _lib.ProgressType.template_callback(100, PROGRESS_TEMPLATE, cores, on_progress)
    sampler = _BackgroundSampler.__new__(_BackgroundSampler)
    sampler._settings, sampler._compiled_model = settings, compiled
    sampler._save_warmup, sampler._return_raw_trace = False, True
    sampler._html, sampler._zarr_store = None, None
    sampler._store = _lib.PyStorage.arrow()
    init_mean = np.zeros(compiled.n_dim)
    sampler._sampler = compiled._make_sampler(settings, init_mean, cores, progress, sampler._store)
    return sampler
