"""The eSputnik `Api`: Basic auth, Spring-style 401, plain-text errors, rate limits, quirks.

Every answer says `application/json; charset=UTF-8`, also the plain-text confirmations of
PUT/DELETE contact and the empty bodies of events, so those are sent as raw bytes.
"""
from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

import orjson

from ...core import (
    Api,
    Call,
    CheckSettings,
    HttpError,
    Policy,
    Problem,
    Reply,
    Services,
    Window,
    iso,
    text_reply,
)
from ...core.ratelimit import Decision
from ...core.resources import fixture_path
from .model import Org, World

JSON_UTF8 = "application/json; charset=UTF-8"
DEFAULT_RATE = Policy(limit=200, window=1.0)
RATES: dict[str, Policy] = {  # requests per second per account (facts §10.1)
    "search_contacts": Policy(50, 1.0),
    "generate_event_v1": Policy(350, 1.0),
    "generate_event_v2": Policy(350, 1.0),
    "get_email_message": Policy(10, 1.0),
}
TEMPLATE_READS = {"get_email_message", "search_email_messages"}
TEMPLATE_READS_PER_HOUR = Policy(500, 3600.0)
DUPLICATE_WINDOW = 60.0
DEDUPED = {"add_contact", "subscribe_contact", "update_contact"}


# -- answers, worded as the vendor words them -------------------------------------------
def bad_request(message: str) -> HttpError:
    return HttpError(text_reply(400, message))


def not_found(message: str) -> HttpError:
    return HttpError(text_reply(404, message))


def plain_ok(text: str) -> Reply:
    """200 with a plain-text body under the JSON content type, as the service sends it."""
    return Reply(200, text.encode(), {}, JSON_UTF8)


def empty_ok(headers: dict[str, str] | None = None) -> Reply:
    return Reply(200, None, dict(headers or {}), None)


def listing(items: list[Any], total: int) -> Reply:
    return Reply(200, items, {"TotalCount": str(total)})


def one_or_many(items: list[Any]) -> Any:
    """The XML heritage: one element is an object, several an array (none: `[]`)."""
    return items[0] if len(items) == 1 else items


def new_uuid() -> str:
    return str(uuid.uuid4())


def org_of(call: Call[World]) -> Org:
    org: Org = call.tenant
    return org


def body_of(call: Call[World]) -> dict[str, Any]:
    return call.body if isinstance(call.body, dict) else {}


def page_args(call: Call[World]) -> tuple[int, int]:
    start = int(call.params.get("startindex", 1))
    rows = int(call.params.get("maxrows", 500))
    return start - 1, rows


