"""Compile once, refit fast: running the models on new data without recompiling.

A model *structure* (:class:`~hbm_core.models.build.ModelSpec`) is compiled once with nutpie's numba
backend; every refit swaps in new data with ``CompiledModel.with_data`` (0.2-0.4 s instead of
seconds). Compiled models are immutable (``with_data`` returns a copy), so one compiled model can
serve many sessions and threads at once. Sampling runs on nutpie's own threads in the background
(:class:`FitJob`): it reports progress, can be cancelled, and stops itself after a time limit.
PyMC's own NUTS (``sampler="pymc"``) is the fallback and the reference in the tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import arviz as az
import numpy as np
import nutpie
import pymc as pm
from nutpie import _lib as _nutpie_lib
from nutpie.sample import _BackgroundSampler

from hbm_core.data.groups import DataError, GroupedData
from hbm_core.inference.nutpie_trace import arrow_to_inference_data
from hbm_core.inference.settings import MAX_CONCURRENT_SAMPLERS, FitSettings
from hbm_core.inference.slots import FairSlots
from hbm_core.models import parameterization as param
from hbm_core.models.build import (
    MAX_GROUPS,
    POOLINGS,
    ModelSpec,
    Pooling,
    build_model,
    uses_group_summaries,
)
from hbm_core.posterior.results import (
    Diagnostics,
    convergence,
    estimates_table,
    plain_warnings,
    population_table,
)
from hbm_core.priors import Priors, default_priors

DEFAULT_SETTINGS = FitSettings()

SAMPLING_SLOTS = FairSlots(MAX_CONCURRENT_SAMPLERS)
#: Guards handing a sampling slot from a job to the job chained after it (``FitJob(after=...)``).
_HANDOFF = threading.Lock()


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
    """

    pooling: Pooling
    spec: ModelSpec
    idata: az.InferenceData
    estimates: object
    population: object
    diagnostics: Diagnostics
    priors: Priors
    settings: FitSettings
    centered: np.ndarray | None = None


# ---------------------------------------------------------------------------------------------
# Compiling


def capacity_for(n_groups: int) -> int:
    """Group capacity to compile for: 12 covers the Explore page's slider; larger data sets round up
    to a multiple of 8 so similar uploads share a compiled model."""
    if n_groups <= MAX_GROUPS:
        return MAX_GROUPS
    return int(np.ceil(n_groups / 8) * 8)


def spec_for(
    data: GroupedData,
    pooling: Pooling,
    *,
    tau_family: str = "half_normal",
    sigma: str | None = None,
    capacity: int | None = None,
) -> ModelSpec:
    """The model structure for ``data``: family, predictor and capacity follow the data.

    Normal data get one sd per group unless there is a predictor (radon: one shared sd) or
    ``sigma`` says otherwise.
    """
    if sigma is None:
        sigma = "shared" if data.x is not None else "group"
    return ModelSpec(
        family=data.family,
        pooling=pooling,
        n_groups=capacity or capacity_for(data.n_groups),
        sigma=sigma,
        predictor=data.x is not None,
        tau_family=tau_family,
    )


def compile_model(spec: ModelSpec):
    """Compile ``spec`` with nutpie (numba backend, no C compiler needed). Takes 5-20 s."""
    return nutpie.compile_pymc_model(build_model(spec))


