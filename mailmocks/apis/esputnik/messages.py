"""Prepared email messages (Velocity templates), smartsend, direct email/SMS/Viber sends and
their per-recipient status (facts §6, §7, §11).

Every send is asynchronous: the call answers a `requestId` per recipient and queues a job;
the job renders the message into the outbox and settles its status (IN_QUEUE -> DELIVERED,
UNDELIVERED, UNSUBSCRIBED, ...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from ...core import Call, Reply, iso
from ...core.outbox import Message
from ...core.render import Budget, RenderLimitError
from .base import (
    api,
    bad_request,
    body_of,
    empty_ok,
    listing,
    new_uuid,
    not_found,
    one_or_many,
    org_of,
    page_args,
)
from .contacts import EMAIL_RE, PHONE_RE, group_or_404, new_contact
from .model import Contact, EmailMessage, Org, Send, World, norm
from .velocity import VelocityError, check, merge_tags, render

SENDER_RE = re.compile(r'^\s*(?:"?([^"<]*?)"?\s*<([^<>\s]+)>|([^<>\s]+))\s*$')
DELIVERED_LIKE = {"DELIVERED", "READ", "CLICKED"}
WAITING = {"IN_QUEUE", "PENDING"}


# -- prepared messages ---------------------------------------------------------------------
def sender_address(org: Org, sender: str) -> str:
    """The address of a `"Name" <addr>` or bare sender, which must be the organisation's."""
    m = SENDER_RE.match(sender)
    address = (m.group(2) or m.group(3)).lower() if m else ""
    if address not in org.senders["email"]:
        raise bad_request(f"Sender '{sender}' is not valid")
    return address


def checked_message(org: Org, body: dict[str, Any]) -> dict[str, Any]:
    sender_address(org, body["from"])
    for part in ("subject", "htmlText"):
        try:
            check(body[part])
        except VelocityError as exc:
            raise bad_request(f"{part}: {exc}") from None
    unknown = [k for k in body.get("subscriptionsKeys") or () if k not in org.categories]
    if unknown:
        raise bad_request(f"Subscription category with key '{unknown[0]}' not found")
    return body


def apply_message(m: EmailMessage, body: dict[str, Any]) -> None:
    m.name, m.sender, m.subject, m.html = (body["name"], body["from"], body["subject"],
                                           body["htmlText"])
    m.tags = list(body.get("tags") or [])
    m.css, m.raw_html, m.amp_html = body.get("css"), body.get("rawHtml"), body.get("ampHtml")
    m.language_code = body.get("languageCode")
    m.subscriptions_keys = list(body.get("subscriptionsKeys") or [])


def summary_json(m: EmailMessage) -> dict[str, Any]:
    return {"id": m.id, "name": m.name, "from": m.sender, "subject": m.subject,
            "tags": list(m.tags), "createdDate": iso(m.created), "updatedDate": iso(m.updated)}


def message_json(m: EmailMessage) -> dict[str, Any]:
    out = {**summary_json(m), "htmlText": m.html, "css": m.css, "rawHtml": m.raw_html,
           "ampHtml": m.amp_html, "languageCode": m.language_code,
           "subscriptionsKeys": list(m.subscriptions_keys),
           "languages": [m.language_code] if m.language_code else [], "translations": []}
    return {k: v for k, v in out.items() if v is not None}


def message_or_404(org: Org, mid: int) -> EmailMessage:
    m = org.messages.get(mid)
    if m is None:
        raise not_found(f"Message with id='{mid}' not found")
    return m


@api.op("search_email_messages")
def search_email_messages(call: Call[World]) -> Reply:
    org = org_of(call)
    needle = str(call.params.get("search") or "").strip().lower()
    found = [m for m in org.messages.values()
             if not needle or needle in m.name.lower()
             or needle in (t.lower() for t in m.tags)]
    start, rows = page_args(call)
    return listing([summary_json(m) for m in found[start:start + rows]], len(found))


@api.op("create_email_message")
def create_email_message(call: Call[World]) -> dict[str, Any]:
    org, now = org_of(call), call.clock.now()
    body = checked_message(org, body_of(call))
    m = EmailMessage(next(org.message_ids), "", "", "", "", now, now)
    apply_message(m, body)
    org.messages[m.id] = m
    return {"id": m.id}


