"""Parcelvoy's `/api/client` routes, as the platform's code (v2.3.3) behaves.

Facts: ../shared/api-facts/parcelvoy.md; the contract is contracts/parcelvoy.yaml, whose
info.description lists the decisions taken where the sources are silent.

- `Authorization: Bearer pk_...|sk_...`; the prefix is the scope, the key's row the project
  and the role. The checks answer in the platform's middleware order: 401, 404 (project,
  JSON), 403 (scope), 403 (role), 404 (entity, text), then 422 (first AJV error).
- Errors are `{"status": "error", "error": "...", "code"?: n}`; unknown routes and entities
  are `text/plain` `Not Found`.
- Ingestion answers 204 and queues jobs; triggers answer `{"success": true}` and queue the
  send pipeline (see work.py). No rate limit.
"""
from __future__ import annotations

import copy
import functools
from http.cookies import CookieError, SimpleCookie
from typing import Any

import orjson

from ...core import (
    Api,
    Call,
    CheckSettings,
    HttpError,
    Problem,
    Reply,
    Services,
    json_reply,
    no_content,
    text_reply,
)
from ...core.resources import fixture_path
from . import work
from .ajv import first_error
from .model import (
    ROLES,
    Campaign,
    Journey,
    Key,
    Project,
    Subscription,
    Template,
    User,
    World,
    campaign_json,
    event_json,
    subscription_json,
    template_json,
    user_json,
    user_subscription_json,
)
from .render import RenderLimitError, TemplateError, render_message

GENERIC = "An error occurred with this request."
BODY_METHODS = ("POST", "PUT", "PATCH")  # koa-body parses only these


# -- errors, worded as the platform words them ---------------------------------------------
def error(status: int, message: str, code: int | None = None) -> HttpError:
    body: dict[str, Any] = {"status": "error", "error": message}
    if code:
        body["code"] = code
    return HttpError(json_reply(status, body))


def generic() -> HttpError:
    """Anything that is not a RequestError: 400 with the production body."""
    return error(400, GENERIC)


def not_found() -> HttpError:
    return HttpError(text_reply(404, "Not Found"))


def unprocessable(message: str) -> HttpError:
    return error(422, message)


UNAUTHORIZED = ("Authorization error.", 1000)
NO_PROJECT = ("The requested project does not exist.", 6000)
ACCESS_DENIED = ("Access denied.", 1007)
CAMPAIGN_FINISHED = ("The campaign has already finished and cannot be modified.", 2001)
NO_JOURNEY = ("The requested journey does not exist or you do not have access.", 9000)
BAD_STEP = ("The request journey step is invalid", 9001)


class Access:
    """call.tenant: the key's project, the key, and the entity its path names."""

    __slots__ = ("project", "key", "entity")

    def __init__(self, project: Project, key: Key, entity: Any) -> None:
        self.project, self.key, self.entity = project, key, entity


def _ctype(call: Call[World]) -> str:
    return call.headers.get("content-type", "").split(";")[0].strip().lower()


