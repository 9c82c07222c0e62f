"""What tests get from a fake: `MockServer` (generic) and one subclass per vendor.

`mailmocks.testing.<api>` may define `Mock(MockServer)` with that vendor's credentials and
`client()` / `async_client()` wired to its thin clients; `mock_for(name)` finds it, else the
generic class. Every mock has the helpers of `testing.helpers` (assert_sent, assert_called,
calls, fail_next, rate_limit_next, latency, freeze_time, advance, drain).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

import httpx

from ..core import ApiApp, Clock, Faults, Jobs, Journal, Outbox, Services, Webhooks
from ..sandbox import Sandbox
from ..transport import SyncASGITransport
from .helpers import Helpers, Record

IN_PROCESS_HOST = "http://mailmocks.test"


if TYPE_CHECKING:  # the vendor mocks by name, for annotations: `convertkit_mock: ConvertKitMock`
    from .botamp import Mock as BotampMock
    from .convertkit import Mock as ConvertKitMock
    from .esputnik import Mock as ESputnikMock
    from .highlevel import Mock as HighLevelMock
    from .parcelvoy import Mock as ParcelvoyMock

__all__ = ["IN_PROCESS_HOST", "BotampMock", "ConvertKitMock", "ESputnikMock", "HighLevelMock",
           "MockServer", "ParcelvoyMock", "Record", "make_mock", "mock_for"]
_TYPED = {"BotampMock": "botamp", "ConvertKitMock": "convertkit", "ESputnikMock": "esputnik",
          "HighLevelMock": "highlevel", "ParcelvoyMock": "parcelvoy"}


def __getattr__(name: str) -> Any:
    # imported when asked for, so `import mailmocks` does not load every vendor
    if name in _TYPED:
        return mock_for(_TYPED[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class MockServer(Helpers):
    """One API of a private sandbox, and everything a test wants to reach."""

    api_name: ClassVar[str] = ""  # a vendor's subclass names its API

    def __init__(self, name: str, sandbox: Sandbox, root: str | None = None) -> None:
        self.name = name
        self.sandbox = sandbox
        self.root = root or IN_PROCESS_HOST
        self.base_url = f"{self.root}/{name}"
        self._http: httpx.Client | None = None
        self._async_http: httpx.AsyncClient | None = None

    # the world and the shared services
    @property
    def app(self) -> ApiApp:
        return self.sandbox.apps[self.name]

    @property
    def world(self) -> Any:
        return self.app.world

    @property
    def services(self) -> Services:
        return self.sandbox.services

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def jobs(self) -> Jobs:
        return self.services.jobs

    @property
    def outbox(self) -> Outbox:
        return self.services.outbox

    @property
    def journal(self) -> Journal:
        return self.services.journal

    @property
    def faults(self) -> Faults:
        return self.services.faults

    @property
    def webhooks(self) -> Webhooks:
        return self.services.webhooks

    @property
    def last_status(self) -> int | None:
        """HTTP status of the last request this sandbox served (thin clients return bodies)."""
        served = self.journal.entries(self.name, kind="request")
        return served[-1].status if served else None

    def drain(self) -> int:
        """Run every background job that is due (sends, imports, deliveries); how many ran."""
        return int(self.jobs.drain())

    def advance(self, seconds: float) -> int:
        """Move the (frozen) clock on, running what falls due; how many timers ran."""
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

    @property
    def async_http(self) -> httpx.AsyncClient:
        """An httpx.AsyncClient bound to the sandbox, served on the caller's event loop."""
        if self._async_http is None:
            transport = (httpx.ASGITransport(app=self.sandbox) if self.root == IN_PROCESS_HOST
                         else None)
            self._async_http = httpx.AsyncClient(base_url=self.base_url, transport=transport,
                                                 trust_env=False)
        return self._async_http

    def async_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """What a vendor's `async_client()` passes its thin client by default: retries that
        do not sleep, and this fake's async httpx client."""
        options.setdefault("sleep", _no_sleep)
        options.setdefault("http_client", self.async_http)
        return options

    def close(self) -> None:
        if self._http is not None:
            self._http.close()  # closes the transport and its loop thread too


async def _no_sleep(_seconds: float) -> None:
    return None


def mock_for(name: str) -> type[MockServer]:
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        return MockServer
    cls: type[MockServer] = module.Mock
    return cls


M = TypeVar("M", bound=MockServer)


@overload
def make_mock(api: type[M], *, strict: bool = True, root: str | None = None,
              sandbox: Sandbox | None = None) -> M: ...


@overload
def make_mock(api: str, *, strict: bool = True, root: str | None = None,
              sandbox: Sandbox | None = None) -> MockServer: ...


def make_mock(api: str | type[MockServer], *, strict: bool = True, root: str | None = None,
              sandbox: Sandbox | None = None) -> MockServer:
    """A fake of one API in a private sandbox (strict: responses checked by the contract).

    `api` is the API's name, or its mock class for a typed result:
    `make_mock(ConvertKitMock)` is a `ConvertKitMock`.
    """
    if isinstance(api, str):
        name, cls = api, mock_for(api)
    else:
        name, cls = api.api_name, api
    box = sandbox or Sandbox([name], strict=strict)
    return cls(name, box, root)
