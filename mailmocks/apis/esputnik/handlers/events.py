"""Events v1 and v2 (docs/vendors/esputnik.md §4): stored per contact, visible in the
sandbox, never creating contacts."""
from __future__ import annotations

from typing import Any

import orjson

from ....core import Reply, op
from ..errors import bad_request
from ..model import ApiCall, Contact, Org, body_of
from . import empty_ok

EVENT_MAX_BYTES = 20 * 1024
IDENTIFIERS = ("contactId", "externalCustomerId", "email", "phone", "pushToken")


def generate(call: ApiCall, version: str) -> Reply:
    org, body, now = call.tenant, body_of(call), call.clock.now()
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
    org.add_event(now, type_key, key, params, contact.id if contact else None, version)
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


@op("generate_event_v1")
def generate_event_v1(call: ApiCall) -> Reply:
    return generate(call, "v1")


@op("generate_event_v2")
def generate_event_v2(call: ApiCall) -> Reply:
    return generate(call, "v2")
