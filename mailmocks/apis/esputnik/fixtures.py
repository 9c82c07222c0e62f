"""The eSputnik world from a fixture file (fixtures/esputnik.yaml).

`SCHEMA` says what the file may hold; `expand` writes out the Faker-generated contacts of
each organisation (seeded, so every run has the same people); `load` reads, checks and
expands a file once per (file, seed) through `core.load_fixture`; `build` makes a world from
the document it returns.
"""
from __future__ import annotations

import itertools
from typing import Any

from faker import Faker

from ...core import FixtureSchema, load_fixture
from .model import (
    AddressBook,
    Balance,
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

FIELD_TYPES = ["TEXTFIELD", "COMBOBOX", "CHECKBOXLIST", "TEXTAREA", "DATE", "NUMBER",
               "DATETIME", "DECIMAL", "TAGS"]  # docs/vendors/esputnik.md §3.4
STRINGS = {"type": "array", "items": {"type": "string"}}
SCALAR = {"type": ["string", "number", "boolean"]}


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties,
            "additionalProperties": False}


CUSTOM_FIELD = _object(["id", "name", "key", "type"], {
    "id": {"type": "integer"}, "name": {"type": "string"}, "key": {"type": "string"},
    "type": {"enum": FIELD_TYPES}, "values": STRINGS})
ADDRESS_BOOK = _object(["id", "name", "field_groups"], {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "field_groups": {"type": "array", "items": _object(["name", "profile_key", "fields"], {
        "name": {"type": "string"}, "profile_key": {"type": "string"},
        "fields": {"type": "array", "items": CUSTOM_FIELD}})}})
SEGMENT = _object(["id", "name"], {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "type": {"enum": ["Static", "Dynamic", "Combined"]},
    "rule": {"type": "object", "additionalProperties": SCALAR},  # Dynamic: attribute -> value
    "parts": {"type": "array", "items": {"type": "integer"}}})  # Combined: segment ids
CONTACT = _object(["id"], {
    "id": {"type": "integer"}, "firstName": {"type": "string"}, "lastName": {"type": "string"},
    "email": {"type": "string"}, "sms": {"type": "string"},
    "externalCustomerId": {"type": "string"}, "languageCode": {"type": "string"},
    "fields": {"type": "object", "propertyNames": {"pattern": "^[0-9]+$"},
               "additionalProperties": SCALAR},  # custom field id -> value
    "segments": {"type": "array", "items": {"type": "integer"}},
    "subscriptions": STRINGS})  # category keys (default: every category)
MESSAGE = _object(["id", "name", "from", "subject", "html"], {
    "id": {"type": "integer"}, "name": {"type": "string"}, "from": {"type": "string"},
    "subject": {"type": "string"}, "html": {"type": "string"}, "tags": STRINGS,
    "subscriptions_keys": STRINGS})
ORGANISATION = _object(["id", "name", "user_email", "api_keys"], {
    "id": {"type": "integer"}, "name": {"type": "string"}, "user_email": {"type": "string"},
    "api_keys": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
    "senders": _object([], {"email": STRINGS, "sms": STRINGS, "viber": STRINGS}),
    "undeliverable_domains": STRINGS,
    "undeliverable_phones": STRINGS,
    "address_books": {"type": "array", "items": ADDRESS_BOOK},
    "subscription_categories": {"type": "array", "items": _object(
        ["id", "key", "name", "group_id"], {
            "id": {"type": "integer"}, "key": {"type": "string"}, "name": {"type": "string"},
            "group_id": {"type": "integer"}})},
    "segments": {"type": "array", "items": SEGMENT},
    "event_types": {"type": "object", "additionalProperties": {  # key -> validated params
        "type": "array", "items": _object(["name"], {
            "name": {"type": "string"}, "required": {"type": "boolean"}})}},
    "contacts": {"type": "array", "items": CONTACT},
    "generated": _object(["count"], {  # Faker contacts after the named ones
        "count": {"type": "integer", "minimum": 0}, "seed": {"type": "integer"},
        "segment": {"type": "integer"}}),  # the segment every generated contact joins
    "messages": {"type": "array", "items": MESSAGE},
    "balance": _object([], {  # GET /v1/balance (§1.2)
        "current": {"type": "number"}, "credit_limit": {"type": "number", "minimum": 0},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "bonus_emails": {"type": "integer", "minimum": 0},
        "bonus_smses": {"type": "integer", "minimum": 0},
        "prices": _object([], {k: {"type": "number", "minimum": 0}
                               for k in ("email", "sms", "viber")})}),
})




SCHEMA: FixtureSchema = FixtureSchema(_object(["organisations"], {
    "version": _object(["version", "protocolVersion"], {  # GET /v1/version (§1.4)
        "version": {"type": "string"}, "protocolVersion": {"type": "string"}}),
    "organisations": {"type": "array", "items": ORGANISATION, "minItems": 1}}))


# -- expand: Faker runs here, once per (file, seed) -----------------------------------------
def expand(spec: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """Each organisation's `generated` contacts written out after its named ones."""
    for raw in spec["organisations"]:
        raw["contacts"] = list(raw.get("contacts") or ()) + generated(raw, seed)
        raw.pop("generated", None)
    return spec


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


def load(path: str, seed: int | None = None) -> dict[str, Any]:
    """The checked, expanded document at `path` (a private copy; cached per file and seed)."""
    return load_fixture(path, seed, expand, SCHEMA)


# -- build: the world from the document -----------------------------------------------------
def build(world: World, spec: dict[str, Any]) -> World:
    now = world.services.clock.now()
    world.version = dict(spec.get("version") or {})
    for raw in spec["organisations"]:
        world.add(build_org(raw, now))
    return world


def build_org(raw: dict[str, Any], now: float) -> Org:
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
    money = raw.get("balance") or {}
    org.balance = Balance(float(money.get("current", 0)), float(money.get("credit_limit", 0)),
                          money.get("currency", "UAH"), int(money.get("bonus_emails", 0)),
                          int(money.get("bonus_smses", 0)), dict(money.get("prices") or {}))
    people = list(raw.get("contacts") or ())
    for i, person in enumerate(people):
        add_person(org, person, now - (len(people) - i) * 60.0)
    for msg in raw.get("messages") or ():
        org.messages[msg["id"]] = EmailMessage(
            msg["id"], msg["name"], msg["from"], msg["subject"], msg["html"], now, now,
            tags=list(msg.get("tags") or ()),
            subscriptions_keys=list(msg.get("subscriptions_keys") or ()))
    _bump(org)
    return org


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
