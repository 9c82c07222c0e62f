"""A Botamp world from fixtures/botamp.yaml: the file's schema, its Faker rows, the build.

`load_fixture` checks the file against SCHEMA (a bad file is one FixtureError line naming the
file and the path inside it), runs `expand` once per (file, seed) and hands every world its
own copy, so Faker never runs per world.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

from faker import Faker

from ...core import FixtureSchema, load_fixture
from .model import FIELDS, Account, Subscriber, World

_STRINGS = {"type": "array", "items": {"type": "string"}}

# A subscriber written out in the file (what expand() produces from a `generate:` block).
_SUBSCRIBER: dict[str, Any] = {
    "type": "object",
    "required": ["email", "created_at"],
    "additionalProperties": False,
    "properties": {
        "email": {"type": "string", "minLength": 1},
        "created_at": {"type": "number"},  # epoch seconds
        **{name: {"type": ["string", "null"]} for name in FIELDS},
        "tags": _STRINGS,
    },
}

# Subscribers Faker generates: `generate` people, seeded by `seed` (the world's seed wins).
_GENERATE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "generate": {"type": "integer", "minimum": 0},
        "seed": {"type": "integer"},
    },
}

SCHEMA = FixtureSchema({
    "type": "object",
    "required": ["accounts"],
    "additionalProperties": False,
    "properties": {
        "accounts": {
            "type": "array",
            "minItems": 1,  # the first one is the default account
            "items": {
                "type": "object",
                "required": ["id", "name", "owner_email", "api_key"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "owner_email": {"type": "string", "minLength": 1},
                    "api_key": {"type": "string", "minLength": 1},
                    "undeliverable_domains": {"type": ["array", "null"],
                                              "items": {"type": "string"}},
                    # ISO 8601, quoted (YAML reads a bare timestamp as a datetime);
                    # generated people are created an hour apart after it
                    "created_at": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}"},
                    "tags": _STRINGS,  # what generated people are tagged from
                    # a `generate:` block, or the people written out, or nothing
                    "subscribers": {"type": ["object", "array", "null"],
                                    "if": {"type": "object"}, "then": _GENERATE,
                                    "else": {"items": _SUBSCRIBER}},
                },
            },
        },
    },
})


def expand(spec: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """Generated subscribers written out (load_fixture caches the result per seed)."""
    for acct in spec["accounts"]:
        gen = acct.get("subscribers") or {}
        if isinstance(gen, dict):
            acct["subscribers"] = _generate(acct, gen, seed)
    return spec


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _generate(acct: dict[str, Any], gen: dict[str, Any], seed: int | None) -> list[dict[str, Any]]:
    fake = Faker()
    fake.seed_instance(gen.get("seed", 0) if seed is None else seed)
    start = _ts(acct.get("created_at", "2024-01-01T00:00:00Z"))
    joined = datetime.fromtimestamp(start, timezone.utc).date()
    tags = list(acct.get("tags", []))
    people = []
    for i in range(1, int(gen.get("generate", 0)) + 1):
        first, last = fake.first_name(), fake.last_name()
        person: dict[str, Any] = {
            "email": f"{_slug(first)}.{_slug(last)}.{i}@{fake.free_email_domain()}",
            "name": f"{first} {last}",
            "created_at": start + i * 3600.0,
            "tags": sorted(fake.random_elements(
                tags, length=min(len(tags), fake.random_int(0, 2)), unique=True)) if tags else [],
        }
        if fake.boolean(70):
            person.update(job_title=fake.job(), company_name=fake.company(),
                          website=f"https://www.{_slug(last)}{i}.com")
        if fake.boolean(60):
            person.update(country=fake.country(), address=fake.street_address(),
                          postal_code=fake.postcode())
        if fake.boolean(50):
            person["birthday"] = _birthday(fake, joined).isoformat()
        people.append(person)
    return people


def _birthday(fake: Faker, on: date, youngest: int = 18, oldest: int = 80) -> date:
    """Faker's date_of_birth, but for someone aged youngest..oldest on `on` (the account's
    creation), not today: the same people, with the same birthdays, whatever the day."""
    start, end = _years_before(on, oldest + 1), _years_before(on, youngest)
    dob = fake.date_time_ad(start_datetime=start, end_datetime=end).date()
    return dob if dob != start else dob + timedelta(days=1)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _ts(value: str) -> float:
    """Epoch seconds of an ISO 8601 time; one without an offset is UTC (never the host's zone)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def build(world: World, path: str, seed: int | None = None) -> World:
    """`world` filled from the fixture file at `path` (checked, expanded, cached per seed)."""
    spec = load_fixture(path, seed, expand, SCHEMA)
    for a in spec["accounts"]:
        acct = world.add(Account(a["id"], a["name"], a["owner_email"], a["api_key"],
                                 a.get("undeliverable_domains") or ()))
        for p in a.get("subscribers") or []:
            sid = acct.subscribers.next_id()
            created = p.pop("created_at")
            acct.subscribers.put(sid, Subscriber(sid, created_at=created, updated_at=created,
                                                 **p))
    return world
