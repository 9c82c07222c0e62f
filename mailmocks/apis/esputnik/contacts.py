"""Contacts: single and bulk add/update, search, delete, subscribe, unsubscribed addresses,
subscription categories, segments and the custom-field catalog (facts §2, §3)."""
from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any

from ...core import Call, Reply, iso
from .base import (
    api,
    bad_request,
    body_of,
    check_duplicate,
    empty_ok,
    listing,
    new_uuid,
    not_found,
    one_or_many,
    org_of,
    page_args,
    plain_ok,
)
from .model import Category, Contact, Event, Group, ImportSession, Org, World, norm

EMAIL_RE = re.compile(r"^[^@\s\"<>,;]+@[^@\s\"<>,;]+\.[^@\s\"<>,;]{2,}$")
PHONE_RE = re.compile(r"^\+?[0-9]{7,15}$")
NAME_WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*\.?$")
SIMPLE_FIELDS = {"firstName": "first_name", "lastName": "last_name", "contactKey": "contact_key",
                 "languageCode": "language_code", "timeZone": "time_zone",
                 "externalCustomerId": "external_customer_id"}
ADDRESS_PARTS = {"address": "address", "town": "town", "region": "region",
                 "postcode": "postcode"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y", "%d.%m.%Y")
BULK_CHANNELS = ("email", "sms", "mobilepush", "webpush")
DEDUPE_CHANNEL = {"email": ("email",), "sms": ("sms",), "push": ("mobilepush",),
                  "email_or_sms": ("email", "sms")}


# -- validation (facts §2.12) -------------------------------------------------------------
def name_problem(label: str, value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    if len(text) > 40:
        return f"{label} must not be longer than 40 characters"
    digits = sum(ch.isdigit() for ch in text)
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    letters_only = re.sub(r"\d", "", text)
    ok = bool(words) and digits <= 3 and any(ch.isalpha() for ch in text)
    for word in re.split(r"\s+", letters_only.strip()):
        if not word:
            continue
        if not NAME_WORD.match(word) or (word.endswith(".") and len(word) > 4):
            ok = False
    return None if ok else f"Invalid {label}: '{text}'"


def channel_problem(ch: dict[str, Any]) -> str | None:
    kind, value = ch.get("type"), str(ch.get("value", ""))
    if kind == "email" and not EMAIL_RE.match(value.strip()):
        return f"'{value}' is not valid email"
    if kind in ("sms", "viber") and not PHONE_RE.match(value.strip()):
        return f"'{value}' is not valid phone number"
    if not value.strip():
        return f"Empty value of {kind} channel"
    return None


def field_problem(org: Org, item: dict[str, Any]) -> str | None:
    known = org.fields()
    fid, value = item.get("id"), item.get("value")
    f = known.get(fid) if isinstance(fid, int) else None
    if f is None:
        return f"Field with id={fid} not found"
    if value in (None, ""):
        return None
    text = str(value)
    if f.type == "NUMBER":
        try:
            number = int(text)
        except ValueError:
            return f"Invalid value of field {f.name}: '{text}' is not a number"
        if not -(2**31) <= number < 2**31:
            return f"Invalid value of field {f.name}: '{text}' is out of range"
    elif f.type == "DATE" and not any(_parses(text, fmt) for fmt in DATE_FORMATS):
        return f"Invalid value of field {f.name}: '{text}' is not a date"
    elif f.type == "DATETIME" and not _parses(text, "%Y-%m-%dT%H:%M"):
        return f"Invalid value of field {f.name}: '{text}' is not a date and time"
    elif f.type == "COMBOBOX" and f.possible_values and text not in f.possible_values:
        return f"Invalid value of field {f.name}: '{text}' is not one of {f.possible_values}"
    elif f.type == "TEXTFIELD" and len(text) > 1000:
        return f"Value of field {f.name} must not be longer than 1000 characters"
    elif len(text) > 5000:
        return f"Value of field {f.name} must not be longer than 5000 characters"
    return None


def _parses(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


def contact_problem(org: Org, raw: dict[str, Any], *, need_channels: bool = True) -> str | None:
    channels = raw.get("channels")
    if need_channels and not channels:
        return "Contact must have at least one channel"
    counts: dict[str, int] = {}
    for ch in channels or ():
        if not isinstance(ch, dict):
            return "Invalid channel"
        counts[str(ch.get("type"))] = counts.get(str(ch.get("type")), 0) + 1
        problem = channel_problem(ch)
        if problem:
            return problem
    if any(n > 2 for n in counts.values()):
        return "A contact can have at most two channels of the same type"
    for label, key in (("first name", "firstName"), ("last name", "lastName")):
        problem = name_problem(label, raw.get(key))
        if problem:
            return problem
    for item in raw.get("fields") or ():
        problem = field_problem(org, item)
        if problem:
            return problem
    return None


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


# -- writing contacts ---------------------------------------------------------------------
def new_contact(org: Org, now: float, *, confirmed: bool = True) -> Contact:
    c = Contact(next(org.contact_ids), now, now, confirmed=confirmed)
    c.subscriptions = set(org.categories)  # new contacts get every category (assumption F)
    return c


def clean_channels(channels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for ch in channels:
        item = {k: v for k, v in ch.items() if k in ("type", "value", "device",
                                                      "webPushSubscription")}
        value = str(item["value"]).strip()
        item["value"] = value.lower() if item["type"] == "email" else value
        out.append(item)
    return out


def apply_contact(org: Org, c: Contact, raw: dict[str, Any]) -> None:
    """Set every field present in `raw` (a Contact/ContactUpdate body)."""
    for key, slot in SIMPLE_FIELDS.items():
        if key in raw:
            value = raw[key]
            setattr(c, slot, value if value not in ("",) else None)
    if "channels" in raw and raw["channels"]:
        c.channels = clean_channels(raw["channels"])
    if "address" in raw:
        c.address = {k: v for k, v in (raw["address"] or {}).items()
                     if k in ADDRESS_PARTS and v is not None} or None
    if "addressBookId" in raw:
        c.address_book_id = raw["addressBookId"]
    for item in raw.get("fields") or ():
        c.fields[int(item["id"])] = item.get("value")


def touch(call: Call[World], org: Org, c: Contact) -> Contact:
    c.updated = call.clock.now()
    return org.save(c)


def find_for(org: Org, raw: dict[str, Any]) -> Contact | None:
    channels = raw.get("channels") or []
    first = {kind: next((str(ch["value"]) for ch in channels if ch.get("type") == kind), None)
             for kind in ("email", "sms", "viber", "mobilepush")}
    return org.find(external=raw.get("externalCustomerId") or None, email=first["email"],
                    phone=first["sms"] or first["viber"], push=first["mobilepush"])


def add_event(org: Org, now: float, type_key: str,
              key_value: str | None, params: list[dict[str, Any]], contact_id: int | None,
              version: str = "internal") -> Event:
    event = Event(next(org.event_ids), type_key, key_value, params, contact_id, now, version)
    org.events.append(event)
    return event


def contact_or_404(org: Org, cid: int, *, deleted: bool = False) -> Contact:
    c = org.contacts.get(cid)
    if c is None or (c.deleted and not deleted):
        raise not_found(f"Contact with id='{cid}' not found")
    return c


# -- account -------------------------------------------------------------------------------
@api.op("get_account_info")
def get_account_info(call: Call[World]) -> dict[str, Any]:
    org = org_of(call)
    return {"userEmail": org.user_email, "organisationName": org.name, "orgId": org.id}


# -- handlers: single contacts -------------------------------------------------------------
@api.op("add_contact")
def add_contact(call: Call[World]) -> dict[str, Any]:
    org, raw = org_of(call), body_of(call)
    problem = contact_problem(org, raw)
    if problem:
        raise bad_request(problem)
    check_duplicate(call)
    c = find_for(org, raw)
    if c is None:
        c = new_contact(org, call.clock.now())
    apply_contact(org, c, raw)
    c.deleted = False
    touch(call, org, c)
    return {"id": c.id}


@api.op("get_contact")
def get_contact(call: Call[World]) -> dict[str, Any]:
    org = org_of(call)
    return contact_json(org, contact_or_404(org, call.params["id"]))


@api.op("update_contact")
def update_contact(call: Call[World]) -> Reply:
    org, raw, cid = org_of(call), body_of(call), call.params["id"]
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
    touch(call, org, c)
    return plain_ok(f"Contact with id='{cid}' has been updated")


def remove(call: Call[World], org: Org, c: Contact) -> None:
    if call.params.get("erase"):
        org.erase(c)
    else:
        c.deleted = True
        touch(call, org, c)


@api.op("delete_contact")
def delete_contact(call: Call[World]) -> Reply:
    org, cid = org_of(call), call.params["id"]
    c = contact_or_404(org, cid, deleted=bool(call.params.get("erase")))
    remove(call, org, c)
    return plain_ok(f"Contact with id='{cid}' has been deleted")


@api.op("delete_contact_by_external_id")
def delete_contact_by_external_id(call: Call[World]) -> Reply:
    org, ext = org_of(call), call.params["externalCustomerId"]
    cid = org.by_external.get(ext)
    c = org.contacts.get(cid) if cid is not None else None
    if c is None or (c.deleted and not call.params.get("erase")):
        raise not_found(f"Contact with externalCustomerId='{ext}' not found")
    remove(call, org, c)
    return empty_ok()


@api.op("subscribe_contact")
def subscribe_contact(call: Call[World]) -> dict[str, Any]:
    org, body, now = org_of(call), body_of(call), call.clock.now()
    raw = body["contact"]
    problem = contact_problem(org, raw)
    if problem:
        raise bad_request(problem)
    keys = body.get("subscriptions")
    unknown = [k for k in keys or () if k not in org.categories]
    if unknown:
        raise bad_request(f"Subscription category with key '{unknown[0]}' not found")
    check_duplicate(call)
    c = find_for(org, raw)
    is_new = c is None
    if c is None:
        c = new_contact(org, now, confirmed=False)  # double opt-in: the email waits
        apply_contact(org, c, raw)
    else:
        kept = {ch.get("type") for ch in c.channels}
        apply_contact(org, c, {k: v for k, v in raw.items() if k != "channels"})
        c.channels += [ch for ch in clean_channels(raw["channels"]) if ch["type"] not in kept]
    c.deleted = False
    if keys is not None:
        c.subscriptions = set(keys)
    touch(call, org, c)
    for name in body.get("groups") or ():
        segment_named(org, name).members.setdefault(c.id, now)
    form = body.get("formType")
    kind = "subscribeFromApi" if is_new else "subscribeUpdateFromApi"
    params = [{"name": "ContactId", "value": str(c.id)},
              {"name": "EmailAddress", "value": c.email or ""}]
    add_event(org, now, f"{kind}-{form}" if form else kind, str(c.id), params, c.id)
    status = "ALREADY_SUBSCRIBED" if c.confirmed and not is_new else "NEED_CONFIRMATION"
    if c.email is None:
        status = "SUBSCRIBED"
    return {"id": c.id, "emailStatus": status, "new": is_new}


def segment_named(org: Org, name: str) -> Group:
    g = org.group_by_name(name)
    if g is None:
        g = Group(next(org.group_ids), name)
        org.groups[g.id] = g
    return g


# -- bulk import (facts §2.7, §2.8) --------------------------------------------------------
@api.op("add_contacts")
def add_contacts(call: Call[World]) -> dict[str, Any]:
    org, body = org_of(call), body_of(call)
    dedupe = body["dedupeOn"]
    field_id = body.get("fieldId")
    if dedupe == "fieldId":
        if field_id is None:
            raise bad_request("fieldId is required when dedupeOn is fieldId")
        if field_id not in org.fields():
            raise bad_request(f"Field with id={field_id} not found")
    accepted, failed = [], []
    for raw in body["contacts"]:
        problem = contact_problem(org, raw) or dedupe_problem(raw, dedupe, field_id)
        if problem:
            failed.append({**raw, "error": problem})
        else:
            accepted.append(copy.deepcopy(raw))
    session = ImportSession(new_uuid(), "STARTED", call.clock.now())
    org.imports[session.id] = session
    options = {k: copy.deepcopy(v) for k, v in body.items() if k != "contacts"}
    world = call.world

    def finish() -> None:
        import_contacts(world, org, session, accepted, options)

    def start() -> None:
        session.status, session.updated = "IMPORTING", world.services.clock.now()
        world.services.jobs.submit(finish, name="esputnik:import:finish")

    call.services.jobs.submit(start, name="esputnik:import:start")
    return {"id": 0, "asyncSessionId": session.id, "failedContacts": one_or_many(failed)}


def dedupe_value(raw: dict[str, Any], dedupe: str, field_id: int | None) -> str | None:
    if dedupe in DEDUPE_CHANNEL:
        for kind in DEDUPE_CHANNEL[dedupe]:
            for ch in raw.get("channels") or ():
                if ch.get("type") == kind:
                    return str(ch["value"]).strip()
        return None
    if dedupe == "id":
        return None if raw.get("id") is None else str(raw["id"])
    if dedupe == "externalCustomerId":
        return raw.get("externalCustomerId") or None
    for item in raw.get("fields") or ():
        if item.get("id") == field_id and item.get("value") not in (None, ""):
            return str(item["value"])
    return None


def dedupe_problem(raw: dict[str, Any], dedupe: str, field_id: int | None) -> str | None:
    if raw.get("externalCustomerId") or dedupe_value(raw, dedupe, field_id) is not None:
        return None
    return f"The contact has no value for dedupeOn={dedupe}"


def match_by_dedupe(org: Org, value: str | None, dedupe: str,
                    field_id: int | None) -> Contact | None:
    if value is None:
        return None
    if dedupe == "email":
        return org.latest(org.by_email.get(norm(value), ()))
    if dedupe == "sms":
        return org.latest(org.by_phone.get(norm(value), ()))
    if dedupe == "push":
        return org.latest(org.by_push.get(norm(value), ()))
    if dedupe == "email_or_sms":
        index = org.by_email if "@" in value else org.by_phone
        return org.latest(index.get(norm(value), ()))
    if dedupe == "id":
        return org.contacts.get(int(value))
    if dedupe == "externalCustomerId":
        cid = org.by_external.get(value)
        return None if cid is None else org.contacts.get(cid)
    return org.latest(c.id for c in org.contacts.values()
                      if field_id is not None and c.fields.get(field_id) == value)


def import_contacts(world: World, org: Org, session: ImportSession,
                    contacts: list[dict[str, Any]], opts: dict[str, Any]) -> None:
    now = world.services.clock.now()
    dedupe, field_id = opts["dedupeOn"], opts.get("fieldId")
    for raw in contacts:
        value = dedupe_value(raw, dedupe, field_id)
        c = resolve_bulk(org, raw, value, dedupe, field_id)
        if c is not None and c.deleted and not opts.get("restoreDeleted"):
            continue  # a deleted match is skipped unless restoreDeleted
        if c is None:
            c = new_contact(org, now)
            apply_contact(org, c, raw)
            welcome(org, c, now, opts.get("eventKeyForNewContacts"))
        else:
            update_from_bulk(c, raw, opts)
        c.deleted, c.updated = False, now
        org.save(c)
        for name in opts.get("groupNames") or ():
            segment_named(org, name).members.setdefault(c.id, now)
        for name in opts.get("groupNamesExclude") or ():
            g = org.group_by_name(name)
            if g is not None:
                g.members.pop(c.id, None)
        session.mapping.append({"dedupeValue": value or raw.get("externalCustomerId") or "",
                                "contactId": c.id})
    session.status, session.updated = "FINISHED", now


def resolve_bulk(org: Org, raw: dict[str, Any], value: str | None, dedupe: str,
                 field_id: int | None) -> Contact | None:
    """externalCustomerId first, then dedupeOn, with the documented tie rules (§2.7)."""
    ext = raw.get("externalCustomerId") or None
    if ext is None:
        return match_by_dedupe(org, value, dedupe, field_id)
    if ext in org.by_external:
        return org.contacts[org.by_external[ext]]
    candidate = match_by_dedupe(org, value, dedupe, field_id)
    if candidate is not None and not candidate.external_customer_id:
        return candidate  # it gets the external id
    return None  # both carry other external ids: a new contact


def update_from_bulk(c: Contact, raw: dict[str, Any], opts: dict[str, Any]) -> None:
    chosen = opts.get("contactFields")
    protected = set(DEDUPE_CHANNEL.get(opts["dedupeOn"], ()))
    if opts["dedupeOn"] == "email_or_sms":
        protected = {"email", "sms"}
    if opts["dedupeOn"] == "externalCustomerId":
        protected = {"externalCustomerId"}

    def wanted(name: str) -> bool:
        return name not in protected and (chosen is None or name in chosen)

    for key, slot in SIMPLE_FIELDS.items():
        if wanted(key) and (key != "externalCustomerId" or raw.get(key)):
            setattr(c, slot, raw.get(key) or None)
    address = dict(c.address or {})
    for key in ADDRESS_PARTS:
        if wanted(key):
            address[key] = (raw.get("address") or {}).get(key)
    c.address = {k: v for k, v in address.items() if v is not None} or None
    given = clean_channels(raw.get("channels") or [])
    kinds = [k for k in BULK_CHANNELS if wanted(k)]
    if chosen is None:  # every standard field: the other channel types too
        kinds += [k for k in {ch["type"] for ch in c.channels + given}
                  if k not in BULK_CHANNELS and k not in protected]
    for kind in kinds:
        c.channels = [ch for ch in c.channels if ch["type"] != kind] + [
            ch for ch in given if ch["type"] == kind]
    for fid in opts.get("customFieldsIDs") or ():
        value = next((i.get("value") for i in raw.get("fields") or () if i.get("id") == fid),
                     None)
        c.fields[fid] = value


def welcome(org: Org, c: Contact, now: float, event_key: str | None) -> None:
    if not event_key:
        return
    params = [{"name": "contactId", "value": str(c.id)},
              {"name": "EmailAddress", "value": c.email or ""},
              {"name": "SMS", "value": c.phone or ""}]
    add_event(org, now, event_key, c.email or c.phone, params, c.id)


@api.op("get_import_status")
def get_import_status(call: Call[World]) -> dict[str, Any]:
    sid = call.params["sessionId"]
    session = org_of(call).imports.get(sid)
    if session is None:
        raise not_found(f"Import session '{sid}' not found")
    out: dict[str, Any] = {"status": session.status, "timestamp": iso(session.updated, False),
                           "mapping": list(session.mapping)}
    if session.description:
        out["description"] = session.description
    return out


# -- search --------------------------------------------------------------------------------
SEARCH_KEYS = ("externalCustomerId", "email", "sms", "firstname", "lastname")


@api.op("search_contacts")
def search_contacts(call: Call[World]) -> Reply:
    org, p = org_of(call), call.params
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


@api.op("get_contact_emails")
def get_contact_emails(call: Call[World]) -> dict[str, Any]:
    org = org_of(call)
    ids = dict.fromkeys(int(x) for x in str(call.params["ids"]).split(",") if x.strip())
    results = []
    for cid in ids:
        c = org.live(cid)
        if c is not None and c.email:
            results.append({"contactId": cid, "email": c.email})
    return {"results": one_or_many(results)}


# -- unsubscribed addresses and subscription categories ------------------------------------
def email_list(call: Call[World]) -> list[str]:
    emails = [str(e).strip().lower() for e in body_of(call)["emails"]]
    bad = next((e for e in emails if not EMAIL_RE.match(e)), None)
    if bad is not None:
        raise bad_request(f"'{bad}' is not valid email")
    return emails


@api.op("add_unsubscribed_emails")
def add_unsubscribed_emails(call: Call[World]) -> Reply:
    org_of(call).unsubscribed.update(email_list(call))
    return empty_ok()


@api.op("delete_unsubscribed_emails")
def delete_unsubscribed_emails(call: Call[World]) -> Reply:
    org_of(call).unsubscribed.difference_update(email_list(call))
    return empty_ok()


def category_json(cat: Category) -> dict[str, Any]:
    return {"id": cat.id, "key": cat.key, "groupId": cat.group_id, "name": cat.name}


@api.op("list_subscription_categories")
def list_subscription_categories(call: Call[World]) -> list[dict[str, Any]]:
    org = org_of(call)
    out = []
    for cat in org.categories.values():
        count = sum(1 for c in org.contacts.values()
                    if not c.deleted and cat.key in c.subscriptions)
        out.append({**category_json(cat), "contactsCount": count,
                    "createdDate": iso(cat.created), "updatedDate": iso(cat.created)})
    return out


@api.op("get_contact_subscriptions")
def get_contact_subscriptions(call: Call[World]) -> Reply:
    org = org_of(call)
    c = contact_or_404(org, call.params["id"])
    cats = [category_json(cat) for cat in org.categories.values() if cat.key in c.subscriptions]
    return Reply(200, one_or_many(cats))


@api.op("update_contact_subscriptions")
def update_contact_subscriptions(call: Call[World]) -> Reply:
    org, cid = org_of(call), call.params["id"]
    c = contact_or_404(org, cid)
    keys = body_of(call)["subscriptions"]
    unknown = [k for k in keys if k not in org.categories]
    if unknown:
        raise bad_request(f"Subscription category with key '{unknown[0]}' not found")
    c.subscriptions = set(keys)
    touch(call, org, c)
    return plain_ok(f"Subscriptions of contact with id='{cid}' have been updated")


# -- segments (facts §3) -------------------------------------------------------------------
def group_json(g: Group) -> dict[str, Any]:
    return {"id": g.id, "name": g.name, "type": g.type}


def group_or_404(org: Org, gid: int) -> Group:
    g = org.groups.get(gid)
    if g is None:
        raise not_found(f"Segment with id='{gid}' not found")
    return g


@api.op("list_groups")
def list_groups(call: Call[World]) -> list[dict[str, Any]]:
    org = org_of(call)
    needle = str(call.params.get("name") or "").lower()
    found = [g for g in sorted(org.groups.values(), key=lambda g: g.id)
             if needle in g.name.lower()]
    start, rows = page_args(call)
    return [group_json(g) for g in found[start:start + rows]]


@api.op("list_group_contacts")
def list_group_contacts(call: Call[World]) -> Reply:
    org, p = org_of(call), call.params
    members = org.members(group_or_404(org, p["id"]))
    by_ts = bool(p.get("orderByTs", False))
    ids = sorted(members, key=(lambda cid: (members[cid], cid)) if by_ts else None)
    if not p.get("asc", True):
        ids.reverse()
    start, rows = page_args(call)
    return listing([contact_json(org, org.contacts[cid]) for cid in ids[start:start + rows]],
                   len(ids))


def member_ids(call: Call[World], org: Org, g: Group) -> list[int] | None:
    body = body_of(call)
    if g.type != "Static":
        raise bad_request(f"Segment with id='{g.id}' is not static")
    ids, exts = body.get("contactIds"), body.get("externalCustomerIds")
    if ids and exts:
        raise bad_request("Use either contactIds or externalCustomerIds, not both")
    if not ids and not exts:
        return None
    if exts:
        return [org.by_external[e] for e in exts if e in org.by_external]
    return [cid for cid in ids or () if org.live(cid) is not None]


@api.op("attach_group_contacts")
def attach_group_contacts(call: Call[World]) -> Reply:
    org = org_of(call)
    g = group_or_404(org, call.params["id"])
    ids = member_ids(call, org, g) or []
    now = call.clock.now()
    for cid in ids:
        g.members.setdefault(cid, now)
    return plain_ok(f"{len(ids)} contact(s) attached to segment with id='{g.id}'")


@api.op("detach_group_contacts")
def detach_group_contacts(call: Call[World]) -> Reply:
    org = org_of(call)
    g = group_or_404(org, call.params["id"])
    ids = member_ids(call, org, g)
    if ids is None:  # no ids: the whole segment is emptied (documented)
        ids = list(g.members)
    for cid in ids:
        g.members.pop(cid, None)
    return plain_ok(f"{len(ids)} contact(s) detached from segment with id='{g.id}'")


@api.op("list_addressbooks")
def list_addressbooks(call: Call[World]) -> dict[str, Any]:
    books = []
    for book in org_of(call).address_books:
        groups = []
        for fg in book.groups:
            fields = []
            for f in fg.fields:
                desc: dict[str, Any] = {"type": f.type, "required": f.required,
                                        "readonly": f.readonly}
                if f.possible_values:
                    desc["allowedValues"] = {"possibleValues": list(f.possible_values)}
                fields.append({"id": f.id, "name": f.name, "fieldKey": f.key,
                               "description": desc})
            groups.append({"name": fg.name, "profileKey": fg.profile_key,
                           "fields": one_or_many(fields)})
        books.append({"addressBookId": book.id, "name": book.name,
                      "fieldGroups": one_or_many(groups)})
    return {"addressBook": one_or_many(books)}

