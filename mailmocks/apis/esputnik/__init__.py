"""eSputnik (Yespo) REST API v1/v2, as the real service behaves.

Facts: docs/vendors/esputnik.md; the contract is contracts/esputnik.yaml, whose
info.description lists the decisions taken where the vendor's docs are silent.

- this module: the `Api` (Basic auth, Spring-style 401, plain-text errors, rate limits).
- `errors`: the vendor's error answers.  `model`: organisations, contacts and their
  indexes, segments, events, orders, sends, the balance.  `rules`: the documented field
  rules and how a contact body is written.
- `handlers`: one module per docs area (account, contacts, imports, subscriptions, segments,
  events, orders, messages, sends).  `jobs`: the import's progress, each send's delivery,
  order deletion.
- `render`: a sandboxed Velocity interpreter with Java-like values, bounded by a render
  budget.  `fixtures`: the fixture file's schema and the world built from it.
  `sandbox`: control routes.  `coerce`: Jackson's scalar coercions of request bodies, driven
  by the contract's `x-jackson` marks (§13).
"""
from __future__ import annotations

import base64
import binascii
from types import MappingProxyType
from typing import Any

from starlette.datastructures import QueryParams

from ...core import (
    NO_BODY,
    Api,
    CheckSettings,
    Decision,
    Policy,
    Problem,
    Reply,
    Services,
    Window,
    fixture_path,
    iso,
)
from .coerce import MAX_NESTING, body_converter, depth
from .errors import TOO_MANY, error, unauthorized, unsupported_media
from .handlers import (
    JSON_UTF8,
    account,
    contacts,
    events,
    imports,
    messages,
    orders,
    segments,
    sends,
    subscriptions,
)
from .model import ApiCall, Org, World

# Spring's StringToBooleanConverter, for query parameters (§13)
SPRING_BOOLEANS = {"true": "true", "on": "true", "yes": "true", "1": "true",
                   "false": "false", "off": "false", "no": "false", "0": "false"}
DEFAULT_RATE = Policy(limit=200, window=1.0)
RATES: dict[str, Policy] = {  # requests per second per account (§10.1)
    "search_contacts": Policy(50, 1.0),
    "generate_event_v1": Policy(350, 1.0),
    "generate_event_v2": Policy(350, 1.0),
    "get_email_message": Policy(10, 1.0),
}
TEMPLATE_READS = {"get_email_message", "search_email_messages"}
TEMPLATE_READS_PER_HOUR = Policy(500, 3600.0)


