"""Running fits from a page: the compiled-model cache and fit broker shared by every session, and
waiting for fits with a progress bar."""

from __future__ import annotations

import gc
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import streamlit as st

from hbm_core.data.groups import GroupedData
from hbm_core.inference.broker import FitBroker, data_fingerprint
from hbm_core.inference.settings import POOLINGS, FitSettings, Pooling, under_load
from hbm_core.priors import Priors

if TYPE_CHECKING:
    from hbm_core.inference.engine import FitJob, FitResult, ModelCache

# hbm_core.inference.engine loads PyMC, nutpie and ArviZ (seconds on a cold server), so it is imported
# inside the functions that sample: a page draws its exact preview before that cost is paid.


# ---------------------------------------------------------------------------------------------
# Objects shared by every session (thread-safe, keyed by plain values)


@st.cache_resource(show_spinner=False)
def model_cache() -> ModelCache:
    """Compiled models, one per structure, shared by all sessions (compiled models are immutable)."""
    from hbm_core.inference.engine import ModelCache

    return ModelCache()


@st.cache_resource(show_spinner=False)
def fit_broker() -> FitBroker:
    """Running fits and finished results, shared by all sessions: one run per distinct request."""
    return FitBroker()


def warm_up(
    data: GroupedData,
    poolings: Sequence[Pooling] = POOLINGS,
    tau_family: str = "half_normal",
    sigma: str | None = None,
) -> None:
    """Compile the models ``data`` needs in a background thread, so the first fit starts sooner."""
    from hbm_core.inference.engine import spec_for

    cache = model_cache()
    specs = [spec_for(data, p, tau_family=tau_family, sigma=sigma) for p in poolings]
    missing = [s for s in specs if s not in cache]
    if missing:
        threading.Thread(target=lambda: [cache(s) for s in missing], daemon=True, name="warm-up").start()


_frozen_models = [-1]  # how many compiled models existed at the last gc.freeze()


def keep_garbage_collection_quick() -> None:
    """Take the sampler's long-lived objects (PyMC, compiled models) out of the collector's sight.

    Streamlit collects garbage after every run of a page (``runner.postScriptGC``); with PyMC and a
    few compiled models in memory (600,000 objects) a full collection takes 0.5 s, and holds up the
    "run finished" message of every slider move. ``gc.freeze()`` once those objects exist brings
    it to a millisecond. It runs after a collection, and again only after a new model structure
    was compiled (a handful of times per server), not per run: results alive at that moment are
    still freed by reference counting when the result cache drops them.
    """
    models = len(model_cache())
    if models != _frozen_models[0]:
        _frozen_models[0] = models
        gc.collect()
        gc.freeze()


def sampler_loaded() -> bool:
    """Whether this server process has loaded the sampler (PyMC, nutpie, ArviZ: seconds, once).

    Until then a page draws its exact preview before it asks for fits; afterwards asking costs
    nothing, so the fits start before anything is drawn.
    """
    return "hbm_core.inference.engine" in sys.modules


def owner_id() -> str:
    """This browser session's id for the fit broker."""
    if "_owner" not in st.session_state:
        st.session_state["_owner"] = uuid.uuid4().hex
    return st.session_state["_owner"]


# ---------------------------------------------------------------------------------------------
# Running fits


