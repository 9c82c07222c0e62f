"""HighLevel's state: locations (sub-accounts) with their blogs and email builder, and tokens.

Every record lives in a `Table` of its location, found by its string id through a unique
index; posts are also unique by `urlSlug` (per location) and grouped by blog and status so a
filtered, paged list never scans other blogs. Below the records: the logic the handlers share
(paging, matching, dates, recipients), on plain values.
"""
from __future__ import annotations

import math
import random
import string
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

from ...core import Call, Services, Table
from ..billetto import Source
from .errors import TYPE_WORDS, unprocessable

# Every published Version value (contracts/highlevel.yaml, decision 7): the spec files'
# `2021-04-15` and `2021-07-28`, the Node SDK's default `2023-02-21`, and `v3`.
VERSIONS = ("2021-04-15", "2021-07-28", "2023-02-21", "v3")
ALL_SCOPES = frozenset({
    "blogs/list.readonly", "blogs/posts.readonly", "blogs/post.write", "blogs/post-update.write",
    "blogs/check-slug.readonly", "blogs/category.readonly", "blogs/author.readonly",
    "emails/builder.readonly", "emails/builder.write", "emails/schedule.readonly",
    "emails/templates.readonly", "emails/templates.write", "emails/campaigns.readonly",
    "emails/campaigns.write", "emails/stats.readonly",
})
READONLY_SCOPES = frozenset(s for s in ALL_SCOPES if s.endswith(".readonly"))


@dataclass(slots=True)
class Token:
    value: str
    location_id: str
    scopes: frozenset[str]
    name: str = "Private Integration"


@dataclass(slots=True)
class BlogSite:
    id: str
    name: str
    domain: str


@dataclass(slots=True)
class Category:
    id: str
    label: str
    url_slug: str
    canonical_link: str
    updated_at: float


@dataclass(slots=True)
class Author:
    id: str
    name: str
    canonical_link: str
    updated_at: float


@dataclass(slots=True)
class Post:
    rid: int
    id: str
    blog_id: str
    title: str
    description: str
    image_url: str
    image_alt_text: str
    raw_html: str
    status: str  # DRAFT | PUBLISHED | SCHEDULED | ARCHIVED
    categories: list[str]
    tags: list[str]
    author: str
    url_slug: str
    canonical_link: str
    published_at: float
    updated_at: float
    current_version: str
    word_count: float | None = None
    type: str = "manual"
    job: Any = field(default=None, repr=False)  # the pending SCHEDULED -> PUBLISHED job

    @property
    def archived(self) -> bool:
        return self.status == "ARCHIVED"


@dataclass(slots=True)
class Template:
    rid: int
    id: str
    name: str
    template_type: str  # html | builder | folder
    updated_by: str
    version: str  # builderVersion "1" | "2"
    date_added: float
    last_updated: float
    parent_id: str = ""
    is_plain_text: bool = False
    archived: bool = False
    html: str = ""
    dnd: dict[str, Any] | None = None
    editor_type: str | None = None
    preview_text: str = ""
    template_source: str | None = None
    # sender details, set through the v3 API (the builder has no field for them)
    subject_line: str = ""
    from_name: str = ""
    from_email: str = ""

    @property
    def editor_type_v3(self) -> str:
        """How the v3 API names the editor: html, builder or (plain) text."""
        if self.is_plain_text:
            return "text"
        return "builder" if self.template_type == "builder" else "html"


@dataclass(slots=True)
class Schedule:
    rid: int
    id: str
    email_status: str  # the delivery state the `emailStatus` filter reads
    fields: dict[str, Any]  # the ScheduleDto as the API returns it


@dataclass(slots=True)
class Contact:
    """A contact of the location: who a campaign can be sent to (fixtures only)."""

    id: str
    first_name: str
    last_name: str
    email: str
    tags: list[str]
    engaged: bool = True  # opened something lately: the `engaged_*` segments
    dnd: bool = False  # "do not disturb": never emailed

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


STAT_FIELDS = ("accepted", "delivered", "opened", "clicked", "unsubscribed", "complained",
               "permanentFail", "temporaryFail", "rejected", "failed", "replied")


