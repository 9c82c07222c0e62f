"""Parcelvoy's state: projects and their keys, users, events, subscriptions, campaigns,
templates, sends and journeys, kept like its database tables (global ids, `project_id`
columns; docs/vendors/parcelvoy.md §8), the JSON each one is shown as, and what a handler
sees: `ApiCall`, whose tenant is the `Access` the key's checks produced.
"""
from __future__ import annotations

import copy
import functools
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any, TypeVar

import phonenumbers

from ...core import Call, Services, Table, iso

R = TypeVar("R")

ROLES = ("support", "editor", "admin")  # ascending
CHANNELS = ("email", "text", "push", "webhook")
UNSUBSCRIBED, SUBSCRIBED, OPTED_IN = 0, 1, 2


def collate(text: str) -> str:
    """How MySQL 8's default collation (utf8mb4_0900_ai_ci) compares text: case- and
    accent-insensitive, so `ANN`, `ann` and `ánn` are one external id (the unique index and
    every `where external_id = ?`). An approximation: NFKD without combining marks, casefolded.
    Text longer than the 255-character columns names nothing stored and is not cached."""
    return _collate(text) if len(text) <= 255 else text


@functools.lru_cache(maxsize=4096)
def _collate(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_PUNCTUATION = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff0d/\uff0f.\uff0e\[\]\uff3b"
                          r"\uff3d()\uff08\uff09~\u2053\u223c\uff5e]+")


@functools.lru_cache(maxsize=4096)
def _phone(text: str) -> phonenumbers.PhoneNumber | None:
    try:  # libphonenumber-js `parsePhoneNumber(text)`: no default country, undefined if none
        return phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None


def phone_traits(text: str) -> dict[str, Any] | None:
    """User.formatJson: `phone_country` (absent when none) and `phone_is_valid`."""
    number = _phone(text)
    if number is None:
        return None
    country = phonenumbers.region_code_for_number(number)
    valid = phonenumbers.is_valid_number(number)
    return {"phone_country": country, "phone_is_valid": valid} if country else {
        "phone_is_valid": valid}


def display_phone(text: str | None) -> str | None:
    """User.toJSON: a parseable phone shown by `formatInternational()`, whose separator style
    is one space (`+1 234 567 8900`)."""
    number = _phone(text) if text else None
    if number is None:
        return text
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return _PUNCTUATION.sub(" ", formatted).strip()


def new_uuid() -> str:
    return str(uuid.uuid4())


MAX_EVENTS = 100_000  # events kept per sandbox (the oldest go first)


@dataclass(slots=True)
class Project:
    id: int
    name: str
    locale: str = "en"
    timezone: str = "UTC"
    text_opt_out_message: str | None = None
    text_help_message: str | None = None
    link_wrap_email: bool = False
    link_wrap_push: bool = False
    description: str = ""  # the column's default
    organization_id: int = 1  # a single-organisation installation
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass(slots=True)
class Key:
    value: str
    project_id: int
    name: str
    role: str = "support"
    deleted_at: float | None = None

    @property
    def scope(self) -> str:
        """From the prefix only, as the auth middleware decides it."""
        return "public" if self.value.startswith("pk_") else "secret"


@dataclass(slots=True)
class Device:
    device_id: str
    token: str | None = None
    os: str | None = None
    os_version: str | None = None
    model: str | None = None
    app_build: str | None = None
    app_version: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__
                if k in ("device_id", "token") or getattr(self, k) is not None}


@dataclass(slots=True)
class User:
    id: int
    project_id: int
    anonymous_id: str
    external_id: str | None
    created_at: float
    updated_at: float
    email: str | None = None
    phone: str | None = None
    timezone: str | None = None
    locale: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    devices: list[Device] | None = None


@dataclass(slots=True)
class UserEvent:
    id: int
    project_id: int
    user_id: int
    name: str
    data: dict[str, Any]
    created_at: float


@dataclass(slots=True)
class Subscription:
    id: int
    project_id: int
    name: str
    channel: str
    created_at: float
    updated_at: float


@dataclass(slots=True)
class UserSubscription:
    id: int
    subscription_id: int
    user_id: int
    state: int
    created_at: float
    updated_at: float


