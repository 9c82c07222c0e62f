"""Single contacts: add/update, get, update, delete, subscribe, search and emails by ids
(docs/vendors/esputnik.md §2.0-§2.6, §2.10, §2.11)."""
from __future__ import annotations

from typing import Any

import orjson

from ....core import Reply, op
from ..errors import bad_request, duplicated, not_found, unknown_category
from ..model import (
    ApiCall,
    Contact,
    Org,
    apply_contact,
    body_of,
    clean_channels,
    contact_problem,
    norm,
    one_or_many,
)
from . import empty_ok, listing, page_args, plain_ok

SEARCH_KEYS = ("externalCustomerId", "email", "sms", "firstname", "lastname")


# -- shaping ------------------------------------------------------------------------------
def channel_json(ch: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ch.items() if v is not None}


def base_contact_json(c: Contact) -> dict[str, Any]:
    out: dict[str, Any] = {"id": c.id, "firstName": c.first_name, "lastName": c.last_name,
                           "channels": [channel_json(ch) for ch in c.channels],
                           "fields": [{"id": fid, "value": v} for fid, v in c.fields.items()],
                           "addressBookId": c.address_book_id}
    return {k: v for k, v in out.items() if v is not None}


def contact_json(org: Org, c: Contact) -> dict[str, Any]:
    out = base_contact_json(c)
    extra = {"address": c.address, "externalCustomerId": c.external_customer_id,
             "contactKey": c.contact_key, "languageCode": c.language_code,
             "timeZone": c.time_zone,
             "groups": [{"id": g.id, "name": g.name, "type": g.type}
                        for g in org.groups.values()
                        if g.type == "Static" and c.id in g.members]}
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


# -- what several handlers do ---------------------------------------------------------------
def contact_or_404(org: Org, cid: int, *, deleted: bool = False) -> Contact:
    c = org.contacts.get(cid)
    if c is None or (c.deleted and not deleted):
        raise not_found(f"Contact with id='{cid}' not found")
    return c


def touch(call: ApiCall, c: Contact) -> Contact:
    c.updated = call.clock.now()
    return call.tenant.save(c)


def check_duplicate(call: ApiCall) -> None:
    """409 for the same body from the same key within a minute (D-8)."""
    key = (f"{call.op.id} {call.path}", orjson.dumps(call.body, option=orjson.OPT_SORT_KEYS)
           .decode())
    if call.tenant.repeated(key, call.clock.now()):
        raise duplicated()


def remove(call: ApiCall, c: Contact) -> None:
    if call.params.get("erase"):
        call.tenant.erase(c)
    else:
        c.deleted = True
        touch(call, c)


# -- handlers -------------------------------------------------------------------------------
@op("add_contact")
def add_contact(call: ApiCall) -> dict[str, Any]:
    org, raw = call.tenant, body_of(call)
    problem = contact_problem(org, raw)
    if problem:
        raise bad_request(problem)
    check_duplicate(call)
    c = org.find_for(raw)
    if c is None:
        c = org.new_contact(call.clock.now())
    apply_contact(org, c, raw)
    c.deleted = False
    touch(call, c)
    return {"id": c.id}


@op("get_contact")
def get_contact(call: ApiCall) -> dict[str, Any]:
    org = call.tenant
    return contact_json(org, contact_or_404(org, call.params["id"]))


@op("update_contact")
def update_contact(call: ApiCall) -> Reply:
    org, raw, cid = call.tenant, body_of(call), call.params["id"]
    c = contact_or_404(org, cid, deleted=True)
    problem = contact_problem(org, raw, need_channels=False)
    if problem:
        raise bad_request(problem)
    ext = raw.get("externalCustomerId")
    if ext and org.by_external.get(ext, cid) != cid:
        raise bad_request(f"Contact with externalCustomerId='{ext}' already exists")
    check_duplicate(call)
    apply_contact(org, c, raw)
    c.deleted = False
    touch(call, c)
    return plain_ok(f"Contact with id='{cid}' has been updated")


