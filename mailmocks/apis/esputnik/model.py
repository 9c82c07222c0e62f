"""eSputnik state: organisations and what they hold (contacts, segments, events, orders,
sends, balance) and their indexes. The documented field rules and how a contact body is
written are in `rules`.

Contacts are looked up by channel value, and several contacts may share an email (the bulk
import's "most recently updated wins" rule needs that), so the indexes map a value to a set
of ids instead of using a unique index.
"""
from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...core import Call, Services

DUPLICATE_WINDOW = 60.0  # seconds an identical body is refused for (D-8)


MAX_EVENTS = 100_000  # events kept per organisation (the oldest go first)


@dataclass(slots=True)
class Contact:
    id: int
    created: float
    updated: float
    first_name: str | None = None
    last_name: str | None = None
    channels: list[dict[str, Any]] = field(default_factory=list)
    address: dict[str, Any] | None = None
    fields: dict[int, str | None] = field(default_factory=dict)
    address_book_id: int | None = None
    external_customer_id: str | None = None
    contact_key: str | None = None
    language_code: str | None = None
    time_zone: str | None = None
    confirmed: bool = True
    deleted: bool = False
    subscriptions: set[str] = field(default_factory=set)

    def values(self, kind: str) -> list[str]:
        return [c["value"] for c in self.channels if c.get("type") == kind]

    @property
    def email(self) -> str | None:
        found = self.values("email")
        return found[0] if found else None

    @property
    def phone(self) -> str | None:
        found = self.values("sms") or self.values("viber")
        return found[0] if found else None


@dataclass(slots=True)
class Group:
    id: int
    name: str
    type: str = "Static"  # Static | Dynamic | Combined
    members: dict[int, float] = field(default_factory=dict)  # contact id -> time added
    rule: dict[str, Any] | None = None  # Dynamic: {"languageCode": "uk"}-style equality
    parts: list[int] = field(default_factory=list)  # Combined: the segments it unites


@dataclass(slots=True)
class CustomField:
    id: int
    name: str
    key: str
    type: str  # TEXTFIELD | COMBOBOX | ... | DATE | NUMBER
    required: bool = False
    readonly: bool = False
    possible_values: list[str] | None = None


@dataclass(slots=True)
class FieldGroup:
    name: str
    profile_key: str
    fields: list[CustomField]


@dataclass(slots=True)
class AddressBook:
    id: int
    name: str
    groups: list[FieldGroup]


@dataclass(slots=True)
class Category:
    id: int
    key: str
    name: str
    group_id: int
    created: float


@dataclass(slots=True)
class ImportSession:
    id: str
    status: str  # STARTED -> IMPORTING -> FINISHED | ERROR
    updated: float
    mapping: list[dict[str, Any]] = field(default_factory=list)
    description: str | None = None


@dataclass(slots=True)
class Event:
    id: int
    type_key: str
    key_value: str | None
    params: list[dict[str, Any]]
    contact_id: int | None
    occurred: float
    version: str  # "v1" | "v2" | "internal"


@dataclass(slots=True)
class Order:
    external_order_id: str
    data: dict[str, Any]
    contact_id: int | None
    created: float
    updated: float


@dataclass(slots=True)
class EmailMessage:
    id: int
    name: str
    sender: str
    subject: str
    html: str
    created: float
    updated: float
    tags: list[str] = field(default_factory=list)
    css: str | None = None
    raw_html: str | None = None
    amp_html: str | None = None
    language_code: str | None = None
    subscriptions_keys: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Send:
    """One recipient of one send: what `GET /v1/message/status` reports by requestId."""

    request_id: str
    channel: str  # email | sms | viber
    to: str
    contact_id: int | None
    status: str
    outbox_id: int
    external_request_id: str | None = None
    subscriptions_keys: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Balance:
    """What `GET /v1/balance` reports (§1.2): money, credit and prepaid messages. Every
    queued email or SMS spends a prepaid one while any are left, then its price; a send the
    balance and credit cannot pay for is not charged and ends `NO_MONEY`."""

    current: float = 0.0
    credit_limit: float = 0.0
    currency: str = "UAH"
    bonus_emails: int = 0
    bonus_smses: int = 0
    prices: dict[str, float] = field(default_factory=dict)  # channel -> price per message

    def charge(self, channel: str) -> bool:
        """Pay for one message; False when neither prepaid messages nor money and credit
        cover it (nothing is taken then)."""
        if channel == "email" and self.bonus_emails > 0:
            self.bonus_emails -= 1
        elif channel == "sms" and self.bonus_smses > 0:
            self.bonus_smses -= 1
        else:
            left = round(self.current - self.prices.get(channel, 0.0), 6)
            if left < -self.credit_limit:
                return False
            self.current = left
        return True


