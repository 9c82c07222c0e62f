"""The one source of time. Real time by default; tests freeze and advance it.

Timers scheduled on the clock run when it reaches them: `advance()` runs them at once in
time order (deterministic), and the sandbox's ticker calls `run_due()` in real time.
Timers may be scheduled from any thread (webhook retries are scheduled from worker threads
while the ticker runs); the heap is only touched under one lock, callbacks run outside it.
"""
from __future__ import annotations

import functools
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

Callback = Callable[[], None]


@dataclass(order=True, slots=True)
class Timer:
    when: float
    seq: int
    callback: Callback = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    def __init__(self, frozen_at: datetime | float | None = None) -> None:
        self._frozen: float | None = None
        self._offset = 0.0  # after an unfreeze: real time runs on from where the clock stood
        self._timers: list[Timer] = []
        self._seq = itertools.count()
        self._running = False
        self._lock = threading.RLock()
        if frozen_at is not None:
            self.freeze(frozen_at)

    # -- reading -----------------------------------------------------------------------
    def now(self) -> float:
        """Seconds since the epoch (UTC)."""
        return self._frozen if self._frozen is not None else time.time() + self._offset

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=timezone.utc)

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    # -- controlling -------------------------------------------------------------------
    def freeze(self, at: datetime | float | None = None) -> None:
        self._frozen = _to_ts(at) if at is not None else self.now()

    def unfreeze(self) -> None:
        """Let time run again from where it stood (not snapping back to the wall clock)."""
        if self._frozen is not None:
            self._offset = self._frozen - time.time()
        self._frozen = None
        self.run_due()

    def wall(self) -> None:
        """Back to real time: unfrozen, no offset (timers now in the past run)."""
        self._frozen = None
        self._offset = 0.0
        self.run_due()

    def advance(self, by: float | timedelta) -> int:
        """Move a frozen clock forward, running every timer that falls due on the way."""
        seconds = by.total_seconds() if isinstance(by, timedelta) else float(by)
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        if self._frozen is None:
            self.freeze()
        assert self._frozen is not None
        target = self._frozen + seconds
        ran = 0
        # Step through timers in order so each sees the time it was scheduled for.
        while (nxt := self._next_before(target)) is not None:
            self._frozen = max(self._frozen, nxt)
            ran += self.run_due()
        self._frozen = target
        return ran + self.run_due()

    def _next_before(self, limit: float) -> float | None:
        nxt = self.next_due()
        return nxt if nxt is not None and nxt <= limit else None

    def set(self, at: datetime | float) -> int:
        ts = _to_ts(at)
        return self.advance(max(0.0, ts - self.now()))

    # -- timers ------------------------------------------------------------------------
    def call_at(self, when: datetime | float, callback: Callback) -> Timer:
        with self._lock:
            timer = Timer(_to_ts(when), next(self._seq), callback)
            heapq.heappush(self._timers, timer)
        return timer

    def call_later(self, delay: float, callback: Callback) -> Timer:
        return self.call_at(self.now() + delay, callback)

    def next_due(self) -> float | None:
        with self._lock:
            while self._timers and self._timers[0].cancelled:
                heapq.heappop(self._timers)
            return self._timers[0].when if self._timers else None

    def _pop_due(self) -> Timer | None:
        with self._lock:
            while self._timers and self._timers[0].when <= self.now():
                timer = heapq.heappop(self._timers)
                if not timer.cancelled:
                    return timer
            return None

    def run_due(self) -> int:
        """Run the timers whose time has come; timers they schedule for now run too."""
        with self._lock:
            if self._running:  # a callback advancing the clock must not re-enter
                return 0
            self._running = True
        ran = 0
        try:
            while (timer := self._pop_due()) is not None:
                timer.callback()
                ran += 1
        finally:
            self._running = False
        return ran


def _to_ts(at: datetime | float) -> float:
    if isinstance(at, datetime):
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        return at.timestamp()
    return float(at)


@functools.lru_cache(maxsize=65_536)  # created_at and friends repeat on every page served
def iso(ts: float, millis: bool = True) -> str:
    """UTC ISO-8601 with a Z, as most vendors print it."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    # by hand: strftime("%Y") drops the zero padding of years before 1000 on glibc
    text = (f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}"
            f"T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}")
    return f"{text}.{dt.microsecond // 1000:03d}Z" if millis else f"{text}Z"
