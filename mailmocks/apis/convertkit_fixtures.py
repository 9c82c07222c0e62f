"""Build a ConvertKit world from fixtures/convertkit.yaml (deterministic: Faker with a seed)."""
from __future__ import annotations

from typing import Any

from faker import Faker

from ..core.fixtures import load_fixture
from .convertkit import (
    Account,
    Broadcast,
    CustomField,
    Form,
    Purchase,
    Sequence,
    Subscriber,
    Subscription,
    Tag,
    World,
    field_key,
    parse_time,
    schedule_broadcast,
)


def _expand(spec: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """Generated subscribers written out (load_fixture caches the result per seed)."""
    for acct in spec["accounts"]:
        gen = acct.get("subscribers") or {}
        if isinstance(gen, dict):
            acct["subscribers"] = _generate(acct, gen, seed)
    return spec


def _generate(acct: dict[str, Any], gen: dict[str, Any], seed: int | None) -> list[dict[str, Any]]:
    fake = Faker()
    fake.seed_instance(gen.get("seed", 0) if seed is None else seed)
    start = _ts(acct.get("created_at", "2024-01-01T00:00:00Z"))
    keys = [field_key(label, ()) for label in acct.get("custom_fields", [])]
    tag_count, form_ids = len(acct.get("tags", [])), [f["id"] for f in acct.get("forms", [])]
    seq_ids = [s["id"] for s in acct.get("sequences", [])]
    people = []
    for i in range(1, int(gen.get("generate", 0)) + 1):
        first, last = fake.first_name(), fake.last_name()
        state = "active"
        if gen.get("cancelled_every") and i % gen["cancelled_every"] == 0:
            state = "cancelled"
        elif gen.get("inactive_every") and i % gen["inactive_every"] == 0:
            state = "inactive"
        values = {"last_name": last, "company": fake.company(),
                  "phone_number": fake.numerify("+1-###-###-####"),
                  "favourite_colour": fake.safe_color_name()}
        people.append({
            "email": f"{first}.{last}.{i}@{fake.free_email_domain()}".lower().replace(" ", ""),
            "first_name": first,
            "state": state,
            "created_at": start + i * 3600.0,
            "fields": {k: values.get(k) for k in keys if fake.boolean(85)},
            "tags": sorted({fake.random_int(1, tag_count) for _ in range(fake.random_int(0, 2))})
            if tag_count else [],
            "form": fake.random_element(form_ids) if form_ids else None,
            "sequence": fake.random_element(seq_ids) if seq_ids and fake.boolean(30) else None,
        })
    return people


def _ts(value: str) -> float:
    ts = parse_time(value)
    assert ts is not None
    return ts


def load_world(world: World, path: str, seed: int | None = None) -> World:
    spec = load_fixture(path, seed, _expand)
    now = world.services.clock.now()
    for a in spec["accounts"]:
        acct = world.add(Account(a["id"], a["name"], a["primary_email_address"],
                                 a.get("plan_type", "free"), a["api_key"], a["api_secret"],
                                 a.get("subscriber_limit")))
        born = _ts(a.get("created_at", "2024-01-01T00:00:00Z"))
        for label in a.get("custom_fields", []):
            fid = acct.fields.next_id()
            key = field_key(label, (f.key for f in acct.fields))
            acct.fields.put(fid, CustomField(fid, label, key))
        tag_ids = []
        for name in a.get("tags", []):
            tid = acct.tags.next_id()
            acct.tags.put(tid, Tag(tid, name, born, born))
            tag_ids.append(tid)
        for f in a.get("forms", []):
            acct.forms.put(f["id"], Form(created_at=born, **f))
        acct.forms.bump_ids(max([f["id"] for f in a.get("forms", [])], default=0))
        for s in a.get("sequences", []):
            acct.sequences.put(s["id"], Sequence(created_at=born, **s))
        acct.sequences.bump_ids(max([s["id"] for s in a.get("sequences", [])], default=0))
        emails = []
        for p in a.get("subscribers", []):
            sid = acct.subscribers.next_id()
            created = p["created_at"]
            acct.subscribers.put(sid, Subscriber(
                sid, p["email"], p["first_name"], p["state"], created, created,
                created + 86400 if p["state"] == "cancelled" else None, dict(p["fields"])))
            emails.append(p["email"])
            sub_state = p["state"]
            memberships = [("form", p["form"]), ("course", p["sequence"])]
            memberships += [("tag", tag_ids[t - 1]) for t in p["tags"]]
            for kind, target in memberships:
                if target is not None:
                    mid = acct.subscriptions.next_id()
                    acct.subscriptions.put(mid, Subscription(mid, kind, target, sid, sub_state,
                                                             created))
        for b in a.get("broadcasts", []):
            bid = acct.broadcasts.next_id()
            days = b.pop("send_in_days", None)
            broadcast = Broadcast(bid, now, **b)
            if days is not None:
                broadcast.send_at = now + days * 86400
            acct.broadcasts.put(bid, broadcast)
            schedule_broadcast(world, acct, broadcast)
        for p in a.get("purchases", []):
            pid = acct.purchases.next_id()
            email = p["email_address"]
            if email.startswith("from_subscriber "):
                email = emails[int(email.split()[1]) - 1]
            products = [{"sku": None, **item} for item in p["products"]]
            subtotal = round(sum(i["unit_price"] * i["quantity"] for i in products), 2)
            tax = float(p.get("tax", 0.0))
            acct.purchases.put(pid, Purchase(
                pid, p["transaction_id"], "paid", email, p["currency"],
                _ts(p["transaction_time"]), subtotal, 0.0, 0.0, tax, subtotal + tax, products))
    return world


