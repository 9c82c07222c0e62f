"""HighLevel's clock-driven work: SCHEDULED posts going live, and email campaigns going out.

Both are core jobs on the services clock: in tests nothing happens until the clock is
advanced or the jobs drained; served, the sandbox's ticker runs what falls due.
"""
from __future__ import annotations

from typing import Any

from .model import Campaign, Contact, Location, Post, World, resolve_recipients
from .render import merge_data, render_all

UNIT_SECONDS = {"minutes": 60.0, "hours": 3600.0, "days": 86_400.0}


# -- blog posts ------------------------------------------------------------------------------
def schedule_publication(world: World, loc: Location, post: Post) -> None:
    """A SCHEDULED post goes live when the clock reaches its publishedAt
    (docs/vendors/highlevel.md D-5); any other status cancels a pending publication."""
    jobs = world.services.jobs
    if post.job is not None:
        jobs.cancel(post.job)
        post.job = None
    if post.status != "SCHEDULED":
        return

    def publish() -> None:
        post.job = None
        if post.status == "SCHEDULED" and loc.posts.get(post.rid) is post:
            post.status = "PUBLISHED"
            post.updated_at = world.services.clock.now()
            loc.posts.put(post.rid, post)

    at = max(post.published_at, world.services.clock.now())
    post.job = jobs.submit(publish, at=at, name=f"highlevel:publish:{post.id}")


# -- email campaigns (v3) ----------------------------------------------------------------------
def schedule_send(world: World, loc: Location, c: Campaign, at: float) -> None:
    """The campaign's first batch goes out at `at` (a send already pending is replaced)."""
    cancel_sends(world, c)
    c.jobs.append(world.services.jobs.submit(lambda: send_batch(world, loc, c, 0), at=at,
                                             name=f"highlevel:campaign:{c.id}"))


def cancel_sends(world: World, c: Campaign) -> None:
    for job in c.jobs:
        world.services.jobs.cancel(job)
    c.jobs.clear()


async def send_batch(world: World, loc: Location, c: Campaign, start: int) -> None:
    """Send the next batch (everyone, unless `batch` is configured), then schedule the rest."""
    if loc.campaigns.get(c.rid) is not c:  # deleted meanwhile
        return
    c.jobs.clear()
    if c.recipients is None:  # not frozen: whoever matches when it goes out
        c.recipients = resolve_recipients(loc, c.schedule["recipients"])
    c.status = "processing"
    batch = (c.schedule.get("scheduleConfig") or {}).get("batch")
    size = int(batch["batchSize"]) if batch else len(c.recipients)
    contacts = [contact for contact_id in c.recipients[start:start + size]
                if (contact := loc.contacts.by("id", contact_id)) is not None and not contact.dnd]
    datas = [merge_data(loc, c, contact) for contact in contacts]
    # on a worker thread when served: a heavy template never holds the other APIs
    rendered = await world.services.render(render_all, c.content, c.subject, datas)
    for contact, data, (body, subject) in zip(contacts, datas, rendered, strict=True):
        deliver(world, loc, c, contact, data, body, subject)
    now = world.services.clock.now()
    c.updated_at = now
    if batch and start + size < len(c.recipients):
        delay = float(batch["interval"]) * UNIT_SECONDS[batch["intervalUnit"]]
        c.jobs.append(world.services.jobs.submit(
            lambda: send_batch(world, loc, c, start + size), at=now + delay,
            name=f"highlevel:campaign:{c.id}"))
    else:
        c.status = "sent"


def deliver(world: World, loc: Location, c: Campaign, contact: Contact, data: dict[str, Any],
            body: str, subject: str) -> None:
    """One rendered email into the outbox; the campaign's statistics count it."""
    plain = c.editor_type == "text"
    world.services.outbox.add(
        api="highlevel", channel="email", to=contact.email,
        sender=f"{c.from_name} <{c.from_email}>", subject=subject,
        html="" if plain else body, text=body if plain else "", template=c.content, data=data,
        kind="campaign", tenant=loc.id, status="delivered",
        meta={"campaignId": c.id, "sourceId": c.source_id, "replyTo": c.reply_to})
    c.stats.counts["delivered"] += 1
