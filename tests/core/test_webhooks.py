"""Outbound deliveries cannot starve: a target that hangs or trickles holds at most
`per_target` attempts, each ended by its deadline, while healthy targets keep their pace."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from support import Receiver, wait_for

from mailmocks.core import Job, Services
from mailmocks.core.webhooks import Webhooks


class Misbehaving:
    """A TCP target on 127.0.0.1 that accepts and then never answers, or trickles."""

    def __init__(self, trickle: bool) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.trickle = trickle
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        with conn:
            if self.trickle:
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n")
            while not self.stop.is_set():
                time.sleep(0.3)
                if self.trickle:
                    try:
                        conn.sendall(b"x")
                    except OSError:
                        return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def served() -> Iterator[Webhooks]:
    """Webhooks as the served sandbox runs them: io jobs on a pool, time on a ticker."""
    services = Services()
    hooks = Webhooks(services.clock, services.jobs, services.journal, timeout=1.0,
                     deadline=2.0, per_target=2)
    pool = ThreadPoolExecutor(6)

    def offload(job: Job) -> None:
        pool.submit(services.jobs.run, job)

    services.jobs.offload = offload
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            services.clock.run_due()
            time.sleep(0.01)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    yield hooks
    stop.set()
    ticker.join()
    pool.shutdown(wait=False, cancel_futures=True)


def test_hanging_and_trickling_targets_never_delay_a_healthy_one(
        served: Webhooks, receiver: Receiver) -> None:
    hang, trickle = Misbehaving(trickle=False), Misbehaving(trickle=True)
    try:
        for i in range(200):
            served.send(api="x", event="e", url=hang.url, payload={"n": i})
        for i in range(20):
            served.send(api="x", event="e", url=trickle.url, payload={"n": i})
        time.sleep(0.2)  # the bad targets have taken what they can
        started = time.monotonic()
        healthy = served.send(api="x", event="e", url=receiver.url + "/ok", payload={})
        assert wait_for(lambda: healthy.state == "delivered", timeout=10)
        assert time.monotonic() - started < 1.5
        trickled = next(d for d in served.deliveries() if d.url == trickle.url)
        assert wait_for(lambda: trickled.state == "failed", timeout=10)
        assert "2 s" in (trickled.attempts[0].error or "")  # ended by its deadline
    finally:
        hang.close()
        trickle.close()
