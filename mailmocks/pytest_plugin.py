"""pytest fixtures: a fresh, isolated fake per test, in-process or on a live port.

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
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .sandbox import Sandbox
from .transport import SyncASGITransport

IN_PROCESS_HOST = "http://mailmocks.test"


class MockServer:
    """One API of a private sandbox, and everything a test wants to reach."""

    def __init__(self, name: str, sandbox: Sandbox, root: str | None = None) -> None:
        self.name = name
        self.sandbox = sandbox
        self.root = root or IN_PROCESS_HOST
        self.base_url = f"{self.root}/{name}"
        self._http: httpx.Client | None = None

    # the world and the shared services
    @property
    def app(self) -> Any:
        return self.sandbox.apps[self.name]

    @property
    def world(self) -> Any:
        return self.app.world

    @property
    def services(self) -> Any:
        return self.sandbox.services

    @property
    def clock(self) -> Any:
        return self.services.clock

    @property
    def jobs(self) -> Any:
        return self.services.jobs

    @property
    def outbox(self) -> Any:
        return self.services.outbox

    @property
    def journal(self) -> Any:
        return self.services.journal

    @property
    def faults(self) -> Any:
        return self.services.faults

    @property
    def webhooks(self) -> Any:
        return self.services.webhooks

    def drain(self) -> int:
        return int(self.jobs.drain())

    def advance(self, seconds: float) -> int:
        return int(self.clock.advance(seconds))

    @property
    def http(self) -> httpx.Client:
        """An httpx client bound to the sandbox (in-process unless the server is live)."""
        if self._http is None:
            transport = (SyncASGITransport(self.sandbox) if self.root == IN_PROCESS_HOST
                         else None)
            self._http = httpx.Client(base_url=self.base_url, transport=transport,
                                      trust_env=False)
        assert self._http is not None
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()  # closes the transport and its loop thread too


class ConvertKitMock(MockServer):
    @property
    def account(self) -> Any:
        return self.world.default

    @property
    def api_key(self) -> str:
        return str(self.account.api_key)

    @property
    def api_secret(self) -> str:
        return str(self.account.api_secret)

    def client(self, *, public: bool = False, **options: Any) -> Any:
        """The thin ConvertKit client, wired to this fake (with the secret unless public)."""
        from .clients.convertkit import ConvertKit
        options.setdefault("sleep", lambda _s: None)
        return ConvertKit(api_key=self.api_key, api_secret=None if public else self.api_secret,
                          base_url=self.base_url, http_client=self.http, **options)


MOCKS: dict[str, type[MockServer]] = {"convertkit": ConvertKitMock}


def make_mock(name: str, *, strict: bool = True, root: str | None = None,
              sandbox: Sandbox | None = None) -> MockServer:
    box = sandbox or Sandbox([name], strict=strict)
    return MOCKS.get(name, MockServer)(name, box, root)


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


@pytest.fixture
def convertkit_mock() -> Iterator[ConvertKitMock]:
    """A fresh ConvertKit fake, in-process, validating every response against the contract."""
    mock = make_mock("convertkit")
    assert isinstance(mock, ConvertKitMock)
    yield mock
    mock.close()


@pytest.fixture
def convertkit_live() -> Iterator[ConvertKitMock]:
    """The same fake served by uvicorn on a free 127.0.0.1 port, for non-Python clients."""
    box = Sandbox(["convertkit"], strict=True)
    with LiveServer(box) as live:
        mock = make_mock("convertkit", root=live.url, sandbox=box)
        assert isinstance(mock, ConvertKitMock)
        yield mock
        mock.close()
