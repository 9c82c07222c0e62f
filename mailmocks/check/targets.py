"""What a check runs against: the in-process fake, a sandbox it serves, or any server.

Every target is an ASGI app schemathesis calls in-process. For the fake that app is the
sandbox itself (no socket). For a served sandbox or another server it is a `Forwarder` that
sends each request on with httpx and waits out 429 answers (Retry-After, the vendor's window
headers, else a bounded backoff), so a rate limit slows a run down and never shows up as a
result. The waits are counted; a 429 that outlasts them reaches the checks and is reported.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from .. import apis
from ..live import LiveServer
from ..sandbox import Sandbox

# Where `mailmocks serve` answers by default: curls printed for an in-process run work there.
SERVE_ROOT = "http://127.0.0.1:8025"
MAX_WAIT = 120.0  # seconds one request may spend waiting out 429s before its 429 counts
HOP_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection",
                         "content-encoding", "keep-alive"})

ASGIApp = Callable[..., Any]


class TargetError(RuntimeError):
    """The target cannot be checked (unreachable, not the API): one line for the user."""


def retry_delay(headers: httpx.Headers, attempt: int) -> float:
    """How long a 429 asks us to wait: Retry-After (seconds or a date), a reset header, the
    burst window HighLevel names; else 1, 2, 4 ... seconds (ConvertKit says nothing)."""
    value = headers.get("retry-after", "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    for name in ("ratelimit-reset", "x-ratelimit-reset"):
        raw = headers.get(name, "").strip()
        if raw.replace(".", "", 1).isdigit():
            seconds = float(raw)
            return max(0.0, seconds - time.time()) if seconds > 1e9 else seconds
    interval = headers.get("x-ratelimit-interval-milliseconds", "").strip()
    if interval.isdigit():
        return int(interval) / 1000
    return float(min(2 ** attempt, 30))


@dataclass
class Pace:
    """At most `limit` requests per `window` seconds, spaced evenly (`--rate 100/m`)."""

    limit: int
    window: float
    _next: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Pace:
        count, sep, unit = text.partition("/")
        seconds = {"s": 1.0, "m": 60.0, "h": 3600.0}.get(unit.strip())
        if not sep or seconds is None or not count.strip().isdigit() or int(count) < 1:
            raise ValueError(f"--rate wants N/s, N/m or N/h, got {text!r}")
        return cls(int(count), seconds)

    async def wait(self) -> None:
        now = time.monotonic()
        delay = self._next - now
        self._next = max(now, self._next) + self.window / self.limit
        if delay > 0:
            await asyncio.sleep(delay)


@dataclass
class Waits:
    """429 answers waited out, per request path and in all, and the seconds spent."""

    answers: int = 0
    seconds: float = 0.0
    by_path: dict[str, int] = field(default_factory=dict)


class Forwarder:
    """An ASGI app that sends every request on to `base_url`'s origin with httpx."""

    def __init__(self, base_url: str, pace: Pace | None = None, max_wait: float = MAX_WAIT,
                 sleep: Callable[[float], Any] = asyncio.sleep,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.pace = pace
        self.max_wait = max_wait
        self.sleep = sleep
        self.transport = transport  # tests answer with httpx.MockTransport
        self.waits = Waits()
        self.errors: list[str] = []
        self.allowed: Callable[[str, str], bool] | None = None
        self._client: httpx.AsyncClient | None = None

    def allow_only(self, allowed: Callable[[str, str], bool]) -> None:
        """Refuse to send what `allowed(method, path)` rejects (a read-only run): it is
        answered 405 here and reported as an error, never sent."""
        self.allowed = allowed

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        url = self.origin + scope.get("raw_path", scope["path"].encode()).decode()
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode()
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"]
                   if k.decode().lower() not in HOP_HEADERS]
        if self.allowed is not None and not self.allowed(scope["method"], scope["path"]):
            self.errors.append(f"read-only run refused to send {scope['method']} "
                               f"{scope['path']}")
            await send({"type": "http.response.start", "status": 405,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"refused: read-only check"})
            return
        response = await self._send(scope["method"], url, headers, body)
        out = [(k.encode(), v.encode()) for k, v in response.headers.multi_items()
               if k.lower() not in HOP_HEADERS]
        out.append((b"content-length", str(len(response.content)).encode()))
        await send({"type": "http.response.start", "status": response.status_code,
                    "headers": out})
        await send({"type": "http.response.body", "body": response.content})

    async def _send(self, method: str, url: str, headers: list[tuple[str, str]],
                    body: bytes) -> httpx.Response:
        if self._client is None:  # made on the loop schemathesis runs apps on, kept open
            self._client = httpx.AsyncClient(timeout=30.0, transport=self.transport)
        waited = 0.0
        for attempt in range(64):
            if self.pace is not None:
                await self.pace.wait()
            try:
                response = await self._client.request(method, url, headers=headers,
                                                      content=body)
            except httpx.HTTPError as exc:
                self.errors.append(f"{method} {url}: {exc.__class__.__name__} {exc}")
                raise
            if response.status_code != 429:
                return response
            delay = retry_delay(response.headers, attempt)
            if waited + delay > self.max_wait:
                return response  # it stays a 429: counted, never coverage
            path = urlsplit(url).path
            self.waits.answers += 1
            self.waits.by_path[path] = self.waits.by_path.get(path, 0) + 1
            self.waits.seconds += delay
            waited += delay
            await self.sleep(delay)
        return response


