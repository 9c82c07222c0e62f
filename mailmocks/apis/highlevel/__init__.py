"""HighLevel API v2, Blogs and Emails (builder, schedule, the v3 Email API), as the real
service behaves, fed by Billetto webhooks.

Facts: docs/vendors/highlevel.md; contract: contracts/highlevel.yaml, whose info.description
lists the decisions taken where the vendor's docs are silent.

- Every call sends a published `Version` (`2021-04-15`, `2021-07-28`, `2023-02-21` or `v3`)
  and `Authorization: Bearer <token>`; a token belongs to one location and holds scopes.
  Checked in this order: Version, token, scope, location, rate limit, then validation (D-7,
  D-8).
- Errors are NestJS-shaped `{statusCode, message[, error]}` (errors.py); 422 lists every
  problem in a `message` array, class-validator style, unknown properties included (D-6).
- 100 requests per 10 s and 200,000 per day per token and location, with X-RateLimit-*
  headers (§10, D-9).

The package: `model` (state and shared logic), `errors`, `handlers/` (blogs, emails,
emails_v3), `jobs` (scheduled posts, campaign sends), `render` (merge fields), `fixtures`,
`sandbox` (previews). Billetto, the event source, is its own package (`..billetto`); this API
carries it: one `Source` per world, its routes beside the previews, its CLI verb.
"""
from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Sequence
from typing import Any

from ...core import (
    Api,
    CheckSettings,
    Decision,
    Handler,
    Operation,
    Policy,
    Problem,
    Reply,
    Services,
    Window,
    fixture_path,
    load_fixture,
)
from .. import billetto
from . import errors, sandbox
from .fixtures import SCHEMA, build, expand
from .handlers import blogs, emails, emails_v3
from .model import ALL_SCOPES, VERSIONS, ApiCall, Auth, World

DAY = 86_400.0

__all__ = ["HighLevelApi", "World", "api"]


