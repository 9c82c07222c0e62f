"""What ConvertKit does after (or beside) answering: automation-hook deliveries, scheduled
broadcasts, confirmation emails and the asynchronous (202) subscriber update.

Nothing here runs inside a request on its own: webhook deliveries and broadcast sends are
jobs on the services clock (`drain()` / `advance()` in tests, the ticker when served), and
renders go through `services.render`, on a worker thread when served. References (§n, D-n,
assumption X) are to docs/vendors/convertkit.md.
"""
from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from .render import FAILURES, html_to_text, liquid_subscriber, render_liquid

if TYPE_CHECKING:
    from .model import Account, Broadcast, Form, Subscriber, SubscriberUpdate, World

log = logging.getLogger("mailmocks.convertkit")

# event -> the parameter a rule for it names (§11); None: the event takes none
WEBHOOK_PARAMS = {
    "subscriber.subscriber_activate": None, "subscriber.subscriber_unsubscribe": None,
    "subscriber.form_subscribe": "form_id", "subscriber.course_subscribe": "course_id",
    "subscriber.course_complete": "course_id", "subscriber.link_click": "initiator_value",
    "subscriber.product_purchase": "product_id", "subscriber.tag_add": "tag_id",
    "subscriber.tag_remove": "tag_id", "purchase.purchase_create": None,
}

DEFAULT_CONFIRMATION = (
    "<p>Hi {{ subscriber.first_name | default: 'there' }},</p>"
    "<p>Please confirm your subscription to {{ form.name }}:</p>"
    '<p><a href="{{ confirmation_url }}">Confirm your subscription</a></p>')


# -- automation hooks (§11) ------------------------------------------------------------------
def fire(world: World, acct: Account, event: str, payload: dict[str, Any],
         match: Any = None) -> None:
    """POST `payload` to every rule for `event` (whose parameter equals `match`, if any).

    Each delivery is an io job of `services.webhooks`: unsigned and never retried (§11)."""
    for rule in acct.rules:
        if rule.event != event:
            continue
        if match is not None:
            wanted = next(iter(rule.params.values()), None)
            if str(wanted) != str(match):
                continue
        world.services.webhooks.send(api="convertkit", event=event, url=rule.target_url,
                                     payload=payload)


# -- broadcasts (§8) -------------------------------------------------------------------------
def schedule_broadcast(world: World, acct: Account, b: Broadcast) -> None:
    """(Re)plan the send: at send_at it goes to every active subscriber."""
    jobs = world.services.jobs
    if b.job is not None:
        jobs.cancel(b.job)
        b.job = None
    if b.send_at is None:
        b.status = "draft"
        return
    b.status = "scheduled"
    b.job = jobs.submit(lambda: send_broadcast(world, acct, b),
                        at=max(b.send_at, world.services.clock.now()),
                        name=f"convertkit:broadcast:{b.id}")


async def send_broadcast(world: World, acct: Account, b: Broadcast) -> None:
    if acct.broadcasts.get(b.id) is not b:  # deleted meanwhile
        return
    b.status, b.job, b.error = "sending", None, None
    outbox = world.services.outbox
    template, subject = b.content or "", b.subject or ""
    sender = b.email_address or acct.email
    recipients = []  # read on the loop; rendered on a worker thread when served
    for sid in list(acct.subscribers.ids("listing", "live")):
        s = acct.subscribers.get(sid)
        if s is not None and s.state == "active":
            recipients.append((s.email, {"subscriber": liquid_subscriber(acct, s)}))
    try:
        rendered = await world.services.render(render_liquid, template, subject,
                                               [data for _, data in recipients])
    except FAILURES as exc:  # nothing goes out; the broadcast can be fixed and resent
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]  # liquid adds a caret view
        b.status, b.error = "failed", f"broadcast not sent: {reason}"
        log.warning("convertkit broadcast %s: %s", b.id, b.error)
        # the inbox says why, on one failed entry addressed to the sender
        outbox.add(api="convertkit", channel="email", to=sender, sender=sender,
                   subject=subject, template=template, kind="broadcast", tenant=acct.id,
                   status="failed", meta={"broadcast_id": b.id, "error": b.error,
                                          "recipients": len(recipients)})
        return
    for (email, data), (subject_text, html) in zip(recipients, rendered, strict=True):
        outbox.add(api="convertkit", channel="email", to=email, sender=sender,
                   subject=subject_text, html=html, text=html_to_text(html),
                   template=template, data=data, kind="broadcast", tenant=acct.id,
                   meta={"broadcast_id": b.id})
    b.recipients, b.status = len(recipients), "completed"
    if b.public and b.published_at is None:
        b.published_at = world.services.clock.now()


