"""Unfreezing continues from the frozen time; `wall()` goes back to real time."""
from __future__ import annotations

import time

from mailmocks.core import Clock


def test_unfreeze_runs_on_from_where_the_clock_stood() -> None:
    clock = Clock(frozen_at=4_000_000_000.0)  # 2096, far from the wall clock
    fired: list[float] = []
    clock.call_at(4_000_000_000.0 + 3600, lambda: fired.append(clock.now()))
    clock.advance(1800)
    clock.unfreeze()
    assert not clock.frozen
    assert 4_000_001_800.0 <= clock.now() < 4_000_001_800.0 + 60  # not snapped to wall time
    assert fired == []  # the timer is still ahead of it
    clock.advance(1800)  # advancing a running clock freezes it there, timers fire
    assert fired and fired[0] >= 4_000_003_600.0
    clock.wall()
    assert abs(clock.now() - time.time()) < 5


def test_freeze_after_unfreeze_keeps_the_offset_time() -> None:
    clock = Clock(frozen_at=4_000_000_000.0)
    clock.unfreeze()
    clock.freeze()
    assert 4_000_000_000.0 <= clock.now() < 4_000_000_060.0
