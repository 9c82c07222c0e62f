"""All fakes behind one ASGI app: /<api>/... for each vendor, /_admin for the control surface.

The prefix router is plain ASGI (no middleware classes), so the hot path costs one dict
lookup. The sandbox owns the services the APIs share and, when served, a ticker that runs
timers and jobs in real time.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.types import Receive, Scope, Send

from . import apis
from .core.app import ApiApp
from .core.jobs import Job
from .core.services import Services
from .guard import LOOPBACK_HOSTS, hostname, is_control_path, refusal
from .inspector.pages import PAGE_HEADS

log = logging.getLogger("mailmocks")


class Sandbox:
    def __init__(self, names: list[str] | None = None, *, strict: bool = False,
                 seed: int | None = None, fixtures: dict[str, str] | None = None,
                 services: Services | None = None,
                 hosts: frozenset[str] | None = LOOPBACK_HOSTS, build: bool = True) -> None:
        self.names = list(names or apis.names())
        # host names the control surface answers to; None: any (served with --allow-remote)
        self.hosts = hosts
        self.strict = strict
        self.seed = seed
        self.fixtures = dict(fixtures or {})
        self.services = services or Services()
        self.apps: dict[str, ApiApp] = {}
        self._ticker: asyncio.Task[None] | None = None
        self.session_secret = secrets.token_bytes(32)  # signs the inspector's CSRF tokens
        # served: the worlds are built on a thread after the port is bound (build_later)
        self._builder: threading.Thread | None = None
        self._built = asyncio.Event() if not build else None
        self.build_error: BaseException | None = None
        self._wanted: list[str] = []  # APIs a request waits for while building
        if build:
            self._build()
        # a request naming a vendor's own host (api.convertkit.com) reaches that fake as is
        # (served: found on the build thread, as it imports every vendor package)
        self.host_routes: dict[str, str] = vendor_host_routes(self.names) if build else {}
        from .admin import build_admin  # the admin app reads the sandbox it serves
        self.admin = build_admin(self)

    def _build(self) -> None:
        for name in self.build_order():
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
        self.wait_built()
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
        if self._built is not None and not self.host_routes:
            await self._host_routes_when_known(scope)
        by_host = self.host_routes.get(_host_of(scope)) if self.host_routes else None
        if by_host is not None and not sandbox_only(path):
            hosted = self.apps.get(by_host) or await self._app_when_built(by_host)
            if hosted is not None:
                await hosted(scope, receive, send)
                return
        if scope["type"] == "http" and is_control_path(path):
            refused = refusal(scope, self.hosts, self.session_secret)
            if refused is not None:
                await _refuse(scope, receive, send, *refused)
                return
        head, _, rest = path[1:].partition("/")
        app = self.apps.get(head)
        if app is None and head in self.names and self._built is not None:
            app = await self._app_when_built(head)
        if app is None:
            if head == "_admin" or head in PAGE_HEADS:  # the control API, the inspector
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

    # -- building after the port is bound (serve) ----------------------------------------
    def build_later(self, build: Callable[[], None] | None = None,
                    done: Callable[[], None] | None = None) -> None:
        """Build the worlds on a thread (`build`, default: from the fixtures) while the port
        already answers; requests to an API wait until it is there. Call on the served loop."""
        loop = asyncio.get_running_loop()
        built = self._built = self._built or asyncio.Event()

        def work() -> None:
            try:
                self.host_routes = vendor_host_routes(self.names)
                (build or self._build)()
            except BaseException as exc:  # reported by whoever waits (the CLI exits 1)
                self.build_error = exc
            for then in (self._in_order, built.set, done):
                if then is None:
                    continue
                try:
                    loop.call_soon_threadsafe(then)
                except RuntimeError:  # the server stopped before the build ended: nobody waits
                    return

        self._builder = threading.Thread(target=work, name="mailmocks-build", daemon=True)
        self._builder.start()

    async def _host_routes_when_known(self, scope: Scope) -> None:
        """While starting, a request naming a host that may be a vendor's waits until the
        vendors' hosts are known; the sandbox's own hosts (the usual case) never wait."""
        built = self._built
        host = _host_of(scope)
        if built is None or self._builder is None or host in LOOPBACK_HOSTS or not host:
            return
        while not built.is_set() and not self.host_routes:
            await asyncio.sleep(0.01)

    def _in_order(self) -> None:
        """`apps` in the registry's order again (on the loop: no request sees it change)."""
        ordered = {n: self.apps[n] for n in self.names if n in self.apps}
        self.apps.clear()
        self.apps.update(ordered)

    def build_order(self) -> Iterator[str]:
        """Every API once, those a request is already waiting for first."""
        left = list(self.names)
        while left:
            waited = [n for n in self._wanted if n in left]
            name = waited[0] if waited else left[0]
            left.remove(name)
            yield name

    def wait_built(self) -> None:
        """Block until a background build has finished (a reset must not race it)."""
        if self._builder is not None:
            self._builder.join()

    async def _app_when_built(self, name: str) -> ApiApp | None:
        built = self._built
        assert built is not None
        if self._builder is None:
            return None
        # an API is served as soon as its app is in `apps` (a build adds each when ready)
        if name not in self.apps:
            self._wanted.append(name)  # built next
        while not built.is_set() and name not in self.apps:
            await asyncio.sleep(0.01)  # only while starting: the first second or so
        return self.apps.get(name)

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
            return hostname(value.decode("latin-1"))
    return ""


def sandbox_only(path: str) -> bool:
    # the sandbox's own routes are never reached through a vendor's host name
    return path == "/_sandbox" or path.startswith("/_sandbox/") or path.startswith("/_admin")


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, reason: str) -> None:
    from starlette.responses import Response
    body = orjson.dumps({"error": reason})
    await Response(body, status, media_type="application/json")(scope, receive, send)
