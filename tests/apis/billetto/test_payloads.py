"""Billetto webhook payloads (mailmocks/apis/billetto/payloads.py): `{action, data}` with
realistic, seeded objects (docs/vendors/billetto.md §5, D-2)."""
from __future__ import annotations

import orjson
import pytest

from mailmocks.apis.billetto import ACTIONS, Payloads


def test_payloads_are_realistic_and_deterministic() -> None:
    a = Payloads({}, seed=7).build("event.published", 1_800_000_000.0)
    b = Payloads({}, seed=7).build("event.published", 1_800_000_000.0)
    assert a == b and a["action"] == "event.published"
    event = a["data"]
    assert event["public_url"].startswith("https://billetto.dk/e/")
    assert event["starts_at"] < event["ends_at"] and event["ticket_types"]
    assert orjson.loads(orjson.dumps(a)) == a
    with pytest.raises(ValueError):
        Payloads({}).build("ledger_entry.created", 0.0)


def test_an_event_is_remembered_by_id_and_orders_refer_to_it() -> None:
    events: dict[int, dict[str, object]] = {}
    payloads = Payloads(events, seed=1)
    published = payloads.build("event.published", 1_800_000_000.0, {"id": 4242})["data"]
    updated = payloads.build("event.updated", 1_800_000_060.0, {"id": 4242})["data"]
    assert published["name"] == updated["name"] and updated["state"] == "published"
    assert set(events) == {4242}
    order = payloads.build("order.completed", 1_800_000_120.0, {"event": 4242})["data"]
    assert (order["event"], order["event_name"]) == (4242, published["name"])
    cancelled = payloads.build("event.cancelled", 1_800_000_180.0, {"id": 4242})["data"]
    assert cancelled["state"] == "cancelled"
    assert ACTIONS == ("order.completed", "attendee.created", "event.published",
                       "event.updated", "event.cancelled")