@op("delete_contact")
def delete_contact(call: ApiCall) -> Reply:
    org, cid = call.tenant, call.params["id"]
    c = contact_or_404(org, cid, deleted=bool(call.params.get("erase")))
    remove(call, c)
    return plain_ok(f"Contact with id='{cid}' has been deleted")


@op("delete_contact_by_external_id")
def delete_contact_by_external_id(call: ApiCall) -> Reply:
    org, ext = call.tenant, str(call.params.get("externalCustomerId") or "").strip()
    if not ext:
        raise bad_request("externalCustomerId is required")
    cid = org.by_external.get(ext)
    c = org.contacts.get(cid) if cid is not None else None
    if c is None or (c.deleted and not call.params.get("erase")):
        raise not_found(f"Contact with externalCustomerId='{ext}' not found")
    remove(call, c)
    return empty_ok()


@op("subscribe_contact")
def subscribe_contact(call: ApiCall) -> dict[str, Any]:
    org, body, now = call.tenant, body_of(call), call.clock.now()
    raw = body["contact"]
    problem = contact_problem(org, raw)
    if problem:
        raise bad_request(problem)
    keys = body.get("subscriptions")
    unknown = [k for k in keys or () if k not in org.categories]
    if unknown:
        raise unknown_category(unknown[0])
    check_duplicate(call)
    c = org.find_for(raw)
    is_new = c is None
    if c is None:
        c = org.new_contact(now, confirmed=False)  # double opt-in: the email waits
        apply_contact(org, c, raw)
    else:
        kept = {ch.get("type") for ch in c.channels}
        apply_contact(org, c, {k: v for k, v in raw.items() if k != "channels"})
        c.channels += [ch for ch in clean_channels(raw["channels"]) if ch["type"] not in kept]
    c.deleted = False
    if keys is not None:
        c.subscriptions = set(keys)
    touch(call, c)
    for name in body.get("groups") or ():
        org.segment_named(name).members.setdefault(c.id, now)
    form = body.get("formType")
    kind = "subscribeFromApi" if is_new else "subscribeUpdateFromApi"
    params = [{"name": "ContactId", "value": str(c.id)},
              {"name": "EmailAddress", "value": c.email or ""}]
    org.add_event(now, f"{kind}-{form}" if form else kind, str(c.id), params, c.id)
    status = "ALREADY_SUBSCRIBED" if c.confirmed and not is_new else "NEED_CONFIRMATION"
    if c.email is None:
        status = "SUBSCRIBED"
    return {"id": c.id, "emailStatus": status, "new": is_new}


@op("search_contacts")
def search_contacts(call: ApiCall) -> Reply:
    org, p = call.tenant, call.params
    conditions = {k: str(p[k]).strip() for k in SEARCH_KEYS if p.get(k) not in (None, "")}
    if conditions and p.get("sortBy"):
        raise bad_request("sortBy can be used only without search conditions")
    found = [c for c in org.contacts.values() if not c.deleted and matches(c, conditions)]
    if p.get("sortBy") == "contactId":
        found.sort(key=lambda c: c.id)
    else:
        found.sort(key=lambda c: (c.updated, c.id), reverse=True)
    start, rows = page_args(call)
    return listing([base_contact_json(c) for c in found[start:start + rows]], len(found))


def matches(c: Contact, cond: dict[str, str]) -> bool:
    for key, want in cond.items():
        w = norm(want)
        if key == "externalCustomerId" and c.external_customer_id != want:
            return False
        if key == "email" and w not in {norm(v) for v in c.values("email")}:
            return False
        if key == "sms" and w not in {norm(v) for v in c.values("sms") + c.values("viber")}:
            return False
        if key == "firstname" and (c.first_name or "").lower() != want.lower():
            return False
        if key == "lastname" and (c.last_name or "").lower() != want.lower():
            return False
    return True


@op("get_contact_emails")
def get_contact_emails(call: ApiCall) -> dict[str, Any]:
    org = call.tenant
    ids = dict.fromkeys(int(x) for x in str(call.params["ids"]).split(",") if x.strip())
    results = []
    for cid in ids:
        c = org.live(cid)
        if c is not None and c.email:
            results.append({"contactId": cid, "email": c.email})
    return {"results": one_or_many(results)}
