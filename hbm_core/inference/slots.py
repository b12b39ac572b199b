"""First come, first served sampling slots.

A ``threading.Semaphore`` wakes an arbitrary waiter, and a waiter that gives up after a timeout
(to check whether its fit was cancelled) and tries again goes to the back of the line. Under load
that let some users wait four times as long as others (bench/load.py: median 3 s, p95 13 s with
ten users). :class:`FairSlots` serves waiters in arrival order and lets a waiter leave the line
when its fit is cancelled.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class FairSlots:
    """``n`` slots handed out in the order they were asked for (thread-safe)."""

    def __init__(self, n: int) -> None:
        if n < 1:
            raise ValueError(f"need at least one slot, got {n}")
        self._n = n
        self._free = n
        self._line: deque[object] = deque()
        self._cond = threading.Condition()

    def acquire(self, timeout: float | None = None, cancelled: Callable[[], bool] | None = None) -> bool:
        """Wait for a slot in line; whether one was taken.

        Gives up (False) after ``timeout`` seconds (None: no limit), or as soon as ``cancelled()``
        is true (checked every 0.1 s).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        ticket = object()
        with self._cond:
            self._line.append(ticket)
            try:
                while not (self._free and self._line[0] is ticket):
                    left = None if deadline is None else deadline - time.monotonic()
                    if (left is not None and left <= 0) or (cancelled is not None and cancelled()):
                        return False
                    self._cond.wait(0.1 if left is None else min(0.1, left))
                self._line.popleft()
                self._free -= 1
                return True
            finally:
                if ticket in self._line:  # gave up: leave the line
                    self._line.remove(ticket)
                self._cond.notify_all()  # the next in line may go now

    def release(self) -> None:
        """Give a slot back."""
        with self._cond:
            if self._free >= self._n:
                raise ValueError("released more slots than were taken")
            self._free += 1
            self._cond.notify_all()

    @property
    def waiting(self) -> int:
        """How many are in line."""
        with self._cond:
            return len(self._line)
