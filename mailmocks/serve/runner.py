"""Run the sandbox for a developer: bind first, answer at once, build the rest behind it.

The port is bound before anything slow is imported or built, so a port in use is one line
and exit 1, and the first HTTP answer comes in well under a second. The worlds (contracts,
fixtures, Faker rows, or a --data-dir snapshot) are built on a thread while the control
routes already answer; a request to an API waits until its world is there. The banner
(base URLs, credentials, inbox and admin URLs) is printed once everything is ready.

Stopping (Ctrl+C, SIGTERM): uvicorn finishes the requests in flight, then the due jobs run
(deliveries included, also those queued behind a busy target), and what is scheduled for
later is reported, and saved with --data-dir.
"""
from __future__ import annotations

import errno
import os
import socket
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from .. import __version__
from .options import ServeOptions

if TYPE_CHECKING:  # the rest is imported once the port is bound
    from starlette.types import Receive, Scope, Send

    from ..sandbox import Sandbox
    from .persist import Persister
    from .requestlog import RequestLog

LAUNCHED = time.monotonic()  # near enough to the process start: this module is imported early


class ServeError(RuntimeError):
    """A runtime failure to report as one line (exit 1)."""


def is_loopback(host: str) -> bool:
    import ipaddress
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or ServeError saying why not, in one line."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"cannot bind {host}: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is in use (another mailmocks serve?); "
                             "stop it or pick another with --port") from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"no permission to bind {host}:{port}; use a port above 1023"
                             ) from None
        raise ServeError(f"cannot bind {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def run(opts: ServeOptions, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    remote = not is_loopback(opts.host)
    if remote and not opts.allow_remote:
        print(f"mailmocks: --host {opts.host} would expose the sandbox beyond this machine; its "
              "keys are public and /_admin shows every tenant's data. Add --allow-remote to do "
              "it anyway.", file=err)
        return 2
    missing = [f"{n}={p}" for n, p in opts.fixtures.items() if not os.path.isfile(p)]
    if missing:
        print(f"mailmocks: cannot load fixtures: no such file: {missing[0]}", file=err)
        return 1
    try:
        sock = bind(opts.host, opts.port)
    except ServeError as exc:
        print(f"mailmocks: {exc}", file=err)
        return 1
    if remote:
        print(f"mailmocks: WARNING: serving on {opts.host}: anyone who can reach this port can "
              "use the public fixture keys, read every tenant's data through /_admin and "
              "drive the sandbox.", file=err)
    try:
        return _serve(opts, sock, out, remote)
    except ServeError as exc:
        print(f"mailmocks: {exc}", file=err)
        return 1
    finally:
        sock.close()


def _serve(opts: ServeOptions, sock: socket.socket, out: TextIO, remote: bool) -> int:
    import uvicorn

    from ..guard import LOOPBACK_HOSTS
    from ..sandbox import Sandbox
    from .requestlog import RequestLog

    sandbox = Sandbox(opts.api, strict=opts.strict, seed=opts.seed, fixtures=opts.fixtures,
                      hosts=None if remote else LOOPBACK_HOSTS, build=False)
    if opts.no_rate_limit:
        sandbox.services.limiter.enabled = False
    log = RequestLog(sandbox.services.journal, out, fmt=opts.log_format, verbose=opts.verbose)
    persister: Persister | None = None
    if opts.data_dir is not None:
        from .persist import Persister
        persister = Persister.open(opts.data_dir, sandbox, every=opts.save_every, log=log)
    port = sock.getsockname()[1]
    host = opts.host if ":" not in opts.host or opts.host.startswith("[") else f"[{opts.host}]"
    app = Served(sandbox, log, persister, root=f"http://{host}:{port}", out=out,
                 quiet=opts.quiet)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=30)
    server = _server_class()(config)
    app.server = server
    server.run(sockets=[sock])
    if app.failure is not None:
        raise ServeError(app.failure)
    return 0


