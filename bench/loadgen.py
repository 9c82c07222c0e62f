"""A closed-loop HTTP/1.1 load generator on raw asyncio protocols, used when wrk is absent.

Like `wrk -c N`: N keep-alive connections, each with one request in flight, sending the next
as soon as the previous response is complete. It works in asyncio.Protocol callbacks, with
pre-encoded requests and a minimal response parser, so no coroutine switch or header dict is
paid per request: the client should cost far less CPU per request than the server.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .scenarios import Target


@dataclass
class LoadResult:
    completed: int = 0          # responses fully read inside the measured window
    non_2xx: int = 0
    errors: int = 0             # connections lost or refused while loading
    elapsed: float = 0.0
    client_cpu: float = 0.0     # seconds of this process's CPU inside the window
    first_bad: str = ""         # head of the first non-2xx response, for the report
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list, repr=False)  # per response
    p50_ms: float | None = None  # set directly by drivers that report percentiles (wrk)
    p99_ms: float | None = None

    @property
    def rps(self) -> float:
        return self.completed / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float | None:
        given = {50: self.p50_ms, 99: self.p99_ms}.get(round(q))
        if given is not None or not self.latencies_ms:
            return given
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


class _Run:
    """State shared by every connection of one load run."""

    def __init__(self, requests: list[bytes]) -> None:
        self._requests: Iterator[bytes] = itertools.cycle(requests)
        self.counting = False
        self.stopping = False
        self.result = LoadResult()

    def next_request(self) -> bytes:
        return next(self._requests)

    def record(self, status: int, head: bytes, body: bytes, latency: float) -> None:
        if not self.counting:
            return
        r = self.result
        r.completed += 1
        r.latencies_ms.append(latency * 1000)
        if not 200 <= status < 300:
            r.non_2xx += 1
            r.statuses[status] = r.statuses.get(status, 0) + 1
            if not r.first_bad:
                r.first_bad = (head.split(b"\r\n", 1)[0] + b" " + body[:300]).decode(
                    errors="replace")


class _Connection(asyncio.Protocol):
    def __init__(self, run: _Run, lost: asyncio.Future[None]) -> None:
        self.run = run
        self.lost = lost
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.sent_at = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.sent_at = time.perf_counter()
        transport.write(self.run.next_request())

    def data_received(self, data: bytes) -> None:
        self.buf = self.buf + data if self.buf else data
        while True:
            done = self._take_response()
            if done is None:
                return  # wait for more bytes
            if self.run.stopping or not done:
                assert self.transport is not None
                self.transport.close()
                return
            assert self.transport is not None
            self.sent_at = time.perf_counter()
            self.transport.write(self.run.next_request())

    def _take_response(self) -> bool | None:
        """Consume one complete response from the buffer. None: incomplete. Otherwise whether
        the connection may be reused."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buf[:end]
        lower = head.lower()
        start = end + 4
        i = lower.find(b"\r\ncontent-length:")
        if i >= 0:
            j = lower.find(b"\r\n", i + 2)
            length = int(head[i + 17:j if j >= 0 else len(head)])
            if len(self.buf) < start + length:
                return None
            body = self.buf[start:start + length]
            rest = self.buf[start + length:]
        elif b"\r\ntransfer-encoding: chunked" in lower:
            parsed = _dechunk(self.buf, start)
            if parsed is None:
                return None
            body, rest = parsed
        else:
            return None  # body ends at close; connection_lost handles it (not used by uvicorn)
        self.buf = rest
        self.run.record(int(head[9:12]), head, body, time.perf_counter() - self.sent_at)
        return b"\r\nconnection: close" not in lower

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)


def _dechunk(buf: bytes, pos: int) -> tuple[bytes, bytes] | None:
    parts = []
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(buf[pos:eol].split(b";", 1)[0], 16)
        if len(buf) < eol + 2 + size + 2:
            return None
        parts.append(buf[eol + 2:eol + 2 + size])
        pos = eol + 2 + size + 2
        if size == 0:
            # no trailers from uvicorn: the terminating chunk is followed by CRLF
            return b"".join(parts), buf[pos:]


async def _keep_connected(host: str, port: int, run: _Run) -> None:
    """One virtual user: (re)open a connection until the run stops."""
    loop = asyncio.get_running_loop()
    while not run.stopping:
        lost: asyncio.Future[None] = loop.create_future()
        try:
            transport, _ = await loop.create_connection(
                lambda lost=lost: _Connection(run, lost), host, port)  # type: ignore[misc]
        except OSError:
            if run.counting:
                run.result.errors += 1
            await asyncio.sleep(0.05)  # server gone or backlog full: do not spin
            continue
        try:
            await lost
        finally:
            transport.close()
        if not run.stopping and run.counting:
            run.result.errors += 1


def _nothing() -> None:
    pass


async def run_load(host: str, port: int, target: Target, *, connections: int, warmup: float,
                   duration: float, on_start: Callable[[], None] = _nothing,
                   on_stop: Callable[[], None] = _nothing) -> LoadResult:
    """on_start/on_stop bracket the measured window (the caller samples server CPU there)."""
    run = _Run(target.raw_requests(host, port))
    users = [asyncio.create_task(_keep_connected(host, port, run)) for _ in range(connections)]
    try:
        # Load runs without pause from warmup into the window; only the window is counted.
        await asyncio.sleep(warmup)
        on_start()
        run.counting = True
        t0, c0 = time.perf_counter(), time.process_time()
        await asyncio.sleep(duration)
        run.counting = False
        run.result.elapsed = time.perf_counter() - t0
        run.result.client_cpu = time.process_time() - c0
        on_stop()
    finally:
        run.stopping = True
        for task in users:
            task.cancel()
        for task in users:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return run.result