class ModelCache:
    """Thread-safe memo of compiled models keyed by :class:`ModelSpec`.

    Two threads asking for the same spec at once compile it once (per-spec lock).
    The Streamlit pages use ``st.cache_resource`` around :func:`compile_model` instead.
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


DEFAULT_CACHE = ModelCache()


# ---------------------------------------------------------------------------------------------
# Data into the model


def model_inputs(
    data: GroupedData, spec: ModelSpec, priors: Priors, centered: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Values for every ``pm.Data`` container of ``spec``'s model, padded to its group capacity."""
    if data.n_groups > spec.n_groups:
        raise DataError(f"{data.n_groups} groups do not fit a model compiled for {spec.n_groups}.")
    if uses_group_summaries(spec):
        inputs = group_summary_inputs(data, spec)
    else:
        inputs = {
            "group_idx": np.asarray(data.group_idx, dtype="int64"),
            "y": np.asarray(data.y, dtype=float),
        }
    inputs["mu_loc"] = np.asarray(priors.mu_loc, dtype=float)
    inputs["mu_scale"] = np.asarray(priors.mu_scale, dtype=float)
    if spec.pooling == "hierarchical":
        weights = np.zeros(spec.n_groups)  # padding groups: non-centered, i.e. independent N(0, 1)
        if centered is not None:
            weights[: data.n_groups] = centered
        inputs["centered"] = weights
        inputs["tau_scale"] = np.asarray(priors.tau_scale, dtype=float)
    if spec.predictor:
        inputs["x"] = np.asarray(data.x, dtype=float)
        inputs["beta_scale"] = np.asarray(priors.beta_scale, dtype=float)
    if spec.family == "binomial":
        inputs["trials"] = np.asarray(data.trials, dtype=float)
    elif spec.family == "known_se":
        inputs["se"] = np.asarray(data.se, dtype=float)[data.group_idx]
    else:
        inputs["sigma_scale"] = np.asarray(priors.sigma_scale, dtype=float)
    return inputs


#: Stand-in degrees of freedom for the sum of squares of an unused group (see ``models``).
PADDING_DF = 10.0


def group_summary_inputs(data: GroupedData, spec: ModelSpec) -> dict[str, np.ndarray]:
    """Each group's size, mean and within-group sum of squares, for normal data (shapes (J,), (m,)).

    Unused groups of a model with one sigma per group get a stand-in sum of squares of
    ``PADDING_DF`` observations with the data's overall sd, so their (discarded) sigma has a
    well-shaped posterior instead of its bare half-normal prior, which costs NUTS twice the steps.
    """
    J, K = data.n_groups, spec.n_groups
    n, ybar, ss = data.normal_summaries()  # every group has at least one observation
    n = n.astype(float)
    ss_group = np.flatnonzero(n >= 2)
    ss_df, ss_values = n[ss_group] - 1, ss[ss_group]
    if spec.sigma == "group" and K > J:
        spread = float(np.std(data.y)) or 1.0  # 0 for a single value or constant data
        ss_group = np.concatenate([ss_group, np.arange(J, K)])
        ss_df = np.concatenate([ss_df, np.full(K - J, PADDING_DF)])
        ss_values = np.concatenate([ss_values, np.full(K - J, PADDING_DF * spread**2)])
    return {
        "group": np.arange(J, dtype="int64"),
        "n": n,
        "ybar": ybar,
        "ss_group": ss_group.astype("int64"),
        "ss_df": ss_df,
        "ss": ss_values,
    }


def _check_inputs(data: GroupedData, priors: Priors) -> None:
    if priors.tau_family == "flat" or not np.isfinite(priors.mu_scale):
        raise DataError(
            "MCMC needs proper priors: choose a finite prior scale for mu and a tau prior other than 'flat'."
        )
    for name in ("mu_scale", "tau_scale", "sigma_scale", "beta_scale"):
        if not getattr(priors, name) > 0:
            raise DataError(f"The prior scale {name} must be positive.")
    if not np.all(np.isfinite(data.y)):
        raise DataError("The outcome has missing or infinite values.")


# ---------------------------------------------------------------------------------------------
# Running a fit


