"""A HighLevel world from fixtures/highlevel.yaml: checked, expanded once per seed, built.

`SCHEMA` is the fixture file's shape; `expand` writes out the Faker rows (generated posts and
email schedules, and the words of every post) for a seed, which `core.load_fixture` caches
per (file, seed); `build` turns the expanded document into a fresh World on the services
clock: times are days before (or after) now, so they are computed per world.
"""
from __future__ import annotations

from typing import Any

from faker import Faker

from ...core import FixtureSchema, Services, iso
from .jobs import schedule_publication
from .model import (
    ALL_SCOPES,
    READONLY_SCOPES,
    Author,
    BlogSite,
    BulkAction,
    Campaign,
    Category,
    Contact,
    Location,
    Post,
    Schedule,
    Stats,
    Template,
    Token,
    WorkflowCampaign,
    WorkflowStep,
    World,
)

DAY = 86_400.0
SCOPE_SETS = {"all": ALL_SCOPES, "readonly": READONLY_SCOPES}
SCHEDULE_STATUSES = ["active"] * 5 + ["pause", "complete", "complete", "cancelled", "draft",
                                      "retry", "resend-scheduled"]
EMAIL_STATUSES = {"active": ["scheduled", "processing", "queued", "waiting"],
                  "complete": ["complete", "success"], "pause": ["paused"],
                  "cancelled": ["cancelled"], "draft": ["not-started"], "retry": ["error"],
                  "resend-scheduled": ["scheduled"]}

# -- the file's shape ----------------------------------------------------------------------
_STR = {"type": "string"}
_INDEX = {"type": "integer", "minimum": 0}  # a position in an earlier list of the location
_COUNT = {"type": "integer", "minimum": 0}
_DAYS = {"type": "number"}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties,
            "additionalProperties": False}


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": ["object", "null"]}


_STATS = {"delivered": _COUNT, "opened": _COUNT, "clicked": _COUNT, "unsubscribed": _COUNT,
          "replied": _COUNT}
_SENDER = {"subject": _STR, "fromName": _STR, "fromEmail": _STR}
LOCATION = _object(
    ["id", "name"], id=_STR, name=_STR, created_at=_STR,
    tokens=_list(_object(["token", "name", "scopes"], token=_STR, name=_STR, scopes={
        "oneOf": [{"enum": list(SCOPE_SETS)}, _list(_STR)]})),
    blogs=_list(_object(["id", "name", "domain"], id=_STR, name=_STR, domain=_STR)),
    categories=_list(_object(["id", "label", "urlSlug"], id=_STR, label=_STR, urlSlug=_STR)),
    authors=_list(_object(["id", "name"], id=_STR, name=_STR)),
    posts=_nullable(_object([], generate=_COUNT, explicit=_list(_object(
        ["title", "urlSlug", "status", "blog", "categories", "author"], title=_STR,
        urlSlug=_STR, status={"enum": ["DRAFT", "PUBLISHED", "SCHEDULED", "ARCHIVED"]},
        blog=_INDEX, categories=_list(_INDEX), author=_INDEX, days_ago=_DAYS,
        days_ahead=_DAYS)))),
    templates=_list(_object(
        ["name", "type"], name=_STR, type={"enum": ["html", "builder", "folder"]},
        updatedBy=_STR, days_ago=_DAYS, html=_STR, parent=_INDEX, archived={"type": "boolean"})),
    schedules=_nullable(_object([], generate=_COUNT)),
    tags=_list(_object(["id", "name"], id=_STR, name=_STR)),
    contacts=_list(_object(
        ["id", "firstName", "lastName", "email", "tags"], id=_STR, firstName=_STR,
        lastName=_STR, email=_STR, tags=_list(_INDEX), engaged={"type": "boolean"},
        dnd={"type": "boolean"})),
    campaigns=_list(_object(
        ["name", "status"], name=_STR, status={"enum": [
            "sent", "failed", "archived", "draft", "processing", "scheduled", "cancelled",
            "paused"]}, template=_INDEX, days_ago=_DAYS, sent_to=_list(_INDEX), content=_STR,
        **_SENDER, **_STATS)),
    workflows=_list(_object(
        ["name", "status"], name=_STR, status={"enum": ["published", "draft"]},
        days_ago=_DAYS, steps=_list(_object(["name"], name=_STR, template=_INDEX, **_SENDER,
                                            **_STATS)))),
    bulk_actions=_list(_object(
        ["name", "status", "scheduleType"], name=_STR, status={"enum": [
            "processing", "scheduled", "paused", "complete", "cancelled"]},
        scheduleType={"enum": ["NOW", "SCHEDULED", "DRIP"]}, template=_INDEX,
        days_ago=_DAYS, createdBy=_STR, **_SENDER, **_STATS)),
)
SCHEMA = FixtureSchema(_object(
    ["locations"], seed={"type": "integer"},
    rate_limits=_nullable(_object([], burst=_COUNT, interval_ms={"type": "number",
                                                                  "exclusiveMinimum": 0},
                                  daily=_COUNT)),
    billetto=_nullable(_object([], webhook_secret=_STR)),
    locations={**_list(LOCATION), "minItems": 1}))