# -- the API -------------------------------------------------------------------------------
class ParcelvoyApi(Api[World]):
    name = "parcelvoy"
    title = "Parcelvoy"
    contract_file = "parcelvoy.yaml"
    vendor_base_url = "https://parcelvoy.example.com"
    checks = CheckSettings(expected_statuses={
        "400": "an unknown provider, a finished campaign (code 2001), an unknown journey or "
               "entrance (9000/9001), an unknown sort column, an identify without context",
        "403": "the editor key below `admin` on subscription writes",
        "404": "a generated id names no entity; an unknown subscription (JSON)",
        "422": "a timezone that is not IANA (a format JSON Schema cannot state)",
    }, drain=True)

    def check_credentials(self, world: World) -> dict[str, str]:
        admin = next(k for k in world.keys.values() if k.project_id == world.default.id
                     and k.scope == "secret" and k.role == "admin" and k.deleted_at is None)
        return {"secretKey": admin.value}
    json_media_type = "application/json; charset=utf-8"

    def new_world(self, services: Services, fixtures: str | None = None,
                  seed: int | None = None) -> World:
        from .fixtures import load_world
        return load_world(World(services), fixtures or str(fixture_path("parcelvoy.yaml")), seed)

    def describe(self, world: World) -> list[str]:
        return [f"project {k.project_id}: {k.name} ({k.scope}, role {k.role}) "
                f"Bearer {k.value}" for k in world.keys.values() if k.deleted_at is None]

    # koa-body: only POST/PUT/PATCH bodies are read; JSON must be an object or an array; a
    # text/* body is a string; no Content-Type (or another type) reads as {}.
    def prepare(self, call: Call[World]) -> None:
        if call.method not in BODY_METHODS:
            call.body, call.has_body = None, False
            return
        ctype = _ctype(call)
        if not call.has_body or not ctype:
            call.body = {}
        elif "json" in ctype:
            if not isinstance(call.body, dict | list):
                raise generic()  # strict JSON
        elif ctype.startswith("text/"):
            call.body = orjson.dumps(call.body).decode()
        elif ctype != "application/x-www-form-urlencoded":
            call.body = {}
        call.has_body = True

    def authenticate(self, call: Call[World]) -> None:
        world = call.world
        if call.base_url:
            world.public_url = call.base_url  # links in messages point where we are served
        token = _token(call)
        if token is None or not token.startswith(("pk_", "sk_")):
            raise error(401, *UNAUTHORIZED)  # not a key, and no admin JWT is valid here
        key = world.keys.get(token)
        if key is None or key.deleted_at is not None:
            raise error(404, *NO_PROJECT)
        if not any("publicKey" in alt for alt in call.op.security) and key.scope != "secret":
            raise error(403, *ACCESS_DENIED)
        need = call.op.spec.get("x-parcelvoy-role")
        if need and ROLES.index(key.role) < ROLES.index(need):
            raise error(403, f"Minimum project role {need} is required")
        project = world.projects[key.project_id]
        call.tenant = Access(project, key, _load_entity(call, project))
        call.credential = key.scope

    def invalid(self, call: Call[World], problems: list[Problem]) -> Reply:
        op = call.op
        message = first_error(op.params_validator.schema, call.params)
        if message is None and op.body_validator is not None:
            message = first_error(op.body_validator.schema, call.body)
        if message is None:  # the engine saw a problem AJV words differently
            message = problems[0].message
        return unprocessable(message).reply

    def malformed(self, call: Call[World], reason: str) -> Reply:
        # koa-body reads a text/* body as a string: auth runs, then the type error (422)
        if call.method in BODY_METHODS and _ctype(call).startswith("text/"):
            self.authenticate(call)
            schema = call.op.body_validator.schema if call.op.body_validator else {}
            return unprocessable(first_error(schema, "") or GENERIC).reply
        return generic().reply

    def too_large(self, call: Call[World]) -> Reply:
        return generic().reply  # koa-body's 413 leaves the error handler as a 400

    def internal_error(self, call: Call[World], exc: Exception) -> Reply:
        return generic().reply

    def unknown_route(self, method: str, path: str) -> Reply:
        return not_found().reply

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        return text_reply(405, "Method Not Allowed", {"allow": ", ".join(allowed)})


api = ParcelvoyApi()


def _token(call: Call[World]) -> str | None:
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


def _load_entity(call: Call[World], project: Project) -> Any:
    """The route param loaders: a missing entity is 404 Not Found (journeys: 400 9000)."""
    world, params = call.world, call.path_params
    if "journeyId" in params:
        journey = world.journeys.get(_int(params["journeyId"]) or 0)
        if journey is None or journey.project_id != project.id:
            raise error(400, *NO_JOURNEY)
        return journey
    found: Any = None
    if "campaignId" in params:
        found = world.live_campaign(project.id, _int(params["campaignId"]) or 0)
    elif "templateId" in params:
        found = world.templates.get(_int(params["templateId"]) or 0)
    elif "subscriptionId" in params:
        found = world.subscriptions.get(_int(params["subscriptionId"]) or 0)
    elif "userId" in params:
        return world.user_by_external(project.id, params["userId"]) or _raise(not_found())
    else:
        return None
    if found is None or found.project_id != project.id:
        raise not_found()
    return found


