"""All fakes behind one ASGI app: /<api>/... for each vendor, /_admin for the control surface.

The prefix router is plain ASGI (no middleware classes), so the hot path costs one dict
lookup. The sandbox owns the services the APIs share and, when served, a ticker that runs
timers and jobs in real time.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.types import Receive, Scope, Send

from . import apis
from .core.app import ApiApp
from .core.jobs import Job
from .core.services import Services
from .guard import LOOPBACK_HOSTS, is_control_path, refusal

log = logging.getLogger("mailmocks")


class Sandbox:
    def __init__(self, names: list[str] | None = None, *, strict: bool = False,
                 seed: int | None = None, fixtures: dict[str, str] | None = None,
                 services: Services | None = None,
                 hosts: frozenset[str] | None = LOOPBACK_HOSTS) -> None:
        self.names = list(names or apis.names())
        # host names the control surface answers to; None: any (served with --allow-remote)
        self.hosts = hosts
        self.strict = strict
        self.seed = seed
        self.fixtures = dict(fixtures or {})
        self.services = services or Services()
        self.apps: dict[str, ApiApp] = {}
        self._ticker: asyncio.Task[None] | None = None
        self._build()
        # a request naming a vendor's own host (api.convertkit.com) reaches that fake as is
        self.host_routes: dict[str, str] = vendor_host_routes(self.names)
        from .admin import build_admin  # the admin app reads the sandbox it serves
        self.admin = build_admin(self)

    def _build(self) -> None:
        for name in self.names:
            api = apis.load(name)
            world = api.new_world(self.services, self.fixtures.get(name), self.seed)
            if name in self.apps:  # a reset: same app objects, new state
                self.apps[name].replace_world(world)
            else:
                self.apps[name] = ApiApp(api, world, self.services, strict=self.strict)

    def world(self, name: str) -> Any:
        return self.apps[name].world

    def reset(self) -> None:
        """Back to the fixtures: fresh worlds; journal, outbox, faults and limits cleared."""
        for job in self.services.jobs.pending():
            self.services.jobs.cancel(job)
        s = self.services
        for clear in (s.journal.clear, s.outbox.clear, s.faults.clear, s.limiter.reset,
                      s.webhooks.clear):
            clear()
        self._build()

    # -- ASGI --------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        path: str = scope["path"]
        by_host = self.host_routes.get(_host_of(scope)) if self.host_routes else None
        if by_host is not None and not _sandbox_only(path):
            await self.apps[by_host](scope, receive, send)
            return
        if scope["type"] == "http" and is_control_path(path):
            refused = refusal(scope, self.hosts)
            if refused is not None:
                await _refuse(scope, receive, send, *refused)
                return
        head, _, rest = path[1:].partition("/")
        app = self.apps.get(head)
        if app is None:
            if head == "_admin" or path == "/":
                await self.admin(scope, receive, send)
                return
            from starlette.responses import PlainTextResponse
            await PlainTextResponse(
                f"No API at /{head}. Served: " + ", ".join(f"/{n}" for n in self.apps),
                status_code=404)(scope, receive, send)
            return
        child = dict(scope)
        child["root_path"] = scope.get("root_path", "") + "/" + head
        child["path"] = "/" + rest
        child["raw_path"] = child["path"].encode()
        await app(child, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.start_ticker()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop_ticker()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- real time ---------------------------------------------------------------------
    def start_ticker(self, interval: float = 0.05) -> None:
        loop = asyncio.get_running_loop()
        jobs = self.services.jobs
        jobs.loop = loop
        self.services.render.start()  # templates render on worker threads from now on

        def offload(job: Job) -> None:
            # network deliveries run on a worker thread; the loop keeps serving
            loop.run_in_executor(None, jobs.run, job)

        jobs.offload = offload

        async def tick() -> None:
            while True:
                try:
                    self.services.clock.run_due()
                except Exception:  # a failing timer must not stop time
                    log.exception("timer failed")
                await asyncio.sleep(interval)

        self._ticker = loop.create_task(tick())

    async def stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        self.services.jobs.offload = None
        self.services.jobs.loop = None
        self.services.render.stop()
        done = self.services.jobs.shutdown()  # finish what is due; later work stays listed
        log.info("shutdown: ran %d due jobs, %d still scheduled", done,
                 len(self.services.jobs.pending()))


def vendor_host_routes(names: list[str]) -> dict[str, str]:
    """host -> API: each API's `vendor_hosts` and the host of its `vendor_base_url`."""
    routes: dict[str, str] = {}
    for name in names:
        api = apis.load(name)
        base = urlsplit(api.vendor_base_url).hostname
        for host in (*api.vendor_hosts, *([base] if base else [])):
            routes.setdefault(host.lower(), name)
    return routes


def _host_of(scope: Scope) -> str:
    for key, value in scope.get("headers", ()):
        if key == b"host":
            host = str(value.decode("latin-1")).lower()
            name, _, port = host.rpartition(":")
            return name if port.isdigit() else host
    return ""


def _sandbox_only(path: str) -> bool:
    # the sandbox's own routes are never reached through a vendor's host name
    return path == "/_sandbox" or path.startswith("/_sandbox/") or path.startswith("/_admin")


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, reason: str) -> None:
    from starlette.responses import Response
    body = orjson.dumps({"error": reason})
    await Response(body, status, media_type="application/json")(scope, receive, send)
