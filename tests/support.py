"""Helpers shared by the test modules (importable because pytest puts tests/ on the path)."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest

from mailmocks.clients.base import ApiError

E = TypeVar("E", bound=ApiError)


def raises(kind: type[E], fn: Callable[..., Any], *args: Any, **kwargs: Any) -> E:
    """Call `fn`, expecting the thin client to raise `kind`; return the error to inspect."""
    with pytest.raises(kind) as info:
        fn(*args, **kwargs)
    return info.value


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> bool:
    """Poll `predicate` until it is truthy (a live server works in real time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class Receiver:
    """A real HTTP server on 127.0.0.1 that records every POST it gets and answers `status`."""

    def __init__(self) -> None:
        self.hits: list[dict[str, Any]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                outer.hits.append({"path": self.path, "method": self.command,
                                   "headers": {k.lower(): v for k, v in self.headers.items()},
                                   "body": body, "raw": raw})
                self.send_response(outer.status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def bodies(self, path: str) -> list[Any]:
        return [h["body"] for h in self.hits if h["path"] == path]

    def reset(self) -> None:
        self.hits.clear()
        self.status = 200

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
