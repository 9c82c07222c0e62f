"""Build an eSputnik world from fixtures/esputnik.yaml (deterministic: Faker with a seed)."""
from __future__ import annotations

import itertools
from typing import Any

from faker import Faker

from ...core.fixtures import load_fixture
from .model import (
    AddressBook,
    Category,
    Contact,
    CustomField,
    EmailMessage,
    FieldGroup,
    Group,
    Org,
    World,
    norm,
)


def load_world(world: World, path: str, seed: int | None = None) -> World:
    spec = load_fixture(path)
    now = world.services.clock.now()
    for raw in spec["organisations"]:
        world.add(load_org(raw, now, seed))
    return world


def load_org(raw: dict[str, Any], now: float, seed: int | None) -> Org:
    org = Org(raw["id"], raw["name"], raw["user_email"], raw["api_keys"])
    for kind, names in (raw.get("senders") or {}).items():
        org.senders[kind] = [n.lower() if kind == "email" else n for n in names]
    org.undeliverable_domains = {d.lower() for d in raw.get("undeliverable_domains") or ()}
    org.undeliverable_phones = {norm(p) for p in raw.get("undeliverable_phones") or ()}
    for book in raw.get("address_books") or ():
        org.address_books.append(AddressBook(book["id"], book["name"], [
            FieldGroup(g["name"], g["profile_key"], [
                CustomField(f["id"], f["name"], f["key"], f["type"],
                            possible_values=f.get("values")) for f in g["fields"]])
            for g in book["field_groups"]]))
    for cat in raw.get("subscription_categories") or ():
        org.categories[cat["key"]] = Category(cat["id"], cat["key"], cat["name"],
                                              cat["group_id"], now)
    for seg in raw.get("segments") or ():
        org.groups[seg["id"]] = Group(seg["id"], seg["name"], seg.get("type", "Static"),
                                      rule=seg.get("rule"), parts=list(seg.get("parts") or ()))
    org.event_types = dict(raw.get("event_types") or {})
    people = list(raw.get("contacts") or ()) + generated(raw, seed)
    for i, person in enumerate(people):
        add_person(org, person, now - (len(people) - i) * 60.0)
    for msg in raw.get("messages") or ():
        org.messages[msg["id"]] = EmailMessage(
            msg["id"], msg["name"], msg["from"], msg["subject"], msg["html"], now, now,
            tags=list(msg.get("tags") or ()),
            subscriptions_keys=list(msg.get("subscriptions_keys") or ()))
    _bump(org)
    return org


def generated(raw: dict[str, Any], seed: int | None) -> list[dict[str, Any]]:
    gen = raw.get("generated") or {}
    if not gen.get("count"):
        return []
    fake = Faker()
    fake.seed_instance(gen.get("seed", 0) if seed is None else seed)
    first_id = max((c["id"] for c in raw.get("contacts") or ()), default=100_000_000) + 1
    out = []
    for i in range(int(gen["count"])):
        first, last = fake.first_name(), fake.last_name()
        person: dict[str, Any] = {
            "id": first_id + i, "firstName": first, "lastName": last,
            "email": f"{first}.{last}.{i + 1}@{fake.free_email_domain()}".lower(),
            "languageCode": fake.random_element(["en", "uk", "de"]),
            "fields": {15869: fake.city()},
        }
        if fake.boolean(40):
            person["sms"] = "+38050" + fake.numerify("#######")
        if gen.get("segment"):
            person["segments"] = [gen["segment"]]
        out.append(person)
    return out


def add_person(org: Org, p: dict[str, Any], at: float) -> None:
    c = Contact(p["id"], at, at, first_name=p.get("firstName"), last_name=p.get("lastName"),
                external_customer_id=p.get("externalCustomerId"),
                language_code=p.get("languageCode"))
    for kind in ("email", "sms"):
        if p.get(kind):
            c.channels.append({"type": kind, "value": p[kind]})
    c.fields = {int(k): str(v) for k, v in (p.get("fields") or {}).items()}
    c.subscriptions = set(p.get("subscriptions") or org.categories)
    org.save(c)
    for gid in p.get("segments") or ():
        org.groups[gid].members[c.id] = at


def _bump(org: Org) -> None:
    """New ids continue after the fixtures' fixed ids."""
    top_contact = max(org.contacts, default=100_000_000)
    org.contact_ids = itertools.count(max(top_contact + 1, 100_000_001))
    org.group_ids = itertools.count(max(org.groups, default=200_000) + 1)
    org.message_ids = itertools.count(max(org.messages, default=3_000_000) + 1)
