"""Subscribers: listing, reading, updating, unsubscribing, their tags (§7). References (§n,
D-n, assumption X) are to docs/vendors/convertkit.md."""
from __future__ import annotations

from typing import Any

from ....core import Page, Reply, json_reply, op, paginate
from .. import errors, jobs
from ..model import (
    EMAIL_RE,
    MAX_FIELDS,
    PER_PAGE,
    SYNC_FIELDS,
    ApiCall,
    Subscriber,
    SubscriberUpdate,
    body_of,
    day_bound,
    envelope,
    set_state,
    subscriber_json,
    subscribers_json,
    tag_json,
    within,
)
from ..params import as_text
from . import page_of


def subscriber_or_404(call: ApiCall) -> Subscriber:
    s = call.tenant.subscribers.get(call.params["subscriber_id"])
    if s is None:
        raise errors.not_found()
    return s


@op("list_subscribers")
def list_subscribers(call: ApiCall) -> dict[str, Any]:
    """Non-cancelled by default, cancelled with `sort_field=cancelled_at`; an
    `email_address` search finds any state (D-7)."""
    acct, p = call.tenant, call.params
    desc = p.get("sort_order") == "desc"
    if p.get("email_address") is not None:
        found = jobs.by_email(call.world, acct, str(p["email_address"]))
        page: Page[Subscriber] = paginate([found] if found else [], page_of(call), PER_PAGE)
    else:
        cancelled = p.get("sort_field") == "cancelled_at"
        bounds = [(k, day_bound(p[k], k.endswith("to"), k)) for k in
                  ("from", "to", "updated_from", "updated_to") if p.get(k)]
        if not bounds and not cancelled:
            page = acct.subscribers.page(page_of(call), PER_PAGE, group="listing",
                                         keys=["live"], descending=desc)
        else:
            rows = [acct.subscribers.get(i) for i in
                    acct.subscribers.ids("listing", "cancelled" if cancelled else "live")]
            chosen = [s for s in rows if s is not None and within(s, bounds)]
            if cancelled:
                chosen.sort(key=lambda s: (s.cancelled_at or 0, s.id))
            if desc:
                chosen.reverse()
            page = paginate(chosen, page_of(call), PER_PAGE)
    return envelope("subscribers", page, subscribers_json(acct, page.items))


@op("get_subscriber")
def get_subscriber(call: ApiCall) -> dict[str, Any]:
    return {"subscriber": subscriber_json(call.tenant, subscriber_or_404(call))}


@op("update_subscriber")
def update_subscriber(call: ApiCall) -> Reply:
    acct, s, body = call.tenant, subscriber_or_404(call), body_of(call)
    raw_fields = body.get("fields")
    fields: dict[str, Any] = raw_fields if isinstance(raw_fields, dict) else {}
    if len(fields) > MAX_FIELDS:
        raise errors.too_many_fields(MAX_FIELDS)  # assumption C
    email = body.get("email_address")
    if isinstance(email, str):
        email = email.strip()
        if not EMAIL_RE.match(email):
            raise errors.unprocessable("Email address is invalid")
        holder = jobs.email_holder(acct, email)  # a queued 202 has reserved its email
        if holder is not None and holder != s.id:
            raise errors.unprocessable("Email address has already been taken")
    first_name = body.get("first_name")
    update = SubscriberUpdate(
        email if isinstance(email, str) else None, first_name,
        isinstance(first_name, str) or (first_name is None and "first_name" in body), fields)
    if len(fields) > SYNC_FIELDS:
        jobs.update_later(call.world, acct, s, update)
        preview = subscriber_json(acct, s)  # the body shows the result to come
        if isinstance(email, str):
            preview["email_address"] = email
        if "first_name" in body:
            preview["first_name"] = first_name
        preview["fields"].update({k: as_text(v) for k, v in fields.items()
                                  if k in preview["fields"]})
        return json_reply(202, {"subscriber": preview})
    jobs.apply_update(call.world, acct, s, update)
    return json_reply(200, {"subscriber": subscriber_json(acct, s)})


@op("unsubscribe_subscriber")
def unsubscribe_subscriber(call: ApiCall) -> dict[str, Any]:
    acct = call.tenant
    s = jobs.by_email(call.world, acct, str(body_of(call).get("email") or ""))
    if s is None:
        raise errors.not_found()
    set_state(call.world, acct, s, "cancelled")
    return {"subscriber": subscriber_json(acct, s)}


@op("list_subscriber_tags")
def list_subscriber_tags(call: ApiCall) -> dict[str, Any]:
    acct, s = call.tenant, subscriber_or_404(call)
    tags = []
    for sid in acct.subscriptions.ids("of", s.id):
        sub = acct.subscriptions.get(sid)
        if sub is not None and sub.kind == "tag" and (tag := acct.tags.get(sub.target_id)):
            tags.append(tag_json(tag))
    return {"tags": tags}
