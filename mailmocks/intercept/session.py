"""`Interception`: the vendors' real hosts answered by in-process fakes while it is active."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx
import orjson

from ..core import Entry
from ..core.webhooks import OUTBOUND_HEADER
from ..guard import hostname
from ..sandbox import Sandbox, sandbox_only
from ..testing import MockServer, make_mock
from ..transport import SyncASGITransport
from . import patching
from .hosts import LOOPBACK, UnmatchedRequest, normal, unmatched_message
from .report import ContractViolations, Violation
from .routes import in_contract

if TYPE_CHECKING:
    from ..testing.botamp import Mock as BotampMock
    from ..testing.convertkit import Mock as ConvertKitMock
    from ..testing.esputnik import Mock as ESputnikMock
    from ..testing.highlevel import Mock as HighLevelMock
    from ..testing.parcelvoy import Mock as ParcelvoyMock

F = TypeVar("F", bound=Callable[..., Any])


class _Faked:
    """One sandbox as the interception reaches it: sync through a loop thread, async inline."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._sync: SyncASGITransport | None = None
        self.asgi = httpx.ASGITransport(app=sandbox)
        entries = sandbox.services.journal.entries()
        self.since = entries[-1].id if entries else 0  # journal ids before us are not ours

    @property
    def sync(self) -> SyncASGITransport:
        if self._sync is None:
            self._sync = SyncASGITransport(self.sandbox)
        return self._sync

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None  # entered again, it gets a new loop thread


class Interception:
    """Routes each faked host to its mock; everything else fails loudly unless let through.

    Use `intercept()` (context manager or decorator) outside pytest; the pytest plugin makes
    one per test. `mocks` by API name; `violations()` lists every request that broke its
    contract, `unmatched` every request to a host nobody fakes.
    """

    def __init__(self, *, hosts: Mapping[str, str] | None = None,
                 passthrough: Iterable[str] = LOOPBACK,
                 allow_contract_violations: bool = False) -> None:
        self.mocks: dict[str, MockServer] = {}
        self.extra_hosts = {h.lower(): api for h, api in (hosts or {}).items()}
        self.passthrough = normal(passthrough)
        self.allow_contract_violations = allow_contract_violations
        self.unmatched: list[str] = []
        # (sandbox, journal position) sorts them among the journal's, which they are not in
        self._route_violations: list[tuple[int, float, Violation]] = []
        self._hosts: dict[str, tuple[str, _Faked]] = {}
        self._faked: dict[int, _Faked] = {}
        self._started = False

    # -- what is faked -------------------------------------------------------------------
    def add(self, mock: MockServer) -> MockServer:
        """Fake `mock`'s vendor hosts (and any configured for its API) from now on."""
        faked = self._faked.get(id(mock.sandbox))
        if faked is None:
            faked = self._faked[id(mock.sandbox)] = _Faked(mock.sandbox)
        routes = mock.sandbox.host_routes
        for host, api in self.extra_hosts.items():
            if api == mock.name:
                routes[host] = api
        for host, api in routes.items():
            if api == mock.name:
                self._hosts[host] = (api, faked)
        self.mocks[mock.name] = mock
        return mock

    @property
    def hosts(self) -> dict[str, str]:
        """host -> API, for every host this interception fakes."""
        return {host: api for host, (api, _) in self._hosts.items()}

    def __getitem__(self, name: str) -> MockServer:
        self._ensure()
        return self.mocks[name]

    def _ensure(self) -> None:
        # intercept() builds its fakes when first used, not when a decorator is applied
        populate, self._populate = self._populate, None
        if populate is not None:
            populate(self)

    def _typed(self, name: str) -> Any:
        self._ensure()
        try:
            return self.mocks[name]
        except KeyError:
            raise AttributeError(f"{name} is not faked here (faked: "
                                 f"{', '.join(self.mocks) or 'none'})") from None

    @property
    def convertkit(self) -> ConvertKitMock:
        return cast("ConvertKitMock", self._typed("convertkit"))

    @property
    def botamp(self) -> BotampMock:
        return cast("BotampMock", self._typed("botamp"))

    @property
    def esputnik(self) -> ESputnikMock:
        return cast("ESputnikMock", self._typed("esputnik"))

    @property
    def parcelvoy(self) -> ParcelvoyMock:
        return cast("ParcelvoyMock", self._typed("parcelvoy"))

    @property
    def highlevel(self) -> HighLevelMock:
        return cast("HighLevelMock", self._typed("highlevel"))

    # -- the patch's side (patching.Target) ----------------------------------------------
    def owns(self, host: str) -> bool:
        return host.lower() in self._hosts

    def passes(self, host: str) -> bool:
        return host.strip("[]").lower() in self.passthrough

    def _route(self, request: httpx.Request) -> _Faked:
        api, faked = self._hosts[request.url.host.lower()]
        path = request.url.path
        if not sandbox_only(path) and not in_contract(api, request.method, path):
            problem = {"location": "path", "field": "", "keyword": "operation",
                       "message": f"the {api} contract has no operation {request.method} "
                                  f"{path}"}
            last = faked.sandbox.services.journal.entries()[-1:]
            self._route_violations.append((id(faked.sandbox), (last[0].id if last else 0) + 0.5,
                                           Violation(api, None, request.method, path, None,
                                                     (problem,))))
        return faked

    def handle(self, request: httpx.Request) -> httpx.Response:
        return self._route(request).sync.handle_request(request)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        response = await self._route(request).asgi.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def refuse(self, request: httpx.Request) -> Exception:
        message = unmatched_message(request.method, str(request.url), self.hosts,
                                    self.passthrough)
        if OUTBOUND_HEADER in request.headers:
            # a fake's own webhook: it fails like an unreachable target, as it would offline
            return httpx.ConnectError(message, request=request)
        self.unmatched.append(message)
        return UnmatchedRequest(message)

    # -- results ---------------------------------------------------------------------------
    def violations(self) -> list[Violation]:
        """Every request sent through a faked host that broke its contract, oldest first."""
        found = list(self._route_violations)
        for faked in self._faked.values():
            journal, box = faked.sandbox.services.journal, id(faked.sandbox)
            for entry in journal.entries(kind="request"):
                host = hostname(entry.request_headers.get("host", ""))
                if entry.id <= faked.since or host not in self._hosts:
                    continue
                if entry.problems:
                    found.append((box, entry.id, Violation.from_entry(entry, journal)))
                elif _broken_json(entry):  # answered 400 before any validation could run
                    found.append((box, entry.id,
                                  Violation.from_entry(entry, journal, (BROKEN_JSON,))))
        found.sort(key=lambda item: item[:2])
        return [violation for _, _, violation in found]

    def check(self) -> None:
        """Raise what went wrong: unmatched requests, then contract violations (unless
        allowed)."""
        if self.unmatched:
            raise UnmatchedRequest("\n".join(self.unmatched))
        if not self.allow_contract_violations:
            found = self.violations()
            if found:
                raise ContractViolations(found)

    # -- lifetime --------------------------------------------------------------------------
    def start(self) -> Interception:
        self._ensure()
        if not self._started:
            patching.activate(self)
            self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            patching.deactivate(self)
            self._started = False
        for faked in self._faked.values():
            faked.close()

    def __enter__(self) -> Interception:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
        if kind is None:
            self.check()

    def __call__(self, fn: F) -> F:
        """As a decorator: the function runs with the fakes in place (async ones too)."""
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def arun(*args: Any, **kwargs: Any) -> Any:
                with self._fresh():
                    return await fn(*args, **kwargs)
            return cast(F, arun)

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return fn(*args, **kwargs)
        return cast(F, run)

    def _fresh(self) -> Interception:
        return self._factory() if self._factory is not None else self

    _factory: Callable[[], Interception] | None = None
    _populate: Callable[[Interception], None] | None = None


