"""What tests get from a fake: `MockServer` (generic) and one subclass per vendor.

`mailmocks.testing.<api>` may define `Mock(MockServer)` with that vendor's credentials and a
`client()` wired to its thin client; `mock_for(name)` finds it, else the generic class.
"""
from __future__ import annotations

import importlib
from typing import Any

import httpx

from ..sandbox import Sandbox
from ..transport import SyncASGITransport

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

    @property
    def last_status(self) -> int | None:
        """HTTP status of the last request this sandbox served (thin clients return bodies)."""
        served = self.journal.entries(self.name, kind="request")
        return served[-1].status if served else None

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


def mock_for(name: str) -> type[MockServer]:
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        return MockServer
    cls: type[MockServer] = module.Mock
    return cls


def make_mock(name: str, *, strict: bool = True, root: str | None = None,
              sandbox: Sandbox | None = None) -> MockServer:
    """A fake of API `name` in a private sandbox (strict: responses checked by the contract)."""
    box = sandbox or Sandbox([name], strict=strict)
    return mock_for(name)(name, box, root)
