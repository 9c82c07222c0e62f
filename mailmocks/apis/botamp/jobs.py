"""The background work behind `create_or_update_many`: applying a batch, then emailing the
account owner its report (docs/vendors/botamp.md §2.2, §4, D-6; assumptions F and G)."""
from __future__ import annotations

import functools
from html import escape
from typing import Any

from ...core import iso
from .errors import DUPLICATE, Rejected
from .model import (
    API_NAME,
    Account,
    Batch,
    Skipped,
    World,
    check_subscriber,
    normalise_email,
    upsert,
)

REPORT_SENDER = "Botamp <no-reply@botamp.com>"
REPORT_SUBJECT = "Your subscriber import is done"
REPORT_TEXT = """Hello {name},

Your import of {size} entries (received {received}) is done.

Created: {created}
Updated: {updated}
Skipped: {skipped_count}
{skipped_lines}
The Botamp team
"""


def submit_batch(world: World, acct: Account, entries: list[Any], now: float) -> Batch:
    """Record an accepted batch and queue the job that applies it (after `batch_delay`)."""
    batch = Batch(next(world.batch_ids), len(entries), now)
    acct.batches.append(batch)
    world.services.jobs.submit(functools.partial(run_batch, world, acct, batch, entries),
                               delay=world.batch_delay,
                               name=f"botamp batch {batch.id} ({batch.size} subscribers)")
    return batch


def run_batch(world: World, acct: Account, batch: Batch, entries: list[Any]) -> None:
    """Apply a batch as Botamp does: first occurrence wins, invalid entries skipped."""
    seen: set[str] = set()
    with acct.lock:
        now = world.services.clock.now()
        for n, raw in enumerate(entries, 1):
            given = raw.get("email") if isinstance(raw, dict) else None
            shown = given if isinstance(given, str) else None
            key = normalise_email(given)
            if key is not None:
                if key in seen:
                    batch.skipped.append(Skipped(n, shown, DUPLICATE))
                    continue
                seen.add(key)
            try:
                sub = check_subscriber(raw, acct)
            except Rejected as rej:
                batch.skipped.append(Skipped(n, shown, rej.message))
                continue
            if upsert(acct, sub, now):
                batch.created += 1
            else:
                batch.updated += 1
        batch.status, batch.finished_at = "done", world.services.clock.now()
    send_report(world, acct, batch)


def send_report(world: World, acct: Account, batch: Batch) -> None:
    """The email Botamp sends the account owner when a batch is done."""
    lines = "".join(f"- entry {s.entry} ({s.email or 'no email'}): {s.reason}\n"
                    for s in batch.skipped)
    received = iso(batch.received_at)
    data = {"name": acct.name, "size": batch.size, "received": received,
            "created": batch.created, "updated": batch.updated,
            "skipped_count": len(batch.skipped),
            "skipped_lines": f"\nSkipped entries:\n{lines}" if lines else ""}
    text = REPORT_TEXT.format(**data)
    items = "".join(f"<li>Entry {s.entry} ({escape(s.email or 'no email')}): "
                    f"{escape(s.reason)}</li>" for s in batch.skipped)
    html = (f"<p>Hello {escape(acct.name)},</p><p>Your import of {batch.size} entries "
            f"(received {received}) is done.</p><ul><li>Created: {batch.created}</li>"
            f"<li>Updated: {batch.updated}</li><li>Skipped: {len(batch.skipped)}</li></ul>"
            + (f"<p>Skipped entries:</p><ol>{items}</ol>" if items else "")
            + "<p>The Botamp team</p>")
    world.services.outbox.add(
        api=API_NAME, channel="email", to=acct.owner_email, sender=REPORT_SENDER,
        subject=REPORT_SUBJECT, html=html, text=text, template=REPORT_TEXT,
        data={**data, "batch_id": batch.id, **batch.as_dict()}, kind="report", tenant=acct.id,
        meta={"batch_id": batch.id})
