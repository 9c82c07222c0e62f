"""The forwarder waits out 429 answers (never coverage) and paces a run when asked."""
from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from mailmocks.check.targets import Forwarder, Pace, retry_delay


def test_retry_delay_reads_the_vendor_headers() -> None:
    assert retry_delay(httpx.Headers({"Retry-After": "7"}), 0) == 7
    assert retry_delay(httpx.Headers({"X-RateLimit-Reset": "3"}), 0) == 3
    assert 0 < retry_delay(httpx.Headers({"RateLimit-Reset": str(int(time.time()) + 5)}), 0) <= 5
    assert retry_delay(httpx.Headers({"X-RateLimit-Interval-Milliseconds": "10000"}), 0) == 10
    # ConvertKit says nothing: 1, 2, 4 ... seconds, at most 30
    assert [retry_delay(httpx.Headers(), n) for n in (0, 1, 2, 9)] == [1, 2, 4, 30]


def _call(app: Forwarder, path: str) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
             "query_string": b"a=1", "headers": [(b"host", b"testserver")]}
    asyncio.run(app(scope, receive, send))
    return int(sent[0]["status"]), bytes(sent[1]["body"])


def test_429s_are_waited_out_and_counted() -> None:
    answers = iter([429, 429, 200])
    seen: list[str] = []
    slept: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        status = next(answers)
        return httpx.Response(status, headers={"Retry-After": "2"} if status == 429 else {},
                              json={"ok": status == 200})

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    app = Forwarder("https://api.example.com/v3", sleep=sleep,
                    transport=httpx.MockTransport(handler))
    assert _call(app, "/v3/tags") == (200, b'{"ok":true}')
    assert seen == ["https://api.example.com/v3/tags?a=1"] * 3
    assert slept == [2, 2] and app.waits.answers == 2 and app.waits.by_path == {"/v3/tags": 2}


def test_a_429_that_outlasts_the_wait_reaches_the_checks() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "50"})

    async def sleep(seconds: float) -> None:
        pass

    app = Forwarder("https://x", max_wait=120, sleep=sleep,
                    transport=httpx.MockTransport(handler))
    assert _call(app, "/v3/tags")[0] == 429
    assert app.waits.answers == 2  # 50 + 50 waited; a third 50 would pass 120


def test_read_only_guard_refuses_a_write_without_sending_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("sent")

    app = Forwarder("https://x", transport=httpx.MockTransport(handler))
    app.allow_only(lambda method, path: False)
    assert _call(app, "/v3/tags")[0] == 405
    assert app.errors == ["read-only run refused to send GET /v3/tags"]


def test_pace() -> None:
    assert Pace.parse("120/m") == Pace(120, 60.0)
    with pytest.raises(ValueError, match="--rate wants"):
        Pace.parse("0/m")
