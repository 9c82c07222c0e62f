"""The seed data of a Parcelvoy world: fixtures/parcelvoy.yaml (or a file of the same shape).

`SCHEMA` is the file's shape; `expand` writes out the Faker-generated users (seeded, so every
world of one seed gets the same people); `load` reads, checks and expands a file once per
(file, seed) through `core.load_fixture`; `build` fills a world from that document.
"""
from __future__ import annotations

from typing import Any

from faker import Faker

from ...core import FixtureError, FixtureSchema, load_fixture
from .model import (
    CHANNELS,
    ROLES,
    SUBSCRIBED,
    UNSUBSCRIBED,
    Campaign,
    Device,
    Journey,
    JourneyStep,
    Key,
    Project,
    Provider,
    Subscription,
    Template,
    User,
    UserSubscription,
    World,
    phone_traits,
)

CAMPAIGN_STATES = ("draft", "scheduled", "loading", "running", "finished", "aborting",
                   "aborted")


def _obj(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties,
            "additionalProperties": False}


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


INT, STR, BOOL = {"type": "integer"}, {"type": "string"}, {"type": "boolean"}
STR_OR_NULL = {"type": ["string", "null"]}
DEVICE = _obj(["device_id"], device_id=STR, token=STR_OR_NULL, os=STR_OR_NULL,
              os_version=STR_OR_NULL, model=STR_OR_NULL, app_build=STR_OR_NULL,
              app_version=STR_OR_NULL)
USER = _obj([], external_id=STR_OR_NULL, anonymous_id=STR_OR_NULL, email=STR_OR_NULL,
            phone=STR_OR_NULL, timezone=STR_OR_NULL, locale=STR_OR_NULL,
            data={"type": ["object", "null"]}, devices=_list(DEVICE),
            unsubscribed=_list(INT))  # subscription ids the user has left
GENERATED_USERS = _obj(["generate"], generate={"type": "integer", "minimum": 0}, seed=INT)
SCHEMA = FixtureSchema(_obj(["projects"], projects={**_list(_obj(
    ["id", "name"],
    id=INT, name=STR, locale=STR, timezone=STR,
    text_opt_out_message=STR_OR_NULL, text_help_message=STR_OR_NULL, description=STR,
    link_wrap_email=BOOL, link_wrap_push=BOOL,
    keys=_list(_obj(["name", "value"], name=STR, value=STR, role={"enum": list(ROLES)},
                    revoked=BOOL)),
    subscriptions=_list(_obj(["id", "name", "channel"], id=INT, name=STR,
                             channel={"enum": list(CHANNELS)})),
    providers=_list(_obj(["id", "name", "type", "group"], id=INT, name=STR, type=STR,
                         group={"enum": list(CHANNELS)}, rate_limit={"type": ["integer", "null"]},
                         fail=STR_OR_NULL)),
    campaigns=_list(_obj(["id", "name", "type", "subscription_id", "provider_id"],
                         id=INT, name=STR, type={"enum": ["blast", "trigger"]},
                         state={"enum": list(CAMPAIGN_STATES)}, subscription_id=INT,
                         provider_id=INT, tags=_list(STR),
                         templates=_list(_obj(["id", "locale", "data"], id=INT, locale=STR,
                                              data={"type": "object"})))),
    journeys=_list(_obj(["id", "name"], id=INT, name=STR, published=BOOL,
                        steps=_list(_obj(["id", "type"], id=INT, type=STR,
                                         event_name=STR_OR_NULL)))),
    # a user, or `{generate: n, seed: s}` for n Faker-made users
    users=_list({"if": {"type": "object", "required": ["generate"]},
                 "then": GENERATED_USERS, "else": USER}),
)), "minItems": 1}))


def _generated(gen: dict[str, Any], seed: int | None) -> list[dict[str, Any]]:
    fake = Faker()
    fake.seed_instance(gen.get("seed", 0) if seed is None else seed)
    people = []
    for i in range(1, int(gen["generate"]) + 1):
        first, last = fake.first_name(), fake.last_name()
        people.append({"external_id": f"user-{i:03d}",
                       "email": f"{first}.{last}.{i}@example.net".lower().replace(" ", ""),
                       "phone": fake.numerify("+1555#######") if i % 3 == 0 else None,
                       "locale": fake.random_element(["en", "en-US", "es", "fr"]),
                       "timezone": fake.random_element(["UTC", "America/New_York",
                                                        "Europe/Paris"]),
                       "data": {"first_name": first, "last_name": last,
                                "company": fake.company()}})
    return people


