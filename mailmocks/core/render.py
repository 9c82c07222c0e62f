"""Rendering stored templates without letting one of them hog the sandbox.

Every vendor engine renders under a `Budget`: a cap on loop iterations and evaluated nodes,
on output size and on wall time. An engine calls `budget.step()` per iteration or node and
`budget.emit(n)` per chunk written; going over raises `RenderLimitError`, which a vendor turns
into its own outcome (a failed send with a reason, a 4xx on a preview).

`Renderer` (one per sandbox, `services.render`) runs render functions on worker threads when
the sandbox is served, so a slow template never stalls the event loop and the other APIs; in
tests (nothing served) it runs them inline, deterministically. Either way the caller awaits:

    html = await call.services.render(engine.render, source, data)
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class Limits:
    """What one render may use. Generous for real templates, tight for runaway ones."""

    steps: int = 100_000  # loop iterations plus evaluated nodes
    output: int = 2 << 20  # characters written (2 Mi)
    seconds: float = 2.0  # wall time
    depth: int = 64  # nesting of blocks, partials, includes


DEFAULT_LIMITS = Limits()


class RenderLimitError(Exception):
    """A render went over its budget; `reason` says which limit, in a user's words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Budget:
    """The work one render has left. Not thread-safe: one budget per render."""

    __slots__ = ("limits", "steps", "output", "deadline", "_next_check")

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.steps = 0
        self.output = 0
        self.deadline = time.monotonic() + limits.seconds
        self._next_check = 256  # the clock is read every 256 steps, not every step

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.limits.steps:
            raise RenderLimitError(
                f"template exceeded {self.limits.steps:,} loop iterations and nodes")
        if self.steps >= self._next_check:
            self._next_check = self.steps + 256
            self.check_time()

    def emit(self, n: int) -> None:
        self.output += n
        if self.output > self.limits.output:
            raise RenderLimitError(
                f"template output exceeded {self.limits.output:,} characters")

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimitError(
                f"template rendering took longer than {self.limits.seconds:g} s")


class _Inline(Generic[T]):
    """An awaitable that runs its function when awaited, without ever suspending."""

    __slots__ = ("fn", "args", "kwargs")

    def __init__(self, fn: Callable[..., T], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def __await__(self) -> Generator[Any, None, T]:
        return self.fn(*self.args, **self.kwargs)
        yield  # pragma: no cover - makes this a generator; never reached


class Renderer:
    """Runs render functions inline (tests) or on worker threads (served)."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS, workers: int = 2) -> None:
        self.limits = limits
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None

    @property
    def threaded(self) -> bool:
        return self._pool is not None

    def start(self) -> None:
        """Render on worker threads from now on (the sandbox calls this when served)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="mailmocks-render")

    def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=False)

    def budget(self) -> Budget:
        return Budget(self.limits)

    def __call__(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Awaitable[T]:
        pool = self._pool
        if pool is None:
            return _Inline(fn, args, kwargs)
        return asyncio.wrap_future(pool.submit(fn, *args, **kwargs))


def run_inline(awaitable: Awaitable[T]) -> T:
    """Finish a coroutine that never really suspends (every await it makes is inline).

    Jobs and tests use it where no event loop runs; a coroutine that does suspend is a bug
    in its caller, reported as such.
    """
    coro = awaitable.__await__()
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    coro.close()
    raise RuntimeError("an inline render suspended: it needs the served event loop")
