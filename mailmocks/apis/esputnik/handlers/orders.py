"""Orders (docs/vendors/esputnik.md §5): added or updated by externalOrderId, each one an
`order<STATUS>` event; deletion is a background job, as at the vendor."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from ....core import Reply, op
from ..errors import bad_request
from ..jobs import delete_orders_later
from ..model import ApiCall, Contact, Order, Org, body_of
from ..rules import EMAIL_RE
from . import empty_ok

ORDER_REQUIRED = ("externalOrderId", "totalCost", "status", "date", "currency")
ORDER_RANGE_FORMAT = "%Y-%m-%dT%H:%M:%S"
FRACTION = re.compile(r"(\.\d{6})\d+")


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
    c = org.new_contact(now)
    c.first_name, c.last_name = raw.get("firstName") or None, raw.get("lastName") or None
    c.external_customer_id = raw.get("externalCustomerId") or None
    if raw.get("email"):
        c.channels.append({"type": "email", "value": str(raw["email"]).strip().lower()})
    if raw.get("phone"):
        c.channels.append({"type": "sms", "value": str(raw["phone"]).strip()})
    return org.save(c)


@op("add_orders")
def add_orders(call: ApiCall) -> dict[str, Any]:
    org, now = call.tenant, call.clock.now()
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
        org.add_event(now, f"order{raw['status']}", oid, params, contact.id)
    return {"failedOrders": failed}


def range_bound(text: Any, name: str) -> float:
    try:
        when = datetime.strptime(str(text), ORDER_RANGE_FORMAT)
    except ValueError:
        raise bad_request(f"Invalid {name} date format, expected yyyy-MM-dd'T'HH:mm:ss") from None
    return when.replace(tzinfo=timezone.utc).timestamp()


@op("delete_orders")
def delete_orders(call: ApiCall) -> Reply:
    org, p = call.tenant, call.params
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
    delete_orders_later(call.world, org, doomed)
    return empty_ok()