class EsputnikApi(Api[World]):
    name = "esputnik"
    title = "eSputnik (Yespo) v1/v2"
    contract_file = "esputnik.yaml"
    vendor_base_url = "https://esputnik.com"
    vendor_hosts = ("esputnik.com", "yespo.io")
    checks = CheckSettings(expected_statuses={
        "400": "name and phone rules, unknown custom fields or senders",
        "401": "generated credentials",
        "404": "an unknown id",
        "409": "the same body twice within a minute (facts D-8)",
        "415": "a body whose Content-Type is not JSON",
    })  # no check excluded: Spring answers 405, 401 first and 400 for every schema violation

    def check_credentials(self, world: World) -> dict[str, str]:
        return {"basicAuth": f"schemathesis:{next(iter(world.orgs.values())).api_keys[0]}"}
    json_media_type = JSON_UTF8
    max_body_bytes = 10 << 20  # 3000 contacts per bulk call fit easily

    def new_world(self, services: Services, fixtures: str | None = None,
                  seed: int | None = None) -> World:
        from .fixtures import load_world
        return load_world(World(services), fixtures or str(fixture_path("esputnik.yaml")), seed)

    def describe(self, world: World) -> list[str]:
        lines = [f"organisation {o.id} ({o.name}): Basic auth, any user, "
                 f"password={o.api_keys[0]}" for o in world.orgs.values()]
        return [*lines, "sandbox: GET /esputnik/_sandbox/events|orders|sends, "
                        "POST /esputnik/_sandbox/sends/{requestId}/status"]

    def extra_routes(self, world: World, services: Services) -> list[Any]:
        from .sandbox import routes
        return routes(world, services)

    def authenticate(self, call: Call[World]) -> None:
        key = basic_password(call.headers.get("authorization", ""))
        org = call.world.keys.get(key) if key else None
        if org is None:
            raise HttpError(unauthorized(call))
        call.tenant, call.credential = org, "key"
        if call.has_body and call.op.body_media:
            ctype = call.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                raise HttpError(text_reply(415, f"Content type '{ctype or 'none'}' "
                                                "not supported"))

    def rate_limit(self, call: Call[World]) -> list[Window]:
        org = org_of(call)
        policy = RATES.get(call.op.id)
        windows = [Window(f"esputnik:{org.id}", DEFAULT_RATE) if policy is None
                   else Window(f"esputnik:{org.id}:{call.op.id}", policy)]
        if call.op.id in TEMPLATE_READS:
            windows.append(Window(f"esputnik:{org.id}:templates", TEMPLATE_READS_PER_HOUR))
        return windows

    def rate_limited(self, call: Call[World], decision: Decision) -> Reply:
        return text_reply(429, "Too many requests")

    def invalid(self, call: Call[World], problems: list[Problem]) -> Reply:
        first = problems[0]
        if first.location == "path":
            value = call.path_params.get(first.field or "id", "")
            return text_reply(400, f"Failed to convert value of type 'java.lang.String' to "
                                   f"required type 'java.lang.Long'; For input string: "
                                   f"\"{value}\"")
        if call.op.id == "add_contacts" and first.field == "contacts" and (
                first.keyword == "maxItems"):
            return text_reply(400, "The number of contacts in one request must not exceed 3000")
        if call.op.id == "add_orders" and first.field == "orders" and (
                first.keyword == "maxItems"):
            return text_reply(400, "The number of orders in one request must not exceed 1000")
        if call.op.id == "smartsend_message" and first.field == "recipients" and (
                first.keyword == "maxItems"):
            return text_reply(400, "The number of recipients must not exceed 1000")
        if first.location == "body" and first.keyword == "required" and not first.field:
            return text_reply(400, "Required request body is missing")
        where = first.field or first.location
        return text_reply(400, f"Validation failed: {where}: {first.message}")

    def malformed(self, call: Call[World], reason: str) -> Reply:
        return text_reply(400, f"JSON parse error: {reason}")

    def too_large(self, call: Call[World]) -> Reply:
        return text_reply(413, "Request entity too large")

    def unknown_route(self, method: str, path: str) -> Reply:
        return text_reply(404, "Not Found")

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        return text_reply(405, f"Request method '{method}' not supported",
                          {"allow": ", ".join(allowed)})

    def internal_error(self, call: Call[World], exc: Exception) -> Reply:
        return text_reply(500, "Internal server error")


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


def unauthorized(call: Call[World]) -> Reply:
    return Reply(401, {"timestamp": iso(call.clock.now()), "status": 401,
                       "error": "Unauthorized", "message": "Bad credentials", "path": call.path})


def check_duplicate(call: Call[World]) -> None:
    """409 for the same body from the same key within a minute (facts D-8)."""
    org, now = org_of(call), call.clock.now()
    key = (f"{call.op.id} {call.path}", orjson.dumps(call.body, option=orjson.OPT_SORT_KEYS)
           .decode())
    seen = org.recent.get(key)
    if seen is not None and now - seen < DUPLICATE_WINDOW:
        raise HttpError(text_reply(409, "Duplicated request"))
    if len(org.recent) > 10_000:  # forget what fell out of the window
        org.recent = {k: t for k, t in org.recent.items() if now - t < DUPLICATE_WINDOW}
    org.recent[key] = now


api = EsputnikApi()
