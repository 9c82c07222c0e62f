"""Parcelvoy: the `/api/client` routes of the open-source messaging platform (v2.3.3), as its
code behaves (facts: docs/vendors/parcelvoy.md; the contract is contracts/parcelvoy.yaml,
whose info.description lists the decisions and assumptions taken where the sources are
silent).

- `Authorization: Bearer pk_...|sk_...` (or the `access_token` cookie); the prefix is the
  scope, the key's row the project and the role. The checks answer in the platform's
  middleware order (§1.2): 401, 404 (project, JSON), 403 (scope), 403 (role), 404 (entity,
  text), then 422 (the first AJV error, ajv.py).
- koa-body reads the body before any of that: bad JSON, a JSON scalar or a body over 1 MB is
  the generic 400 (errors.py), even without a key; only its four JSON types are JSON, a form
  nests as qs reads it (form.py), a `text/*` body is a string, any other type is `{}`;
  numbers are JavaScript doubles.
- Ingestion answers 204 and queues jobs; triggers answer `{"success": true}` and queue the
  send pipeline (jobs.py), which renders with our Handlebars (render.py, handlebars/).
  No rate limit (§6).

The package: this module (the Api and its hooks), errors.py, ajv.py (the wording of
validation errors, beside errors.py: it decides which message, errors.py shapes the body),
model.py (the state and `ApiCall`), handlers/ (one module per docs area, and search.py:
every list's query and cursor page), jobs.py, proof.py (a template's proof), render.py,
handlebars/, form.py, fixtures.py.
"""
from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from types import MappingProxyType
from typing import Any

from ...core import Api, CheckSettings, Problem, Reply, Services, fixture_path
from .ajv import first_error
from .errors import (
    access_denied,
    generic,
    method_not_allowed,
    no_journey,
    no_project,
    not_found,
    role_required,
    unauthorized,
    unprocessable,
)
from .fixtures import build as build_world
from .fixtures import load as load_fixtures
from .form import nest
from .handlers import (
    campaigns,
    ingestion,
    journeys,
    project,
    query_error,
    subscriptions,
    templates,
    users,
)
from .handlers.search import parse_int
from .model import ROLES, Access, ApiCall, Project, World

__all__ = ["ParcelvoyApi", "api"]

BODY_METHODS = ("POST", "PUT", "PATCH")  # koa-body parses only these
JSON_TYPES = frozenset(("application/json", "application/json-patch+json",
                        "application/vnd.api+json", "application/csp-report"))
UNVALIDATED_ITERATION = "update_user_subscriptions"  # iterates whatever body it gets
ROLE_EXTENSION = "x-parcelvoy-role"  # an operation's minimum key role, in the contract


class ParcelvoyApi(Api[World, Access]):
    name = "parcelvoy"
    title = "Parcelvoy"
    contract_file = "parcelvoy.yaml"
    vendor_base_url = "https://parcelvoy.example.com"
    json_media_type = "application/json; charset=utf-8"
    repeated_query = "first"  # koa's querystring keeps every value; the loaders read the first
    handler_modules = (project, ingestion, campaigns, templates, users, subscriptions, journeys)
    checks = CheckSettings(expected_statuses={
        "400": "an unknown provider, a finished campaign (code 2001), an unknown journey or "
               "entrance (9000/9001), an unknown sort column, an identify without context, "
               "a value past its MySQL column (length, TIMESTAMP range), a duplicate template "
               "locale, a project update with a key (no admin user behind it)",
        "403": "the editor key below `admin` on subscription create and project update",
        "404": "a generated id names no entity; an unknown subscription (JSON)",
        "422": "a timezone that is not IANA, a date that does not exist, a template a "
               "campaign cannot be scheduled with (checks JSON Schema cannot state)",
    }, drain=True)

    def check_credentials(self, world: World) -> dict[str, str]:
        admin = next(k for k in world.keys.values() if k.project_id == world.default.id
                     and k.scope == "secret" and k.role == "admin" and k.deleted_at is None)
        return {"secretKey": admin.value}

    def new_world(self, services: Services, fixtures: str | None = None,
                  seed: int | None = None) -> World:
        path = fixtures or str(fixture_path("parcelvoy.yaml"))
        return build_world(World(services), load_fixtures(path, seed), path)

    def describe(self, world: World) -> list[str]:
        return [f"project {k.project_id}: {k.name} ({k.scope}, role {k.role}) "
                f"Bearer {k.value}" for k in world.keys.values() if k.deleted_at is None]

    # koa-body 5.0.0 (index.js): only POST/PUT/PATCH bodies are read; its four JSON types
    # must hold an object or an array (co-body's strict mode); a form is a form, a text/*
    # body a string; no Content-Type or any other type (multipart too) reads as {}.
    body_parsers = MappingProxyType({
        **dict.fromkeys(JSON_TYPES, "json"), "application/x-www-form-urlencoded": "form",
        "text/*": "text"})

    def prepare(self, call: ApiCall) -> None:
        if call.method not in BODY_METHODS:
            call.body, call.has_body = None, False
            return
        ctype = call.media_type
        if not call.has_body or not ctype:
            call.body = {}
        elif ctype in JSON_TYPES:
            if not isinstance(call.body, dict | list):
                raise generic()  # strict JSON
            as_javascript_numbers(call.body)
        elif ctype == "application/x-www-form-urlencoded" and isinstance(call.body, dict):
            call.body = nest(dict(list(call.body.items())[:1000]))  # qs: 1000 parameters
        elif ctype.startswith("text/"):
            if call.op.id == UNVALIDATED_ITERATION:  # `for (const s of body)` over a string
                call.body = list(call.body)
        else:
            call.body = {}
        call.has_body = True

    def authenticate(self, call: ApiCall) -> None:
        admit(call)

    def invalid(self, call: ApiCall, problems: list[Problem]) -> Reply:
        op = call.op
        message = query_error(call) if any(p.location == "query" for p in problems) else None
        if message is None:
            message = first_error(op.params_validator.schema, call.params)
        if message is None and op.body_validator is not None:
            message = first_error(op.body_validator.schema, call.body)
        if message is None:  # the engine saw a problem AJV words differently
            message = problems[0].message
        return unprocessable(message).reply

    def malformed(self, call: ApiCall, reason: str) -> Reply:
        return generic().reply

    def too_large(self, call: ApiCall) -> Reply:
        return generic().reply  # koa-body's 413 leaves the error handler as a 400

    def internal_error(self, call: ApiCall, exc: Exception) -> Reply:
        return generic().reply

    def unknown_route(self, method: str, path: str) -> Reply:
        return not_found().reply

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        return method_not_allowed(allowed).reply