@dataclass(slots=True)
class Provider:
    id: int
    project_id: int
    name: str
    type: str  # e.g. smtp, twilio, local
    group: str  # the channel it sends
    created_at: float
    rate_limit: int | None = None
    fail: str | None = None  # a fake-only switch: every send through it fails with this error


@dataclass(slots=True)
class Campaign:
    id: int
    project_id: int
    name: str
    type: str  # blast | trigger
    channel: str
    state: str
    subscription_id: int
    provider_id: int
    created_at: float
    updated_at: float
    list_ids: list[int] | None = None
    exclusion_list_ids: list[int] | None = None
    send_in_user_timezone: bool = False
    send_at: str | None = None
    tags: list[str] = field(default_factory=list)
    sent: int = 0
    total: int = 0
    deleted_at: float | None = None


@dataclass(slots=True)
class Template:
    id: int
    project_id: int
    campaign_id: int
    type: str
    locale: str
    data: dict[str, Any]
    created_at: float
    updated_at: float


@dataclass(slots=True)
class CampaignSend:
    id: int
    campaign_id: int
    user_id: int
    reference_id: str
    reference_type: str | None
    state: str  # pending | sent | throttled | failed | bounced | aborted
    send_at: float
    created_at: float
    updated_at: float
    error: str | None = None  # why it failed or was aborted (the fake's note)
    message_ids: list[int] = field(default_factory=list)  # what reached the outbox


@dataclass(slots=True)
class JourneyStep:
    id: int
    type: str  # entrance (the only kind the fake runs)
    event_name: str | None = None  # an entrance entered by this event name


@dataclass(slots=True)
class Journey:
    id: int
    project_id: int
    name: str
    published: bool
    steps: dict[int, JourneyStep]


@dataclass(slots=True)
class JourneyEntrance:
    id: int
    journey_id: int
    user_id: int
    step_id: int
    created_at: float
    ended_at: float | None = None


