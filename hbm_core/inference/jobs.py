"""A fit running in the background (:class:`FitJob`), what it gives back (:class:`FitResult`) and
how it fails (:class:`FitError`).

A job builds its model's inputs (in model units: :class:`hbm_core.models.inputs.Units`; the draws
are turned back into the outcome's units before anything reads them), takes the compiled model from
its compiler (a :class:`~hbm_core.inference.compile.ModelCache`), swaps the data in and samples on
nutpie's own threads (:mod:`hbm_core.inference.backend`): it reports progress, can be cancelled, and stops
itself after a time limit. At most :data:`~hbm_core.inference.settings.MAX_CONCURRENT_SAMPLERS`
jobs sample at once (first come, first served); a job started ``after`` another waits for it and
takes over its sampling slot. PyMC's own NUTS (``sampler="pymc"``) is the fallback and the
reference in the tests. Start jobs through :mod:`hbm_core.inference.service`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pymc as pm
import xarray as xr

from hbm_core.data.groups import DataError, GroupedData
from hbm_core.inference import backend
from hbm_core.inference.compile import DEFAULT_CACHE, data_containers
from hbm_core.inference.settings import MAX_CONCURRENT_SAMPLERS, FitSettings
from hbm_core.inference.slots import FairSlots
from hbm_core.models import parameterization as param
from hbm_core.models.build import (
    ModelSpec,
    Pooling,
    build_model,
    pack_inputs,
    pooling_variables,
    set_inputs,
)
from hbm_core.models.inputs import Units, check_inputs, model_inputs, model_units, spec_for, to_model_units
from hbm_core.posterior.results import (
    Diagnostics,
    convergence,
    estimates_table,
    plain_warnings,
    population_table,
)
from hbm_core.priors import Priors

SAMPLING_SLOTS = FairSlots(MAX_CONCURRENT_SAMPLERS)
#: Guards handing a sampling slot from a job to the job chained after it (``FitJob(after=...)``).
_HANDOFF = threading.Lock()


_IN_PROGRESS = [0]  # FitJobs started and not yet done, in this process
_IN_PROGRESS_LOCK = threading.Lock()


def fits_in_progress() -> int:
    """How many fits of this process are waiting, compiling, sampling or summarising."""
    return _IN_PROGRESS[0]


def _count_in_progress(change: int) -> None:
    with _IN_PROGRESS_LOCK:
        _IN_PROGRESS[0] += change


class FitError(RuntimeError):
    """A fit that failed, was cancelled or ran out of time; the message is meant for the user."""


class FitCancelled(FitError):
    """The fit was cancelled (the user moved on)."""


@dataclass(eq=False)
class FitResult:
    """One fitted model: the trace and what the pages show of it.

    ``idata.posterior`` is sliced to the groups in use and labelled with their names.
    ``estimates`` has one row per group (columns :data:`hbm_core.posterior.results.ESTIMATE_COLUMNS`).
    ``population`` summarises mu, tau, beta or a shared sigma on the model's scale.
    ``idata`` is an ``xarray.DataTree`` (ArviZ 1.x) with groups ``posterior`` and ``sample_stats``.
    """

    pooling: Pooling
    spec: ModelSpec
    idata: xr.DataTree
    estimates: object
    population: object
    diagnostics: Diagnostics
    priors: Priors
    settings: FitSettings
    centered: np.ndarray | None = None


class FitJob:
    """A fit running in the background.

    Use ``job.progress`` (0..1), ``job.done``, ``job.cancel()`` and ``job.result(timeout)``.
    A job never raises from its worker: errors surface as :class:`FitError` from ``result()``.
    ``after``: start only when that job is done sampling. ``capacity``: compile for this many groups.
    ``sigma``: "group" or "shared" observation sd (normal data; default from :func:`spec_for`).
    """

    def __init__(
        self,
        data: GroupedData,
        pooling: Pooling,
        priors: Priors,
        settings: FitSettings,
        compiler: Callable[[ModelSpec], object] = DEFAULT_CACHE,
        after: FitJob | None = None,
        capacity: int | None = None,
        sigma: str | None = None,
    ) -> None:
        if settings.target_accept is None:
            settings = settings.with_(target_accept=param.default_target_accept(data, pooling))
        self.data, self.pooling, self.priors, self.settings = data, pooling, priors, settings
        self.spec = spec_for(data, pooling, tau_family=priors.tau_family, capacity=capacity, sigma=sigma)
        self.progress = 0.0
        self._compiler = compiler
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._sampled = threading.Event()  # sampling over (or never to happen): ``after`` jobs may start
        self._result: FitResult | None = None
        self._error: BaseException | None = None
        self._sampler: backend.Sampling | None = None
        self._after = after
        self._next: FitJob | None = None  # the job chained after this one, if any
        self._slot_from_previous = False  # ``after`` handed its sampling slot over to this job
        if after is not None:
            with _HANDOFF:
                after._next = self
        #: "waiting" (for ``after``), "compiling", "queued" (for a sampling slot), "sampling", "done"
        self.state = "waiting"
        self._sampling_started = time.perf_counter()
        _count_in_progress(+1)  # and -1 when _run ends
        self._thread = threading.Thread(target=self._run, name=f"fit-{pooling}", daemon=True)
        self._thread.start()

    # -- public --------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the fit is over or ``timeout`` seconds have passed; whether it is over."""
        return self._done.wait(timeout)

    @property
    def failed(self) -> bool:
        """Finished with an error (or cancelled)."""
        return self._done.is_set() and self._error is not None

    @property
    def cancelled(self) -> bool:
        return self._done.is_set() and isinstance(self._error, FitCancelled)

    def cancel(self) -> None:
        """Stop sampling (takes milliseconds); ``result()`` then raises :class:`FitCancelled`."""
        self._cancel.set()
        sampler = self._sampler
        if sampler is not None:
            try:
                sampler.cancel()
            except Exception:  # already finished or never started: nothing to stop
                pass

    def result(self, timeout: float | None = None) -> FitResult:
        """Wait for the fit; raise :class:`FitError` if it failed, was cancelled or timed out."""
        if not self._done.wait(timeout):
            raise TimeoutError("fit still running")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    # -- worker --------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            if self._after is not None:  # run after another job: fits share 2 cores better in turn
                self._after._sampled.wait()  # its summaries (Python) overlap our sampling (Rust threads)
            if self._cancel.is_set():
                raise FitCancelled("The fit was cancelled.")
            check_inputs(self.data, self.priors)
            centered = None
            if self.pooling == "hierarchical" and not self.spec.varying_slope:  # that one: Cholesky
                centered = param.centered_weights(self.data, self.settings.parameterization)
            # The sampler works in model units (normal outcomes centred and scaled, priors with
            # them; see hbm_core.models.inputs.Units); _finish turns the draws back.
            units = model_units(self.data)
            graph = self.spec.own
            if self.settings.sampler == "pymc":
                inputs = model_inputs(self.data, self.spec, self.priors, centered, graph)
                with self._sampling_slot():
                    idata = self._sample_pymc(to_model_units(inputs, units))
                self._sampled.set()
            else:
                self.state = "compiling"
                graph, compiled = self._compiled_model()
                inputs = model_inputs(self.data, self.spec, self.priors, centered, graph)
                compiled = backend.with_data(
                    compiled, pack_inputs(graph, to_model_units(inputs, units)), data_containers(graph)
                )
                with self._sampling_slot():
                    trace = self._sample_nutpie(compiled)
                self._sampled.set()  # the next fit samples while this one converts and summarises
                idata = self._sampler.datatree(trace)
            seconds = time.perf_counter() - self._sampling_started
            self._result = _finish(self, idata, centered, units, seconds)
            if graph != self.spec.own:  # on the shared graph: its own, lighter one for the next fits
                compile_later = getattr(self._compiler, "compile_later", None)
                if compile_later is not None:
                    compile_later(self.spec, idle=lambda: fits_in_progress() == 0)
        except FitError as err:
            self._error = err
        except DataError as err:
            self._error = FitError(str(err))
        except Exception as err:  # any sampler failure becomes a message, never a traceback
            if self._cancel.is_set():
                self._error = FitCancelled("The fit was cancelled.")
            else:
                self._error = FitError(f"The sampler failed: {type(err).__name__}: {err}")
        finally:
            self._return_unused_slot()
            self._sampled.set()
            self.progress = 1.0
            self.state = "done"
            _count_in_progress(-1)
            self._done.set()

    def _compiled_model(self) -> tuple[ModelSpec, object]:
        """(graph, compiled model) for this fit: a :class:`ModelCache` picks the pooling's own graph
        or the shared one (``for_fit``); any other compiler compiles the own graph."""
        for_fit = getattr(self._compiler, "for_fit", None)
        if for_fit is not None:
            return for_fit(self.spec)
        return self.spec.own, self._compiler(self.spec)

    @contextmanager
    def _sampling_slot(self):
        """Hold one of the process's sampling slots while sampling; wait (cancellably) for one.

        A chain of jobs (one user's three fits) queues once: each job hands its slot straight to
        the job chained after it, so under load a user waits for a slot once, not three times.
        """
        self.state = "queued"
        if not self._take_inherited_slot():
            if not SAMPLING_SLOTS.acquire(cancelled=self._cancel.is_set):
                raise FitCancelled("The fit was cancelled.")
        try:
            if self._cancel.is_set():
                raise FitCancelled("The fit was cancelled.")
            self.state = "sampling"
            yield
        finally:
            with _HANDOFF:
                successor = self._next
                handed = successor is not None and not successor._cancel.is_set()
                if handed:
                    successor._slot_from_previous = True
            if not handed:
                SAMPLING_SLOTS.release()

    def _take_inherited_slot(self) -> bool:
        """Whether ``after`` handed its slot to this job; the slot is this job's to release now."""
        with _HANDOFF:
            inherited, self._slot_from_previous = self._slot_from_previous, False
        return inherited

    def _return_unused_slot(self) -> None:
        """Release a slot handed over by ``after`` that this job never sampled with."""
        if self._take_inherited_slot():
            SAMPLING_SLOTS.release()

    def _sample_nutpie(self, compiled):
        """Sample ``compiled`` (data already swapped in); its raw trace, for ``self._sampler.datatree``."""
        s = self.settings
        self._sampling_started = time.perf_counter()
        self._sampler = backend.start(compiled, s, self._on_progress)
        deadline = time.perf_counter() + s.max_seconds
        while True:
            try:
                return self._sampler.wait(timeout=0.1)
            except TimeoutError:
                pass
            if self._cancel.is_set():
                self._sampler.cancel()
                raise FitCancelled("The fit was cancelled.")
            if time.perf_counter() > deadline:
                self._sampler.cancel()
                raise FitError(
                    f"Sampling took longer than {s.max_seconds:.0f} s and was stopped. "
                    "Try fewer draws, fewer or smaller groups, or the other parameterization."
                )

    def _on_progress(self, done: int, total: int) -> None:
        self.progress = done / total if total else 0.0

    def _sample_pymc(self, inputs: dict[str, np.ndarray]) -> xr.DataTree:
        s = self.settings
        model = build_model(self.spec)  # a private model: pm.set_data mutates it
        total = s.chains * (s.draws + s.tune)
        count = [0]
        deadline = [float("inf")]  # from the first draw: PyMC compiles its functions first

        def callback(trace, draw):
            count[0] += 1
            if count[0] == 1:
                deadline[0] = time.perf_counter() + s.max_seconds
            self.progress = min(1.0, count[0] / total)
            if self._cancel.is_set():
                raise FitCancelled("The fit was cancelled.")
            if time.perf_counter() > deadline[0]:
                raise FitError(f"Sampling took longer than {s.max_seconds:.0f} s and was stopped.")

        self._sampling_started = time.perf_counter()
        set_inputs(model, inputs)
        with model:
            return pm.sample(
                draws=s.draws,
                tune=s.tune,
                chains=s.chains,
                cores=1,
                nuts_sampler="pymc",  # PyMC 6 would pick nutpie when installed; callback needs PyMC's
                random_seed=s.seed,
                target_accept=s.target_accept,
                progressbar=False,  # PyMC 6's progress bar imports matplotlib, not installed
                callback=callback,
                compute_convergence_checks=False,
            )


