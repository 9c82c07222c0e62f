"""Background work that vendors do after answering (batches, imports, sends, deliveries).

A job is a plain function scheduled on the clock. Nothing runs on its own in tests:
`drain()` runs everything due, in order, including jobs that due jobs schedule, and
`clock.advance()` runs jobs whose delay has passed. The sandbox's ticker runs them in
real time; jobs marked `io=True` (network deliveries) then go to a worker thread so a
slow target never holds the event loop.

A job may be a coroutine function (it awaits `services.render(...)`, which renders on a worker
thread when served). Served, it runs as a task on the sandbox's loop; otherwise it is run to
completion inline, since nothing it awaits then suspends.
"""
from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import re
import threading
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock, Timer
from .render import run_inline

log = logging.getLogger("mailmocks.jobs")


def job_api(name: str) -> str:
    """The API a job belongs to, by the names jobs are given: `<api>:...` or `<api> ...`,
    and the webhook service's `webhook:<api>:<event>`."""
    parts = re.split(r"[:\s]", name, maxsplit=2)
    return parts[1] if parts[0] == "webhook" and len(parts) > 1 else parts[0]


@dataclass(slots=True)
class Job:
    id: int
    name: str
    due: float
    fn: Callable[[], Any] = field(repr=False)
    io: bool = False
    status: str = "pending"  # pending -> running -> done | failed
    error: str | None = None
    timer: Timer | None = field(default=None, repr=False)
    started: float | None = field(default=None, repr=False)  # perf_counter when it ran
    ran_ms: float | None = None  # how long it ran, once finished

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "due": self.due, "status": self.status,
                "error": self.error}


class Jobs:
    def __init__(self, clock: Clock, history: int = 1000) -> None:
        self.clock = clock
        self._ids = itertools.count(1)
        self._pending: dict[int, Job] = {}
        self._finished: list[Job] = []
        self._history = history
        # Set by the sandbox: hands an io job to a worker thread instead of running inline.
        self.offload: Callable[[Job], None] | None = None
        # Set by the sandbox when served: the loop coroutine jobs run on.
        self.loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.RLock()  # jobs finish on worker threads and loop tasks
        # called with each job once it finished (done or failed), on the thread that ran it
        self.listeners: list[Callable[[Job], None]] = []

    def submit(self, fn: Callable[[], Any], *, delay: float = 0.0, at: float | None = None,
               name: str = "", io: bool = False) -> Job:
        due = at if at is not None else self.clock.now() + delay
        job = Job(next(self._ids), name or getattr(fn, "__name__", "job"), due, fn, io)
        with self._lock:
            self._pending[job.id] = job
        job.timer = self.clock.call_at(due, lambda: self._due(job))
        return job

    def cancel(self, job: Job) -> bool:
        with self._lock:
            if job.status != "pending":
                return False
            if job.timer:
                job.timer.cancel()
            job.status = "cancelled"
            self._pending.pop(job.id, None)
            self._remember(job)
        return True

    def pending(self) -> list[Job]:
        """Jobs not finished yet (waiting for their time, or running), in due order."""
        with self._lock:
            jobs = list(self._pending.values())
        return sorted(jobs, key=lambda j: (j.due, j.id))

    def finished(self) -> list[Job]:
        with self._lock:
            return list(self._finished)

    def drain(self, max_rounds: int = 10_000) -> int:
        """Run every job that is due now, and the jobs those schedule, until none is left.

        Jobs already running elsewhere (a delivery on a worker thread) are not waited for.
        """
        ran = 0
        for _ in range(max_rounds):
            now = self.clock.now()
            due = [j for j in self.pending() if j.due <= now and j.status == "pending"]
            if not due:
                return ran
            for job in due:
                if job.status == "pending":
                    self.run(job)
                    ran += 1
        raise RuntimeError("jobs keep scheduling jobs: drain gave up")

    def running(self) -> list[Job]:
        """Jobs running now elsewhere (a delivery on a worker thread, a task on the loop)."""
        return [j for j in self.pending() if j.status == "running"]

    def idle(self) -> bool:
        """Nothing running and nothing due: what is left is scheduled for later."""
        now = self.clock.now()
        return not any(j.status == "running" or j.due <= now for j in self.pending())

    def shutdown(self, wait: float = 15.0) -> int:
        """Finish what is due, inline, including what running jobs schedule as they end (a
        delivery queued behind its origin's busy slots); jobs for later stay pending (listed,
        never dropped). Waits up to `wait` s for jobs running on other threads; never raises.
        """
        ran = 0
        ends = time.monotonic() + wait
        while True:
            try:
                ran += self.drain()
            except RuntimeError as exc:  # a job that reschedules itself for now, forever
                log.error("shutdown: %s; %d jobs left pending", exc, len(self.pending()))
                return ran
            if not self.running() or time.monotonic() > ends:
                if self.idle():
                    return ran
                if time.monotonic() > ends:
                    log.error("shutdown: %d jobs still running after %g s",
                              len(self.running()), wait)
                    return ran
            time.sleep(0.02)

    # -- running -----------------------------------------------------------------------
    def _due(self, job: Job) -> None:
        if job.status != "pending":
            return
        if job.io and self.offload is not None:
            job.status = "running"
            self.offload(job)
        else:
            self.run(job)

    def run(self, job: Job) -> None:
        with self._lock:
            if job.status not in ("pending", "running"):
                return
            if job.timer:
                job.timer.cancel()
            job.status = "running"
            job.started = time.perf_counter()
        try:
            result = job.fn()
            if inspect.isawaitable(result) and self._start_async(job, result):
                return  # finishes when its task does
        except Exception as exc:  # a failing job is recorded, never raised into a request
            self._failed(job, exc)
        self._finish(job)

    def _start_async(self, job: Job, awaitable: Awaitable[Any]) -> bool:
        """Run a coroutine job: as a task on the served loop, else to completion right here."""
        loop = self.loop
        if loop is None or loop.is_closed():
            run_inline(awaitable)
            return False

        async def task() -> None:
            try:
                await awaitable
            except Exception as exc:
                self._failed(job, exc)
            self._finish(job)

        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            loop.create_task(task())
        else:  # called from another thread (a test draining a live sandbox): wait for it
            asyncio.run_coroutine_threadsafe(task(), loop).result()
        return True

    def _failed(self, job: Job, exc: Exception) -> None:
        job.status = "failed"
        job.error = f"{type(exc).__name__}: {exc}"
        log.error("job %s failed:\n%s", job.name,
                  "".join(traceback.format_exception(exc)))

    def _finish(self, job: Job) -> None:
        with self._lock:
            if job.status == "running":
                job.status = "done"
            self._pending.pop(job.id, None)
            self._remember(job)
            if job.started is not None:
                job.ran_ms = round((time.perf_counter() - job.started) * 1000, 3)
        for listener in self.listeners:
            listener(job)

    def _remember(self, job: Job) -> None:
        self._finished.append(job)
        if len(self._finished) > self._history:
            del self._finished[: len(self._finished) - self._history]
