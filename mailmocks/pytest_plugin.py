"""pytest fixtures: a fresh, isolated fake per test, in-process or on a live port.

For every API in the registry, `<api>_mock` (in-process) and `<api>_live` (uvicorn on a free
127.0.0.1 port):

    def test_signup(convertkit_mock):
        ck = convertkit_mock.client()            # the thin client, wired in-process
        ck.add_subscriber_to_form(3001, "a@example.com")
        assert convertkit_mock.outbox.messages() == []

Responses are validated against the contract (strict mode): a fake answering off-contract
fails the test that caused it.
"""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from . import apis
from .sandbox import Sandbox
from .testing import IN_PROCESS_HOST, MockServer, make_mock, mock_for

__all__ = ["IN_PROCESS_HOST", "LiveServer", "MockServer", "free_port", "make_mock", "mock_for"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """uvicorn serving a sandbox on 127.0.0.1:<free port> in a thread."""

    def __init__(self, sandbox: Sandbox) -> None:
        import uvicorn
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(sandbox, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live sandbox did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _fixtures(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def in_process() -> Iterator[MockServer]:
        mock = make_mock(name)
        yield mock
        mock.close()

    def live() -> Iterator[MockServer]:
        box = Sandbox([name], strict=True)
        with LiveServer(box) as server:
            mock = make_mock(name, root=server.url, sandbox=box)
            yield mock
            mock.close()

    in_process.__doc__ = f"A fresh {name} fake, in-process, responses checked by its contract."
    live.__doc__ = f"The {name} fake served by uvicorn on a free 127.0.0.1 port."
    return in_process, live


for _name in apis.names():
    _in_process, _live = _fixtures(_name)
    globals()[f"{_name}_mock"] = pytest.fixture(name=f"{_name}_mock")(_in_process)
    globals()[f"{_name}_live"] = pytest.fixture(name=f"{_name}_live")(_live)