class FitJob:
    """A fit running in the background.

    Use ``job.progress`` (0..1), ``job.done``, ``job.cancel()`` and ``job.result(timeout)``.
    A job never raises from its worker: errors surface as :class:`FitError` from ``result()``.
    ``after``: start only when that job is done. ``capacity``: compile for this many groups.
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
        self._sampler = None
        self._after = after
        self._next: FitJob | None = None  # the job chained after this one, if any
        self._slot_from_previous = False  # ``after`` handed its sampling slot over to this job
        if after is not None:
            with _HANDOFF:
                after._next = self
        #: "waiting" (for ``after``), "compiling", "queued" (for a sampling slot), "sampling", "done"
        self.state = "waiting"
        self._sampling_started = time.perf_counter()
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
            _check_inputs(self.data, self.priors)
            centered = None
            if self.pooling == "hierarchical":
                centered = param.centered_weights(self.data, self.settings.parameterization)
            inputs = model_inputs(self.data, self.spec, self.priors, centered)
            compiled = None
            if self.settings.sampler == "pymc":
                with self._sampling_slot():
                    trace = self._sample_pymc(inputs)
            else:
                self.state = "compiling"
                compiled = self._compiler(self.spec)
                compiled = compiled.with_data(
                    **{k: v for k, v in inputs.items() if k in compiled.shared_data}
                )
                with self._sampling_slot():
                    trace = self._sample_nutpie(compiled)
            self._sampled.set()  # the next fit samples while this one converts and summarises
            idata = _inference_data(trace, compiled)
            self._result = _finish(self, idata, centered, time.perf_counter() - self._sampling_started)
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
            self._done.set()

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
        s = self.settings
        self._sampling_started = time.perf_counter()
        self._sampler = _start_nutpie(compiled, s, self._on_progress)
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

    def _on_progress(self, text: str) -> None:
        done, total = (float(v) for v in text.split("/"))
        self.progress = done / total if total else 0.0

    def _sample_pymc(self, inputs: dict[str, np.ndarray]):
        s = self.settings
        model = build_model(self.spec)  # a private model: pm.set_data mutates it
        total = s.chains * (s.draws + s.tune)
        count = [0]
        deadline = time.perf_counter() + s.max_seconds

        def callback(trace, draw):
            count[0] += 1
            self.progress = min(1.0, count[0] / total)
            if self._cancel.is_set():
                raise FitCancelled("The fit was cancelled.")
            if time.perf_counter() > deadline:
                raise FitError(f"Sampling took longer than {s.max_seconds:.0f} s and was stopped.")

        self._sampling_started = time.perf_counter()
        with model:
            pm.set_data({k: v for k, v in inputs.items() if k in {d.name for d in model.data_vars}})
            return pm.sample(
                draws=s.draws,
                tune=s.tune,
                chains=s.chains,
                cores=1,
                random_seed=s.seed,
                target_accept=s.target_accept,
                progressbar=False,
                callback=callback,
                compute_convergence_checks=False,
            )


def _start_nutpie(compiled, s: FitSettings, on_progress: Callable[[str], None]):
    """Start nutpie in the background with a progress callback ``on_progress("done/total")``.

    nutpie only reports progress through a callback inside notebooks, so we build its background
    sampler the way ``nutpie.sample`` does but with a template callback (nutpie 0.16 internals,
    pinned in requirements). Falls back to the public API, without progress, if they change.
    """
    kwargs = dict(
        draws=s.draws,
        tune=s.tune,
        chains=s.chains,
        cores=min(s.cores, s.chains),
        seed=s.seed,
        target_accept=s.target_accept,
        save_warmup=False,
    )
    try:
        settings = _nutpie_lib.PyNutsSettings.Diag(s.seed)
        settings.num_tune, settings.num_draws, settings.num_chains = s.tune, s.draws, s.chains
        settings.target_accept = s.target_accept
        progress = _nutpie_lib.ProgressType.template_callback(
            100, "{{ total_finished_draws }}/{{ total_draws }}", kwargs["cores"], on_progress
        )
        sampler = _BackgroundSampler.__new__(_BackgroundSampler)
        sampler._settings, sampler._compiled_model = settings, compiled
        # The raw Arrow trace: hbm_core.inference.nutpie_trace converts it with far fewer calls (see there).
        sampler._save_warmup, sampler._return_raw_trace = False, True
        sampler._html, sampler._zarr_store = None, None
        sampler._store = _nutpie_lib.PyStorage.arrow()
        sampler._sampler = compiled._make_sampler(
            settings, np.zeros(compiled.n_dim), kwargs["cores"], progress, sampler._store
        )
        return sampler
    except (AttributeError, TypeError):
        return nutpie.sample(compiled, blocking=False, progress_bar=False, **kwargs)


def _inference_data(trace, compiled) -> az.InferenceData:
    """``InferenceData`` from what the sampler returned: nutpie's raw trace, or already converted
    (PyMC's sampler, or the public-API fallback of :func:`_start_nutpie`; ``compiled`` unused)."""
    if isinstance(trace, az.InferenceData):
        return trace
    draw_batches, stat_batches = trace.get_arrow_trace()
    return arrow_to_inference_data(draw_batches, stat_batches, compiled.coords)


def _finish(job: FitJob, idata, centered: np.ndarray | None, seconds: float) -> FitResult:
    """Slice off padding groups, label groups, summarise and diagnose."""
    data, s = job.data, job.settings
    J = data.n_groups
    posterior = idata.posterior
    if "group" in posterior.dims:
        posterior = posterior.isel(group=slice(0, J)).assign_coords(group=list(data.groups))
    idata = az.InferenceData(posterior=posterior, sample_stats=idata.sample_stats)
    var_names = ["mu", "tau", "theta", "sigma", "beta"]
    max_rhat, min_bulk, min_tail = convergence(posterior, var_names)
    divergences = int(idata.sample_stats["diverging"].sum())
    diagnostics = Diagnostics(
        divergences=divergences,
        max_rhat=max_rhat,
        min_ess_bulk=min_bulk,
        min_ess_tail=min_tail,
        sampler=s.sampler,
        parameterization=param.describe(centered) if centered is not None else "n/a",
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


# ---------------------------------------------------------------------------------------------
# Convenience


def start_fits(
    data: GroupedData,
    priors: Priors | None = None,
    settings: FitSettings = DEFAULT_SETTINGS,
    poolings: tuple[Pooling, ...] = POOLINGS,
    compiler: Callable[[ModelSpec], object] = DEFAULT_CACHE,
    sigma: str | None = None,
) -> dict[Pooling, FitJob]:
    """Start one background job per pooling; they run one after another, in the order given.

    In turn rather than at once: each sampler already uses both cores, and the first result
    arrives sooner.
    """
    priors = priors or default_priors(data.y, data.family)
    jobs: dict[Pooling, FitJob] = {}
    previous = None
    for pooling in poolings:
        jobs[pooling] = previous = FitJob(
            data, pooling, priors, settings, compiler, after=previous, sigma=sigma
        )
    return jobs


def fit(
    data: GroupedData,
    pooling: Pooling,
    priors: Priors | None = None,
    settings: FitSettings = DEFAULT_SETTINGS,
    compiler: Callable[[ModelSpec], object] = DEFAULT_CACHE,
    sigma: str | None = None,
) -> FitResult:
    """Fit one pooling and wait for it (raises :class:`FitError`)."""
    return start_fits(data, priors, settings, (pooling,), compiler, sigma)[pooling].result()


def fit_all(
    data: GroupedData,
    priors: Priors | None = None,
    settings: FitSettings = DEFAULT_SETTINGS,
    poolings: tuple[Pooling, ...] = POOLINGS,
    compiler: Callable[[ModelSpec], object] = DEFAULT_CACHE,
    sigma: str | None = None,
) -> dict[Pooling, FitResult]:
    """Fit several poolings and wait for all of them."""
    jobs = start_fits(data, priors, settings, poolings, compiler, sigma)
    return {p: job.result() for p, job in jobs.items()}
