"""Outbound webhook deliveries: POSTed over httpx by jobs, every attempt journaled.

A delivery never runs inside the request that caused it, so a target that is down or slow
cannot block or break that request. Vendors supply the payload, optional signing headers
and their retry schedule.
"""
from __future__ import annotations

import itertools
import threading
import time
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
    def __init__(self, clock: Clock, jobs: Jobs, journal: Journal, timeout: float = 5.0) -> None:
        self.clock = clock
        self.jobs = jobs
        self.journal = journal
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._deliveries: list[Delivery] = []
        self._lock = threading.Lock()  # attempts may run on worker threads
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

    def _schedule(self, delivery: Delivery, delay: float) -> None:
        self.jobs.submit(lambda: self._attempt(delivery), delay=delay,
                         name=f"webhook:{delivery.api}:{delivery.event}", io=True)

    def _attempt(self, delivery: Delivery) -> None:
        started = time.perf_counter()
        entry = self.journal.start("webhook", delivery.api, self.clock.now(),
                                   operation=delivery.event, method="POST", path=delivery.url,
                                   request_body=delivery.body)
        status: int | None = None
        text = ""
        error: str | None = None
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport,
                              trust_env=False) as client:
                resp = client.post(delivery.url, content=delivery.body, headers=delivery.headers)
            status, text = resp.status_code, resp.text[:2000]
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
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
