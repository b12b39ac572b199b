"""Compiled models: each model structure compiled once, and shared.

A :class:`~hbm_core.models.build.ModelSpec` is compiled once with nutpie (1-3 s with warm disk
caches, 10-20 s on empty ones); every refit swaps new data into the compiled model
(``backend.with_data``, 0.2-0.4 s in all). Compiled models are immutable, so one serves many
sessions and threads at once.
"""

from __future__ import annotations

import threading
import time
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
#: A background compile (:meth:`ModelCache.compile_later`) starts once the process has been idle at
#: two checks this many seconds apart, or after :data:`IDLE_WAIT_S` seconds whatever happens.
IDLE_CHECK_S, IDLE_WAIT_S = 0.5, 60.0
#: Longest a fit waits for the warm-ups under way (:meth:`ModelCache.warming_up`) before it compiles
#: a graph itself: longer than any compile measured here (20 s on an empty disk cache).
WARM_UP_WAIT_S = 120.0


def compile_model(spec: ModelSpec):
    """Compile ``spec``'s model with nutpie (numba backend, no C compiler needed): 1-20 s."""
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
    """Thread-safe memo of compiled models keyed by the spec of their graph.

    ``cache(spec)`` compiles ``spec``'s own graph (``spec.own``) once. Two threads asking for the
    same graph at once compile it once (per-graph lock). The pages share one cache between sessions
    (the fit service they hold in ``st.cache_resource``).

    A fit asks :meth:`for_fit`: its own graph when compiled, else the graph the three poolings
    share (``spec.shared``, one compile for a page's three fits on a fresh server) or the widest
    (``spec.widest``: the shared graph with a group-level predictor, when a page warmed it up for
    one of its fits), and then compiles the own graph in the background (:meth:`compile_later`),
    since the shared graph costs complete and no pooling two to three times the sampling work.
    """

    def __init__(self, compiler: Callable[[ModelSpec], object] = compile_model) -> None:
        self._compiler = compiler
        self._models: dict[ModelSpec, object] = {}
        self._locks: dict[ModelSpec, threading.Lock] = {}
        self._guard = threading.Lock()
        self._later: set[ModelSpec] = set()
        self._warm_ups: set[int] = set()  # tickets of the warm-ups under way (see warming_up)
        self._issued = 0  # tickets issued so far: a warm-up's ticket is the count before it
        self._warmed = threading.Condition(self._guard)  # notified when a warm-up ends or a graph compiles

    def __call__(self, spec: ModelSpec):
        """The compiled model of ``spec``'s own graph (compiled now if it is not yet)."""
        return self._compiled(spec.own)

    def for_fit(self, spec: ModelSpec) -> tuple[ModelSpec, object]:
        """(graph, compiled model) to fit ``spec`` with: the first compiled of ``spec.graphs`` (own,
        shared, widest), else ``spec.shared`` compiled now. While none is compiled and a warm-up is
        under way, waits for it first (:meth:`serving`): the page's warm-up may be compiling the
        graph to serve this fit (one compile for all its fits), and compiles take turns anyway.
        Fill its data for ``spec`` with ``model_inputs(..., graph=graph)``."""
        graph = self.serving(spec, before=self._issued)  # warm-ups that started later: not awaited
        if graph is not None:
            return graph, self._models[graph]
        return spec.shared, self._compiled(spec.shared)

    def serving(self, spec: ModelSpec, before: int) -> ModelSpec | None:
        """The first compiled graph of ``spec.graphs``, or None. While none is compiled, waits for
        the warm-ups under way whose ticket is below ``before`` (those that started earlier: two
        never wait for each other), at most :data:`WARM_UP_WAIT_S`."""
        graphs = spec.graphs
        deadline = time.monotonic() + WARM_UP_WAIT_S
        with self._warmed:
            while not any(g in self._models for g in graphs) and any(t < before for t in self._warm_ups):
                if not self._warmed.wait(timeout=max(deadline - time.monotonic(), 0.0)):
                    break
            return next((g for g in graphs if g in self._models), None)

    def warming_up(self) -> tuple[int, Callable[[], None]]:
        """Count a warm-up as under way (:meth:`serving` waits for it): its ticket (0, 1, 2... in the
        order they start), and the function to call once when it is over, compiled or failed."""
        with self._warmed:
            ticket, self._issued = self._issued, self._issued + 1
            self._warm_ups.add(ticket)

        def finished() -> None:
            with self._warmed:
                self._warm_ups.discard(ticket)
                self._warmed.notify_all()

        return ticket, finished

    def compile_later(self, spec: ModelSpec, idle: Callable[[], bool] = lambda: True) -> None:
        """Compile ``spec``'s own graph in a background thread, once, unless it is compiled.

        ``idle``: whether the process is free (e.g. no fits running); the thread waits until it has
        said so twice :data:`IDLE_CHECK_S` apart (at most :data:`IDLE_WAIT_S`), since a compile
        holds Python's lock for seconds and would slow the pages still drawing their first results.
        """
        own = spec.own
        with self._guard:
            if own in self._models or own in self._later:
                return
            self._later.add(own)
        args = (own, idle)
        threading.Thread(target=self._when_idle, args=args, daemon=True, name="compile-own").start()

    def _when_idle(self, graph: ModelSpec, idle: Callable[[], bool]) -> None:
        quiet = 0
        deadline = time.monotonic() + IDLE_WAIT_S
        while quiet < 2 and time.monotonic() < deadline:
            time.sleep(IDLE_CHECK_S)
            quiet = quiet + 1 if idle() else 0
        try:
            self._compiled(graph)
        except Exception:  # the shared graph keeps serving; a fit needing this one reports why
            pass

    def _compiled(self, graph: ModelSpec):
        with self._guard:
            lock = self._locks.setdefault(graph, threading.Lock())
        with lock:
            if graph not in self._models:
                model = self._compiler(graph)
                with self._warmed:
                    self._models[graph] = model
                    self._warmed.notify_all()  # a fit waiting in for_fit may take this graph
            return self._models[graph]

    def __contains__(self, spec: ModelSpec) -> bool:
        """Whether ``spec``'s own graph is compiled."""
        return spec.own in self._models

    def __len__(self) -> int:
        """How many models are compiled."""
        return len(self._models)


#: The process's cache for fits that name no other (CLI, benchmarks, tests).
DEFAULT_CACHE = ModelCache()
