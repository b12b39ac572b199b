"""FairSlots: sampling slots served first come, first served; cancelled waiters leave the line."""

from __future__ import annotations

import threading
import time

import pytest

from hbm_core.inference.slots import FairSlots


def _wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_waiters_get_the_slot_in_the_order_they_asked():
    slots = FairSlots(1)
    assert slots.acquire(timeout=0)
    served: list[int] = []

    def waiter(i: int) -> None:
        assert slots.acquire(timeout=10)
        served.append(i)
        time.sleep(0.01)
        slots.release()

    threads = []
    for i in range(6):  # each joins the line before the next starts
        threads.append(threading.Thread(target=waiter, args=(i,)))
        threads[-1].start()
        _wait_until(lambda i=i: slots.waiting == i + 1)
    time.sleep(0.25)  # every waiter has timed out of Condition.wait at least twice meanwhile
    slots.release()
    for t in threads:
        t.join(10)
    assert served == list(range(6))


def test_a_cancelled_waiter_leaves_the_line_and_the_next_one_goes():
    slots = FairSlots(1)
    assert slots.acquire(timeout=0)
    stop = threading.Event()
    outcome: dict[str, bool] = {}
    first = threading.Thread(target=lambda: outcome.update(first=slots.acquire(cancelled=stop.is_set)))
    first.start()
    _wait_until(lambda: slots.waiting == 1)
    second = threading.Thread(target=lambda: outcome.update(second=slots.acquire(timeout=10)))
    second.start()
    _wait_until(lambda: slots.waiting == 2)
    stop.set()
    first.join(5)
    assert outcome["first"] is False and slots.waiting == 1
    slots.release()
    second.join(5)
    assert outcome["second"] is True and slots.waiting == 0


def test_timeout_and_counts():
    slots = FairSlots(2)
    assert slots.acquire(timeout=0) and slots.acquire(timeout=0)
    started = time.monotonic()
    assert not slots.acquire(timeout=0.2)
    assert 0.15 < time.monotonic() - started < 2
    assert slots.waiting == 0  # the one that gave up left the line
    slots.release()
    assert slots.acquire(timeout=0)
    slots.release()
    slots.release()
    with pytest.raises(ValueError):
        slots.release()  # more releases than acquires
    with pytest.raises(ValueError):
        FairSlots(0)
