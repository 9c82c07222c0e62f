"""Per-credential rolling-window rate limits, read off the shared clock."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .clock import Clock


@dataclass(frozen=True, slots=True)
class Policy:
    limit: int
    window: float  # seconds


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: float  # seconds until the oldest counted request leaves the window


class RateLimiter:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.enabled = True
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, policy: Policy) -> Decision:
        now = self.clock.now()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        edge = now - policy.window
        while hits and hits[0] <= edge:
            hits.popleft()
        reset = (hits[0] + policy.window - now) if hits else policy.window
        if not self.enabled:
            return Decision(True, policy.limit, policy.limit, reset)
        if len(hits) >= policy.limit:
            return Decision(False, policy.limit, 0, reset)
        hits.append(now)
        return Decision(True, policy.limit, policy.limit - len(hits), reset)

    def reset(self) -> None:
        self._hits.clear()
