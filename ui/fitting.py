"""Running fits from a page: Streamlit's side of the fit service (:mod:`hbm_core.inference.service`).

Here: the one service shared by every session (``st.cache_resource``), the session's owner id,
and waiting for fits with a progress bar. What to fit, sharing, warm-up and lighter fits under
load are the service's.
"""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

import streamlit as st

from hbm_core.data.groups import GroupedData
from hbm_core.inference.broker import FitBroker
from hbm_core.inference.service import (  # noqa: F401  (re-exported for the pages)
    FitOutcome,
    FitRequests,
    FitService,
    finished_within,
    fit_key,
    sampler_loaded,
)
from hbm_core.inference.settings import POOLINGS, FitSettings, Pooling
from hbm_core.priors import Priors

if TYPE_CHECKING:
    from hbm_core.inference.compile import ModelCache


@st.cache_resource(show_spinner=False)
def fit_service() -> FitService:
    """Compiled models and shared fits, one service for all sessions (compiled models are immutable)."""
    return FitService()


def model_cache() -> ModelCache:
    """The compiled models of :func:`fit_service`."""
    return fit_service().cache


def fit_broker() -> FitBroker:
    """Running fits and finished results of :func:`fit_service`: one run per distinct request."""
    return fit_service().broker


def warm_up(
    data: GroupedData,
    poolings: Sequence[Pooling] = POOLINGS,
    tau_family: str = "half_normal",
    sigma: str | None = None,
    *,
    group_predictor: bool = False,
) -> None:
    """Compile the models ``data`` needs in a background thread, so the first fit starts sooner.
    ``group_predictor``: the page also fits ``data`` with a group-level predictor (one graph for all)."""
    fit_service().warm_up(data, poolings, tau_family, sigma, group_predictor=group_predictor)


_frozen_models = [-1]  # how many compiled models existed at the last gc.freeze()


def keep_garbage_collection_quick() -> None:
    """Take the sampler's long-lived objects (PyMC, compiled models) out of the collector's sight.

    With PyMC and a few compiled models in memory (600,000 objects) a full collection takes 0.5 s
    and holds the GIL, stopping every session's page meanwhile. Streamlit's collection after each
    run is off (``runner.postScriptGC`` in .streamlit/config.toml), but Python's own collector
    still makes full collections now and then; ``gc.freeze()`` once those objects exist brings one
    to a millisecond. It runs after a collection, and again only after a new model structure
    was compiled (a handful of times per server), not per run: results alive at that moment are
    still freed by reference counting when the result cache drops them.
    """
    models = len(model_cache())
    if models != _frozen_models[0]:
        _frozen_models[0] = models
        gc.collect()
        gc.freeze()


def owner_id() -> str:
    """This browser session's id for the fit broker."""
    if "_owner" not in st.session_state:
        st.session_state["_owner"] = uuid.uuid4().hex
    return st.session_state["_owner"]


# ---------------------------------------------------------------------------------------------
# Running fits


def request_fits(
    data: GroupedData,
    priors: Priors,
    settings: FitSettings,
    poolings: Sequence[Pooling] = POOLINGS,
    sigma: str | None = None,
) -> FitRequests:
    """This session's request for the fits (see :meth:`FitService.request`)."""
    return fit_service().request(data, priors, settings, poolings, sigma, owner=owner_id())


def request_section_fits(
    data: GroupedData,
    priors: Priors,
    settings: FitSettings,
    poolings: Sequence[Pooling],
    section: str,
    sigma: str | None = None,
) -> FitRequests:
    """A page section's own fits beside the page's (e.g. radon's uranium model), for :func:`wait_for_fits`.

    They are claimed under the section's own owner id (``<session>:<section>``): the page's request
    releases only the page's stale fits, and this one only the section's, so neither cancels the
    other's. Ask after the page's own fits, so they do not hold up its first result.
    """
    return fit_service().request(data, priors, settings, poolings, sigma, owner=f"{owner_id()}:{section}")


def start_fits(
    data: GroupedData, priors: Priors, settings: FitSettings, sigma: str | None = None
) -> FitRequests:
    """This session's request for the three fits, lighter when the server is busy (the requests'
    ``used`` and ``note`` say so), for :func:`wait_for_fits`."""
    return fit_service().request(
        data, priors, settings, sigma=sigma, owner=owner_id(), lighter_when_busy=True
    )


def behind_others(requests: FitRequests) -> bool:
    """Whether other sessions' fits run or queue ahead of ``requests``' (:meth:`FitService.behind_others`)."""
    return fit_service().behind_others(requests)


def wait_for_fits(requests: FitRequests, label: str = "Sampling") -> FitOutcome:
    """Show one progress bar until every requested fit is done; return results and errors.

    Streamlit stops this loop at the next ``st`` call when the user changes a widget, and the
    next run releases the fits it no longer needs, so a stale fit never overwrites new settings.
    """
    from hbm_core.inference.jobs import FitJob

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
    return fit_service().collect(requests)


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
