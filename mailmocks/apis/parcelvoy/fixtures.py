"""Build a Parcelvoy world from fixtures/parcelvoy.yaml (deterministic: Faker with a seed)."""
from __future__ import annotations

from typing import Any

from faker import Faker

from ...core.fixtures import load_fixture
from .model import (
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
)


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


def load_world(world: World, path: str, seed: int | None = None) -> World:
    spec = load_fixture(path)
    now = world.now
    highest: dict[str, int] = {}
    for p in spec["projects"]:
        project = Project(p["id"], p["name"], p.get("locale", "en"), p.get("timezone", "UTC"),
                          p.get("text_opt_out_message"), p.get("text_help_message"))
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
        for c in p.get("campaigns", []):
            sub = world.subscriptions.get(c["subscription_id"])
            assert sub is not None, f"campaign {c['id']}: unknown subscription"
            state = c.get("state", "running" if c["type"] == "trigger" else "draft")
            world.campaigns.put(c["id"], Campaign(
                c["id"], project.id, c["name"], c["type"], sub.channel, state, sub.id,
                c["provider_id"], now, now, tags=list(c.get("tags", []))))
            for t in c.get("templates", []):
                world.templates.put(t["id"], Template(t["id"], project.id, c["id"], sub.channel,
                                                      t["locale"], dict(t["data"]), now, now))
        for j in p.get("journeys", []):
            steps = {s["id"]: JourneyStep(s["id"], s["type"], s.get("event_name"))
                     for s in j.get("steps", [])}
            world.journeys.put(j["id"], Journey(j["id"], project.id, j["name"],
                                                j.get("published", True), steps))
        for u in p.get("users", []):
            for person in _generated(u, seed) if "generate" in u else [u]:
                _add_user(world, project, person)
    for name in ("subscriptions", "providers", "campaigns", "templates", "journeys"):
        table = getattr(world, name)
        highest[name] = max((r.id for r in table), default=0)
        table.bump_ids(highest[name])
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
