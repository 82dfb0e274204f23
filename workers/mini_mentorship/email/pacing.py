"""A rate limit shared by every thread of one worker: at most `rate` calls per second, evenly spaced.

`wait()` reserves the next free slot and sleeps until it; `pause(seconds)` (a provider's 429 retry-after)
pushes every later slot back, including the slots of callers already asleep: one that wakes inside a pause
takes a new slot after it (the benchmark of issue 15 caught those calls arriving before the retry-after).
The clock and sleep are injectable so tests can check spacing without waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0  # the earliest time the next call may start
        self._paused_until = 0.0  # no call starts before this (the last retry-after)

    def wait(self) -> float:
        """Block until this caller's slot; returns the slot's time (on the pacer's clock)."""
        while True:
            with self._lock:
                now = self._clock()
                slot = max(now, self._next)
                self._next = slot + self.interval
            delay = slot - now
            if delay > 0:
                self._sleep(delay)
            with self._lock:
                if slot >= self._paused_until:
                    return slot
            # a pause began while this caller slept and covers its slot: queue again after the pause

    def pause(self, seconds: float) -> None:
        """Nobody starts a call within `seconds` from now (a provider asked us to back off)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
            self._next = max(self._next, self._paused_until)
