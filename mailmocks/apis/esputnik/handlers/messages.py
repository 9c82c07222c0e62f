"""Prepared email messages, Velocity templates checked on save (docs/vendors/esputnik.md §7,
§11; assumption J)."""
from __future__ import annotations

import re
from typing import Any

from ....core import Reply, op
from ..errors import bad_request, not_found, unknown_category
from ..model import ApiCall, EmailMessage, Org, body_of
from ..render import VelocityError, check
from . import empty_ok, listing, page_args

# `"Name" <addr>`, `"Name" addr` (the specification's example) or a bare address
SENDER_RE = re.compile(r'^\s*(?:"?([^"<]*?)"?\s*<([^<>\s]+)>|"([^"]*)"\s+([^<>\s"]+)'
                       r'|([^<>\s"]+))\s*$')


def sender_address(org: Org, sender: str) -> str:
    """The address of a sender, which must be one of the organisation's: sending needs a
    known sender (§6.2); saving a prepared message does not (assumption J)."""
    m = SENDER_RE.match(sender)
    address = (m.group(2) or m.group(4) or m.group(5)).lower() if m else ""
    if address not in org.senders["email"]:
        raise bad_request(f"Sender '{sender}' is not valid")
    return address


def checked_message(org: Org, body: dict[str, Any]) -> dict[str, Any]:
    for part in ("subject", "htmlText"):
        try:
            check(body[part])
        except VelocityError as exc:
            raise bad_request(f"{part}: {exc}") from None
    unknown = [k for k in body.get("subscriptionsKeys") or () if k not in org.categories]
    if unknown:
        raise unknown_category(unknown[0])
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
            "tags": list(m.tags)}


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


@op("search_email_messages")
def search_email_messages(call: ApiCall) -> Reply:
    org = call.tenant
    needle = str(call.params.get("search") or "").strip().lower()
    found = [m for m in org.messages.values()
             if not needle or needle in m.name.lower()
             or needle in (t.lower() for t in m.tags)]
    start, rows = page_args(call)
    return listing([message_json(m) for m in found[start:start + rows]], len(found))


@op("create_email_message")
def create_email_message(call: ApiCall) -> dict[str, Any]:
    org, now = call.tenant, call.clock.now()
    body = checked_message(org, body_of(call))
    m = EmailMessage(next(org.message_ids), "", "", "", "", now, now)
    apply_message(m, body)
    org.messages[m.id] = m
    return {"id": m.id}


@op("get_email_message")
def get_email_message(call: ApiCall) -> dict[str, Any]:
    return message_json(message_or_404(call.tenant, call.params["id"]))


@op("update_email_message")
def update_email_message(call: ApiCall) -> Reply:
    org = call.tenant
    m = message_or_404(org, call.params["id"])
    apply_message(m, checked_message(org, body_of(call)))
    m.updated = call.clock.now()
    return empty_ok()


@op("delete_email_message")
def delete_email_message(call: ApiCall) -> Reply:
    org = call.tenant
    message_or_404(org, call.params["id"])
    del org.messages[call.params["id"]]
    return empty_ok()
