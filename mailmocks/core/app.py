"""The request path, one straight line, as a plain ASGI app per API.

journal -> faults -> parse -> vendor prepare -> auth -> rate limit -> validate request
-> handler -> (strict) validate response -> journal. No BaseHTTPMiddleware anywhere.
"""
from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.datastructures import URL
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Match, Route, Router
from starlette.types import Receive, Scope, Send

from .api import Api, Call, windows
from .contract import Operation, Problem
from .http import NO_BODY, HttpError, Reply, json_reply
from .journal import Entry
from .services import Services

log = logging.getLogger("mailmocks")


# Every method reaches our endpoint, so a wrong one gets the vendor's answer, not Starlette's.
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ContractViolation(AssertionError):
    """A response the fake sent does not match its contract: a bug in the fake."""


class ApiApp:
    """Serves one API from its contract, its handlers and its world."""

    def __init__(self, api: Api[Any], world: Any, services: Services, *, strict: bool = False):
        self.api = api
        self.world = world
        self.services = services
        self.strict = strict
        self.violations: list[str] = []
        self.generation = 0  # how many times the world was replaced
        contract = api.contract
        missing = [oid for oid in contract.operations if oid not in api.handlers]
        self.pending = missing  # answered like an unknown route until bound
        self._contract_routes: list[Route] = []
        paths = contract.paths
        # Static segments before templated ones, so /v3/unsubscribe never reads as an id.
        for path in sorted(paths, key=lambda p: (p.count("{"), p)):
            self._contract_routes.append(
                Route(path, self._endpoint(paths[path]), methods=ALL_METHODS))
        # the contract's routes by path (static) or by number of segments (templated): a
        # request tries one or two routes instead of every route in turn
        self._static: dict[str, Route] = {}
        self._templated: dict[int, list[Route]] = {}
        for route in self._contract_routes:
            if route.param_convertors:
                self._templated.setdefault(route.path.count("/"), []).append(route)
            else:
                self._static.setdefault(route.path, route)
        self.router = self._router()

    def _router(self) -> Router:
        self.extra_routes = list(self.api.extra_routes(self.world, self.services))
        return Router([*self._contract_routes, *self.extra_routes], default=self._no_route)

    def replace_world(self, world: Any) -> None:
        """Serve a new world (a sandbox reset) from this same app object."""
        self.world = world
        self.generation += 1  # what a persister watches: state changed without a request
        self.router = self._router()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if len(path) > 1 and path.endswith("/"):
            # Rails, Express, Spring 5 and koa-router route /x/ as /x; Starlette would 307
            scope = {**scope, "path": path.rstrip("/") or "/"}
            path = scope["path"]
        if scope["type"] == "http":
            static = self._static.get(path)
            for route in (static,) if static else self._templated.get(path.count("/"), ()):
                match, child = route.matches(scope)
                if match is Match.FULL:  # as Router does it, minus the walk
                    scope.update(child)
                    await route.handle(scope, receive, send)
                    return
        await self.router(scope, receive, send)  # vendor routes, odd methods, no match

    # -- routing -----------------------------------------------------------------------
    def _endpoint(self, ops: dict[str, Operation]) -> Any:
        bound = {m: op for m, op in ops.items() if op.id in self.api.handlers}
        allowed = sorted(bound)

        async def endpoint(request: Request) -> Response:
            op = bound.get(request.method)
            if op is None:
                if not bound:
                    reply = self.api.unknown_route(request.method, request.url.path)
                else:
                    reply = self.api.method_not_allowed(request.method, request.url.path, allowed)
                return self.api.finalize(reply).to_response()
            return await self.dispatch(op, request)

        return endpoint

    async def _no_route(self, scope: Scope, receive: Receive, send: Send) -> None:
        reply = self.api.unknown_route(scope.get("method", ""), scope.get("path", ""))
        await self.api.finalize(reply).to_response()(scope, receive, send)

    # -- the request path --------------------------------------------------------------
    async def dispatch(self, op: Operation, request: Request) -> Response:
        api, services = self.api, self.services
        started = time.perf_counter()
        scope = request.scope
        path = _url_path(scope["path"])
        call: Call[Any] = Call(api, op, self.world, services, request.method, path,
                               request.query_params, request.headers, request.path_params,
                               _base_url(scope.get("scheme", "http"), request.headers.get("host"),
                                         _hashable(scope.get("server")),
                                         scope.get("app_root_path", scope.get("root_path", ""))))
        entry = services.journal.start("request", api.name, services.clock.now(),
                                       operation=op.id, method=request.method,
                                       path=path, query=dict(request.query_params),
                                       request_headers=dict(request.headers))
        rate_headers: dict[str, str] = {}
        injected = False  # a fault's answer is deliberate: strict mode leaves it alone
        try:
            fault = services.faults.take(api.name, op.id)
            if fault is not None:
                entry.fault = fault.describe()
                if fault.latency:
                    await asyncio.sleep(fault.latency)
                if fault.drop:
                    services.journal.finish(entry, None, None,
                                            (time.perf_counter() - started) * 1000,
                                            "connection dropped by a fault")
                    return Dropped()
                forced = fault.reply()
                if forced is not None:
                    injected = True
                    raise HttpError(forced)
            if api.authenticate_before_body:
                api.authenticate(call)
            body = await self._read_body(call, request, entry)
            call.has_body = body is not NO_BODY
            call.body = body if call.has_body else None
            api.prepare(call)
            if not api.authenticate_before_body:
                api.authenticate(call)
            limits = windows(api.rate_limit(call))
            if limits:
                decisions = services.limiter.hit_all([(w.key, w.policy) for w in limits])
                rate_headers = api.rate_headers(call, decisions)
                denied = next((d for d in decisions if not d.allowed), None)
                if denied is not None:
                    raise HttpError(api.rate_limited(call, denied))
            problems = self._validate_request(call)
            if problems:
                entry.problems = [{"location": p.location, "field": p.field,
                                   "keyword": p.keyword, "message": p.message} for p in problems]
                raise HttpError(api.invalid(call, problems))
            reply = await self._run_handler(call)
        except HttpError as err:
            reply = err.reply
        except ClientDisconnect:  # gone mid-body: nobody to answer, nothing was done
            services.journal.finish(entry, None, None, (time.perf_counter() - started) * 1000,
                                    "client disconnected before the body was read")
            return Response(status_code=400)
        except Exception as exc:  # a bug in a handler: the vendor's 500, logged
            log.exception("%s %s failed", api.name, op.id)
            if self.strict:
                raise
            reply = api.internal_error(call, exc)
        reply = api.finalize(reply)
        if rate_headers:
            reply.headers = {**rate_headers, **reply.headers}
        if self.strict and not injected:
            self._check_reply(op, reply)
        content = reply.render()
        entry.response_headers = {"content-type": reply.media_type or "", **reply.headers}
        services.journal.finish(entry, reply.status, content,
                                (time.perf_counter() - started) * 1000)
        return reply.to_response(content)

    async def _read_body(self, call: Call[Any], request: Request, entry: Entry) -> Any:
        limit = self.api.max_body_bytes
        length = request.headers.get("content-length")
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if length is not None and length.isascii() and length.isdigit() and int(length) > limit:
            raise HttpError(self.api.too_large(call))
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # only the first bytes are kept, for the journal
                head = b"".join(chunks)[: self.services.journal.body_bytes + 1]
                self.services.journal.set_request(entry, head, ctype)
                raise HttpError(self.api.too_large(call))
        raw = b"".join(chunks)
        if raw:
            self.services.journal.set_request(entry, raw, ctype)
        if not raw.strip():
            return NO_BODY
        parsers = self.api.body_parsers
        kind = parsers.get(ctype)
        if kind is None:  # then "application/*+json" for a structured suffix, then "text/*"
            major, _, minor = ctype.partition("/")
            if "+" in minor:
                kind = parsers.get(f"{major}/*+{minor.rsplit('+', 1)[1]}")
            kind = kind or parsers.get(major + "/*")
        if kind is None:  # the vendor's framework has no parser for it
            return self.api.unparsed_body(call, ctype)
        if kind == "json":
            try:
                return orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise HttpError(self.api.malformed(call, "Body is not valid JSON")) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(self.api.malformed(call, "Body is not valid UTF-8")) from None
        return dict(parse_qsl(text, keep_blank_values=True)) if kind == "form" else text

    def _validate_request(self, call: Call[Any]) -> list[Problem]:
        call.params, problems = request_problems(call.op, call.path_params, call.query,
                                                 call.headers, call.body, call.has_body,
                                                 self.api.repeated_query)
        return problems

    async def _run_handler(self, call: Call[Any]) -> Reply:
        result = self.api.handlers[call.op.id](call)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, Reply):
            return result
        if isinstance(result, tuple):
            return json_reply(result[0], result[1])
        return json_reply(200, result)

    # -- strict mode -------------------------------------------------------------------
    def _check_reply(self, op: Operation, reply: Reply) -> None:
        problem = contract_problem(op, reply)
        if problem:
            msg = f"{self.api.name} {op.id} -> {reply.status}: {problem}"
            self.violations.append(msg)
            raise ContractViolation(msg)


