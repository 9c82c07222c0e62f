"""ConvertKit ("Kit") API v3, as the real service behaves.

Facts: ../shared/api-facts/convertkit.md; the contract is contracts/convertkit.yaml and its
info.description lists the decisions taken where the vendor's docs are silent.

- Credentials are parameters (query or JSON body): `api_key` (public) or `api_secret`.
  Endpoints marked apiKey in the contract take either; apiSecret endpoints only the secret.
- Errors are `{"error": "<title>", "message": "<detail>"}`; 429 is plain text `Retry later`
  with no Retry-After, after 120 requests in a rolling 60 s per credential.
- Lists of subscribers, subscriptions and purchases are paged 50 at a time.
- Subscribe endpoints find-or-create by email; a double-opt-in form leaves new subscribers
  `inactive` and sends them a confirmation email whose link activates them.
- Broadcasts go out when the clock passes `send_at`, rendered with Liquid per subscriber.
- Automation hooks POST the documented payloads to their target URL.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import re
import secrets
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from typing import Any

import liquid
from liquid import BoundTemplate, RenderContext
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from ..core import (
    Api,
    Call,
    CheckSettings,
    Conflict,
    HttpError,
    Page,
    Policy,
    Problem,
    Reply,
    Services,
    Table,
    iso,
    json_reply,
    no_content,
    paginate,
    text_reply,
)
from ..core.ratelimit import Decision
from ..core.render import DEFAULT_LIMITS, Budget, RenderLimitError
from ..core.resources import fixture_path

log = logging.getLogger("mailmocks.convertkit")
PER_PAGE = 50
RATE = Policy(limit=120, window=60.0)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


_render_budget = threading.local()  # the Budget of the render running on this thread


class _BudgetedContext(RenderContext):
    def raise_for_loop_limit(self, length: int = 1) -> None:
        super().raise_for_loop_limit(length)  # nested loops, by their product
        budget: Budget | None = getattr(_render_budget, "budget", None)
        if budget is not None:  # every loop, in sequence too, spends the same budget
            budget.step(length)


class _BudgetedTemplate(BoundTemplate):
    context_class = _BudgetedContext


class BoundedLiquid(liquid.Environment):
    """Liquid with the work limits of `core.render`: a runaway loop or output stops the render.

    python-liquid resolves `a.b` by item lookup only, so templates see nothing but the plain
    data they are given; the default loader has no templates, so `include` reads no file.
    """

    template_class = _BudgetedTemplate
    loop_iteration_limit = DEFAULT_LIMITS.steps
    output_stream_limit = DEFAULT_LIMITS.output
    context_depth_limit = 30
    local_namespace_limit = 1 << 20


_liquid = BoundedLiquid()
LIQUID_FAILURES = (liquid.exceptions.LiquidError, RenderLimitError, ArithmeticError,
                   TypeError, ValueError, RecursionError)


# -- errors, worded as the vendor words them ----------------------------------------------
def error(status: int, title: str, message: str) -> HttpError:
    return HttpError(json_reply(status, {"error": title, "message": message}))


def not_found() -> HttpError:
    return error(404, "Not Found", "The entity you were trying to find doesn't exist")


def unauthorized(message: str) -> HttpError:
    return error(401, "Authorization Failed", message)


def unprocessable(message: str) -> HttpError:
    return error(422, "Unprocessable Entity", message)


MISSING_EMAIL = ("Missing parameter", "Subscriber email is required")
INVALID_EMAIL = ("Error updating subscriber", "Email address is invalid")


# -- state -------------------------------------------------------------------------------
@dataclass(slots=True)
class Subscriber:
    id: int
    email: str
    first_name: str | None
    state: str  # active | inactive | bounced | complained | cancelled
    created_at: float
    updated_at: float
    cancelled_at: float | None = None
    fields: dict[str, str | None] = field(default_factory=dict)
    confirm_token: str | None = None


@dataclass(slots=True)
class Subscription:
    id: int
    kind: str  # form | course | tag
    target_id: int
    subscriber_id: int
    state: str
    created_at: float
    source: str | None = "API::V3::SubscriptionsController (external)"
    referrer: str | None = None


@dataclass(slots=True)
class Form:
    id: int
    name: str
    created_at: float
    type: str = "embed"  # embed (form) | hosted (landing page)
    format: str | None = "inline"
    uid: str = ""
    archived: bool = False
    double_opt_in: bool = False
    title: str = ""
    description: str = ""
    sign_up_button_text: str = "Subscribe"
    success_message: str = "Success! Now check your email to confirm your subscription."
    confirmation_subject: str = "Confirm your subscription"
    confirmation_content: str = ""


@dataclass(slots=True)
class Sequence:
    id: int
    name: str
    created_at: float
    hold: bool = False
    repeat: bool = False


@dataclass(slots=True)
class Tag:
    id: int
    name: str
    created_at: float
    updated_at: float


@dataclass(slots=True)
class CustomField:
    id: int
    label: str
    key: str


@dataclass(slots=True)
class Broadcast:
    id: int
    created_at: float
    subject: str | None = None
    description: str | None = None
    content: str | None = None
    public: bool = False
    published_at: float | None = None
    send_at: float | None = None
    thumbnail_alt: str | None = None
    thumbnail_url: str | None = None
    email_address: str | None = None
    email_layout_template: str | None = None
    status: str = "draft"  # draft | scheduled | sending | completed | failed
    recipients: int = 0
    job: Any = None
    error: str | None = None  # why a send failed (its template did not render)


@dataclass(slots=True)
class Purchase:
    id: int
    transaction_id: str
    status: str
    email_address: str
    currency: str
    transaction_time: float
    subtotal: float | None
    shipping: float | None
    discount: float | None
    tax: float | None
    total: float | None
    products: list[dict[str, Any]]
    integration: str | None = None


@dataclass(slots=True)
class Rule:
    id: int
    event: str  # full name, e.g. subscriber.tag_add
    params: dict[str, Any]
    target_url: str


class Account:
    """One ConvertKit account: its credentials and everything stored in it."""

    def __init__(self, id: int, name: str, email: str, plan_type: str, api_key: str,
                 api_secret: str, subscriber_limit: int | None = None) -> None:
        self.id, self.name, self.email, self.plan_type = id, name, email, plan_type
        self.api_key, self.api_secret = api_key, api_secret
        self.subscriber_limit = subscriber_limit  # the plan's cap; None: unlimited
        self.subscribers: Table[Subscriber] = Table(
            unique={"email": lambda s: s.email.lower()},
            groups={"listing": lambda s: "cancelled" if s.state == "cancelled" else "live"})
        self.subscriptions: Table[Subscription] = Table(
            unique={"member": lambda s: (s.kind, s.target_id, s.subscriber_id)},
            groups={"list": lambda s: (s.kind, s.target_id, s.state),
                    "of": lambda s: s.subscriber_id})
        self.forms: Table[Form] = Table()
        self.sequences: Table[Sequence] = Table()
        self.tags: Table[Tag] = Table(unique={"name": lambda t: t.name.lower()})
        self.fields: Table[CustomField] = Table(unique={"label": lambda f: f.label.lower(),
                                                        "key": lambda f: f.key})
        self.broadcasts: Table[Broadcast] = Table()
        self.purchases: Table[Purchase] = Table(unique={"txn": lambda p: p.transaction_id})
        self.rules: Table[Rule] = Table()


class World:
    """Every account the fake knows, and where each credential leads."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.accounts: dict[int, Account] = {}
        self.credentials: dict[str, tuple[Account, str]] = {}  # value -> (account, key|secret)
        self.confirmations: dict[str, tuple[Account, int]] = {}

    def add(self, account: Account) -> Account:
        self.accounts[account.id] = account
        self.credentials[account.api_key] = (account, "key")
        self.credentials[account.api_secret] = (account, "secret")
        return account

    @property
    def default(self) -> Account:
        return next(iter(self.accounts.values()))