def _raise(exc: HttpError) -> Any:
    raise exc


def _int(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


# -- shared pieces --------------------------------------------------------------------------
def access(call: Call[World]) -> Access:
    assert isinstance(call.tenant, Access)
    return call.tenant


def body_of(call: Call[World]) -> Any:
    return copy.deepcopy(call.body)  # jobs keep their own copy of the request


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, float(value))
    return (2, str(value))


def cursor_page(call: Call[World], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Model.search: `{results, nextCursor?, prevCursor?, limit}`, newest first by default."""
    p = call.params
    limit = int(p.get("limit", 25))
    sort = p.get("sort") or "id"
    if rows and sort not in rows[0]:
        raise generic()  # an unknown column fails in the database
    rows.sort(key=lambda r: (_sortable(r.get(sort)), r["id"]),
              reverse=p.get("direction", "desc") == "desc")
    size = len(rows) if limit < 0 else limit
    start, end = 0, min(size, len(rows))
    cursor = p.get("cursor")
    if cursor:
        head = str(cursor).split(",", 1)[0]
        at = next((i for i, r in enumerate(rows) if str(r["id"]) == head), None)
        if at is None:
            start = end = 0
        elif p.get("page") == "prev":
            start, end = max(0, at - size), at
        else:
            start, end = at + 1, min(len(rows), at + 1 + size)
    window = rows[start:end]
    out: dict[str, Any] = {"results": window, "limit": limit}

    def mark(r: dict[str, Any]) -> str:
        return str(r["id"]) if sort == "id" else f"{r['id']},{r.get(sort)}"
    if window and end < len(rows):
        out["nextCursor"] = mark(window[-1])
    if window and start > 0:
        out["prevCursor"] = mark(window[0])
    return out


def _rows(table: Any, group: str, key: Any) -> list[Any]:
    return [r for i in table.ids(group, key) if (r := table.get(i)) is not None]


def _q(call: Call[World]) -> str | None:
    q = call.params.get("q")
    return q if isinstance(q, str) and q else None


# -- ingestion (public or secret key) -------------------------------------------------------
@api.op("identify")
def identify(call: Call[World]) -> Reply:
    message = first_error(call.op.body_validator.schema, call.body)  # type: ignore[union-attr]
    if message:  # the IANA check is a custom format the schema cannot state
        raise unprocessable(message)
    world, pid, body = call.world, access(call).project.id, body_of(call)
    work.enqueue(world, "user_patch", lambda: work.patch_user(world, pid, body))
    return no_content()


@api.op("alias")
def alias(call: Call[World]) -> Reply:
    world, pid, body = call.world, access(call).project.id, body_of(call)
    work.enqueue(world, "user_alias", lambda: work.alias_user(
        world, pid, body["anonymous_id"], body["external_id"]))
    return no_content()


@api.op("register_device")
def register_device(call: Call[World]) -> Reply:
    world, pid = call.world, access(call).project.id
    work.enqueue(world, "user_register_device", work.device_job(world, pid, body_of(call)))
    return no_content()


@api.op("post_events")
def post_events(call: Call[World]) -> Reply:
    world, pid = call.world, access(call).project.id
    for item in body_of(call):
        work.enqueue(world, "event_post", functools.partial(work.post_event, world, pid, item),
                     attempts=2)
    return no_content()


@api.op("segment")
def segment(call: Call[World]) -> Reply:
    world, pid = call.world, access(call).project.id
    batch: list[tuple[str, Any]] = []
    for item in body_of(call):
        identity = {k: item[s] for k, s in (("anonymous_id", "anonymousId"),
                                             ("external_id", "userId")) if s in item}
        kind = item["type"]
        if kind == "identify":
            context = item.get("context")
            if not isinstance(context, dict):
                raise generic()  # `context.timezone` of undefined: a TypeError
            traits = item.get("traits") or {}
            fields: dict[str, Any] = {**identity, "data": traits}
            for key in ("email", "phone"):
                if key in traits:
                    fields[key] = traits[key]
            if "timezone" in context:
                fields["timezone"] = context["timezone"]
            if "locale" in context:
                locale = context["locale"]
                fields["locale"] = locale.rstrip("-") if isinstance(locale, str) else locale
            batch.append(("user_patch", functools.partial(work.patch_user, world, pid, fields)))
        elif kind == "track" and isinstance(item.get("event"), str):
            # (a track without an event name fails its job in the real queue: dropped here)
            event = {**identity, "name": item["event"],
                     "data": {**(item.get("properties") or {}), **(item.get("context") or {})}}
            batch.append(("event_post", functools.partial(work.post_event, world, pid, event)))
        elif kind == "alias":
            batch.append(("user_alias", functools.partial(_segment_alias, world, pid, item)))
    for name, job in batch:
        work.enqueue(world, name, job)
    return no_content()


def _segment_alias(world: World, pid: int, item: dict[str, Any]) -> None:
    previous, new_id = item.get("previousId"), item.get("userId")
    if not isinstance(new_id, str):
        return
    user = world.find_user(pid, previous, previous) or world.find_user(
        pid, None, item.get("anonymousId"))
    if user is not None and user.external_id is None and world.user_by_external(
            pid, new_id) is None:
        work.alias_user(world, pid, user.anonymous_id, new_id)


# -- campaigns (secret key, role editor) ----------------------------------------------------
def _campaigns(call: Call[World]) -> list[Campaign]:
    return [c for c in _rows(call.world.campaigns, "project", access(call).project.id)
            if c.deleted_at is None]


@api.op("list_campaigns")
def list_campaigns(call: Call[World]) -> dict[str, Any]:
    q, tags = _q(call), call.params.get("tag")
    rows = [campaign_json(call.world, c) for c in _campaigns(call)
            if (q is None or q.lower() in c.name.lower())
            and (not tags or set(tags) & set(c.tags))]
    return cursor_page(call, rows)


def _subscription_for(call: Call[World], sid: int) -> Subscription:
    sub = call.world.subscriptions.get(sid)
    if sub is None or sub.project_id != access(call).project.id:
        raise error(404, "Unable to find associated subscription")
    return sub


def _check_provider(call: Call[World], pid: int) -> None:
    provider = call.world.providers.get(pid)
    if provider is None or provider.project_id != access(call).project.id:
        raise generic()  # a foreign-key failure in the database


CAMPAIGN_FIELDS = ("list_ids", "exclusion_list_ids", "send_at")


@api.op("create_campaign")
def create_campaign(call: Call[World]) -> dict[str, Any]:
    world, body, project = call.world, call.body, access(call).project
    sub = _subscription_for(call, body["subscription_id"])
    _check_provider(call, body["provider_id"])
    now = world.now
    campaign = Campaign(world.campaigns.next_id(), project.id, body.get("name", ""),
                        body["type"], sub.channel,
                        "running" if body["type"] == "trigger" else "draft", sub.id,
                        body["provider_id"], now, now,
                        send_in_user_timezone=bool(body.get("send_in_user_timezone")),
                        tags=list(body.get("tags") or []))
    for key in CAMPAIGN_FIELDS:
        if key in body:
            setattr(campaign, key, body[key])
    world.campaigns.put(campaign.id, campaign)
    return campaign_json(world, campaign, full=True)


@api.op("get_campaign")
def get_campaign(call: Call[World]) -> dict[str, Any]:
    return campaign_json(call.world, access(call).entity, full=True)


@api.op("update_campaign")
def update_campaign(call: Call[World]) -> dict[str, Any]:
    campaign: Campaign = access(call).entity
    body = call.body
    if campaign.state == "finished":
        raise error(400, *CAMPAIGN_FINISHED)
    if "subscription_id" in body:
        sub = _subscription_for(call, body["subscription_id"])
        campaign.subscription_id, campaign.channel = sub.id, sub.channel
    if "provider_id" in body:
        _check_provider(call, body["provider_id"])
        campaign.provider_id = body["provider_id"]
    for key in ("name", "state", *CAMPAIGN_FIELDS):
        if key in body:
            setattr(campaign, key, body[key])
    if "send_in_user_timezone" in body:
        campaign.send_in_user_timezone = bool(body["send_in_user_timezone"])
    if "tags" in body:
        campaign.tags = list(body["tags"] or [])
    campaign.updated_at = call.world.now
    return campaign_json(call.world, campaign, full=True)


@api.op("delete_campaign")
def delete_campaign(call: Call[World]) -> Reply:
    campaign: Campaign = access(call).entity
    campaign.deleted_at = call.world.now  # archived: the id loader no longer finds it
    return json_reply(200, True)


@api.op("trigger_campaign")
def trigger_campaign(call: Call[World]) -> dict[str, Any]:
    world, pid = call.world, access(call).project.id
    campaign: Campaign = access(call).entity
    body = body_of(call)
    work.enqueue(world, "campaign_trigger_send_job", lambda: work.campaign_trigger_send(
        world, pid, campaign.id, body["user"], body["event"]))
    return {"success": True}


# -- templates -------------------------------------------------------------------------------
@api.op("list_templates")
def list_templates(call: Call[World]) -> dict[str, Any]:
    q = _q(call)
    rows = [template_json(t) for t in _rows(call.world.templates, "project",
                                            access(call).project.id)
            if q is None or t.locale == q]
    return cursor_page(call, rows)


@api.op("create_template")
def create_template(call: Call[World]) -> dict[str, Any]:
    world, body, project = call.world, call.body, access(call).project
    if world.live_campaign(project.id, body["campaign_id"]) is None:
        raise not_found()
    now = world.now
    template = Template(world.templates.next_id(), project.id, body["campaign_id"],
                        body["type"], body["locale"], dict(body.get("data") or {}), now, now)
    world.templates.put(template.id, template)
    return template_json(template)


@api.op("get_template")
def get_template(call: Call[World]) -> dict[str, Any]:
    return template_json(access(call).entity)


@api.op("update_template")
def update_template(call: Call[World]) -> dict[str, Any]:
    template: Template = access(call).entity
    body = call.body
    template.type = body["type"]
    if "locale" in body:
        template.locale = body["locale"]
    if "data" in body:
        template.data = dict(body["data"])
    template.updated_at = call.world.now
    call.world.templates.put(template.id, template)
    return template_json(template)


@api.op("delete_template")
def delete_template(call: Call[World]) -> Reply:
    call.world.templates.delete(access(call).entity.id)
    return json_reply(200, True)


@api.op("preview_template")
async def preview_template(call: Call[World]) -> dict[str, Any]:
    template: Template = access(call).entity
    body = call.body
    user: dict[str, Any] = body.get("user") or {}
    traits: dict[str, Any] = user["data"] if isinstance(user.get("data"), dict) else {}
    variables = {"user": {**traits, **user},
                 "event": body.get("event") or {}, "context": body.get("context") or {},
                 "journey": {}}
    try:
        return await call.services.render(  # on a worker thread when served
            render_message, template.type, copy.deepcopy(template.data), variables,
            now=call.world.services.clock.utcnow())
    except RenderLimitError as exc:  # the fake's limits (work, output, time, nesting): 422
        raise unprocessable(exc.reason) from exc
    except TemplateError as exc:  # Handlebars threw: the generic 400
        raise generic() from exc


# -- users -----------------------------------------------------------------------------------
@api.op("list_users")
def list_users(call: Call[World]) -> dict[str, Any]:
    q = _q(call)
    rows = [user_json(u) for u in _rows(call.world.users, "project", access(call).project.id)
            if q is None or q in (u.external_id, u.email, u.phone)]
    return cursor_page(call, rows)


@api.op("patch_users")
def patch_users(call: Call[World]) -> Reply:
    world, pid = call.world, access(call).project.id
    for item in body_of(call):
        work.enqueue(world, "user_patch", functools.partial(work.patch_user, world, pid, item))
    return no_content()


@api.op("delete_users")
def delete_users(call: Call[World]) -> Reply:
    ids = call.params.get("user_id") or []
    if not ids:
        raise unprocessable("Must NOT have fewer than 1 items")
    world, pid = call.world, access(call).project.id
    for ext in ids:
        work.enqueue(world, "user_delete", functools.partial(work.delete_user, world, pid, ext))
    return no_content()


@api.op("get_user")
def get_user(call: Call[World]) -> dict[str, Any]:
    return user_json(access(call).entity)


@api.op("delete_user")
def delete_user(call: Call[World]) -> Reply:
    world, pid = call.world, access(call).project.id
    ext = access(call).entity.external_id
    work.enqueue(world, "user_delete", lambda: work.delete_user(world, pid, ext))
    return no_content()


@api.op("list_user_events")
def list_user_events(call: Call[World]) -> dict[str, Any]:
    q = _q(call)
    user: User = access(call).entity
    rows = [event_json(e) for e in _rows(call.world.events, "user", user.id)
            if q is None or e.name == q]
    return cursor_page(call, rows)


@api.op("list_user_subscriptions")
def list_user_subscriptions(call: Call[World]) -> dict[str, Any]:
    world, q = call.world, _q(call)
    user: User = access(call).entity
    rows = []
    for us in _rows(world.user_subscriptions, "user", user.id):
        sub = world.subscriptions.get(us.subscription_id)
        if sub is not None and (q is None or q.lower() in sub.name.lower()):
            rows.append(user_subscription_json(us, sub))
    return cursor_page(call, rows)


@api.op("update_user_subscriptions")
def update_user_subscriptions(call: Call[World]) -> dict[str, Any]:
    world, pid = call.world, access(call).project.id
    user: User = access(call).entity
    if not isinstance(call.body, list):
        raise generic()  # iterating a non-array throws
    for item in call.body:
        if not isinstance(item, dict):
            continue
        sid, state = item.get("subscription_id"), item.get("state")
        sub = world.subscriptions.get(sid) if isinstance(sid, int) and not isinstance(
            sid, bool) else None
        if sub is None or sub.project_id != pid or state not in (0, 1, 2) or isinstance(
                state, bool):
            continue
        work.set_subscription(world, user, sub, int(state))
    return user_json(user)


# -- subscriptions ---------------------------------------------------------------------------
@api.op("list_subscriptions")
def list_subscriptions(call: Call[World]) -> dict[str, Any]:
    q = _q(call)
    rows = [subscription_json(s) for s in work.subscriptions_of(call.world,
                                                                access(call).project.id)
            if q is None or q.lower() in s.name.lower()]
    return cursor_page(call, rows)


@api.op("create_subscription")
def create_subscription(call: Call[World]) -> dict[str, Any]:
    world, body = call.world, call.body
    now = world.now
    sub = Subscription(world.subscriptions.next_id(), access(call).project.id, body["name"],
                       body["channel"], now, now)
    world.subscriptions.put(sub.id, sub)
    return subscription_json(sub)


@api.op("get_subscription")
def get_subscription(call: Call[World]) -> dict[str, Any]:
    return subscription_json(access(call).entity)


@api.op("update_subscription")
def update_subscription(call: Call[World]) -> dict[str, Any]:
    sub: Subscription = access(call).entity
    sub.name, sub.updated_at = call.body["name"], call.world.now
    return subscription_json(sub)


# -- journeys --------------------------------------------------------------------------------
@api.op("trigger_journey")
def trigger_journey(call: Call[World]) -> dict[str, Any]:
    world, pid = call.world, access(call).project.id
    journey: Journey = access(call).entity
    body = body_of(call)
    step = journey.steps.get(body["entrance_id"])
    if step is None or step.type != "entrance":
        raise error(400, *BAD_STEP)
    user_in = body["user"]
    fields = {k: user_in[k] for k in ("external_id", *work.USER_FIELDS) if k in user_in}
    fields["data"] = {k: v for k, v in user_in.items()
                      if k not in work.RESERVED_TRIGGER_FIELDS}
    user = work.patch_user(world, pid, fields)  # synchronous, unlike campaign trigger
    event = body.get("event") or {}
    work.add_event(world, user, "journey_trigger", {
        **event, "journey": {"id": journey.id, "name": journey.name,
                             "entrance_id": body["entrance_id"]}})
    work.enter_journey(world, journey.id, step.id, user)
    return {"success": True}