def request_problems(op: Operation, path_params: dict[str, str], query: Any, headers: Any,
                     body: Any, has_body: bool, repeated: str = "last"
                     ) -> tuple[dict[str, Any], list[Problem]]:
    """The typed parameters of one request and everything about it the contract forbids,
    read as the vendor's framework reads it (repeated query parameters): what the fake checks
    on arrival, what `mailmocks check --journal` checks afterwards, and the control API's
    own check. `repeated`: the vendor's `Api.repeated_query`."""
    if repeated != "last":
        query = _Repeated(query, repeated)
    params = op.coerce_params(path_params, query, headers)
    problems: list[Problem] = []
    if not op.params_validator.is_valid(params):
        where = {p.name: p.location for p in op.parameters}
        for pr in op.params_validator.problems(params, "query"):
            name = pr.field.split(".", 1)[0]
            problems.append(Problem(where.get(name, "query"), pr.field, pr.keyword,
                                    pr.message))
    if not has_body and body is None:
        if op.body_required:
            problems.append(Problem("body", "", "required", "A request body is required"))
    elif op.body_validator is not None and not op.body_validator.is_valid(body):
        problems.extend(op.body_validator.problems(body, "body"))
    return params, problems


def _url_path(path: str) -> str:
    """`request.url.path` without building the URL (Starlette escapes these three)."""
    if "?" in path or "#" in path or "\\" in path:
        return path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    return path