# -- the API -------------------------------------------------------------------------------
class ConvertKitApi(Api[World]):
    name = "convertkit"
    title = "ConvertKit v3"
    contract_file = "convertkit.yaml"
    vendor_base_url = "https://api.convertkit.com"
    vendor_hosts = ("api.convertkit.com",)
    json_media_type = "application/json; charset=utf-8"
    checks = CheckSettings(
        excluded_checks={"unsupported_method": "Rails answers a method with no route 404 like "
                                               "an unknown path (contract assumption), not 405"},
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
        from .convertkit_fixtures import load_world
        return load_world(World(services), fixtures or str(fixture_path("convertkit.yaml")), seed)

    def describe(self, world: World) -> list[str]:
        return [f"account {a.id} ({a.name}): api_key={a.api_key} api_secret={a.api_secret}"
                for a in world.accounts.values()]

    def extra_routes(self, world: World, services: Services) -> list[Any]:
        return [Route("/confirm/{token}", functools.partial(confirm_page, world), methods=["GET"])]

    # Rails merges query-string and body parameters; SDKs rely on both.
    def prepare(self, call: Call[World]) -> None:
        if call.method in ("GET", "HEAD"):
            return
        # Credentials stay where they came from: authenticate() reads both places itself.
        declared = {p.name for p in call.op.parameters} | {"api_key", "api_secret"}
        extra = {k: v for k, v in call.query.items() if k not in declared}
        if not extra:
            return
        if call.body is None:
            call.body = {}
        if isinstance(call.body, dict):
            call.body.update(extra)  # the query string wins over the body

    def authenticate(self, call: Call[World]) -> None:
        body = call.body if isinstance(call.body, dict) else {}
        given = [v for v in (call.query.get("api_secret"), call.query.get("api_key"),
                             body.get("api_secret"), body.get("api_key"))
                 if isinstance(v, str) and v]
        if not given:
            raise unauthorized("API Key not present")
        found = call.world.credentials.get(given[0])
        if found is None:
            raise unauthorized("API Key not valid")
        account, kind = found
        takes_key = any("apiKey" in alt for alt in call.op.security)
        if kind == "key" and not takes_key:
            raise unauthorized("You do not have sufficient permissions to access this resource")
        call.tenant, call.credential = account, kind

    def rate_limit(self, call: Call[World]) -> tuple[str, Policy]:
        account: Account = call.tenant
        cred = account.api_secret if call.credential == "secret" else account.api_key
        return f"convertkit:{cred}", RATE

    def rate_limited(self, call: Call[World], decision: Decision) -> Reply:
        return text_reply(429, "Retry later")

    def invalid(self, call: Call[World], problems: list[Problem]) -> Reply:
        first = problems[0]
        if first.location == "path":  # Rails finds no record for a non-id
            return not_found().reply
        top = first.field.split(".")[0]
        if call.op.id in SUBSCRIBE_OPS and top == "email":
            email = call.body.get("email") if isinstance(call.body, dict) else None
            title, msg = MISSING_EMAIL if email in (None, "") else INVALID_EMAIL
            return error(422, title, msg).reply
        if call.op.id == "remove_tag_from_subscriber_by_email" and top == "email" and (
                first.keyword == "required"):  # same controller, same words (§14)
            return error(422, *MISSING_EMAIL).reply
        where = first.field or ("request body" if first.location == "body" else first.location)
        return unprocessable(f"{where} {first.message}").reply

    def malformed(self, call: Call[World], reason: str) -> Reply:
        # the contract's wording (assumption B), whatever the engine's reason
        return error(400, "Bad Request", "The request body is not valid JSON").reply

    def too_large(self, call: Call[World]) -> Reply:
        return error(413, "Payload Too Large", "The request body is too large").reply

    def unknown_route(self, method: str, path: str) -> Reply:
        return not_found().reply

    def method_not_allowed(self, method: str, path: str, allowed: list[str]) -> Reply:
        return not_found().reply

    def internal_error(self, call: Call[World], exc: Exception) -> Reply:
        return error(500, "Internal Server Error", "Something went wrong").reply


api = ConvertKitApi()
SUBSCRIBE_OPS = {"add_subscriber_to_form", "add_subscriber_to_sequence",
                 "add_subscriber_to_course", "tag_subscriber"}


# -- shaping -------------------------------------------------------------------------------
def ts(value: float | None) -> str | None:
    return None if value is None else iso(value)


def subscriber_json(acct: Account, s: Subscriber) -> dict[str, Any]:
    return {"id": s.id, "first_name": s.first_name, "email_address": s.email, "state": s.state,
            "created_at": iso(s.created_at),
            "fields": {f.key: s.fields.get(f.key) for f in acct.fields}}


def subscription_json(acct: Account, sub: Subscription, full: bool) -> dict[str, Any]:
    member = acct.subscribers.get(sub.subscriber_id)
    assert member is not None
    return {"id": sub.id, "state": sub.state, "created_at": iso(sub.created_at),
            "source": sub.source, "referrer": sub.referrer, "subscribable_id": sub.target_id,
            "subscribable_type": sub.kind,
            "subscriber": subscriber_json(acct, member) if full else {"id": member.id}}


def form_json(f: Form, base: str) -> dict[str, Any]:
    url = f"https://{base}.ck.page/{f.uid}"
    return {"id": f.id, "name": f.name, "created_at": iso(f.created_at), "type": f.type,
            "format": f.format, "embed_js": f"{url}/index.js", "embed_url": url,
            "archived": f.archived, "uid": f.uid, "url": f"https://app.convertkit.com/forms/{f.id}",
            "title": f.title, "description": f.description,
            "sign_up_button_text": f.sign_up_button_text, "success_message": f.success_message}


def tag_json(t: Tag) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "created_at": iso(t.created_at)}


