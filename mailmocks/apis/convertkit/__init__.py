"""ConvertKit ("Kit") API v3, as the real service behaves.

Facts, with section numbers (§n), the decisions taken where the docs are silent (D-n) and
the contract's further assumptions (assumption A-N): docs/vendors/convertkit.md. The
contract is contracts/convertkit.yaml.

- Credentials are parameters (query or JSON body): `api_key` (public) or `api_secret`.
  Endpoints marked apiKey in the contract take either; apiSecret endpoints only the secret.
- Errors are `{"error": "<title>", "message": "<detail>"}` (errors.py); 429 is plain text
  `Retry later` with no Retry-After, after 120 requests in a rolling 60 s per credential.
- Lists of subscribers, subscriptions and purchases are paged 50 at a time.
- Subscribe endpoints find-or-create by email; a double-opt-in form leaves new subscribers
  `inactive` and sends them a confirmation email whose link (sandbox.py) activates them.
- Broadcasts go out when the clock passes `send_at`, rendered with Liquid (render.py) per
  subscriber; automation hooks POST the documented payloads to their target URL (jobs.py).
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl

from ...core import (
    Api,
    CheckSettings,
    Decision,
    Policy,
    Problem,
    Reply,
    Services,
    Window,
    fixture_path,
    load_fixture,
    text_reply,
)
from . import errors
from .fixtures import SCHEMA, build, expand
from .handlers import (
    account,
    broadcasts,
    custom_fields,
    forms,
    purchases,
    sequences,
    subscribers,
    tags,
    webhooks,
)
from .model import Account, ApiCall, World
from .params import nested_query
from .sandbox import routes

RATE = Policy(limit=120, window=60.0)  # per credential (§13, D-8)
FORM = "application/x-www-form-urlencoded"
SUBSCRIBE_OPS = {"add_subscriber_to_form", "add_subscriber_to_sequence",
                 "add_subscriber_to_course", "tag_subscriber"}


class ConvertKitApi(Api[World, Account]):
    name = "convertkit"
    title = "ConvertKit v3"
    contract_file = "convertkit.yaml"
    vendor_base_url = "https://api.convertkit.com"
    vendor_hosts = ("api.convertkit.com",)
    json_media_type = "application/json; charset=utf-8"
    # Rails parses JSON (and its registered synonyms); Rack parses form bodies, which
    # prepare() nests as Rack does; any other type is no body (§1.4). Repeated query keys:
    # the last wins (the engine's default, Rails').
    body_parsers = MappingProxyType({
        "application/json": "json", "text/x-json": "json", "application/jsonrequest": "json",
        FORM: "text"})
    handler_modules = (account, forms, sequences, tags, subscribers, custom_fields, broadcasts,
                       purchases, webhooks)
    checks = CheckSettings(
        excluded_checks={"unsupported_method": "Rails answers a method with no route 404 like "
                                               "an unknown path (§14), not 405"},
        expected_statuses={
            "400": "a purchase without the fields its docs require only in prose; more than "
                   "125 custom fields in one update",
            "401": "generated `api_key`/`api_secret` body fields are read as credentials",
            "403": "the plan's subscriber limit, or the public key on a secret operation",
            "404": "a generated id names no form, tag, sequence, subscriber or broadcast",
            "422": "a duplicate tag name or field label; a broadcast already sent",
        })

    def check_credentials(self, world: World) -> dict[str, str]:
        return {"apiSecret": world.default.api_secret}

    def new_world(self, services: Services, fixtures: str | None = None,
                  seed: int | None = None) -> World:
        path = fixtures or str(fixture_path("convertkit.yaml"))
        return build(World(services), load_fixture(path, seed, expand, SCHEMA))

    def describe(self, world: World) -> list[str]:
        return [f"account {a.id} ({a.name}): api_key={a.api_key} api_secret={a.api_secret}"
                for a in world.accounts.values()]

    def extra_routes(self, world: World, services: Services) -> list[Any]:
        return routes(world)

    # Rails merges query-string and body parameters; SDKs rely on both (§1.2, assumption K).
    def prepare(self, call: ApiCall) -> None:
        if call.method in ("GET", "HEAD"):
            return
        if isinstance(call.body, str) and call.media_type == FORM:
            # Rack's form parser: the body's pairs nest like a query string (tags[]=1, ...)
            call.body = nested_query(parse_qsl(call.body, keep_blank_values=True))
        if call.body is None and not call.has_body:
            call.body = {}  # Rails' params are a hash whether a body came or not
        # Credentials stay where they came from: authenticate() reads both places itself.
        declared = {p.name for p in call.op.parameters} | {"api_key", "api_secret"}
        pairs = [(k, v) for k, v in call.query.multi_items()
                 if k.partition("[")[0] not in declared]
        if pairs and isinstance(call.body, dict):
            # Rack nests `fields[last_name]=Snow`, `tags[]=1`; the query wins (a shallow merge)
            call.body.update(nested_query(pairs))

    def authenticate(self, call: ApiCall) -> None:
        body = call.body if isinstance(call.body, dict) else {}
        given = [v for v in (call.query.get("api_secret"), call.query.get("api_key"),
                             body.get("api_secret"), body.get("api_key"))
                 if isinstance(v, str) and v]
        if not given:
            raise errors.unauthorized(errors.KEY_NOT_PRESENT)
        found = call.world.credentials.get(given[0])
        if found is None:
            raise errors.unauthorized(errors.KEY_NOT_VALID)
        account, kind = found
        takes_key = any("apiKey" in alt for alt in call.op.security)
        if kind == "key" and not takes_key:
            raise errors.unauthorized(errors.NO_PERMISSION)
        call.tenant, call.credential = account, kind

    def rate_limit(self, call: ApiCall) -> list[Window]:
        account = call.tenant
        cred = account.api_secret if call.credential == "secret" else account.api_key
        return [Window(f"convertkit:{cred}", RATE)]

    def rate_limited(self, call: ApiCall, decision: Decision) -> Reply:
        return text_reply(429, "Retry later")

    def invalid(self, call: ApiCall, problems: list[Problem]) -> Reply:
        first = problems[0]
        if first.location == "path":  # Rails finds no record for a non-id (assumption A)
            return errors.not_found().reply
        top = first.field.split(".")[0]
        if call.op.id in SUBSCRIBE_OPS and top == "email":
            email = call.body.get("email") if isinstance(call.body, dict) else None
            wrong = errors.missing_email() if email in (None, "") else errors.invalid_email()
            return wrong.reply
        if call.op.id == "remove_tag_from_subscriber_by_email" and top == "email" and (
                first.keyword == "required"):  # same controller, same words (§14)
            return errors.missing_email().reply
        where = first.field or ("request body" if first.location == "body" else first.location)
        return errors.unprocessable(f"{where} {first.message}").reply

    def malformed(self, call: ApiCall, reason: str) -> Reply:
        return errors.malformed().reply  # the contract's wording, whatever the engine's reason

    def too_large(self, call: ApiCall) -> Reply:
        return errors.too_large().reply

    def unknown_route(self, method: str, path: str) -> Reply:
        return errors.not_found().reply

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        return errors.not_found().reply

    def internal_error(self, call: ApiCall, exc: Exception) -> Reply:
        return errors.internal().reply


api = ConvertKitApi()

__all__ = ["Account", "ApiCall", "ConvertKitApi", "World", "api"]