def _hashable(server: Any) -> tuple[str, int | None] | None:
    return tuple(server) if server else None


@functools.lru_cache(maxsize=1024)
def _base_url(scheme: str, host: str | None, server: tuple[str, int | None] | None, root: str
              ) -> str:
    """`str(request.base_url)` without its trailing slash, built once per host and mount:
    Starlette builds two URL objects a request for it, a fifth of a small request's cost."""
    headers = [] if host is None else [(b"host", host.encode("latin-1"))]
    scope = {"type": "http", "scheme": scheme, "server": server, "headers": headers,
             "path": root if root.endswith("/") else root + "/", "query_string": b"",
             "root_path": root}
    return str(URL(scope=scope)).rstrip("/")


class _Repeated:
    """The query string as a framework that does not take the last of repeated values reads a
    scalar parameter: qs ("list": all values, which the schema then rejects), Spring ("join":
    the values joined with commas) or code that takes the first ("first")."""

    __slots__ = ("mode", "query")

    def __init__(self, query: Any, mode: str) -> None:
        self.query, self.mode = query, mode

    def getlist(self, name: str) -> list[str]:
        return list(self.query.getlist(name))

    def get(self, name: str) -> Any:
        values = self.query.getlist(name)
        if len(values) < 2:
            return values[0] if values else None
        if self.mode == "first":
            return values[0]
        return ",".join(values) if self.mode == "join" else values


class Dropped(Response):
    """A connection cut mid-answer: the head goes out, the promised body never does, so the
    server closes the connection and the client sees it dropped (an injected fault)."""

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"1")]})


def contract_problem(op: Operation, reply: Reply) -> str | None:
    """Why `reply` is off-contract for `op`, or None when it conforms."""
    spec = op.response_for(reply.status)
    if spec is None:
        return f"status {reply.status} is not declared"
    has_body = reply.body is not None and reply.status != 204
    if not spec.media:
        return f"body sent where none is declared: {reply.body!r:.200}" if has_body else None
    if not has_body:
        return "no body where one is declared"
    media = (reply.media_type or "").split(";")[0].strip()
    if media not in spec.media:
        return f"media type {media!r} not in {sorted(spec.media)}"
    validator = spec.media[media]
    if validator is None:
        return None
    body = reply.body
    if isinstance(body, bytes):
        try:
            body = orjson.loads(body) if "json" in media else body.decode()
        except (orjson.JSONDecodeError, UnicodeDecodeError):
            return "body does not parse"
    problems = validator.problems(body, "response")
    if problems:
        return "; ".join(f"{p.field or '<root>'}: {p.message}" for p in problems[:3])
    return None
