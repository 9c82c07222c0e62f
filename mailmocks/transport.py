"""A synchronous httpx transport that serves requests from an ASGI app in-process.

httpx ships only an async ASGI transport; sync clients (the thin clients, vendor SDKs built
on httpx.Client) need this one. The app runs on a private event loop in a daemon thread,
so no socket is opened and a test never waits on the network.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx


class SyncASGITransport(httpx.BaseTransport):
    def __init__(self, app: Any, *, raise_app_exceptions: bool = True) -> None:
        self._inner = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="mailmocks-asgi")
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def run() -> httpx.Response:
            content = await request.aread()
            req = httpx.Request(request.method, request.url, headers=request.headers,
                                content=content, extensions=request.extensions)
            response = await self._inner.handle_async_request(req)
            body = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=body,
                                  extensions=response.extensions)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result()

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self._loop.close()
