"""Broadcasts: drafts, scheduled sends and their stats (§8). References (§n, D-n,
assumption X) are to docs/vendors/convertkit.md.

A scheduled broadcast goes out when the clock passes `send_at` (jobs.py); one that is
sending or sent can no longer be changed or deleted (assumption N).
"""
from __future__ import annotations

import dataclasses
from typing import Any

from ....core import Reply, iso, json_reply, no_content, op
from .. import errors
from ..jobs import schedule_broadcast
from ..model import PER_PAGE, ApiCall, Broadcast, body_of, broadcast_json, parse_time
from ..params import as_bool
from ..render import syntax_error
from . import page_of

ATTRS = ("subject", "description", "content", "email_address", "email_layout_template",
         "thumbnail_alt", "thumbnail_url")


def apply_broadcast(b: Broadcast, body: dict[str, Any]) -> None:
    """Write the sent attributes onto `b`; nothing is written if one is refused."""
    for name in ("content", "subject"):
        text = body.get(name, getattr(b, name))
        if isinstance(text, str) and (problem := syntax_error(text)) is not None:
            raise errors.unprocessable(f"{name.capitalize()} is not valid Liquid: {problem}")
    send_at = parse_time(body["send_at"], "send_at") if "send_at" in body else b.send_at
    published_at = (parse_time(body["published_at"], "published_at") if "published_at" in body
                    else b.published_at)
    for name in ATTRS:
        if name in body:
            setattr(b, name, body[name])
    if "public" in body:  # ActiveModel's boolean cast; blank keeps the default
        b.public = bool(as_bool(body["public"]))
    b.published_at = published_at
    b.send_at = send_at


def broadcast_or_404(call: ApiCall) -> Broadcast:
    b = call.tenant.broadcasts.get(call.params["broadcast_id"])
    if b is None:
        raise errors.not_found()
    return b


def editable(b: Broadcast) -> Broadcast:
    if b.status in ("sending", "completed"):
        raise errors.already_sent()
    return b


@op("list_broadcasts")
def list_broadcasts(call: ApiCall) -> dict[str, Any]:
    page = call.tenant.broadcasts.page(page_of(call), PER_PAGE,
                                       descending=call.params.get("sort_order") == "desc")
    return {"broadcasts": [{"id": b.id, "created_at": iso(b.created_at), "subject": b.subject}
                           for b in page.items]}


@op("create_broadcast")
def create_broadcast(call: ApiCall) -> Reply:
    acct = call.tenant
    b = Broadcast(acct.broadcasts.next_id(), call.clock.now())
    apply_broadcast(b, body_of(call))  # validates before anything is stored
    schedule_broadcast(call.world, acct, b)
    acct.broadcasts.put(b.id, b)
    return json_reply(201, {"broadcast": broadcast_json(acct, b)})


@op("get_broadcast")
def get_broadcast(call: ApiCall) -> dict[str, Any]:
    return {"broadcast": broadcast_json(call.tenant, broadcast_or_404(call))}


@op("get_broadcast_stats")
def get_broadcast_stats(call: ApiCall) -> dict[str, Any]:
    """An object, not the docs' array (assumption F); opens and clicks are never tracked."""
    b = broadcast_or_404(call)
    done = b.status == "completed"
    return {"broadcast": {"id": b.id, "stats": {
        "recipients": b.recipients, "open_rate": 0.0, "click_rate": 0.0, "unsubscribes": 0,
        "total_clicks": 0, "show_total_clicks": False, "status": b.status,
        "progress": 100.0 if done else 0.0}}}


@op("update_broadcast")
def update_broadcast(call: ApiCall) -> dict[str, Any]:
    acct, b = call.tenant, editable(broadcast_or_404(call))
    draft = dataclasses.replace(b, job=None)
    apply_broadcast(draft, body_of(call))  # a rejected update changes nothing
    if b.job is not None:
        call.services.jobs.cancel(b.job)
    acct.broadcasts.put(b.id, draft)
    schedule_broadcast(call.world, acct, draft)
    return {"broadcast": broadcast_json(acct, draft)}


@op("delete_broadcast")
def delete_broadcast(call: ApiCall) -> Reply:
    acct, b = call.tenant, editable(broadcast_or_404(call))
    if b.job is not None:
        call.services.jobs.cancel(b.job)
    acct.broadcasts.delete(b.id)
    return no_content()
