"""ConvertKit's state: accounts and what they hold, and the rules that change it.

Everything here takes plain values (the world, an account, a subscriber), never the request.
Shapes (`*_json`) are the vendor's bodies for a record. Subscriber events are POSTed to the
account's automation rules through `jobs.fire`. References (§n, D-n, assumption X) are to
docs/vendors/convertkit.md.
"""
from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...core import Call, Page, Services, Table, iso
from . import errors
from .jobs import by_email, fire
from .params import as_ids, as_text, as_time, time_bound

PER_PAGE = 50  # every paged list (§15)
# no whitespace or control character anywhere (an address never holds a NUL)
EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
MAX_FIELDS, SYNC_FIELDS = 125, 10  # a subscriber update: 200 up to 10 fields, 202 up to 125 (§7)
STATES = ("active", "inactive", "bounced", "complained", "cancelled")  # §2.1


# -- records -------------------------------------------------------------------------------
@dataclass(slots=True)
class Subscriber:
    id: int
    email: str
    first_name: str | None
    state: str  # one of STATES
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


@dataclass(frozen=True, slots=True)
class SubscriberUpdate:
    """A checked `PUT /v3/subscribers/{id}`: applied at once, or later by a job (the 202)."""

    email: str | None  # the new address, or None to keep it
    first_name: str | None
    sets_first_name: bool
    fields: dict[str, Any]


def _folded(email: str) -> str:
    """The email as its index key: the stored string itself when already lower case (one
    string per subscriber instead of two)."""
    return email if email.islower() else email.lower()


