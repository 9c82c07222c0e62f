"""Outbound webhook deliveries: POSTed over httpx by jobs, every attempt journaled.

A delivery never runs inside the request that caused it, so a target that is down or slow
cannot block or break that request. Vendors supply the payload, optional signing headers
and their retry schedule.

One bad target cannot starve the others: an attempt has a total deadline (connect, send and
the whole answer, however slowly it trickles), and at most `per_target` attempts to one
origin run at once; the rest wait in that origin's queue without holding a worker thread.
"""
from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from .clock import Clock
from .jobs import Jobs
from .journal import Journal

Signer = Callable[[bytes], dict[str, str]]
# Marks every request the fakes send, so the sandbox refuses it on its own control routes
# (a webhook pointed at /_admin/reset must not reset the sandbox).
OUTBOUND_HEADER = "x-mailmocks-delivery"


@dataclass(slots=True)
class Attempt:
    at: float
    status: int | None
    response: str
    error: str | None = None


@dataclass(slots=True)
class Delivery:
    id: int
    api: str
    event: str
    url: str
    payload: Any
    headers: dict[str, str]
    body: bytes = field(repr=False)
    retry_delays: tuple[float, ...] = ()
    attempts: list[Attempt] = field(default_factory=list)
    state: str = "pending"  # pending -> delivered | failed

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "api": self.api, "event": self.event, "url": self.url,
                "payload": self.payload, "state": self.state,
                "attempts": [{"at": a.at, "status": a.status, "response": a.response,
                              "error": a.error} for a in self.attempts]}


class Webhooks:
    def __init__(self, clock: Clock, jobs: Jobs, journal: Journal, timeout: float = 5.0,
                 deadline: float = 10.0, per_target: int = 2) -> None:
        self.clock = clock
        self.jobs = jobs
        self.journal = journal
        self.timeout = timeout  # per phase (connect, write, each read)
        self.deadline = deadline  # per attempt, all phases together
        self.per_target = per_target  # attempts to one origin at once
        self._ids = itertools.count(1)
        self._deliveries: list[Delivery] = []
        self._lock = threading.Lock()  # attempts may run on worker threads
        self._inflight: dict[str, int] = {}
        self._waiting: dict[str, deque[Delivery]] = {}
        self.transport: httpx.BaseTransport | None = None  # tests may inject one

    def send(self, *, api: str, event: str, url: str, payload: Any,
             sign: Signer | None = None, headers: dict[str, str] | None = None,
             retry_delays: Sequence[float] = ()) -> Delivery:
        body = orjson.dumps(payload)
        all_headers = {"content-type": "application/json", "user-agent": f"mailmocks-{api}"}
        all_headers.update(headers or {})
        if sign is not None:
            all_headers.update(sign(body))
        delivery_id = next(self._ids)
        all_headers[OUTBOUND_HEADER] = str(delivery_id)
        delivery = Delivery(delivery_id, api, event, url, payload, all_headers, body,
                            tuple(retry_delays))
        with self._lock:
            self._deliveries.append(delivery)
            if len(self._deliveries) > 5000:
                del self._deliveries[:1000]
        self._schedule(delivery, 0.0)
        return delivery

    def deliveries(self, api: str | None = None, event: str | None = None) -> list[Delivery]:
        with self._lock:
            return [d for d in self._deliveries
                    if (api is None or d.api == api) and (event is None or d.event == event)]

    def clear(self) -> None:
        with self._lock:
            self._deliveries.clear()
            self._waiting.clear()

    def _schedule(self, delivery: Delivery, delay: float) -> None:
        self.jobs.submit(lambda: self._attempt(delivery), delay=delay,
                         name=f"webhook:{delivery.api}:{delivery.event}", io=True)

    def _attempt(self, delivery: Delivery) -> None:
        origin = _origin(delivery.url)
        with self._lock:
            if self._inflight.get(origin, 0) >= self.per_target:
                self._waiting.setdefault(origin, deque()).append(delivery)
                return  # its turn comes when an attempt to this origin ends
            self._inflight[origin] = self._inflight.get(origin, 0) + 1
        try:
            self._post(delivery)
        finally:
            with self._lock:
                self._inflight[origin] -= 1
                queue = self._waiting.get(origin)
                follower = queue.popleft() if queue else None
            if follower is not None:
                self._schedule(follower, 0.0)

    def _send_once(self, delivery: Delivery) -> tuple[int, str]:
        """POST within the attempt's deadline: (status, the answer's first 2,000 characters)."""
        ends = time.monotonic() + self.deadline
        phase = httpx.Timeout(min(self.timeout, self.deadline))
        with httpx.Client(timeout=phase, transport=self.transport, trust_env=False) as client:
            # a target trickling its status line or headers is cut off by closing the client
            watchdog = threading.Timer(self.deadline + 1.0, client.close)
            watchdog.daemon = True
            watchdog.start()
            try:
                with client.stream("POST", delivery.url, content=delivery.body,
                                   headers=delivery.headers) as resp:
                    kept = bytearray()
                    for chunk in resp.iter_raw():
                        if len(kept) < 2000:
                            kept += chunk[: 2000 - len(kept)]
                        if time.monotonic() > ends:
                            raise httpx.ReadTimeout(
                                f"no complete answer within {self.deadline:g} s",
                                request=resp.request)
                    return resp.status_code, kept.decode("utf-8", "replace")
            finally:
                watchdog.cancel()

    def _post(self, delivery: Delivery) -> None:
        started = time.perf_counter()
        entry = self.journal.start("webhook", delivery.api, self.clock.now(),
                                   operation=delivery.event, method="POST", path=delivery.url,
                                   request_body=delivery.body)
        status: int | None = None
        text = ""
        error: str | None = None
        try:
            status, text = self._send_once(delivery)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # the watchdog closed the connection under the read
            error = f"cut off after {self.deadline:g} s ({type(exc).__name__})"
        self.journal.finish(entry, status, text, (time.perf_counter() - started) * 1000, error)
        with self._lock:
            delivery.attempts.append(Attempt(self.clock.now(), status, text, error))
            ok = status is not None and 200 <= status < 300
            tried = len(delivery.attempts)
            if ok:
                delivery.state = "delivered"
            elif tried <= len(delivery.retry_delays):
                delivery.state = "pending"
            else:
                delivery.state = "failed"
        if delivery.state == "pending" and not ok:
            self._schedule(delivery, delivery.retry_delays[tried - 1])


def _origin(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return url
    return f"{parsed.scheme}://{parsed.host}:{parsed.port or ''}"