@api.op("get_email_message")
def get_email_message(call: Call[World]) -> dict[str, Any]:
    return message_json(message_or_404(org_of(call), call.params["id"]))


@api.op("update_email_message")
def update_email_message(call: Call[World]) -> Reply:
    org = org_of(call)
    m = message_or_404(org, call.params["id"])
    apply_message(m, checked_message(org, body_of(call)))
    m.updated = call.clock.now()
    return empty_ok()


@api.op("delete_email_message")
def delete_email_message(call: Call[World]) -> Reply:
    org = org_of(call)
    message_or_404(org, call.params["id"])
    del org.messages[call.params["id"]]
    return empty_ok()


# -- sending -------------------------------------------------------------------------------
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
    """`%FIRSTNAME%`-style placeholders (facts §11), custom fields as `%GROUP.FIELD%`."""
    values = {"FIRSTNAME": c.first_name or "", "LASTNAME": c.last_name or "",
              "EMAIL": c.email or "", "SMS": c.phone or "", "CONTACT_ID": str(c.id),
              "CITY": (c.address or {}).get("town") or "",
              "REGION": (c.address or {}).get("region") or ""}
    for book in org.address_books:
        for group in book.groups:
            for f in group.fields:
                values[f"{group.profile_key}.{f.key}"] = str(c.fields.get(f.id) or "")
    return values


def queue(call: Call[World], org: Org, out: Outgoing) -> dict[str, Any]:
    """Record the send as IN_QUEUE, schedule its delivery and answer its result."""
    world, request_id = call.world, new_uuid()
    msg = call.services.outbox.add(
        api="esputnik", channel=out.channel, to=out.to, sender=out.sender,
        subject=out.subject, template=out.body, data=out.data, kind=out.kind, tenant=org.id,
        status="IN_QUEUE",
        meta={"requestId": request_id, "messageId": out.message_id,
              "externalRequestId": out.external_request_id})
    send = Send(request_id, out.channel, out.to, out.contact.id, "IN_QUEUE", msg.id,
                out.external_request_id, list(out.subscriptions_keys))
    org.sends[request_id] = send
    call.services.jobs.submit(lambda: deliver(world, org, send, msg, out),
                              name=f"esputnik:send:{out.channel}")
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


def error_result(locator: str, message: str) -> dict[str, Any]:
    return {"id": 0, "locator": locator, "status": "ERROR", "message": message}


def contact_for(org: Org, call: Call[World], channel: str, value: str) -> Contact:
    """The contact with this address; an unknown one is created with only that channel."""
    c = org.find(email=value) if channel == "email" else org.find(phone=value)
    if c is not None:
        return c
    c = new_contact(org, call.clock.now())
    c.channels = [{"type": channel, "value": value.lower() if channel == "email" else value}]
    return org.save(c)


