"""A synchronous httpx transport that serves requests from an ASGI app in-process.

httpx ships only an async ASGI transport; sync clients (the thin clients, vendor SDKs built
on httpx.Client) need this one. No socket is opened and a test never waits on the network.
The app runs on a private event loop: driven from the calling thread when that thread runs no
loop of its own (no thread hand-off: the common case costs half as much), else on a daemon
thread that serves the loop (a sync client called from async code).
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any

import httpx


class SyncASGITransport(httpx.BaseTransport):
    def __init__(self, app: Any, *, raise_app_exceptions: bool = True) -> None:
        self._inner = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()  # one caller drives the loop at a time
        self._thread: threading.Thread | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body becomes a ByteStream, which reads from async code too
        return self._run(self._serve(request))

    async def _serve(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        response.stream = httpx.ByteStream(body)  # and this one from the sync client
        return response

    def _run(self, coro: Coroutine[Any, Any, httpx.Response]) -> httpx.Response:
        if self._thread is None and not _loop_running_here() and self._lock.acquire(False):
            try:
                if self._thread is None:
                    return self._loop.run_until_complete(coro)
            finally:
                self._lock.release()
        return asyncio.run_coroutine_threadsafe(coro, self._served()).result()

    def _served(self) -> asyncio.AbstractEventLoop:
        """The loop on a thread of its own, from now on (it cannot also be driven here)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                                name="mailmocks-asgi")
                self._thread.start()
        return self._loop

    def close(self) -> None:
        with self._lock:
            if self._thread is not None and self._loop.is_running():
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout=5)
            if not self._loop.is_running():
                self._loop.close()


def _loop_running_here() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
