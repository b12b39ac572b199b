"""The pages' runtime helpers that keep a slider move short (ui/fitting.py), tested without a page."""

from __future__ import annotations

import threading

from hbm_core.inference.broker import FitBroker
from hbm_core.inference.service import FitService
from ui import fitting


def test_garbage_is_frozen_once_per_new_compiled_model(monkeypatch):
    frozen: list[int] = []
    monkeypatch.setattr(fitting.gc, "freeze", lambda: frozen.append(1))
    monkeypatch.setattr(fitting.gc, "collect", lambda *args: 0)
    monkeypatch.setattr(fitting, "_frozen_models", [-1])
    compiled = ["model A", "model B"]
    monkeypatch.setattr(fitting, "model_cache", lambda: compiled)  # anything with a length
    fitting.keep_garbage_collection_quick()
    fitting.keep_garbage_collection_quick()  # no new model: no new freeze
    assert frozen == [1]
    compiled.append("model C")
    fitting.keep_garbage_collection_quick()
    assert frozen == [1, 1]


class _Job:
    """Stands in for a FitJob: over when ``finish`` is set (``cancel`` sets it)."""

    def __init__(self) -> None:
        self.finish = threading.Event()
        self.cancelled = False

    @property
    def done(self) -> bool:
        return self.finish.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.finish.wait(timeout)

    def cancel(self) -> None:
        self.cancelled = True
        self.finish.set()


def test_finished_within_waits_for_every_fit_up_to_the_limit():
    done, running = _Job(), _Job()
    done.finish.set()
    cached = object()  # a finished result from the cache: nothing to wait for
    assert fitting.finished_within({"a": ("k", done), "b": ("k2", cached)}, 0.05)
    assert not fitting.finished_within({"a": ("k", done), "b": ("k2", running)}, 0.05)
    threading.Timer(0.05, running.finish.set).start()
    assert fitting.finished_within({"b": ("k2", running)}, 5.0)


def test_fits_are_behind_others_only_when_other_sessions_fits_are_pending():
    service = FitService(cache=lambda spec: None, broker=FitBroker())
    broker = service.broker
    mine = {p: (p, broker.get("me", p, _Job)) for p in ("pooled", "unpooled", "hierarchical")}
    assert not service.behind_others(mine)  # only my own three fits
    shared = broker.get("other", "pooled", _Job)  # another user asks for one of mine: shared
    assert shared is mine["pooled"][1] and not service.behind_others(mine)
    theirs = broker.get("other", "their own", _Job)
    assert service.behind_others(mine)
    theirs.finish.set()  # over: nothing ahead of mine any more
    assert not service.behind_others(mine)
    mine["pooled"][1].finish.set()  # my first fit is over, my others still run
    assert not service.behind_others(mine)
    cached = {"pooled": ("pooled", object())}  # a finished result from the cache
    assert service.behind_others(cached)  # my two running fits are someone else's for this request
