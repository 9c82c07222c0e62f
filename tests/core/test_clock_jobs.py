from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mailmocks.core.clock import Clock, iso
from mailmocks.core.jobs import Jobs

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)


def test_frozen_clock_only_moves_when_advanced() -> None:
    clock = Clock(frozen_at=T0)
    assert clock.now() == T0.timestamp()
    clock.advance(90)
    assert iso(clock.now()) == "2030-01-01T00:01:30.000Z"
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_advance_runs_timers_in_order_each_at_its_own_time() -> None:
    clock = Clock(frozen_at=T0)
    seen: list[tuple[str, float]] = []
    clock.call_later(30, lambda: seen.append(("b", clock.now())))
    clock.call_later(10, lambda: seen.append(("a", clock.now())))
    late = clock.call_later(500, lambda: seen.append(("never", clock.now())))
    late.cancel()
    assert clock.advance(60) == 2
    base = T0.timestamp()
    assert seen == [("a", base + 10), ("b", base + 30)]
    assert clock.now() == base + 60


def test_jobs_wait_for_drain_and_run_in_due_order() -> None:
    clock = Clock(frozen_at=T0)
    jobs = Jobs(clock)
    order: list[str] = []
    jobs.submit(lambda: order.append("first"))
    def second() -> None:
        order.append("second")
        jobs.submit(lambda: order.append("child"))

    jobs.submit(second)
    later = jobs.submit(lambda: order.append("later"), delay=3600)
    assert order == []  # nothing runs on its own
    assert jobs.drain() == 3
    assert order == ["first", "second", "child"]
    assert [j.id for j in jobs.pending()] == [later.id]  # future work is kept, not run early
    clock.advance(3600)
    assert order[-1] == "later" and jobs.pending() == []


def test_failed_job_is_recorded_not_raised() -> None:
    jobs = Jobs(Clock(frozen_at=T0))

    def boom() -> None:
        raise RuntimeError("target exploded")

    job = jobs.submit(boom, name="boom")
    jobs.drain()
    assert job.status == "failed" and "target exploded" in (job.error or "")


def test_shutdown_finishes_due_work_and_keeps_the_rest() -> None:
    jobs = Jobs(Clock(frozen_at=T0))
    done: list[int] = []
    jobs.submit(lambda: done.append(1))
    kept = jobs.submit(lambda: done.append(2), delay=60)
    assert jobs.shutdown() == 1
    assert done == [1] and jobs.pending() == [kept]


def test_cancelled_job_never_runs() -> None:
    clock = Clock(frozen_at=T0)
    jobs = Jobs(clock)
    ran: list[int] = []
    job = jobs.submit(lambda: ran.append(1), delay=5)
    assert jobs.cancel(job)
    clock.advance(10)
    assert ran == [] and job.status == "cancelled"


def test_iso_pads_small_years() -> None:
    assert iso(datetime(1, 1, 1, tzinfo=timezone.utc).timestamp()) == "0001-01-01T00:00:00.000Z"
    assert iso(0, millis=False) == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize(("name", "api"), [
    ("convertkit:broadcast:2", "convertkit"), ("esputnik import 7", "esputnik"),
    ("webhook:highlevel:order.completed", "highlevel"), ("plain", "plain")])
def test_a_job_belongs_to_the_api_its_name_starts_with(name: str, api: str) -> None:
    from mailmocks.core.jobs import job_api

    assert job_api(name) == api