class EsputnikApi(Api[World, Org]):
    name = "esputnik"
    title = "eSputnik (Yespo) v1/v2"
    contract_file = "esputnik.yaml"
    vendor_base_url = "https://esputnik.com"
    vendor_hosts = ("esputnik.com", "yespo.io")
    json_media_type = JSON_UTF8
    max_body_bytes = 10 << 20  # 3000 contacts per bulk call fit easily
    repeated_query = "join"  # Spring binds a scalar @RequestParam from the values joined by ","
    handler_modules = (account, contacts, imports, subscriptions, segments, events, orders,
                       messages, sends)
    checks = CheckSettings(expected_statuses={
        "400": "name and phone rules, unknown custom fields or senders",
        "401": "generated credentials",
        "404": "an unknown id",
        "409": "the same body twice within a minute (D-8)",
        "415": "a body whose Content-Type is not JSON",
    })  # no check excluded: Spring answers 405, 401 first and 400 for every schema violation

    def check_credentials(self, world: World) -> dict[str, str]:
        return {"basicAuth": f"schemathesis:{next(iter(world.orgs.values())).api_keys[0]}"}

    # -- the world ---------------------------------------------------------------------
    def new_world(self, services: Services, fixtures: str | None = None,
                  seed: int | None = None) -> World:
        from .fixtures import build, load
        path = fixtures or str(fixture_path("esputnik.yaml"))
        return build(World(services), load(path, seed))

    def describe(self, world: World) -> list[str]:
        lines = [f"organisation {o.id} ({o.name}): Basic auth, any user, "
                 f"password={o.api_keys[0]}" for o in world.orgs.values()]
        return [*lines, "sandbox: GET /esputnik/_sandbox/events|orders|sends, "
                        "POST /esputnik/_sandbox/sends/{requestId}/status"]

    def extra_routes(self, world: World, services: Services) -> list[Any]:
        from .sandbox import routes
        return routes(world, services)

    # -- hooks, in request-path order --------------------------------------------------
    def authenticate(self, call: ApiCall) -> None:
        if call.credential is not None:  # prepare (or unparsed_body) checked the key already
            return
        key = basic_password(call.headers.get("authorization", ""))
        org = call.world.keys.get(key) if key else None
        if org is None:
            raise unauthorized(iso(call.clock.now()), call.path)
        call.tenant, call.credential = org, "key"

    def prepare(self, call: ApiCall) -> None:
        """The key first (Spring Security's filter runs before the controller), then the
        nesting bound, Spring's query booleans and Jackson's scalar coercions (§13), so the
        request is what the server's controllers and DTOs would hold. (A body that is not
        JSON is `unparsed_body`'s 415; one over the limit or unparsable is answered by the
        engine before this hook.)"""
        self.authenticate(call)
        if call.has_body and call.op.body_media:
            if depth(call.body, MAX_NESTING) > MAX_NESTING:
                raise error(400, f"JSON parse error: the body nests deeper than {MAX_NESTING} "
                                 "levels")
        typed = {p.name: str(p.scalar_type) for p in call.op.parameters
                 if p.location == "query" and not p.is_array and p.name in call.query
                 and p.scalar_type in ("integer", "number", "boolean")}
        if typed:
            call.query = spring_query(call.query, typed)
        if call.has_body and call.op.body_media:
            convert = body_converter(call.op.id, call.op.spec)
            if convert is not None:
                call.body = convert(call.body)

    # Spring's Jackson converter reads application/json and application/*+json (§13)
    body_parsers = MappingProxyType({"application/json": "json", "application/*+json": "json"})

    def unparsed_body(self, call: ApiCall, media_type: str) -> Any:
        """Any other type, or none (application/octet-stream), is 415 — after the key is
        checked, as Spring Security runs before the message converters."""
        if not call.op.body_media:
            return NO_BODY
        self.authenticate(call)
        raise unsupported_media(media_type or "application/octet-stream")

    def rate_limit(self, call: ApiCall) -> list[Window]:
        org = call.tenant
        policy = RATES.get(call.op.id)
        windows = [Window(f"esputnik:{org.id}", DEFAULT_RATE) if policy is None
                   else Window(f"esputnik:{org.id}:{call.op.id}", policy)]
        if call.op.id in TEMPLATE_READS:
            windows.append(Window(f"esputnik:{org.id}:templates", TEMPLATE_READS_PER_HOUR))
        return windows

    def rate_limited(self, call: ApiCall, decision: Decision) -> Reply:
        return error(429, TOO_MANY).reply

    def invalid(self, call: ApiCall, problems: list[Problem]) -> Reply:
        return error(400, invalid_message(call, problems[0])).reply

    def malformed(self, call: ApiCall, reason: str) -> Reply:
        return error(400, f"JSON parse error: {reason}").reply

    def too_large(self, call: ApiCall) -> Reply:
        return error(413, "Request entity too large").reply

    def unknown_route(self, method: str, path: str) -> Reply:
        return error(404, "Not Found").reply

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        reply = error(405, f"Request method '{method}' not supported").reply
        reply.headers["allow"] = ", ".join(allowed)
        return reply

    def internal_error(self, call: ApiCall, exc: Exception) -> Reply:
        return error(500, "Internal server error").reply


LIMITS = {("add_contacts", "contacts"): "The number of contacts in one request must not "
                                        "exceed 3000",
          ("add_orders", "orders"): "The number of orders in one request must not exceed 1000",
          ("smartsend_message", "recipients"): "The number of recipients must not exceed 1000"}


def invalid_message(call: ApiCall, first: Problem) -> str:
    """What Spring says of the first problem: a path id that is no number, a list over its
    documented limit (§10.2), a missing body, else the field and what is wrong with it."""
    if first.location == "path":
        value = call.path_params.get(first.field or "id", "")
        return (f"Failed to convert value of type 'java.lang.String' to required type "
                f"'java.lang.Long'; For input string: \"{value}\"")
    limit = LIMITS.get((call.op.id, first.field or ""))
    if limit is not None and first.keyword == "maxItems":
        return limit
    if first.location == "body" and first.keyword == "required" and not first.field:
        return "Required request body is missing"
    return f"Validation failed: {first.field or first.location}: {first.message}"


def spring_query(query: QueryParams, typed: dict[str, str]) -> QueryParams:
    """Numbers and booleans of the query string as Spring's converters read them (§13): the
    first of repeated values (`ArrayToObjectConverter`), whitespace dropped
    (`NumberUtils.parseNumber`), on/off and yes/no (`StringToBooleanConverter`), a blank value
    as none so the default applies. Text parameters are left to the engine, which joins
    repeated ones with commas as Spring's `ArrayToStringConverter` does."""
    seen: set[str] = set()
    items = []
    for name, value in query.multi_items():
        kind = typed.get(name)
        if kind is None:
            items.append((name, value))
            continue
        if name in seen:
            continue
        seen.add(name)
        value = "".join(value.split())
        if not value:
            continue
        items.append((name, SPRING_BOOLEANS.get(value.lower(), value) if kind == "boolean"
                      else value))
    return QueryParams(items)


def basic_password(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, sep, password = decoded.partition(":")
    return password if sep and password else None


api = EsputnikApi()

__all__ = ["EsputnikApi", "api"]
