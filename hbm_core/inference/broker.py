"""Sharing fits between users: one job per distinct request, results remembered, orphans cancelled.

A class opening the teacher's link asks for the same fits thirty times; the broker runs them
once. Each user (``owner``) claims the fits it currently needs; when it moves on (a slider
changed), its claims on the old fits are released and a running fit nobody claims any more
is cancelled, so stale work never holds up new work. Finished results live in a small LRU cache.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from hbm_core.data.groups import GroupedData

if TYPE_CHECKING:  # the jobs module loads PyMC: not needed to share results
    from hbm_core.inference.jobs import FitJob, FitResult


def data_fingerprint(data: GroupedData) -> str:
    """A short hash of everything in ``data`` that a fit depends on."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{data.family}|{'|'.join(data.groups)}".encode())
    for arr in (data.group_idx, data.y, data.se, data.trials, data.x):
        if arr is None:
            h.update(b"-")
        else:
            h.update(np.ascontiguousarray(arr, dtype=float).tobytes())
    if data.u is not None:  # a group-level predictor (only then: other data keep their keys)
        h.update(b"u" + np.ascontiguousarray(data.u, dtype=float).tobytes())
    if data.varying_slope:  # another model of the same rows (only then: other data keep their keys)
        h.update(b"varying slope")
    return h.hexdigest()


class FitBroker:
    """Thread-safe registry of running fits and cache of finished ones, keyed by any hashable key."""

    def __init__(self, max_results: int = 128) -> None:
        self._lock = threading.Lock()
        self._results: OrderedDict[Hashable, FitResult] = OrderedDict()
        self._jobs: dict[Hashable, FitJob] = {}
        self._claims: dict[Hashable, set[str]] = {}
        self._max_results = max_results

    def get(self, owner: str, key: Hashable, start: Callable[[], FitJob]) -> FitJob | FitResult:
        """The finished result for ``key`` if known, else its running job (started if needed)."""
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
            job = self._jobs.get(key)
            if job is None or job.cancelled:  # a failure is remembered, a cancelled fit restarts
                job = self._jobs[key] = start()
            self._claims.setdefault(key, set()).add(owner)
            return job

    def finished(self, key: Hashable, job: FitJob) -> None:
        """Move a successful job's result into the cache (call after ``job.done``)."""
        with self._lock:
            if self._jobs.get(key) is job and job.done and not job.failed:
                self._results[key] = job.result()
                self._results.move_to_end(key)
                while len(self._results) > self._max_results:
                    self._results.popitem(last=False)
                del self._jobs[key]
                self._claims.pop(key, None)

    def release(self, owner: str, keep: Iterable[Hashable] = ()) -> None:
        """``owner`` no longer needs any fit but those in ``keep``; cancel fits nobody needs."""
        keep = set(keep)
        with self._lock:
            for key in list(self._claims):
                if key in keep:
                    continue
                owners = self._claims[key]
                owners.discard(owner)
                if not owners:
                    del self._claims[key]
                    job = self._jobs.pop(key, None)
                    if job is not None and not job.done:
                        job.cancel()

    def running(self) -> int:
        with self._lock:
            return sum(not job.done for job in self._jobs.values())
