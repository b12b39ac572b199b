"""Compiled models: each model structure compiled once, and shared.

A :class:`~hbm_core.models.build.ModelSpec` is compiled once with nutpie (5-20 s); every refit
swaps new data into the compiled model (``backend.with_data``, 0.2-0.4 s in all). Compiled
models are immutable, so one serves many sessions and threads at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # building and compiling load PyMC and nutpie: only when a model is compiled
    from hbm_core.models.build import ModelSpec


_CONTAINERS: dict[ModelSpec, frozenset[str]] = {}
#: One compile at a time in the process. Two nutpie compiles in two threads (a page's warm-up and
#: another page's fit) sometimes gave a model whose log density failed at every starting point
#: ("All initialization points failed"; 1 run in 4 here) or sampled for over a minute; one at a
#: time never did. Compiling holds the GIL nearly throughout, so little is lost by waiting.
_COMPILING = threading.Lock()


def compile_model(spec: ModelSpec):
    """Compile ``spec``'s model with nutpie (numba backend, no C compiler needed). Takes 3-20 s."""
    from hbm_core.inference import backend
    from hbm_core.models.build import build_model

    with _COMPILING:
        model = build_model(spec)
        _CONTAINERS[spec] = frozenset(v.name for v in model.data_vars)
        return backend.compile_model(model)


def data_containers(spec: ModelSpec) -> frozenset[str]:
    """Names of the ``pm.Data`` containers of ``spec``'s PyMC model (from compiling it, else built once)."""
    names = _CONTAINERS.get(spec)
    if names is None:
        from hbm_core.models.build import build_model

        names = _CONTAINERS[spec] = frozenset(v.name for v in build_model(spec).data_vars)
    return names


class ModelCache:
    """Thread-safe memo of compiled models keyed by :class:`ModelSpec`.

    Two threads asking for the same spec at once compile it once (per-spec lock). The pages share
    one cache between sessions (the fit service they hold in ``st.cache_resource``).
    """

    def __init__(self, compiler: Callable[[ModelSpec], object] = compile_model) -> None:
        self._compiler = compiler
        self._models: dict[ModelSpec, object] = {}
        self._locks: dict[ModelSpec, threading.Lock] = {}
        self._guard = threading.Lock()

    def __call__(self, spec: ModelSpec):
        with self._guard:
            lock = self._locks.setdefault(spec, threading.Lock())
        with lock:
            if spec not in self._models:
                self._models[spec] = self._compiler(spec)
            return self._models[spec]

    def __contains__(self, spec: ModelSpec) -> bool:
        return spec in self._models

    def __len__(self) -> int:
        """How many models are compiled."""
        return len(self._models)


#: The process's cache for fits that name no other (CLI, benchmarks, tests).
DEFAULT_CACHE = ModelCache()