def field_json(f: CustomField) -> dict[str, Any]:
    return {"id": f.id, "name": f"ck_field_{f.id}_{f.key}", "key": f.key, "label": f.label}


def broadcast_json(acct: Account, b: Broadcast) -> dict[str, Any]:
    return {"id": b.id, "created_at": iso(b.created_at), "subject": b.subject,
            "description": b.description, "content": b.content, "public": b.public,
            "published_at": ts(b.published_at), "send_at": ts(b.send_at),
            "thumbnail_alt": b.thumbnail_alt, "thumbnail_url": b.thumbnail_url,
            "email_address": b.email_address or acct.email,
            "email_layout_template": b.email_layout_template or "Text Only"}


def purchase_json(p: Purchase) -> dict[str, Any]:
    return {"id": p.id, "transaction_id": p.transaction_id, "status": p.status,
            "email_address": p.email_address, "currency": p.currency,
            "transaction_time": iso(p.transaction_time, millis=False), "subtotal": p.subtotal,
            "shipping": p.shipping, "discount": p.discount, "tax": p.tax, "total": p.total,
            "products": [{k: pr.get(k) for k in ("unit_price", "quantity", "sku", "name")}
                         for pr in p.products]}


def rule_json(acct: Account, r: Rule, listing: bool = False) -> dict[str, Any]:
    event: dict[str, Any] = {"name": r.event.split(".", 1)[1], **r.params}
    if listing:
        event.setdefault("initiator_value", None)
    out: dict[str, Any] = {"id": r.id, "account_id": acct.id, "event": event,
                           "target_url": r.target_url}
    if listing:
        out["status"] = "enabled"
    return out


def page_of(call: Call[World]) -> int:
    return int(call.params.get("page", 1))


def envelope(things: str, page: Page[Any], items: list[Any]) -> dict[str, Any]:
    return {f"total_{things}": page.total, "page": page.page, "total_pages": page.total_pages,
            things: items}


def body_of(call: Call[World]) -> dict[str, Any]:
    return call.body if isinstance(call.body, dict) else {}


def acct_of(call: Call[World]) -> Account:
    account: Account = call.tenant
    return account


# -- webhooks ------------------------------------------------------------------------------
WEBHOOK_PARAMS = {
    "subscriber.subscriber_activate": None, "subscriber.subscriber_unsubscribe": None,
    "subscriber.form_subscribe": "form_id", "subscriber.course_subscribe": "course_id",
    "subscriber.course_complete": "course_id", "subscriber.link_click": "initiator_value",
    "subscriber.product_purchase": "product_id", "subscriber.tag_add": "tag_id",
    "subscriber.tag_remove": "tag_id", "purchase.purchase_create": None,
}


def fire(world: World, acct: Account, event: str, payload: dict[str, Any],
         match: Any = None) -> None:
    """POST `payload` to every rule for `event` (whose parameter equals `match`, if any)."""
    for rule in acct.rules:
        if rule.event != event:
            continue
        if match is not None:
            wanted = next(iter(rule.params.values()), None)
            if str(wanted) != str(match):
                continue
        world.services.webhooks.send(api="convertkit", event=event, url=rule.target_url,
                                     payload=payload)


def fire_subscriber(world: World, acct: Account, event: str, s: Subscriber,
                    match: Any = None) -> None:
    fire(world, acct, event, {"subscriber": subscriber_json(acct, s)}, match)


# -- subscribers: find-or-create, activation -------------------------------------------------
def set_state(world: World, acct: Account, s: Subscriber, state: str) -> None:
    now = world.services.clock.now()
    was = s.state
    s.state, s.updated_at = state, now
    s.cancelled_at = now if state == "cancelled" else None
    acct.subscribers.put(s.id, s)
    if state == "active" and was != "active":
        # Confirming or coming back activates the memberships that waited on it.
        confirmed = []
        for sid in list(acct.subscriptions.ids("of", s.id)):
            sub = acct.subscriptions.get(sid)
            if sub is not None and sub.state != "active":
                if sub.state == "inactive":
                    confirmed.append(sub)
                sub.state = "active"
                acct.subscriptions.put(sub.id, sub)
        fire_subscriber(world, acct, "subscriber.subscriber_activate", s)
        for sub in confirmed:  # a double opt-in counts as subscribed once confirmed
            membership_event(world, acct, s, sub)
    elif state == "cancelled" and was != "cancelled":
        for sid in list(acct.subscriptions.ids("of", s.id)):
            sub = acct.subscriptions.get(sid)
            if sub is not None:
                sub.state = "cancelled"
                acct.subscriptions.put(sub.id, sub)
        fire_subscriber(world, acct, "subscriber.subscriber_unsubscribe", s)


def apply_fields(acct: Account, s: Subscriber, values: Any) -> None:
    """Write custom-field values by key; keys the account does not have are ignored."""
    if not isinstance(values, dict):
        return
    for key, value in values.items():
        if acct.fields.by("key", key) is not None:
            s.fields[key] = None if value is None else str(value)