@dataclass(slots=True)
class Stats:
    """Delivery numbers of one campaign, workflow step or bulk action."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAT_FIELDS, 0))

    def add(self, other: Stats) -> None:
        for k, v in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + v

    def as_json(self) -> dict[str, float]:
        c = self.counts
        bounced = c["permanentFail"] + c["temporaryFail"]
        sent = c["delivered"] + c["accepted"] + bounced
        delivered = c["delivered"]

        def rate(n: int, of: int) -> float:
            return round(100.0 * n / of, 2) if of else 0.0
        return {"sent": sent, **{k: c[k] for k in STAT_FIELDS},
                "openRate": rate(c["opened"], delivered),
                "clickRate": rate(c["clicked"], delivered),
                "unsubscribeRate": rate(c["unsubscribed"], delivered),
                "complaintRate": rate(c["complained"], delivered),
                "bounceRate": rate(bounced, sent), "replyRate": rate(c["replied"], delivered)}


@dataclass(slots=True)
class Campaign:
    """A v3 email campaign: draft -> scheduled -> processing -> sent (or paused/cancelled)."""

    rid: int
    id: str
    source_id: str  # what the stats endpoint is asked with
    name: str
    status: str
    editor_type: str  # html | text | builder
    content: str
    created_at: float
    updated_at: float
    time_zone: str = "UTC"
    user_id: str = ""
    user_name: str = ""
    template_id: str = ""
    parent_folder_id: str = ""
    subject: str = ""
    from_name: str = ""
    from_email: str = ""
    reply_to: str = ""
    preview_text: str = ""
    schedule: dict[str, Any] = field(default_factory=dict)  # the accepted schedule request
    recipients: list[str] | None = None  # contact ids, frozen at schedule time
    stats: Stats = field(default_factory=Stats)
    jobs: list[Any] = field(default_factory=list, repr=False)  # pending send jobs


@dataclass(slots=True)
class WorkflowStep:
    id: str
    name: str
    template_id: str
    subject: str
    from_name: str
    from_email: str
    stats: Stats


@dataclass(slots=True)
class WorkflowCampaign:
    id: str
    source_id: str
    name: str
    status: str  # published | draft
    created_at: float
    updated_at: float
    steps: list[WorkflowStep]


@dataclass(slots=True)
class BulkAction:
    id: str
    source_id: str
    name: str
    status: str  # processing | scheduled | paused | complete | cancelled
    schedule_type: str  # NOW | SCHEDULED | DRIP
    template_id: str
    subject: str
    from_name: str
    from_email: str
    created_by: str
    created_at: float
    updated_at: float
    completed_at: float | None
    stats: Stats


class Location:
    """One sub-account: its blogs and email builder."""

    def __init__(self, id: str, name: str) -> None:
        self.id, self.name = id, name
        self.blogs: Table[BlogSite] = Table(unique={"id": lambda b: b.id})
        self.categories: Table[Category] = Table(unique={"id": lambda c: c.id})
        self.authors: Table[Author] = Table(unique={"id": lambda a: a.id})
        self.posts: Table[Post] = Table(
            unique={"id": lambda p: p.id, "slug": lambda p: p.url_slug},
            groups={"blog": lambda p: p.blog_id, "blog_status": lambda p: (p.blog_id, p.status)})
        self.templates: Table[Template] = Table(unique={"id": lambda t: t.id})
        self.schedules: Table[Schedule] = Table(unique={"id": lambda s: s.id})
        self.tags: dict[str, str] = {}  # tag id -> name
        self.contacts: Table[Contact] = Table(unique={"id": lambda c: c.id})
        self.campaigns: Table[Campaign] = Table(
            unique={"id": lambda c: c.id, "source": lambda c: c.source_id})
        self.workflows: Table[WorkflowCampaign] = Table(
            unique={"id": lambda w: w.id, "source": lambda w: w.source_id})
        self.bulk_actions: Table[BulkAction] = Table(
            unique={"id": lambda b: b.id, "source": lambda b: b.source_id})


@dataclass(slots=True)
class Auth:
    """Who is calling (the tenant): set on `call.tenant` by `HighLevelApi.authenticate`."""

    token: Token
    location: Location
    version: str


class World:
    """Every location and token the fake knows, the limits, and the Billetto event source
    that feeds this HighLevel sandbox (its secret, targets and emitted events)."""

    def __init__(self, services: Services, seed: int = 0) -> None:
        self.services = services
        self.locations: dict[str, Location] = {}
        self.tokens: dict[str, Token] = {}
        self.burst_limit = 100
        self.burst_window = 10.0  # seconds
        self.daily_limit = 200_000
        self.billetto = Source("", seed)
        self.seed = seed
        self.rng = random.Random(seed)
        self._object_ids = 0

    def add(self, location: Location) -> Location:
        self.locations[location.id] = location
        return location

    @property
    def default(self) -> Location:
        return next(iter(self.locations.values()))

    # ids shaped like the real ones
    def object_id(self) -> str:
        """24 hex characters, like a MongoDB ObjectId: seconds, then a counter."""
        self._object_ids += 1
        return f"{int(self.services.clock.now()) & 0xFFFFFFFF:08x}{self._object_ids:016x}"

    def short_id(self) -> str:
        """20 alphanumerics, like location, blog and template ids."""
        return "".join(self.rng.choices(string.ascii_letters + string.digits, k=20))

    def trace_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def template(self, template_id: str) -> tuple[Location, Template] | None:
        for loc in self.locations.values():
            found = loc.templates.by("id", template_id)
            if found is not None:
                return loc, found
        return None


ApiCall = Call[World, Auth]
R = TypeVar("R")
PREVIEW_PATH = "/_sandbox/emails/preview/{template_id}"
DOWNLOAD_PATH = "/_sandbox/emails/download/{template_id}"
CAMPAIGN_CONTENT_PATH = "/_sandbox/emails/campaigns/{campaign_id}"


# -- paging, matching and dates --------------------------------------------------------------
def count(params: dict[str, Any], name: str, default: int = 0) -> int:
    """A paging number from the query (validated >= 0); class-validator refuses NaN/Infinity."""
    value = params.get(name, default)
    if not math.isfinite(value):
        raise unprocessable(f"{name} {TYPE_WORDS['number']}")
    return int(value)


def window(items: Iterable[R], offset: int, limit: int) -> list[R]:
    """Items offset..offset+limit of an iterable, reading no further than the page."""
    out = []
    for i, item in enumerate(items):
        if i >= offset + limit:
            break
        if i >= offset:
            out.append(item)
    return out


def matches(text: str, term: str | None) -> bool:
    """`search`/`searchTerm`: a case-insensitive substring (contracts/highlevel.yaml,
    assumption E)."""
    return not term or term.lower() in text.lower()


def parse_time(value: str, name: str = "publishedAt") -> float:
    """An ISO-8601 date-time that stays within years 1-9999 once in UTC, else the 422."""
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc).timestamp()
    except (ValueError, OverflowError):
        raise unprocessable(f"{name} must be a valid ISO 8601 date string") from None


# -- templates and recipients ----------------------------------------------------------------
def preview_url(base_url: str, template: Template) -> str:
    """The sandbox page rendering a template's saved HTML (D-10); folders have none."""
    if template.template_type == "folder":
        return ""
    return base_url + PREVIEW_PATH.format(template_id=template.id)


def remove_template(loc: Location, template: Template) -> None:
    """Delete a template or folder; a folder's children move to the top level."""
    loc.templates.delete(template.rid)
    if template.template_type == "folder":
        for child in loc.templates:
            if child.parent_id == template.id:
                child.parent_id = ""


SEGMENT_ENGAGED = {"engaged_last_7_days", "engaged_last_30_days", "engaged_last_60_days",
                   "engaged_last_5_campaigns"}


def resolve_recipients(loc: Location, spec: dict[str, Any]) -> list[str]:
    """Contact ids a recipients selector names, in the location's order."""
    kind = spec["type"]
    if kind == "contact":
        wanted = set(spec["contactIds"])
        return [c.id for c in loc.contacts if c.id in wanted]
    if kind == "tag":
        tags = set(spec["tagIds"])
        return [c.id for c in loc.contacts if tags & set(c.tags)]
    engaged = spec["segment"] in SEGMENT_ENGAGED
    return [c.id for c in loc.contacts if c.engaged == engaged]