class Account:
    """One ConvertKit account: its credentials and everything stored in it."""

    def __init__(self, id: int, name: str, email: str, plan_type: str, api_key: str,
                 api_secret: str, subscriber_limit: int | None = None) -> None:
        self.id, self.name, self.email, self.plan_type = id, name, email, plan_type
        self.api_key, self.api_secret = api_key, api_secret
        self.subscriber_limit = subscriber_limit  # the plan's cap; None: unlimited
        self.subscribers: Table[Subscriber] = Table(
            unique={"email": lambda s: _folded(s.email)},
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
        # 202 updates not applied yet, per subscriber, and the emails they will take (jobs.py)
        self.pending: dict[int, list[tuple[SubscriberUpdate, Any]]] = {}
        self.reserved: dict[str, int] = {}

    def apply_fields(self, s: Subscriber, values: Any) -> None:
        """Write custom-field values by key; keys the account does not have are ignored."""
        if not isinstance(values, dict):
            return
        for key, value in values.items():
            if self.fields.by("key", key) is not None:
                s.fields[key] = as_text(value)


class World:
    """Every account the fake knows, and where each credential leads."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.accounts: dict[int, Account] = {}
        self.credentials: dict[str, tuple[Account, str]] = {}  # value -> (account, key|secret)
        self.confirmations: dict[str, tuple[Account, int]] = {}  # token -> subscriber

    def add(self, account: Account) -> Account:
        self.accounts[account.id] = account
        self.credentials[account.api_key] = (account, "key")
        self.credentials[account.api_secret] = (account, "secret")
        return account

    @property
    def default(self) -> Account:
        return next(iter(self.accounts.values()))


ApiCall = Call[World, Account]


def body_of(call: ApiCall) -> dict[str, Any]:
    """The request's parameters (a body may be absent where the contract allows it)."""
    return call.body if isinstance(call.body, dict) else {}


# -- values ----------------------------------------------------------------------------------
def field_key(label: str, taken: Iterable[str]) -> str:
    """`Last Name` -> `last_name`: ASCII, lower case, underscores; unique in the account (§12)."""
    ascii_ = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_") or "field"
    used, key, n = set(taken), base, 2
    while key in used:
        key, n = f"{base}_{n}", n + 1
    return key


def parse_time(value: Any, name: str) -> float | None:
    """Vendor datetimes, cast and range-checked the Rails way (params.as_time)."""
    return as_time(value, name)


def day_bound(value: str, end: bool, name: str = "from") -> float:
    """A `from`/`to` filter as a time: a bare date as an end includes that whole day. A bound
    past the years 0001-9999 stores nothing, it only compares: it lies beyond every row."""
    ts_ = time_bound(value, name)
    if len(value.strip()) == 10 and end:
        ts_ += 86400 - 1e-6
    return ts_


def within(s: Subscriber, bounds: list[tuple[str, float]]) -> bool:
    """Whether `s` passes the created (`from`, `to`) and updated (`updated_*`) bounds."""
    for name, edge in bounds:
        value = s.created_at if name in ("from", "to") else s.updated_at
        if (name.endswith("from") and value < edge) or (name.endswith("to") and value > edge):
            return False
    return True


# -- shapes: the vendor's bodies (§2) ----------------------------------------------------------
def ts(value: float | None) -> str | None:
    return None if value is None else iso(value)


def subscriber_json(acct: Account, s: Subscriber) -> dict[str, Any]:
    """One subscriber's body, built fresh: webhook payloads and single reads keep theirs."""
    return _subscriber_shape(s, tuple(f.key for f in acct.fields))


def subscribers_json(acct: Account, rows: Iterable[Subscriber]) -> list[dict[str, Any]]:
    """Subscribers as a listing shows them, each shape reused until its subscriber is put
    again or the account's field keys change.

    Building 50 of these was most of a page request's cost (cProfile of the sandbox's GET
    page: 39% of it, a walk of the field table per row)."""
    keys = tuple(f.key for f in acct.fields)
    return acct.subscribers.shown(rows, keys, lambda s: _subscriber_shape(s, keys),
                                  _subscriber_id)


def _subscriber_shape(s: Subscriber, keys: tuple[str, ...]) -> dict[str, Any]:
    """The vendor's subscriber body: every account field keyed, null when unset (D-10)."""
    values = s.fields
    return {"id": s.id, "first_name": s.first_name, "email_address": s.email, "state": s.state,
            "created_at": iso(s.created_at), "fields": {k: values.get(k) for k in keys}}


_subscriber_id = operator.attrgetter("id")  # called per row of a page: C, not a def


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


def envelope(things: str, page: Page[Any], items: list[Any]) -> dict[str, Any]:
    """A paged list: `total_<things>`, `page`, `total_pages` and the items (§15)."""
    return {f"total_{things}": page.total, "page": page.page, "total_pages": page.total_pages,
            things: items}


# -- subscribers: find-or-create, memberships, activation (§16) ------------------------------
MEMBERSHIP_EVENTS = {"form": "subscriber.form_subscribe", "course": "subscriber.course_subscribe",
                     "tag": "subscriber.tag_add"}


def fire_subscriber(world: World, acct: Account, event: str, s: Subscriber,
                    match: Any = None) -> None:
    """A `subscriber.*` event: its payload is the subscriber as it is now (§11)."""
    fire(world, acct, event, {"subscriber": subscriber_json(acct, s)}, match)


def membership_event(world: World, acct: Account, s: Subscriber, sub: Subscription) -> None:
    fire_subscriber(world, acct, MEMBERSHIP_EVENTS[sub.kind], s, sub.target_id)


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


def find_or_create(world: World, acct: Account, email: str, first_name: Any,
                   fields: Any, state: str, capped: bool = False) -> tuple[Subscriber, bool]:
    """The subscriber for `email` with `first_name`/`fields` saved onto it; True if new.

    `capped`: a new subscriber beyond the plan's limit is refused (assumption M)."""
    now = world.services.clock.now()
    s = by_email(world, acct, email)
    created = s is None
    if s is None:
        limit = acct.subscriber_limit
        if capped and limit is not None and len(acct.subscribers) >= limit:
            raise errors.subscriber_limit()
        s = Subscriber(acct.subscribers.next_id(), email, None, state, now, now)
    if isinstance(first_name, str) and first_name:  # "" keeps the name (D-13): the WordPress
        s.first_name = first_name  # library and WooCommerce send "" when they have none
    acct.apply_fields(s, fields)
    s.updated_at = now
    acct.subscribers.put(s.id, s)
    if created and state == "active":
        fire_subscriber(world, acct, "subscriber.subscriber_activate", s)
    return s, created


def join(world: World, acct: Account, s: Subscriber, kind: str, target_id: int) -> Subscription:
    """Subscribe `s` to a form/course/tag; the same membership comes back if it exists (D-6)."""
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


def untag(world: World, acct: Account, s: Subscriber, tag: Tag) -> bool:
    """Remove `tag` from `s`; False when `s` did not have it."""
    sub = acct.subscriptions.by("member", ("tag", tag.id, s.id))
    if sub is None:
        return False
    acct.subscriptions.delete(sub.id)
    fire_subscriber(world, acct, "subscriber.tag_remove", s, tag.id)
    return True


def subscribe(world: World, acct: Account, kind: str, target_id: int, body: dict[str, Any]
              ) -> tuple[Subscriber, Subscription, Form | None]:
    """The find-or-create the three subscribe endpoints share (§4-§6, §16, D-6).

    Returns the subscriber, the membership and, when a confirmation email is due (a
    double-opt-in form and a subscriber who has not confirmed), that form.
    """
    email = body.get("email")
    if not isinstance(email, str) or not email.strip():
        raise errors.missing_email()
    email = email.strip()
    if not EMAIL_RE.match(email):
        raise errors.invalid_email()
    form = acct.forms.get(target_id) if kind == "form" else None
    double_opt_in = bool(form and form.double_opt_in)
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
    # ids cast the Rails way (numeric strings, a single id); unknown ones are ignored
    for tag_id in as_ids(body.get("tags") or [], "tags"):
        if tag_id in acct.tags:
            join(world, acct, s, "tag", tag_id)
    for course_id in as_ids(body.get("courses") or [], "courses"):
        if course_id in acct.sequences:
            join(world, acct, s, "course", course_id)
    for form_id in as_ids(body.get("forms") or [], "forms"):
        if form_id in acct.forms:
            join(world, acct, s, "form", form_id)
    confirm = form is not None and double_opt_in and s.state == "inactive" and (
        created or sub.state == "inactive")
    return s, sub, form if confirm else None