def find_or_create(world: World, acct: Account, email: str, first_name: Any,
                   fields: Any, state: str, capped: bool = False) -> tuple[Subscriber, bool]:
    """The subscriber for `email` with `first_name`/`fields` saved onto it; True if new."""
    now = world.services.clock.now()
    s = acct.subscribers.by("email", email.lower())
    created = s is None
    if s is None:
        limit = acct.subscriber_limit
        if capped and limit is not None and len(acct.subscribers) >= limit:
            raise error(403, "Forbidden", "This account has reached its plan's subscriber limit")
        s = Subscriber(acct.subscribers.next_id(), email, None, state, now, now)
    if isinstance(first_name, str):
        s.first_name = first_name
    apply_fields(acct, s, fields)
    s.updated_at = now
    acct.subscribers.put(s.id, s)
    if created and state == "active":
        fire_subscriber(world, acct, "subscriber.subscriber_activate", s)
    return s, created


def join(world: World, acct: Account, s: Subscriber, kind: str, target_id: int) -> Subscription:
    """Subscribe `s` to a form/course/tag; the same membership comes back if it exists."""
    sub = acct.subscriptions.by("member", (kind, target_id, s.id))
    fresh = sub is None
    if sub is None:
        sub = Subscription(acct.subscriptions.next_id(), kind, target_id, s.id, s.state,
                           world.services.clock.now())
    else:
        sub.state = "active" if s.state == "active" else sub.state
    if s.state == "inactive":
        sub.state = "inactive"
    acct.subscriptions.put(sub.id, sub)
    if fresh and sub.state == "active":  # an unconfirmed one fires when confirmed
        membership_event(world, acct, s, sub)
    return sub


MEMBERSHIP_EVENTS = {"form": "subscriber.form_subscribe", "course": "subscriber.course_subscribe",
                     "tag": "subscriber.tag_add"}


def membership_event(world: World, acct: Account, s: Subscriber, sub: Subscription) -> None:
    fire_subscriber(world, acct, MEMBERSHIP_EVENTS[sub.kind], s, sub.target_id)


async def subscribe(call: Call[World], kind: str, target_id: int) -> dict[str, Any]:
    """The shared find-or-create of the three subscribe endpoints."""
    world, acct, body = call.world, acct_of(call), body_of(call)
    email = body.get("email")
    if not isinstance(email, str) or not email.strip():
        raise error(422, *MISSING_EMAIL)
    email = email.strip()
    if not EMAIL_RE.match(email):
        raise error(422, *INVALID_EMAIL)
    form = acct.forms.get(target_id) if kind == "form" else None
    double_opt_in = bool(form and form.double_opt_in)
    existing = acct.subscribers.by("email", email.lower())
    wanted = "inactive" if double_opt_in else "active"
    first_name = body.get("first_name", body.get("name"))
    s, created = find_or_create(world, acct, email, first_name, body.get("fields"), wanted,
                                capped=True)
    if not created and s.state != "active":
        if double_opt_in:  # a double-opt-in form waits for the confirmation click
            if s.state == "cancelled":
                set_state(world, acct, s, "inactive")
        else:
            set_state(world, acct, s, "active")
    sub = join(world, acct, s, kind, target_id)
    for tag_id in body.get("tags") or []:
        if isinstance(tag_id, int) and tag_id in acct.tags:
            join(world, acct, s, "tag", tag_id)
    for course_id in body.get("courses") or []:
        if isinstance(course_id, int) and course_id in acct.sequences:
            join(world, acct, s, "course", course_id)
    for form_id in body.get("forms") or []:
        if isinstance(form_id, int) and form_id in acct.forms:
            join(world, acct, s, "form", form_id)
    if form is not None and double_opt_in and s.state == "inactive" and (
            created or existing is None or sub.state == "inactive"):
        await send_confirmation(call, acct, form, s)
    return {"subscription": subscription_json(acct, sub, full=call.credential == "secret")}


async def send_confirmation(call: Call[World], acct: Account, form: Form,
                            s: Subscriber) -> None:
    token = s.confirm_token or secrets.token_urlsafe(16)
    s.confirm_token = token
    call.world.confirmations[token] = (acct, s.id)
    link = f"{call.base_url}/confirm/{token}"
    data = {"subscriber": liquid_subscriber(acct, s), "form": {"name": form.name},
            "confirmation_url": link}
    template = form.confirmation_content or DEFAULT_CONFIRMATION
    meta: dict[str, Any] = {"form_id": form.id, "confirmation_url": link}
    try:  # on a worker thread when served: a heavy template never holds the other APIs
        [(subject, html)] = await call.services.render(
            render_liquid, template, form.confirmation_subject, [data])
        status = "sent"
    except LIQUID_FAILURES as exc:  # the email is not sent; the inbox says why
        subject, html, status = form.confirmation_subject, "", "failed"
        meta["error"] = f"confirmation not rendered: {exc}"
    call.services.outbox.add(api="convertkit", channel="email", to=s.email, sender=acct.email,
                             subject=subject, html=html, text=html_to_text(html),
                             template=template, data=data, kind="confirmation", tenant=acct.id,
                             status=status, meta=meta)


def render_liquid(content: str, subject: str, recipients: list[dict[str, Any]]
                  ) -> list[tuple[str, str]]:
    """(subject, html) for each recipient's data; raises on the first failure."""
    body_t, subject_t = _liquid.from_string(content), _liquid.from_string(subject)
    out = []
    try:
        for data in recipients:
            _render_budget.budget = Budget()  # each recipient's email has the whole budget
            out.append((subject_t.render(**data), body_t.render(**data)))
    finally:
        _render_budget.budget = None
    return out


DEFAULT_CONFIRMATION = (
    "<p>Hi {{ subscriber.first_name | default: 'there' }},</p>"
    "<p>Please confirm your subscription to {{ form.name }}:</p>"
    '<p><a href="{{ confirmation_url }}">Confirm your subscription</a></p>')