@dataclass
class FitOutcome:
    """What a page gets back: finished results, and a message per fit that failed."""

    results: dict[Pooling, FitResult] = field(default_factory=dict)
    errors: dict[Pooling, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.errors


def fit_key(
    data: GroupedData, pooling: Pooling, priors: Priors, settings: FitSettings, sigma: str | None = None
) -> tuple:
    return (data_fingerprint(data), pooling, priors, settings, sigma)


def request_fits(
    data: GroupedData,
    priors: Priors,
    settings: FitSettings,
    poolings: Sequence[Pooling] = POOLINGS,
    sigma: str | None = None,
) -> dict[Pooling, tuple[tuple, FitJob | FitResult]]:
    """Ask the broker for each fit (cached result or running job); release this session's older fits."""
    from hbm_core.inference.engine import FitJob

    broker, cache, owner = fit_broker(), model_cache(), owner_id()
    keys = {p: fit_key(data, p, priors, settings, sigma) for p in poolings}
    broker.release(owner, keep=keys.values())  # stale fits of this session are cancelled
    out: dict[Pooling, tuple[tuple, FitJob | FitResult]] = {}
    previous: FitJob | None = None
    for pooling in poolings:

        def start(pooling=pooling, previous=previous):
            return FitJob(data, pooling, priors, settings, compiler=cache, after=previous, sigma=sigma)

        item = broker.get(owner, keys[pooling], start)
        if isinstance(item, FitJob):
            previous = item
        out[pooling] = (keys[pooling], item)
    return out


def start_fits(
    data: GroupedData, priors: Priors, settings: FitSettings, sigma: str | None = None
) -> tuple[FitSettings, dict[Pooling, tuple[tuple, FitJob | FitResult]]]:
    """Start the three fits (compiling missing models meanwhile), lighter when the server is busy.

    Returns the settings actually used (see :func:`lighter_when_busy`, :func:`busy_note`) and the
    requests for :func:`wait_for_fits`.
    """
    warm_up(data, sigma=sigma)
    used = lighter_when_busy(settings)  # identical requests of several users share their fits
    return used, request_fits(data, priors, used, sigma=sigma)


def finished_within(requests: dict[Pooling, tuple[tuple, FitJob | FitResult]], seconds: float) -> bool:
    """Wait up to ``seconds`` for every requested fit; whether all of them are over.

    A page uses it to skip the exact preview when the MCMC results are about to arrive: drawing
    the preview, then redrawing the same charts, would only delay them.
    """
    deadline = time.perf_counter() + seconds
    for _, item in requests.values():
        if hasattr(item, "wait") and not item.wait(max(0.0, deadline - time.perf_counter())):
            return False
    return True


def wait_for_fits(
    requests: dict[Pooling, tuple[tuple, FitJob | FitResult]], label: str = "Sampling"
) -> FitOutcome:
    """Show one progress bar until every requested fit is done; return results and errors.

    Streamlit stops this loop at the next ``st`` call when the user changes a widget, and the
    next run releases the fits it no longer needs, so a stale fit never overwrites new settings.
    """
    from hbm_core.inference.engine import FitError, FitJob, FitResult

    broker = fit_broker()
    jobs = {p: item for p, (_, item) in requests.items() if isinstance(item, FitJob)}
    bar = st.progress(0.0, text=f"{label}…") if jobs and not all(j.done for j in jobs.values()) else None
    started = time.perf_counter()
    while bar is not None:
        pending = [j for j in jobs.values() if not j.done]  # one snapshot: jobs finish meanwhile
        if not pending:
            break
        done = sum(j.progress for j in jobs.values()) / len(jobs)
        states = {j.state for j in pending}
        if "compiling" in states and time.perf_counter() - started > 2:
            note = " (first use: compiling the models, about 10–40 s once per server)"
        elif states <= {"queued", "waiting"}:
            note = " (waiting for a free processor: other people are sampling too)"
        else:
            note = ""
        bar.progress(min(done, 1.0), text=f"{label}: {int(100 * done)}%{note}")
        pending[-1].wait(0.15)  # wake up as soon as the last fit is over, else refresh the bar
    if bar is not None:
        bar.empty()
    keep_garbage_collection_quick()
    outcome = FitOutcome()
    for pooling, (key, item) in requests.items():
        if isinstance(item, FitResult):
            outcome.results[pooling] = item
            continue
        try:
            outcome.results[pooling] = item.result()
            broker.finished(key, item)
        except FitError as err:
            outcome.errors[pooling] = str(err)
    return outcome


def lighter_when_busy(settings: FitSettings) -> FitSettings:
    """``settings``, or fewer draws when the server's sampling queue is long (see ``under_load``)."""
    return under_load(settings, fit_broker().running())


def busy_note(asked: FitSettings, used: FitSettings) -> str:
    """A sentence for the page when ``lighter_when_busy`` changed the settings, else ''."""
    if used == asked:
        return ""
    return (
        f"The server was busy (many people sampling at once), so these fits used {used.draws} draws "
        f"after {used.tune} tuning steps per chain instead of {asked.draws} after {asked.tune}: "
        "answers arrive sooner, with a little more Monte Carlo noise. The diagnostics below judge them "
        "as usual; move a slider again later for the full settings."
    )


def run_fits(
    data: GroupedData,
    priors: Priors,
    settings: FitSettings,
    poolings: Sequence[Pooling] = POOLINGS,
    label: str = "Sampling",
    sigma: str | None = None,
) -> FitOutcome:
    """Request the fits and wait for them with a progress bar."""
    return wait_for_fits(request_fits(data, priors, settings, poolings, sigma), label)
