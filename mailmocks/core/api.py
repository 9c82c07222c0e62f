"""What a vendor package supplies: its contract, handlers by operationId, and its hooks.

A vendor subclasses `Api`, overrides the hooks whose behaviour differs (auth, error bodies,
rate windows), and marks one handler per operationId with `@op("...")` in its handler
modules, which the `Api` lists in `handler_modules`. The engine (`core.app`) calls the hooks
in the order of the request path; it never names a vendor.
"""
from __future__ import annotations

import argparse
import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any, Generic, cast

from starlette.datastructures import Headers, QueryParams
from typing_extensions import TypeVar

from .contract import Contract, Operation, Problem
from .http import NO_BODY, Reply, json_reply, text_reply
from .ratelimit import Decision, Policy
from .resources import contract_path

if TYPE_CHECKING:
    from .clock import Clock
    from .services import Services

W = TypeVar("W", default=Any)  # the vendor's world: accounts/tenants and their state
T = TypeVar("T", default=Any)  # what authentication yields: the account, key, location...


@dataclass(frozen=True, slots=True)
class Window:
    """One rate window a call counts against: a key (credential, account) and its policy."""

    key: str
    policy: Policy


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """How the contract checks (tests and `mailmocks check`) treat this vendor.

    `excluded_checks` maps a schemathesis check name to the vendor-documented reason it does
    not apply; `expected_statuses` are business-rule answers valid input may get (a duplicate
    name, a plan limit), each with its reason.
    """

    excluded_checks: dict[str, str] = field(default_factory=dict)
    expected_statuses: dict[str, str] = field(default_factory=dict)  # "404" -> why
    read_only: frozenset[str] = frozenset()  # safe operations beyond GET (lookups by POST)
    drain: bool = False  # run queued work after every call, so jobs meet generated data too


