"""The ConvertKit world from a fixture file (fixtures/convertkit.yaml is the default).

`SCHEMA` is what a fixture file may hold; `core.load_fixture` checks a file against it,
runs `expand` (generated subscribers, Faker seeded: the same people every run) once per
(file, seed) and hands every world its own copy, which `build` turns into accounts.
"""
from __future__ import annotations

from typing import Any

from faker import Faker

from ...core import FixtureSchema
from .jobs import schedule_broadcast
from .model import (
    STATES,
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
)

DEFAULT_CREATED = "2024-01-01T00:00:00Z"
# what parse_time reads: a date, optionally a time (`T` or a space), optionally a zone
TIMESTAMP = {"type": "string",
             "pattern": r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                        r"(Z|[+-]\d{2}:?\d{2})?$"}
ID = {"type": "integer", "minimum": 1}
TEXT = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
FLAG = {"type": "boolean"}


def _closed(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties,
            "additionalProperties": False}


FORM = _closed(
    ["id", "name"], id=ID, name=TEXT, type={"enum": ["embed", "hosted"]},
    format={"enum": ["inline", "modal", "slide in", "sticky bar", None]}, uid=TEXT,
    archived=FLAG, double_opt_in=FLAG, title=TEXT, description=TEXT,
    sign_up_button_text=TEXT, success_message=TEXT, confirmation_subject=TEXT,
    confirmation_content=TEXT)
SEQUENCE = _closed(["id", "name"], id=ID, name=TEXT, hold=FLAG, repeat=FLAG)
EVERY = {"type": "integer", "minimum": 0}  # 0: never
# `subscribers` is a generator, or rows in the form a generator writes them out
GENERATED_ROW = _closed(
    ["email", "first_name", "state", "created_at", "fields", "tags", "form", "sequence"],
    email=TEXT, first_name=TEXT_OR_NULL, state={"enum": list(STATES)},
    created_at={"type": "number"},  # a Unix time
    fields={"type": "object", "additionalProperties": TEXT_OR_NULL},
    tags={"type": "array", "items": ID},  # positions in the account's `tags`, from 1
    form={"type": ["integer", "null"]}, sequence={"type": ["integer", "null"]})
SUBSCRIBERS = {
    "type": ["object", "array", "null"],
    "properties": {"generate": EVERY, "seed": {"type": "integer"},
                   "cancelled_every": EVERY, "inactive_every": EVERY},
    "additionalProperties": False,
    "items": GENERATED_ROW,
}
BROADCAST = _closed(
    [], subject=TEXT_OR_NULL, description=TEXT_OR_NULL, content=TEXT_OR_NULL, public=FLAG,
    email_address=TEXT_OR_NULL, email_layout_template=TEXT_OR_NULL,
    thumbnail_alt=TEXT_OR_NULL, thumbnail_url=TEXT_OR_NULL,
    send_in_days={"type": "number"})  # scheduled this long after the sandbox starts
PRODUCT = _closed(["name", "pid", "lid", "unit_price", "quantity"], name=TEXT,
                  pid={"type": ["integer", "string"]}, lid={"type": ["integer", "string"]},
                  unit_price={"type": "number"}, quantity={"type": "integer"},
                  sku=TEXT_OR_NULL)
PURCHASE = _closed(
    ["transaction_id", "email_address", "currency", "transaction_time", "products"],
    transaction_id=TEXT,
    # an address, or `from_subscriber <n>`: the n-th subscriber's (from 1)
    email_address=TEXT, currency=TEXT,
    transaction_time=TIMESTAMP, tax={"type": "number"},
    products={"type": "array", "items": PRODUCT})
ACCOUNT = _closed(
    ["id", "name", "primary_email_address", "api_key", "api_secret"],
    id=ID, name=TEXT, primary_email_address=TEXT, plan_type=TEXT, api_key=TEXT,
    api_secret=TEXT, subscriber_limit={"type": ["integer", "null"], "minimum": 0},
    created_at=TIMESTAMP, custom_fields={"type": "array", "items": TEXT},
    tags={"type": "array", "items": TEXT}, forms={"type": "array", "items": FORM},
    sequences={"type": "array", "items": SEQUENCE}, subscribers=SUBSCRIBERS,
    broadcasts={"type": "array", "items": BROADCAST},
    purchases={"type": "array", "items": PURCHASE})
SCHEMA = FixtureSchema(_closed(["accounts"],
                               accounts={"type": "array", "minItems": 1, "items": ACCOUNT}))


def expand(spec: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """Generated subscribers written out, and `from_subscriber <n>` purchase addresses
    resolved (load_fixture caches the result per file and seed)."""
    for n, acct in enumerate(spec["accounts"]):
        gen = acct.get("subscribers") or {}
        if isinstance(gen, dict):
            acct["subscribers"] = _generate(acct, gen, seed)
        emails = [p["email"] for p in acct["subscribers"]]
        for i, purchase in enumerate(acct.get("purchases", [])):
            words = purchase["email_address"].split()
            if len(words) == 2 and words[0] == "from_subscriber":
                if not (words[1].isdigit() and 1 <= int(words[1]) <= len(emails)):
                    raise ValueError(f"accounts[{n}].purchases[{i}].email_address: "
                                     f"{purchase['email_address']!r} names no subscriber "
                                     f"(there are {len(emails)})")
                purchase["email_address"] = emails[int(words[1]) - 1]
    return spec


def _generate(acct: dict[str, Any], gen: dict[str, Any], seed: int | None) -> list[dict[str, Any]]:
    fake = Faker()
    fake.seed_instance(gen.get("seed", 0) if seed is None else seed)
    start = _ts(acct.get("created_at", DEFAULT_CREATED))
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
    ts = parse_time(value, "fixture time")
    assert ts is not None
    return ts


def build(world: World, spec: dict[str, Any]) -> World:
    """The accounts of a checked, expanded fixture document (the world's own copy)."""
    now = world.services.clock.now()
    for a in spec["accounts"]:
        acct = world.add(Account(a["id"], a["name"], a["primary_email_address"],
                                 a.get("plan_type", "free"), a["api_key"], a["api_secret"],
                                 a.get("subscriber_limit")))
        born = _ts(a.get("created_at", DEFAULT_CREATED))
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
        for p in a["subscribers"]:
            sid = acct.subscribers.next_id()
            created = p["created_at"]
            acct.subscribers.put(sid, Subscriber(
                sid, p["email"], p["first_name"], p["state"], created, created,
                created + 86400 if p["state"] == "cancelled" else None, dict(p["fields"])))
            memberships = [("form", p["form"]), ("course", p["sequence"])]
            memberships += [("tag", tag_ids[t - 1]) for t in p["tags"]]
            for kind, target in memberships:
                if target is not None:
                    mid = acct.subscriptions.next_id()
                    acct.subscriptions.put(mid, Subscription(mid, kind, target, sid, p["state"],
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
            products = [{"sku": None, **item} for item in p["products"]]
            subtotal = round(sum(i["unit_price"] * i["quantity"] for i in products), 2)
            tax = float(p.get("tax", 0.0))
            acct.purchases.put(pid, Purchase(
                pid, p["transaction_id"], "paid", p["email_address"], p["currency"],
                _ts(p["transaction_time"]), subtotal, 0.0, 0.0, tax, subtotal + tax, products))
    return world