def results(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": 0, "results": one_or_many(items)}


@api.op("smartsend_message")
def smartsend_message(call: Call[World]) -> dict[str, Any]:
    org, body = org_of(call), body_of(call)
    m = message_or_404(org, call.params["id"])
    from_name = body.get("fromName")
    address = sender_address(org, m.sender)
    sender = f'"{from_name}" <{address}>' if from_name else m.sender
    out = []
    for r in body["recipients"]:
        locator, problem, c = recipient(org, call, r)
        if problem or c is None:
            out.append(error_result(locator, problem or "Recipient not found"))
            continue
        try:
            data = orjson.loads(r["jsonParam"]) if r.get("jsonParam") else {}
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            out.append(error_result(locator, "jsonParam must hold a JSON object"))
            continue
        out.append(queue(call, org, Outgoing(
            "email", locator, c, sender, m.subject, m.html, data, "smartsend", velocity=True,
            subscriptions_keys=tuple(m.subscriptions_keys),
            external_request_id=r.get("externalRequestId"), message_id=m.id)))
    return results(out)


def recipient(org: Org, call: Call[World],
              r: dict[str, Any]) -> tuple[str, str | None, Contact | None]:
    """(locator, problem, contact) for one smartsend recipient (assumption K)."""
    if r.get("locator"):
        locator = str(r["locator"]).strip()
        if not EMAIL_RE.match(locator):
            return locator, f"'{locator}' is not valid email", None
        return locator.lower(), None, contact_for(org, call, "email", locator)
    if r.get("contactId") is not None:
        c, label = org.live(int(r["contactId"])), f"Contact with id='{r['contactId']}'"
    elif r.get("externalCustomerId"):
        cid = org.by_external.get(str(r["externalCustomerId"]))
        c = org.live(cid) if cid is not None else None
        label = f"Contact with externalCustomerId='{r['externalCustomerId']}'"
    else:
        return "", "Recipient must have a locator, contactId or externalCustomerId", None
    if c is None:
        return "", f"{label} not found", None
    if not c.email:
        return "", f"{label} has no email", None
    return c.email, None, c


@api.op("send_email")
def send_email(call: Call[World]) -> dict[str, Any]:
    org, body = org_of(call), body_of(call)
    sender_address(org, body["from"])
    keys = tuple(body.get("subscriptionsKeys") or ())
    unknown = [k for k in keys if k not in org.categories]
    if unknown:
        raise bad_request(f"Subscription category with key '{unknown[0]}' not found")
    out = []
    for raw in body["emails"]:
        address = str(raw).strip()
        if not EMAIL_RE.match(address):
            out.append(error_result(address, f"'{address}' is not valid email"))
            continue
        c = contact_for(org, call, "email", address)
        out.append(queue(call, org, Outgoing(
            "email", address.lower(), c, body["from"], body["subject"], body["htmlText"], {},
            "email", personalise=not body.get("skipPersonalisation"), subscriptions_keys=keys,
            external_request_id=body.get("externalRequestId"))))
    return results(out)


def phone_sends(call: Call[World], org: Org, body: dict[str, Any], channel: str, sender: str,
                text: str) -> dict[str, Any]:
    numbers, group_id = body.get("phoneNumbers"), body.get("groupId")
    if numbers and group_id is not None:
        raise bad_request("Use either phoneNumbers or groupId, not both")
    targets: list[tuple[str, Contact | None]]
    if numbers:
        targets = [(str(n).strip(), None) for n in numbers]
    elif group_id is not None:
        members = org.members(group_or_404(org, group_id))
        targets = [(c.phone, c) for cid in members if (c := org.contacts[cid]).phone]
    else:
        raise bad_request("phoneNumbers or groupId is required")
    out = []
    for number, known in targets:
        if not PHONE_RE.match(number):
            out.append(error_result(number, f"'{number}' is not valid phone number"))
            continue
        c = known or contact_for(org, call, "sms", number)
        out.append(queue(call, org, Outgoing(
            channel, number, c, sender, "", text, {}, channel,
            subscriptions_keys=tuple(body.get("subscriptionsKeys") or ()),
            external_request_id=body.get("externalRequestId"))))
    return results(out)


def known_sender(org: Org, channel: str, sender: str | None) -> str:
    senders = org.senders[channel]
    if sender is None:
        if len(senders) == 1:
            return senders[0]
        raise bad_request("from is required: the account has more than one sender")
    if sender not in senders:
        raise bad_request(f"Sender '{sender}' is not valid")
    return sender


@api.op("send_sms")
def send_sms(call: Call[World]) -> dict[str, Any]:
    org, body = org_of(call), body_of(call)
    sender = known_sender(org, "sms", body["from"])
    return phone_sends(call, org, body, "sms", sender, body["text"])


@api.op("send_viber")
def send_viber(call: Call[World]) -> dict[str, Any]:
    org, body = org_of(call), body_of(call)
    sender = known_sender(org, "viber", body.get("from"))
    return phone_sends(call, org, body, "viber", sender, body["text"])


def status_json(send: Send) -> dict[str, Any]:
    delivered = send.status in DELIVERED_LIKE
    failed = not delivered and send.status not in WAITING
    return {"requestId": send.request_id, "status": send.status, "failed": failed,
            "delivered": delivered}


@api.op("get_message_status")
def get_message_status(call: Call[World]) -> dict[str, Any]:
    org = org_of(call)
    ids = dict.fromkeys(x.strip() for x in str(call.params["ids"]).split(",") if x.strip())
    found = [status_json(org.sends[i]) for i in ids if i in org.sends]
    return {"results": one_or_many(found)}