# -- Faker, once per (file, seed) ------------------------------------------------------------
def expand(spec: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """The generated rows written out, for `seed` (else the file's own): every post gets its
    words (`description`, `rawHTML`, `tags`, `wordCount`), `posts.generate` more PUBLISHED
    posts and `schedules.generate` email schedules (`rows`). References by position are
    checked here, so a bad one names its place in the file."""
    spec["seed"] = spec.get("seed", 0) if seed is None else seed
    fake = Faker()
    fake.seed_instance(spec["seed"])
    for n, loc in enumerate(spec["locations"]):
        _check_references(loc, f"locations[{n}]")
        posts = loc["posts"] = loc.get("posts") or {}
        rows = posts["explicit"] = list(posts.get("explicit", []))
        cats, authors = len(loc.get("categories", [])), len(loc.get("authors", []))
        for i in range(int(posts.get("generate", 0))):
            title = fake.sentence(nb_words=6).rstrip(".")
            rows.append({"title": title, "urlSlug": "-".join(title.lower().split()) + f"-{i + 1}",
                         "status": "PUBLISHED", "blog": 0,
                         "categories": [fake.random_int(0, cats - 1)],
                         "author": fake.random_int(0, authors - 1),
                         "days_ago": fake.random_int(3, 100)})
        for p in rows:
            p["description"] = fake.sentence(nb_words=12)
            p["rawHTML"] = f"<h1>{p['title']}</h1><p>{fake.paragraph()}</p>"
            p["tags"] = fake.words(nb=2)
            p["wordCount"] = float(fake.random_int(200, 1500))
        schedules = loc["schedules"] = loc.get("schedules") or {}
        schedules["rows"] = []
        for _ in range(int(schedules.get("generate", 0))):
            created_days_ago = fake.random_int(1, 200)
            schedules["rows"].append({"days_ago": created_days_ago,
                                      "name": f"{fake.catch_phrase()} campaign"})
    return spec


def _check_references(loc: dict[str, Any], where: str) -> None:
    """Positions that must name an earlier entry of the location (else a crash at build)."""
    sizes = {key: len(loc.get(key, [])) for key in ("blogs", "categories", "authors", "tags",
                                                     "contacts")}

    def check(value: int, key: str, place: str) -> None:
        if value >= sizes[key]:
            raise ValueError(f"{where}.{place}: {value} names no entry of {key} "
                             f"({sizes[key]} there)")
    for i, p in enumerate((loc.get("posts") or {}).get("explicit", [])):
        check(p["blog"], "blogs", f"posts.explicit[{i}].blog")
        for j, c in enumerate(p["categories"]):
            check(c, "categories", f"posts.explicit[{i}].categories[{j}]")
        check(p["author"], "authors", f"posts.explicit[{i}].author")
    if (loc.get("posts") or {}).get("generate") and not (sizes["blogs"] and sizes["categories"]
                                                          and sizes["authors"]):
        raise ValueError(f"{where}.posts.generate: needs a blog, a category and an author")
    for i, t in enumerate(loc.get("templates", [])):
        if "parent" in t and t["parent"] >= i:
            raise ValueError(f"{where}.templates[{i}].parent: {t['parent']} names no earlier "
                             f"template")
    for i, c in enumerate(loc.get("contacts", [])):
        for j, tag in enumerate(c["tags"]):
            check(tag, "tags", f"contacts[{i}].tags[{j}]")
    for i, c in enumerate(loc.get("campaigns", [])):
        for j, k in enumerate(c.get("sent_to", [])):
            check(k, "contacts", f"campaigns[{i}].sent_to[{j}]")


# -- a world, per sandbox (re)set -------------------------------------------------------------
def build(services: Services, spec: dict[str, Any]) -> World:
    """A fresh World from an expanded document (times on the services clock)."""
    world = World(services, spec["seed"])
    limits = spec.get("rate_limits") or {}
    world.burst_limit = int(limits.get("burst", world.burst_limit))
    world.burst_window = float(limits.get("interval_ms", 10_000)) / 1000
    world.daily_limit = int(limits.get("daily", world.daily_limit))
    world.billetto.secret = str((spec.get("billetto") or {}).get("webhook_secret",
                                                                 "whsec_test"))
    now = services.clock.now()
    for n, loc_spec in enumerate(spec["locations"]):
        loc = world.add(Location(loc_spec["id"], loc_spec["name"]))
        born = now - 365 * DAY
        for t in loc_spec.get("tokens", []):
            scopes = t["scopes"]
            world.tokens[t["token"]] = Token(
                t["token"], loc.id,
                SCOPE_SETS[scopes] if isinstance(scopes, str) else frozenset(scopes), t["name"])
        _blogs(loc, loc_spec, born)
        _posts(world, loc, loc_spec["posts"]["explicit"], now, prefix=f"66c381b3{n:04x}")
        _templates(world, loc, loc_spec.get("templates", []), now)
        _schedules(loc, loc_spec["schedules"]["rows"], now, n)
        _contacts(loc, loc_spec)
        _campaigns(loc, loc_spec.get("campaigns", []), now, n)
        _workflows(loc, loc_spec.get("workflows", []), now, n)
        _bulk_actions(loc, loc_spec.get("bulk_actions", []), now, n)
    return world


def _blogs(loc: Location, spec: dict[str, Any], born: float) -> None:
    domain = spec["blogs"][0]["domain"] if spec.get("blogs") else "blog.example.com"
    for b in spec.get("blogs", []):
        loc.blogs.put(loc.blogs.next_id(), BlogSite(b["id"], b["name"], b["domain"]))
    for c in spec.get("categories", []):
        loc.categories.put(loc.categories.next_id(), Category(
            c["id"], c["label"], c["urlSlug"],
            f"https://{domain}/category/{c['urlSlug']}", born))
    for a in spec.get("authors", []):
        slug = "-".join(a["name"].lower().split())
        loc.authors.put(loc.authors.next_id(), Author(
            a["id"], a["name"], f"https://{domain}/author/{slug}", born))


def _posts(world: World, loc: Location, rows: list[dict[str, Any]], now: float,
           prefix: str) -> None:
    blogs = list(loc.blogs)
    cats = [c.id for c in loc.categories]
    authors = [a.id for a in loc.authors]
    for i, p in enumerate(rows):
        rid = loc.posts.next_id()
        blog = blogs[p["blog"]]
        when = now - p.get("days_ago", 0) * DAY + p.get("days_ahead", 0) * DAY
        post = Post(
            rid=rid, id=f"{prefix}{i + 1:012x}", blog_id=blog.id, title=p["title"],
            description=p["description"], image_url=(
                f"https://storage.googleapis.com/mailmocks-sandbox/media/{prefix}{i + 1}.jpeg"),
            image_alt_text=p["title"], raw_html=p["rawHTML"], status=p["status"],
            categories=[cats[c] for c in p["categories"]], tags=list(p["tags"]),
            author=authors[p["author"]], url_slug=p["urlSlug"],
            canonical_link=f"https://{blog.domain}/post/{p['urlSlug']}", published_at=when,
            updated_at=min(when, now), current_version=f"{prefix}{i + 1:012x}"[::-1],
            word_count=p["wordCount"])
        loc.posts.put(rid, post)
        schedule_publication(world, loc, post)


def _templates(world: World, loc: Location, specs: list[dict[str, Any]], now: float) -> None:
    made: list[Template] = []
    for t in specs:
        when = now - t.get("days_ago", 0) * DAY
        kind = t["type"]
        template = Template(
            rid=loc.templates.next_id(), id=world.short_id(), name=t["name"],
            template_type=kind, updated_by=t.get("updatedBy", ""), version="2",
            date_added=when, last_updated=when,
            parent_id=made[t["parent"]].id if "parent" in t else "",
            archived=bool(t.get("archived", False)), html=t.get("html", ""),
            editor_type=None if kind == "folder" else kind)
        loc.templates.put(template.rid, template)
        made.append(template)


def _schedules(loc: Location, rows: list[dict[str, Any]], now: float, k: int) -> None:
    templates = [t for t in loc.templates if t.template_type != "folder"]
    for i, row in enumerate(rows):
        status = SCHEDULE_STATUSES[i % len(SCHEDULE_STATUSES)]
        sid = f"{k:02x}5a1f0e2b3c4d{i + 1:010x}"
        created = now - row["days_ago"] * DAY
        template = templates[i % len(templates)] if templates else None
        tid = template.id if template else ""
        fields = {
            "name": row["name"], "repeatAfter": "", "id": sid,
            "parentId": "", "childCount": 0, "campaignType": "email",
            "bulkActionVersion": "v2", "_id": sid, "status": status,
            "sendDays": ["Monday", "Wednesday", "Friday"] if i % 3 == 0 else [],
            "deleted": False, "migrated": True, "archived": i % 7 == 6, "hasTracking": True,
            "isPlainText": False, "hasUtmTracking": i % 2 == 0,
            "enableResendToUnopened": i % 4 == 0, "locationId": loc.id, "templateId": tid,
            "templateType": template.template_type if template else "html",
            "createdAt": iso(created), "updatedAt": iso(created + DAY), "__v": 0,
            "documentId": f"{sid[::-1]}",
            "downloadUrl": f"https://storage.googleapis.com/mailmocks-sandbox/campaigns/{sid}.html",
            "templateDataDownloadUrl": (
                f"https://storage.googleapis.com/mailmocks-sandbox/campaigns/{sid}.json"),
            "child": []}
        email_status = EMAIL_STATUSES[status][i % len(EMAIL_STATUSES[status])]
        rid = loc.schedules.next_id()
        loc.schedules.put(rid, Schedule(rid, sid, email_status, fields))


# -- Email API v3 ------------------------------------------------------------------------------
def _hex_id(kind: int, n: int, i: int) -> str:
    """24 hex characters, stable across runs: kind, location number, row number."""
    return f"6650{kind:04x}{n:04x}{i + 1:012x}"


def _stats(spec: dict[str, Any], delivered: int | None = None) -> Stats:
    stats = Stats()
    stats.counts["delivered"] = int(spec.get("delivered", 0) if delivered is None else delivered)
    for key in ("opened", "clicked", "unsubscribed", "replied"):
        stats.counts[key] = int(spec.get(key, 0))
    return stats


def _contacts(loc: Location, spec: dict[str, Any]) -> None:
    tags = [t["id"] for t in spec.get("tags", [])]
    loc.tags = {t["id"]: t["name"] for t in spec.get("tags", [])}
    for c in spec.get("contacts", []):
        loc.contacts.put(loc.contacts.next_id(), Contact(
            c["id"], c["firstName"], c["lastName"], c["email"], [tags[i] for i in c["tags"]],
            bool(c.get("engaged", True)), bool(c.get("dnd", False))))


def _template_of(loc: Location, index: int | None) -> Template | None:
    rows = list(loc.templates)
    return rows[index] if index is not None and index < len(rows) else None


def _campaigns(loc: Location, specs: list[dict[str, Any]], now: float, n: int) -> None:
    contacts = list(loc.contacts)
    for i, c in enumerate(specs):
        when = now - c.get("days_ago", 0) * DAY
        template = _template_of(loc, c.get("template"))
        sent_to = [contacts[k].id for k in c.get("sent_to", [])]
        rid = loc.campaigns.next_id()
        loc.campaigns.put(rid, Campaign(
            rid=rid, id=_hex_id(0xCA, n, i), source_id=_hex_id(0x5C, n, i), name=c["name"],
            status=c["status"], editor_type=template.editor_type_v3 if template else "html",
            content=template.html if template else c.get("content", ""), created_at=when,
            updated_at=when, template_id=template.id if template else "",
            subject=c.get("subject", ""), from_name=c.get("fromName", ""),
            from_email=c.get("fromEmail", ""), recipients=sent_to or None,
            stats=_stats(c, len(sent_to))))


def _workflows(loc: Location, specs: list[dict[str, Any]], now: float, n: int) -> None:
    for i, w in enumerate(specs):
        when = now - w.get("days_ago", 0) * DAY
        steps = []
        for j, step in enumerate(w.get("steps", [])):
            template = _template_of(loc, step.get("template"))
            steps.append(WorkflowStep(
                _hex_id(0x57, n, i * 16 + j), step["name"], template.id if template else "",
                step.get("subject", ""), step.get("fromName", loc.name),
                step.get("fromEmail", "hello@" + loc.name.lower().replace(" ", "-") + ".test"),
                _stats(step)))
        loc.workflows.put(loc.workflows.next_id(), WorkflowCampaign(
            _hex_id(0xF1, n, i), _hex_id(0xF5, n, i), w["name"], w["status"], when,
            when + DAY, steps))


def _bulk_actions(loc: Location, specs: list[dict[str, Any]], now: float, n: int) -> None:
    for i, b in enumerate(specs):
        when = now - b.get("days_ago", 0) * DAY
        template = _template_of(loc, b.get("template"))
        done = when + 3600 if b["status"] == "complete" else None
        loc.bulk_actions.put(loc.bulk_actions.next_id(), BulkAction(
            _hex_id(0xBA, n, i), _hex_id(0xB5, n, i), b["name"], b["status"],
            b["scheduleType"], template.id if template else "", b.get("subject", ""),
            b.get("fromName", loc.name), b.get("fromEmail", "hello@aurora-events.test"),
            b.get("createdBy", "zYy3YOUuHxgomU1uYJty"), when, done or when, done, _stats(b)))
