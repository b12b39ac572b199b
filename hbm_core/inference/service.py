"""The fit service: the one way anything asks for fits (pages, the CLI, the benchmarks, the tests).

A :class:`FitService` holds the compiled models (:class:`~hbm_core.inference.compile.ModelCache`)
and the running and finished fits shared between users (:class:`~hbm_core.inference.broker.FitBroker`).
It owns the policy around a fit:

- *warm-up*: the models a request needs are compiled in a background thread: first the graph the
  three poolings share (one compile serves a page's three fits on a fresh server), then, once no
  fit is running, each pooling's own lighter graph (:meth:`FitService.warm_up`);
- *lighter fits under load*: when many fits wait for the processors, fewer draws
  (:func:`~hbm_core.inference.settings.under_load`), and the sentence that tells the user
  (:func:`busy_note`);
- *sharing*: identical requests (same data, pooling, priors, settings: :func:`fit_key`) of several
  users get one run, and a user's fits it no longer needs are released (cancelled if nobody else
  wants them);
- *chaining*: one request's fits run one after another, each handing its sampling slot to the
  next, so under load a user queues once.

Pages call :meth:`FitService.request` (or :meth:`FitService.request_variants`), wait, and
:meth:`FitService.collect`; ``ui/fitting.py`` adds only Streamlit's parts (the shared service,
the session's owner id, a progress bar). The CLI, benchmarks and tests call the blocking
:func:`fit_all` / :func:`fit`, which run fresh fits (chained, not shared).

This module loads no PyMC or nutpie (seconds on a cold server): the jobs module is imported when
the first fit starts, so a page can draw its exact preview before that cost is paid.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hbm_core.data.groups import GroupedData
from hbm_core.inference.broker import FitBroker, data_fingerprint
from hbm_core.inference.compile import DEFAULT_CACHE, ModelCache
from hbm_core.inference.settings import POOLINGS, FitSettings, Pooling, under_load
from hbm_core.priors import Priors, default_priors

if TYPE_CHECKING:
    from hbm_core.inference.jobs import FitJob, FitResult
    from hbm_core.models.build import ModelSpec

DEFAULT_SETTINGS = FitSettings()


def sampler_loaded() -> bool:
    """Whether this process has loaded the sampler (PyMC, nutpie, ArviZ: seconds, once).

    Until then a page draws its exact preview before it asks for fits; afterwards asking costs
    nothing, so the fits start before anything is drawn.
    """
    return "hbm_core.inference.jobs" in sys.modules


def fit_key(
    data: GroupedData, pooling: Pooling, priors: Priors, settings: FitSettings, sigma: str | None = None
) -> tuple:
    """The broker's key of a fit: two requests with equal keys share one run."""
    return (data_fingerprint(data), pooling, priors, settings, sigma)


def busy_note(asked: FitSettings, used: FitSettings) -> str:
    """A sentence for the page when the fits were made lighter under load, else ''."""
    if used == asked:
        return ""
    return (
        f"The server was busy (many people sampling at once), so these fits used {used.draws} draws "
        f"after {used.tune} tuning steps per chain instead of {asked.draws} after {asked.tune}: "
        "answers arrive sooner, with a little more Monte Carlo noise. The diagnostics below judge them "
        "as usual; move a slider again later for the full settings."
    )


class FitRequests(dict):
    """What a request got: ``{label: (key, item)}``, in the order the fits run, where ``item`` is a
    running :class:`~hbm_core.inference.jobs.FitJob` or a finished ``FitResult`` (shared or cached).

    ``asked`` and ``used``: the settings asked for and those used (lighter when the server was
    busy); ``None`` for :meth:`FitService.request_variants`, whose fits differ in their settings.
    """

    def __init__(self, items=(), asked: FitSettings | None = None, used: FitSettings | None = None):
        super().__init__(items)
        self.asked, self.used = asked, used

    @property
    def note(self) -> str:
        """:func:`busy_note` for these fits ('' unless they were made lighter)."""
        if self.asked is None or self.used is None:
            return ""
        return busy_note(self.asked, self.used)


def finished_within(requests: Mapping[Hashable, tuple[Hashable, object]], seconds: float) -> bool:
    """Wait up to ``seconds`` for every requested fit; whether all of them are over.

    A page uses it to skip the exact preview when the MCMC results are about to arrive: drawing
    the preview, then redrawing the same charts, would only delay them.
    """
    deadline = time.perf_counter() + seconds
    for _, item in requests.values():
        if hasattr(item, "wait") and not item.wait(max(0.0, deadline - time.perf_counter())):
            return False
    return True