class Local:
    """The sandbox as schemathesis' in-process app, its lifespan answered here: no ticker
    starts, so nothing happens on its own (queued work runs when the check drains it)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        await self.sandbox(scope, receive, send)


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class Served(LiveServer):
    """The sandbox under uvicorn for `--serve`: a start that fails is the check's one line."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, log_level="error", name="mailmocks-check-serve",
                         access_log=False)

    def start(self, timeout: float = 15) -> None:
        try:
            super().start(timeout)
        except RuntimeError as exc:
            raise TargetError(str(exc)) from None


@dataclass
class Target:
    """One API's target: the app schemathesis calls, the base URL its curls name, where
    credentials come from, and whether it is a mailmocks fake (full checks by default)."""

    api: str
    kind: str  # "fake" | "served" | "remote"
    base_url: str
    app: ASGIApp
    credentials: Callable[[], dict[str, str]]
    is_mailmocks: bool
    sandbox: Sandbox | None = None
    forwarder: Forwarder | None = None
    served: Served | None = None
    restore: Callable[[], None] | None = None  # undo what the run changed on the server

    def after_call(self) -> None:
        """Run the in-process fake's queued work after a call (vendors whose `checks.drain`
        asks); a served sandbox runs its own, in real time."""
        if self.kind == "fake" and self.sandbox is not None and apis.load(self.api).checks.drain:
            self.sandbox.services.jobs.drain()

    def close(self) -> None:
        if self.restore is not None:
            self.restore()
        if self.served is not None:
            self.served.stop()


def fake(name: str, rate_limit: bool) -> Target:
    sandbox = Sandbox([name])
    sandbox.services.limiter.enabled = rate_limit
    api = apis.load(name)
    return Target(name, "fake", f"{SERVE_ROOT}/{name}", Local(sandbox),
                  lambda: dict(api.check_credentials(sandbox.world(name))), True, sandbox)


def serve(name: str, rate_limit: bool) -> Target:
    sandbox = Sandbox([name])
    sandbox.services.limiter.enabled = rate_limit
    served = Served(sandbox)
    served.start()
    api = apis.load(name)
    base = f"{served.url}/{name}"
    forwarder = Forwarder(base)
    return Target(name, "served", base, forwarder,
                  lambda: dict(api.check_credentials(sandbox.world(name))), True, sandbox,
                  forwarder, served)


def remote(name: str, base_url: str, credentials: dict[str, str], pace: Pace | None,
           rate_limit: bool = False) -> Target:
    base = base_url.rstrip("/")
    forwarder = Forwarder(base, pace)
    sandbox = is_sandbox(base, name)
    restore = limiter_off(base) if sandbox and not rate_limit else None
    return Target(name, "remote", base, forwarder, lambda: dict(credentials), sandbox,
                  forwarder=forwarder, restore=restore)


def limiter_off(base_url: str) -> Callable[[], None] | None:
    """Switch a mailmocks sandbox's rate limiter off for the run (POST /_admin/ratelimit,
    where the sandbox has it); the returned call puts the previous state back."""
    parts = urlsplit(base_url)
    url = f"{parts.scheme}://{parts.netloc}/_admin/ratelimit"
    try:
        before = httpx.get(url, timeout=5.0)
        was = before.json().get("enabled") if before.status_code == 200 else None
        if not isinstance(was, bool) or httpx.post(url, json={"enabled": False},
                                                   timeout=5.0).status_code != 200:
            return None  # an older sandbox: its 429s are waited out instead
    except (httpx.HTTPError, ValueError, AttributeError):
        return None

    def restore() -> None:
        try:
            httpx.post(url, json={"enabled": was}, timeout=5.0)
        except httpx.HTTPError:
            pass
    return restore


def is_sandbox(base_url: str, name: str) -> bool:
    """Whether `base_url` is `<a mailmocks sandbox>/<name>`: its /_admin lists the API."""
    parts = urlsplit(base_url)
    if parts.path.rstrip("/") != f"/{name}":
        return False
    try:
        answer = httpx.get(f"{parts.scheme}://{parts.netloc}/_admin", timeout=5.0)
        served = answer.json().get("apis", {}) if answer.status_code == 200 else {}
    except (httpx.HTTPError, ValueError, AttributeError):
        return False
    return isinstance(served, dict) and name in served


def probe(base_url: str) -> None:
    """Fail early, in one line, when nothing answers at `base_url`."""
    try:
        httpx.get(base_url, timeout=10.0)
    except httpx.HTTPError as exc:
        reason = str(exc) or exc.__class__.__name__
        raise TargetError(f"cannot reach {base_url}: {reason}") from None