async def confirm_page(world: World, request: Request) -> HTMLResponse:
    """The link in a double-opt-in email: following it activates the subscriber."""
    found = world.confirmations.pop(request.path_params["token"], None)
    if found is None:
        return HTMLResponse("<h1>This confirmation link is not valid.</h1>", status_code=404)
    acct, sid = found
    s = acct.subscribers.get(sid)
    if s is None:
        return HTMLResponse("<h1>This subscriber no longer exists.</h1>", status_code=404)
    s.confirm_token = None
    set_state(world, acct, s, "active")
    return HTMLResponse(f"<h1>Subscription confirmed</h1><p>{escape(s.email)} is now active.</p>")


def liquid_subscriber(acct: Account, s: Subscriber) -> dict[str, Any]:
    """What `{{ subscriber.* }}` sees: the standard attributes and every custom field key."""
    return {"id": s.id, "first_name": s.first_name, "email_address": s.email,
            **{f.key: s.fields.get(f.key) for f in acct.fields}}


def html_to_text(html: str) -> str:
    """The text part of an email: tags dropped, links kept as `text (url)`."""
    text = re.sub(r'(?is)<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', r"\2 (\1)", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</h\d>|</li>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def parse_time(value: Any) -> float | None:
    """Vendor datetimes: ISO-8601, or `Y-m-d H:i:s` taken as UTC, or a bare date."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise unprocessable(f"Invalid time: {value!r}")
    text = value.strip().replace(" ", "T", 1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise unprocessable(f"Invalid time: {value}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


# -- account -------------------------------------------------------------------------------
@api.op("get_account")
def get_account(call: Call[World]) -> dict[str, Any]:
    acct = acct_of(call)
    return {"name": acct.name, "plan_type": acct.plan_type,
            "primary_email_address": acct.email}


# -- forms -----------------------------------------------------------------------------------
@api.op("list_forms")
def list_forms(call: Call[World]) -> dict[str, Any]:
    acct = acct_of(call)
    return {"forms": [form_json(f, f"acct{acct.id}") for f in acct.forms]}


@api.op("add_subscriber_to_form")
async def add_subscriber_to_form(call: Call[World]) -> dict[str, Any]:
    form_id = call.params["form_id"]
    if form_id not in acct_of(call).forms:
        raise not_found()
    return await subscribe(call, "form", form_id)


def list_subscriptions(call: Call[World], kind: str, target_id: int) -> dict[str, Any]:
    acct = acct_of(call)
    state = call.params.get("subscriber_state")
    states = [state or "active"]  # only active subscriptions unless asked for cancelled
    page = acct.subscriptions.page(page_of(call), PER_PAGE, group="list",
                                   keys=[(kind, target_id, st) for st in states],
                                   descending=call.params.get("sort_order") == "desc")
    return envelope("subscriptions", page,
                    [subscription_json(acct, sub, full=True) for sub in page.items])


@api.op("list_form_subscriptions")
def list_form_subscriptions(call: Call[World]) -> dict[str, Any]:
    if call.params["form_id"] not in acct_of(call).forms:
        raise not_found()
    return list_subscriptions(call, "form", call.params["form_id"])


# -- sequences (courses) -------------------------------------------------------------------
@api.op("list_sequences", "list_courses")
def list_sequences(call: Call[World]) -> dict[str, Any]:
    return {"courses": [{"id": s.id, "name": s.name, "created_at": iso(s.created_at),
                         "hold": s.hold, "repeat": s.repeat} for s in acct_of(call).sequences]}


@api.op("add_subscriber_to_sequence", "add_subscriber_to_course")
async def add_subscriber_to_sequence(call: Call[World]) -> dict[str, Any]:
    sequence_id = call.params["sequence_id"]
    if sequence_id not in acct_of(call).sequences:
        raise error(404, "Course not found", "")
    return await subscribe(call, "course", sequence_id)


@api.op("list_sequence_subscriptions", "list_course_subscriptions")
def list_sequence_subscriptions(call: Call[World]) -> dict[str, Any]:
    if call.params["sequence_id"] not in acct_of(call).sequences:
        raise not_found()
    return list_subscriptions(call, "course", call.params["sequence_id"])


# -- tags ------------------------------------------------------------------------------------
@api.op("list_tags")
def list_tags(call: Call[World]) -> dict[str, Any]:
    return {"tags": [tag_json(t) for t in acct_of(call).tags]}


@api.op("create_tags")
def create_tags(call: Call[World]) -> Reply:
    acct, now = acct_of(call), call.clock.now()
    spec = body_of(call)["tag"]
    wanted = spec if isinstance(spec, list) else [spec]
    names = [str(t.get("name") or "").strip() for t in wanted]
    seen: set[str] = set()
    for name in names:  # all or nothing: check every name before storing any
        if not name:
            raise unprocessable("Name can't be blank")
        if acct.tags.by("name", name.lower()) is not None or name.lower() in seen:
            raise unprocessable("Name has already been taken")
        seen.add(name.lower())
    created = [acct.tags.put(tid, Tag(tid, name, now, now))
               for tid, name in ((acct.tags.next_id(), n) for n in names)]
    shaped = [{**tag_json(t), "account_id": acct.id, "state": "available",
               "updated_at": iso(t.updated_at), "deleted_at": None} for t in created]
    return json_reply(201, shaped if isinstance(spec, list) else shaped[0])


def tag_or_404(call: Call[World], message_title: str | None = None) -> Tag:
    tag = acct_of(call).tags.get(call.params["tag_id"])
    if tag is None:
        raise error(404, message_title, "") if message_title else not_found()
    return tag


@api.op("tag_subscriber")
async def tag_subscriber(call: Call[World]) -> dict[str, Any]:
    tag = tag_or_404(call, "Tag not found")
    return await subscribe(call, "tag", tag.id)


def untag(call: Call[World], acct: Account, s: Subscriber, tag: Tag) -> bool:
    sub = acct.subscriptions.by("member", ("tag", tag.id, s.id))
    if sub is None:
        return False
    acct.subscriptions.delete(sub.id)
    fire_subscriber(call.world, acct, "subscriber.tag_remove", s, tag.id)
    return True


@api.op("remove_tag_from_subscriber")
def remove_tag_from_subscriber(call: Call[World]) -> dict[str, Any]:
    acct = acct_of(call)
    s = acct.subscribers.get(call.params["subscriber_id"])
    tag = acct.tags.get(call.params["tag_id"])
    if s is None or tag is None or not untag(call, acct, s, tag):
        raise not_found()
    return tag_json(tag)


@api.op("remove_tag_from_subscriber_by_email")
def remove_tag_from_subscriber_by_email(call: Call[World]) -> dict[str, Any]:
    acct, tag = acct_of(call), tag_or_404(call)
    email = str(body_of(call).get("email") or "")
    s = acct.subscribers.by("email", email.lower())
    if s is not None:  # an address without the tag (or unknown) succeeds silently
        untag(call, acct, s, tag)
    return tag_json(tag)


@api.op("list_tag_subscriptions")
def list_tag_subscriptions(call: Call[World]) -> dict[str, Any]:
    tag = tag_or_404(call)
    return list_subscriptions(call, "tag", tag.id)


# -- subscribers -----------------------------------------------------------------------------
def day_bound(value: str, end: bool) -> float:
    ts_ = parse_time(value)
    assert ts_ is not None
    if len(value.strip()) == 10 and end:  # a bare date includes that whole day
        ts_ += 86400 - 1e-6
    return ts_


@api.op("list_subscribers")
def list_subscribers(call: Call[World]) -> dict[str, Any]:
    acct, p = acct_of(call), call.params
    desc = p.get("sort_order") == "desc"
    if p.get("email_address") is not None:
        found = acct.subscribers.by("email", str(p["email_address"]).strip().lower())
        page: Page[Subscriber] = paginate([found] if found else [], page_of(call), PER_PAGE)
    else:
        cancelled = p.get("sort_field") == "cancelled_at"
        bounds = [(k, day_bound(p[k], k.endswith("to"))) for k in
                  ("from", "to", "updated_from", "updated_to") if p.get(k)]
        if not bounds and not cancelled:
            page = acct.subscribers.page(page_of(call), PER_PAGE, group="listing",
                                         keys=["live"], descending=desc)
        else:
            rows = [acct.subscribers.get(i) for i in
                    acct.subscribers.ids("listing", "cancelled" if cancelled else "live")]
            chosen = [s for s in rows if s is not None and _within(s, bounds)]
            if cancelled:
                chosen.sort(key=lambda s: (s.cancelled_at or 0, s.id))
            if desc:
                chosen.reverse()
            page = paginate(chosen, page_of(call), PER_PAGE)
    return envelope("subscribers", page, [subscriber_json(acct, s) for s in page.items])


def _within(s: Subscriber, bounds: list[tuple[str, float]]) -> bool:
    for name, edge in bounds:
        value = s.created_at if name in ("from", "to") else s.updated_at
        if (name.endswith("from") and value < edge) or (name.endswith("to") and value > edge):
            return False
    return True


def subscriber_or_404(call: Call[World]) -> Subscriber:
    s = acct_of(call).subscribers.get(call.params["subscriber_id"])
    if s is None:
        raise not_found()
    return s


@api.op("get_subscriber")
def get_subscriber(call: Call[World]) -> dict[str, Any]:
    return {"subscriber": subscriber_json(acct_of(call), subscriber_or_404(call))}


MAX_FIELDS, SYNC_FIELDS = 125, 10


@api.op("update_subscriber")
def update_subscriber(call: Call[World]) -> Reply:
    acct, s, body = acct_of(call), subscriber_or_404(call), body_of(call)
    raw_fields = body.get("fields")
    fields: dict[str, Any] = raw_fields if isinstance(raw_fields, dict) else {}
    if len(fields) > MAX_FIELDS:
        raise error(400, "Bad Request", "Too many custom fields: at most "
                    f"{MAX_FIELDS} can be updated in one request")  # assumption C
    email = body.get("email_address")
    if isinstance(email, str):
        email = email.strip()
        if not EMAIL_RE.match(email):
            raise unprocessable("Email address is invalid")
        other = acct.subscribers.by("email", email.lower())
        if other is not None and other.id != s.id:
            raise unprocessable("Email address has already been taken")
    first_name = body.get("first_name")

    def apply() -> None:
        if isinstance(email, str):
            s.email = email
        if isinstance(first_name, str) or (first_name is None and "first_name" in body):
            s.first_name = first_name
        apply_fields(acct, s, fields)
        s.updated_at = call.clock.now()
        acct.subscribers.put(s.id, s)

    if len(fields) > SYNC_FIELDS:
        # 11-125 fields: accepted now, applied by a background job; the body shows the result.
        call.services.jobs.submit(apply, name="convertkit:update_subscriber")
        preview = subscriber_json(acct, s)
        if isinstance(email, str):
            preview["email_address"] = email
        if "first_name" in body:
            preview["first_name"] = first_name
        preview["fields"].update({k: None if v is None else str(v) for k, v in fields.items()
                                  if k in preview["fields"]})
        return json_reply(202, {"subscriber": preview})
    apply()
    return json_reply(200, {"subscriber": subscriber_json(acct, s)})


@api.op("unsubscribe_subscriber")
def unsubscribe_subscriber(call: Call[World]) -> dict[str, Any]:
    acct = acct_of(call)
    s = acct.subscribers.by("email", str(body_of(call).get("email") or "").strip().lower())
    if s is None:
        raise not_found()
    set_state(call.world, acct, s, "cancelled")
    return {"subscriber": subscriber_json(acct, s)}


@api.op("list_subscriber_tags")
def list_subscriber_tags(call: Call[World]) -> dict[str, Any]:
    acct, s = acct_of(call), subscriber_or_404(call)
    tags = []
    for sid in acct.subscriptions.ids("of", s.id):
        sub = acct.subscriptions.get(sid)
        if sub is not None and sub.kind == "tag" and (tag := acct.tags.get(sub.target_id)):
            tags.append(tag_json(tag))
    return {"tags": tags}


# -- custom fields ---------------------------------------------------------------------------
def field_key(label: str, taken: Iterable[str]) -> str:
    """`Last Name` -> `last_name`: ASCII, lower case, underscores; unique in the account."""
    ascii_ = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_") or "field"
    used, key, n = set(taken), base, 2
    while key in used:
        key, n = f"{base}_{n}", n + 1
    return key


@api.op("list_custom_fields")
def list_custom_fields(call: Call[World]) -> dict[str, Any]:
    return {"custom_fields": [field_json(f) for f in acct_of(call).fields]}


@api.op("create_custom_fields")
def create_custom_fields(call: Call[World]) -> Reply:
    acct = acct_of(call)
    spec = body_of(call)["label"]
    labels = [str(x).strip() for x in (spec if isinstance(spec, list) else [spec])]
    seen: set[str] = set()
    for label in labels:  # all or nothing
        if not label:
            raise unprocessable("Label can't be blank")
        if acct.fields.by("label", label.lower()) is not None or label.lower() in seen:
            raise unprocessable("Label has already been taken")
        seen.add(label.lower())
    made = []
    for label in labels:
        fid = acct.fields.next_id()
        key = field_key(label, (f.key for f in acct.fields))
        made.append(acct.fields.put(fid, CustomField(fid, label, key)))
    shaped = [field_json(f) for f in made]
    # A one-element array comes back as a single object (the official SDK relies on it).
    body = shaped if isinstance(spec, list) and len(shaped) > 1 else shaped[0]
    return json_reply(201, body, {"location": "/v3/custom_fields"})


def field_or_404(call: Call[World]) -> CustomField:
    f = acct_of(call).fields.get(call.params["custom_field_id"])
    if f is None:
        raise not_found()
    return f


@api.op("update_custom_field")
def update_custom_field(call: Call[World]) -> Reply:
    acct, f = acct_of(call), field_or_404(call)
    label = str(body_of(call).get("label") or "").strip()
    if not label:
        raise unprocessable("Label can't be blank")
    try:  # only the label changes; key and name stay
        acct.fields.put(f.id, CustomField(f.id, label, f.key))
    except Conflict:
        raise unprocessable("Label has already been taken") from None
    return no_content()


@api.op("delete_custom_field")
def delete_custom_field(call: Call[World]) -> Reply:
    acct, f = acct_of(call), field_or_404(call)
    acct.fields.delete(f.id)
    for s in acct.subscribers:  # the values go with the field
        s.fields.pop(f.key, None)
    return no_content()


# -- broadcasts ------------------------------------------------------------------------------
BROADCAST_ATTRS = ("subject", "description", "content", "email_address",
                   "email_layout_template", "thumbnail_alt", "thumbnail_url")


def apply_broadcast(call: Call[World], b: Broadcast, body: dict[str, Any]) -> None:
    for name in ("content", "subject"):
        text = body.get(name, getattr(b, name))
        if isinstance(text, str):
            try:
                _liquid.from_string(text)
            except liquid.exceptions.LiquidError as exc:
                raise unprocessable(f"{name.capitalize()} is not valid Liquid: {exc}") from None
    send_at = parse_time(body["send_at"]) if "send_at" in body else b.send_at
    published_at = (parse_time(body["published_at"]) if "published_at" in body
                    else b.published_at)
    for name in BROADCAST_ATTRS:
        if name in body:
            setattr(b, name, body[name])
    if "public" in body:
        b.public = bool(body["public"])
    b.published_at = published_at
    b.send_at = send_at
    schedule_broadcast(call.world, call.tenant, b)


def schedule_broadcast(world: World, acct: Account, b: Broadcast) -> None:
    """(Re)plan the send: at send_at it goes to every active subscriber."""
    jobs = world.services.jobs
    if b.job is not None:
        jobs.cancel(b.job)
        b.job = None
    if b.send_at is None:
        b.status = "draft"
        return
    b.status = "scheduled"
    b.job = jobs.submit(lambda: send_broadcast(world, acct, b),
                        at=max(b.send_at, world.services.clock.now()),
                        name=f"convertkit:broadcast:{b.id}")


async def send_broadcast(world: World, acct: Account, b: Broadcast) -> None:
    if acct.broadcasts.get(b.id) is not b:  # deleted meanwhile
        return
    b.status, b.job, b.error = "sending", None, None
    outbox = world.services.outbox
    template, subject = b.content or "", b.subject or ""
    sender = b.email_address or acct.email
    recipients = []  # read on the loop; rendered on a worker thread when served
    for sid in list(acct.subscribers.ids("listing", "live")):
        s = acct.subscribers.get(sid)
        if s is not None and s.state == "active":
            recipients.append((s.email, {"subscriber": liquid_subscriber(acct, s)}))
    try:
        rendered = await world.services.render(render_liquid, template, subject,
                                               [data for _, data in recipients])
    except LIQUID_FAILURES as exc:  # nothing goes out; the broadcast can be fixed and resent
        b.status, b.error = "failed", f"broadcast not sent: {exc}"
        log.warning("convertkit broadcast %s: %s", b.id, b.error)
        return
    for (email, data), (subject_text, html) in zip(recipients, rendered, strict=True):
        outbox.add(api="convertkit", channel="email", to=email, sender=sender,
                   subject=subject_text, html=html, text=html_to_text(html),
                   template=template, data=data, kind="broadcast", tenant=acct.id,
                   meta={"broadcast_id": b.id})
    b.recipients, b.status = len(recipients), "completed"
    if b.public and b.published_at is None:
        b.published_at = world.services.clock.now()


def broadcast_or_404(call: Call[World]) -> Broadcast:
    b = acct_of(call).broadcasts.get(call.params["broadcast_id"])
    if b is None:
        raise not_found()
    return b


def editable(b: Broadcast) -> Broadcast:
    if b.status in ("sending", "completed"):
        raise unprocessable("Broadcast has already been sent")  # assumption N
    return b


@api.op("list_broadcasts")
def list_broadcasts(call: Call[World]) -> dict[str, Any]:
    page = acct_of(call).broadcasts.page(page_of(call), PER_PAGE,
                                         descending=call.params.get("sort_order") == "desc")
    return {"broadcasts": [{"id": b.id, "created_at": iso(b.created_at), "subject": b.subject}
                           for b in page.items]}


@api.op("create_broadcast")
def create_broadcast(call: Call[World]) -> Reply:
    acct = acct_of(call)
    b = Broadcast(acct.broadcasts.next_id(), call.clock.now())
    apply_broadcast(call, b, body_of(call))  # validates before anything is stored
    acct.broadcasts.put(b.id, b)
    return json_reply(201, {"broadcast": broadcast_json(acct, b)})


@api.op("get_broadcast")
def get_broadcast(call: Call[World]) -> dict[str, Any]:
    return {"broadcast": broadcast_json(acct_of(call), broadcast_or_404(call))}


@api.op("get_broadcast_stats")
def get_broadcast_stats(call: Call[World]) -> dict[str, Any]:
    b = broadcast_or_404(call)
    done = b.status == "completed"
    return {"broadcast": {"id": b.id, "stats": {
        "recipients": b.recipients, "open_rate": 0.0, "click_rate": 0.0, "unsubscribes": 0,
        "total_clicks": 0, "show_total_clicks": False, "status": b.status,
        "progress": 100.0 if done else 0.0}}}


@api.op("update_broadcast")
def update_broadcast(call: Call[World]) -> dict[str, Any]:
    acct, b = acct_of(call), editable(broadcast_or_404(call))
    draft = dataclasses.replace(b, job=None)
    apply_broadcast(call, draft, body_of(call))  # a rejected update changes nothing
    if b.job is not None:
        call.services.jobs.cancel(b.job)
    acct.broadcasts.put(b.id, draft)
    schedule_broadcast(call.world, acct, draft)
    return {"broadcast": broadcast_json(acct, draft)}


@api.op("delete_broadcast")
def delete_broadcast(call: Call[World]) -> Reply:
    acct, b = acct_of(call), editable(broadcast_or_404(call))
    if b.job is not None:
        call.services.jobs.cancel(b.job)
    acct.broadcasts.delete(b.id)
    return no_content()


# -- purchases -------------------------------------------------------------------------------
def _money(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def purchase_problems(p: dict[str, Any]) -> list[str]:
    problems = [f"{name} can't be blank" for name in
                ("transaction_id", "email_address", "currency")
                if p.get(name) in (None, "")]
    products = p.get("products")
    if not isinstance(products, list) or not products:
        problems.append("products can't be blank")
        return problems
    for item in products:
        if not isinstance(item, dict):
            problems.append("products must be objects")
            continue
        label = item.get("name") or item.get("pid") or "?"
        for key, word in (("unit_price", "Unit price"), ("quantity", "Quantity"),
                          ("name", "Name"), ("pid", "Pid"), ("lid", "Lid")):
            if item.get(key) in (None, ""):
                problems.append(f"{word} can't be blank for product: {label}")
    if isinstance(p.get("email_address"), str) and p["email_address"] and not EMAIL_RE.match(
            p["email_address"].strip()):
        problems.append("email_address is invalid")
    return problems


@api.op("create_purchase")
def create_purchase(call: Call[World]) -> Reply:
    acct, world = acct_of(call), call.world
    p = body_of(call).get("purchase")
    if not isinstance(p, dict):
        raise error(400, "Your request is missing parameters", "purchase can't be blank")
    problems = purchase_problems(p)
    if problems:
        raise error(400, "Your request is missing parameters", ", ".join(problems))
    products = [{"unit_price": float(i["unit_price"]), "quantity": int(i["quantity"]),
                 "sku": i.get("sku"), "name": str(i["name"]), "pid": i["pid"], "lid": i["lid"]}
                for i in p["products"]]
    # assumption I: money fields that were not sent stay null
    subtotal, tax, shipping, discount, total = (
        _money(p.get(k)) for k in ("subtotal", "tax", "shipping", "discount", "total"))
    email = str(p["email_address"]).strip()
    existing = acct.purchases.by("txn", str(p["transaction_id"]))
    when = parse_time(p.get("transaction_time")) or call.clock.now()
    purchase = Purchase(existing.id if existing else acct.purchases.next_id(),
                        str(p["transaction_id"]), str(p.get("status") or "paid"), email,
                        str(p["currency"]).upper(), when, subtotal, shipping, discount, tax,
                        total, products, p.get("integration"))
    subscriber, _ = find_or_create(world, acct, email, p.get("first_name"), None, "active")
    acct.purchases.put(purchase.id, purchase)  # an existing transaction_id is updated
    shaped = purchase_json(purchase)
    if existing is None:  # an update of a known transaction is not a new purchase
        fire(world, acct, "purchase.purchase_create", shaped)
        for item in products:
            fire_subscriber(world, acct, "subscriber.product_purchase", subscriber, item["pid"])
    return json_reply(201, shaped)


@api.op("list_purchases")
def list_purchases(call: Call[World]) -> dict[str, Any]:
    page = acct_of(call).purchases.page(page_of(call), PER_PAGE)
    return envelope("purchases", page, [purchase_json(p) for p in page.items])


@api.op("get_purchase")
def get_purchase(call: Call[World]) -> dict[str, Any]:
    p = acct_of(call).purchases.get(call.params["purchase_id"])
    if p is None:
        raise not_found()
    return purchase_json(p)


# -- automation hooks ------------------------------------------------------------------------
@api.op("create_webhook")
def create_webhook(call: Call[World]) -> dict[str, Any]:
    acct, body = acct_of(call), body_of(call)
    event = body["event"]
    name = event["name"]
    param = WEBHOOK_PARAMS[name]
    params: dict[str, Any] = {}
    if param == "course_id":  # the docs use both names; echo the one sent
        used = next((k for k in ("course_id", "sequence_id") if event.get(k) is not None), None)
        if used is None:
            raise unprocessable("course_id is required for this event")
        params[used] = event[used]
    elif param is not None:
        if event.get(param) in (None, ""):
            raise unprocessable(f"{param} is required for this event")
        params[param] = event[param]
    rule = Rule(acct.rules.next_id(), name, params, str(body["target_url"]))
    acct.rules.put(rule.id, rule)
    return {"rule": rule_json(acct, rule)}


@api.op("list_webhooks")
def list_webhooks(call: Call[World]) -> list[dict[str, Any]]:
    acct = acct_of(call)
    return [{"rule": rule_json(acct, r, listing=True)} for r in acct.rules]


@api.op("delete_webhook")
def delete_webhook(call: Call[World]) -> dict[str, Any]:
    if acct_of(call).rules.delete(call.params["rule_id"]) is None:
        raise not_found()
    return {"success": True}