def _server_class() -> type[Any]:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, but a stop by signal that shut down cleanly exits 0 instead of
        re-raising the signal once done (a second Ctrl+C still forces the exit)."""

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()

    return Server


class Served:
    """The sandbox as uvicorn runs it: its lifespan builds, announces, stops and saves."""

    def __init__(self, sandbox: Sandbox, log: RequestLog, persister: Persister | None, *,
                 root: str, out: TextIO, quiet: bool) -> None:
        self.sandbox = sandbox
        self.log = log
        self.persister = persister
        self.root = root
        self.out = out
        self.quiet = quiet
        self.server: Any = None
        self.failure: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.sandbox(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def start(self) -> None:
        sandbox = self.sandbox
        if not self.quiet:  # from the first request on, printed once the banner is out
            self.log.hold()
            self.log.attach(sandbox.services.jobs)
        sandbox.start_ticker()
        build = self.persister.load if self.persister is not None else None
        sandbox.build_later(build, self.ready)

    def ready(self) -> None:
        """The worlds are built (on the loop): the banner, then the log and the snapshots."""
        error = self.sandbox.build_error
        if error is not None:
            self.failure = _one_line(error)
            self.log.detach(self.sandbox.services.jobs)
            if self.server is not None:
                self.server.should_exit = True
            return
        took = time.monotonic() - LAUNCHED
        storage = self.persister.describe() if self.persister else None
        text = (banner_json(self.sandbox, self.root, took, storage) if self.log.fmt == "json"
                else banner(self.sandbox, self.root, took, storage))
        print(text, file=self.out, flush=True)
        self.log.release()
        if self.persister is not None:
            self.persister.start()

    async def stop(self) -> None:
        import asyncio

        sandbox, jobs = self.sandbox, self.sandbox.services.jobs
        say = self.log.line  # also with --quiet: what was left matters
        if sandbox._builder is not None and self.failure is None:
            await asyncio.to_thread(sandbox.wait_built)
        # let what is due and running finish with the loop still turning (render tasks,
        # deliveries on worker threads), then the rest inline
        ends = time.monotonic() + 15
        while not jobs.idle() and time.monotonic() < ends:
            await asyncio.sleep(0.05)
        await sandbox.stop_ticker()
        later = jobs.pending()
        if self.persister is not None and self.failure is None:
            await self.persister.stop()
            kept = f"saved to {self.persister.where}; they run after a restart"
        else:
            kept = "not kept: memory only (use --data-dir to keep them)"
        if later:
            names = ", ".join(f"{j.name} (due {_when(j.due, jobs.clock.now())})"
                              for j in later[:5])
            more = f" and {len(later) - 5} more" if len(later) > 5 else ""
            say(f"stopped: {len(later)} job(s) scheduled for later, {kept}: {names}{more}")
        else:
            say("stopped: nothing pending" + (f"; state {kept.split(';')[0]}"
                                              if self.persister is not None else ""))
        self.log.detach(jobs)


def banner(sandbox: Sandbox, root: str, took: float, storage: str | None) -> str:
    lines = [f"mailmocks {__version__} sandbox on {root}  (ready in {took:.2f} s)"]
    for name, app in sandbox.apps.items():
        api = app.api
        lines.append(f"\n  {api.title}: {api.vendor_base_url} -> {root}/{name}")
        lines.extend(f"    {line}" for line in api.describe(app.world))
    lines.append(f"\n  inbox:  {root}/")
    lines.append(f"  admin:  {root}/_admin")
    if storage:
        lines.append(f"  state:  {storage}")
    lines.append("\nCtrl+C to stop.\n")
    return "\n".join(lines)


def banner_json(sandbox: Sandbox, root: str, took: float, storage: str | None) -> str:
    """The banner as one JSON line, for --log-format json (every stdout line is JSON)."""
    import orjson

    return orjson.dumps({
        "kind": "ready", "version": __version__, "url": root, "ready_s": round(took, 3),
        "apis": {name: {"title": app.api.title, "vendor_base_url": app.api.vendor_base_url,
                        "base_url": f"{root}/{name}", "notes": app.api.describe(app.world)}
                 for name, app in sandbox.apps.items()},
        "inbox": f"{root}/", "admin": f"{root}/_admin", "state": storage}).decode()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"cannot load fixtures: {text}" if isinstance(exc, (OSError, ValueError, KeyError)) \
        else f"cannot start: {type(exc).__name__}: {text}"


def _when(due: float, now: float) -> str:
    left = due - now
    if left <= 0:
        return "now"
    return f"in {left:.0f} s" if left < 3600 else f"in {left / 3600:.1f} h"