class Call(Generic[W, T]):
    """One request as a handler sees it: validated params and body, the tenant, services."""

    __slots__ = ("api", "op", "world", "services", "method", "path", "query", "headers",
                 "path_params", "params", "body", "has_body", "tenant", "credential", "base_url")

    tenant: T  # set by Api.authenticate

    def __init__(self, api: Api[W, T], op: Operation, world: W, services: Services, method: str,
                 path: str, query: QueryParams, headers: Headers,
                 path_params: dict[str, str], base_url: str = "") -> None:
        self.api = api
        self.op = op
        self.world = world
        self.services = services
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.path_params = path_params
        self.params: dict[str, Any] = {}
        self.body: Any = None
        self.has_body = False  # True when the request carried a body (even JSON null)
        self.tenant = cast(T, None)
        self.credential: str | None = None  # which credential was used (vendor's word)
        self.base_url = base_url  # where this API is served, e.g. http://127.0.0.1:8025/<api>

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def media_type(self) -> str:
        """The request's Content-Type without parameters, lower-cased ('' when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def arg(self, name: str, default: Any = None) -> Any:
        """A parameter from path/query, else from the JSON body."""
        if name in self.params:
            return self.params[name]
        if isinstance(self.body, dict) and name in self.body:
            return self.body[name]
        return default


Result = Reply | tuple[int, Any] | dict[str, Any] | list[Any] | None
Handler = Callable[[Call[Any, Any]], Result | Awaitable[Result]]
H = TypeVar("H", bound=Callable[..., Any])
OPERATIONS_ATTR = "__mailmocks_operations__"


def op(*operation_ids: str) -> Callable[[H], H]:
    """Mark a handler function as the one for these operationIds (its module is listed by
    the vendor's `Api.handler_modules`)."""
    def mark(fn: H) -> H:
        setattr(fn, OPERATIONS_ATTR, (*getattr(fn, OPERATIONS_ATTR, ()), *operation_ids))
        return fn
    return mark


def handlers_in(modules: Iterable[ModuleType]) -> dict[str, Handler]:
    """operationId -> handler for every `@op`-marked function of `modules`."""
    found: dict[str, Handler] = {}
    for module in modules:
        for value in vars(module).values():
            for oid in getattr(value, OPERATIONS_ATTR, ()):
                if oid in found and found[oid] is not value:
                    raise ValueError(f"{module.__name__}: {oid} bound twice")
                found[oid] = value
    return found


class Api(Generic[W, T]):
    name: str = ""  # URL prefix in the sandbox and the journal's api name
    title: str = ""
    contract_file: str = ""
    vendor_base_url: str = ""
    vendor_hosts: tuple[str, ...] = ()  # host names the real service answers on
    json_media_type: str = "application/json"
    max_body_bytes: int = 1 << 20
    authenticate_before_body: bool = False  # the vendor checks credentials before the body
    handler_modules: Sequence[ModuleType] = ()
    checks: CheckSettings = CheckSettings()
    # How the vendor's framework reads a body, by content type: "json", "form" (urlencoded)
    # or "text" (the decoded string); "type/*+suffix" covers a structured suffix
    # (application/vnd.x+json) and "type/*" a whole type. Any other type, or none, goes to
    # `unparsed_body`.
    body_parsers: Mapping[str, str] = MappingProxyType(
        {"application/json": "json", "application/x-www-form-urlencoded": "form"})
    # A query parameter sent more than once, as the framework reads it: "last" (Rails),
    # "list" (qs in Express and koa: an array, which a scalar parameter then rejects) or
    # "join" (Spring binds a scalar from the values joined with commas) or "first".
    repeated_query: str = "last"

    def __init__(self) -> None:
        self._bound: dict[str, Handler] = {}

    # -- registration ------------------------------------------------------------------
    @functools.cached_property
    def handlers(self) -> dict[str, Handler]:
        found = handlers_in(self.handler_modules)
        overlap = set(found) & set(self._bound)
        if overlap:
            raise ValueError(f"{self.name}: {sorted(overlap)} bound twice")
        return {**found, **self._bound}

    def op(self, *operation_ids: str) -> Callable[[Handler], Handler]:
        """Bind a handler on this object (for handlers defined outside handler_modules)."""
        def register(fn: Handler) -> Handler:
            for oid in operation_ids:
                if oid in self._bound:
                    raise ValueError(f"{self.name}: {oid} bound twice")
                self._bound[oid] = fn
            self.__dict__.pop("handlers", None)
            return fn
        return register

    @functools.cached_property
    def contract(self) -> Contract:
        return Contract.from_file(contract_path(self.contract_file))

    def unbound(self) -> list[str]:
        return sorted(set(self.contract.operations) - set(self.handlers))

    # -- the world ---------------------------------------------------------------------
    def new_world(self, services: Services, fixtures: str | None = None,
                  seed: int | None = None) -> W:
        raise NotImplementedError

    def extra_routes(self, world: W, services: Services) -> list[Any]:
        """Sandbox-only routes beside the contract's (e.g. a confirmation link to follow)."""
        return []

    def describe(self, world: W) -> list[str]:
        """Lines `mailmocks serve` prints: credentials and the like."""
        return []

    def check_credentials(self, world: W) -> dict[str, str]:
        """Fixture credentials by the contract's security-scheme name, for contract checks
        (HTTP Basic as `user:password`)."""
        return {}

    def pin_generated(self, world: W, where: str, values: dict[str, Any]) -> None:
        """Point schema-valid generated values (`where`: path, query or body) at records the
        world has, where random ones could never match (a location id, say)."""

    def add_commands(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]
                     ) -> dict[str, Callable[[argparse.Namespace], int]]:
        """CLI verbs this vendor (or an event source it carries) adds: name -> runner."""
        return {}

    # -- hooks, in request-path order --------------------------------------------------
    def prepare(self, call: Call[W, T]) -> None:
        """Vendor quirks on the raw request before auth (e.g. merging query into body)."""

    def authenticate(self, call: Call[W, T]) -> None:
        """Set call.tenant, or raise HttpError with the vendor's 401/403."""

    def rate_limit(self, call: Call[W, T]) -> Sequence[Window] | tuple[str, Policy] | None:
        """The windows this call counts against (every one must allow it), or None."""
        return None

    def rate_limited(self, call: Call[W, T], decision: Decision) -> Reply:
        return json_reply(429, {"error": "Too Many Requests"})

    def rate_headers(self, call: Call[W, T], decisions: Sequence[Decision]) -> dict[str, str]:
        """Headers a vendor adds to every answer about its windows (none by default)."""
        return {}

    def invalid(self, call: Call[W, T], problems: list[Problem]) -> Reply:
        first = problems[0]
        return json_reply(422, {"error": "Unprocessable Entity",
                                "message": f"{first.field or first.location}: {first.message}"})

    def malformed(self, call: Call[W, T], reason: str) -> Reply:
        return json_reply(400, {"error": "Bad Request", "message": reason})

    def unparsed_body(self, call: Call[W, T], media_type: str) -> Any:
        """A body in a content type the framework does not parse. Rails and Express leave
        the params without it, so by default it is as if none was sent; a vendor that
        refuses such a body (Spring's 415) raises HttpError here."""
        return NO_BODY

    def too_large(self, call: Call[W, T]) -> Reply:
        return json_reply(413, {"error": "Payload Too Large", "message": "Request body too large"})

    def unknown_route(self, method: str, path: str) -> Reply:
        return text_reply(404, "Not Found")

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        return text_reply(405, "Method Not Allowed", {"allow": ", ".join(allowed)})

    def internal_error(self, call: Call[W, T], exc: Exception) -> Reply:
        return json_reply(500, {"error": "Internal Server Error",
                                "message": "Something went wrong"})

    def finalize(self, reply: Reply) -> Reply:
        """Last touch on every answer (default media type and the like)."""
        if reply.media_type == "application/json" and self.json_media_type != reply.media_type:
            reply.media_type = self.json_media_type
        return reply


def windows(limit: Sequence[Window] | tuple[str, Policy] | None) -> list[Window]:
    """A rate_limit hook's answer as a list of windows (the one-window tuple accepted)."""
    if limit is None:
        return []
    if isinstance(limit, tuple) and len(limit) == 2 and isinstance(limit[1], Policy):
        return [Window(limit[0], limit[1])]
    return list(limit)
