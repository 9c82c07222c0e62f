"""Botamp's subscriber API, as the real service behaves.

Facts and their sources: docs/vendors/botamp.md (sections §n, decisions D-n, assumptions A-J);
the contract is contracts/botamp.yaml, whose info.description repeats the decisions.

- Every request carries `Authorization: Bearer <api_key>`; generating a new key invalidates
  the old one at once. Anything else is 401 `{"error": "Unauthorized"}` (§1, D-3, D-8).
- `create_or_update_subscriber` inserts or updates one subscriber, keyed by email
  (case-insensitive), synchronously: 200 `{}` once applied, 400 `{"error": "<message>"}`
  otherwise (§2.1, D-1, D-2, D-5).
- `create_or_update_subscribers` checks only the envelope, answers 200 `{}` at once and
  applies the entries in a background job (jobs.py): the first occurrence of an email wins,
  invalid entries are skipped, and a report email goes to the account owner when the job is
  done (§2.2, §4, D-6).
- "The email must exist" is an offline rule (model.py): reserved test domains and the
  fixtures' undeliverable domains do not exist (§6, D-4).
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

from ...core import Api, CheckSettings, Problem, Reply, Services, fixture_path
from . import sandbox
from .errors import (
    BATCH_TOO_BIG,
    BIRTHDAY_FORMAT,
    EMPTY_BATCH,
    INTERNAL,
    NOT_FOUND,
    NOT_JSON,
    TOO_LARGE,
    Rejected,
    error,
    field_invalid,
    unauthorized,
)
from .fixtures import build
from .handlers import subscribers
from .model import API_NAME, Account, ApiCall, World, check_subscriber

__all__ = ["Account", "ApiCall", "BotampApi", "World", "api"]


class BotampApi(Api[World, Account]):
    name = API_NAME
    title = "Botamp"
    contract_file = "botamp.yaml"
    vendor_base_url = "https://www.botamp.com"
    vendor_hosts = ("www.botamp.com", "botamp.com")
    json_media_type = "application/json; charset=utf-8"
    # Rails parses JSON and its registered synonyms, and form bodies; any other type is no
    # body, so no `subscriber` (assumption J). Repeated query keys: the last wins (default).
    body_parsers = MappingProxyType({
        "application/json": "json", "text/x-json": "json", "application/jsonrequest": "json",
        "application/x-www-form-urlencoded": "form"})
    max_body_bytes = 8 << 20  # assumption H
    handler_modules = (subscribers,)
    checks = CheckSettings(
        excluded_checks={"unsupported_method": "Rails answers a method with no route 404 like "
                                               "an unknown path (docs/vendors/botamp.md, "
                                               "assumption H)"},
        expected_statuses={
            "400": "an email that is not an address or does not exist; a birthday that is "
                   "not a real date (rules beyond the schema)",
        },
        drain=True)

    def check_credentials(self, world: World) -> dict[str, str]:
        return {"bearer": world.default.api_key}

    def new_world(self, services: Services, fixtures: str | None = None,
                  seed: int | None = None) -> World:
        return build(World(services), fixtures or str(fixture_path("botamp.yaml")), seed)

    def describe(self, world: World) -> list[str]:
        lines = [f"account {a.id} ({a.name}, owner {a.owner_email}): api_key={a.api_key}"
                 for a in world.accounts.values()]
        return lines + ["sandbox: " + ", ".join(sandbox.PATHS)]

    def extra_routes(self, world: World, services: Services) -> list[Any]:
        return list(sandbox.routes(world))

    # -- hooks, in request-path order ----------------------------------------------------
    def authenticate(self, call: ApiCall) -> None:
        scheme, _, token = call.headers.get("authorization", "").partition(" ")
        account = call.world.keys.get(token.strip()) if scheme.lower() == "bearer" else None
        if account is None:
            raise unauthorized()
        call.tenant, call.credential = account, "api_key"

    def invalid(self, call: ApiCall, problems: list[Problem]) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if call.op.id == "create_or_update_subscribers":
            too_many = any(p.field == "subscribers" and p.keyword == "maxItems"
                           for p in problems)
            return error(400, BATCH_TOO_BIG if too_many else EMPTY_BATCH).reply
        # The single endpoint: the same checks as the handler give the same first message.
        try:
            check_subscriber(body.get("subscriber"), call.tenant)
        except Rejected as rej:
            return error(400, rej.message).reply
        top = problems[0].field.split(".")
        name = top[1] if len(top) > 1 else "subscriber"
        return error(400, BIRTHDAY_FORMAT if name == "birthday" else field_invalid(name)).reply

    def malformed(self, call: ApiCall, reason: str) -> Reply:
        return error(400, NOT_JSON).reply

    def too_large(self, call: ApiCall) -> Reply:
        return error(413, TOO_LARGE).reply

    def unknown_route(self, method: str, path: str) -> Reply:
        return error(404, NOT_FOUND).reply

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        return error(404, NOT_FOUND).reply  # Rails: an unrouted verb is an unknown route

    def internal_error(self, call: ApiCall, exc: Exception) -> Reply:
        return error(500, INTERNAL).reply


api = BotampApi()
