"""Background work, as the vendor does it asynchronously (docs/vendors/esputnik.md §10.3):
the bulk import's progress, each send's delivery, and the deletion of orders.

- Import (§2.7, §2.8; assumption D): STARTED, then IMPORTING, then FINISHED with the mapping
  of dedupe values to contacts, matched by externalCustomerId first, then `dedupeOn`.
- Send (§6; D-9, assumption K): IN_QUEUE until the job renders the message into the outbox
  (Velocity off the event loop when served, profile merge tags after) and settles it:
  DELIVERED, UNDELIVERED, UNSUBSCRIBED, SMS_UNDELIVERED_STATE, VIBER_UNKNOWN_USER or ERROR.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from ...core import Budget, Message, RenderLimitError
from .model import (
    ADDRESS_PARTS,
    SIMPLE_FIELDS,
    Contact,
    ImportSession,
    Org,
    Send,
    World,
    apply_contact,
    clean_channels,
    given_channels,
    new_uuid,
    norm,
    stored_value,
)
from .render import VelocityError, merge_tags, render

log = logging.getLogger("mailmocks.esputnik")

BULK_CHANNELS = ("email", "sms", "mobilepush", "webpush")
DEDUPE_CHANNEL = {"email": ("email",), "sms": ("sms",), "push": ("mobilepush",),
                  "email_or_sms": ("email", "sms")}


# -- the bulk import ------------------------------------------------------------------------
def start_import(world: World, org: Org, session: ImportSession,
                 contacts: list[dict[str, Any]], options: dict[str, Any]) -> None:
    """Queue the import: one job moves it to IMPORTING, the next one does the work."""
    def finish() -> None:
        try:
            import_contacts(world, org, session, contacts, options)
        except Exception as exc:  # a bug of ours: the session says so instead of hanging
            log.exception("esputnik import %s failed", session.id)
            session.status, session.updated = "ERROR", world.services.clock.now()
            session.description = f"Import failed: {type(exc).__name__}"

    def start() -> None:
        session.status, session.updated = "IMPORTING", world.services.clock.now()
        world.services.jobs.submit(finish, name="esputnik:import:finish")

    world.services.jobs.submit(start, name="esputnik:import:start")


def dedupe_value(raw: dict[str, Any], dedupe: str, field_id: int | None) -> str | None:
    if dedupe in DEDUPE_CHANNEL:
        for kind in DEDUPE_CHANNEL[dedupe]:
            for ch in given_channels(raw):
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
            c = org.new_contact(now)
            apply_contact(org, c, raw)
            welcome(org, c, now, opts.get("eventKeyForNewContacts"))
        else:
            update_from_bulk(c, raw, opts)
        c.deleted, c.updated = False, now
        org.save(c)
        for name in opts.get("groupNames") or ():
            org.segment_named(name).members.setdefault(c.id, now)
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
            setattr(c, slot, stored_value(key, raw.get(key)))
    address = dict(c.address or {})
    for key in ADDRESS_PARTS:
        if wanted(key):
            address[key] = stored_value(key, (raw.get("address") or {}).get(key))
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
    org.add_event(now, event_key, c.email or c.phone, params, c.id)


# -- sends ----------------------------------------------------------------------------------
@dataclass(slots=True)
class Outgoing:
    """What one recipient will get, rendered when the send job runs."""

    channel: str
    to: str
    contact: Contact
    sender: str
    subject: str
    body: str
    data: dict[str, Any]
    kind: str
    velocity: bool = False
    personalise: bool = True
    subscriptions_keys: tuple[str, ...] = ()
    external_request_id: str | None = None
    message_id: int | None = None


def profile_tags(org: Org, c: Contact) -> dict[str, str]:
    """`%FIRSTNAME%`-style placeholders (§11), custom fields as `%GROUP.FIELD%`."""
    values = {"FIRSTNAME": c.first_name or "", "LASTNAME": c.last_name or "",
              "EMAIL": c.email or "", "SMS": c.phone or "", "CONTACT_ID": str(c.id),
              "CITY": (c.address or {}).get("town") or "",
              "REGION": (c.address or {}).get("region") or ""}
    for book in org.address_books:
        for group in book.groups:
            for f in group.fields:
                values[f"{group.profile_key}.{f.key}"] = str(c.fields.get(f.id) or "")
    return values


def queue(world: World, org: Org, out: Outgoing) -> dict[str, Any]:
    """Record the send as IN_QUEUE, schedule its delivery and answer its result."""
    services, request_id = world.services, new_uuid()
    msg = services.outbox.add(
        api="esputnik", channel=out.channel, to=out.to, sender=out.sender,
        subject=out.subject, template=out.body, data=out.data, kind=out.kind, tenant=org.id,
        status="IN_QUEUE",
        meta={"requestId": request_id, "messageId": out.message_id,
              "externalRequestId": out.external_request_id})
    send = Send(request_id, out.channel, out.to, out.contact.id, "IN_QUEUE", msg.id,
                out.external_request_id, list(out.subscriptions_keys))
    org.sends[request_id] = send
    paid = org.balance.charge(out.channel)

    def job() -> Any:  # a coroutine when paid; else queued, then refused for want of money
        return deliver(world, org, send, msg, out) if paid else settle(world, send, msg,
                                                                        "NO_MONEY")

    services.jobs.submit(job, name=f"esputnik:send:{out.channel}")
    return {"id": 0, "locator": out.to, "status": "OK", "requestId": request_id}


async def deliver(world: World, org: Org, send: Send, msg: Message, out: Outgoing) -> None:
    """Render the message (subject and body share one budget) and settle its status; a
    template that fails or goes over a limit ends the send in ERROR, the reason in meta.
    Served, the render runs on a worker thread: the profile tags are read here first."""
    tags = profile_tags(org, out.contact) if out.personalise else None
    try:
        subject, html, text = await world.services.render(personalise, out, tags, Budget())
    except VelocityError as exc:
        msg.meta["error"] = str(exc)
    except RenderLimitError as exc:
        msg.meta["error"] = f"Velocity rendering stopped: {exc.reason}"
    except Exception as exc:  # a bug of ours: the send ends ERROR, not IN_QUEUE for ever
        log.exception("esputnik send %s failed", send.request_id)
        msg.meta["error"] = f"Rendering failed: {type(exc).__name__}"
    else:
        world.services.outbox.fill(msg, subject=subject, html=html, text=text)
        settle(world, send, msg, outcome(org, send, out.contact))
        return
    settle(world, send, msg, "ERROR")


def personalise(out: Outgoing, tags: dict[str, str] | None,
                budget: Budget | None = None) -> tuple[str, str, str]:
    """Subject, HTML and text of one send: plain values in, plain values out."""
    subject, body = out.subject, out.body
    if out.velocity:
        budget = budget if budget is not None else Budget()
        subject, body = render(subject, out.data, budget), render(body, out.data, budget)
    if tags is not None:
        subject, body = merge_tags(subject, tags), merge_tags(body, tags)
    if out.channel == "email":
        return subject, body, re.sub(r"<[^>]+>", "", body).strip()
    return subject, "", body


def outcome(org: Org, send: Send, c: Contact) -> str:
    if send.channel == "email":
        address = send.to.lower()
        if address in org.unsubscribed:
            return "UNSUBSCRIBED"
        if send.subscriptions_keys and not set(send.subscriptions_keys) & c.subscriptions:
            return "UNSUBSCRIBED"
        domain = address.rpartition("@")[2]
        if domain in org.undeliverable_domains or domain.endswith(".invalid"):
            return "UNDELIVERED"
        return "DELIVERED"
    if norm(send.to) in org.undeliverable_phones:
        return "SMS_UNDELIVERED_STATE" if send.channel == "sms" else "VIBER_UNKNOWN_USER"
    return "DELIVERED"


def settle(world: World, send: Send, msg: Message, status: str) -> None:
    send.status = status
    world.services.outbox.mark(msg, status)


# -- orders ---------------------------------------------------------------------------------
def delete_orders_later(world: World, org: Org, doomed: list[str]) -> None:
    """Delete these orders in a background job (§5.2), as the vendor does."""
    def run() -> None:
        for key in doomed:
            org.orders.pop(key, None)

    world.services.jobs.submit(run, name="esputnik:delete_orders")
