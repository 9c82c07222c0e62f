"""eSputnik state: organisations and what they hold (contacts, segments, events, orders,
sends), and the logic on plain values the handlers and jobs share: the documented field rules
(docs/vendors/esputnik.md §2.12) and how a contact body is written.

Contacts are looked up by channel value, and several contacts may share an email (the bulk
import's "most recently updated wins" rule needs that), so the indexes map a value to a set
of ids instead of using a unique index.
"""
from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
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


# -- the documented rules and contact writing, on plain values ------------------------
# No whitespace, quotes, brackets, separators or control characters (a NUL included).
EMAIL_RE = re.compile(r"^[^@\s\"<>,;\x00-\x1f\x7f]+@[^@\s\"<>,;\x00-\x1f\x7f]+"
                      r"\.[^@\s\"<>,;\x00-\x1f\x7f]{2,}\Z")  # \Z: no trailing newline
PHONE_RE = re.compile(r"^\+?[0-9]{7,15}\Z")
NAME_WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*\.?$")
SIMPLE_FIELDS = {"firstName": "first_name", "lastName": "last_name", "contactKey": "contact_key",
                 "languageCode": "language_code", "timeZone": "time_zone",
                 "externalCustomerId": "external_customer_id"}
ADDRESS_PARTS = {"address": "address", "town": "town", "region": "region",
                 "postcode": "postcode"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y", "%d.%m.%Y")


# -- validation (§2.12) ----------------------------------------------------------------------
def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def name_problem(label: str, value: Any) -> str | None:
    if blank(value):  # the WooCommerce plugin sends " " for a missing name: no name
        return None
    text = str(value).strip()
    if len(text) > 40:
        return f"{label} must not be longer than 40 characters"
    digits = sum(ch.isdigit() for ch in text)
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    letters_only = re.sub(r"\d", "", text)
    ok = bool(words) and digits <= 3 and any(ch.isalpha() for ch in text)
    for word in re.split(r"\s+", letters_only.strip()):
        if not word:
            continue
        if not NAME_WORD.match(word) or (word.endswith(".") and len(word) > 4):
            ok = False
    return None if ok else f"Invalid {label}: '{text}'"


def channel_problem(ch: dict[str, Any]) -> str | None:
    kind, value = ch.get("type"), str(ch.get("value", ""))
    if kind == "email" and not EMAIL_RE.match(value.strip()):
        return f"'{value}' is not valid email"
    if kind in ("sms", "viber") and not PHONE_RE.match(value.strip()):
        return f"'{value}' is not valid phone number"
    if not value.strip():
        return f"Empty value of {kind} channel"
    return None


def field_problem(org: Org, item: dict[str, Any]) -> str | None:
    known = org.fields()
    fid, value = item.get("id"), item.get("value")
    f = known.get(fid) if isinstance(fid, int) else None
    if f is None:
        return f"Field with id={fid} not found"
    if value in (None, ""):
        return None
    text = str(value)
    if f.type == "NUMBER":
        try:
            number = int(text)
        except ValueError:
            return f"Invalid value of field {f.name}: '{text}' is not a number"
        if not -(2**31) <= number < 2**31:
            return f"Invalid value of field {f.name}: '{text}' is out of range"
    elif f.type == "DATE" and not any(_parses(text, fmt) for fmt in DATE_FORMATS):
        return f"Invalid value of field {f.name}: '{text}' is not a date"
    elif f.type == "DATETIME" and not _parses(text, "%Y-%m-%dT%H:%M"):
        return f"Invalid value of field {f.name}: '{text}' is not a date and time"
    elif f.type == "COMBOBOX" and f.possible_values and text not in f.possible_values:
        return f"Invalid value of field {f.name}: '{text}' is not one of {f.possible_values}"
    elif f.type == "TEXTFIELD" and len(text) > 1000:
        return f"Value of field {f.name} must not be longer than 1000 characters"
    elif len(text) > 5000:
        return f"Value of field {f.name} must not be longer than 5000 characters"
    return None


def _parses(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


def given_channels(raw: dict[str, Any]) -> list[Any]:
    """The channels of a body that have a value (a blank one is ignored)."""
    return [ch for ch in raw.get("channels") or ()
            if not (isinstance(ch, dict) and blank(ch.get("value")))]


def contact_problem(org: Org, raw: dict[str, Any], *, need_channels: bool = True) -> str | None:
    channels = given_channels(raw)
    if need_channels and not channels:
        return "Contact must have at least one channel"
    counts: dict[str, int] = {}
    for ch in channels:
        if not isinstance(ch, dict):
            return "Invalid channel"
        counts[str(ch.get("type"))] = counts.get(str(ch.get("type")), 0) + 1
        problem = channel_problem(ch)
        if problem:
            return problem
    if any(n > 2 for n in counts.values()):
        return "A contact can have at most two channels of the same type"
    for label, key in (("first name", "firstName"), ("last name", "lastName")):
        problem = name_problem(label, raw.get(key))
        if problem:
            return problem
    for item in raw.get("fields") or ():
        problem = field_problem(org, item)
        if problem:
            return problem
    return None



def clean_channels(channels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for ch in channels:
        if blank(ch.get("value")):
            continue
        item = {k: v for k, v in ch.items() if k in ("type", "value", "device",
                                                      "webPushSubscription")}
        value = str(item["value"]).strip()
        item["value"] = value.lower() if item["type"] == "email" else value
        out.append(item)
    return out


def stored_value(key: str, value: Any) -> Any:
    """A contact field as stored: names trimmed, a blank value is none."""
    if key in ("firstName", "lastName") and isinstance(value, str):
        value = value.strip()
    return None if blank(value) else value


def apply_contact(org: Org, c: Contact, raw: dict[str, Any]) -> None:
    """Set every field present in `raw` (a Contact/ContactUpdate body)."""
    for key, slot in SIMPLE_FIELDS.items():
        if key in raw:
            setattr(c, slot, stored_value(key, raw[key]))
    if "channels" in raw and given_channels(raw):
        c.channels = clean_channels(raw["channels"])
    if "address" in raw:
        c.address = {k: v for k, v in (raw["address"] or {}).items()
                     if k in ADDRESS_PARTS and not blank(v)} or None
    if "addressBookId" in raw:
        c.address_book_id = raw["addressBookId"]
    for item in raw.get("fields") or ():
        c.fields[int(item["id"])] = item.get("value")
