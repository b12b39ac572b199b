"""The pages' runtime helpers that keep a slider move short (pages/_ui.py), tested without a page."""

from __future__ import annotations

import threading

from pages import _ui


def test_garbage_is_frozen_once_per_new_compiled_model(monkeypatch):
    frozen: list[int] = []
    monkeypatch.setattr(_ui.gc, "freeze", lambda: frozen.append(1))
    monkeypatch.setattr(_ui.gc, "collect", lambda *args: 0)
    monkeypatch.setattr(_ui, "_frozen_models", [-1])
    compiled = ["model A", "model B"]
    monkeypatch.setattr(_ui, "model_cache", lambda: compiled)  # anything with a length
    _ui.keep_garbage_collection_quick()
    _ui.keep_garbage_collection_quick()  # no new model: no new freeze
    assert frozen == [1]
    compiled.append("model C")
    _ui.keep_garbage_collection_quick()
    assert frozen == [1, 1]


class _Job:
    """Stands in for a FitJob: over when ``finish`` is set."""

    def __init__(self) -> None:
        self.finish = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        return self.finish.wait(timeout)


def test_finished_within_waits_for_every_fit_up_to_the_limit():
    done, running = _Job(), _Job()
    done.finish.set()
    cached = object()  # a finished result from the cache: nothing to wait for
    assert _ui.finished_within({"a": ("k", done), "b": ("k2", cached)}, 0.05)
    assert not _ui.finished_within({"a": ("k", done), "b": ("k2", running)}, 0.05)
    threading.Timer(0.05, running.finish.set).start()
    assert _ui.finished_within({"b": ("k2", running)}, 5.0)