class World:
    """Every project the fake knows, its keys, and the tables of the platform."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.public_url = "http://127.0.0.1:8025/parcelvoy"  # updated by each request
        self.projects: dict[int, Project] = {}
        self.keys: dict[str, Key] = {}
        self.users: Table[User] = Table(
            unique={"external": lambda u: (u.project_id, collate(u.external_id))
                    if u.external_id is not None else None,
                    "anonymous": lambda u: (u.project_id, collate(u.anonymous_id))},
            groups={"project": lambda u: u.project_id})
        # bounded like every store that grows with traffic: the newest 100,000 events
        self.events: Table[UserEvent] = Table(groups={"user": lambda e: e.user_id},
                                              maxlen=MAX_EVENTS)
        self.subscriptions: Table[Subscription] = Table(groups={"project": lambda s: s.project_id})
        self.user_subscriptions: Table[UserSubscription] = Table(
            unique={"pair": lambda us: (us.user_id, us.subscription_id)},
            groups={"user": lambda us: us.user_id})
        self.providers: Table[Provider] = Table(groups={"project": lambda p: p.project_id})
        self.campaigns: Table[Campaign] = Table(groups={"project": lambda c: c.project_id})
        self.templates: Table[Template] = Table(groups={"project": lambda t: t.project_id,
                                                        "campaign": lambda t: t.campaign_id})
        self.sends: Table[CampaignSend] = Table(
            unique={"key": lambda s: (s.campaign_id, s.user_id, s.reference_id)},
            groups={"campaign": lambda s: s.campaign_id, "user": lambda s: s.user_id})
        self.journeys: Table[Journey] = Table(groups={"project": lambda j: j.project_id})
        self.entrances: Table[JourneyEntrance] = Table(groups={"user": lambda e: e.user_id})

    @property
    def now(self) -> float:
        return self.services.clock.now()

    @property
    def default(self) -> Project:
        return next(iter(self.projects.values()))

    def keys_of(self, project_id: int) -> list[Key]:
        return [k for k in self.keys.values() if k.project_id == project_id]

    # -- lookups the platform does by (project, identity) ------------------------------
    def user_by_external(self, project_id: int, external_id: str) -> User | None:
        return self.users.by("external", (project_id, collate(external_id)))

    def user_by_anonymous(self, project_id: int, anonymous_id: str) -> User | None:
        return self.users.by("anonymous", (project_id, collate(anonymous_id)))

    def find_user(self, project_id: int, external_id: Any, anonymous_id: Any) -> User | None:
        """By external_id OR anonymous_id; when both match different users, external wins."""
        if isinstance(external_id, str):
            found = self.user_by_external(project_id, external_id)
            if found is not None:
                return found
        if isinstance(anonymous_id, str):
            return self.user_by_anonymous(project_id, anonymous_id)
        return None

    def subscription_state(self, user: User, subscription_id: int) -> int:
        row = self.user_subscriptions.by("pair", (user.id, subscription_id))
        return SUBSCRIBED if row is None else row.state  # no row means subscribed

    def live_campaign(self, project_id: int, campaign_id: int) -> Campaign | None:
        c = self.campaigns.get(campaign_id)
        if c is None or c.project_id != project_id or c.deleted_at is not None:
            return None
        return c


class Access:
    """The tenant of a call: the key's project, the key, and the entity its path names
    (the route param loader's find: a Campaign, Template, Subscription, User or Journey)."""

    __slots__ = ("project", "key", "entity")

    def __init__(self, project: Project, key: Key, entity: Any) -> None:
        self.project, self.key, self.entity = project, key, entity


ApiCall = Call[World, Access]


def body_of(call: ApiCall) -> Any:
    """The request body as a job keeps it: its own copy."""
    return copy.deepcopy(call.body)


def prune(value: Any) -> Any:
    """utilities/index.ts `prune`: null and "" go at every depth; an array turns into an
    object keyed by its indexes (`Object.entries` of it), as the server writes updates."""
    items = (value.items() if isinstance(value, dict)
             else ((str(i), v) for i, v in enumerate(value)))
    return {k: prune(v) if isinstance(v, dict | list) else v for k, v in items
            if v is not None and v != ""}


MAX_JSON_DEPTH = 100  # MySQL refuses a JSON document nested deeper ("exceeds the maximum depth")


def json_depth(value: Any) -> int:
    """MySQL's JSON_DEPTH: a scalar or an empty container is 1, each level of nesting adds 1."""
    depth, level = 0, [(value, 1)]
    while level:
        item, d = level.pop()
        depth = max(depth, d)
        if d > MAX_JSON_DEPTH:
            return d
        children = item.values() if isinstance(item, dict) else item if isinstance(
            item, list) else ()
        level.extend((child, d + 1) for child in children)
    return depth


def fits_json(value: Any) -> bool:
    return json_depth(value) <= MAX_JSON_DEPTH


def fits(value: Any, size: int) -> bool:
    """Whether a VARCHAR(size) column takes `value` (strict mode refuses longer text)."""
    return not isinstance(value, str) or len(value) <= size


def rows_of(table: Table[R], group: str, key: Any) -> list[R]:
    """The rows of one group of `table`, in id order."""
    return [r for i in table.ids(group, key) if (r := table.get(i)) is not None]


# -- JSON, as the platform's models serialise ---------------------------------------------
_UNSET = object()


def _nullish(data: dict[str, Any], *keys: str) -> Any:
    """`data.a ?? data.b ?? ...`; _UNSET when every one is null or absent (undefined)."""
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return _UNSET


def _js_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _names(data: dict[str, Any]) -> dict[str, Any]:
    """User.ts getters: `firstName`/`lastName` are the first non-null of their keys, as stored
    (absent from the JSON when none); `fullName` a truthy full_name/fullName, else the truthy
    parts joined, else null."""
    out: dict[str, Any] = {}
    first = _nullish(data, "first_name", "firstName", "name")
    last = _nullish(data, "last_name", "lastName", "surname")
    if first is not _UNSET:
        out["first_name"] = first
    if last is not _UNSET:
        out["last_name"] = last
    full = _nullish(data, "full_name", "fullName")
    if full is _UNSET or not full:
        parts = [_js_text(p) for p in (first, last) if p is not _UNSET and p]
        full = " ".join(parts) or None
    out["full_name"] = full
    return out


def user_json(u: User, stored: bool = False) -> dict[str, Any]:
    """The user as User.toJSON shows it; `stored` keeps the phone as the column holds it (what
    a search compares), else it is shown formatted."""
    return {"id": u.id, "project_id": u.project_id, "anonymous_id": u.anonymous_id,
            "external_id": u.external_id, "email": u.email,
            "phone": u.phone if stored else display_phone(u.phone),
            "timezone": u.timezone, "locale": u.locale, "data": u.data,
            "devices": None if u.devices is None else [d.as_json() for d in u.devices],
            **_names(u.data),
            "created_at": iso(u.created_at), "updated_at": iso(u.updated_at)}


def project_json(p: Project) -> dict[str, Any]:
    """The `projects` row as the model holds it (every column, booleans cast by typeCast)."""
    return {"id": p.id, "organization_id": p.organization_id, "name": p.name,
            "description": p.description, "locale": p.locale, "timezone": p.timezone,
            "text_opt_out_message": p.text_opt_out_message,
            "text_help_message": p.text_help_message, "link_wrap_email": p.link_wrap_email,
            "link_wrap_push": p.link_wrap_push, "created_at": iso(p.created_at),
            "updated_at": iso(p.updated_at), "deleted_at": None}


def event_json(e: UserEvent) -> dict[str, Any]:
    return {"id": e.id, "project_id": e.project_id, "user_id": e.user_id, "name": e.name,
            "data": e.data, "created_at": iso(e.created_at), "updated_at": iso(e.created_at)}


def subscription_json(s: Subscription) -> dict[str, Any]:
    return {"id": s.id, "project_id": s.project_id, "name": s.name, "channel": s.channel,
            "created_at": iso(s.created_at), "updated_at": iso(s.updated_at)}


def user_subscription_json(us: UserSubscription, s: Subscription) -> dict[str, Any]:
    return {"id": us.id, "subscription_id": s.id, "name": s.name, "channel": s.channel,
            "state": us.state, "created_at": iso(us.created_at),
            "updated_at": iso(us.updated_at)}


def provider_json(p: Provider) -> dict[str, Any]:
    return {"id": p.id, "project_id": p.project_id, "name": p.name, "type": p.type,
            "group": p.group, "rate_limit": p.rate_limit, "created_at": iso(p.created_at),
            "updated_at": iso(p.created_at)}


def template_json(t: Template) -> dict[str, Any]:
    return {"id": t.id, "project_id": t.project_id, "campaign_id": t.campaign_id,
            "type": t.type, "locale": t.locale, "data": t.data,
            "created_at": iso(t.created_at), "updated_at": iso(t.updated_at)}


def campaign_json(world: World, c: Campaign, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id, "project_id": c.project_id, "name": c.name, "type": c.type,
        "channel": c.channel, "state": c.state, "subscription_id": c.subscription_id,
        "provider_id": c.provider_id, "list_ids": c.list_ids,
        "exclusion_list_ids": c.exclusion_list_ids,
        "send_in_user_timezone": c.send_in_user_timezone, "send_at": c.send_at,
        "delivery": {"sent": c.sent, "total": c.total, "opens": 0, "clicks": 0},
        "created_at": iso(c.created_at), "updated_at": iso(c.updated_at)}
    if c.tags:  # getTags: a Map of the tagged ones, names sorted; an untagged campaign has none
        out["tags"] = sorted(set(c.tags))
    if full:  # getCampaign; lists are not modelled, so no list id names one
        out["templates"] = [template_json(t) for t in templates_of(world, c)]
        out["lists"], out["exclusion_lists"] = [], []
        if c.state == "loading":  # campaignPopulationProgress: counters nothing has set
            out["progress"] = {"complete": 0, "total": 0}
        # getSubscription / getProvider look within the campaign's project only
        sub = world.subscriptions.get(c.subscription_id)
        if sub is not None and sub.project_id == c.project_id:
            out["subscription"] = subscription_json(sub)
        provider = world.providers.get(c.provider_id)
        if provider is not None and provider.project_id == c.project_id:
            out["provider"] = provider_json(provider)
    return out


def templates_of(world: World, c: Campaign) -> list[Template]:
    return rows_of(world.templates, "campaign", c.id)