class Org:
    """One eSputnik organisation: its API keys and everything stored in it."""

    def __init__(self, id: int, name: str, user_email: str, api_keys: Iterable[str]) -> None:
        self.id, self.name, self.user_email = id, name, user_email
        self.api_keys = list(api_keys)
        self.contacts: dict[int, Contact] = {}
        self.by_email: dict[str, set[int]] = {}
        self.by_phone: dict[str, set[int]] = {}
        self.by_push: dict[str, set[int]] = {}
        self.by_external: dict[str, int] = {}
        self.contact_ids = itertools.count(100_000_001)
        self.groups: dict[int, Group] = {}
        self.group_ids = itertools.count(200_001)
        self.address_books: list[AddressBook] = []
        self.categories: dict[str, Category] = {}
        self.unsubscribed: set[str] = set()
        self.imports: dict[str, ImportSession] = {}
        self.events: list[Event] = []
        self.event_ids = itertools.count(1)
        self.event_types: dict[str, list[dict[str, Any]]] = {}  # key -> validated params
        self.orders: dict[str, Order] = {}
        self.messages: dict[int, EmailMessage] = {}
        self.message_ids = itertools.count(3_000_001)
        self.sends: dict[str, Send] = {}
        self.senders: dict[str, list[str]] = {"email": [], "sms": [], "viber": []}
        self.undeliverable_domains: set[str] = set()
        self.undeliverable_phones: set[str] = set()
        self.recent: dict[tuple[str, str], float] = {}  # (operation, body) -> accepted at
        self.balance = Balance()

    def repeated(self, key: tuple[str, str], now: float) -> bool:
        """Whether `key` was accepted less than a minute ago; if not, remember it now."""
        seen = self.recent.get(key)
        if seen is not None and now - seen < DUPLICATE_WINDOW:
            return True
        if len(self.recent) > 10_000:  # forget what fell out of the window
            self.recent = {k: t for k, t in self.recent.items() if now - t < DUPLICATE_WINDOW}
        self.recent[key] = now
        return False

    # -- contacts and their indexes -----------------------------------------------------
    def fields(self) -> dict[int, CustomField]:
        return {f.id: f for book in self.address_books for g in book.groups for f in g.fields}

    def save(self, c: Contact) -> Contact:
        self._unindex(c.id)
        self.contacts[c.id] = c
        for kind, index in (("email", self.by_email), ("sms", self.by_phone),
                            ("viber", self.by_phone), ("mobilepush", self.by_push)):
            for value in c.values(kind):
                index.setdefault(norm(value), set()).add(c.id)
        if c.external_customer_id:
            self.by_external[c.external_customer_id] = c.id
        return c

    def erase(self, c: Contact) -> None:
        self._unindex(c.id)
        self.contacts.pop(c.id, None)
        for g in self.groups.values():
            g.members.pop(c.id, None)
        self.events = [e for e in self.events if e.contact_id != c.id]

    def _unindex(self, cid: int) -> None:
        old = self.contacts.get(cid)
        if old is None:
            return
        for kind, index in (("email", self.by_email), ("sms", self.by_phone),
                            ("viber", self.by_phone), ("mobilepush", self.by_push)):
            for value in old.values(kind):
                index.get(norm(value), set()).discard(cid)
        if old.external_customer_id and self.by_external.get(old.external_customer_id) == cid:
            del self.by_external[old.external_customer_id]

    def latest(self, ids: Iterable[int], *, deleted: bool = True) -> Contact | None:
        """The most recently updated of these contacts (deleted ones only if `deleted`)."""
        found = [self.contacts[i] for i in ids if i in self.contacts]
        if not deleted:
            found = [c for c in found if not c.deleted]
        return max(found, key=lambda c: (c.updated, c.id), default=None)

    def find(self, *, external: str | None = None, email: str | None = None,
             phone: str | None = None, push: str | None = None) -> Contact | None:
        if external and external in self.by_external:
            return self.contacts[self.by_external[external]]
        for value, index in ((email, self.by_email), (phone, self.by_phone),
                             (push, self.by_push)):
            if value:
                hit = self.latest(index.get(norm(value), ()))
                if hit is not None:
                    return hit
        return None

    def live(self, cid: int) -> Contact | None:
        c = self.contacts.get(cid)
        return None if c is None or c.deleted else c

    # -- segments -----------------------------------------------------------------------
    def group_by_name(self, name: str) -> Group | None:
        return next((g for g in self.groups.values() if g.name == name), None)

    def members(self, g: Group) -> dict[int, float]:
        """Contact id -> time added, for any kind of segment."""
        if g.type == "Static":
            return {cid: ts for cid, ts in g.members.items() if self.live(cid)}
        if g.type == "Dynamic":
            rule = g.rule or {}
            return {c.id: c.created for c in self.contacts.values()
                    if not c.deleted and all(attr(c, k) == v for k, v in rule.items())}
        out: dict[int, float] = {}
        for part in g.parts:
            if part in self.groups and part != g.id:
                out.update(self.members(self.groups[part]))
        return out

    def segment_named(self, name: str) -> Group:
        """The segment called `name`, created (static) when there is none."""
        g = self.group_by_name(name)
        if g is None:
            g = Group(next(self.group_ids), name)
            self.groups[g.id] = g
        return g

    # -- writing contacts and events ----------------------------------------------------
    def new_contact(self, now: float, *, confirmed: bool = True) -> Contact:
        c = Contact(next(self.contact_ids), now, now, confirmed=confirmed)
        c.subscriptions = set(self.categories)  # new contacts get every category (assumption F)
        return c

    def find_for(self, raw: dict[str, Any]) -> Contact | None:
        """The contact a Contact body is about: externalCustomerId, then its first email,
        phone or push token."""
        channels = given_channels(raw)
        first = {kind: next((str(ch["value"]) for ch in channels if ch.get("type") == kind),
                            None)
                 for kind in ("email", "sms", "viber", "mobilepush")}
        return self.find(external=raw.get("externalCustomerId") or None, email=first["email"],
                         phone=first["sms"] or first["viber"], push=first["mobilepush"])

    def add_event(self, now: float, type_key: str, key_value: str | None,
                  params: list[dict[str, Any]], contact_id: int | None,
                  version: str = "internal") -> Event:
        event = Event(next(self.event_ids), type_key, key_value, params, contact_id, now,
                      version)
        self.events.append(event)
        if len(self.events) > MAX_EVENTS:  # bounded: the oldest tenth goes at once
            del self.events[: MAX_EVENTS // 10]
        return event


def attr(c: Contact, name: str) -> Any:
    return {"languageCode": c.language_code, "timeZone": c.time_zone,
            "firstName": c.first_name, "lastName": c.last_name}.get(name)


def norm(value: str) -> str:
    """Channel values compare case-insensitively, phones without `+`, spaces or dashes."""
    v = value.strip().lower()
    if "@" in v:
        return v
    return "".join(ch for ch in v if ch not in " -()+") or v


class World:
    """Every organisation the fake knows, by API key, and the service's version (§1.4)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.version: dict[str, str] = {}
        self.orgs: dict[int, Org] = {}
        self.keys: dict[str, Org] = {}

    def add(self, org: Org) -> Org:
        self.orgs[org.id] = org
        for key in org.api_keys:
            self.keys[key] = org
        return org

    @property
    def default(self) -> Org:
        return next(iter(self.orgs.values()))


ApiCall = Call[World, Org]


def body_of(call: ApiCall) -> dict[str, Any]:
    """The JSON body as an object (the contract requires one where a handler reads it)."""
    return call.body if isinstance(call.body, dict) else {}


def new_uuid() -> str:
    return str(uuid.uuid4())


def one_or_many(items: list[Any]) -> Any:
    """The XML heritage: one element is an object, several an array (none: `[]`)."""
    return items[0] if len(items) == 1 else items


def blank(value: Any) -> bool:
    """No value: null, or text of blanks only (the WooCommerce plugin's `" "`)."""
    return value is None or (isinstance(value, str) and not value.strip())


def given_channels(raw: dict[str, Any]) -> list[Any]:
    """The channels of a body that have a value (a blank one is ignored)."""
    return [ch for ch in raw.get("channels") or ()
            if not (isinstance(ch, dict) and blank(ch.get("value")))]