def _parameterization(spec: ModelSpec, centered: np.ndarray | None) -> str:
    """How partial pooling was parameterized: per group, or a varying slope's Cholesky form."""
    if spec.varying_slope:
        return "non-centered (Cholesky)"
    return param.describe(centered) if centered is not None else "n/a"


def _finish(job: FitJob, idata, centered: np.ndarray | None, units: Units, seconds: float) -> FitResult:
    """Slice off padding groups, label groups, turn the draws from model ``units`` into the
    outcome's (before anything reads them: estimates, diagnostics, the DataTree kept for downloads),
    summarise and diagnose. ``centered``: the centring weights of the groups in use, shape (J,)."""
    data, s = job.data, job.settings
    J = data.n_groups
    posterior = idata["posterior"].to_dataset()
    own = pooling_variables(job.spec)  # the shared graph's others are unused draws from priors
    posterior = posterior[[name for name in posterior.data_vars if name in own]]
    if "group" in posterior.dims:
        posterior = posterior.isel(group=slice(0, J)).assign_coords(group=list(data.groups))
    posterior = units.to_outcome(posterior, centered)
    stats = idata["sample_stats"].to_dataset()
    idata = xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})
    # A varying slope adds the groups' slopes, their sd and the correlation (z and chol_cov are the
    # sampler's coordinates of the same quantities).
    var_names = ["mu", "tau", "theta", "sigma", "beta", "gamma", "theta_slope", "tau_slope", "rho"]
    max_rhat, min_bulk, min_tail = convergence(posterior, var_names)
    divergences = int(stats["diverging"].sum())
    diagnostics = Diagnostics(
        divergences=divergences,
        max_rhat=max_rhat,
        min_ess_bulk=min_bulk,
        min_ess_tail=min_tail,
        sampler=s.sampler,
        parameterization=_parameterization(job.spec, centered),
        seconds=seconds,
        draws=s.draws,
        chains=s.chains,
        target_accept=s.target_accept,
        warnings=plain_warnings(divergences, max_rhat, min_bulk, min_tail, s.chains, s.draws),
    )
    return FitResult(
        pooling=job.pooling,
        spec=job.spec,
        idata=idata,
        estimates=estimates_table(posterior, data, job.pooling),
        population=population_table(posterior),
        diagnostics=diagnostics,
        priors=job.priors,
        settings=s,
        centered=centered,
    )
