from __future__ import annotations

import asyncio
import functools
import threading
import time

import pytest

from mailmocks.core.clock import Clock
from mailmocks.core.jobs import Jobs
from mailmocks.core.render import Budget, Limits, Renderer, RenderLimitError, run_inline


def test_budget_counts_steps_output_and_time() -> None:
    budget = Budget(Limits(steps=10, output=5, seconds=60))
    budget.step(10)
    with pytest.raises(RenderLimitError, match="10 loop iterations"):
        budget.step()
    out = Budget(Limits(output=5))
    out.emit(5)
    with pytest.raises(RenderLimitError, match="output exceeded 5"):
        out.emit(1)
    slow = Budget(Limits(steps=10**9, seconds=0.01))
    time.sleep(0.02)
    with pytest.raises(RenderLimitError, match="longer than 0.01 s"):
        for _ in range(1000):
            slow.step()


def test_inline_renderer_runs_in_the_caller_and_never_suspends() -> None:
    renderer = Renderer()
    seen: list[str] = []

    def where(x: str) -> str:
        seen.append(threading.current_thread().name)
        return x

    async def render() -> str:
        return await renderer(where, "ok")

    assert run_inline(render()) == "ok"
    assert seen == [threading.current_thread().name]


def test_threaded_renderer_keeps_the_loop_free() -> None:
    renderer = Renderer()
    renderer.start()
    try:
        async def main() -> tuple[str, float]:
            ticks = 0.0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.001)
                    ticks += 1

            task = asyncio.get_running_loop().create_task(ticker())
            def slow() -> str:
                time.sleep(0.2)
                return threading.current_thread().name

            name = await renderer(slow)
            task.cancel()
            return name, ticks

        name, ticks = asyncio.run(main())
        assert name.startswith("mailmocks-render") and ticks > 20
    finally:
        renderer.stop()


def test_run_inline_refuses_a_coroutine_that_really_suspends() -> None:
    async def sleeps() -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="suspended"):
        run_inline(sleeps())


def test_coroutine_jobs_run_inline_without_a_loop_and_as_tasks_when_served() -> None:
    clock = Clock(frozen_at=0.0)
    jobs = Jobs(clock)
    renderer = Renderer()
    done: list[str] = []

    async def job(tag: str) -> None:
        done.append(await renderer(str.upper, tag))

    jobs.submit(lambda: job("inline"))
    assert jobs.drain() == 1 and done == ["INLINE"]

    async def served() -> None:
        jobs.loop = asyncio.get_running_loop()
        renderer.start()
        try:
            first = jobs.submit(lambda: job("task"))
            jobs.drain()
            assert first.status == "running"  # a task on the loop, not finished yet
            for _ in range(200):
                if first.status == "done":
                    break
                await asyncio.sleep(0.01)
            assert first.status == "done" and jobs.pending() == []
        finally:
            renderer.stop()
            jobs.loop = None

    asyncio.run(served())
    assert done == ["INLINE", "TASK"]


def test_a_failing_coroutine_job_is_recorded() -> None:
    jobs = Jobs(Clock(frozen_at=0.0))

    async def broken() -> None:
        raise ValueError("no")

    job = jobs.submit(broken)
    jobs.drain()
    assert job.status == "failed" and job.error == "ValueError: no"


def test_timers_and_jobs_scheduled_from_many_threads_while_time_runs() -> None:
    clock = Clock()
    jobs = Jobs(clock)
    ran: list[int] = []
    stop = threading.Event()

    def schedule(base: int) -> None:
        for i in range(200):
            jobs.submit(functools.partial(ran.append, base + i))

    def tick() -> None:
        while not stop.is_set():
            clock.run_due()

    ticker = threading.Thread(target=tick)
    ticker.start()
    workers = [threading.Thread(target=schedule, args=(k * 1000,)) for k in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    deadline = time.monotonic() + 5
    while len(ran) < 800 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    ticker.join()
    assert sorted(ran) == sorted(k * 1000 + i for k in range(4) for i in range(200))
    assert jobs.pending() == []