def expand(doc: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """Every `{generate: n}` entry of a project's users becomes its n generated users (the
    sandbox's seed, when given, wins over the entry's own)."""
    for project in doc["projects"]:
        project["users"] = [person for u in project.get("users", [])
                            for person in (_generated(u, seed) if "generate" in u else [u])]
        for person in project["users"]:  # as the platform writes them (User.formatJson),
            if person.get("phone"):      # worked out once per file, not per world
                traits = phone_traits(person["phone"])
                if traits:
                    person["data"] = {**(person.get("data") or {}), **traits}
    return doc


def load(path: str, seed: int | None = None) -> dict[str, Any]:
    """The checked, expanded document (Faker runs once per file and seed; each call gets its
    own copy)."""
    return load_fixture(path, seed, expand, SCHEMA)


def build(world: World, doc: dict[str, Any], source: str = "fixtures") -> World:
    """Fill `world` from a document `load` returned."""
    now = world.now
    for i, p in enumerate(doc["projects"]):
        project = Project(p["id"], p["name"], p.get("locale", "en"), p.get("timezone", "UTC"),
                          p.get("text_opt_out_message"), p.get("text_help_message"),
                          bool(p.get("link_wrap_email")), bool(p.get("link_wrap_push")),
                          p.get("description", ""), created_at=now, updated_at=now)
        world.projects[project.id] = project
        for k in p.get("keys", []):
            world.keys[k["value"]] = Key(k["value"], project.id, k["name"],
                                         k.get("role", "support"),
                                         now if k.get("revoked") else None)
        for s in p.get("subscriptions", []):
            world.subscriptions.put(s["id"], Subscription(s["id"], project.id, s["name"],
                                                          s["channel"], now, now))
        for pr in p.get("providers", []):
            world.providers.put(pr["id"], Provider(pr["id"], project.id, pr["name"], pr["type"],
                                                   pr["group"], now, pr.get("rate_limit"),
                                                   pr.get("fail")))
        for j, c in enumerate(p.get("campaigns", [])):
            sub = world.subscriptions.get(c["subscription_id"])
            if sub is None:
                raise FixtureError(f"{source}: projects[{i}].campaigns[{j}].subscription_id: "
                                   f"no subscription {c['subscription_id']}")
            state = c.get("state", "running" if c["type"] == "trigger" else "draft")
            world.campaigns.put(c["id"], Campaign(
                c["id"], project.id, c["name"], c["type"], sub.channel, state, sub.id,
                c["provider_id"], now, now, tags=list(c.get("tags", []))))
            for t in c.get("templates", []):
                world.templates.put(t["id"], Template(t["id"], project.id, c["id"], sub.channel,
                                                      t["locale"], dict(t["data"]), now, now))
        for jn in p.get("journeys", []):
            steps = {s["id"]: JourneyStep(s["id"], s["type"], s.get("event_name"))
                     for s in jn.get("steps", [])}
            world.journeys.put(jn["id"], Journey(jn["id"], project.id, jn["name"],
                                                 jn.get("published", True), steps))
        for u in p.get("users", []):
            _add_user(world, project, u)
    for name in ("subscriptions", "providers", "campaigns", "templates", "journeys"):
        table = getattr(world, name)
        table.bump_ids(max((r.id for r in table), default=0))
    return world


def _add_user(world: World, project: Project, u: dict[str, Any]) -> None:
    now = world.now
    uid = world.users.next_id()
    devices = [Device(**d) for d in u.get("devices", [])] or None
    user = User(uid, project.id, u.get("anonymous_id") or f"anon-{project.id}-{uid:05d}",
                u.get("external_id"), now, now, u.get("email"), u.get("phone"),
                u.get("timezone"), u.get("locale"), dict(u.get("data") or {}), devices)
    world.users.put(uid, user)
    channels = {"email": user.email, "text": user.phone,
                "push": any(d.token for d in devices or [])}
    unsubscribed = set(u.get("unsubscribed", []))
    for sub in list(world.subscriptions):
        if sub.project_id == project.id and channels.get(sub.channel):
            rid = world.user_subscriptions.next_id()
            state = UNSUBSCRIBED if sub.id in unsubscribed else SUBSCRIBED
            world.user_subscriptions.put(rid, UserSubscription(rid, sub.id, uid, state, now,
                                                               now))