# -- double opt-in (§4, §16) -----------------------------------------------------------------
async def send_confirmation(world: World, acct: Account, form: Form, s: Subscriber,
                            base_url: str) -> None:
    """The form's confirmation email, with a link (served by sandbox.py) that activates `s`.

    Subscribing again before confirming sends the same link again."""
    token = s.confirm_token or secrets.token_urlsafe(16)
    s.confirm_token = token
    world.confirmations[token] = (acct, s.id)
    link = f"{base_url}/confirm/{token}"
    data = {"subscriber": liquid_subscriber(acct, s), "form": {"name": form.name},
            "confirmation_url": link}
    template = form.confirmation_content or DEFAULT_CONFIRMATION
    meta: dict[str, Any] = {"form_id": form.id, "confirmation_url": link}
    services = world.services
    try:  # on a worker thread when served: a heavy template never holds the other APIs
        [(subject, html)] = await services.render(
            render_liquid, template, form.confirmation_subject, [data])
        status = "sent"
    except FAILURES as exc:  # the email is not sent; the inbox says why
        subject, html, status = form.confirmation_subject, "", "failed"
        meta["error"] = f"confirmation not rendered: {exc}"
    services.outbox.add(api="convertkit", channel="email", to=s.email, sender=acct.email,
                        subject=subject, html=html, text=html_to_text(html),
                        template=template, data=data, kind="confirmation", tenant=acct.id,
                        status=status, meta=meta)


# -- subscriber updates (§7: 200 / 202 / 400) ------------------------------------------------
# A 202 update is queued per subscriber and its new email is reserved at once, so that the
# conflicts are decided at request time and every write applies in request order: any later
# write to that subscriber (or to the reserved email) first applies what is queued (D-14).
def apply_update(world: World, acct: Account, s: Subscriber, update: SubscriberUpdate) -> None:
    settle(world, acct, s.id)  # earlier 202s first: request order
    _apply(world, acct, s, update)


def _apply(world: World, acct: Account, s: Subscriber, update: SubscriberUpdate) -> None:
    if update.email is not None:
        s.email = update.email
    if update.sets_first_name:
        s.first_name = update.first_name
    acct.apply_fields(s, update.fields)
    s.updated_at = world.services.clock.now()
    acct.subscribers.put(s.id, s)


def update_later(world: World, acct: Account, s: Subscriber, update: SubscriberUpdate) -> None:
    """11-125 fields: accepted now (202), applied by a background job."""
    job = world.services.jobs.submit(lambda: settle(world, acct, s.id),
                                     name="convertkit:update_subscriber")
    acct.pending.setdefault(s.id, []).append((update, job))
    if update.email is not None:
        acct.reserved[update.email.lower()] = s.id


def settle(world: World, acct: Account, sid: int) -> None:
    """Apply every queued update of subscriber `sid`, oldest first."""
    queued = acct.pending.pop(sid, [])
    s = acct.subscribers.get(sid)
    for update, job in queued:
        world.services.jobs.cancel(job)  # no-op for the job running now
        if update.email is not None and acct.reserved.get(update.email.lower()) == sid:
            del acct.reserved[update.email.lower()]
        if s is not None:
            _apply(world, acct, s, update)


def by_email(world: World, acct: Account, email: str) -> Subscriber | None:
    """The subscriber `email` names once queued updates touching it are applied."""
    key = email.strip().lower()
    holder = acct.reserved.get(key)
    if holder is not None:
        settle(world, acct, holder)
    s = acct.subscribers.by("email", key)
    if s is not None and s.id in acct.pending:
        settle(world, acct, s.id)
        s = acct.subscribers.by("email", key)
    return s


def email_holder(acct: Account, email: str) -> int | None:
    """Who has `email` now, or will have it once a queued update applies."""
    key = email.lower()
    if key in acct.reserved:
        return acct.reserved[key]
    s = acct.subscribers.by("email", key)
    return None if s is None else s.id
