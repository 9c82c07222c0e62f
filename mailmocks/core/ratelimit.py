"""Per-credential rolling-window rate limits, read off the shared clock."""
from __future__ import annotations

from collections import deque
from collections.abc import Sequence
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
        return self.hit_all([(key, policy)])[0]

    def hit_all(self, windows: Sequence[tuple[str, Policy]]) -> list[Decision]:
        """Count one request against every window, or against none if any is full."""
        now = self.clock.now()
        states = []
        for key, policy in windows:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
            edge = now - policy.window
            while hits and hits[0] <= edge:
                hits.popleft()
            states.append((hits, policy))
        allowed = not self.enabled or all(len(h) < p.limit for h, p in states)
        out = []
        for hits, policy in states:
            if allowed and self.enabled:
                hits.append(now)
            reset = (hits[0] + policy.window - now) if hits else policy.window
            if not self.enabled:
                out.append(Decision(True, policy.limit, policy.limit, reset))
            else:
                full = len(hits) >= policy.limit
                out.append(Decision(allowed or not full, policy.limit,
                                    max(0, policy.limit - len(hits)), reset))
        return out

    def reset(self) -> None:
        self._hits.clear()
