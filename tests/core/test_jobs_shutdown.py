"""Jobs.shutdown: deliveries running on worker threads, and those queued behind their
target's busy slots, all go out before it returns; it never raises."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mailmocks.core.jobs import Job
from mailmocks.core.services import Services


def test_shutdown_waits_for_running_and_queued_deliveries() -> None:
    got: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            got.append(self.rfile.read(int(self.headers["content-length"])))
            time.sleep(0.1)
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    s = Services()
    pool = ThreadPoolExecutor(4)

    def offload(job: Job) -> None:  # as the served sandbox does
        pool.submit(s.jobs.run, job)

    s.jobs.offload = offload
    try:
        for i in range(8):
            s.webhooks.send(api="x", event="e", url=url, payload={"i": i})
        s.clock.run_due()  # two attempts start on threads, the others queue for the target
        s.jobs.offload = None  # stopping: no more threads
        s.jobs.shutdown()
    finally:
        pool.shutdown(wait=True)
        server.shutdown()
        server.server_close()
    assert [d.state for d in s.webhooks.deliveries()] == ["delivered"] * 8
    assert len(got) == 8 and s.jobs.pending() == []


def test_shutdown_of_a_job_that_keeps_rescheduling_itself_does_not_raise() -> None:
    s = Services()

    def again() -> None:
        s.jobs.submit(again, name="again")

    s.jobs.submit(again, name="again")
    s.jobs.shutdown()  # gives up with a log line instead of a RuntimeError
    assert [j.name for j in s.jobs.pending()] == ["again"]
