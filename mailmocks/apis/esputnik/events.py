"""Events v1/v2 and orders (facts §4, §5): stored per contact, visible in the sandbox."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

from ...core import Call, Reply
from .base import api, bad_request, body_of, empty_ok, org_of
from .contacts import EMAIL_RE, add_event, new_contact
from .model import Contact, Order, Org, World

EVENT_MAX_BYTES = 20 * 1024
IDENTIFIERS = ("contactId", "externalCustomerId", "email", "phone", "pushToken")
ORDER_REQUIRED = ("externalOrderId", "totalCost", "status", "date", "currency")
ORDER_RANGE_FORMAT = "%Y-%m-%dT%H:%M:%S"
FRACTION = re.compile(r"(\.\d{6})\d+")


# -- events --------------------------------------------------------------------------------
def generate(call: Call[World], version: str) -> Reply:
    org, body, now = org_of(call), body_of(call), call.clock.now()
    if len(orjson.dumps(body)) > EVENT_MAX_BYTES:
        raise bad_request("Event size must not exceed 20 KB")
    params: list[dict[str, Any]] = list(body.get("params") or [])
    if version == "v2":  # a blank or "null" externalCustomerId is ignored
        params = [p for p in params if not (p["name"] == "externalCustomerId" and (
            p["value"] is None or str(p["value"]).strip() in ("", "null")))]
    names = [p["name"] for p in params]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        raise bad_request(f"Event params must have unique names: '{twice}' is repeated")
    values = {p["name"]: p["value"] for p in params}
    key = body.get("keyValue") or next(
        (str(values[n]) for n in IDENTIFIERS if values.get(n) not in (None, "")), None)
    if key is None:
        raise bad_request("Event must have a keyValue or one of the params "
                          + ", ".join(IDENTIFIERS))
    type_key = body["eventTypeKey"]
    expected = org.event_types.get(type_key)
    if expected and any(spec.get("required") and spec["name"] not in values
                        for spec in expected):
        listed = ", ".join(orjson.dumps(spec).decode() for spec in expected)
        raise bad_request(f"The event should have the following params: [ {listed} ]")
    contact = event_contact(org, values, body.get("keyValue"))
    add_event(org, now, type_key, key, params, contact.id if contact else None, version)
    return empty_ok()


def event_contact(org: Org, values: dict[str, Any], key: str | None) -> Contact | None:
    """The contact an event belongs to: params first, then keyValue (assumption H)."""
    cid = values.get("contactId")
    if cid is not None and str(cid).strip().isdigit():
        return org.live(int(str(cid).strip()))
    for name, kind in (("externalCustomerId", "external"), ("email", "email"),
                       ("phone", "phone")):
        if values.get(name) not in (None, ""):
            return org.find(**{kind: str(values[name])})
    if not key:
        return None
    if "@" in key:
        return org.find(email=key)
    return org.find(external=key) or org.find(phone=key)


@api.op("generate_event_v1")
def generate_event_v1(call: Call[World]) -> Reply:
    return generate(call, "v1")


@api.op("generate_event_v2")
def generate_event_v2(call: Call[World]) -> Reply:
    return generate(call, "v2")


# -- orders --------------------------------------------------------------------------------
def parse_iso(text: Any) -> float | None:
    if not isinstance(text, str) or not text.strip():
        return None
    value = FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def order_problem(raw: dict[str, Any]) -> str | None:
    missing = [k for k in ORDER_REQUIRED if raw.get(k) in (None, "")]
    if missing:
        return f"Required fields are missing: {', '.join(missing)}"
    if not any(raw.get(k) for k in ("externalCustomerId", "email", "phone")):
        return "One of externalCustomerId, email or phone is required"
    if parse_iso(raw["date"]) is None:
        return f"Invalid date: '{raw['date']}'"
    if not re.fullmatch(r"[A-Za-z]{3}", str(raw["currency"])):
        return f"Invalid currency: '{raw['currency']}'"
    if raw.get("email") and not EMAIL_RE.match(str(raw["email"]).strip()):
        return f"'{raw['email']}' is not valid email"
    return None


def order_customer(org: Org, raw: dict[str, Any], now: float) -> Contact:
    """The order's contact; a missing one is created (existing ones are not updated)."""
    found = org.find(external=raw.get("externalCustomerId") or None,
                     email=raw.get("email") or None, phone=raw.get("phone") or None)
    if found is not None:
        return found
    c = new_contact(org, now)
    c.first_name, c.last_name = raw.get("firstName") or None, raw.get("lastName") or None
    c.external_customer_id = raw.get("externalCustomerId") or None
    if raw.get("email"):
        c.channels.append({"type": "email", "value": str(raw["email"]).strip().lower()})
    if raw.get("phone"):
        c.channels.append({"type": "sms", "value": str(raw["phone"]).strip()})
    return org.save(c)


@api.op("add_orders")
def add_orders(call: Call[World]) -> dict[str, Any]:
    org, now = org_of(call), call.clock.now()
    failed = []
    for raw in body_of(call)["orders"]:
        problem = order_problem(raw)
        if problem:
            failed.append({"order": raw, "error": problem})
            continue
        contact = order_customer(org, raw, now)
        oid = str(raw["externalOrderId"])
        order = org.orders.get(oid)
        if order is None:
            org.orders[oid] = Order(oid, dict(raw), contact.id, now, now)
        else:
            order.data, order.contact_id, order.updated = dict(raw), contact.id, now
        params = [{"name": "externalOrderId", "value": oid},
                  {"name": "orderId", "value": oid},
                  {"name": "contactId", "value": str(contact.id)},
                  {"name": "EmailAddress", "value": contact.email or ""},
                  {"name": "totalCost", "value": str(raw["totalCost"])},
                  {"name": "currency", "value": str(raw["currency"])}]
        add_event(org, now, f"order{raw['status']}", oid, params, contact.id)
    return {"failedOrders": failed}


def range_bound(text: Any, name: str) -> float:
    try:
        when = datetime.strptime(str(text), ORDER_RANGE_FORMAT)
    except ValueError:
        raise bad_request(f"Invalid {name} date format, expected yyyy-MM-dd'T'HH:mm:ss") from None
    return when.replace(tzinfo=timezone.utc).timestamp()


@api.op("delete_orders")
def delete_orders(call: Call[World]) -> Reply:
    org, p = org_of(call), call.params
    oid = p.get("externalOrderId")
    if oid:
        doomed = [oid]
    else:
        if not p.get("from") or not p.get("to"):
            raise bad_request("Either externalOrderId or both from and to are required")
        start, end = range_bound(p["from"], "from"), range_bound(p["to"], "to")
        if start >= end:
            raise bad_request("from must be earlier than to")
        if end - start > timedelta(hours=24).total_seconds():
            raise bad_request("The period must not exceed 24 hours")
        doomed = [k for k, o in org.orders.items()
                  if start <= (parse_iso(o.data.get("date")) or 0) <= end]

    def run() -> None:  # deletion is a background job at the vendor too
        for key in doomed:
            org.orders.pop(key, None)

    call.services.jobs.submit(run, name="esputnik:delete_orders")
    return empty_ok()
