"""What a vendor module supplies: its contract, handlers by operationId, and its hooks.

A vendor subclasses `Api`, overrides the hooks whose behaviour differs (auth, error bodies,
rate limit), and registers one handler per operationId with `@api.op(...)`. The engine
(`core.app`) calls them in the order of the request path; it never names a vendor.
"""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from starlette.datastructures import Headers, QueryParams

from .contract import Contract, Operation, Problem
from .http import Reply, json_reply, text_reply
from .ratelimit import Decision, Policy
from .resources import contract_path

if TYPE_CHECKING:
    from .services import Services

W = TypeVar("W")  # the vendor's world: accounts/tenants and their state


class Call(Generic[W]):
    """One request as a handler sees it: validated params and body, the tenant, services."""

    __slots__ = ("api", "op", "world", "services", "method", "path", "query", "headers",
                 "path_params", "params", "body", "has_body", "tenant", "credential", "base_url")

    def __init__(self, api: Api[W], op: Operation, world: W, services: Services, method: str,
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
        self.tenant: Any = None  # set by Api.authenticate
        self.credential: str | None = None  # which credential was used (vendor's word)
        self.base_url = base_url  # where this API is served, e.g. http://127.0.0.1:8025/<api>

    @property
    def clock(self) -> Any:
        return self.services.clock

    def arg(self, name: str, default: Any = None) -> Any:
        """A parameter from path/query, else from the JSON body."""
        if name in self.params:
            return self.params[name]
        if isinstance(self.body, dict) and name in self.body:
            return self.body[name]
        return default


Result = Reply | tuple[int, Any] | dict[str, Any] | list[Any] | None
Handler = Callable[[Call[Any]], Result | Awaitable[Result]]


class Api(Generic[W]):
    name: str = ""  # URL prefix in the sandbox and the journal's api name
    title: str = ""
    contract_file: str = ""
    vendor_base_url: str = ""
    json_media_type: str = "application/json"
    max_body_bytes: int = 1 << 20

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}

    # -- registration ------------------------------------------------------------------
    def op(self, *operation_ids: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for oid in operation_ids:
                if oid in self.handlers:
                    raise ValueError(f"{self.name}: {oid} bound twice")
                self.handlers[oid] = fn
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

    # -- hooks, in request-path order --------------------------------------------------
    def prepare(self, call: Call[W]) -> None:
        """Vendor quirks on the raw request before auth (e.g. merging query into body)."""

    def authenticate(self, call: Call[W]) -> None:
        """Set call.tenant, or raise HttpError with the vendor's 401/403."""

    def rate_limit(self, call: Call[W]) -> tuple[str, Policy] | None:
        """The key and policy this call counts against, or None for no limit."""
        return None

    def rate_limited(self, call: Call[W], decision: Decision) -> Reply:
        return json_reply(429, {"error": "Too Many Requests"})

    def rate_headers(self, call: Call[W], decision: Decision) -> dict[str, str]:
        """Headers a vendor adds to every answer about the limit (none by default)."""
        return {}

    def invalid(self, call: Call[W], problems: list[Problem]) -> Reply:
        first = problems[0]
        return json_reply(422, {"error": "Unprocessable Entity",
                                "message": f"{first.field or first.location}: {first.message}"})

    def malformed(self, call: Call[W], reason: str) -> Reply:
        return json_reply(400, {"error": "Bad Request", "message": reason})

    def too_large(self, call: Call[W]) -> Reply:
        return json_reply(413, {"error": "Payload Too Large", "message": "Request body too large"})

    def unknown_route(self, method: str, path: str) -> Reply:
        return text_reply(404, "Not Found")

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        return text_reply(405, "Method Not Allowed", {"allow": ", ".join(allowed)})

    def internal_error(self, call: Call[W], exc: Exception) -> Reply:
        return json_reply(500, {"error": "Internal Server Error",
                                "message": "Something went wrong"})

    def finalize(self, reply: Reply) -> Reply:
        """Last touch on every answer (default media type and the like)."""
        if reply.media_type == "application/json" and self.json_media_type != reply.media_type:
            reply.media_type = self.json_media_type
        return reply
