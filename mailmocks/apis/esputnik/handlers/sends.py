"""Sending: smartsend of a prepared message, direct email, SMS and Viber, and the status of
each recipient's send (docs/vendors/esputnik.md §6; assumptions K, L; D-9).

Every send is asynchronous: the call answers a `requestId` per recipient and queues a job
(`jobs.queue`) that renders the message into the outbox and settles its status.
"""
from __future__ import annotations

from typing import Any

import orjson

from ....core import Clock, op
from ..coerce import MAX_NESTING, depth
from ..errors import bad_request, unknown_category
from ..jobs import Outgoing, queue
from ..model import EMAIL_RE, PHONE_RE, ApiCall, Contact, Org, Send, body_of, one_or_many
from .messages import message_or_404, sender_address
from .segments import group_or_404

DELIVERED_LIKE = {"DELIVERED", "READ", "CLICKED"}
WAITING = {"IN_QUEUE", "PENDING"}


def error_result(locator: str, message: str) -> dict[str, Any]:
    return {"id": 0, "locator": locator, "status": "ERROR", "message": message}


def contact_for(org: Org, clock: Clock, channel: str, value: str) -> Contact:
    """The contact with this address; an unknown one is created with only that channel."""
    c = org.find(email=value) if channel == "email" else org.find(phone=value)
    if c is not None:
        return c
    c = org.new_contact(clock.now())
    c.channels = [{"type": channel, "value": value.lower() if channel == "email" else value}]
    return org.save(c)


def results(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": 0, "results": one_or_many(items)}


@op("smartsend_message")
def smartsend_message(call: ApiCall) -> dict[str, Any]:
    org, body = call.tenant, body_of(call)
    m = message_or_404(org, call.params["id"])
    from_name = body.get("fromName")
    address = sender_address(org, m.sender)
    sender = f'"{from_name}" <{address}>' if from_name else m.sender
    out = []
    for r in body["recipients"]:
        locator, problem, c = recipient(call, r)
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
        if depth(data, MAX_NESTING) > MAX_NESTING:  # it could not be shown again (§13)
            out.append(error_result(locator, f"jsonParam nests deeper than {MAX_NESTING} levels"))
            continue
        out.append(queue(call.world, org, Outgoing(
            "email", locator, c, sender, m.subject, m.html, data, "smartsend", velocity=True,
            subscriptions_keys=tuple(m.subscriptions_keys),
            external_request_id=r.get("externalRequestId"), message_id=m.id)))
    return results(out)


def recipient(call: ApiCall, r: dict[str, Any]) -> tuple[str, str | None, Contact | None]:
    """(locator, problem, contact) for one smartsend recipient (assumption K)."""
    org = call.tenant
    if r.get("locator"):
        locator = str(r["locator"]).strip()
        if not EMAIL_RE.match(locator):
            return locator, f"'{locator}' is not valid email", None
        return locator.lower(), None, contact_for(org, call.clock, "email", locator)
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


@op("send_email")
def send_email(call: ApiCall) -> dict[str, Any]:
    org, body = call.tenant, body_of(call)
    sender_address(org, body["from"])
    keys = tuple(body.get("subscriptionsKeys") or ())
    unknown = [k for k in keys if k not in org.categories]
    if unknown:
        raise unknown_category(unknown[0])
    out = []
    for raw in body["emails"]:
        address = str(raw).strip()
        if not EMAIL_RE.match(address):
            out.append(error_result(address, f"'{address}' is not valid email"))
            continue
        c = contact_for(org, call.clock, "email", address)
        out.append(queue(call.world, org, Outgoing(
            "email", address.lower(), c, body["from"], body["subject"], body["htmlText"], {},
            "email", personalise=not body.get("skipPersonalisation"), subscriptions_keys=keys,
            external_request_id=body.get("externalRequestId"))))
    return results(out)


def phone_sends(call: ApiCall, body: dict[str, Any], channel: str, sender: str,
                text: str) -> dict[str, Any]:
    org = call.tenant
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
        c = known or contact_for(org, call.clock, "sms", number)
        out.append(queue(call.world, org, Outgoing(
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


@op("send_sms")
def send_sms(call: ApiCall) -> dict[str, Any]:
    body = body_of(call)
    sender = known_sender(call.tenant, "sms", body["from"])
    return phone_sends(call, body, "sms", sender, body["text"])


@op("send_viber")
def send_viber(call: ApiCall) -> dict[str, Any]:
    body = body_of(call)
    sender = known_sender(call.tenant, "viber", body.get("from"))
    return phone_sends(call, body, "viber", sender, body["text"])


def status_json(send: Send) -> dict[str, Any]:
    delivered = send.status in DELIVERED_LIKE
    failed = not delivered and send.status not in WAITING
    return {"requestId": send.request_id, "status": send.status, "failed": failed,
            "delivered": delivered}


@op("get_message_status")
def get_message_status(call: ApiCall) -> dict[str, Any]:
    org = call.tenant
    ids = dict.fromkeys(x.strip() for x in str(call.params.get("ids") or "").split(",")
                        if x.strip())
    if not ids:
        raise bad_request("ids is required: the requestIds of the sends, comma-separated")
    found = [status_json(org.sends[i]) for i in ids if i in org.sends]
    return {"results": one_or_many(found)}