api = ParcelvoyApi()


# -- the key's checks, in the platform's middleware order (docs/vendors/parcelvoy.md §1.2) ---
def admit(call: ApiCall) -> None:
    """authMiddleware, projectMiddleware, scopeMiddleware, the role middleware and the route
    param loader: set `call.tenant`, or raise the first check's error."""
    world = call.world
    if call.base_url:
        world.public_url = call.base_url  # links in messages point where we are served
    if not call.op.security:
        return  # the public router (health): no key is read
    token = _token(call)
    if token is None or not token.startswith(("pk_", "sk_")):
        raise unauthorized()  # not a key, and no admin JWT is valid here
    key = world.keys.get(token)
    if key is None or key.deleted_at is not None:
        raise no_project()
    if not any("publicKey" in alt for alt in call.op.security) and key.scope != "secret":
        raise access_denied()
    need = call.op.extensions.get(ROLE_EXTENSION)
    if need and ROLES.index(key.role) < ROLES.index(need):
        raise role_required(need)
    project = world.projects[key.project_id]
    call.tenant = Access(project, key, _load_entity(call, project))
    call.credential = key.scope


def as_javascript_numbers(body: Any) -> None:
    """JSON.parse reads every number as a double: an integer past 2^53 loses its low digits
    (18446744073709551615 is 18446744073709551616). The body is changed in place."""
    stack = [body]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
                node[key] = float(value)
            elif isinstance(value, dict | list):
                stack.append(value)


def _token(call: ApiCall) -> str | None:
    header = call.headers.get("authorization")
    if header is not None and header.startswith("Bearer "):
        return header[len("Bearer "):]
    cookie = call.headers.get("cookie")
    if cookie:
        try:
            jar = SimpleCookie(cookie)
        except CookieError:
            return None
        if "access_token" in jar:
            return jar["access_token"].value
    return None


def _load_entity(call: ApiCall, project: Project) -> Any:
    """The route param loaders: a missing entity is 404 Not Found (journeys: 400 9000)."""
    world, params = call.world, call.path_params
    if "journeyId" in params:
        journey = world.journeys.get(_int(params["journeyId"]) or 0)
        if journey is None or journey.project_id != project.id:
            raise no_journey()
        return journey
    found: Any = None
    if "campaignId" in params:
        found = world.live_campaign(project.id, _int(params["campaignId"]) or 0)
    elif "templateId" in params:
        found = world.templates.get(_int(params["templateId"]) or 0)
    elif "subscriptionId" in params:
        found = world.subscriptions.get(_int(params["subscriptionId"]) or 0)
    elif "userId" in params:
        user = world.user_by_external(project.id, params["userId"])
        if user is None:
            raise not_found()
        return user
    else:
        return None
    if found is None or found.project_id != project.id:
        raise not_found()
    return found


def _int(text: str) -> int | None:
    """The loaders' `parseInt(value)` (`44abc` is 44, `+44` too; `١` is NaN); `Model.find`
    returns nothing for 0 or NaN."""
    return parse_int(text) or None