BROKEN_JSON = {"location": "body", "field": "", "keyword": "json",
               "message": "the body is declared JSON but does not parse"}


def _broken_json(entry: Entry) -> bool:
    body = entry.request_body
    if not isinstance(body, bytes) or entry.clipped or "json" not in entry.request_media:
        return False
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError:
        return bool(body.strip())
    return False


def intercept(apis: Iterable[str] | None = None, *, hosts: Mapping[str, str] | None = None,
              passthrough: Iterable[str] = LOOPBACK, strict: bool = True,
              seed: int | None = None, allow_contract_violations: bool = False) -> Interception:
    """The real vendor hosts answered by fresh in-process fakes, like moto's `mock_aws`:

        with mailmocks.intercept() as mm:          # every API, or intercept(["convertkit"])
            my_app.subscribe("a@example.com")      # calls https://api.convertkit.com/v3/...
            mm.convertkit.assert_sent(to="a@example.com")

    `hosts` adds host names (a self-hosted Parcelvoy: {"pv.acme.io": "parcelvoy"});
    `passthrough` hosts are sent for real (loopback by default); any other host raises
    `UnmatchedRequest`. On leaving, requests that broke their contract raise
    `ContractViolations` unless `allow_contract_violations`. As a decorator each call gets
    fresh fakes.
    """
    names = list(apis) if apis is not None else None

    def populate(target: Interception) -> None:
        box = Sandbox(names, strict=strict, seed=seed)
        for name in box.names:
            target.add(make_mock(name, sandbox=box))

    def build() -> Interception:
        interception = Interception(hosts=hosts, passthrough=passthrough,
                                    allow_contract_violations=allow_contract_violations)
        interception._populate = populate
        return interception

    first = build()
    first._factory = build
    return first