class HighLevelApi(Api[World, Auth]):
    name = "highlevel"
    title = "HighLevel API v2 (Blogs, Emails)"
    contract_file = "highlevel.yaml"
    vendor_base_url = "https://services.leadconnectorhq.com"
    vendor_hosts = ("services.leadconnectorhq.com",)
    handler_modules = (blogs, emails, emails_v3)
    repeated_query = "list"  # Express's query parser: ?a=1&a=2 is ["1", "2"]; class-validator 422s
    checks = CheckSettings(
        excluded_checks={"unsupported_method": "NestJS answers a method with no route 404 "
                                               "`Cannot <METHOD> <path>` "
                                               "(contracts/highlevel.yaml, assumption J)"},
        expected_statuses={
            "400": "a taken urlSlug; in the v3 Email API a campaign that is no draft or has "
                   "no content",
            "401": "a Version value that is not published",
            "403": "a generated locationId of another location",
            "404": "an unknown blog, post, template or campaign",
            "409": "scheduling a v3 campaign that is no draft",
            "422": "an author or category of no location; `ALL` or a missing wordCount "
                   "outside Version v3; contacts, tags or a time zone that do not exist",
        })

    @functools.cached_property
    def handlers(self) -> dict[str, Handler]:
        """Every handler refuses unknown query properties first (D-6): a query the schema
        accepts may still name a property the DTO does not have."""
        return {oid: refusing_unknown_query(fn) for oid, fn in super().handlers.items()}

    # -- the world -----------------------------------------------------------------------
    def new_world(self, services: Services, fixtures: str | None = None,
                  seed: int | None = None) -> World:
        path = fixtures or str(fixture_path("highlevel.yaml"))
        return build(services, load_fixture(path, seed, expand, SCHEMA))

    def describe(self, world: World) -> list[str]:
        lines = []
        for token in world.tokens.values():
            scopes = "" if token.scopes >= ALL_SCOPES else ": " + ", ".join(sorted(token.scopes))
            lines.append(f"location {token.location_id}: Bearer {token.value} "
                         f"({token.name}{scopes})")
        lines.append("send `Version: 2021-07-28` (or 2021-04-15, 2023-02-21, v3); Billetto "
                     f"webhooks: POST /{self.name}{billetto.sandbox.PREFIX}/emit, secret "
                     + world.billetto.secret)
        return lines

    def extra_routes(self, world: World, services: Services) -> list[Any]:
        return [*sandbox.routes(world, services), *billetto.routes(world.billetto, services)]

    def add_commands(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]
                     ) -> dict[str, Callable[[argparse.Namespace], int]]:
        return billetto.add_commands(commands, carrier=self.name)

    # -- contract checks -----------------------------------------------------------------
    def check_credentials(self, world: World) -> dict[str, str]:
        token = next(t for t in world.tokens.values()
                     if t.location_id == world.default.id and t.name == "All scopes")
        return {"Location-Access": token.value}

    def pin_generated(self, world: World, where: str, values: dict[str, Any]) -> None:
        """Generated strings never name this location or its blogs, authors, categories or
        templates (403/404/422 every time): point the schema-valid ones at real records.
        Missing or mistyped values stay as generated, so negative cases stay negative; path
        template ids stay random, the stateful links feed them real ones."""
        loc = world.default
        pins = {"locationId": loc.id, "blogId": next(iter(loc.blogs)).id,
                "author": next(iter(loc.authors)).id,
                "templateId": next(t.id for t in loc.templates if t.template_type == "html")}
        for name, value in pins.items():
            if isinstance(values.get(name), str) and not (name == "templateId"
                                                          and where == "path"):
                values[name] = value
        cats = values.get("categories")
        if isinstance(cats, list) and all(isinstance(c, str) for c in cats):
            values["categories"] = [next(iter(loc.categories)).id] * min(len(cats), 1)

    # -- hooks, in request-path order ----------------------------------------------------
    def authenticate(self, call: ApiCall) -> None:
        version = call.headers.get("version")
        if version is None:
            raise errors.VERSION_MISSING()
        if version not in versions_for(call.op):  # the published values, on every path
            raise errors.VERSION_INVALID()
        scheme, _, value = call.headers.get("authorization", "").partition(" ")
        token = call.world.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise errors.INVALID_TOKEN()
        if not call.op.scopes <= token.scopes:  # scope before location (observed, §9.2)
            raise errors.SCOPE_MISSING()
        asked = requested_location(call)
        if isinstance(asked, str) and asked != token.location_id:
            raise errors.OTHER_LOCATION()
        call.tenant = Auth(token, call.world.locations[token.location_id], version)
        call.credential = token.name

    def rate_limit(self, call: ApiCall) -> list[Window]:
        auth, world = call.tenant, call.world
        key = f"highlevel:{auth.token.value}:{auth.location.id}"
        return [Window(key, Policy(world.burst_limit, world.burst_window)),
                Window(key + ":day", Policy(world.daily_limit, DAY))]

    def rate_limited(self, call: ApiCall, decision: Decision) -> Reply:
        return errors.TOO_MANY().reply

    def rate_headers(self, call: ApiCall, decisions: Sequence[Decision]) -> dict[str, str]:
        world = call.world
        burst, daily = decisions
        burst_left = burst.remaining if daily.allowed else 0
        return {"X-RateLimit-Limit-Daily": str(world.daily_limit),
                "X-RateLimit-Daily-Remaining": str(daily.remaining),
                "X-RateLimit-Interval-Milliseconds": str(int(world.burst_window * 1000)),
                "X-RateLimit-Max": str(world.burst_limit),
                "X-RateLimit-Remaining": str(burst_left)}

    def invalid(self, call: ApiCall, problems: list[Problem]) -> Reply:
        return errors.invalid_request(call.op, call.query.keys(), problems).reply

    def malformed(self, call: ApiCall, reason: str) -> Reply:
        return errors.BAD_REQUEST().reply

    def too_large(self, call: ApiCall) -> Reply:
        return errors.TOO_LARGE().reply

    def unknown_route(self, method: str, path: str) -> Reply:
        return errors.no_route(method, path).reply

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        return self.unknown_route(method, path)

    def internal_error(self, call: ApiCall, exc: Exception) -> Reply:
        return errors.INTERNAL().reply


def refusing_unknown_query(handler: Handler) -> Handler:
    def checked(call: ApiCall) -> Any:
        extra = errors.unknown_query(call.op, call.query.keys())
        if extra:
            raise errors.unprocessable(*extra)
        return handler(call)
    return functools.wraps(handler)(checked)


def versions_for(op: Operation) -> tuple[str, ...]:
    """The Version values the operation declares (its header parameter's enum)."""
    param = next((p for p in op.parameters
                  if p.location == "header" and p.name.lower() == "version"), None)
    return tuple(param.schema.get("enum", VERSIONS)) if param else VERSIONS


def requested_location(call: ApiCall) -> Any:
    """The locationId the request names: path, else query, else body."""
    if "locationId" in call.path_params:
        return call.path_params["locationId"]
    if "locationId" in call.query:
        return call.query["locationId"]
    if isinstance(call.body, dict):
        return call.body.get("locationId")
    return None


api = HighLevelApi()
