"""Background work that vendors do after answering (batches, imports, sends, deliveries).

A job is a plain function scheduled on the clock. Nothing runs on its own in tests:
`drain()` runs everything due, in order, including jobs that due jobs schedule, and
`clock.advance()` runs jobs whose delay has passed. The sandbox's ticker runs them in
real time; jobs marked `io=True` (network deliveries) then go to a worker thread so a
slow target never holds the event loop.
"""
from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock, Timer

log = logging.getLogger("mailmocks.jobs")


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

    def submit(self, fn: Callable[[], Any], *, delay: float = 0.0, at: float | None = None,
               name: str = "", io: bool = False) -> Job:
        due = at if at is not None else self.clock.now() + delay
        job = Job(next(self._ids), name or getattr(fn, "__name__", "job"), due, fn, io)
        self._pending[job.id] = job
        job.timer = self.clock.call_at(due, lambda: self._due(job))
        return job

    def cancel(self, job: Job) -> bool:
        if job.status != "pending":
            return False
        if job.timer:
            job.timer.cancel()
        job.status = "cancelled"
        self._pending.pop(job.id, None)
        self._remember(job)
        return True

    def pending(self) -> list[Job]:
        return sorted(self._pending.values(), key=lambda j: (j.due, j.id))

    def finished(self) -> list[Job]:
        return list(self._finished)

    def drain(self, max_rounds: int = 10_000) -> int:
        """Run every job that is due now, and the jobs those schedule, until none is left."""
        ran = 0
        for _ in range(max_rounds):
            now = self.clock.now()
            due = [j for j in self.pending() if j.due <= now]
            if not due:
                return ran
            for job in due:
                if job.status == "pending":
                    self.run(job)
                    ran += 1
        raise RuntimeError("jobs keep scheduling jobs: drain gave up")

    def shutdown(self) -> int:
        """Finish what is due; jobs for later stay pending (listed, never dropped)."""
        return self.drain()

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
        if job.timer:
            job.timer.cancel()
        job.status = "running"
        try:
            job.fn()
        except Exception as exc:  # a failing job is recorded, never raised into a request
            job.status = "failed"
            job.error = f"{type(exc).__name__}: {exc}"
            log.error("job %s failed:\n%s", job.name, traceback.format_exc())
        else:
            job.status = "done"
        self._pending.pop(job.id, None)
        self._remember(job)

    def _remember(self, job: Job) -> None:
        self._finished.append(job)
        if len(self._finished) > self._history:
            del self._finished[: len(self._finished) - self._history]
