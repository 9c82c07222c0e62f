"""Billetto webhook payloads: `{"action": "<resource>.<verb>", "data": {...}}`.

The actions and the envelope are decision D-2 of docs/vendors/billetto.md (the names come
from integrators' notes, §6); the objects carry the fields client code reads (§5) and more,
from a seeded Faker, so the same seed builds the same events, orders and attendees.
"""
from __future__ import annotations

from typing import Any

import orjson
from faker import Faker

from ...core import iso

ACTIONS = ("order.completed", "attendee.created", "event.published", "event.updated",
           "event.cancelled")
MAX_ID = 2**63 - 1  # Billetto ids are integers; a receiver stores them as 64-bit


def billetto_id(value: Any, name: str) -> int:
    """An id given in `data`: a JSON integer from 1 to 2^63-1 (no string, list or bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValueError(f"data.{name} must be an integer from 1 to {MAX_ID}")
    return value


def check_event_fields(data: dict[str, Any]) -> None:
    """The fields of an event that later orders and attendees read: refused at emit time,
    so a stored event never breaks a later emit."""
    if "name" in data and not isinstance(data["name"], str):
        raise ValueError("data.name must be a string")
    if "ticket_types" not in data:
        return
    types = data["ticket_types"]
    if not isinstance(types, list) or not types:
        raise ValueError("data.ticket_types must be a non-empty list")
    for i, t in enumerate(types):
        price = t.get("price") if isinstance(t, dict) else None
        if not (isinstance(t, dict) and isinstance(t.get("name"), str)
                and isinstance(price, dict) and isinstance(price.get("currency"), str)
                and isinstance(price.get("amount_in_cents"), int)
                and not isinstance(price.get("amount_in_cents"), bool)):
            raise ValueError(f"data.ticket_types[{i}] must be {{id, name, price: "
                             "{amount_in_cents, currency}}")
        billetto_id(t.get("id"), f"ticket_types[{i}].id")


class Payloads:
    """Realistic Billetto objects from a seeded Faker; events are remembered by id, so a
    later `event.updated` or an order for the same event reads consistently."""

    def __init__(self, events: dict[int, dict[str, Any]], seed: int = 0) -> None:
        self.fake = Faker(["en_GB", "da_DK"])
        self.fake.seed_instance(seed)
        self.events = events

    def build(self, action: str, now: float, data: dict[str, Any] | None = None
              ) -> dict[str, Any]:
        if action not in ACTIONS:
            raise ValueError(f"unknown Billetto action {action!r}; one of {', '.join(ACTIONS)}")
        resource = action.split(".")[0]
        overrides = dict(data or {})
        for name in ("id", "event") if resource != "event" else ("id",):
            if name in overrides:
                billetto_id(overrides[name], name)
        if resource == "event":
            check_event_fields(overrides)
            obj = self.event(now, overrides.get("id"), keep=False)
            obj["state"] = {"published": "published", "updated": obj["state"],
                            "cancelled": "cancelled"}[action.split(".")[1]]
            obj.update(overrides)
            obj["updated_at"] = iso(now, millis=False)
        else:
            event = self.event(now, overrides.get("event"))
            obj = self.order(now, event) if resource == "order" else self.attendee(now, event)
            obj.update(overrides)
        try:  # what is sent must serialise (orjson: 64-bit integers at most)
            orjson.dumps(obj)
        except TypeError as exc:
            raise ValueError(f"data cannot be sent as JSON: {exc}") from None
        if resource == "event":
            self.events[obj["id"]] = obj  # kept only once it is known to be sendable
        return {"action": action, "data": obj}

    def event(self, now: float, event_id: int | None = None, keep: bool = True
              ) -> dict[str, Any]:
        """The event of that id (remembered, else a new one); `keep` remembers a new one."""
        if event_id is not None and event_id in self.events:
            return dict(self.events[event_id])
        f = self.fake
        eid = event_id if event_id is not None else f.random_int(100_000, 999_999)
        name = f"{f.random_element(['Summer', 'Winter', 'Jazz', 'Food', 'Tech', 'Comedy'])} " \
               f"{f.random_element(['Festival', 'Night', 'Market', 'Meetup', 'Workshop'])} " \
               f"{f.city()}"
        starts = now + f.random_int(7, 90) * 86_400
        capacity = f.random_int(50, 2000)
        sold = f.random_int(0, capacity // 2)
        slug = "-".join(name.lower().split())
        event = {
            "id": eid, "object": "event", "name": name,
            "description": f.paragraph(nb_sentences=3),
            "public_url": f"https://billetto.dk/e/{slug}-billetter-{eid}",
            "image_url": f"https://images.billetto.test/events/{eid}.jpg",
            "starts_at": iso(starts, millis=False),
            "ends_at": iso(starts + f.random_int(2, 8) * 3600, millis=False),
            "state": "published", "total_capacity": capacity,
            "availability": {"status": "available", "available": capacity - sold},
            "location": {"name": f.company(), "address": f.street_address(),
                         "city": f.city(), "postal_code": f.postcode(), "country": "DK"},
            "organiser": {"id": f.random_int(1000, 9999), "name": f.company()},
            "categories": [f.random_element(["music", "food-drink", "business", "arts"])],
            "ticket_types": [
                {"id": eid * 10 + i, "name": n, "price": {"amount_in_cents": p, "currency": "DKK"}}
                for i, (n, p) in enumerate([("Early bird", 14900), ("Standard", 19900)], 1)],
            "created_at": iso(now - 86_400, millis=False),
            "updated_at": iso(now, millis=False),
        }
        if keep:
            self.events[eid] = event
        return dict(event)

    def _person(self) -> dict[str, str]:
        first, last = self.fake.first_name(), self.fake.last_name()
        domain = self.fake.free_email_domain()
        return {"first_name": first, "last_name": last,
                "email": f"{first}.{last}@{domain}".lower().replace(" ", "")}

    def order(self, now: float, event: dict[str, Any]) -> dict[str, Any]:
        f = self.fake
        ticket = event["ticket_types"][0]
        quantity = f.random_int(1, 4)
        return {"id": f.random_int(1_000_000, 9_999_999), "object": "order", **self._person(),
                "event": event["id"], "event_name": event["name"], "state": "completed",
                "quantity": quantity,
                "total": {"amount_in_cents": ticket["price"]["amount_in_cents"] * quantity,
                          "currency": ticket["price"]["currency"]},
                "marketing_consent": f.boolean(60),
                "created_at": iso(now, millis=False)}

    def attendee(self, now: float, event: dict[str, Any]) -> dict[str, Any]:
        f = self.fake
        ticket = f.random_element(event["ticket_types"])
        return {"id": f.random_int(10_000_000, 99_999_999), "object": "attendee",
                **self._person(), "event": event["id"], "event_name": event["name"],
                "order": f.random_int(1_000_000, 9_999_999),
                "ticket_type": {"id": ticket["id"], "name": ticket["name"]},
                "checked_in": False, "created_at": iso(now, millis=False)}