@dataclass
class FitOutcome:
    """Requested fits once over: finished results, and a message per fit that failed."""

    results: dict[Hashable, FitResult] = field(default_factory=dict)
    errors: dict[Hashable, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.errors


class FitService:
    """Compiled models and shared fits, and the one way to ask for fits (thread-safe).

    ``cache``: compiles and remembers models (a :class:`ModelCache`, or any callable
    ``spec -> compiled model``); ``broker``: shares fits between users. Both are new by default.
    """

    def __init__(
        self, cache: Callable[[ModelSpec], object] | None = None, broker: FitBroker | None = None
    ) -> None:
        self.cache = cache if cache is not None else ModelCache()
        self.broker = broker if broker is not None else FitBroker()

    # -- policy ------------------------------------------------------------------------------
    def warm_up(
        self,
        data: GroupedData,
        poolings: Sequence[Pooling] = POOLINGS,
        tau_family: str = "half_normal",
        sigma: str | None = None,
        *,
        group_predictor: bool = False,
    ) -> None:
        """Compile the models ``data`` needs that are not compiled yet, in a background thread.

        ``group_predictor``: the page also fits ``data`` with a group-level predictor (Radon's
        county uranium): the graph compiled first is then the one with it (``ModelSpec.widest``),
        which serves that fit and, with u = 0, the page's other fits too. Fits that start
        meanwhile wait for it (``ModelCache.for_fit``). Returns at once: even the model structures
        are worked out in that thread, since doing so imports PyMC (seconds on a fresh server),
        which a light page such as Home must not wait for.
        """
        ticket, finished = self.cache.warming_up() if isinstance(self.cache, ModelCache) else (0, None)
        args = (data, tuple(poolings), tau_family, sigma, group_predictor, ticket, finished)
        threading.Thread(target=self._compile, args=args, daemon=True, name="warm-up").start()

    def _compile(
        self,
        data: GroupedData,
        poolings: tuple[Pooling, ...],
        tau_family: str,
        sigma: str | None,
        group_predictor: bool = False,
        ticket: int = 0,
        finished: Callable[[], None] | None = None,
    ) -> None:
        """The warm-up thread: compile, then call ``finished`` (the cache's count of warm-ups)."""
        cache = self.cache
        try:
            from hbm_core.models.inputs import spec_for

            specs = [spec_for(data, pooling, tau_family=tau_family, sigma=sigma) for pooling in poolings]
            if not isinstance(cache, ModelCache):  # any other compiler: each pooling's own graph
                for spec in specs:
                    cache(spec)
                return
            missing = [spec for spec in specs if spec not in cache]
            if not missing:
                return
            # The graph the poolings share serves all their fits at once (ModelCache.for_fit), unless
            # one that serves them is compiled, or is being compiled by an earlier warm-up (a page
            # that warmed up the widest graph, then asked for its fits); their own, lighter graphs
            # follow when no fit is running, not to slow the first results.
            if cache.serving(missing[0], before=ticket) is None:
                cache(missing[0].widest if group_predictor else missing[0].shared)
            from hbm_core.inference.jobs import fits_in_progress

            for spec in missing:
                cache.compile_later(spec, idle=lambda: fits_in_progress() == 0)
        except Exception:  # the fit that needs this model compiles it again and reports why
            return
        finally:
            if finished is not None:
                finished()

    def lighter_when_busy(self, settings: FitSettings) -> FitSettings:
        """``settings``, or fewer draws when the sampling queue is long (see ``under_load``)."""
        return under_load(settings, self.broker.running())

    def behind_others(self, requests: Mapping[Hashable, tuple[Hashable, object]]) -> bool:
        """Whether fits other than those of ``requests`` are running or queued in this process.

        Fits sample one at a time per slot, so ``requests``' fits then wait for those first: a page
        should not wait for them before it draws its instant preview. ``requests``: as returned by
        :meth:`request`; a shared fit counts once.
        """
        own = {id(item) for _, item in requests.values() if not getattr(item, "done", True)}
        return self.broker.running() > len(own)

    # -- asking for fits ---------------------------------------------------------------------
    def request(
        self,
        data: GroupedData,
        priors: Priors,
        settings: FitSettings,
        poolings: Sequence[Pooling] = POOLINGS,
        sigma: str | None = None,
        *,
        owner: str,
        lighter_when_busy: bool = False,
    ) -> FitRequests:
        """Ask for one fit per pooling on behalf of ``owner`` (a user); they run in the order given.

        Compiles missing models in the background, shares identical fits with other users, and
        releases ``owner``'s other fits. ``lighter_when_busy``: fewer draws if the server is busy
        (``FitRequests.used`` and ``FitRequests.note`` say so).
        """
        used = self.lighter_when_busy(settings) if lighter_when_busy else settings
        self.warm_up(data, poolings, tau_family=priors.tau_family, sigma=sigma)
        fits = {p: (p, used.for_pooling(p)) for p in poolings}
        requests = self._request(data, priors, fits, sigma, owner, keep=())
        requests.asked, requests.used = settings, used
        return requests

    def request_variants(
        self,
        data: GroupedData,
        priors: Priors,
        pooling: Pooling,
        settings_by_label: Mapping[Hashable, FitSettings],
        *,
        owner: str,
        keep: Iterable[Hashable] = (),
        sigma: str | None = None,
    ) -> FitRequests:
        """Ask for several fits of one pooling that differ in their settings, labelled as given (the
        sampling lesson's forms and target_accept sweep); ``keep``: keys (:func:`fit_key`) of
        ``owner``'s other fits still needed, which are not released."""
        self.warm_up(data, (pooling,), tau_family=priors.tau_family, sigma=sigma)
        fits = {label: (pooling, s) for label, s in settings_by_label.items()}
        return self._request(data, priors, fits, sigma, owner, keep)

    def _request(
        self,
        data: GroupedData,
        priors: Priors,
        fits: Mapping[Hashable, tuple[Pooling, FitSettings]],
        sigma: str | None,
        owner: str,
        keep: Iterable[Hashable],
    ) -> FitRequests:
        from hbm_core.inference.jobs import FitJob  # loads PyMC and nutpie (once per process)

        keys = {label: fit_key(data, p, priors, s, sigma) for label, (p, s) in fits.items()}
        self.broker.release(owner, keep=[*keys.values(), *keep])  # stale fits of this owner are cancelled
        requests = FitRequests()
        cache, previous = self.cache, None
        for label, (pooling, settings) in fits.items():

            def start(pooling=pooling, settings=settings, previous=previous):
                return FitJob(data, pooling, priors, settings, compiler=cache, after=previous, sigma=sigma)

            item = self.broker.get(owner, keys[label], start)
            if isinstance(item, FitJob):
                previous = item  # the next fit takes over this one's sampling slot
            requests[label] = (keys[label], item)
        return requests

    def collect(self, requests: Mapping[Hashable, tuple[Hashable, object]]) -> FitOutcome:
        """Results and error messages of requested fits (waits for them); successful results are
        handed to the broker's cache for the next identical request."""
        from hbm_core.inference.jobs import FitError, FitResult

        outcome = FitOutcome()
        for label, (key, item) in requests.items():
            if isinstance(item, FitResult):
                outcome.results[label] = item
                continue
            try:
                outcome.results[label] = item.result()
                self.broker.finished(key, item)
            except FitError as err:
                outcome.errors[label] = str(err)
        return outcome

    # -- fresh fits, not shared (CLI, benchmarks, tests) --------------------------------------
    def start(
        self,
        data: GroupedData,
        priors: Priors | None = None,
        settings: FitSettings = DEFAULT_SETTINGS,
        poolings: Sequence[Pooling] = POOLINGS,
        sigma: str | None = None,
    ) -> dict[Pooling, FitJob]:
        """Start one job per pooling, chained in the order given (each hands its slot to the next).

        In turn rather than at once: each sampler already uses both cores, and the first result
        arrives sooner.
        """
        from hbm_core.inference.jobs import FitJob

        priors = priors or default_priors(data.y, data.family)
        jobs: dict[Pooling, FitJob] = {}
        previous = None
        for pooling in poolings:
            jobs[pooling] = previous = FitJob(
                data,
                pooling,
                priors,
                settings.for_pooling(pooling),
                compiler=self.cache,
                after=previous,
                sigma=sigma,
            )
        return jobs

    def fit_all(
        self,
        data: GroupedData,
        priors: Priors | None = None,
        settings: FitSettings = DEFAULT_SETTINGS,
        poolings: Sequence[Pooling] = POOLINGS,
        sigma: str | None = None,
    ) -> dict[Pooling, FitResult]:
        """Fit several poolings and wait for all of them (raises ``FitError``)."""
        jobs = self.start(data, priors, settings, poolings, sigma)
        return {p: job.result() for p, job in jobs.items()}


_DEFAULT = FitService(cache=DEFAULT_CACHE)


def default_service(compiler: Callable[[ModelSpec], object] | None = None) -> FitService:
    """The process's service for callers without their own (CLI, benchmarks, tests); with
    ``compiler``, a service around that model cache instead."""
    return _DEFAULT if compiler is None else FitService(cache=compiler)


def fit_all(
    data: GroupedData,
    priors: Priors | None = None,
    settings: FitSettings = DEFAULT_SETTINGS,
    poolings: Sequence[Pooling] = POOLINGS,
    compiler: Callable[[ModelSpec], object] | None = None,
    sigma: str | None = None,
) -> dict[Pooling, FitResult]:
    """Fit several poolings and wait for all of them (raises ``FitError``)."""
    return default_service(compiler).fit_all(data, priors, settings, poolings, sigma)


def fit(
    data: GroupedData,
    pooling: Pooling,
    priors: Priors | None = None,
    settings: FitSettings = DEFAULT_SETTINGS,
    compiler: Callable[[ModelSpec], object] | None = None,
    sigma: str | None = None,
) -> FitResult:
    """Fit one pooling and wait for it (raises ``FitError``)."""
    return fit_all(data, priors, settings, (pooling,), compiler, sigma)[pooling]
